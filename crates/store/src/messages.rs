//! Messages of a ticket (mail in and out, notes), the Message-IDs we know, and attachments.

use crate::{now_ms, Result};
use podpora_domain::{Delivery, Direction, MessageKind, TicketNumber};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub ticket_id: i64,
    pub direction: Direction,
    pub kind: MessageKind,
    pub author_user_id: Option<i64>,
    pub from_address: &'a str,
    pub from_name: &'a str,
    pub to: &'a [String],
    pub cc: &'a [String],
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: Option<&'a str>,
    pub quoted_text: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub message_id: Option<&'a str>,
    pub inbound_id: Option<i64>,
    pub delivery: Option<Delivery>,
    /// Whether its text goes into the ticket's search document (not for boilerplate such as acknowledgements).
    pub searchable: bool,
}

impl<'a> NewMessage<'a> {
    /// A plain-text message with nothing else set; callers add the rest with `..NewMessage::text(…)`.
    pub fn text(
        ticket_id: i64,
        direction: Direction,
        kind: MessageKind,
        from: (&'a str, &'a str),
        subject: &'a str,
        body_text: &'a str,
    ) -> Self {
        NewMessage {
            ticket_id,
            direction,
            kind,
            author_user_id: None,
            from_address: from.0,
            from_name: from.1,
            to: &[],
            cc: &[],
            subject,
            body_text,
            body_html: None,
            quoted_text: None,
            signature: None,
            message_id: None,
            inbound_id: None,
            delivery: None,
            searchable: true,
        }
    }
}

/// Stores a message and adds its text (sender, subject, first part of the body) to the ticket's
/// search document.
pub async fn insert(conn: &mut AnyConnection, m: &NewMessage<'_>) -> Result<i64> {
    Ok(insert_many(conn, std::slice::from_ref(m), &[]).await?[0])
}

const INSERT_COLS: &str = "ticket_id, direction, kind, author_user_id, from_address, from_name, to_list, cc_list, subject, body_text, body_html, quoted_text, signature, message_id, inbound_id, delivery, created_at";

