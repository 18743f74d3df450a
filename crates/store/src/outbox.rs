//! Outgoing mail, written in the same transaction as the reply that causes it and sent by a
//! worker with retries; and the log of acknowledgements for the per-sender rate limit.

use crate::{now_ms, Db, Result, StoreError};
use podpora_domain::Delivery;
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
    pub status: Delivery,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Queues a mail; the caller enqueues the `send_mail` job in the same transaction.
pub async fn enqueue(conn: &mut AnyConnection, o: &NewOutbound<'_>) -> Result<i64> {
    Ok(enqueue_many(conn, std::slice::from_ref(o)).await?[0])
}

/// Queues mails with multi-row statements; their ids in the given order. Each mail needs its own
/// message (`message_pk`), by which its row is recognised, unless it is queued alone.
pub async fn enqueue_many(conn: &mut AnyConnection, mails: &[NewOutbound<'_>]) -> Result<Vec<i64>> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(mails.len());
    for chunk in mails.chunks(crate::db::ROWS_PER_STATEMENT / 4) {
        let sql = format!("INSERT INTO outbox (ticket_id, message_pk, purpose, mail_from, recipients, raw, created_at, status) VALUES {} RETURNING id, message_pk", crate::db::values_list(chunk.len(), 8, 1));
        let mut q = sqlx::query(&sql);
        for o in chunk {
            q = q
                .bind(o.ticket_id)
                .bind(o.message_pk)
                .bind(o.purpose)
                .bind(o.mail_from)
                .bind(serde_json::to_string(o.recipients).unwrap_or_else(|_| "[]".into()))
                .bind(o.raw.to_vec())
                .bind(now)
                .bind(Delivery::Queued.as_str());
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let by_pk: std::collections::HashMap<Option<i64>, i64> =
            rows.iter().map(|r| Ok((r.try_get(1)?, r.try_get(0)?))).collect::<Result<_>>()?;
        for o in chunk {
            match by_pk.get(&o.message_pk) {
                Some(id) if chunk.len() == 1 || o.message_pk.is_some() => ids.push(*id),
                _ => return Err(StoreError::Corrupt("a mail of a multi-row enqueue has no message".into())),
            }
        }
    }
    Ok(ids)
}

pub async fn get(db: &Db, id: i64) -> Result<Outbound> {
    get_many(db, &[id]).await?.remove(&id).ok_or(StoreError::NotFound)
}

/// The outbox mails with these ids that exist.
pub async fn get_many(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, Outbound>> {
    let mut out = std::collections::HashMap::new();
    let sql = "SELECT id, ticket_id, message_pk, purpose, mail_from, recipients, raw, status, attempts, last_error FROM outbox WHERE id IN ({in})";
    for r in crate::db::select_in(&mut *db.conn().await?, sql, ids).await? {
        let o = Outbound {
            id: r.try_get(0)?,
            ticket_id: r.try_get(1)?,
            message_pk: r.try_get(2)?,
            purpose: r.try_get(3)?,
            mail_from: r.try_get(4)?,
            recipients: serde_json::from_str(&r.try_get::<String, _>(5)?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            raw: r.try_get(6)?,
            status: r.try_get::<String, _>(7)?.parse()?,
            attempts: r.try_get(8)?,
            last_error: r.try_get(9)?,
        };
        out.insert(o.id, o);
    }
    Ok(out)
}

/// Records the outcome of one delivery attempt on the outbox row and on its message.
pub async fn record_attempt(db: &Db, o: &Outbound, status: Delivery, error: Option<&str>) -> Result<()> {
    record_attempts(db, &[(o, status, error)], &[], &[]).await
}

/// Records delivery attempts in one transaction: the mails that went out with two statements
/// (outbox and messages), the others one by one with their error; deletes the jobs of finished
/// mail and puts the jobs of mail to try again back in the queue (job id, when).
pub async fn record_attempts(
    db: &Db,
    attempts: &[(&Outbound, Delivery, Option<&str>)],
    finished_jobs: &[i64],
    retry_jobs: &[(i64, i64)],
) -> Result<()> {
    if attempts.is_empty() && finished_jobs.is_empty() && retry_jobs.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    crate::jobs::delete(&mut tx, finished_jobs).await?;
    for (job, run_at) in retry_jobs {
        crate::jobs::reschedule(&mut tx, *job, *run_at).await?;
    }
    let sent: Vec<&Outbound> = attempts.iter().filter(|(_, s, _)| *s == Delivery::Sent).map(|(o, _, _)| *o).collect();
    for chunk in sent.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = $1 WHERE id IN ({})",
            crate::db::in_list(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql).bind(now);
        for o in chunk {
            q = q.bind(o.id);
        }
        q.execute(&mut *tx).await?;
        let pks: Vec<i64> = chunk.iter().filter_map(|o| o.message_pk).collect();
        if !pks.is_empty() {
            let sql =
                format!("UPDATE messages SET delivery = 'sent', delivery_error = NULL WHERE id IN ({})", crate::db::in_list(pks.len(), 1));
            let mut q = sqlx::query(&sql);
            for pk in pks {
                q = q.bind(pk);
            }
            q.execute(&mut *tx).await?;
        }
    }
    for (o, status, error) in attempts.iter().filter(|(_, s, _)| *s != Delivery::Sent) {
        sqlx::query("UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(*error)
            .bind(o.id)
            .execute(&mut *tx)
            .await?;
        if let Some(pk) = o.message_pk {
            crate::messages::set_delivery(&mut tx, pk, *status, *error).await?;
        }
    }
    tx.commit().await
}

/// How the outbox stands: mail waiting for its first attempt, mail waiting to be tried again
/// after a temporary failure, mail that failed for good, mail sent, and since when the oldest
/// unsent mail waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxHealth {
    pub queued: i64,
    pub retrying: i64,
    pub failed: i64,
    pub sent: i64,
    /// `created_at` of the oldest mail not yet sent (queued or retrying).
    pub oldest_waiting_since: Option<i64>,
}

impl OutboxHealth {
    /// Every mail in the outbox.
    pub fn total(&self) -> i64 {
        self.by_status().iter().map(|(_, n)| n).sum()
    }

    /// The counts by status, in the order they are shown (`retrying`: queued again after a
    /// temporary failure).
    pub fn by_status(&self) -> [(&'static str, i64); 4] {
        [("queued", self.queued), ("retrying", self.retrying), ("failed", self.failed), ("sent", self.sent)]
    }

    /// How long the oldest unsent mail has waited (ms), at `now`.
    pub fn oldest_waiting_ms(&self, now: i64) -> i64 {
        self.oldest_waiting_since.map(|t| (now - t).max(0)).unwrap_or(0)
    }
}

/// A mail that waits to be tried again, or failed for good, with why.
#[derive(Debug, Clone)]
pub struct Troubled {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub recipients: String,
    pub status: Delivery,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
}

/// The newest mails that are retrying or failed, newest first.
pub async fn troubled(db: &Db, limit: i64) -> Result<Vec<Troubled>> {
    let rows = sqlx::query(
        "SELECT id, ticket_id, recipients, status, attempts, COALESCE(last_error, ''), created_at FROM outbox \
         WHERE status = 'failed' OR (status = 'queued' AND attempts > 0) ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Troubled {
                id: r.try_get(0)?,
                ticket_id: r.try_get(1)?,
                recipients: r.try_get(2)?,
                status: r.try_get::<String, _>(3)?.parse()?,
                attempts: r.try_get(4)?,
                last_error: r.try_get(5)?,
                created_at: r.try_get(6)?,
            })
        })
        .collect()
}

pub async fn health(db: &Db) -> Result<OutboxHealth> {
    let r = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN status = 'queued' AND attempts = 0 THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN status = 'queued' AND attempts > 0 THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0), \
                MIN(CASE WHEN status = 'queued' THEN created_at END) \
         FROM outbox",
    )
    .fetch_one(db.pool())
    .await?;
    let n = |i: usize| -> Result<i64> { Ok(r.try_get::<i64, _>(i)?) };
    Ok(OutboxHealth { queued: n(0)?, retrying: n(1)?, failed: n(2)?, sent: n(3)?, oldest_waiting_since: r.try_get(4)? })
}

