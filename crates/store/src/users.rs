//! Agent and admin accounts, and their API tokens (stored as SHA-256 hashes, with an expiry).

use crate::{now_ms, Db, Result, StoreError};
use podpora_domain::{EmailAddress, Role};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
}

fn user(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        email: EmailAddress::parse(&r.try_get::<String, _>("email")?)?,
        name: r.try_get("name")?,
        role: r.try_get::<String, _>("role")?.parse()?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
    })
}

const COLS: &str = "id, email, name, role, disabled";

pub async fn create(db: &Db, email: &EmailAddress, name: &str, role: Role, password_hash: &str) -> Result<User> {
    let mut tx = db.begin().await?;
    let r = sqlx::query(&format!("INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {COLS}"))
        .bind(email.as_str())
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| if crate::is_unique_violation(&e) { StoreError::Conflict(format!("a user {email} already exists")) } else { e.into() })?;
    let u = user(&r)?;
    tx.commit().await?;
    Ok(u)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(db.pool()).await?)
}

pub async fn find_by_email(db: &Db, email: &EmailAddress) -> Result<Option<User>> {
    sqlx::query(&format!("SELECT {COLS} FROM users WHERE email = $1")).bind(email.as_str()).fetch_optional(db.pool()).await?.as_ref().map(user).transpose()
}

/// Addresses of all enabled accounts (agents and admins): mail from them is a colleague's.
pub async fn active_emails(db: &Db) -> Result<std::collections::HashSet<String>> {
    Ok(sqlx::query_scalar::<_, String>("SELECT email FROM users WHERE disabled = 0").fetch_all(db.pool()).await?.into_iter().collect())
}

pub async fn get(db: &Db, id: i64) -> Result<Option<User>> {
    sqlx::query(&format!("SELECT {COLS} FROM users WHERE id = $1")).bind(id).fetch_optional(db.pool()).await?.as_ref().map(user).transpose()
}

pub async fn password_hash(db: &Db, id: i64) -> Result<String> {
    Ok(sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_one(db.pool()).await?)
}

/// Stores a token's hash; the token itself is shown once and never stored.
pub async fn add_token(db: &Db, user_id: i64, token_hash: &str, expires_at: Option<i64>) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(token_hash)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The enabled user owning an unexpired token with this hash.
pub async fn by_token_hash(db: &Db, token_hash: &str) -> Result<Option<User>> {
    let r = sqlx::query(
        "SELECT u.id, u.email, u.name, u.role, u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND u.disabled = 0 AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(user).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;

    #[tokio::test]
    async fn users_and_tokens() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let e = EmailAddress::parse("Ann@Shop.cz").unwrap();
            let u = create(db, &e, "Ann", Role::Admin, "h").await.unwrap();
            assert!(matches!(create(db, &e, "Ann", Role::Agent, "h").await, Err(StoreError::Conflict(_))));
            assert_eq!(find_by_email(db, &e).await.unwrap().unwrap().id, u.id);
            add_token(db, u.id, "hash1", None).await.unwrap();
            add_token(db, u.id, "hash2", Some(1)).await.unwrap();
            assert_eq!(by_token_hash(db, "hash1").await.unwrap().unwrap().role, Role::Admin);
            assert!(by_token_hash(db, "hash2").await.unwrap().is_none(), "expired token accepted");
            assert!(by_token_hash(db, "nope").await.unwrap().is_none());
            assert_eq!(count(db).await.unwrap(), 1);
            t
        })
        .await;
    }
}
