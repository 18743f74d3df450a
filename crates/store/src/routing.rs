//! Routing's records: each pool's assignment policy (a mailbox's or a team's) with its turn
//! counter, the members' last turns, the tickets waiting for a decision (`routing_pending`), and
//! what a decision reads — the roster with its rights, agents' loads, customers' last helpers and
//! account managers — and writes (the assignment with its reason and log entry).

use crate::{activity, now_ms, Backend, Result, StoreError, WriteTx};
use podpora_domain::routing::{AssignedBy, AssignmentPolicy, Overflow, PolicyKind};
use podpora_domain::rules::UpdateEvent;
use podpora_domain::TicketStatus;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Who a policy hands tickets out among: the agents of a mailbox, or a team's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pool {
    Mailbox(i64),
    Team(i64),
}

impl Pool {
    /// As stored (`mailbox:3`, `team:5`).
    pub fn key(self) -> String {
        match self {
            Pool::Mailbox(id) => format!("mailbox:{id}"),
            Pool::Team(id) => format!("team:{id}"),
        }
    }

    fn parse(key: &str) -> Option<Pool> {
        let (kind, id) = key.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "mailbox" => Some(Pool::Mailbox(id)),
            "team" => Some(Pool::Team(id)),
            _ => None,
        }
    }
}

fn policy_of(r: &sqlx::any::AnyRow) -> Result<AssignmentPolicy> {
    let kind: PolicyKind = r.try_get::<String, _>("policy")?.parse()?;
    let fallback: PolicyKind = r.try_get::<String, _>("fallback")?.parse()?;
    let days = u32::try_from(r.try_get::<i64, _>("sticky_days")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let overflow = match (r.try_get::<Option<i64>, _>("overflow_team")?, r.try_get::<Option<i64>, _>("overflow_after")?) {
        (Some(to), Some(after)) => Some(Overflow { to, after: u32::try_from(after).map_err(|e| StoreError::Corrupt(e.to_string()))? }),
        _ => None,
    };
    Ok(AssignmentPolicy::new(
        kind,
        fallback,
        days,
        r.try_get::<i64, _>("by_language")? != 0,
        r.try_get::<i64, _>("reassign_off_shift")? != 0,
    )?
    .with_overflow(overflow))
}

/// Every pool's policy that is stored (a pool without one is manual).
pub async fn policies(conn: &mut AnyConnection) -> Result<HashMap<Pool, AssignmentPolicy>> {
    let rows = sqlx::query("SELECT pool, policy, fallback, sticky_days, by_language, reassign_off_shift, overflow_team, overflow_after FROM assignment_policies")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in &rows {
        if let Some(pool) = Pool::parse(&r.try_get::<String, _>("pool")?) {
            out.insert(pool, policy_of(r)?);
        }
    }
    Ok(out)
}

/// `policies`, from this process's copy while no policy changed since it was read (routing reads
/// them for every decision).
pub async fn policies_cached(
    db: &crate::Db,
    conn: &mut AnyConnection,
    counters: &crate::Counters,
) -> Result<std::sync::Arc<HashMap<Pool, AssignmentPolicy>>> {
    db.policies.get(conn, counters, "policies", async |conn| policies(conn).await).await
}

/// One pool's policy (manual when none is stored).
pub async fn policy(conn: &mut AnyConnection, pool: Pool) -> Result<AssignmentPolicy> {
    let r =
        sqlx::query("SELECT pool, policy, fallback, sticky_days, by_language, reassign_off_shift, overflow_team, overflow_after FROM assignment_policies WHERE pool = $1")
            .bind(pool.key())
            .fetch_optional(&mut *conn)
            .await?;
    r.as_ref().map(policy_of).transpose().map(|p| p.unwrap_or_else(AssignmentPolicy::manual))
}

/// Stores a pool's policy (its turns are kept).
pub async fn set_policy(conn: &mut AnyConnection, pool: Pool, p: &AssignmentPolicy) -> Result<()> {
    sqlx::query(
        "INSERT INTO assignment_policies (pool, policy, fallback, sticky_days, by_language, reassign_off_shift, overflow_team, overflow_after, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (pool) DO UPDATE SET policy = excluded.policy, fallback = excluded.fallback, \
         sticky_days = excluded.sticky_days, by_language = excluded.by_language, reassign_off_shift = excluded.reassign_off_shift, \
         overflow_team = excluded.overflow_team, overflow_after = excluded.overflow_after, updated_at = excluded.updated_at",
    )
    .bind(pool.key())
    .bind(p.kind().as_str())
    .bind(p.fallback().as_str())
    .bind(i64::from(p.sticky_days()))
    .bind(p.by_language() as i64)
    .bind(p.reassign_off_shift() as i64)
    .bind(p.overflow().map(|o| o.to))
    .bind(p.overflow().map(|o| i64::from(o.after)))
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'policies'").execute(conn).await?;
    Ok(())
}

/// What goes to the router: new tickets when some pool assigns automatically or rules run on
/// created tickets, changed tickets when rules run on update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wanted {
    pub new: bool,
    pub updated: bool,
}

