//! Tickets: numbering, participants, tags, patches with their activity entries, merge and split
//! (in the caller's transaction), reminders, and the inbox listing (`TicketQuery`, whose scope
//! must be named).

use crate::db::Bind;
use crate::search::Join;
use crate::{activity, now_ms, Backend, Db, Result, StoreError};
use podpora_domain::access::MailboxScope;
use podpora_domain::routing::AssignedBy;
use podpora_domain::{Channel, EmailAddress, Priority, Tag, TicketNumber, TicketStatus};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Ticket {
    pub id: i64,
    pub number: TicketNumber,
    pub mailbox_id: Option<i64>,
    pub customer_id: i64,
    pub subject: String,
    pub status: TicketStatus,
    pub channel: Channel,
    pub assignee_id: Option<i64>,
    pub related_number: Option<i64>,
    pub priority: Priority,
    pub team_id: Option<i64>,
    /// A pending ticket comes back to the queue at this time.
    pub remind_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// How the assignee was chosen (`None` while unassigned).
    pub assigned_by: Option<AssignedBy>,
    /// The routing decision's reason (`routing::Why` as stored), also while it waits for someone.
    pub assignment_reason: String,
    /// Our first reply to the customer.
    pub first_response_at: Option<i64>,
    /// Since when a later message of the customer waits for our answer.
    pub awaiting_since: Option<i64>,
    /// When it was solved (None again once reopened).
    pub solved_at: Option<i64>,
    /// The nearest SLA due time still open (in the past: missed), by the mailbox's policy.
    pub sla_due_at: Option<i64>,
    /// When that due time starts warning.
    pub sla_warn_at: Option<i64>,
}

const COLS: &str = "id, number, mailbox_id, customer_id, subject, status, channel, assignee_id, related_number, priority, team_id, remind_at, created_at, updated_at, assigned_by, assignment_reason, first_response_at, awaiting_since, solved_at, sla_due_at, sla_warn_at";

