//! Tickets: finding them within the actor's rights, the full view of one, and every change of a
//! ticket's properties, merges, splits, hand-overs and bulk actions.

use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::{MessageKind, Snooze, Tag, TicketNumber, TicketStatus};
use podpora_mail::outbound::{self, Reply};
use podpora_mail::Mailroom;
use podpora_store::activity::{self, Activity};
use podpora_store::customers::{self, Customer};
use podpora_store::events::Event;
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::messages::{self, Message};
use podpora_store::tickets::{self, Participant, Sort, Ticket, TicketPatch, TicketQuery, TicketSummary};
use podpora_store::users::{self, User};
use podpora_store::Conn;
use podpora_store::{notifications, now_ms, WriteTx};

/// A ticket number as an edge received it (a path segment, a form field, "#123"): anything that
/// is not a number names no ticket.
pub fn number(s: &str) -> Result<TicketNumber> {
    s.parse().map_err(|_| CommandError::NotFound(Thing::Ticket))
}

/// A ticket the actor may see. Outside their rights it is "not found", the same answer as a
/// number that does not exist, so numbers cannot be probed.
pub async fn open(room: &Mailroom, actor: &Actor, number: TicketNumber) -> Result<Ticket> {
    visible(&mut *room.db.conn().await?, actor, number).await
}

/// `open` on a given connection (inside a command's transaction: what it changes is what it checked).
pub(crate) async fn visible(conn: &mut Conn, actor: &Actor, number: TicketNumber) -> Result<Ticket> {
    match tickets::by_number(conn, number).await? {
        Some(t) if actor.access().can_see(t.mailbox_id) => Ok(t),
        _ => Err(CommandError::NotFound(Thing::Ticket)),
    }
}

/// The ticket with this id (reached through a message or an attachment), if the actor may see it.
pub(crate) async fn visible_id(room: &Mailroom, actor: &Actor, ticket_id: i64) -> Result<Ticket> {
    match tickets::by_id(&mut *room.db.conn().await?, ticket_id).await {
        Ok(t) if actor.access().can_see(t.mailbox_id) => Ok(t),
        Ok(_) | Err(podpora_store::StoreError::NotFound) => Err(CommandError::NotFound(Thing::Ticket)),
        Err(e) => Err(e.into()),
    }
}

/// A page of tickets. Whatever scope the query asks for, only tickets within the actor's rights
/// are listed: visibility cannot be forgotten by a caller.
pub async fn list(room: &Mailroom, actor: &Actor, q: TicketQuery) -> Result<(Vec<TicketSummary>, Option<i64>)> {
    let q = TicketQuery { scope: q.scope.within(&actor.access().scope), ..q };
    Ok(tickets::list(&room.db, &q).await?)
}

/// How many tickets match (within the actor's rights), counting at most `cap`.
pub async fn count(room: &Mailroom, actor: &Actor, q: TicketQuery, cap: u32) -> Result<i64> {
    let q = TicketQuery { scope: q.scope.within(&actor.access().scope), ..q };
    Ok(tickets::count_capped(&room.db, &q, cap).await?)
}

/// The query every listing starts from: everything the actor may see, oldest first.
pub fn query(actor: &Actor) -> TicketQuery {
    TicketQuery::new(actor.access().scope.clone())
}

/// Everything shown with one ticket.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub participants: Vec<Participant>,
    pub tags: Vec<String>,
    pub customer: Option<Customer>,
    pub activity: Vec<Activity>,
    /// The customer's other tickets the actor may see, newest first (at most 20).
    pub others: Vec<TicketSummary>,
    pub mailbox: Option<Mailbox>,
}

