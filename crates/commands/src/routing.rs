//! Routing: who gets a ticket, decided by its pool's assignment policy (`domain::routing`) over
//! the pool's members as they are now, and written with its reason, its log entry and a live
//! event in one transaction. `route_due` is run by the router for every ticket queued for it: new
//! tickets (mail, forms, the API), tickets given to a team, tickets taken from an agent gone off
//! shift (`release_off_shift`), tickets nobody could take last time. Also the admin's policies.
//!
//! Fair across instances: each routing transaction locks the turn counters of the pools it
//! decides for (in one order, so two instances cannot deadlock) before it reads loads and turns,
//! so decisions of one pool are taken one after the other with what the last one wrote.

use crate::accounts::availability;
use crate::admin::Admin;
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::routing::{self as rules, AssignmentPolicy, Decision, ManagerOf, Member, Needs, PolicyKind, Why};
use podpora_domain::rules::{Trigger, UpdateEvent};
use podpora_domain::{AgentStatus, Lang, TicketStatus};
use podpora_mail::Mailroom;
use podpora_store::events::Event;
use podpora_store::routing::{self, Cause, Pending, Pool};
use podpora_store::tickets::{self, Ticket};
use podpora_store::{now_ms, teams, users, Conn};
use std::collections::{HashMap, HashSet};

pub use podpora_store::routing::Pool as RoutingPool;

/// Tickets decided in one transaction at most.
pub const BATCH: i64 = 200;
/// How soon a ticket that found nobody available is offered again (and at once when an agent
/// comes online).
pub const RETRY_MS: i64 = 30_000;
/// A team's overflow threshold, at most.
pub const MAX_OVERFLOW_AFTER: u32 = 10_000;
const DAY_MS: i64 = 86_400_000;

/// The pool that decides for a ticket of this mailbox and team: the team's when its policy
/// assigns, else the mailbox's when its does.
fn pool_of(policies: &HashMap<Pool, AssignmentPolicy>, mailbox: Option<i64>, team: Option<i64>) -> Option<(Pool, &AssignmentPolicy)> {
    let assigning = |pool: Pool| policies.get(&pool).filter(|p| p.assigns()).map(|p| (pool, p));
    team.and_then(|t| assigning(Pool::Team(t))).or_else(|| mailbox.and_then(|m| assigning(Pool::Mailbox(m))))
}

/// What one routing transaction decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routed {
    /// Tickets taken off the queue.
    pub taken: usize,
    pub assigned: usize,
    /// Found nobody available: queued again.
    pub waiting: usize,
    /// Changed by rules.
    pub ruled: usize,
}

