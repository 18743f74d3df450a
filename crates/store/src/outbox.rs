//! Outgoing mail, written in the same transaction as the reply that causes it and sent by a
//! worker with retries; and the log of acknowledgements for the per-sender rate limit.

use crate::{now_ms, Db, Result, StoreError};
use sqlx::AnyConnection;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct NewOutbound<'a> {
    pub ticket_id: Option<i64>,
    pub message_pk: Option<i64>,
    pub purpose: &'a str,
    pub mail_from: &'a str,
    pub recipients: &'a [String],
    pub raw: &'a [u8],
}

#[derive(Debug, Clone)]
pub struct Outbound {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub message_pk: Option<i64>,
    pub purpose: String,
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Queues a mail; the caller enqueues the `send_mail` job in the same transaction.
pub async fn enqueue(conn: &mut AnyConnection, o: &NewOutbound<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outbox (ticket_id, message_pk, purpose, mail_from, recipients, raw, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7) RETURNING id",
    )
    .bind(o.ticket_id)
    .bind(o.message_pk)
    .bind(o.purpose)
    .bind(o.mail_from)
    .bind(serde_json::to_string(o.recipients).unwrap_or_else(|_| "[]".into()))
    .bind(o.raw.to_vec())
    .bind(now_ms())
    .fetch_one(conn)
    .await?)
}

pub async fn get(db: &Db, id: i64) -> Result<Outbound> {
    let r = sqlx::query("SELECT id, ticket_id, message_pk, purpose, mail_from, recipients, raw, status, attempts, last_error FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Outbound {
        id: r.try_get(0)?,
        ticket_id: r.try_get(1)?,
        message_pk: r.try_get(2)?,
        purpose: r.try_get(3)?,
        mail_from: r.try_get(4)?,
        recipients: serde_json::from_str(&r.try_get::<String, _>(5)?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        raw: r.try_get(6)?,
        status: r.try_get(7)?,
        attempts: r.try_get(8)?,
        last_error: r.try_get(9)?,
    })
}

/// Records the outcome of one delivery attempt on the outbox row and on its message.
pub async fn record_attempt(db: &Db, o: &Outbound, status: &str, error: Option<&str>) -> Result<()> {
    let mut tx = db.begin().await?;
    let sent_at = (status == "sent").then(now_ms);
    sqlx::query("UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2, sent_at = $3 WHERE id = $4")
        .bind(status)
        .bind(error)
        .bind(sent_at)
        .bind(o.id)
        .execute(&mut *tx)
        .await?;
    if let Some(pk) = o.message_pk {
        crate::messages::set_delivery(&mut tx, pk, status, error).await?;
    }
    tx.commit().await
}

/// Counts per status (queued, sent, failed).
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status").fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

pub async fn record_ack(conn: &mut AnyConnection, recipient: &str) -> Result<()> {
    sqlx::query("INSERT INTO ack_log (recipient, created_at) VALUES ($1, $2)").bind(recipient).bind(now_ms()).execute(conn).await?;
    Ok(())
}

pub async fn recent_acks(conn: &mut AnyConnection, recipient: &str, window_ms: i64) -> Result<u32> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ack_log WHERE recipient = $1 AND created_at > $2").bind(recipient).bind(now_ms() - window_ms).fetch_one(conn).await?;
    Ok(n.clamp(0, u32::MAX as i64) as u32)
}
