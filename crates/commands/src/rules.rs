//! Rules (automations): the admin's commands (list, add, change, remove, order, dry run) and
//! running them — on created and updated tickets inside routing's transaction (`route_due`
//! calls `run_on`, so a rule's team or tags decide the assignment that follows), and on a
//! schedule (`run_scheduled`).
//!
//! What rules change is written here straight to the ticket (with a log entry naming the rule),
//! never through the commands people use, so no rule's change queues another pass of rules: a
//! rule cannot set off itself or another one (see `domain::rules`).

use crate::admin::Admin;
use crate::audience::Audience;
use crate::{CommandError, Reason, Result, Thing};
use podpora_domain::routing::{AssignedBy, How, Why};
use podpora_domain::rules::{
    self as domain, Action, ActionSpec, AssignTo, ConditionSpec, Facts, Field, Outcome, Rule, Text, Trigger, Whom,
};
use podpora_domain::{MessageKind, TicketStatus};
use podpora_mail::outbound::{self, Author, Reply};
use podpora_mail::{MailError, Mailroom};
use podpora_store::rules::{self as store, RuleRow, StoredRule};
use podpora_store::tickets::{self, Ticket, TicketPatch};
use podpora_store::{activity, canned, mailboxes, notifications, now_ms, teams, users, Conn, WriteTx};
use std::collections::HashMap;

/// Tickets a dry run looks at, at most (the newest that are not closed).
pub const DRY_RUN_TICKETS: usize = 10_000;
/// Matches a dry run lists, at most (it counts them all).
pub const DRY_RUN_LIST: usize = 100;
/// Tickets the scheduler looks at in one transaction.
const SCHEDULE_BATCH: i64 = 200;

/// A rule as an admin writes it (the admin page and the API).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    /// `created`, `updated` or `schedule`.
    pub trigger: Trigger,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When it fires, the rules after it do not run.
    #[serde(default)]
    pub stop: bool,
    /// All must hold; none: every ticket.
    #[serde(default)]
    pub conditions: Vec<ConditionSpec>,
    pub actions: Vec<ActionSpec>,
}

fn yes() -> bool {
    true
}

/// A stored rule as the admin page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInfo {
    pub id: i64,
    pub name: String,
    pub trigger: Trigger,
    pub enabled: bool,
    pub stop: bool,
    /// Its place in the order (1 runs first).
    pub position: i64,
    pub conditions: Vec<ConditionSpec>,
    pub actions: Vec<ActionSpec>,
    pub updated_at: i64,
}

impl From<StoredRule> for RuleInfo {
    fn from(s: StoredRule) -> RuleInfo {
        RuleInfo {
            id: s.rule.id,
            name: s.rule.name.clone(),
            trigger: s.rule.trigger,
            enabled: s.enabled,
            stop: s.rule.stop,
            position: s.position,
            conditions: s.rule.conditions().iter().map(|c| c.spec().clone()).collect(),
            actions: s.rule.actions().iter().map(Action::spec).collect(),
            updated_at: s.updated_at,
        }
    }
}

/// Every rule, in order.
pub async fn list(room: &Mailroom, _admin: &Admin) -> Result<Vec<RuleInfo>> {
    Ok(store::list(&mut *room.db.conn().await?).await?.into_iter().map(RuleInfo::from).collect())
}

pub async fn get(room: &Mailroom, _admin: &Admin, id: i64) -> Result<RuleInfo> {
    store::get(&mut *room.db.conn().await?, id).await?.map(RuleInfo::from).ok_or(CommandError::NotFound(Thing::Rule))
}