pub async fn wanted(conn: &mut AnyConnection) -> Result<Wanted> {
    let assigns = sqlx::query_scalar::<_, i64>("SELECT 1 FROM assignment_policies WHERE policy <> 'manual' LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    let created = assigns || crate::rules::any_for(&mut *conn, podpora_domain::rules::Trigger::Created).await?;
    Ok(Wanted { new: created, updated: crate::rules::any_for(conn, podpora_domain::rules::Trigger::Updated).await? })
}

/// Queues a changed ticket for the rules on update, if there are any.
pub async fn changed_in(tx: &mut WriteTx, ticket_ids: &[i64], event: UpdateEvent) -> Result<()> {
    if ticket_ids.is_empty() || !crate::rules::any_for(tx, podpora_domain::rules::Trigger::Updated).await? {
        return Ok(());
    }
    queue_in(tx, ticket_ids, Cause::Updated(event), now_ms()).await
}

/// Why a ticket waits for routing (and its rules): new, given to a team, taken from an agent gone
/// off shift, or changed (for rules on update).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    New,
    Team,
    /// Taken from this agent, who went off shift: not them again.
    OffShift(i64),
    /// Changed by a person or by the customer's mail: rules on update look at it.
    Updated(UpdateEvent),
}

impl Cause {
    fn as_text(self) -> String {
        match self {
            Cause::New => "new".into(),
            Cause::Team => "team".into(),
            Cause::OffShift(agent) => format!("off_shift {agent}"),
            Cause::Updated(event) => format!("updated {event}"),
        }
    }

    fn parse(s: &str) -> Cause {
        match s.split_once(' ') {
            Some(("off_shift", id)) => id.parse().map(Cause::OffShift).unwrap_or(Cause::New),
            Some(("updated", event)) => event.parse().map(Cause::Updated).unwrap_or(Cause::Updated(UpdateEvent::Change)),
            _ if s == "team" => Cause::Team,
            _ => Cause::New,
        }
    }
}

/// Queues tickets for routing and their rules, due at `due_at`, and tells the routers once the
/// transaction commits. A ticket queued already whose rules have not run yet keeps its cause (a
/// new ticket stays new); one that waits for someone (its rules ran) takes the new cause.
pub async fn queue_in(tx: &mut WriteTx, ticket_ids: &[i64], cause: Cause, due_at: i64) -> Result<()> {
    if ticket_ids.is_empty() {
        return Ok(());
    }
    let update = match cause {
        Cause::Updated(_) => {
            "cause = CASE WHEN routing_pending.cause LIKE 'updated%' OR routing_pending.tries > 0 THEN excluded.cause ELSE routing_pending.cause END, \
             due_at = excluded.due_at, tries = 0"
        }
        _ => "cause = CASE WHEN routing_pending.cause = 'new' AND routing_pending.tries = 0 THEN routing_pending.cause ELSE excluded.cause END, \
              due_at = excluded.due_at, tries = 0",
    };
    let cause = cause.as_text();
    for chunk in ticket_ids.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO routing_pending (ticket_id, cause, due_at) VALUES {} ON CONFLICT (ticket_id) DO UPDATE SET {update}",
            crate::db::values_list(chunk.len(), 3, 1)
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id).bind(&cause).bind(due_at);
        }
        q.execute(&mut **tx).await?;
    }
    tx.publish(crate::events::Event::Routing).await
}

/// A ticket waiting for routing, as claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub ticket_id: i64,
    pub cause: Cause,
    /// Earlier decisions that found nobody.
    pub tries: i64,
}