/// Decides for up to `limit` (at most `BATCH`) due tickets of the queue, in one transaction. Tickets that meanwhile
/// got an assignee, or are no longer new or open, or whose pool no longer assigns, just leave the
/// queue.
pub async fn route_due(room: &Mailroom, limit: i64) -> Result<Routed> {
    let now = now_ms();
    // Redoable: the queue row and the ticket are durable before it runs, so a decision a crash
    // loses is simply made again; mail it queues (a rule's canned reply, notices) is sent only
    // after a durable commit, which makes this one durable too.
    let mut tx = room.db.begin_redoable().await?;
    let pending = routing::claim_due_in(&mut tx, now, limit.clamp(1, BATCH)).await?;
    let mut out = Routed { taken: pending.len(), ..Routed::default() };
    if pending.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = pending.iter().map(|p| p.ticket_id).collect();
    let mut found = tickets::by_ids(&mut tx, &ids).await?;
    // One read of the counters behind the process's copies of the policies, rules, roster and teams.
    let counters = podpora_store::Counters::read(&mut tx).await?;
    let policies = routing::policies_cached(&room.db, &mut tx, &counters).await?;
    // Rules first (once: not again when a ticket is offered again), so that the team, tags and
    // assignee they set decide what follows.
    let rules = podpora_store::rules::enabled(&room.db, &mut tx, &counters).await?;
    let to_run: Vec<(Ticket, Trigger, Option<UpdateEvent>)> = pending
        .iter()
        .filter(|p| p.tries == 0)
        .filter_map(|p| {
            let t = found.iter().find(|t| t.id == p.ticket_id)?;
            let (trigger, event) = match p.cause {
                Cause::New => (Trigger::Created, None),
                Cause::Team => (Trigger::Updated, Some(UpdateEvent::Change)),
                Cause::Updated(e) => (Trigger::Updated, Some(e)),
                Cause::OffShift(_) => return None,
            };
            rules.iter().any(|r| r.trigger == trigger).then(|| (t.clone(), trigger, event))
        })
        .collect();
    let mut fired = Vec::new();
    if !to_run.is_empty() {
        for (t, outcome) in crate::rules::run_on(room, &mut tx, &rules, &to_run, now).await? {
            if let Some(old) = found.iter_mut().find(|x| x.id == t.id) {
                *old = t.clone();
            }
            tx.publish(Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: None }).await?;
            fired.push((t.id, outcome));
            out.ruled += 1;
        }
    }
    overflow(&mut tx, &policies, &mut found).await?;
    let work: Vec<(&Pending, &Ticket, Pool, &AssignmentPolicy)> = pending
        .iter()
        .filter_map(|p| {
            let t = found.iter().find(|t| t.id == p.ticket_id)?;
            if t.assignee_id.is_some() || !matches!(t.status, TicketStatus::New | TicketStatus::Open) {
                return None;
            }
            let (pool, policy) = pool_of(&policies, t.mailbox_id, t.team_id)?;
            Some((p, t, pool, policy))
        })
        .collect();
    if !work.is_empty() {
        let mut desk = Desk::read(room, &mut tx, &counters, &work, now).await?;
        for (p, t, pool, policy) in &work {
            let decision = desk.decide(p, t, *pool, policy, now);
            match decision {
                Decision::Assign { agent, by, why } => {
                    routing::assign_in(&mut tx, t.id, agent, by, &why.to_string()).await?;
                    let turn = desk.took(*pool, agent);
                    routing::take_turn_in(&mut tx, *pool, agent, turn).await?;
                    tx.publish(Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: None }).await?;
                    out.assigned += 1;
                }
                Decision::Wait(why) => {
                    routing::note_wait_in(&mut tx, t.id, &why.to_string(), p.tries == 0).await?;
                    routing::retry_in(&mut tx, p, now + RETRY_MS).await?;
                    if p.tries == 0 {
                        tx.publish(Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: None }).await?;
                    }
                    out.waiting += 1;
                }
                Decision::Manual => {}
            }
        }
    }
    let mut mailed = false;
    let notifying: Vec<&(i64, _)> = fired.iter().filter(|(_, o)| !o.notify.is_empty()).collect();
    if !notifying.is_empty() {
        let audience = crate::audience::Audience::read(room, &mut tx).await?;
        for (id, outcome) in notifying {
            let t = tickets::by_id(&mut tx, *id).await?;
            mailed |= crate::rules::notify_after(room, &mut tx, &audience, &t, outcome).await?;
        }
    }
    tx.commit().await?;
    if mailed {
        room.work.notify_one();
    }
    Ok(out)
}

/// Passes the tickets waiting for someone in a team whose queue is past its overflow threshold
/// to the overflow team (one step: a ticket passed on is decided by that team's policy, not
/// passed again), with a log entry; the counts move as tickets are passed.
async fn overflow(tx: &mut podpora_store::WriteTx, policies: &HashMap<Pool, AssignmentPolicy>, found: &mut [Ticket]) -> Result<()> {
    let mut queues: HashMap<i64, i64> = HashMap::new();
    for t in found.iter_mut().filter(|t| t.assignee_id.is_none() && matches!(t.status, TicketStatus::New | TicketStatus::Open)) {
        let Some((Pool::Team(from), policy)) = pool_of(policies, t.mailbox_id, t.team_id) else { continue };
        let Some(o) = policy.overflow() else { continue };
        let waiting = match queues.get(&from) {
            Some(n) => *n,
            None => routing::team_queue(&mut *tx, from).await?,
        };
        queues.insert(from, waiting);
        let Some(to) = o.to_team(waiting) else { continue };
        let patch = tickets::TicketPatch { team_id: Some(Some(to)), ..Default::default() };
        tickets::patch_in(&mut *tx, t.id, &patch, None).await?;
        podpora_store::activity::add(&mut *tx, t.id, None, "overflow", &format!("{from} {to} {}", o.after)).await?;
        queues.insert(from, waiting - 1);
        if let Some(n) = queues.get_mut(&to) {
            *n += 1;
        }
        t.team_id = Some(to);
    }
    Ok(())
}

