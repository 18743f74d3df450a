//! Server-wide key/value settings, among them the secret keys generated on first start.

use crate::{Db, Result};

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(db.pool()).await?)
}

/// Returns the stored value, or stores `make()` if there is none yet. Safe when several
/// instances start at once: the first writer wins and everyone reads its value.
pub async fn get_or_init(db: &Db, key: &str, make: impl FnOnce() -> String) -> Result<String> {
    if let Some(v) = get(db, key).await? {
        return Ok(v);
    }
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(make())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    get(db, key).await?.ok_or(crate::StoreError::NotFound)
}