/// Takes up to `limit` due tickets off the queue, oldest due first, in the caller's transaction
/// (rolled back, they are due again). On PostgreSQL rows another instance is taking are skipped.
pub async fn claim_due_in(conn: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<Pending>> {
    let lock = match crate::db::backend_of(conn) {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "DELETE FROM routing_pending WHERE ticket_id IN \
         (SELECT ticket_id FROM routing_pending WHERE due_at <= $1 ORDER BY due_at, ticket_id LIMIT $2{lock}) \
         RETURNING ticket_id, cause, tries"
    );
    let rows = sqlx::query(&sql).bind(now).bind(limit).fetch_all(&mut *conn).await?;
    let mut out: Vec<Pending> = rows
        .iter()
        .map(|r| Ok(Pending { ticket_id: r.try_get(0)?, cause: Cause::parse(&r.try_get::<String, _>(1)?), tries: r.try_get(2)? }))
        .collect::<Result<_>>()?;
    out.sort_by_key(|p| p.ticket_id);
    Ok(out)
}

/// Puts a ticket back on the queue after a decision that found nobody.
pub async fn retry_in(conn: &mut AnyConnection, p: &Pending, due_at: i64) -> Result<()> {
    sqlx::query("INSERT INTO routing_pending (ticket_id, cause, due_at, tries) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO NOTHING")
        .bind(p.ticket_id)
        .bind(p.cause.as_text())
        .bind(due_at)
        .bind(p.tries + 1)
        .execute(conn)
        .await?;
    Ok(())
}

/// Everything waiting for someone to become available is due now (someone just did).
pub async fn wake_waiting(tx: &mut WriteTx) -> Result<u64> {
    let now = now_ms();
    let n = sqlx::query("UPDATE routing_pending SET due_at = $1 WHERE due_at > $1").bind(now).execute(&mut **tx).await?.rows_affected();
    if n > 0 {
        tx.publish(crate::events::Event::Routing).await?;
    }
    Ok(n)
}

/// Locks a pool's turn counter until the transaction ends (several instances routing the same
/// pool take turns) and returns it.
pub async fn lock_pool_in(conn: &mut AnyConnection, pool: Pool) -> Result<i64> {
    let turn: Option<i64> = sqlx::query_scalar("UPDATE assignment_policies SET turn = turn WHERE pool = $1 RETURNING turn")
        .bind(pool.key())
        .fetch_optional(conn)
        .await?;
    Ok(turn.unwrap_or(0))
}

/// The pool's turn when each member last got a ticket from it.
pub async fn turns_in(conn: &mut AnyConnection, pool: Pool) -> Result<HashMap<i64, i64>> {
    let rows = sqlx::query("SELECT user_id, turn FROM assignment_turns WHERE pool = $1").bind(pool.key()).fetch_all(conn).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Records that `user_id` got the pool's turn `turn` (the counter moves on to it).
pub async fn take_turn_in(conn: &mut AnyConnection, pool: Pool, user_id: i64, turn: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO assignment_turns (pool, user_id, turn) VALUES ($1, $2, $3) ON CONFLICT (pool, user_id) DO UPDATE SET turn = excluded.turn",
    )
    .bind(pool.key())
    .bind(user_id)
    .bind(turn)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE assignment_policies SET turn = $1 WHERE pool = $2 AND turn < $1").bind(turn).bind(pool.key()).execute(conn).await?;
    Ok(())
}

/// Each agent's tickets waiting for work (new or open).
pub async fn loads_in(conn: &mut AnyConnection, agent_ids: &[i64]) -> Result<HashMap<i64, i64>> {
    // Kept by triggers on tickets (migration 0025): a row per agent who ever had one. All of
    // them in one read (a few hundred numbers) beats binding a list of that many.
    let mut loads = HashMap::new();
    for r in sqlx::query("SELECT user_id, open_tickets FROM agent_loads WHERE open_tickets <> 0").fetch_all(conn).await? {
        let user: i64 = r.try_get(0)?;
        if agent_ids.contains(&user) {
            loads.insert(user, r.try_get(1)?);
        }
    }
    Ok(loads)
}

/// For each customer, the agent who last answered them since `since`, and when.
pub async fn last_helpers_in(conn: &mut AnyConnection, customer_ids: &[i64], since: i64) -> Result<HashMap<i64, (i64, i64)>> {
    // (`since` is a number of ours, written into the statement: `select_in` binds only the list.)
    let sql = format!(
        "SELECT t.customer_id, m.author_user_id, m.created_at FROM tickets t JOIN messages m ON m.ticket_id = t.id \
         WHERE t.customer_id IN ({{in}}) AND m.direction = 'out' AND m.kind = 'message' AND m.author_user_id IS NOT NULL \
         AND m.created_at >= {since}"
    );
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in crate::db::select_in(conn, &sql, customer_ids).await? {
        let (customer, agent, at): (i64, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let e = out.entry(customer).or_insert((agent, at));
        if at > e.1 {
            *e = (agent, at);
        }
    }
    Ok(out)
}

/// What routing needs of each customer: their language, their own account manager and their
/// organisation's.
pub async fn customers_in(conn: &mut AnyConnection, customer_ids: &[i64]) -> Result<HashMap<i64, CustomerNeeds>> {
    let sql = "SELECT c.id, c.language, c.account_manager_id, o.account_manager_id FROM customers c \
               LEFT JOIN organisations o ON o.id = c.organisation_id WHERE c.id IN ({in})";
    crate::db::select_in(conn, sql, customer_ids)
        .await?
        .iter()
        .map(|r| {
            Ok((r.try_get(0)?, CustomerNeeds { language: r.try_get(1)?, manager: r.try_get(2)?, organisation_manager: r.try_get(3)? }))
        })
        .collect()
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerNeeds {
    pub language: Option<String>,
    pub manager: Option<i64>,
    pub organisation_manager: Option<i64>,
}

/// How many of a team's tickets wait for someone: unassigned, new or open.
pub async fn team_queue(conn: &mut AnyConnection, team_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE team_id = $1 AND assignee_id IS NULL AND status IN ('new', 'open')")
        .bind(team_id)
        .fetch_one(conn)
        .await?)
}

/// Gives a ticket to an agent as routing decided, with the reason on the ticket and in its log.
pub async fn assign_in(conn: &mut AnyConnection, ticket_id: i64, agent: i64, by: AssignedBy, why: &str) -> Result<()> {
    sqlx::query("UPDATE tickets SET assignee_id = $1, assigned_by = $2, assignment_reason = $3, updated_at = $4 WHERE id = $5")
        .bind(agent)
        .bind(by.as_str())
        .bind(why)
        .bind(now_ms())
        .bind(ticket_id)
        .execute(&mut *conn)
        .await?;
    activity::add(conn, ticket_id, None, "routed", &format!("{agent} {by} {why}")).await
}

/// Records on an unassigned ticket why nobody took it; `log` writes it to its log too (the first
/// time: retries are not logged again).
pub async fn note_wait_in(conn: &mut AnyConnection, ticket_id: i64, why: &str, log: bool) -> Result<()> {
    sqlx::query("UPDATE tickets SET assignment_reason = $1 WHERE id = $2 AND assignee_id IS NULL")
        .bind(why)
        .bind(ticket_id)
        .execute(&mut *conn)
        .await?;
    if log {
        activity::add(conn, ticket_id, None, "routed", &format!("- - {why}")).await?;
    }
    Ok(())
}

/// An agent's tickets still waiting for a first answer (new or open, nothing written to the
/// customer by an agent yet — the acknowledgement is no answer), except those that are theirs as
/// the account manager.
pub async fn waiting_first_answer(conn: &mut AnyConnection, agent_id: i64) -> Result<Vec<(i64, Option<i64>, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT t.id, t.mailbox_id, t.team_id FROM tickets t WHERE t.assignee_id = $1 AND t.status IN ($2, $3) \
         AND (t.assigned_by IS NULL OR t.assigned_by <> 'account_manager') \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'out' AND m.kind = 'message' \
         AND m.author_user_id IS NOT NULL)",
    )
    .bind(agent_id)
    .bind(TicketStatus::New.as_str())
    .bind(TicketStatus::Open.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}

/// Agents who have tickets assigned that are new or open (whose going off shift may matter).
pub async fn agents_with_open_tickets(conn: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT DISTINCT assignee_id FROM tickets WHERE assignee_id IS NOT NULL AND status IN ('new', 'open')")
        .fetch_all(conn)
        .await?)
}