/// Checks a rule as written: its parts (`domain::rules`), and that the agents, teams, mailboxes
/// and canned replies it names exist (an agent enabled, a canned reply shared).
async fn checked(room: &Mailroom, spec: &RuleSpec) -> Result<Rule> {
    let rule = Rule::new(0, &spec.name, spec.trigger, &spec.conditions, &spec.actions, spec.stop)
        .map_err(|e| CommandError::Invalid(Reason::detail(e.to_string())))?;
    let all_teams = teams::list(&room.db).await?;
    let agents = users::list(&room.db).await?;
    let team = |id: i64| all_teams.iter().any(|t| t.id == id);
    let agent = |id: i64| agents.iter().any(|u| u.id == id && !u.disabled);
    let bad = |key: &'static str, id: i64| CommandError::Invalid(Reason::with(key, vec![("id", id.to_string())]));
    for c in rule.conditions() {
        for id in c.ids() {
            let known = match c.field() {
                Field::Team => team(*id),
                Field::Mailbox => mailboxes::get(&room.db, *id).await?.is_some(),
                _ => agents.iter().any(|u| u.id == *id),
            };
            if !known {
                return Err(bad("error-rule-unknown-id", *id));
            }
        }
    }
    for a in rule.actions() {
        match a {
            Action::SetTeam(Some(id)) if !team(*id) => return Err(bad("error-rule-unknown-id", *id)),
            Action::Assign(AssignTo::Agent(id)) if !agent(*id) => return Err(bad("error-rule-unknown-id", *id)),
            Action::Notify(whom) => {
                if let Some(Whom::Agent(id)) = whom.iter().find(|w| matches!(w, Whom::Agent(id) if !agent(*id))) {
                    return Err(bad("error-rule-unknown-id", *id));
                }
            }
            Action::SendReply(id) => match canned::get(&room.db, *id).await {
                Ok(c) if c.owner_id.is_none() => {}
                Ok(_) | Err(podpora_store::StoreError::NotFound) => return Err(bad("error-rule-unknown-canned", *id)),
                Err(e) => return Err(e.into()),
            },
            _ => {}
        }
    }
    Ok(rule)
}

fn row<'a>(spec: &'a RuleSpec) -> RuleRow<'a> {
    RuleRow {
        name: &spec.name,
        trigger: spec.trigger,
        enabled: spec.enabled,
        stop: spec.stop,
        conditions: &spec.conditions,
        actions: &spec.actions,
    }
}

/// Adds a rule at the end of the order.
pub async fn create(room: &Mailroom, admin: &Admin, spec: &RuleSpec) -> Result<RuleInfo> {
    checked(room, spec).await?;
    let mut tx = room.db.begin().await?;
    let id = store::insert(&mut tx, &row(spec)).await?;
    tx.commit().await?;
    get(room, admin, id).await
}

/// Changes a rule (it keeps its place).
pub async fn update(room: &Mailroom, admin: &Admin, id: i64, spec: &RuleSpec) -> Result<RuleInfo> {
    checked(room, spec).await?;
    let mut tx = room.db.begin().await?;
    if !store::update(&mut tx, id, &row(spec)).await? {
        return Err(CommandError::NotFound(Thing::Rule));
    }
    tx.commit().await?;
    get(room, admin, id).await
}

pub async fn delete(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    if !store::delete(&mut tx, id).await? {
        return Err(CommandError::NotFound(Thing::Rule));
    }
    Ok(tx.commit().await?)
}

/// Puts the rules in this order (those not named follow in their order).
pub async fn reorder(room: &Mailroom, admin: &Admin, ids: &[i64]) -> Result<Vec<RuleInfo>> {
    let mut tx = room.db.begin().await?;
    store::reorder(&mut tx, ids).await?;
    tx.commit().await?;
    list(room, admin).await
}

/// Moves a rule one place up (`-1`) or down (`1`).
pub async fn shift(room: &Mailroom, admin: &Admin, id: i64, by: i64) -> Result<Vec<RuleInfo>> {
    let mut ids: Vec<i64> = list(room, admin).await?.into_iter().map(|r| r.id).collect();
    let at = ids.iter().position(|r| *r == id).ok_or(CommandError::NotFound(Thing::Rule))?;
    let to = (at as i64 + by).clamp(0, ids.len() as i64 - 1) as usize;
    let moved = ids.remove(at);
    ids.insert(to, moved);
    reorder(room, admin, &ids).await
}

/// What a dry run found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRun {
    /// Tickets looked at (the newest that are not closed, at most `DRY_RUN_TICKETS`).
    pub checked: usize,
    /// Of those, how many the rule would change now.
    pub matched: usize,
    /// The first of them, newest first.
    pub tickets: Vec<Matched>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matched {
    pub number: i64,
    pub subject: String,
}

