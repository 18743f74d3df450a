//! Canned replies: shared ones (written by admins) and personal ones, and the text of one with a
//! ticket's variables filled in.

use crate::tickets::open;
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::{Lang, TicketNumber};
use podpora_mail::Mailroom;
use podpora_store::canned::{self, CannedReply};
use podpora_store::customers;

/// The variables a canned reply may use.
pub const VARIABLES: &[&str] = &[
    "greeting",
    "greeting_informal",
    "customer_name",
    "customer_first_name",
    "ticket_number",
    "subject",
    "agent_name",
    "agent_first_name",
];

/// The shared replies and the actor's own, by name.
pub async fn list(room: &Mailroom, actor: &Actor) -> Result<Vec<CannedReply>> {
    Ok(canned::visible_to(&room.db, actor.id()).await?)
}

/// Saves a canned reply: the actor's own, or shared with everybody (admins only). Unknown
/// variables are refused with the list of known ones.
pub async fn add(room: &Mailroom, actor: &Actor, name: &str, body: &str, shared: bool) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CommandError::Invalid(Reason::new("error-name-required")));
    }
    if body.trim().is_empty() {
        return Err(CommandError::Invalid(Reason::new("reply-empty")));
    }
    podpora_domain::template::validate(body, VARIABLES)?;
    if shared {
        actor.require_admin()?;
    }
    let owner = if shared { None } else { Some(actor.id()) };
    Ok(canned::create(&room.db, owner, &podpora_mail::db_text(name), &podpora_mail::db_text(body)).await?)
}

/// A canned reply the actor may use (shared, or their own); any other is "not found".
async fn usable(room: &Mailroom, actor: &Actor, id: i64) -> Result<CannedReply> {
    match canned::get(&room.db, id).await {
        Ok(c) if c.owner_id.is_none_or(|o| o == actor.id()) => Ok(c),
        Ok(_) | Err(podpora_store::StoreError::NotFound) => Err(CommandError::NotFound(Thing::CannedReply)),
        Err(e) => Err(e.into()),
    }
}

/// Deletes the actor's own canned reply, or (admins) a shared one.
pub async fn delete(room: &Mailroom, actor: &Actor, id: i64) -> Result<()> {
    let c = usable(room, actor, id).await?;
    if c.owner_id.is_none() {
        actor.require_admin()?;
    }
    Ok(canned::delete(&room.db, c.id).await?)
}

/// A canned reply's text with this ticket's variables filled in.
pub async fn text_for(room: &Mailroom, actor: &Actor, number: TicketNumber, id: i64) -> Result<String> {
    let ticket = open(room, actor, number).await?;
    let c = usable(room, actor, id).await?;
    let mut conn = room.db.conn().await?;
    let customer = customers::get(&mut conn, ticket.customer_id).await?;
    let name = customer.map(|c| c.name).unwrap_or_default();
    let mailbox = match ticket.mailbox_id {
        Some(id) => podpora_store::mailboxes::get(&room.db, id).await?,
        None => None,
    };
    let lang = podpora_mail::language_for(&mut conn, ticket.customer_id, mailbox.as_ref()).await?;
    Ok(render(&c.body, &name, lang, ticket.number, &ticket.subject, &actor.user().name))
}

/// A canned reply's text for a customer (greeted in `lang`) and ticket, signed by `agent_name`.
pub(crate) fn render(body: &str, customer_name: &str, lang: Lang, number: TicketNumber, subject: &str, agent_name: &str) -> String {
    let first = |s: &str| s.split_whitespace().next().unwrap_or_default().to_string();
    let number = number.to_string();
    let (customer_first, agent_first) = (first(customer_name), first(agent_name));
    let greeting = podpora_domain::greeting::greeting(lang, customer_name, podpora_domain::greeting::Style::Formal);
    let greeting_informal = podpora_domain::greeting::greeting(lang, customer_name, podpora_domain::greeting::Style::Informal);
    let vars = [
        ("greeting", greeting.as_str()),
        ("greeting_informal", greeting_informal.as_str()),
        ("customer_name", customer_name),
        ("customer_first_name", customer_first.as_str()),
        ("ticket_number", number.as_str()),
        ("subject", subject),
        ("agent_name", agent_name),
        ("agent_first_name", agent_first.as_str()),
    ];
    podpora_domain::template::render(body, &vars)
}
