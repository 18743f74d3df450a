//! Messages: an agent's reply to the customer or internal note (with files, Cc/Bcc, the check that
//! no colleague answered meanwhile), and reading a message, its raw mail or an attachment.

use crate::tickets::{self, visible};
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::{Direction, EmailAddress, MessageKind, TicketNumber};
use podpora_mail::compose::OutgoingAttachment;
use podpora_mail::outbound::{self, Posted, Reply};
use podpora_mail::Mailroom;
use podpora_store::messages::{self, Attachment, Message};
use podpora_store::tickets::Ticket;

/// Who of a ticket's participants receives a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every participant but these.
    AllBut(Vec<EmailAddress>),
    /// Only these participants (as the reply box lists them; the others are left out).
    Only(Vec<String>),
}

/// The most an agent's message may carry in files.
pub const MAX_FILES_BYTES: usize = 20 << 20;

/// A file as an edge received it: its name and type are checked here, once, for every edge.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    /// `None` (or empty) when the sender did not say: sent as `application/octet-stream`.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// Checks uploads: at most `MAX_FILES_BYTES` together, a usable file name (made safe), a
/// well-formed content type.
pub fn files(uploads: Vec<Upload>) -> Result<Vec<OutgoingAttachment>> {
    let total: usize = uploads.iter().map(|u| u.bytes.len()).sum();
    if total > MAX_FILES_BYTES {
        return Err(CommandError::Invalid(Reason::with("error-attachments-size", vec![("mb", (MAX_FILES_BYTES >> 20).to_string())])));
    }
    uploads
        .into_iter()
        .map(|u| {
            let filename = podpora_mail::parse::sanitize_filename(&u.filename);
            if filename.is_empty() {
                return Err(CommandError::Invalid(Reason::new("error-file-name")));
            }
            let ct = u
                .content_type
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .unwrap_or("application/octet-stream")
                .to_ascii_lowercase();
            let valid = ct.split_once('/').is_some_and(|(t, s)| !t.is_empty() && !s.is_empty())
                && ct.bytes().all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b));
            if !valid {
                return Err(CommandError::Invalid(Reason::with("error-content-type", vec![("value", ct.chars().take(80).collect())])));
            }
            Ok(OutgoingAttachment { filename, content_type: ct, bytes: u.bytes })
        })
        .collect()
}

/// An agent's message on a ticket.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    pub kind: MessageKind,
    pub body: &'a str,
    pub audience: Audience,
    /// Extra recipients in Cc; they become participants of the ticket.
    pub cc: Vec<EmailAddress>,
    /// Blind copies: in the envelope only, not participants.
    pub bcc: Vec<EmailAddress>,
    pub files: Vec<OutgoingAttachment>,
    /// The last message the author had seen. A reply is held back (`CommandError::Collision`) if a
    /// colleague answered the customer after it; `None` sends regardless (the API, "send anyway").
    pub seen: Option<i64>,
}

/// Writes a reply (queued for delivery in the same transaction) or an internal note. Light
/// agents may add notes but never write to customers.
pub async fn post(room: &Mailroom, actor: &Actor, number: TicketNumber, p: NewPost<'_>) -> Result<Posted> {
    if p.kind == MessageKind::Message {
        actor.require_reply_rights("reply-light-agent")?;
    }
    if p.body.trim().is_empty() {
        return Err(CommandError::Invalid(Reason::new("reply-empty")));
    }
    // (Checked before the files are stored, and again in the transaction that writes.)
    tickets::open(room, actor, number).await?;
    let blobs = outbound::keep_files(room, &p.files).await?;
    let mut tx = room.db.begin().await?;
    let ticket = visible(&mut tx, actor, number).await?;
    let exclude = match &p.audience {
        Audience::AllBut(list) => list.clone(),
        Audience::Only(keep) => {
            let participants = podpora_store::tickets::participants(&mut tx, ticket.id).await?;
            participants.into_iter().filter(|x| !keep.iter().any(|k| k == x.address.as_str())).map(|x| x.address).collect()
        }
    };
    if let (MessageKind::Message, Some(seen)) = (p.kind, p.seen) {
        let history = messages::for_ticket(&mut tx, ticket.id).await?;
        let newer = history.iter().find(|m| {
            m.id > seen && m.direction == Direction::Out && m.kind == MessageKind::Message && m.author_user_id != Some(actor.id())
        });
        if let Some(other) = newer {
            // An agent's reply is sent as "Agent (Mailbox)": the name is the part before the mailbox.
            return Err(CommandError::Collision { name: other.from_name.split(" (").next().unwrap_or_default().to_string() });
        }
    }
    let reply = Reply {
        ticket: ticket.number,
        author: podpora_mail::outbound::Author::Agent(actor.user()),
        kind: p.kind,
        body: p.body,
        exclude: &exclude,
        cc: &p.cc,
        bcc: &p.bcc,
        attachments: &p.files,
    };
    let posted = outbound::post_in(room, &mut tx, &reply, &blobs).await?;
    let event = match p.kind {
        MessageKind::Note => podpora_domain::rules::UpdateEvent::Note,
        MessageKind::Message => podpora_domain::rules::UpdateEvent::AgentReply,
    };
    podpora_store::routing::changed_in(&mut tx, &[ticket.id], event).await?;
    tx.commit().await?;
    posted.wake_sender(room);
    Ok(posted)
}

/// One message of a ticket the actor may see, with that ticket.
pub async fn get(room: &Mailroom, actor: &Actor, id: i64) -> Result<(Message, Ticket)> {
    let (m, ticket_id) = messages::with_ticket(&mut *room.db.conn().await?, id).await?.ok_or(CommandError::NotFound(Thing::Message))?;
    let ticket = tickets::visible_id(room, actor, ticket_id).await.map_err(|_| CommandError::NotFound(Thing::Message))?;
    Ok((m, ticket))
}

/// An attachment of a message the actor may see, with its bytes.
pub async fn attachment(room: &Mailroom, actor: &Actor, id: i64) -> Result<(Attachment, Vec<u8>)> {
    let (a, ticket_id) = messages::attachment(&mut *room.db.conn().await?, id).await?.ok_or(CommandError::NotFound(Thing::Attachment))?;
    tickets::visible_id(room, actor, ticket_id).await.map_err(|_| CommandError::NotFound(Thing::Attachment))?;
    let bytes = podpora_mail::ingest::attachment_bytes(room, &a).await?;
    Ok((a, bytes))
}

/// The mail as received (raw `.eml`) behind a message the actor may see.
pub async fn raw_mail(room: &Mailroom, actor: &Actor, id: i64) -> Result<(Message, Vec<u8>)> {
    let (m, _) = get(room, actor, id).await?;
    let inbound_id = m.inbound_id.ok_or(CommandError::NotFound(Thing::Message))?;
    let row = podpora_store::inbound::get(&mut *room.db.conn().await?, inbound_id).await?;
    let bytes = room.blobs.get(&podpora_store::BlobId::parse(&row.raw_blob)?).await?;
    Ok((m, bytes))
}