/// Which existing tickets a rule (as written, saved or not) would touch if it ran on them now —
/// writes nothing.
pub async fn dry_run(room: &Mailroom, _admin: &Admin, spec: &RuleSpec) -> Result<DryRun> {
    let rule = checked(room, spec).await?;
    let mut conn = room.db.conn().await?;
    let now = now_ms();
    let mut out = DryRun { checked: 0, matched: 0, tickets: Vec::new() };
    let mut below = i64::MAX;
    while out.checked < DRY_RUN_TICKETS {
        let ids = store::open_ids_below(&mut conn, below, 500).await?;
        let Some(last) = ids.last() else { break };
        below = *last;
        let found = tickets::by_ids(&mut conn, &ids).await?;
        let mut facts = facts_of(&mut conn, &found, std::slice::from_ref(&rule)).await?;
        for t in found.iter().rev() {
            out.checked += 1;
            if facts.get_mut(&t.id).is_some_and(|f| rule.matches(f, now)) {
                out.matched += 1;
                if out.tickets.len() < DRY_RUN_LIST {
                    out.tickets.push(Matched { number: t.number.get(), subject: t.subject.clone() });
                }
            }
        }
    }
    Ok(out)
}

/// What rules know of each of these tickets (the customer's latest text only when a rule reads
/// it).
async fn facts_of(conn: &mut Conn, found: &[Ticket], rules: &[Rule]) -> Result<HashMap<i64, Facts>> {
    let ids: Vec<i64> = found.iter().map(|t| t.id).collect();
    let mut customer_ids: Vec<i64> = found.iter().map(|t| t.customer_id).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let customers = store::customers_in(conn, &customer_ids).await?;
    let body = rules.iter().any(|r| r.conditions().iter().any(|c| c.field() == Field::Body));
    let mut latest = store::latest_customer_message_in(conn, &ids, body).await?;
    let mut tags = tickets::tags_of(conn, &ids).await?;
    Ok(found
        .iter()
        .map(|t| {
            let c = customers.get(&t.customer_id).cloned().unwrap_or_default();
            let (sender, text) = latest.remove(&t.id).unwrap_or_default();
            let facts = Facts {
                channel: t.channel,
                mailbox: t.mailbox_id,
                sender: sender.to_lowercase(),
                organisation: Some(c.organisation).filter(|o| !o.is_empty()),
                customer_name: c.name,
                customer_tickets: c.tickets,
                account_manager: c.account_manager,
                subject: Text::new(&t.subject),
                body: Text::new(&text),
                language: c.language,
                tags: tags.remove(&t.id).unwrap_or_default(),
                priority: t.priority,
                status: t.status,
                team: t.team_id,
                assignee: t.assignee_id,
                created_at: t.created_at,
                updated_at: t.updated_at,
                event: None,
            };
            (t.id, facts)
        })
        .collect())
}

/// Runs the rules of each ticket's trigger on it inside routing's transaction and writes what
/// they decided (all but the notifications, which wait for the assignment: `notify_after`).
/// Returns the tickets rules changed, as they are now, with what the rules decided.
pub(crate) async fn run_on(
    room: &Mailroom,
    tx: &mut WriteTx,
    rules: &[Rule],
    work: &[(Ticket, Trigger, Option<domain::UpdateEvent>)],
    now: i64,
) -> Result<Vec<(Ticket, Outcome)>> {
    let found: Vec<Ticket> = work.iter().map(|w| w.0.clone()).collect();
    let mut facts = facts_of(tx, &found, rules).await?;
    let mut out = Vec::with_capacity(work.len());
    for (t, trigger, event) in work {
        let Some(f) = facts.get_mut(&t.id) else { continue };
        f.event = *event;
        let outcome = domain::run(rules, *trigger, f, now);
        if outcome.is_empty() {
            continue;
        }
        write(room, tx, t, &outcome).await?;
        out.push((tickets::by_id(&mut *tx, t.id).await?, outcome));
    }
    Ok(out)
}

