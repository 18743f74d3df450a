//! Automatic acknowledgements of new tickets: composed in the customer's language from the
//! mailbox's templates (or the catalogue's defaults), stored as messages of their tickets and
//! queued for sending with the rest of the transaction. Used by mail (`apply`) and forms (`form`).

use crate::compose::{self, Outgoing};
use crate::{db_text, MailError, Mailroom};
use podpora_domain::autoack::{self, AckContext};
use podpora_domain::token::{self, Purpose};
use podpora_domain::{i18n, Delivery, Direction, EmailAddress, Lang, MessageKind};
use podpora_store::mailboxes::Mailbox;
use podpora_store::messages::{self, NewMessage};
use podpora_store::{outbox, tickets, WriteTx};

/// The language to write to a customer in: theirs, else their mailbox's, else the installation's
/// default, else English.
pub async fn language_for(conn: &mut podpora_store::Conn, customer_id: i64, mailbox: Option<&Mailbox>) -> Result<Lang, MailError> {
    let own = podpora_store::customers::language(&mut *conn, customer_id).await?;
    let installation = podpora_store::settings::default_language(conn).await?;
    Ok(Lang::first_of([own.as_deref(), mailbox.and_then(|m| m.language.as_deref()), installation.as_deref()]))
}

/// The time zone a mailbox writes dates in: its own, else its SLA calendar's, else UTC.
pub(crate) async fn time_zone_of(conn: &mut podpora_store::Conn, mailbox: &Mailbox) -> Result<String, MailError> {
    if let Some(z) = &mailbox.time_zone {
        return Ok(z.clone());
    }
    let clock = podpora_store::sla::clock_of_mailbox(conn, mailbox.id).await?;
    Ok(clock.map(|c| c.calendar.time_zone().to_string()).unwrap_or_else(|| "UTC".into()))
}

/// What an acknowledgement answers.
pub(crate) struct AckAbout<'a> {
    pub customer_name: &'a str,
    pub subject: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
}

/// An acknowledgement, composed and ready to be stored with its ticket and queued.
pub(crate) struct AckMail {
    ticket_id: i64,
    from_address: String,
    from_name: String,
    to: Vec<String>,
    subject: String,
    body: String,
    message_id: String,
    raw: Vec<u8>,
}

/// Composes the acknowledgement of a new ticket in the customer's language (templates of the
/// mailbox, or the catalogue's defaults).
pub(crate) fn compose_ack(
    room: &Mailroom,
    mb: &Mailbox,
    ticket: &tickets::Ticket,
    about: &AckAbout<'_>,
    to: &EmailAddress,
    lang: Lang,
    clock: Option<&podpora_store::sla::Clock>,
) -> AckMail {
    let (default_hours, default_response) = (i18n::t(lang, "ack-default-hours"), i18n::t(lang, "ack-default-response-time"));
    // Without hours of its own, a mailbox's support hours are its SLA calendar's.
    let calendar_hours = clock.map(|c| c.calendar.describe_week(lang));
    // The mailbox's SLA says when the first answer is due, in its calendar's time.
    let answer_by = clock.and_then(|podpora_store::sla::Clock { policy, calendar: cal, .. }| {
        let target = policy.target(podpora_domain::sla::Metric::FirstResponse, ticket.channel, ticket.priority)?;
        let due = cal.due(ticket.created_at, target, &[])?;
        Some(autoack::answer_by_text(lang, cal.local(due), cal.time_zone()))
    });
    let ctx = AckContext {
        customer_name: about.customer_name,
        ticket_number: ticket.number,
        subject: about.subject,
        mailbox_name: &mb.name,
        support_hours: if !mb.support_hours.is_empty() {
            &mb.support_hours
        } else if let Some(hours) = &calendar_hours {
            hours
        } else {
            &default_hours
        },
        response_time: if mb.response_time.is_empty() { &default_response } else { &mb.response_time },
        answer_by: answer_by.as_deref(),
        alternative_contacts: if mb.alternative_contacts.is_empty() { mb.address.as_str() } else { &mb.alternative_contacts },
        help_articles: &[],
        portal_url: &room.public_url,
    };
    let (subject_tpl, body_tpl) = mb.ack_templates(lang);
    let (subject, body) = autoack::render_ack(subject_tpl, body_tpl, lang, &ctx);
    let message_id = format!("{}@{}", token::message_id_local(&room.key, ticket.number, to, Purpose::Ack, &compose::nonce()), room.host);
    let reply_to = room.plus_reply_to.then(|| mb.address.with_plus(&token::plus_detail(&room.key, ticket.number, to)));
    let raw = compose::build(&Outgoing {
        from_name: &mb.name,
        from: &mb.address,
        to: std::slice::from_ref(to),
        cc: &[],
        reply_to: reply_to.as_ref(),
        subject: &subject,
        text: &body,
        message_id: &message_id,
        in_reply_to: about.in_reply_to,
        references: about.references,
        thread_topic: &ticket.subject,
        thread_index: &compose::thread_index(&room.installation, ticket.number, 0),
        auto_submitted: true,
        installation: &room.installation,
        attachments: &[],
    });
    AckMail {
        ticket_id: ticket.id,
        from_address: mb.address.to_string(),
        from_name: mb.name.clone(),
        to: vec![to.to_string()],
        subject,
        body: db_text(&body),
        message_id,
        raw,
    }
}

/// Stores acknowledgements as messages of their tickets (not searchable: they are boilerplate),
/// queues them for sending and logs them for the per-sender limit.
pub(crate) async fn write_acks(tx: &mut WriteTx, acks: &[AckMail]) -> Result<(), MailError> {
    if acks.is_empty() {
        return Ok(());
    }
    let msgs: Vec<NewMessage<'_>> = acks
        .iter()
        .map(|a| NewMessage {
            to: &a.to,
            message_id: Some(&a.message_id),
            delivery: Some(Delivery::Queued),
            searchable: false,
            ..NewMessage::text(a.ticket_id, Direction::Out, MessageKind::Message, (&a.from_address, &a.from_name), &a.subject, &a.body)
        })
        .collect();
    let pks = messages::insert_many(tx, &msgs, &[]).await?;
    let remember: Vec<(i64, &str)> = acks.iter().map(|a| (a.ticket_id, a.message_id.as_str())).collect();
    messages::remember_many(tx, &remember).await?;
    let mails: Vec<outbox::NewOutbound<'_>> = acks
        .iter()
        .zip(&pks)
        .map(|(a, pk)| outbox::NewOutbound {
            ticket_id: Some(a.ticket_id),
            message_pk: Some(*pk),
            purpose: "ack",
            mail_from: &a.from_address,
            recipients: &a.to,
            raw: &a.raw,
        })
        .collect();
    crate::outbound::enqueue_many(tx, &mails).await?;
    let recipients: Vec<&str> = acks.iter().flat_map(|a| a.to.iter().map(String::as_str)).collect();
    outbox::record_acks(tx, &recipients).await?;
    Ok(())
}