/// What the decisions of one transaction read once: the pools' turns (locked), the roster with
/// rights, loads, teams, and the customers' languages, managers and last helpers. Grown by each
/// decision, so the next one sees it.
struct Desk {
    turns: HashMap<Pool, (i64, HashMap<i64, i64>)>,
    /// This process's copy of the roster (not copied again per transaction), and the
    /// availability now of each entry that may answer customers (None: may not).
    roster: std::sync::Arc<Vec<(users::User, podpora_domain::Access)>>,
    statuses: Vec<Option<AgentStatus>>,
    loads: HashMap<i64, i64>,
    team_members: HashMap<i64, HashSet<i64>>,
    customers: HashMap<i64, routing::CustomerNeeds>,
    helpers: HashMap<i64, (i64, i64)>,
    tags: HashMap<i64, Vec<String>>,
    skills: HashSet<String>,
}

impl Desk {
    async fn read(
        room: &Mailroom,
        tx: &mut Conn,
        counters: &podpora_store::Counters,
        work: &[(&Pending, &Ticket, Pool, &AssignmentPolicy)],
        now: i64,
    ) -> Result<Desk> {
        let mut pools: Vec<Pool> = work.iter().map(|w| w.2).collect();
        pools.sort_unstable();
        pools.dedup();
        let mut turns = HashMap::new();
        for pool in pools {
            let counter = routing::lock_pool_in(tx, pool).await?;
            turns.insert(pool, (counter, routing::turns_in(tx, pool).await?));
        }
        let roster = users::roster_cached(&room.db, tx, counters).await?;
        let statuses: Vec<Option<AgentStatus>> =
            roster.iter().map(|(u, access)| access.can_reply().then(|| availability(u, now))).collect();
        // Loads matter only for those online (nobody else takes work; a manager gets theirs anyway).
        let online: Vec<i64> =
            roster.iter().zip(&statuses).filter(|(_, s)| **s == Some(AgentStatus::Online)).map(|((u, _), _)| u.id).collect();
        let loads = routing::loads_in(tx, &online).await?;
        let team_members = if turns.keys().any(|p| matches!(p, Pool::Team(_))) {
            teams::list_cached(&room.db, tx, counters).await?.iter().map(|t| (t.id, t.members.iter().copied().collect())).collect()
        } else {
            HashMap::new()
        };
        let mut customer_ids: Vec<i64> = work.iter().map(|w| w.1.customer_id).collect();
        customer_ids.sort_unstable();
        customer_ids.dedup();
        let customers = routing::customers_in(tx, &customer_ids).await?;
        let sticky_days = work.iter().filter(|w| w.3.kind() == PolicyKind::Sticky).map(|w| w.3.sticky_days()).max();
        let helpers = match sticky_days {
            Some(days) => routing::last_helpers_in(tx, &customer_ids, now - i64::from(days) * DAY_MS).await?,
            None => HashMap::new(),
        };
        let ticket_ids: Vec<i64> = work.iter().map(|w| w.1.id).collect();
        let tags = tickets::tags_of(tx, &ticket_ids).await?;
        let skills =
            roster.iter().zip(&statuses).filter(|(_, s)| s.is_some()).flat_map(|((u, _), _)| u.profile.skills.iter().cloned()).collect();
        Ok(Desk { turns, roster, statuses, loads, team_members, customers, helpers, tags, skills })
    }