/// Stores messages with multi-row statements and returns their ids in the given order; their text
/// goes into the tickets' search documents (`new_docs`: the heads of tickets created with them).
/// Every message needs an inbound id or a Message-ID, unique in the call, by which its row is
/// recognised (a multi-row RETURNING promises no order).
pub async fn insert_many(conn: &mut AnyConnection, msgs: &[NewMessage<'_>], new_docs: &[(i64, String)]) -> Result<Vec<i64>> {
    let ids = insert_rows(conn, msgs).await?;
    let texts: Vec<(i64, String)> = msgs
        .iter()
        .filter(|m| m.searchable)
        .map(|m| (m.ticket_id, crate::search::message_text(m.from_name, m.from_address, m.subject, m.body_text)))
        .collect();
    crate::search::index_many(conn, new_docs, &texts).await?;
    Ok(ids)
}

/// `insert_many` for the mail batch: the words of the messages (and the heads of `new_tickets`,
/// created with them) are queued to be indexed right after the transaction (`search::enqueue`).
pub async fn insert_many_index_later(conn: &mut AnyConnection, msgs: &[NewMessage<'_>], new_tickets: &[i64]) -> Result<Vec<i64>> {
    let ids = insert_rows(conn, msgs).await?;
    let entries: Vec<(i64, Option<i64>)> = new_tickets
        .iter()
        .map(|t| (*t, None))
        .chain(msgs.iter().zip(&ids).filter(|(m, _)| m.searchable).map(|(m, id)| (m.ticket_id, Some(*id))))
        .collect();
    crate::search::enqueue(conn, &entries).await?;
    Ok(ids)
}

async fn insert_rows(conn: &mut AnyConnection, msgs: &[NewMessage<'_>]) -> Result<Vec<i64>> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(msgs.len());
    for chunk in msgs.chunks(crate::db::ROWS_PER_STATEMENT / 4) {
        let sql = format!(
            "INSERT INTO messages ({INSERT_COLS}) VALUES {} RETURNING id, inbound_id, message_id",
            crate::db::values_list(chunk.len(), 17, 1)
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = q
                .bind(m.ticket_id)
                .bind(m.direction.as_str())
                .bind(m.kind.as_str())
                .bind(m.author_user_id)
                .bind(m.from_address)
                .bind(m.from_name)
                .bind(serde_json::to_string(m.to).unwrap_or_else(|_| "[]".into()))
                .bind(serde_json::to_string(m.cc).unwrap_or_else(|_| "[]".into()))
                .bind(m.subject)
                .bind(m.body_text)
                .bind(m.body_html)
                .bind(m.quoted_text)
                .bind(m.signature)
                .bind(m.message_id)
                .bind(m.inbound_id)
                .bind(m.delivery.map(Delivery::as_str))
                .bind(now);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let mut by_key: HashMap<(Option<i64>, Option<String>), i64> = HashMap::with_capacity(rows.len());
        for r in &rows {
            by_key.insert((r.try_get(1)?, r.try_get(2)?), r.try_get(0)?);
        }
        for m in chunk {
            let key = (m.inbound_id, m.message_id.map(str::to_string));
            match by_key.get(&key) {
                Some(id) if chunk.len() == 1 || key != (None, None) => ids.push(*id),
                _ => {
                    return Err(crate::StoreError::Corrupt(
                        "a message of a multi-row insert has neither an inbound id nor a Message-ID".into(),
                    ))
                }
            }
        }
    }
    crate::sla::on_messages_in(conn, msgs, now).await?;
    Ok(ids)
}

/// Remembers Message-IDs (and `ti:` thread roots) as belonging to a ticket. The first ticket to claim an id keeps it.
pub async fn remember_ids(conn: &mut AnyConnection, ticket_id: i64, ids: &[String]) -> Result<()> {
    let pairs: Vec<(i64, &str)> = ids.iter().take(100).map(|id| (ticket_id, id.as_str())).collect();
    remember_many(conn, &pairs).await
}

/// `remember_ids` for several tickets at once.
pub async fn remember_many(conn: &mut AnyConnection, pairs: &[(i64, &str)]) -> Result<()> {
    let pairs: Vec<&(i64, &str)> = pairs.iter().filter(|(_, id)| !id.is_empty() && id.len() <= 900).collect();
    for chunk in pairs.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO message_ids (ticket_id, message_id) VALUES {} ON CONFLICT (message_id) DO NOTHING",
            crate::db::values_list(chunk.len(), 2, 1)
        );
        let mut q = sqlx::query(&sql);
        for (t, id) in chunk {
            q = q.bind(*t).bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which of these ids we know, and their tickets.
pub async fn lookup_ids(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, TicketNumber>> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let sql = "SELECT m.message_id, t.number FROM message_ids m JOIN tickets t ON t.id = m.ticket_id WHERE m.message_id IN ({in})";
    crate::db::select_in(conn, sql, &ids)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, TicketNumber::new(r.try_get(1)?)?)))
        .collect()
}

/// An incoming message with this Message-ID and sender already on the ticket (a redelivery).
pub async fn is_duplicate(conn: &mut AnyConnection, ticket_id: i64, message_id: &str, from: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE ticket_id = $1 AND message_id = $2 AND from_address = $3 AND direction = 'in'",
    )
    .bind(ticket_id)
    .bind(message_id)
    .bind(from)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// The SHA-256 of its bytes (lower-case hex).
    #[serde(skip)]
    pub blob: String,
    pub inline: bool,
    pub content_id: Option<String>,
    /// Where the bytes are, if not stored under `blob` themselves: inside a received mail.
    #[serde(skip)]
    pub in_mail: Option<InMail>,
}

/// An attachment kept inside the raw mail it came in: that mail's blob, the attachment's place
/// among the mail's attachments (as the mail layer numbers them) and where its body stands in the
/// mail (byte offsets, still encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InMail {
    pub mail: String,
    pub part: i64,
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Message {
    pub id: i64,
    pub direction: Direction,
    pub kind: MessageKind,
    pub author_user_id: Option<i64>,
    pub from_address: String,
    pub from_name: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub quoted_text: Option<String>,
    pub signature: Option<String>,
    pub message_id: Option<String>,
    pub inbound_id: Option<i64>,
    pub delivery: Option<Delivery>,
    pub delivery_error: Option<String>,
    pub created_at: i64,
    pub attachments: Vec<Attachment>,
}

fn message(r: &AnyRow) -> Result<Message> {
    let list = |col: &str| -> Result<Vec<String>> { Ok(serde_json::from_str(&r.try_get::<String, _>(col)?).unwrap_or_default()) };
    Ok(Message {
        id: r.try_get("id")?,
        direction: r.try_get::<String, _>("direction")?.parse()?,
        kind: r.try_get::<String, _>("kind")?.parse()?,
        author_user_id: r.try_get("author_user_id")?,
        from_address: r.try_get("from_address")?,
        from_name: r.try_get("from_name")?,
        to: list("to_list")?,
        cc: list("cc_list")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        quoted_text: r.try_get("quoted_text")?,
        signature: r.try_get("signature")?,
        message_id: r.try_get("message_id")?,
        inbound_id: r.try_get("inbound_id")?,
        delivery: r.try_get::<Option<String>, _>("delivery")?.map(|d| d.parse()).transpose()?,
        delivery_error: r.try_get("delivery_error")?,
        created_at: r.try_get("created_at")?,
        attachments: Vec::new(),
    })
}

/// The conversation of a ticket, oldest first, with attachments.
pub async fn for_ticket(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<Message>> {
    let rows = sqlx::query(
        "SELECT id, direction, kind, author_user_id, from_address, from_name, to_list, cc_list, subject, body_text, body_html, quoted_text, signature, message_id, inbound_id, delivery, delivery_error, created_at \
         FROM messages WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut msgs: Vec<Message> = rows.iter().map(message).collect::<Result<_>>()?;
    let atts = sqlx::query(&format!("SELECT {ATTACHMENT_COLS}, a.message_pk FROM attachments a JOIN messages m ON m.id = a.message_pk WHERE m.ticket_id = $1 ORDER BY a.id"))
        .bind(ticket_id)
        .fetch_all(&mut *conn)
        .await?;
    let index: HashMap<i64, usize> = msgs.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for r in &atts {
        let pk: i64 = r.try_get("message_pk")?;
        if let Some(&i) = index.get(&pk) {
            msgs[i].attachments.push(attachment_row(r)?);
        }
    }
    Ok(msgs)
}

/// One message with its attachments and the id of its ticket (for access checks).
pub async fn with_ticket(conn: &mut AnyConnection, id: i64) -> Result<Option<(Message, i64)>> {
    let r = sqlx::query(
        "SELECT id, ticket_id, direction, kind, author_user_id, from_address, from_name, to_list, cc_list, subject, body_text, body_html, quoted_text, signature, message_id, inbound_id, delivery, delivery_error, created_at \
         FROM messages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let mut m = message(&r)?;
    let ticket_id: i64 = r.try_get("ticket_id")?;
    let atts = sqlx::query(&format!("SELECT {ATTACHMENT_COLS} FROM attachments a WHERE a.message_pk = $1 ORDER BY a.id"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    m.attachments = atts.iter().map(attachment_row).collect::<Result<_>>()?;
    Ok(Some((m, ticket_id)))
}

/// The Message-IDs of a ticket's messages, oldest first (for References of a reply).
pub async fn ids_for_ticket(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT message_id FROM messages WHERE ticket_id = $1 AND message_id IS NOT NULL AND kind = 'message' ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(conn)
    .await?)
}

const ATTACHMENT_COLS: &str =
    "a.id, a.filename, a.content_type, a.size, a.blob, a.inline, a.content_id, a.in_mail, a.in_mail_part, a.in_mail_start, a.in_mail_end";

fn attachment_row(r: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: r.try_get("id")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        blob: r.try_get("blob")?,
        inline: r.try_get::<i64, _>("inline")? != 0,
        content_id: r.try_get("content_id")?,
        in_mail: match (r.try_get::<Option<String>, _>("in_mail")?, r.try_get::<Option<i64>, _>("in_mail_part")?) {
            (Some(mail), Some(part)) => Some(InMail {
                mail,
                part,
                start: r.try_get::<Option<i64>, _>("in_mail_start")?.unwrap_or(0),
                end: r.try_get::<Option<i64>, _>("in_mail_end")?.unwrap_or(0),
            }),
            _ => None,
        },
    })
}

/// One attachment with the ticket it belongs to, for access checks before download.
pub async fn attachment(conn: &mut AnyConnection, id: i64) -> Result<Option<(Attachment, i64)>> {
    let r = sqlx::query(&format!(
        "SELECT {ATTACHMENT_COLS}, m.ticket_id FROM attachments a JOIN messages m ON m.id = a.message_pk WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some((attachment_row(&r)?, r.try_get("ticket_id")?)))
}

#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub blob: &'a str,
    pub inline: bool,
    pub content_id: Option<&'a str>,
    /// Where in a received mail the bytes are; `None` when they are stored under `blob`.
    pub in_mail: Option<&'a InMail>,
}

pub async fn add_attachment(conn: &mut AnyConnection, message_pk: i64, a: &NewAttachment<'_>) -> Result<()> {
    add_attachments(conn, &[(message_pk, a.clone())]).await
}

/// Records files of messages, with multi-row statements.
pub async fn add_attachments(conn: &mut AnyConnection, atts: &[(i64, NewAttachment<'_>)]) -> Result<()> {
    for chunk in atts.chunks(crate::db::ROWS_PER_STATEMENT / 3) {
        let sql = format!(
            "INSERT INTO attachments (message_pk, filename, content_type, size, blob, inline, content_id, in_mail, in_mail_part, in_mail_start, in_mail_end) VALUES {}",
            crate::db::values_list(chunk.len(), 11, 1)
        );
        let mut q = sqlx::query(&sql);
        for (pk, a) in chunk {
            q = q.bind(*pk).bind(a.filename).bind(a.content_type).bind(a.size).bind(a.blob).bind(a.inline as i64).bind(a.content_id);
            q = q
                .bind(a.in_mail.map(|m| m.mail.as_str()))
                .bind(a.in_mail.map(|m| m.part))
                .bind(a.in_mail.map(|m| m.start))
                .bind(a.in_mail.map(|m| m.end));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The delivery state shown on an outgoing message: queued, sent, failed (with the server's answer).
pub async fn set_delivery(conn: &mut AnyConnection, message_pk: i64, delivery: Delivery, error: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE messages SET delivery = $1, delivery_error = $2 WHERE id = $3")
        .bind(delivery.as_str())
        .bind(error)
        .bind(message_pk)
        .execute(conn)
        .await?;
    Ok(())
}