/// One ticket with its conversation, customer and log. Reading it marks the actor's mentions
/// on it as read.
pub async fn view(room: &Mailroom, actor: &Actor, number: TicketNumber) -> Result<TicketView> {
    let mut conn = room.db.conn().await?;
    let ticket = visible(&mut conn, actor, number).await?;
    let messages = messages::for_ticket(&mut conn, ticket.id).await?;
    let participants = tickets::participants(&mut conn, ticket.id).await?;
    let tags = tickets::tags(&mut conn, ticket.id).await?;
    let customer = customers::get(&mut conn, ticket.customer_id).await?;
    let activity = activity::for_ticket(&mut conn, ticket.id).await?;
    drop(conn);
    let (others, _) =
        list(room, actor, TicketQuery { customer: Some(ticket.customer_id), sort: Sort::Newest, limit: 20, ..query(actor) }).await?;
    let mailbox = match ticket.mailbox_id {
        Some(id) => mailboxes::get(&room.db, id).await?,
        None => None,
    };
    notifications::mark_read(&room.db, actor.id(), ticket.id).await?;
    Ok(TicketView { ticket, messages, participants, tags, customer, activity, others, mailbox })
}

/// A change of a ticket's properties; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub status: Option<TicketStatus>,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<i64>>,
    /// `Some(None)` takes the ticket from its team.
    pub team: Option<Option<i64>>,
    pub priority: Option<podpora_domain::Priority>,
    /// The ticket's whole set of tags.
    pub tags: Option<Vec<Tag>>,
    /// `Some(None)` clears the reminder.
    pub remind_at: Option<Option<i64>>,
}

