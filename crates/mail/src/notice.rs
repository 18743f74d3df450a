//! Mail to agents about their work — an SLA target about to be missed or missed, a ticket
//! escalated to them — from the ticket's mailbox, marked automatic (no responder answers it),
//! queued in the caller's transaction. Not a message of the ticket: the customer never sees it.

use crate::compose::{self, Outgoing};
use crate::{MailError, Mailroom};
use podpora_domain::i18n::{t_args, Arg};
use podpora_domain::{EmailAddress, TicketNumber};
use podpora_store::mailboxes::Mailbox;
use podpora_store::users::User;
use podpora_store::WriteTx;

/// The ticket a notice is about.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub ticket_id: i64,
    pub number: TicketNumber,
    pub subject: &'a str,
}

/// Mails `user` about a ticket — `line` says what happened, in their language ("First response
/// missed") — from the ticket's mailbox, with a link to the ticket and to where such mails are
/// turned off; nothing when they turned them off. Returns whether a mail was queued.
pub async fn to_agent(
    room: &Mailroom,
    tx: &mut WriteTx,
    user: &User,
    mailbox: &Mailbox,
    about: About<'_>,
    line: &str,
) -> Result<bool, MailError> {
    if !user.mail_notifications || user.disabled {
        return Ok(false);
    }
    let url = room.public_url.trim_end_matches('/');
    let number = about.number.get();
    let subject = format!("[#{number}] {line}: {}", about.subject);
    let text = t_args(
        user.language,
        "notice-body",
        &[
            ("line", Arg::Str(line)),
            ("number", Arg::Num(number)),
            ("subject", Arg::Str(about.subject)),
            ("link", Arg::Str(&format!("{url}/t/{number}"))),
            ("account", Arg::Str(&format!("{url}/account"))),
        ],
    );
    let notice = Notice {
        to: &user.email,
        from: &mailbox.address,
        from_name: &mailbox.name,
        ticket_id: about.ticket_id,
        number: about.number,
        subject: &subject,
        text: &text,
    };
    queue(room, tx, &notice).await?;
    Ok(true)
}

/// One notice to one agent.
#[derive(Debug, Clone)]
struct Notice<'a> {
    to: &'a EmailAddress,
    /// The ticket's mailbox (its address and name).
    from: &'a EmailAddress,
    from_name: &'a str,
    ticket_id: i64,
    number: TicketNumber,
    subject: &'a str,
    text: &'a str,
}

/// Queues a notice for sending (the caller wakes the senders once it commits).
async fn queue(room: &Mailroom, tx: &mut WriteTx, n: &Notice<'_>) -> Result<(), MailError> {
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
