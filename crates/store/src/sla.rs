//! Business calendars and SLA policies as stored (what an admin wrote: checked by the commands
//! with `domain::calendar` and `domain::sla` before it is written), and which policy measures a
//! mailbox's tickets.

use crate::db::Bind;
use crate::{now_ms, Result, StoreError, WriteTx};
use podpora_domain::{Direction, MessageKind, TicketStatus};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    /// Weekly hours as `domain::calendar::parse_week` reads them.
    pub week: String,
    /// Holidays as `domain::calendar::parse_holidays` reads them.
    pub holidays: String,
}

/// One target as stored: channel and priority (`None`: any) and business minutes per metric.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TargetRow {
    pub channel: Option<String>,
    pub priority: Option<String>,
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub calendar_id: i64,
    pub warn_before_minutes: i64,
    /// `domain::sla::Escalate` as text.
    pub escalate: String,
    pub targets: Vec<TargetRow>,
    /// The mailboxes it measures.
    pub mailboxes: Vec<i64>,
}

fn calendar(r: &sqlx::any::AnyRow) -> Result<CalendarRow> {
    Ok(CalendarRow { id: r.try_get(0)?, name: r.try_get(1)?, time_zone: r.try_get(2)?, week: r.try_get(3)?, holidays: r.try_get(4)? })
}

