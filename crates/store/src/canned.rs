//! Canned replies: shared ones (no owner) for everybody, personal ones for their owner.

use crate::{now_ms, Db, Result, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct CannedReply {
    pub id: i64,
    /// `None` for a shared reply.
    pub owner_id: Option<i64>,
    pub name: String,
    pub body: String,
}

/// The shared replies and the personal ones of `user_id`, by name.
pub async fn visible_to(db: &Db, user_id: i64) -> Result<Vec<CannedReply>> {
    let rows = sqlx::query("SELECT id, owner_id, name, body FROM canned_replies WHERE owner_id IS NULL OR owner_id = $1 ORDER BY name, id")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| Ok(CannedReply { id: r.try_get(0)?, owner_id: r.try_get(1)?, name: r.try_get(2)?, body: r.try_get(3)? })).collect()
}

pub async fn create(db: &Db, owner_id: Option<i64>, name: &str, body: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar("INSERT INTO canned_replies (owner_id, name, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(owner_id)
        .bind(name)
        .bind(body)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(db: &Db, id: i64) -> Result<CannedReply> {
    let r = sqlx::query("SELECT id, owner_id, name, body FROM canned_replies WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(CannedReply { id: r.try_get(0)?, owner_id: r.try_get(1)?, name: r.try_get(2)?, body: r.try_get(3)? })
}

pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM canned_replies WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;
    use crate::users;
    use podpora_domain::{EmailAddress, Role};

    #[tokio::test]
    async fn shared_and_personal() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let a = users::create(db, &EmailAddress::parse("a@x.cz").unwrap(), "A", Role::Agent, "h").await.unwrap();
            let b = users::create(db, &EmailAddress::parse("b@x.cz").unwrap(), "B", Role::Agent, "h").await.unwrap();
            create(db, None, "Refund", "Hello {{customer_first_name}}").await.unwrap();
            let mine = create(db, Some(a.id), "Mine", "x").await.unwrap();
            assert_eq!(visible_to(db, a.id).await.unwrap().len(), 2);
            assert_eq!(visible_to(db, b.id).await.unwrap().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["Refund"]);
            assert_eq!(get(db, mine).await.unwrap().owner_id, Some(a.id));
            delete(db, mine).await.unwrap();
            assert!(matches!(get(db, mine).await, Err(StoreError::NotFound)));
            t
        })
        .await;
    }
}
