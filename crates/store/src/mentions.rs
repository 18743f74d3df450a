//! Notifications for colleagues @mentioned in an internal note.

use crate::{now_ms, Db, Result};
use sqlx::{AnyConnection, Row};

pub async fn add(conn: &mut AnyConnection, user_ids: &[i64], ticket_id: i64, by_user_id: i64) -> Result<()> {
    for u in user_ids {
        sqlx::query("INSERT INTO mentions (user_id, ticket_id, by_user_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(*u)
            .bind(ticket_id)
            .bind(by_user_id)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Mention {
    pub id: i64,
    pub ticket_number: i64,
    pub subject: String,
    pub by_name: String,
    pub created_at: i64,
}

pub async fn unread(db: &Db, user_id: i64) -> Result<Vec<Mention>> {
    let rows = sqlx::query(
        "SELECT m.id, t.number, t.subject, u.name, m.created_at FROM mentions m JOIN tickets t ON t.id = m.ticket_id JOIN users u ON u.id = m.by_user_id \
         WHERE m.user_id = $1 AND m.read_at IS NULL ORDER BY m.id DESC LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Mention {
                id: r.try_get(0)?,
                ticket_number: r.try_get(1)?,
                subject: r.try_get(2)?,
                by_name: r.try_get(3)?,
                created_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// Marks the user's mentions on a ticket read (when they open it).
pub async fn mark_read(db: &Db, user_id: i64, ticket_id: i64) -> Result<()> {
    let unread: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mentions WHERE user_id = $1 AND ticket_id = $2 AND read_at IS NULL")
        .bind(user_id)
        .bind(ticket_id)
        .fetch_one(db.pool())
        .await?;
    if unread == 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE mentions SET read_at = $1 WHERE user_id = $2 AND ticket_id = $3 AND read_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