/// Writes what the rules that fired decided for one ticket: a log entry per rule, the changes in
/// one patch, an assignee they named, notes and canned replies. "Assign by policy" takes the
/// ticket from whoever has it, for routing to decide. A reply that cannot go (no mailbox, nobody
/// to write to) is logged and left; the rest stands.
async fn write(room: &Mailroom, tx: &mut WriteTx, t: &Ticket, o: &Outcome) -> Result<()> {
    let name_of = |id: i64| o.fired.iter().find(|(r, _)| *r == id).map(|(_, n)| n.as_str()).unwrap_or_default();
    for (_, name) in &o.fired {
        activity::add(&mut *tx, t.id, None, "rule", name).await?;
    }
    let tags = match &o.tags {
        Some(list) => Some(list.iter().map(|s| podpora_domain::Tag::parse(s)).collect::<Result<Vec<_>, _>>()?),
        None => None,
    };
    let mut patch = TicketPatch { status: o.status, assignee_id: None, tags, priority: o.priority, team_id: o.team, remind_at: None };
    if matches!(o.assign, Some((AssignTo::Nobody | AssignTo::Policy, _))) {
        patch.assignee_id = Some(None);
    }
    if patch.status == Some(TicketStatus::Closed) || patch.status == Some(TicketStatus::Solved) {
        patch.remind_at = Some(None);
    }
    tickets::patch_in(&mut *tx, t.id, &patch, None).await?;
    if let Some((AssignTo::Agent(agent), rule)) = o.assign {
        let user = users::get(&room.db, agent).await?.filter(|u| !u.disabled);
        let sees = match &user {
            Some(u) => users::access(&room.db, u).await?.can_see(t.mailbox_id),
            None => false,
        };
        if sees && t.assignee_id != Some(agent) {
            let why =
                Why { how: How::Rule { id: rule, name: name_of(rule).to_string() }, language: None, skills: Vec::new(), missed: None };
            podpora_store::routing::assign_in(&mut *tx, t.id, agent, AssignedBy::Rule, &why.to_string()).await?;
        } else if !sees {
            activity::add(&mut *tx, t.id, None, "rule-failed", &format!("{} assign {agent}", name_of(rule))).await?;
        }
    }
    let mailbox = match t.mailbox_id {
        Some(id) => mailboxes::get(&room.db, id).await?,
        None => None,
    };
    for (text, rule) in &o.notes {
        let reply = Reply {
            ticket: t.number,
            author: Author::Rule(name_of(*rule)),
            kind: MessageKind::Note,
            body: text,
            exclude: &[],
            cc: &[],
            bcc: &[],
            attachments: &[],
        };
        outbound::post_in(room, tx, &reply, &[]).await?;
    }
    for (canned_id, rule) in &o.replies {
        let body = match canned::get(&room.db, *canned_id).await {
            Ok(c) => {
                let customer = podpora_store::customers::get(&mut *tx, t.customer_id).await?.map(|c| c.name).unwrap_or_default();
                let lang = podpora_mail::language_for(&mut *tx, t.customer_id, mailbox.as_ref()).await?;
                let signed = mailbox.as_ref().map(|m| m.name.as_str()).unwrap_or_default();
                crate::canned::render(&c.body, &customer, lang, t.number, &t.subject, signed)
            }
            Err(podpora_store::StoreError::NotFound) => String::new(),
            Err(e) => return Err(e.into()),
        };
        let reply = Reply {
            ticket: t.number,
            author: Author::Rule(name_of(*rule)),
            kind: MessageKind::Message,
            body: &body,
            exclude: &[],
            cc: &[],
            bcc: &[],
            attachments: &[],
        };
        match outbound::post_in(room, tx, &reply, &[]).await {
            Ok(posted) => {
                if posted.outbox_id.is_some() {
                    room.work.notify_one();
                }
            }
            Err(MailError::Rejected(why)) => {
                activity::add(&mut *tx, t.id, None, "rule-failed", &format!("{} reply {why}", name_of(*rule))).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Sends the rules' notifications once the ticket has its assignee (`assignee`, the team's lead
/// or the agents named), each agent once per rule, in the app and by mail to those who want it.
/// Returns whether a mail was queued (the caller wakes the senders after its commit).
pub(crate) async fn notify_after(room: &Mailroom, tx: &mut WriteTx, audience: &Audience, t: &Ticket, o: &Outcome) -> Result<bool> {
    let about = crate::audience::Ticket {
        id: t.id,
        number: t.number.get(),
        subject: &t.subject,
        mailbox_id: t.mailbox_id,
        team_id: t.team_id,
        assignee_id: t.assignee_id,
    };
    let lead = audience.lead_of(&about);
    let mut mailed = false;
    for (rule, name) in &o.fired {
        let mut whom: Vec<i64> = o
            .notify
            .iter()
            .filter(|(_, r)| r == rule)
            .filter_map(|(w, _)| match w {
                Whom::Assignee => t.assignee_id,
                Whom::TeamLead => lead,
                Whom::Agent(id) => Some(*id),
            })
            .collect();
        whom.sort_unstable();
        whom.dedup();
        let line = |lang| podpora_domain::i18n::t_args(lang, "notice-rule", &[("rule", podpora_domain::i18n::Arg::Str(name))]);
        for w in whom {
            mailed |= audience.tell(room, tx, &about, w, (notifications::Kind::Rule, name), line).await?;
        }
    }
    Ok(mailed)
}

/// Runs the scheduled rules on the tickets due for them (unchanged or open long enough, not
/// looked at by the rule since they last changed), a batch per transaction, under the
/// `rules:schedule` lease (one instance at a time, so no customer is reminded twice). Returns
/// how many tickets rules changed.
pub async fn run_scheduled(room: &Mailroom) -> Result<usize> {
    let holder = room.instance.unique_holder("rules");
    let Some(lease) = podpora_store::jobs::Lease::take(&room.db, "rules:schedule", &holder).await? else {
        return Ok(0);
    };
    let ran = scheduled_under(room, &lease).await;
    let _ = lease.release(&room.db).await;
    ran
}

async fn scheduled_under(room: &Mailroom, lease: &podpora_store::jobs::Lease) -> Result<usize> {
    let rules = {
        let mut conn = room.db.conn().await?;
        let counters = podpora_store::Counters::read(&mut conn).await?;
        store::enabled(&room.db, &mut conn, &counters).await?
    };
    let scheduled: Vec<&Rule> = rules.iter().filter(|r| r.trigger == Trigger::Schedule).collect();
    if scheduled.is_empty() {
        return Ok(0);
    }
    let mut changed = 0;
    let mut mailed = false;
    let mut after = 0;
    loop {
        let now = now_ms();
        let mut conn = room.db.conn().await?;
        // Per ticket, the rules it is due for: only those look at it (and are recorded as having
        // looked — another rule's time may still come).
        let mut due: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in &scheduled {
            let (idle, age) = r.waits_ms();
            for id in store::schedule_candidates(&mut conn, r.id, now - idle, now - age, after, SCHEDULE_BATCH).await? {
                due.entry(id).or_default().push(r.id);
            }
        }
        drop(conn);
        let mut ids: Vec<i64> = due.keys().copied().collect();
        ids.sort_unstable();
        ids.truncate(SCHEDULE_BATCH as usize);
        let Some(last) = ids.last().copied() else { break };
        after = last;
        let mut tx = room.db.begin().await?;
        if !lease.fence(&mut tx).await? {
            break;
        }
        let found = tickets::by_ids(&mut tx, &ids).await?;
        let mut facts = facts_of(&mut tx, &found, &rules).await?;
        let audience = Audience::read(room, &mut tx).await?;
        for t in &found {
            let (Some(f), Some(rule_ids)) = (facts.get_mut(&t.id), due.get(&t.id)) else { continue };
            let outcome = domain::run(scheduled.iter().copied().filter(|r| rule_ids.contains(&r.id)), Trigger::Schedule, f, now);
            // A rule that did not fire looked at the ticket as it was: if a rule before it changed
            // it, it looks again later (its time may still come).
            let (fired, not): (Vec<i64>, Vec<i64>) = rule_ids.iter().partition(|id| outcome.fired.iter().any(|(r, _)| r == *id));
            store::checked(&mut tx, &not, t.id, t.updated_at).await?;
            if !outcome.is_empty() {
                write(room, &mut tx, t, &outcome).await?;
                let t = tickets::by_id(&mut tx, t.id).await?;
                mailed |= notify_after(room, &mut tx, &audience, &t, &outcome).await?;
                tx.publish(podpora_store::events::Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: None })
                    .await?;
                changed += 1;
            }
            store::checked(&mut tx, &fired, t.id, now_ms()).await?;
        }
        tx.commit().await?;
    }
    if mailed {
        room.work.notify_one();
    }
    Ok(changed)
}
