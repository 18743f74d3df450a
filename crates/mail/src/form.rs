//! Tickets written in rather than mailed: the web form and API channels. Acknowledged like mail.

use crate::ack::{compose_ack, write_acks, AckAbout};
use crate::apply::Outcome;
use crate::{compose, db_text, MailError, Mailroom};
use podpora_domain::autoack::{self, AckDecision, AckLimit};
use podpora_domain::{Channel, Direction, EmailAddress, MessageKind};
use podpora_store::events::Event;
use podpora_store::mailboxes::Mailbox;
use podpora_store::messages::{self, NewMessage};
use podpora_store::{customers, outbox, routing, tickets};

/// A ticket opened through the web form or the API rather than by mail.
#[derive(Debug, Clone)]
pub struct FormTicket<'a> {
    pub mailbox: Option<&'a Mailbox>,
    pub from: &'a EmailAddress,
    pub name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub channel: Channel,
}

/// Opens a ticket for a customer who wrote through a form; acknowledged like mail.
pub async fn open_ticket(room: &Mailroom, f: &FormTicket<'_>) -> Result<Outcome, MailError> {
    let body = db_text(f.body.trim());
    if body.is_empty() {
        return Err(MailError::Rejected("the message body is empty".into()));
    }
    let subject = db_text(&podpora_domain::subject::title(f.subject));
    let name = db_text(f.name.trim());
    let mut tx = room.db.begin().await?;
    let customer = customers::find_or_create(&mut tx, f.from, &name).await?;
    // What the customer writes in, when we do not know yet (an agent's choice is kept).
    if let Some(lang) = podpora_domain::language::detect(&body) {
        customers::learn_language(&mut tx, customer, lang).await?;
    }
    let ticket = tickets::create(
        &mut tx,
        room.db.backend(),
        &tickets::NewTicket {
            mailbox_id: f.mailbox.map(|m| m.id),
            customer_id: customer,
            subject: &subject,
            channel: f.channel,
            related: None,
        },
    )
    .await?;
    tickets::add_participant(&mut tx, ticket.id, f.from, &name).await?;
    messages::insert(&mut tx, &NewMessage::text(ticket.id, Direction::In, MessageKind::Message, (f.from.as_str(), &name), &subject, &body))
        .await?;
    messages::remember_ids(&mut tx, ticket.id, &[compose::thread_key(&room.installation, ticket.number)]).await?;
    // A form carries no mail headers: only the address can make it automatic (a robot sender).
    let class = autoack::classify(f.from, &autoack::MailFacts::default());
    let limit = AckLimit::default();
    let recent = outbox::recent_acks(&mut tx, f.from.as_str(), limit.window_secs * 1000).await?;
    let decision = autoack::decide_ack(class, f.mailbox.is_some_and(|m| m.ack_enabled), recent, limit);
    if let (AckDecision::Send, Some(mb)) = (decision, f.mailbox) {
        let about = AckAbout { customer_name: &name, subject: &subject, in_reply_to: None, references: &[] };
        let lang = crate::ack::language_for(&mut tx, customer, Some(mb)).await?;
        let clock = podpora_store::sla::clock_of_mailbox(&mut tx, mb.id).await?;
        write_acks(&mut tx, &[compose_ack(room, mb, &ticket, &about, f.from, lang, clock.as_ref())]).await?;
    }
    if routing::wanted(&mut tx).await?.new {
        routing::queue_in(&mut tx, &[ticket.id], routing::Cause::New, podpora_store::now_ms()).await?;
    }
    tx.publish(Event::Ticket { number: ticket.number.get(), mailbox_id: ticket.mailbox_id, by_user: None }).await?;
    tx.commit().await?;
    room.work.notify_one();
    Ok(Outcome::Ticket { number: ticket.number, created: true, ack: Some(decision) })
}
