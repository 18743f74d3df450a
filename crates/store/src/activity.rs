//! A ticket's activity log: who did what, when (status, assignment, tags, priority, reminders,
//! replies, notes, merges, handovers). Written in the same transaction as the change itself.

use crate::{now_ms, Result};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Activity {
    pub id: i64,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// What happened: `status`, `assign`, `tags`, `priority`, `remind`, `reminder`, `reply`, `note`,
    /// `merged_into`, `merged_from`, `handover`, `customer`.
    pub action: String,
    /// Machine-readable detail for the action (old and new value, a number, a note).
    pub detail: String,
    pub created_at: i64,
}

pub async fn add(conn: &mut AnyConnection, ticket_id: i64, user_id: Option<i64>, action: &str, detail: &str) -> Result<()> {
    sqlx::query("INSERT INTO activity (ticket_id, user_id, action, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket_id)
        .bind(user_id)
        .bind(action)
        .bind(detail)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn for_ticket(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<Activity>> {
    let rows = sqlx::query("SELECT a.id, a.user_id, u.name, a.action, a.detail, a.created_at FROM activity a LEFT JOIN users u ON u.id = a.user_id WHERE a.ticket_id = $1 ORDER BY a.id")
        .bind(ticket_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Activity {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                user_name: r.try_get(2)?,
                action: r.try_get(3)?,
                detail: r.try_get(4)?,
                created_at: r.try_get(5)?,
            })
        })
        .collect()
}

/// Every entry of one action, oldest first, as (ticket id, detail): for reports over the log.
pub async fn of_action(conn: &mut AnyConnection, action: &str) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT ticket_id, detail FROM activity WHERE action = $1 ORDER BY id").bind(action).fetch_all(conn).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