    fn decide(&self, p: &Pending, t: &Ticket, pool: Pool, policy: &AssignmentPolicy, now: i64) -> Decision {
        let no_turns = HashMap::new();
        let turns = self.turns.get(&pool).map_or(&no_turns, |(_, t)| t);
        let team = match pool {
            Pool::Team(id) => Some(self.team_members.get(&id)),
            Pool::Mailbox(_) => None,
        };
        let members: Vec<Member<'_>> = self
            .roster
            .iter()
            .zip(&self.statuses)
            .filter_map(|((u, access), status)| Some((u, access, (*status)?)))
            .filter(|(u, access, _)| access.can_see(t.mailbox_id) && team.is_none_or(|m| m.is_some_and(|m| m.contains(&u.id))))
            .map(|(u, _, status)| Member {
                id: u.id,
                status,
                open: self.loads.get(&u.id).copied().unwrap_or(0),
                capacity: u.profile.capacity,
                languages: &u.profile.languages,
                skills: &u.profile.skills,
                last_turn: turns.get(&u.id).copied().unwrap_or(0),
            })
            .collect();
        let c = self.customers.get(&t.customer_id).cloned().unwrap_or_default();
        let (language, manager) =
            (c.language, c.manager.map(|m| (m, ManagerOf::Customer)).or(c.organisation_manager.map(|m| (m, ManagerOf::Organisation))));
        let needs = Needs {
            language: language.as_deref(),
            skills: self.tags.get(&t.id).into_iter().flatten().filter(|tag| self.skills.contains(*tag)).map(String::as_str).collect(),
            last_helper: self.helpers.get(&t.customer_id).copied(),
            manager,
            not: match p.cause {
                Cause::OffShift(agent) => Some(agent),
                _ => None,
            },
        };
        rules::decide(policy, &members, &needs, now)
    }

    /// The agent got a ticket from the pool: one more open ticket, and the pool's next turn.
    fn took(&mut self, pool: Pool, agent: i64) -> i64 {
        *self.loads.entry(agent).or_default() += 1;
        let (counter, turns) = self.turns.entry(pool).or_default();
        *counter += 1;
        turns.insert(agent, *counter);
        *counter
    }
}

/// Takes the tickets still waiting for a first answer from agents who are off shift (set so, or
/// outside their working hours; disabled accounts too) back to their pool, where the policy says
/// so, and queues them for routing to someone else. Run by the scheduler and when an agent goes
/// off. Returns how many were taken back.
pub async fn release_off_shift(room: &Mailroom) -> Result<usize> {
    let mut conn = room.db.conn().await?;
    let policies = routing::policies(&mut conn).await?;
    if !policies.values().any(|p| p.assigns() && p.reassign_off_shift()) {
        return Ok(0);
    }
    let now = now_ms();
    let mut released = 0;
    for agent in routing::agents_with_open_tickets(&mut conn).await? {
        let user = users::get(&room.db, agent).await?;
        if user.as_ref().is_some_and(|u| !u.disabled && availability(u, now) != AgentStatus::Off) {
            continue;
        }
        let waiting: Vec<i64> = routing::waiting_first_answer(&mut conn, agent)
            .await?
            .into_iter()
            .filter(|(_, mailbox, team)| pool_of(&policies, *mailbox, *team).is_some_and(|(_, p)| p.reassign_off_shift()))
            .map(|(id, _, _)| id)
            .collect();
        if waiting.is_empty() {
            continue;
        }
        let mut tx = room.db.begin().await?;
        for id in &waiting {
            routing::release_in(&mut tx, *id, agent).await?;
            let t = tickets::by_id(&mut tx, *id).await?;
            tx.publish(Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: None }).await?;
        }
        routing::queue_in(&mut tx, &waiting, Cause::OffShift(agent), now).await?;
        tx.commit().await?;
        released += waiting.len();
    }
    Ok(released)
}

/// An agent's availability changed: off shift gives their unanswered tickets back; online offers
/// them what waits for someone.
pub(crate) async fn availability_changed(room: &Mailroom, status: AgentStatus) -> Result<()> {
    match status {
        AgentStatus::Off => {
            release_off_shift(room).await?;
        }
        AgentStatus::Online => {
            let mut tx = room.db.begin().await?;
            routing::wake_waiting(&mut tx).await?;
            tx.commit().await?;
        }
        AgentStatus::Away => {}
    }
    Ok(())
}

/// A ticket given to a team without an assignee is routed by the team's policy.
pub(crate) async fn queue_for_team(tx: &mut podpora_store::WriteTx, ticket_id: i64) -> Result<()> {
    Ok(routing::queue_in(tx, &[ticket_id], Cause::Team, now_ms()).await?)
}

