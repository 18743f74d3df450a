//! Browser sessions (the cookie holds a random token; only its SHA-256 is stored, with an expiry
//! and the session's CSRF token) and login throttling (failures per key in a time window, shared
//! by every instance because it lives in the database).

use crate::users::{self, User};
use crate::{now_ms, Db, Result};
use sqlx::Row;

pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: i64,
}

pub async fn create(db: &Db, token_hash: &str, user_id: i64, csrf: &str, ttl_ms: i64) -> Result<()> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    // Expired sessions are swept here, where a write happens anyway.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The live session with this token hash, for an enabled account.
pub async fn get(db: &Db, token_hash: &str) -> Result<Option<Session>> {
    let r = sqlx::query("SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(db.pool())
        .await?;
    let Some(r) = r else { return Ok(None) };
    let (user_id, csrf, expires_at): (i64, String, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
    match users::get(db, user_id).await? {
        Some(user) if !user.disabled => Ok(Some(Session { user, csrf, expires_at })),
        _ => Ok(None),
    }
}

/// Pushes the expiry of an active session forward (sliding expiry).
pub async fn extend(db: &Db, token_hash: &str, expires_at: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2").bind(expires_at).bind(token_hash).execute(&mut *tx).await?;
    tx.commit().await
}

pub async fn delete(db: &Db, token_hash: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
    tx.commit().await
}

/// Ends every session of an account except `keep` (after a password change or when disabled).
pub async fn delete_for_user(db: &Db, user_id: i64, keep: Option<&str>) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn record_login_failure(db: &Db, keys: &[&str]) -> Result<()> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(now - 24 * 3_600_000).execute(&mut *tx).await?;
    for k in keys {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)").bind(*k).bind(now).execute(&mut *tx).await?;
    }
    tx.commit().await
}

pub async fn login_failures_since(db: &Db, key: &str, since: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
        .bind(key)
        .bind(since)
        .fetch_one(db.pool())
        .await?)
}

pub async fn clear_login_failures(db: &Db, key: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(&mut *tx).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;
    use podpora_domain::{EmailAddress, Role};

    #[tokio::test]
    async fn sessions_expire_and_end() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let u = users::create(db, &EmailAddress::parse("a@x.cz").unwrap(), "A", Role::Agent, "h").await.unwrap();
            create(db, "s1", u.id, "c1", 60_000).await.unwrap();
            create(db, "s2", u.id, "c2", -1).await.unwrap();
            create(db, "s3", u.id, "c3", 60_000).await.unwrap();
            assert_eq!(get(db, "s1").await.unwrap().unwrap().csrf, "c1");
            assert!(get(db, "s2").await.unwrap().is_none(), "expired session accepted");
            delete_for_user(db, u.id, Some("s1")).await.unwrap();
            assert!(get(db, "s3").await.unwrap().is_none());
            assert!(get(db, "s1").await.unwrap().is_some());
            users::set_disabled(db, u.id, true).await.unwrap();
            assert!(get(db, "s1").await.unwrap().is_none(), "disabled account keeps its session");
            record_login_failure(db, &["e:a", "ip:1"]).await.unwrap();
            record_login_failure(db, &["e:a"]).await.unwrap();
            assert_eq!(login_failures_since(db, "e:a", 0).await.unwrap(), 2);
            clear_login_failures(db, "e:a").await.unwrap();
            assert_eq!(login_failures_since(db, "e:a", 0).await.unwrap(), 0);
            assert_eq!(login_failures_since(db, "ip:1", 0).await.unwrap(), 1);
            t
        })
        .await;
    }
}
