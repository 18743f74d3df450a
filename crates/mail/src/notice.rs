//! Mail to agents about their work — an SLA target about to be missed or missed, a ticket
//! escalated to them — from the ticket's mailbox, marked automatic (no responder answers it),
//! queued in the caller's transaction. Not a message of the ticket: the customer never sees it.

use crate::compose::{self, Outgoing};
use crate::{MailError, Mailroom};
use podpora_domain::{EmailAddress, TicketNumber};
use podpora_store::WriteTx;

/// One notice to one agent.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub to: &'a EmailAddress,
    /// The ticket's mailbox (its address and name).
    pub from: &'a EmailAddress,
    pub from_name: &'a str,
    pub ticket_id: i64,
    pub number: TicketNumber,
    pub subject: &'a str,
    pub text: &'a str,
}

/// Queues a notice for sending (the caller wakes the senders once it commits).
pub async fn queue(room: &Mailroom, tx: &mut WriteTx, n: &Notice<'_>) -> Result<(), MailError> {
    let message_id = format!("notice.{}.{}@{}", n.number.get(), compose::nonce(), room.host);
    let raw = compose::build(&Outgoing {
        from_name: n.from_name,
        from: n.from,
        to: std::slice::from_ref(n.to),
        cc: &[],
        reply_to: None,
        subject: n.subject,
        text: n.text,
        message_id: &message_id,
        in_reply_to: None,
        references: &[],
        thread_topic: n.subject,
        thread_index: &compose::thread_index(&room.installation, n.number, 0),
        auto_submitted: true,
        installation: &room.installation,
        attachments: &[],
    });
    crate::outbound::enqueue(tx, Some(n.ticket_id), None, "notice", n.from.as_str(), &[n.to.to_string()], &raw).await?;
    Ok(())
}
