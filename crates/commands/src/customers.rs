//! The customer of a ticket, as agents edit them: name, notes, organisation, language.

use crate::tickets::{changed, visible};
use crate::{Actor, CommandError, Reason, Result};
use podpora_domain::{Lang, TicketNumber};
use podpora_mail::Mailroom;
use podpora_store::activity;
use podpora_store::customers::{self, CustomerProfile};
use podpora_store::{routing, users};

/// What an agent may change about a customer.
#[derive(Debug, Clone, Default)]
pub struct CustomerEdit {
    pub name: String,
    pub notes: String,
    pub organisation: String,
    /// `None` when not known.
    pub language: Option<Lang>,
}

const MAX_NAME: usize = 200;
const MAX_NOTES: usize = 5000;

/// Changes the customer of a ticket the actor may see; the ticket's log records it.
pub async fn edit(room: &Mailroom, actor: &Actor, number: TicketNumber, e: &CustomerEdit) -> Result<()> {
    let clean = |field: &'static str, s: &str, max: usize| {
        let s = podpora_mail::db_text(s.trim());
        if s.chars().count() > max {
            return Err(CommandError::Invalid(Reason::with(
                "error-too-long",
                vec![("field", field.to_string()), ("max", max.to_string())],
            )));
        }
        Ok(s)
    };
    let name = clean("name", &e.name, MAX_NAME)?;
    let notes = clean("notes", &e.notes, MAX_NOTES)?;
    let organisation = clean("organisation", &e.organisation, MAX_NAME)?;
    let mut tx = room.db.begin().await?;
    let ticket = visible(&mut tx, actor, number).await?;
    // An organisation named by an agent: the one of that name, or a new one.
    let organisation_id = match organisation.as_str() {
        "" => None,
        name => Some(podpora_store::organisations::find_or_create(&mut tx, name).await?),
    };
    let profile = CustomerProfile { name: &name, notes: &notes, organisation_id, language: e.language.map(Lang::code) };
    customers::update_profile(&mut tx, ticket.customer_id, &profile).await?;
    activity::add(&mut tx, ticket.id, Some(actor.id()), "customer", "").await?;
    tx.publish(changed(&ticket, actor)).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets (or clears) the account manager of a ticket's customer: an enabled agent who may answer
/// the ticket's mailbox. Routing's account-manager policy gives the customer's tickets to them.
pub async fn set_account_manager(room: &Mailroom, actor: &Actor, number: TicketNumber, manager: Option<i64>) -> Result<()> {
    actor.require_reply_rights("error-light-agent-status")?;
    let mut tx = room.db.begin().await?;
    let ticket = visible(&mut tx, actor, number).await?;
    if let Some(id) = manager {
        let user =
            users::get(&room.db, id).await?.filter(|u| !u.disabled).ok_or(CommandError::Invalid(Reason::new("error-unknown-agent")))?;
        let access = users::access(&room.db, &user).await?;
        if !access.can_reply() || !access.can_see(ticket.mailbox_id) {
            return Err(CommandError::Invalid(Reason::with("error-agent-no-access", vec![("name", user.name)])));
        }
    }
    routing::set_account_manager(&mut tx, ticket.customer_id, manager).await?;
    activity::add(&mut tx, ticket.id, Some(actor.id()), "customer", "").await?;
    tx.publish(changed(&ticket, actor)).await?;
    tx.commit().await?;
    Ok(())
}