pub async fn record_ack(conn: &mut AnyConnection, recipient: &str) -> Result<()> {
    record_acks(conn, &[recipient]).await
}

/// Logs acknowledgements sent to these recipients now.
pub async fn record_acks(conn: &mut AnyConnection, recipients: &[&str]) -> Result<()> {
    let now = now_ms();
    for chunk in recipients.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!("INSERT INTO ack_log (recipient, created_at) VALUES {}", crate::db::values_list(chunk.len(), 2, 1));
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q.bind(*r).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn recent_acks(conn: &mut AnyConnection, recipient: &str, window_ms: i64) -> Result<u32> {
    Ok(recent_acks_many(conn, &[recipient], window_ms).await?.get(recipient).copied().unwrap_or(0))
}

/// How many acknowledgements each of these recipients got within the window (absent: none).
pub async fn recent_acks_many(
    conn: &mut AnyConnection,
    recipients: &[&str],
    window_ms: i64,
) -> Result<std::collections::HashMap<String, u32>> {
    let mut out = std::collections::HashMap::new();
    for chunk in recipients.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT recipient, COUNT(*) FROM ack_log WHERE created_at > $1 AND recipient IN ({}) GROUP BY recipient",
            crate::db::in_list(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql).bind(now_ms() - window_ms);
        for r in chunk {
            q = q.bind(*r);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.insert(row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?.clamp(0, u32::MAX as i64) as u32);
        }
    }
    Ok(out)
}

/// How many mails of a purpose (`ack`, `reply`, `notice`) were queued about a ticket.
pub async fn count_for_ticket(conn: &mut AnyConnection, ticket_id: i64, purpose: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE ticket_id = $1 AND purpose = $2")
        .bind(ticket_id)
        .bind(purpose)
        .fetch_one(conn)
        .await?)
}