/// Changes a ticket's properties, with an activity entry per change and a live event.
pub async fn update(room: &Mailroom, actor: &Actor, number: TicketNumber, change: &TicketChange) -> Result<Ticket> {
    let patch = checked_patch(room, change).await?;
    let mut tx = room.db.begin().await?;
    let ticket = visible(&mut tx, actor, number).await?;
    apply(room, &mut tx, actor, &ticket, &patch).await?;
    let ticket = tickets::by_id(&mut tx, ticket.id).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// Puts a ticket aside: pending until the snooze ends, then back in the queue.
pub async fn snooze(room: &Mailroom, actor: &Actor, number: TicketNumber, s: Snooze) -> Result<Ticket> {
    let change = TicketChange { status: Some(TicketStatus::Pending), remind_at: Some(Some(s.until(now_ms()))), ..Default::default() };
    update(room, actor, number, &change).await
}

/// The rules of a change that do not depend on the ticket: an assignee is an active agent and a
/// team exists. (Who may change the status, and the assignee's rights, are checked per ticket.)
async fn checked_patch(room: &Mailroom, c: &TicketChange) -> Result<TicketPatch> {
    if let Some(Some(id)) = c.assignee {
        active_agent(room, id, "error-unknown-agent").await?;
    }
    if let Some(Some(id)) = c.team {
        if !podpora_store::teams::list(&room.db).await?.iter().any(|t| t.id == id) {
            return Err(CommandError::Invalid(Reason::new("error-unknown-team")));
        }
    }
    Ok(TicketPatch {
        status: c.status,
        assignee_id: c.assignee,
        tags: c.tags.clone(),
        priority: c.priority,
        team_id: c.team,
        remind_at: c.remind_at,
    })
}

/// An enabled account, else `Invalid(reason)`.
async fn active_agent(room: &Mailroom, id: i64, reason: &'static str) -> Result<User> {
    users::get(&room.db, id).await?.filter(|u| !u.disabled).ok_or(CommandError::Invalid(Reason::new(reason)))
}

/// Writes a checked patch to one ticket the actor may see. A light agent may not change its
/// status (naming the status it has is no change); an assignee must be able to see the ticket too
/// (else it would vanish from their queue).
async fn apply(room: &Mailroom, tx: &mut WriteTx, actor: &Actor, ticket: &Ticket, patch: &TicketPatch) -> Result<()> {
    if patch.status.is_some_and(|s| s != ticket.status) {
        actor.require_reply_rights("error-light-agent-status")?;
    }
    if let Some(Some(id)) = patch.assignee_id.filter(|a| *a != ticket.assignee_id) {
        if id != actor.id() {
            let user = active_agent(room, id, "error-unknown-agent").await?;
            if !users::access(&room.db, &user).await?.can_see(ticket.mailbox_id) {
                return Err(CommandError::Invalid(Reason::with("error-agent-no-access", vec![("name", user.name)])));
            }
        }
    }
    tickets::patch_in(&mut *tx, ticket.id, patch, Some(actor.id())).await?;
    // Given to a team and nobody's: the team's policy (if it assigns) picks someone.
    let team = patch.team_id.filter(|t| t.is_some() && *t != ticket.team_id);
    let assignee = patch.assignee_id.unwrap_or(ticket.assignee_id);
    if team.is_some() && assignee.is_none() {
        crate::routing::queue_for_team(tx, ticket.id).await?;
    } else {
        podpora_store::routing::changed_in(tx, &[ticket.id], podpora_domain::rules::UpdateEvent::Change).await?;
    }
    tx.publish(changed(ticket, actor)).await?;
    Ok(())
}

pub(crate) fn changed(ticket: &Ticket, actor: &Actor) -> Event {
    Event::Ticket { number: ticket.number.get(), mailbox_id: ticket.mailbox_id, by_user: Some(actor.id()) }
}

/// Merges `from` into `into` (both within the actor's rights): `from` is closed and points at
/// `into`, which gets its messages, participants and tags. Returns `into`.
pub async fn merge(room: &Mailroom, actor: &Actor, from: TicketNumber, into: TicketNumber) -> Result<Ticket> {
    actor.require_reply_rights("error-light-agent-status")?;
    let mut tx = room.db.begin().await?;
    let (from, into) = (visible(&mut tx, actor, from).await?, visible(&mut tx, actor, into).await?);
    merge_in(&mut tx, actor, &from, &into).await?;
    tx.commit().await?;
    Ok(into)
}

async fn merge_in(tx: &mut WriteTx, actor: &Actor, from: &Ticket, into: &Ticket) -> Result<()> {
    if from.id == into.id {
        return Err(CommandError::Conflict(Reason::new("error-merge-itself")));
    }
    tickets::merge_in(&mut *tx, from, into, Some(actor.id())).await?;
    tx.publish(changed(from, actor)).await?;
    tx.publish(changed(into, actor)).await?;
    Ok(())
}

/// Splits one message of a ticket (and those after it) into a new ticket for the same customer,
/// for a second matter raised in the same thread. Returns the new ticket.
pub async fn split(room: &Mailroom, actor: &Actor, number: TicketNumber, message_id: i64) -> Result<Ticket> {
    actor.require_reply_rights("error-light-agent-status")?;
    let mut tx = room.db.begin().await?;
    let ticket = visible(&mut tx, actor, number).await?;
    // The message must be this ticket's (checked in the store): no reaching into other tickets.
    let new = match tickets::split_in(&mut tx, &ticket, message_id, Some(actor.id())).await {
        Err(podpora_store::StoreError::NotFound) => return Err(CommandError::NotFound(Thing::Message)),
        Err(podpora_store::StoreError::Conflict(_)) => return Err(CommandError::Conflict(Reason::new("error-split-first"))),
        other => other?,
    };
    tx.publish(changed(&ticket, actor)).await?;
    tx.publish(changed(&new, actor)).await?;
    tx.commit().await?;
    Ok(new)
}

/// Hands a ticket to a colleague with a note, in one transaction: the assignment, an internal
/// note that mentions them (one notification), and a log entry.
pub async fn hand_over(room: &Mailroom, actor: &Actor, number: TicketNumber, to: i64, note: &str) -> Result<()> {
    let colleague = active_agent(room, to, "error-choose-colleague").await?;
    let note = note.trim();
    if note.is_empty() {
        return Err(CommandError::Invalid(Reason::new("reply-empty")));
    }
    // The whole address mentions exactly this colleague (a local part may be shared); the note's
    // mention is their notification.
    let text = format!("@{} {note}", colleague.email);
    let mut tx = room.db.begin().await?;
    let ticket = visible(&mut tx, actor, number).await?;
    apply(room, &mut tx, actor, &ticket, &TicketPatch { assignee_id: Some(Some(colleague.id)), ..Default::default() }).await?;
    activity::add(&mut tx, ticket.id, Some(actor.id()), "handover", &format!("{} {}", colleague.id, podpora_mail::db_text(note))).await?;
    let reply = Reply {
        ticket: ticket.number,
        author: podpora_mail::outbound::Author::Agent(actor.user()),
        kind: MessageKind::Note,
        body: &text,
        exclude: &[],
        cc: &[],
        bcc: &[],
        attachments: &[],
    };
    outbound::post_in(room, &mut tx, &reply, &[]).await?;
    tx.commit().await?;
    Ok(())
}

/// Pending tickets whose reminder is due go back to the queue, each with a log entry and a live
/// event. Run by the scheduler for the whole installation (no actor: nobody's rights apply).
pub async fn wake_reminders(room: &Mailroom) -> Result<Vec<Ticket>> {
    let mut tx = room.db.begin().await?;
    let woken = tickets::wake_due_in(&mut tx, now_ms()).await?;
    for t in &woken {
        tx.publish(Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: None }).await?;
    }
    tx.commit().await?;
    Ok(woken)
}