/// A pool's policy as an admin sets it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    pub policy: PolicyKind,
    /// For sticky and account manager: who decides when they cannot (default round robin).
    #[serde(default)]
    pub fallback: Option<PolicyKind>,
    /// Sticky: how long a customer stays with the agent who answered them (default 14 days).
    #[serde(default)]
    pub sticky_days: Option<u32>,
    /// Prefer agents who speak the customer's language (default true).
    #[serde(default)]
    pub by_language: Option<bool>,
    /// An agent going off shift gives back their tickets still waiting for a first answer (default true).
    #[serde(default)]
    pub reassign_off_shift: Option<bool>,
    /// Teams: past `overflow_after` tickets waiting for someone, the next one goes to this team.
    #[serde(default)]
    pub overflow_team: Option<i64>,
    #[serde(default)]
    pub overflow_after: Option<u32>,
}

impl PolicyChange {
    pub fn checked(&self) -> Result<AssignmentPolicy> {
        if self.sticky_days.is_some_and(|d| !(1..=rules::MAX_STICKY_DAYS).contains(&d)) {
            return Err(CommandError::Invalid(Reason::new("error-sticky-days")));
        }
        let overflow = match (self.overflow_team, self.overflow_after) {
            (None, _) => None,
            (Some(to), Some(after)) if (1..=MAX_OVERFLOW_AFTER).contains(&after) => Some(rules::Overflow { to, after }),
            (Some(_), _) => return Err(CommandError::Invalid(Reason::new("error-overflow-after"))),
        };
        Ok(AssignmentPolicy::new(
            self.policy,
            self.fallback.unwrap_or(PolicyKind::RoundRobin),
            self.sticky_days.unwrap_or(rules::DEFAULT_STICKY_DAYS),
            self.by_language.unwrap_or(true),
            self.reassign_off_shift.unwrap_or(true),
        )
        .map_err(|e| CommandError::Invalid(Reason::detail(e.to_string())))?
        .with_overflow(overflow))
    }
}

/// A mailbox's or team's policy (manual until an admin sets one).
pub async fn policy(room: &Mailroom, _actor: &Actor, pool: Pool) -> Result<AssignmentPolicy> {
    exists(room, pool).await?;
    Ok(routing::policy(&mut *room.db.conn().await?, pool).await?)
}

async fn exists(room: &Mailroom, pool: Pool) -> Result<()> {
    let found = match pool {
        Pool::Mailbox(id) => podpora_store::mailboxes::get(&room.db, id).await?.is_some(),
        Pool::Team(id) => teams::list(&room.db).await?.iter().any(|t| t.id == id),
    };
    if found {
        Ok(())
    } else {
        Err(CommandError::NotFound(match pool {
            Pool::Mailbox(_) => Thing::Mailbox,
            Pool::Team(_) => Thing::Team,
        }))
    }
}

/// Sets a mailbox's or team's policy (admins). Tickets already waiting keep their assignee (or
/// none); the policy decides for those that come from now on.
pub async fn set_policy(room: &Mailroom, _admin: &Admin, pool: Pool, change: &PolicyChange) -> Result<AssignmentPolicy> {
    let policy = change.checked()?;
    exists(room, pool).await?;
    if let Some(o) = policy.overflow() {
        // A team's queue overflows to another team that exists.
        let other = matches!(pool, Pool::Team(id) if id != o.to);
        if !other || !teams::list(&room.db).await?.iter().any(|t| t.id == o.to) {
            return Err(CommandError::Invalid(Reason::new("error-overflow-team")));
        }
    }
    let mut tx = room.db.begin().await?;
    routing::set_policy(&mut tx, pool, &policy).await?;
    tx.commit().await?;
    Ok(policy)
}

/// How a ticket got its assignee, in words (`lang`), with agents named by `name`: the stored
/// routing reason, or who assigned it by hand.
pub fn assignment_text(t: &Ticket, lang: Lang, name: &dyn Fn(i64) -> String) -> Option<String> {
    let why = t.assignment_reason.parse::<Why>().ok();
    match (t.assigned_by, why) {
        (Some(_), Some(why)) => Some(why.describe(lang, name)),
        (None, Some(why)) if t.assignee_id.is_none() => Some(why.describe(lang, name)),
        (Some(rules::AssignedBy::Manual), None) => Some(podpora_domain::i18n::t(lang, "routing-by-hand")),
        _ => None,
    }
}