fn ticket(r: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        id: r.try_get("id")?,
        number: TicketNumber::new(r.try_get("number")?)?,
        mailbox_id: r.try_get("mailbox_id")?,
        customer_id: r.try_get("customer_id")?,
        subject: r.try_get("subject")?,
        status: r.try_get::<String, _>("status")?.parse()?,
        channel: r.try_get::<String, _>("channel")?.parse()?,
        assignee_id: r.try_get("assignee_id")?,
        related_number: r.try_get("related_number")?,
        priority: r.try_get::<String, _>("priority")?.parse()?,
        team_id: r.try_get("team_id")?,
        remind_at: r.try_get("remind_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        assigned_by: r.try_get::<Option<String>, _>("assigned_by")?.map(|b| b.parse()).transpose()?,
        assignment_reason: r.try_get("assignment_reason")?,
        first_response_at: r.try_get("first_response_at")?,
        awaiting_since: r.try_get("awaiting_since")?,
        solved_at: r.try_get("solved_at")?,
        sla_due_at: r.try_get("sla_due_at")?,
        sla_warn_at: r.try_get("sla_warn_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub mailbox_id: Option<i64>,
    pub customer_id: i64,
    pub subject: &'a str,
    pub channel: Channel,
    pub related: Option<TicketNumber>,
}

/// Creates a ticket with the next number and starts its search document. Numbers are unique
/// across instances; a rolled-back transaction may leave a gap on PostgreSQL (a sequence), never a duplicate.
pub async fn create(conn: &mut AnyConnection, backend: Backend, t: &NewTicket<'_>) -> Result<Ticket> {
    let t = insert(conn, backend, t).await?;
    let head = crate::search::head(conn, t.number, &t.subject, t.customer_id).await?;
    crate::search::start(conn, t.id, &head).await?;
    Ok(t)
}

/// Creates tickets with the next numbers, with one multi-row statement; in the given order. Their
/// search documents are the caller's (see `create`).
pub async fn insert_many(conn: &mut AnyConnection, backend: Backend, new: &[NewTicket<'_>]) -> Result<Vec<Ticket>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let n = new.len() as i64;
    let numbers: Vec<i64> = match backend {
        Backend::Postgres => {
            sqlx::query_scalar("SELECT nextval('ticket_number_seq') FROM generate_series(1, $1)").bind(n).fetch_all(&mut *conn).await?
        }
        Backend::Sqlite => {
            let last: i64 = sqlx::query_scalar("UPDATE counters SET value = value + $1 WHERE name = 'ticket_number' RETURNING value")
                .bind(n)
                .fetch_one(&mut *conn)
                .await?;
            (last - n + 1..=last).collect()
        }
    };
    let now = now_ms();
    let mut by_number: HashMap<i64, Ticket> = HashMap::with_capacity(new.len());
    for (chunk, chunk_numbers) in new.chunks(crate::db::ROWS_PER_STATEMENT / 2).zip(numbers.chunks(crate::db::ROWS_PER_STATEMENT / 2)) {
        let sql = format!(
            "INSERT INTO tickets (number, mailbox_id, customer_id, subject, status, channel, related_number, created_at, updated_at) VALUES {} RETURNING {COLS}",
            crate::db::values_list(chunk.len(), 9, 1)
        );
        let mut q = sqlx::query(&sql);
        for (t, number) in chunk.iter().zip(chunk_numbers) {
            q = q
                .bind(*number)
                .bind(t.mailbox_id)
                .bind(t.customer_id)
                .bind(t.subject)
                .bind(TicketStatus::New.as_str())
                .bind(t.channel.as_str())
                .bind(t.related.map(|n| n.get()))
                .bind(now)
                .bind(now);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let t = ticket(&r)?;
            by_number.insert(t.number.get(), t);
        }
    }
    let ids: Vec<i64> = by_number.values().map(|t| t.id).collect();
    crate::sla::queue_in(&mut *conn, &ids).await?;
    numbers.iter().map(|n| by_number.remove(n).ok_or_else(|| StoreError::Corrupt(format!("ticket {n} was not created")))).collect()
}

/// Records the ticket a new ticket is related to.
pub async fn set_related(conn: &mut AnyConnection, ticket_id: i64, related: TicketNumber) -> Result<()> {
    sqlx::query("UPDATE tickets SET related_number = $1 WHERE id = $2").bind(related.get()).bind(ticket_id).execute(conn).await?;
    Ok(())
}

/// Creates a ticket with the next number; its search document is the caller's (see `create`).
pub async fn insert(conn: &mut AnyConnection, backend: Backend, t: &NewTicket<'_>) -> Result<Ticket> {
    insert_many(conn, backend, std::slice::from_ref(t)).await?.pop().ok_or_else(|| StoreError::Corrupt("the ticket was not created".into()))
}

pub async fn by_number(conn: &mut AnyConnection, number: TicketNumber) -> Result<Option<Ticket>> {
    sqlx::query(&format!("SELECT {COLS} FROM tickets WHERE number = $1"))
        .bind(number.get())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(ticket)
        .transpose()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Ticket> {
    sqlx::query(&format!("SELECT {COLS} FROM tickets WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(ticket)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// The tickets with these ids that exist.
pub async fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Ticket>> {
    let rows = crate::db::select_in(conn, &format!("SELECT {COLS} FROM tickets WHERE id IN ({{in}}) ORDER BY id"), ids).await?;
    rows.iter().map(ticket).collect()
}

/// The tickets with these numbers that exist.
pub async fn by_numbers(conn: &mut AnyConnection, numbers: &[TicketNumber]) -> Result<HashMap<TicketNumber, Ticket>> {
    let numbers: Vec<i64> = numbers.iter().map(|n| n.get()).collect();
    let rows = crate::db::select_in(conn, &format!("SELECT {COLS} FROM tickets WHERE number IN ({{in}})"), &numbers).await?;
    rows.iter().map(|r| ticket(r).map(|t| (t.number, t))).collect()
}

/// The participants' addresses of these tickets (by ticket id).
pub async fn participants_of(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<HashMap<i64, Vec<EmailAddress>>> {
    let mut out: HashMap<i64, Vec<EmailAddress>> = HashMap::new();
    for r in crate::db::select_in(conn, "SELECT ticket_id, address FROM participants WHERE ticket_id IN ({in})", ticket_ids).await? {
        out.entry(r.try_get(0)?).or_default().push(EmailAddress::parse(&r.try_get::<String, _>(1)?)?);
    }
    Ok(out)
}

/// Adds (ticket id, address, name) participants; ones already there are left as they are.
pub async fn add_participants(conn: &mut AnyConnection, rows: &[(i64, &EmailAddress, &str)]) -> Result<()> {
    for chunk in rows.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO participants (ticket_id, address, name) VALUES {} ON CONFLICT (ticket_id, address) DO NOTHING",
            crate::db::values_list(chunk.len(), 3, 1)
        );
        let mut q = sqlx::query(&sql);
        for (t, a, name) in chunk {
            q = q.bind(*t).bind(a.as_str()).bind(*name);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets the status of these tickets (and their last change to now).
pub async fn set_status_many(conn: &mut AnyConnection, ticket_ids: &[i64], status: TicketStatus) -> Result<()> {
    crate::sla::on_status_in(&mut *conn, ticket_ids, status, now_ms()).await?;
    let leading = [Bind::Text(status.as_str()), Bind::Int(Some(now_ms()))];
    crate::db::execute_in(conn, "UPDATE tickets SET status = $1, updated_at = $2 WHERE id IN ({in})", &leading, ticket_ids).await
}

/// Marks these tickets changed now.
pub async fn touch_many(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<()> {
    crate::db::execute_in(conn, "UPDATE tickets SET updated_at = $1 WHERE id IN ({in})", &[Bind::Int(Some(now_ms()))], ticket_ids).await
}

pub async fn add_participant(conn: &mut AnyConnection, ticket_id: i64, address: &EmailAddress, name: &str) -> Result<()> {
    add_participants(conn, &[(ticket_id, address, name)]).await
}

pub async fn remove_participant(conn: &mut AnyConnection, ticket_id: i64, address: &EmailAddress) -> Result<()> {
    sqlx::query("DELETE FROM participants WHERE ticket_id = $1 AND address = $2")
        .bind(ticket_id)
        .bind(address.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Participant {
    pub address: EmailAddress,
    pub name: String,
}

pub async fn participants(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<Participant>> {
    let rows =
        sqlx::query("SELECT address, name FROM participants WHERE ticket_id = $1 ORDER BY address").bind(ticket_id).fetch_all(conn).await?;
    // (Stored as parsed addresses: one that no longer parses is corrupt data, said so, not skipped.)
    rows.iter().map(|r| Ok(Participant { address: EmailAddress::parse(&r.try_get::<String, _>(0)?)?, name: r.try_get(1)? })).collect()
}

/// The tags of these tickets (by ticket id).
pub async fn tags_of(conn: &mut AnyConnection, ticket_ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for r in crate::db::select_in(conn, "SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN ({in})", ticket_ids).await? {
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

pub async fn tags(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag").bind(ticket_id).fetch_all(conn).await?)
}

pub async fn set_status(conn: &mut AnyConnection, ticket_id: i64, status: TicketStatus) -> Result<()> {
    set_status_many(conn, &[ticket_id], status).await
}

pub async fn touch(conn: &mut AnyConnection, ticket_id: i64) -> Result<()> {
    touch_many(conn, &[ticket_id]).await
}

/// A change to a ticket's status, assignee, tags, priority or reminder. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    pub status: Option<TicketStatus>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<i64>>,
    pub tags: Option<Vec<Tag>>,
    pub priority: Option<Priority>,
    /// `Some(None)` takes the ticket from its team.
    pub team_id: Option<Option<i64>>,
    /// `Some(None)` clears the reminder.
    pub remind_at: Option<Option<i64>>,
}

/// Applies a patch and writes what changed to the ticket's activity log, as done by `actor`.
pub async fn patch_in(tx: &mut AnyConnection, ticket_id: i64, p: &TicketPatch, actor: Option<i64>) -> Result<()> {
    let before = by_id(&mut *tx, ticket_id).await?;
    let now = now_ms();
    if let Some(s) = p.status.filter(|s| *s != before.status) {
        set_status(&mut *tx, ticket_id, s).await?;
        activity::add(&mut *tx, ticket_id, actor, "status", &format!("{} {}", before.status, s)).await?;
    }
    if let Some(a) = p.assignee_id.filter(|a| *a != before.assignee_id) {
        // Chosen by a person (routing records its own choices with `routing::assign_in`).
        sqlx::query("UPDATE tickets SET assignee_id = $1, assigned_by = $2, assignment_reason = '', updated_at = $3 WHERE id = $4")
            .bind(a)
            .bind(a.map(|_| AssignedBy::Manual.as_str()))
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *tx)
            .await?;
        activity::add(&mut *tx, ticket_id, actor, "assign", &a.map(|a| a.to_string()).unwrap_or_default()).await?;
    }
    if let Some(pr) = p.priority.filter(|pr| *pr != before.priority) {
        sqlx::query("UPDATE tickets SET priority = $1, updated_at = $2 WHERE id = $3")
            .bind(pr.as_str())
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *tx)
            .await?;
        crate::sla::queue_in(&mut *tx, &[ticket_id]).await?;
        activity::add(&mut *tx, ticket_id, actor, "priority", &format!("{} {}", before.priority, pr)).await?;
    }
    if let Some(team) = p.team_id.filter(|t| *t != before.team_id) {
        sqlx::query("UPDATE tickets SET team_id = $1, updated_at = $2 WHERE id = $3")
            .bind(team)
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *tx)
            .await?;
        activity::add(&mut *tx, ticket_id, actor, "team", &team.map(|t| t.to_string()).unwrap_or_default()).await?;
    }
    if let Some(r) = p.remind_at.filter(|r| *r != before.remind_at) {
        sqlx::query("UPDATE tickets SET remind_at = $1, updated_at = $2 WHERE id = $3")
            .bind(r)
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *tx)
            .await?;
        activity::add(&mut *tx, ticket_id, actor, "remind", &r.map(|r| r.to_string()).unwrap_or_default()).await?;
    }
    if let Some(wanted) = &p.tags {
        let old = tags(&mut *tx, ticket_id).await?;
        let mut new: Vec<String> = wanted.iter().map(|t| t.as_str().to_string()).collect();
        new.sort();
        new.dedup();
        if new != old {
            sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1").bind(ticket_id).execute(&mut *tx).await?;
            for t in &new {
                sqlx::query("INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(ticket_id)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
            }
            touch(&mut *tx, ticket_id).await?;
            let added: Vec<String> = new.iter().filter(|t| !old.contains(t)).map(|t| format!("+{t}")).collect();
            let removed: Vec<String> = old.iter().filter(|t| !new.contains(t)).map(|t| format!("-{t}")).collect();
            activity::add(&mut *tx, ticket_id, actor, "tags", &added.into_iter().chain(removed).collect::<Vec<_>>().join(" ")).await?;
        }
    }
    Ok(())
}

/// Moves everything of ticket `from` (messages, known Message-IDs, participants, tags, mail) into
/// `into`; `from` is closed and points at `into`. Both logs record it.
pub async fn merge_in(tx: &mut AnyConnection, from: &Ticket, into: &Ticket, actor: Option<i64>) -> Result<()> {
    if from.id == into.id {
        return Err(StoreError::Conflict("a ticket cannot be merged into itself".into()));
    }
    for sql in [
        "UPDATE messages SET ticket_id = $1 WHERE ticket_id = $2",
        "UPDATE message_ids SET ticket_id = $1 WHERE ticket_id = $2",
        "UPDATE inbound SET ticket_id = $1 WHERE ticket_id = $2",
        "UPDATE outbox SET ticket_id = $1 WHERE ticket_id = $2",
        "INSERT INTO participants (ticket_id, address, name) SELECT $1, address, name FROM participants WHERE ticket_id = $2 ON CONFLICT DO NOTHING",
        "INSERT INTO ticket_tags (ticket_id, tag) SELECT $1, tag FROM ticket_tags WHERE ticket_id = $2 ON CONFLICT DO NOTHING",
    ] {
        sqlx::query(sql).bind(into.id).bind(from.id).execute(&mut *tx).await?;
    }
    set_status(&mut *tx, from.id, TicketStatus::Closed).await?;
    sqlx::query("UPDATE tickets SET related_number = $1, remind_at = NULL WHERE id = $2")
        .bind(into.number.get())
        .bind(from.id)
        .execute(&mut *tx)
        .await?;
    crate::search::copy_words(&mut *tx, from.id, into.id).await?;
    crate::sla::recount_in(&mut *tx, &[from.id, into.id]).await?;
    touch(&mut *tx, into.id).await?;
    activity::add(&mut *tx, from.id, actor, "merged_into", &into.number.get().to_string()).await?;
    activity::add(&mut *tx, into.id, actor, "merged_from", &from.number.get().to_string()).await
}

/// Moves one message (and everything after it) out of `from` into a new ticket for the same
/// customer and mailbox, with the same participants: for a customer who raised a second matter in
/// the same thread. Both logs record it. Returns the new ticket.
pub async fn split_in(tx: &mut AnyConnection, from: &Ticket, message_pk: i64, actor: Option<i64>) -> Result<Ticket> {
    let backend = crate::db::backend_of(tx);
    let first: Option<(i64, String)> = sqlx::query("SELECT id, subject FROM messages WHERE id = $1 AND ticket_id = $2")
        .bind(message_pk)
        .bind(from.id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?;
    let Some((first_id, subject)) = first else { return Err(StoreError::NotFound) };
    let earliest: i64 = sqlx::query_scalar("SELECT MIN(id) FROM messages WHERE ticket_id = $1").bind(from.id).fetch_one(&mut *tx).await?;
    if earliest == first_id {
        return Err(StoreError::Conflict("the first message cannot be split off: it is the ticket itself".into()));
    }
    let title = podpora_domain::subject::title(&subject);
    let title = if title.trim().is_empty() { from.subject.clone() } else { title };
    let new = create(
        &mut *tx,
        backend,
        &NewTicket {
            mailbox_id: from.mailbox_id,
            customer_id: from.customer_id,
            subject: &title,
            channel: from.channel,
            related: Some(from.number),
        },
    )
    .await?;
    sqlx::query("INSERT INTO participants (ticket_id, address, name) SELECT $1, address, name FROM participants WHERE ticket_id = $2 ON CONFLICT DO NOTHING").bind(new.id).bind(from.id).execute(&mut *tx).await?;
    sqlx::query("UPDATE message_ids SET ticket_id = $1 WHERE message_id IN (SELECT message_id FROM messages WHERE ticket_id = $2 AND id >= $3 AND message_id IS NOT NULL)")
        .bind(new.id)
        .bind(from.id)
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
    for sql in ["UPDATE messages SET ticket_id = $1 WHERE ticket_id = $2 AND id >= $3", "UPDATE inbound SET ticket_id = $1 WHERE ticket_id = $2 AND id IN (SELECT inbound_id FROM messages WHERE ticket_id = $1 AND id >= $3)"] {
        sqlx::query(sql).bind(new.id).bind(from.id).bind(first_id).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE tickets SET status = $1 WHERE id = $2").bind(TicketStatus::Open.as_str()).bind(new.id).execute(&mut *tx).await?;
    // The new ticket is found by the text that moved to it (the old one keeps its words: a
    // search for them still finds where the conversation started).
    let moved: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE ticket_id = $1").bind(new.id).fetch_all(&mut *tx).await?;
    crate::search::index_messages(&mut *tx, &moved).await?;
    crate::sla::recount_in(&mut *tx, &[from.id, new.id]).await?;
    touch(&mut *tx, from.id).await?;
    activity::add(&mut *tx, from.id, actor, "split_to", &new.number.get().to_string()).await?;
    activity::add(&mut *tx, new.id, actor, "split_from", &from.number.get().to_string()).await?;
    by_id(&mut *tx, new.id).await
}

/// Pending tickets whose reminder is due go back to the queue (status open), in the caller's
/// transaction. Returns them.
pub async fn wake_due_in(tx: &mut AnyConnection, now: i64) -> Result<Vec<Ticket>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM tickets WHERE remind_at IS NOT NULL AND remind_at <= $1 ORDER BY remind_at LIMIT 500")
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
    let mut woken = Vec::new();
    for id in ids {
        let before: (String, Option<i64>) =
            sqlx::query_as("SELECT status, solved_at FROM tickets WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        // Re-checked inside the write: another instance may have woken it already.
        let n = sqlx::query(
            "UPDATE tickets SET status = $1, remind_at = NULL, updated_at = $2 WHERE id = $3 AND remind_at IS NOT NULL AND remind_at <= $2",
        )
        .bind(TicketStatus::Open.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            crate::sla::on_status_known_in(&mut *tx, &[(id, before.0.parse()?, before.1)], TicketStatus::Open, now).await?;
            activity::add(&mut *tx, id, None, "reminder", "").await?;
            woken.push(by_id(&mut *tx, id).await?);
        }
    }
    Ok(woken)
}

/// Every tag in use with the number of tickets carrying it, most used first.
pub async fn tag_counts(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT tag, COUNT(*) AS n FROM ticket_tags GROUP BY tag ORDER BY n DESC, tag LIMIT 500").fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Renames a tag on every ticket (merging it into `to` where a ticket has both); an empty `to`
/// removes the tag everywhere.
pub async fn rename_tag(db: &Db, from: &str, to: &str) -> Result<u64> {
    let mut tx = db.begin().await?;
    if !to.is_empty() {
        sqlx::query("INSERT INTO ticket_tags (ticket_id, tag) SELECT ticket_id, $1 FROM ticket_tags WHERE tag = $2 ON CONFLICT DO NOTHING")
            .bind(to)
            .bind(from)
            .execute(&mut *tx)
            .await?;
    }
    let n = sqlx::query("DELETE FROM ticket_tags WHERE tag = $1").bind(from).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(n)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(db.pool()).await?)
}

/// Every ticket's subject, in the order the tickets were opened (a bench's check of order).
pub async fn subjects_in_order(db: &Db) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT subject FROM tickets ORDER BY id").fetch_all(db.pool()).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Sort {
    #[default]
    Oldest,
    Newest,
    /// The nearest SLA due time first (missed ones first of all), tickets without one last.
    Due,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Oldest => "oldest",
            Sort::Newest => "newest",
            Sort::Due => "due",
        }
    }
    /// Only the words the UI and API offer; anything else is `None`.
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "oldest" => Some(Sort::Oldest),
            "newest" => Some(Sort::Newest),
            "due" => Some(Sort::Due),
            _ => None,
        }
    }
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Sort, String> {
        Sort::parse(s).ok_or_else(|| format!("sort must be 'oldest', 'newest' or 'due', not '{}'", s.chars().take(40).collect::<String>()))
    }
}

/// Who a listing is filtered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Nobody,
    User(i64),
}

/// An inbox query. Every field is a typed value: no request text reaches the SQL. There is no
/// default: whoever builds one says whose rights it lists with (`TicketQuery::new`), and the
/// command layer narrows it to the acting user's rights in any case.
#[derive(Debug, Clone)]
pub struct TicketQuery {
    /// Only tickets of these mailboxes (the caller's rights).
    pub scope: MailboxScope,
    /// Any of these statuses; empty means any status.
    pub statuses: Vec<TicketStatus>,
    /// One mailbox's tickets.
    pub mailbox: Option<i64>,
    pub customer: Option<i64>,
    /// Tickets of this organisation's customers.
    pub organisation: Option<i64>,
    pub team: Option<i64>,
    pub priority: Option<Priority>,
    pub assignee: Option<AssigneeFilter>,
    pub tag: Option<Tag>,
    pub q: Option<String>,
    pub sort: Sort,
    /// Continue after this ticket id (from the previous page).
    pub after_id: Option<i64>,
    pub limit: u32,
}

impl TicketQuery {
    /// Every ticket within `scope`, oldest first, 50 a page.
    pub fn new(scope: MailboxScope) -> TicketQuery {
        TicketQuery {
            scope,
            statuses: Vec::new(),
            mailbox: None,
            customer: None,
            organisation: None,
            team: None,
            priority: None,
            assignee: None,
            tag: None,
            q: None,
            sort: Sort::Oldest,
            after_id: None,
            limit: 50,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TicketSummary {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub customer_address: Option<String>,
    pub customer_name: String,
}

/// One page of tickets and the cursor for the next page.
pub async fn list(db: &Db, q: &TicketQuery) -> Result<(Vec<TicketSummary>, Option<i64>)> {
    let text = Text::of(db, q).await?;
    // Newest or oldest first, SQLite walks the search index in that order.
    let join = if q.sort == Sort::Due { Join::Check } else { text.join(db.backend()) };
    let (filters, mut args) = where_clause(q, db.backend(), &text, join);
    let mut sql = format!(
        "SELECT {}, (SELECT MIN(a.address) FROM customer_addresses a WHERE a.customer_id = t.customer_id) AS customer_address, \
         (SELECT c.name FROM customers c WHERE c.id = t.customer_id) AS customer_name FROM {} WHERE 1 = 1{filters}",
        COLS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", "),
        from(join)
    );
    let limit = q.limit.clamp(1, 200);
    match q.sort {
        Sort::Oldest | Sort::Newest => {
            let (cmp, order) = if q.sort == Sort::Oldest { (">", "ASC") } else { ("<", "DESC") };
            let id = if join == Join::Walk { "s.rowid" } else { "t.id" };
            if let Some(after) = q.after_id {
                args.push(Arg::Int(after));
                sql.push_str(&format!(" AND {id} {cmp} ${}", args.len()));
            }
            sql.push_str(&format!(" ORDER BY {id} {order} LIMIT {}", limit + 1));
        }
        Sort::Due => {
            // Keyset on (due time, id); no due time sorts as the end of time on both backends.
            const DUE: &str = "COALESCE(t.sla_due_at, 9223372036854775807)";
            if let Some(after) = q.after_id {
                args.push(Arg::Int(after));
                let n = args.len();
                sql.push_str(&format!(
                    " AND ({DUE} > (SELECT COALESCE(a.sla_due_at, 9223372036854775807) FROM tickets a WHERE a.id = ${n}) \
                     OR ({DUE} = (SELECT COALESCE(a.sla_due_at, 9223372036854775807) FROM tickets a WHERE a.id = ${n}) AND t.id > ${n}))"
                ));
            }
            sql.push_str(&format!(" ORDER BY {DUE} ASC, t.id ASC LIMIT {}", limit + 1));
        }
    }
    let mut query = sqlx::query(&sql);
    for a in args {
        query = match a {
            Arg::Int(i) => query.bind(i),
            Arg::Text(s) => query.bind(s),
        };
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().take(limit as usize) {
        out.push(TicketSummary {
            ticket: ticket(r)?,
            customer_address: r.try_get("customer_address")?,
            customer_name: r.try_get::<Option<String>, _>("customer_name")?.unwrap_or_default(),
        });
    }
    let next = if rows.len() > limit as usize { out.last().map(|t| t.ticket.id) } else { None };
    Ok((out, next))
}

/// What a listing's search box asks for.
enum Text {
    Nothing,
    Number(TicketNumber),
    /// Resolved terms (see `search::resolve`), each with at least one word.
    Words(Vec<podpora_domain::search::Term>),
    /// Words no ticket has (or only punctuation): nothing matches.
    NoMatch,
}

impl Text {
    async fn of(db: &Db, q: &TicketQuery) -> Result<Text> {
        let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { return Ok(Text::Nothing) };
        // "#123" is that ticket; anything else is words (a ticket's number is one of its words).
        if let Some(n) = text.strip_prefix('#').and_then(|_| text.parse::<TicketNumber>().ok()) {
            return Ok(Text::Number(n));
        }
        let terms = crate::search::resolve(&mut *db.conn().await?, text).await?;
        Ok(if terms.is_empty() || terms.iter().any(|t| t.forms.is_empty()) { Text::NoMatch } else { Text::Words(terms) })
    }

    /// How the listing meets the index when it need not sort by anything but the ticket's id.
    fn join(&self, backend: Backend) -> Join {
        match (self, backend) {
            (Text::Words(_), Backend::Sqlite) => Join::Walk,
            _ => Join::Check,
        }
    }
}

/// The listing's tables.
fn from(join: Join) -> &'static str {
    match join {
        // (CROSS JOIN: SQLite keeps the index the outer loop, in its order.)
        Join::Walk => "ticket_search s CROSS JOIN tickets t ON t.id = s.rowid",
        Join::Check => "tickets t",
    }
}

/// The filter part of a listing (` AND …` clauses) with its bound values, numbered from $1.
fn where_clause(q: &TicketQuery, backend: Backend, text: &Text, join: Join) -> (String, Vec<Arg>) {
    let mut sql = String::new();
    let mut args: Vec<Arg> = Vec::new();
    fn push(sql: &mut String, args: &mut Vec<Arg>, clause: &str, a: Arg) {
        args.push(a);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    }
    if !q.statuses.is_empty() {
        let list: Vec<String> = q.statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
        // Statuses are enum values from the allow-list, never request text.
        sql.push_str(&format!(" AND t.status IN ({})", list.join(", ")));
    }
    match &q.scope {
        MailboxScope::All => {}
        MailboxScope::Only(ids) if ids.is_empty() => sql.push_str(" AND 1 = 0"),
        MailboxScope::Only(ids) => {
            sql.push_str(&format!(" AND t.mailbox_id IN ({})", ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")))
        }
    }
    if let Some(m) = q.mailbox {
        push(&mut sql, &mut args, " AND t.mailbox_id = ?", Arg::Int(m));
    }
    if let Some(c) = q.customer {
        push(&mut sql, &mut args, " AND t.customer_id = ?", Arg::Int(c));
    }
    if let Some(o) = q.organisation {
        push(&mut sql, &mut args, " AND t.customer_id IN (SELECT c.id FROM customers c WHERE c.organisation_id = ?)", Arg::Int(o));
    }
    if let Some(p) = q.priority {
        push(&mut sql, &mut args, " AND t.priority = ?", Arg::Text(p.as_str().into()));
    }
    if let Some(team) = q.team {
        push(&mut sql, &mut args, " AND t.team_id = ?", Arg::Int(team));
    }
    match q.assignee {
        Some(AssigneeFilter::Nobody) => sql.push_str(" AND t.assignee_id IS NULL"),
        Some(AssigneeFilter::User(id)) => push(&mut sql, &mut args, " AND t.assignee_id = ?", Arg::Int(id)),
        None => {}
    }
    if let Some(tag) = &q.tag {
        push(
            &mut sql,
            &mut args,
            " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)",
            Arg::Text(tag.as_str().to_string()),
        );
    }
    match text {
        Text::Nothing => {}
        Text::Number(n) => push(&mut sql, &mut args, " AND t.number = ?", Arg::Int(n.get())),
        Text::Words(terms) => {
            let (cond, values) = crate::search::condition(backend, terms, join, args.len() + 1);
            args.extend(values.into_iter().map(Arg::Text));
            sql.push_str(&format!(" AND {cond}"));
        }
        Text::NoMatch => sql.push_str(" AND 1 = 0"),
    }
    (sql, args)
}

/// How many tickets match, counting at most `cap` (a view shows "999+" rather than scanning a
/// million rows for an exact figure).
pub async fn count_capped(db: &Db, q: &TicketQuery, cap: u32) -> Result<i64> {
    let text = Text::of(db, q).await?;
    let join = text.join(db.backend());
    let (sql, args) = where_clause(q, db.backend(), &text, join);
    let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE 1 = 1{sql} LIMIT {cap}) c", from(join));
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for a in args {
        query = match a {
            Arg::Int(i) => query.bind(i),
            Arg::Text(s) => query.bind(s),
        };
    }
    Ok(query.fetch_one(db.pool()).await?)
}

enum Arg {
    Int(i64),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers;
    use crate::testing::for_each_backend;

    // The store's functions work in the caller's transaction; these tests commit each on its own.
    async fn patch(db: &Db, id: i64, p: &TicketPatch, actor: Option<i64>) -> Result<()> {
        let mut tx = db.begin().await?;
        patch_in(&mut tx, id, p, actor).await?;
        tx.commit().await
    }

    async fn merge(db: &Db, from: &Ticket, into: &Ticket, actor: Option<i64>) -> Result<()> {
        let mut tx = db.begin().await?;
        merge_in(&mut tx, from, into, actor).await?;
        tx.commit().await
    }

    async fn wake_due(db: &Db, now: i64) -> Result<Vec<Ticket>> {
        let mut tx = db.begin().await?;
        let woken = wake_due_in(&mut tx, now).await?;
        tx.commit().await?;
        Ok(woken)
    }

    async fn split(db: &Db, from: &Ticket, message_pk: i64, actor: Option<i64>) -> Result<Ticket> {
        let mut tx = db.begin().await?;
        let new = split_in(&mut tx, from, message_pk, actor).await?;
        tx.commit().await?;
        Ok(new)
    }

    #[tokio::test]
    async fn numbers_are_unique_under_concurrency_and_listing_pages() {
        for_each_backend(|t| async move {
            let db = t.db.clone();
            let mut handles = Vec::new();
            for i in 0..20 {
                let db = db.clone();
                handles.push(tokio::spawn(async move {
                    let mut tx = db.begin().await.unwrap();
                    let c = customers::find_or_create(&mut tx, &EmailAddress::parse(&format!("c{i}@x.cz")).unwrap(), "").await.unwrap();
                    let tk = create(
                        &mut tx,
                        db.backend(),
                        &NewTicket {
                            mailbox_id: None,
                            customer_id: c,
                            subject: &format!("Order {i}"),
                            channel: Channel::Email,
                            related: None,
                        },
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                    tk.number.get()
                }));
            }
            let mut numbers = Vec::new();
            for h in handles {
                numbers.push(h.await.unwrap());
            }
            numbers.sort();
            numbers.dedup();
            assert_eq!(numbers.len(), 20);

            let mut seen = Vec::new();
            let mut q = TicketQuery { limit: 7, sort: Sort::Newest, ..TicketQuery::new(MailboxScope::All) };
            loop {
                let (page, next) = list(&db, &q).await.unwrap();
                seen.extend(page.iter().map(|s| s.ticket.id));
                match next {
                    Some(n) => q.after_id = Some(n),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 20);
            assert!(seen.windows(2).all(|w| w[0] > w[1]));

            let (hits, _) =
                list(&db, &TicketQuery { q: Some("order 1".into()), limit: 50, ..TicketQuery::new(MailboxScope::All) }).await.unwrap();
            // "Order 1" and "Order 10".."Order 19", and tickets whose number starts with 1 (a number is a word too).
            assert_eq!(hits.iter().filter(|h| h.ticket.subject.starts_with("Order 1")).count(), 11);
            assert!(hits.iter().all(|h| h.ticket.subject.starts_with("Order 1") || h.ticket.number.get().to_string().starts_with('1')));
            let (hits, _) =
                list(&db, &TicketQuery { q: Some("c3@x".into()), limit: 50, ..TicketQuery::new(MailboxScope::All) }).await.unwrap();
            assert_eq!(hits.len(), 1);
            let (hits, _) =
                list(&db, &TicketQuery { q: Some("%".into()), limit: 50, ..TicketQuery::new(MailboxScope::All) }).await.unwrap();
            assert_eq!(hits.len(), 0, "punctuation alone matches nothing");
            // Message text is searchable, with or without diacritics, by word prefixes.
            let mut tx = db.begin().await.unwrap();
            crate::messages::insert(
                &mut tx,
                &crate::messages::NewMessage::text(
                    seen[3],
                    podpora_domain::Direction::In,
                    podpora_domain::MessageKind::Message,
                    ("jana@x.cz", "Jana Dvořáková"),
                    "Re",
                    "Balík dorazil POŠKOZENÝ",
                ),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            // ("order" is the subject's word, "poskozeny" the message's: on PostgreSQL, in two rows of words.)
            for q in ["poskozeny", "Poškozený balík", "dvorak", "DVOŘÁKOVÁ jana", "order poskozeny", "poskozeny ord"] {
                let (hits, _) =
                    list(&db, &TicketQuery { q: Some(q.into()), limit: 50, ..TicketQuery::new(MailboxScope::All) }).await.unwrap();
                assert_eq!(hits.iter().map(|h| h.ticket.id).collect::<Vec<_>>(), vec![seen[3]], "{q}");
            }
            let (hits, _) =
                list(&db, &TicketQuery { q: Some("poskozeny nothing".into()), limit: 50, ..TicketQuery::new(MailboxScope::All) })
                    .await
                    .unwrap();
            assert!(hits.is_empty(), "every word must match");
            let number = by_id(&mut db.conn().await.unwrap(), seen[5]).await.unwrap().number;
            let (hits, _) =
                list(&db, &TicketQuery { q: Some(number.to_string()), limit: 50, ..TicketQuery::new(MailboxScope::All) }).await.unwrap();
            assert!(hits.iter().any(|h| h.ticket.id == seen[5]), "#number finds the ticket");

            let id = seen[0];
            patch(
                &db,
                id,
                &TicketPatch {
                    status: Some(TicketStatus::Pending),
                    tags: Some(vec![Tag::parse("vip").unwrap(), Tag::parse("VIP").unwrap()]),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
            let (hits, _) = list(
                &db,
                &TicketQuery {
                    tag: Some(Tag::parse("vip").unwrap()),
                    statuses: vec![TicketStatus::Pending],
                    limit: 50,
                    ..TicketQuery::new(MailboxScope::All)
                },
            )
            .await
            .unwrap();
            assert_eq!(hits.iter().map(|h| h.ticket.id).collect::<Vec<_>>(), vec![id]);
            assert_eq!(
                count_capped(&db, &TicketQuery { statuses: vec![TicketStatus::New], ..TicketQuery::new(MailboxScope::All) }, 5)
                    .await
                    .unwrap(),
                5
            );
            assert_eq!(
                count_capped(&db, &TicketQuery { statuses: vec![TicketStatus::Pending], ..TicketQuery::new(MailboxScope::All) }, 5)
                    .await
                    .unwrap(),
                1
            );
            let (none, _) = list(&db, &TicketQuery { limit: 50, ..TicketQuery::new(MailboxScope::Only(vec![])) }).await.unwrap();
            assert!(none.is_empty(), "an agent without mailboxes sees nothing");
            let log = activity::for_ticket(&mut db.conn().await.unwrap(), id).await.unwrap();
            assert_eq!(
                log.iter().map(|a| (a.action.as_str(), a.detail.as_str())).collect::<Vec<_>>(),
                vec![("status", "new pending"), ("tags", "+vip")]
            );

            // A reminder brings the pending ticket back; a merge moves everything and closes the source.
            patch(&db, id, &TicketPatch { remind_at: Some(Some(1)), ..Default::default() }, None).await.unwrap();
            assert_eq!(wake_due(&db, now_ms()).await.unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), vec![id]);
            assert!(wake_due(&db, now_ms()).await.unwrap().is_empty());
            let mut conn = db.conn().await.unwrap();
            let woken = by_id(&mut conn, id).await.unwrap();
            assert_eq!((woken.status, woken.remind_at), (TicketStatus::Open, None));
            let other = by_id(&mut conn, seen[1]).await.unwrap();
            drop(conn);
            let mut tx = db.begin().await.unwrap();
            crate::messages::insert(
                &mut tx,
                &crate::messages::NewMessage::text(
                    other.id,
                    podpora_domain::Direction::In,
                    podpora_domain::MessageKind::Message,
                    ("c@x.cz", ""),
                    "Re",
                    "Reklamace kabelky",
                ),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            merge(&db, &other, &woken, None).await.unwrap();
            let (hits, _) =
                list(&db, &TicketQuery { q: Some("reklamace kabelky".into()), limit: 50, ..TicketQuery::new(MailboxScope::All) })
                    .await
                    .unwrap();
            let mut found: Vec<i64> = hits.iter().map(|h| h.ticket.id).collect();
            found.sort();
            assert_eq!(found, vec![woken.id.min(other.id), woken.id.max(other.id)], "the merged text is found in the ticket it went to");
            let mut conn = db.conn().await.unwrap();
            let merged = by_id(&mut conn, other.id).await.unwrap();
            assert_eq!((merged.status, merged.related_number), (TicketStatus::Closed, Some(woken.number.get())));
            assert!(matches!(merge(&db, &woken, &woken, None).await, Err(StoreError::Conflict(_))));
            assert_eq!(tag_counts(&db).await.unwrap(), vec![("vip".to_string(), 1)]);
            assert_eq!(rename_tag(&db, "vip", "important").await.unwrap(), 1);
            assert_eq!(tag_counts(&db).await.unwrap(), vec![("important".to_string(), 1)]);
            rename_tag(&db, "important", "").await.unwrap();
            assert!(tag_counts(&db).await.unwrap().is_empty());

            // Split: the second message and everything after it become a new, related ticket.
            let mut tx = db.begin().await.unwrap();
            let mut pks = Vec::new();
            for body in ["first", "second", "third"] {
                pks.push(
                    crate::messages::insert(
                        &mut tx,
                        &crate::messages::NewMessage {
                            message_id: Some(&format!("{body}@x")),
                            ..crate::messages::NewMessage::text(
                                seen[7],
                                podpora_domain::Direction::In,
                                podpora_domain::MessageKind::Message,
                                ("c@x.cz", ""),
                                "Re: Another matter",
                                body,
                            )
                        },
                    )
                    .await
                    .unwrap(),
                );
                crate::messages::remember_ids(&mut tx, seen[7], &[format!("{body}@x")]).await.unwrap();
            }
            tx.commit().await.unwrap();
            let source = by_id(&mut db.conn().await.unwrap(), seen[7]).await.unwrap();
            assert!(matches!(split(&db, &source, pks[0], None).await, Err(StoreError::Conflict(_))), "the first message is the ticket");
            let new = split(&db, &source, pks[1], None).await.unwrap();
            assert_eq!(
                (new.subject.as_str(), new.related_number, new.status),
                ("Another matter", Some(source.number.get()), TicketStatus::Open)
            );
            let mut conn = db.conn().await.unwrap();
            let moved = crate::messages::for_ticket(&mut conn, new.id).await.unwrap();
            assert_eq!(moved.iter().map(|m| m.body_text.as_str()).collect::<Vec<_>>(), vec!["second", "third"]);
            drop(conn);
            let (hits, _) =
                list(&db, &TicketQuery { q: Some("third".into()), limit: 50, ..TicketQuery::new(MailboxScope::All) }).await.unwrap();
            assert!(hits.iter().any(|h| h.ticket.id == new.id), "the split-off ticket is found by its text");
            let mut conn = db.conn().await.unwrap();
            let ids = crate::messages::lookup_ids(&mut conn, &["third@x".to_string(), "first@x".to_string()]).await.unwrap();
            assert_eq!((ids["third@x"], ids["first@x"]), (new.number, source.number), "replies to split-off mail follow it");
            t
        })
        .await;
    }
}
