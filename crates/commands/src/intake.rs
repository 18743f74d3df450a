//! Tickets opened by someone other than a mail: the API and web-form channels.

use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::{Channel, EmailAddress, TicketNumber};
use podpora_mail::form::{self, FormTicket};
use podpora_mail::ingest::Outcome;
use podpora_mail::Mailroom;
use podpora_store::mailboxes;

/// A ticket written in for a customer.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub from: EmailAddress,
    pub name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The support address it was written to; `None`: the first mailbox the actor may see.
    pub mailbox: Option<EmailAddress>,
    /// `Api` or `Web`.
    pub channel: Channel,
}

/// Opens a ticket for a customer, acknowledged like mail. The mailbox must be one the actor may see.
pub async fn open_ticket(room: &Mailroom, actor: &Actor, t: &NewTicket<'_>) -> Result<TicketNumber> {
    if !matches!(t.channel, Channel::Api | Channel::Web) {
        return Err(CommandError::Invalid(Reason::with("error-channel", vec![("value", t.channel.as_str().to_string())])));
    }
    let mailbox = match &t.mailbox {
        Some(address) => Some(
            mailboxes::find_by_address(&room.db, address)
                .await?
                .filter(|m| actor.access().can_see(Some(m.id)))
                .ok_or(CommandError::NotFound(Thing::Mailbox))?,
        ),
        None => crate::directory::mailboxes(room, actor).await?.into_iter().next(),
    };
    let form = FormTicket { mailbox: mailbox.as_ref(), from: &t.from, name: t.name, subject: t.subject, body: t.body, channel: t.channel };
    match form::open_ticket(room, &form).await? {
        Outcome::Ticket { number, .. } => Ok(number),
        Outcome::SetAside { reason, .. } => Err(CommandError::Invalid(Reason::detail(reason))),
    }
}