/// Unassigns a ticket taken from an agent gone off shift, with a log entry.
pub async fn release_in(conn: &mut AnyConnection, ticket_id: i64, agent: i64) -> Result<()> {
    sqlx::query("UPDATE tickets SET assignee_id = NULL, assigned_by = NULL, assignment_reason = '', updated_at = $1 WHERE id = $2 AND assignee_id = $3")
        .bind(now_ms())
        .bind(ticket_id)
        .bind(agent)
        .execute(&mut *conn)
        .await?;
    activity::add(conn, ticket_id, None, "released", &agent.to_string()).await
}

/// Sets (or clears) a customer's account manager.
pub async fn set_account_manager(conn: &mut AnyConnection, customer_id: i64, manager: Option<i64>) -> Result<()> {
    let n = sqlx::query("UPDATE customers SET account_manager_id = $1 WHERE id = $2")
        .bind(manager)
        .bind(customer_id)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;
    use crate::{mailboxes, tickets, users};
    use podpora_domain::{EmailAddress, Role, TicketStatus};

    /// What `agent_loads` must say: counted from the tickets.
    async fn counted(conn: &mut AnyConnection, agents: &[i64]) -> HashMap<i64, i64> {
        let sql =
            "SELECT assignee_id, COUNT(*) FROM tickets WHERE assignee_id IN ({in}) AND status IN ('new', 'open') GROUP BY assignee_id";
        crate::db::select_in(conn, sql, agents).await.unwrap().iter().map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap())).collect()
    }

    /// The loads the triggers keep follow every way a ticket's assignee or status changes:
    /// assigned by routing or a person, handed over, solved, reopened, unassigned, closed in bulk.
    #[tokio::test]
    async fn agent_loads_follow_assignments_and_statuses() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let address = EmailAddress::parse("help@shop.cz").unwrap();
            let mailbox = mailboxes::add(db, &mailboxes::NewMailbox { address, name: "Help".into(), imap_url: None }).await.unwrap().id;
            let mut agents = Vec::new();
            for name in ["a", "b", "c"] {
                let email = EmailAddress::parse(&format!("{name}@shop.cz")).unwrap();
                agents.push(users::create(db, &email, name, Role::Agent, "h").await.unwrap().id);
            }
            crate::seed::tickets(db, mailbox, 60, 0).await.unwrap();
            let mut tx = db.begin().await.unwrap();
            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id").fetch_all(&mut *tx).await.unwrap();
            let check = async |tx: &mut crate::WriteTx, step: &str| {
                let kept = loads_in(tx, &agents).await.unwrap();
                assert_eq!(kept, counted(tx, &agents).await, "after {step}");
            };
            for (i, id) in ids.iter().enumerate() {
                assign_in(&mut tx, *id, agents[i % 3], AssignedBy::RoundRobin, "round-robin").await.unwrap();
            }
            check(&mut tx, "assigning").await;
            assert!(loads_in(&mut tx, &agents).await.unwrap().values().sum::<i64>() > 0, "the seed has open tickets");
            let hand_over = tickets::TicketPatch { assignee_id: Some(Some(agents[2])), ..Default::default() };
            for id in &ids[..10] {
                tickets::patch_in(&mut tx, *id, &hand_over, None).await.unwrap();
            }
            check(&mut tx, "handing over").await;
            tickets::set_status_many(&mut tx, &ids[5..25], TicketStatus::Solved).await.unwrap();
            check(&mut tx, "solving").await;
            tickets::set_status_many(&mut tx, &ids[5..15], TicketStatus::Open).await.unwrap();
            check(&mut tx, "reopening").await;
            let unassign = tickets::TicketPatch { assignee_id: Some(None), ..Default::default() };
            tickets::patch_in(&mut tx, ids[6], &unassign, None).await.unwrap();
            check(&mut tx, "unassigning").await;
            tickets::set_status_many(&mut tx, &ids, TicketStatus::Closed).await.unwrap();
            check(&mut tx, "closing all").await;
            assert!(loads_in(&mut tx, &agents).await.unwrap().is_empty(), "nobody has open tickets");
            tx.commit().await.unwrap();
            t
        })
        .await;
    }
}