/// What a bulk action does to each selected ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    AssignTo(i64),
    Unassign,
    Solve,
    Close,
    /// Adds these tags to the ones each ticket has.
    AddTags(Vec<Tag>),
    /// Merges every selected ticket into the one with the lowest number.
    Merge,
}

/// What a bulk action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    pub changed: usize,
    /// With `Merge`: the ticket the others went into.
    pub merged_into: Option<TicketNumber>,
}

/// One action on several tickets, in one transaction. Numbers outside the actor's rights are
/// skipped exactly like numbers that do not exist.
pub async fn bulk(room: &Mailroom, actor: &Actor, numbers: &[TicketNumber], action: &BulkAction) -> Result<BulkOutcome> {
    let patch = match action {
        BulkAction::AssignTo(id) => checked_patch(room, &TicketChange { assignee: Some(Some(*id)), ..Default::default() }).await?,
        BulkAction::Unassign => TicketPatch { assignee_id: Some(None), ..Default::default() },
        BulkAction::Solve => TicketPatch { status: Some(TicketStatus::Solved), ..Default::default() },
        BulkAction::Close => TicketPatch { status: Some(TicketStatus::Closed), ..Default::default() },
        BulkAction::AddTags(_) => TicketPatch::default(),
        BulkAction::Merge => {
            actor.require_reply_rights("error-light-agent-status")?;
            TicketPatch::default()
        }
    };
    let mut tx = room.db.begin().await?;
    let mut selected = Vec::new();
    for n in numbers {
        match visible(&mut tx, actor, *n).await {
            Ok(t) if !selected.iter().any(|s: &Ticket| s.id == t.id) => selected.push(t),
            Ok(_) | Err(CommandError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let mut outcome = BulkOutcome { changed: selected.len(), merged_into: None };
    if selected.is_empty() {
        return Ok(outcome);
    }
    match action {
        BulkAction::Merge => {
            if selected.len() < 2 {
                return Err(CommandError::Invalid(Reason::new("bulk-merge-needs-two")));
            }
            selected.sort_by_key(|t| t.number);
            let (into, rest) = selected.split_first().expect("two or more");
            for from in rest {
                merge_in(&mut tx, actor, from, into).await?;
            }
            outcome.merged_into = Some(into.number);
        }
        BulkAction::AddTags(add) => {
            for t in &selected {
                let mut tags: Vec<Tag> = tickets::tags(&mut tx, t.id).await?.iter().filter_map(|t| Tag::parse(t).ok()).collect();
                tags.extend(add.iter().cloned());
                apply(room, &mut tx, actor, t, &TicketPatch { tags: Some(tags), ..Default::default() }).await?;
            }
        }
        _ => {
            for t in &selected {
                apply(room, &mut tx, actor, t, &patch).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(outcome)
}