pub async fn calendars(conn: &mut AnyConnection) -> Result<Vec<CalendarRow>> {
    sqlx::query("SELECT id, name, time_zone, week, holidays FROM calendars ORDER BY name, id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(calendar)
        .collect()
}

pub async fn calendar_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<CalendarRow>> {
    sqlx::query("SELECT id, name, time_zone, week, holidays FROM calendars WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(calendar)
        .transpose()
}

/// Adds a calendar (`id` None) or changes one (`false` if there is none).
pub async fn save_calendar(tx: &mut WriteTx, id: Option<i64>, c: &CalendarRow) -> Result<Option<i64>> {
    let now = now_ms();
    match id {
        None => Ok(Some(
            sqlx::query_scalar(
                "INSERT INTO calendars (name, time_zone, week, holidays, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&c.name)
            .bind(&c.time_zone)
            .bind(&c.week)
            .bind(&c.holidays)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?,
        )),
        Some(id) => {
            let n = sqlx::query("UPDATE calendars SET name = $1, time_zone = $2, week = $3, holidays = $4, updated_at = $5 WHERE id = $6")
                .bind(&c.name)
                .bind(&c.time_zone)
                .bind(&c.week)
                .bind(&c.holidays)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            Ok((n > 0).then_some(id))
        }
    }
}

/// Removes a calendar no policy uses (`Conflict` if one does); `false` if there is none.
pub async fn delete_calendar(tx: &mut WriteTx, id: i64) -> Result<bool> {
    let used: Option<i64> =
        sqlx::query_scalar("SELECT id FROM sla_policies WHERE calendar_id = $1 LIMIT 1").bind(id).fetch_optional(&mut **tx).await?;
    if used.is_some() {
        return Err(StoreError::Conflict("calendar in use".into()));
    }
    Ok(sqlx::query("DELETE FROM calendars WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0)
}

fn policy(r: &sqlx::any::AnyRow, mailboxes: Vec<i64>) -> Result<PolicyRow> {
    let targets: Vec<TargetRow> =
        serde_json::from_str(&r.try_get::<String, _>(4)?).map_err(|e| StoreError::Corrupt(format!("SLA targets: {e}")))?;
    Ok(PolicyRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        calendar_id: r.try_get(2)?,
        warn_before_minutes: r.try_get(3)?,
        escalate: r.try_get(5)?,
        targets,
        mailboxes,
    })
}

async fn mailboxes_of(conn: &mut AnyConnection, policy_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM mailboxes WHERE sla_policy_id = $1 ORDER BY id").bind(policy_id).fetch_all(conn).await?)
}

pub async fn policies(conn: &mut AnyConnection) -> Result<Vec<PolicyRow>> {
    let rows = sqlx::query("SELECT id, name, calendar_id, warn_before_minutes, targets, escalate FROM sla_policies ORDER BY name, id")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let boxes = mailboxes_of(conn, r.try_get(0)?).await?;
        out.push(policy(r, boxes)?);
    }
    Ok(out)
}

pub async fn policy_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<PolicyRow>> {
    let Some(r) = sqlx::query("SELECT id, name, calendar_id, warn_before_minutes, targets, escalate FROM sla_policies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let boxes = mailboxes_of(conn, id).await?;
    Ok(Some(policy(&r, boxes)?))
}

/// Adds a policy (`id` None) or changes one, and makes it the policy of exactly `p.mailboxes`
/// (they leave any other); None if there is no such policy.
pub async fn save_policy(tx: &mut WriteTx, id: Option<i64>, p: &PolicyRow) -> Result<Option<i64>> {
    let now = now_ms();
    let targets = serde_json::to_string(&p.targets).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id = match id {
        None => sqlx::query_scalar(
            "INSERT INTO sla_policies (name, calendar_id, warn_before_minutes, targets, created_at, updated_at, escalate) VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
        )
        .bind(&p.name)
        .bind(p.calendar_id)
        .bind(p.warn_before_minutes)
        .bind(&targets)
        .bind(now)
        .bind(&p.escalate)
        .fetch_one(&mut **tx)
        .await?,
        Some(id) => {
            let n = sqlx::query("UPDATE sla_policies SET name = $1, calendar_id = $2, warn_before_minutes = $3, targets = $4, updated_at = $5, escalate = $7 WHERE id = $6")
                .bind(&p.name)
                .bind(p.calendar_id)
                .bind(p.warn_before_minutes)
                .bind(&targets)
                .bind(now)
                .bind(id)
                .bind(&p.escalate)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
    };
    sqlx::query("UPDATE mailboxes SET sla_policy_id = NULL WHERE sla_policy_id = $1").bind(id).execute(&mut **tx).await?;
    for m in &p.mailboxes {
        sqlx::query("UPDATE mailboxes SET sla_policy_id = $1 WHERE id = $2").bind(id).bind(*m).execute(&mut **tx).await?;
    }
    Ok(Some(id))
}

/// Removes a policy; its mailboxes are measured by none.
pub async fn delete_policy(tx: &mut WriteTx, id: i64) -> Result<bool> {
    sqlx::query("UPDATE mailboxes SET sla_policy_id = NULL WHERE sla_policy_id = $1").bind(id).execute(&mut **tx).await?;
    Ok(sqlx::query("DELETE FROM sla_policies WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0)
}

/// The policy that measures a mailbox's tickets, if any.
pub async fn policy_of_mailbox(conn: &mut AnyConnection, mailbox_id: i64) -> Result<Option<PolicyRow>> {
    let id: Option<Option<i64>> =
        sqlx::query_scalar("SELECT sla_policy_id FROM mailboxes WHERE id = $1").bind(mailbox_id).fetch_optional(&mut *conn).await?;
    match id.flatten() {
        Some(id) => policy_by_id(conn, id).await,
        None => Ok(None),
    }
}

/// A mailbox's clock: its SLA policy and that policy's calendar, as the domain measures with them.
#[derive(Debug, Clone)]
pub struct Clock {
    pub policy_id: i64,
    pub policy: podpora_domain::sla::Policy,
    pub calendar: podpora_domain::calendar::Calendar,
}

/// The calendar as the domain reads it (stored calendars were checked when written).
pub fn calendar_of(c: &CalendarRow) -> Result<podpora_domain::calendar::Calendar> {
    podpora_domain::calendar::Calendar::from_text(&c.time_zone, &c.week, &c.holidays)
        .map_err(|e| StoreError::Corrupt(format!("calendar {}: {e}", c.id)))
}

fn clock(p: &PolicyRow, c: &CalendarRow) -> Result<Clock> {
    let targets = p
        .targets
        .iter()
        .map(|t| podpora_domain::sla::Target {
            channel: t.channel.as_deref().and_then(|c| c.parse().ok()),
            priority: t.priority.as_deref().and_then(|c| c.parse().ok()),
            first_response_ms: t.first_response_minutes.map(|m| m * 60_000),
            next_response_ms: t.next_response_minutes.map(|m| m * 60_000),
            resolution_ms: t.resolution_minutes.map(|m| m * 60_000),
        })
        .collect();
    let escalate = p.escalate.parse().map_err(|_| StoreError::Corrupt(format!("SLA policy {}: escalate '{}'", p.id, p.escalate)))?;
    let policy = podpora_domain::sla::Policy { targets, warn_before_ms: p.warn_before_minutes * 60_000, escalate };
    Ok(Clock { policy_id: p.id, policy, calendar: calendar_of(c)? })
}

/// Every mailbox's clock (mailboxes without a policy have none), by mailbox id.
pub async fn clocks(conn: &mut AnyConnection) -> Result<std::collections::HashMap<i64, Clock>> {
    let cals = calendars(&mut *conn).await?;
    let mut out = std::collections::HashMap::new();
    for p in policies(conn).await? {
        let Some(c) = cals.iter().find(|c| c.id == p.calendar_id) else { continue };
        let clock = clock(&p, c)?;
        for m in &p.mailboxes {
            out.insert(*m, clock.clone());
        }
    }
    Ok(out)
}

/// One mailbox's clock.
pub async fn clock_of_mailbox(conn: &mut AnyConnection, mailbox_id: i64) -> Result<Option<Clock>> {
    let Some(p) = policy_of_mailbox(&mut *conn, mailbox_id).await? else { return Ok(None) };
    let Some(c) = calendar_by_id(conn, p.calendar_id).await? else { return Ok(None) };
    Ok(Some(clock(&p, &c)?))
}

// ---- Each ticket's clock ----------------------------------------------------------------------
//
// The facts are kept where tickets change, in the same transaction: `on_status_in` (every status
// write of the store goes through it), `on_messages_in` (every stored message), and `queue_in`
// for a change of anything else a target depends on (priority, a new ticket). The tracker
// (`commands::sla::track`) turns them into due times, warnings and breaches.

/// Our statuses that stop the clock (`Solved`/`Closed` stop it by `solved_at`).
fn waits_on_customer(s: TicketStatus) -> bool {
    s == TicketStatus::Pending
}

fn is_done(s: TicketStatus) -> bool {
    matches!(s, TicketStatus::Solved | TicketStatus::Closed)
}

/// Queues tickets for the tracker (only those of mailboxes an SLA policy measures).
pub async fn queue_in(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<()> {
    crate::db::execute_in(
        conn,
        "INSERT INTO sla_pending (ticket_id) SELECT t.id FROM tickets t WHERE t.id IN ({in}) \
         AND (t.sla_due_at IS NOT NULL OR t.mailbox_id IN (SELECT m.id FROM mailboxes m WHERE m.sla_policy_id IS NOT NULL)) \
         ON CONFLICT (ticket_id) DO NOTHING",
        &[],
        ticket_ids,
    )
    .await
}

/// Queues the tickets still open of these mailboxes (their policy or its calendar changed).
pub async fn queue_mailboxes_in(conn: &mut AnyConnection, mailbox_ids: &[i64]) -> Result<()> {
    for m in mailbox_ids {
        sqlx::query(
            "INSERT INTO sla_pending (ticket_id) SELECT id FROM tickets WHERE mailbox_id = $1 AND status IN ('new', 'open', 'pending') \
             ON CONFLICT (ticket_id) DO NOTHING",
        )
        .bind(*m)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The mailboxes a policy measures and those measured by policies on a calendar.
pub async fn mailboxes_of_calendar(conn: &mut AnyConnection, calendar_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT m.id FROM mailboxes m JOIN sla_policies p ON p.id = m.sla_policy_id WHERE p.calendar_id = $1")
        .bind(calendar_id)
        .fetch_all(conn)
        .await?)
}

/// Keeps the clock's facts as tickets take status `new` (called before the status is written):
/// waiting on the customer opens a pause and leaving it closes it; solving sets `solved_at`, and
/// reopening turns the time it stood solved into a pause.
pub async fn on_status_in(conn: &mut AnyConnection, ticket_ids: &[i64], new: TicketStatus, now: i64) -> Result<()> {
    let mut before = Vec::with_capacity(ticket_ids.len());
    for r in crate::db::select_in(&mut *conn, "SELECT id, status, solved_at FROM tickets WHERE id IN ({in})", ticket_ids).await? {
        let status: TicketStatus = r.try_get::<String, _>(1)?.parse()?;
        before.push((r.try_get::<i64, _>(0)?, status, r.try_get::<Option<i64>, _>(2)?));
    }
    on_status_known_in(conn, &before, new, now).await
}

/// `on_status_in` for tickets whose status before (and `solved_at`) the caller knows.
pub async fn on_status_known_in(
    conn: &mut AnyConnection,
    before: &[(i64, TicketStatus, Option<i64>)],
    new: TicketStatus,
    now: i64,
) -> Result<()> {
    let changing: Vec<&(i64, TicketStatus, Option<i64>)> = before.iter().filter(|(_, old, _)| *old != new).collect();
    if changing.is_empty() {
        return Ok(());
    }
    let mut solved_now = Vec::new();
    let mut reopened = Vec::new();
    for &&(id, old, solved_at) in &changing {
        if waits_on_customer(old) && !waits_on_customer(new) {
            sqlx::query("UPDATE ticket_pauses SET ended_at = $1 WHERE ticket_id = $2 AND ended_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        match solved_at {
            Some(at) if !is_done(new) => {
                sqlx::query("INSERT INTO ticket_pauses (ticket_id, started_at, ended_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(at)
                    .bind(now.max(at))
                    .execute(&mut *conn)
                    .await?;
                reopened.push(id);
            }
            None if is_done(new) => solved_now.push(id),
            _ => {}
        }
        if waits_on_customer(new) && !waits_on_customer(old) {
            sqlx::query("INSERT INTO ticket_pauses (ticket_id, started_at) VALUES ($1, $2)").bind(id).bind(now).execute(&mut *conn).await?;
        }
    }
    for (ids, value) in [(&solved_now, Some(now)), (&reopened, None)] {
        crate::db::execute_in(&mut *conn, "UPDATE tickets SET solved_at = $1 WHERE id IN ({in})", &[Bind::Int(value)], ids).await?;
    }
    let ids: Vec<i64> = changing.iter().map(|(id, _, _)| *id).collect();
    queue_in(conn, &ids).await
}

/// Keeps the clock's facts as messages are stored: an agent's reply to the customer is the
/// first response (if none came before) and answers what waited; a customer's message after
/// the first response waits for the next one. Notes and automatic mail (acknowledgements, a
/// rule's canned reply: no author) change nothing.
pub(crate) async fn on_messages_in(conn: &mut AnyConnection, msgs: &[crate::messages::NewMessage<'_>], now: i64) -> Result<()> {
    let mut answered: Vec<i64> = msgs
        .iter()
        .filter(|m| m.direction == Direction::Out && m.kind == MessageKind::Message && m.author_user_id.is_some())
        .map(|m| m.ticket_id)
        .collect();
    let mut asked: Vec<i64> =
        msgs.iter().filter(|m| m.direction == Direction::In && m.kind == MessageKind::Message).map(|m| m.ticket_id).collect();
    for (ids, sql) in [
        (
            &mut asked,
            "UPDATE tickets SET awaiting_since = COALESCE(awaiting_since, $1) WHERE first_response_at IS NOT NULL AND id IN ({in})",
        ),
        (&mut answered, "UPDATE tickets SET first_response_at = COALESCE(first_response_at, $1), awaiting_since = NULL WHERE id IN ({in})"),
    ] {
        ids.sort_unstable();
        ids.dedup();
        crate::db::execute_in(&mut *conn, sql, &[Bind::Int(Some(now))], ids).await?;
    }
    let all: Vec<i64> = asked.into_iter().chain(answered).collect();
    queue_in(conn, &all).await
}

/// Works out the message facts of tickets again from their messages (after a merge or a split
/// moved messages between them) and queues them.
pub async fn recount_in(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<()> {
    const REPLY: &str = "direction = 'out' AND kind = 'message' AND author_user_id IS NOT NULL";
    for id in ticket_ids {
        let first: Option<i64> = sqlx::query_scalar(&format!("SELECT MIN(created_at) FROM messages WHERE ticket_id = $1 AND {REPLY}"))
            .bind(*id)
            .fetch_one(&mut *conn)
            .await?;
        let last: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(created_at) FROM messages WHERE ticket_id = $1 AND {REPLY}"))
            .bind(*id)
            .fetch_one(&mut *conn)
            .await?;
        let waiting: Option<i64> = match last {
            Some(last) => sqlx::query_scalar(
                "SELECT MIN(created_at) FROM messages WHERE ticket_id = $1 AND direction = 'in' AND kind = 'message' AND created_at > $2",
            )
            .bind(*id)
            .bind(last)
            .fetch_one(&mut *conn)
            .await?,
            None => None,
        };
        sqlx::query("UPDATE tickets SET first_response_at = $1, awaiting_since = $2 WHERE id = $3")
            .bind(first)
            .bind(waiting)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
    }
    queue_in(conn, ticket_ids).await
}

/// A ticket as its clock sees it.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub mailbox_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub times: podpora_domain::sla::TicketTimes,
    pub sla_due_at: Option<i64>,
    pub sla_warn_at: Option<i64>,
    pub sla_next_at: Option<i64>,
}

/// Whether the tracker has anything to look at (read without a write transaction).
pub async fn any_due(conn: &mut AnyConnection, now: i64) -> Result<bool> {
    let queued: Option<i64> = sqlx::query_scalar("SELECT ticket_id FROM sla_pending LIMIT 1").fetch_optional(&mut *conn).await?;
    if queued.is_some() {
        return Ok(true);
    }
    let due: Option<i64> = sqlx::query_scalar("SELECT id FROM tickets WHERE sla_next_at IS NOT NULL AND sla_next_at <= $1 LIMIT 1")
        .bind(now)
        .fetch_optional(conn)
        .await?;
    Ok(due.is_some())
}

/// Takes up to `limit` tickets to look at: those queued (taken off the queue in the caller's
/// transaction; on PostgreSQL rows another instance is taking are skipped) and those whose
/// next moment (a warning, a due time) has come.
pub async fn claim_in(conn: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<i64>> {
    let lock = match crate::db::backend_of(conn) {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let sql = format!("DELETE FROM sla_pending WHERE ticket_id IN (SELECT ticket_id FROM sla_pending LIMIT $1{lock}) RETURNING ticket_id");
    let mut ids: Vec<i64> = sqlx::query_scalar(&sql).bind(limit).fetch_all(&mut *conn).await?;
    let room = limit - ids.len() as i64;
    if room > 0 {
        let due: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM tickets WHERE sla_next_at IS NOT NULL AND sla_next_at <= $1 ORDER BY sla_next_at LIMIT $2")
                .bind(now)
                .bind(room)
                .fetch_all(&mut *conn)
                .await?;
        ids.extend(due);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The pauses of these tickets' clocks (start, end; None: still paused), each ticket's in order.
async fn pauses_in(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<(i64, Option<i64>)>>> {
    let mut pauses: std::collections::HashMap<i64, Vec<(i64, Option<i64>)>> = std::collections::HashMap::new();
    for r in crate::db::select_in(
        &mut *conn,
        "SELECT ticket_id, started_at, ended_at FROM ticket_pauses WHERE ticket_id IN ({in}) ORDER BY ticket_id, started_at",
        ticket_ids,
    )
    .await?
    {
        pauses.entry(r.try_get(0)?).or_default().push((r.try_get(1)?, r.try_get(2)?));
    }
    Ok(pauses)
}

/// A ticket's clock as its row and pauses say (for a ticket already read).
pub async fn times_of(conn: &mut AnyConnection, t: &crate::tickets::Ticket) -> Result<podpora_domain::sla::TicketTimes> {
    Ok(podpora_domain::sla::TicketTimes {
        channel: t.channel,
        priority: t.priority,
        created_at: t.created_at,
        first_response_at: t.first_response_at,
        awaiting_reply_since: t.awaiting_since,
        solved_at: t.solved_at,
        pauses: pauses_in(conn, &[t.id]).await?.remove(&t.id).unwrap_or_default(),
    })
}

/// The tickets with these ids as their clocks see them, with their pauses.
pub async fn tracked_in(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<Vec<Tracked>> {
    let mut pauses = pauses_in(&mut *conn, ticket_ids).await?;
    let rows = crate::db::select_in(
        &mut *conn,
        "SELECT id, number, subject, mailbox_id, assignee_id, team_id, channel, priority, created_at, first_response_at, \
         awaiting_since, solved_at, sla_due_at, sla_warn_at, sla_next_at FROM tickets WHERE id IN ({in}) ORDER BY id",
        ticket_ids,
    )
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            Ok(Tracked {
                id,
                number: r.try_get(1)?,
                subject: r.try_get(2)?,
                mailbox_id: r.try_get(3)?,
                assignee_id: r.try_get(4)?,
                team_id: r.try_get(5)?,
                times: podpora_domain::sla::TicketTimes {
                    channel: r.try_get::<String, _>(6)?.parse()?,
                    priority: r.try_get::<String, _>(7)?.parse()?,
                    created_at: r.try_get(8)?,
                    first_response_at: r.try_get(9)?,
                    awaiting_reply_since: r.try_get(10)?,
                    solved_at: r.try_get(11)?,
                    pauses: pauses.remove(&id).unwrap_or_default(),
                },
                sla_due_at: r.try_get(12)?,
                sla_warn_at: r.try_get(13)?,
                sla_next_at: r.try_get(14)?,
            })
        })
        .collect()
}

/// Writes what the tracker found: the nearest open due time, when it warns, when to look again.
pub async fn write_in(conn: &mut AnyConnection, ticket_id: i64, due: Option<i64>, warn: Option<i64>, next: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE tickets SET sla_due_at = $1, sla_warn_at = $2, sla_next_at = $3 WHERE id = $4")
        .bind(due)
        .bind(warn)
        .bind(next)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A warning or a breach of one target of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SlaEvent {
    pub ticket_id: i64,
    pub metric: String,
    /// `warning` or `breach`.
    pub kind: String,
    pub started_at: i64,
    pub due_at: i64,
    pub met_at: Option<i64>,
    pub at: i64,
    pub policy_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
}

/// Records an event once (per ticket, target, clock start and kind): `true` if it is new.
pub async fn record_in(conn: &mut AnyConnection, e: &SlaEvent) -> Result<bool> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO sla_events (ticket_id, metric, kind, started_at, due_at, met_at, at, policy_id, assignee_id, team_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (ticket_id, metric, started_at, kind) DO NOTHING RETURNING id",
    )
    .bind(e.ticket_id)
    .bind(&e.metric)
    .bind(&e.kind)
    .bind(e.started_at)
    .bind(e.due_at)
    .bind(e.met_at)
    .bind(e.at)
    .bind(e.policy_id)
    .bind(e.assignee_id)
    .bind(e.team_id)
    .fetch_optional(conn)
    .await?;
    Ok(id.is_some())
}

/// A ticket's warnings and breaches, oldest first.
pub async fn events_of(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<SlaEvent>> {
    let rows = sqlx::query(
        "SELECT ticket_id, metric, kind, started_at, due_at, met_at, at, policy_id, assignee_id, team_id FROM sla_events \
         WHERE ticket_id = $1 ORDER BY at, id",
    )
    .bind(ticket_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(event).collect()
}

fn event(r: &sqlx::any::AnyRow) -> Result<SlaEvent> {
    Ok(SlaEvent {
        ticket_id: r.try_get(0)?,
        metric: r.try_get(1)?,
        kind: r.try_get(2)?,
        started_at: r.try_get(3)?,
        due_at: r.try_get(4)?,
        met_at: r.try_get(5)?,
        at: r.try_get(6)?,
        policy_id: r.try_get(7)?,
        assignee_id: r.try_get(8)?,
        team_id: r.try_get(9)?,
    })
}

/// Breaches recorded between two moments (for reports), oldest first, at most `limit`.
pub async fn breaches_between(conn: &mut AnyConnection, from: i64, to: i64, limit: i64) -> Result<Vec<SlaEvent>> {
    let rows = sqlx::query(
        "SELECT ticket_id, metric, kind, started_at, due_at, met_at, at, policy_id, assignee_id, team_id FROM sla_events \
         WHERE kind = 'breach' AND at >= $1 AND at < $2 ORDER BY at, id LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(event).collect()
}
