//! Server-wide key/value settings, among them the secret keys generated on first start.

use crate::{Db, Result};

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    get_in(&mut *db.conn().await?, key).await
}

/// `get` on the caller's connection or transaction.
pub async fn get_in(conn: &mut sqlx::AnyConnection, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(conn).await?)
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

/// The installation's default language (a code), set by an admin: the UI's for new agents and
/// the login page, and customers' where neither they nor their mailbox have one.
pub const DEFAULT_LANGUAGE: &str = "default_language";

pub async fn default_language(conn: &mut sqlx::AnyConnection) -> Result<Option<String>> {
    get_in(conn, DEFAULT_LANGUAGE).await
}

/// The help centre's name, colour (`#rrggbb`) and logo (`content-type blob-id`); empty: ours.
pub const HELP_NAME: &str = "help_name";
pub const HELP_COLOUR: &str = "help_colour";
pub const HELP_LOGO: &str = "help_logo";

/// Several settings in one statement: each key's value, `None` where there is none.
pub async fn get_many(conn: &mut sqlx::AnyConnection, keys: &[&str]) -> Result<Vec<Option<String>>> {
    let rows: Vec<(String, String)> = crate::db::select_in(conn, "SELECT key, value FROM settings WHERE key IN ({in})", keys)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((sqlx::Row::try_get(r, 0)?, sqlx::Row::try_get(r, 1)?)))
        .collect::<Result<_, _>>()?;
    Ok(keys.iter().map(|k| rows.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone())).collect())
}

pub async fn set(db: &Db, key: &str, value: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
