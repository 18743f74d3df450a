//! Agent and admin accounts, and their API tokens (stored as SHA-256 hashes, with an expiry).

use crate::tickets::Sort;
use crate::{now_ms, Db, Result, StoreError};
use podpora_domain::{Access, AgentStatus, EmailAddress, Lang, Role};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// The agent's UI language.
    pub language: Lang,
    /// The inbox order the agent chose last.
    pub inbox_sort: Sort,
    /// Sees every mailbox's tickets (otherwise only those of `mailbox_agents`).
    pub all_mailboxes: bool,
    /// Whether the agent is there to take work (as they set it; see `AgentStatus::during_shift`).
    pub status: AgentStatus,
    /// What routing needs to know of them.
    pub profile: Profile,
    /// Also gets their SLA warnings and escalations by mail.
    pub mail_notifications: bool,
}

/// How much work an agent takes, in which languages and skills, and when they work.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Profile {
    /// Open tickets at once.
    pub capacity: i64,
    /// Language codes (`cs`, `en`), lower case.
    pub languages: Vec<String>,
    /// Skills (`returns`, `b2b`), lower case.
    pub skills: Vec<String>,
    /// IANA time zone of the working hours (empty: the installation's).
    pub time_zone: String,
    /// Weekly hours as written (`mon-fri 09:00-17:00`); empty: no shift.
    pub working_hours: String,
}

fn list_of(text: String) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn user(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        email: EmailAddress::parse(&r.try_get::<String, _>("email")?)?,
        name: r.try_get("name")?,
        role: r.try_get::<String, _>("role")?.parse()?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        language: Lang::from_code(&r.try_get::<String, _>("language")?).unwrap_or(Lang::En),
        inbox_sort: Sort::parse(&r.try_get::<String, _>("inbox_sort")?).unwrap_or_default(),
        all_mailboxes: r.try_get::<i64, _>("all_mailboxes")? != 0,
        status: r.try_get::<String, _>("status")?.parse()?,
        profile: Profile {
            capacity: r.try_get("capacity")?,
            languages: list_of(r.try_get("languages")?),
            skills: list_of(r.try_get("skills")?),
            time_zone: r.try_get("time_zone")?,
            working_hours: r.try_get("working_hours")?,
        },
        mail_notifications: r.try_get::<i64, _>("mail_notifications")? != 0,
    })
}

const COLS: &str =
    "id, email, name, role, disabled, language, inbox_sort, all_mailboxes, status, capacity, languages, skills, time_zone, working_hours, mail_notifications";

/// Stores an agent's profile (checked by the caller).
pub async fn set_profile(db: &Db, id: i64, p: &Profile) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET capacity = $1, languages = $2, skills = $3, time_zone = $4, working_hours = $5 WHERE id = $6")
        .bind(p.capacity)
        .bind(p.languages.join(","))
        .bind(p.skills.join(","))
        .bind(&p.time_zone)
        .bind(&p.working_hours)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// `COLS` of the users table under an alias (`u.id, u.email, …`), for joins.
fn columns_of(alias: &str) -> String {
    COLS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

pub async fn create(db: &Db, email: &EmailAddress, name: &str, role: Role, password_hash: &str) -> Result<User> {
    let mut tx = db.begin().await?;
    let r = sqlx::query(&format!(
        "INSERT INTO users (email, name, role, password_hash, created_at, language) \
         VALUES ($1, $2, $3, $4, $5, COALESCE((SELECT value FROM settings WHERE key = $6), 'en')) RETURNING {COLS}"
    ))
    .bind(email.as_str())
    .bind(name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now_ms())
    .bind(crate::settings::DEFAULT_LANGUAGE)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if crate::is_unique_violation(&e) {
            StoreError::Conflict(format!("a user {email} already exists"))
        } else {
            e.into()
        }
    })?;
    let u = user(&r)?;
    tx.commit().await?;
    Ok(u)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(db.pool()).await?)
}

pub async fn find_by_email(db: &Db, email: &EmailAddress) -> Result<Option<User>> {
    sqlx::query(&format!("SELECT {COLS} FROM users WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(user)
        .transpose()
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
    let r = sqlx::query(&format!(
        "SELECT {} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND u.disabled = 0 AND (t.expires_at IS NULL OR t.expires_at > $2)",
        columns_of("u")
    ))
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(user).transpose()
}

pub async fn list(db: &Db) -> Result<Vec<User>> {
    sqlx::query(&format!("SELECT {COLS} FROM users ORDER BY disabled, name, id")).fetch_all(db.pool()).await?.iter().map(user).collect()
}

async fn set(db: &Db, sql: &str, id: i64, value: impl for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(sql).bind(value).bind(id).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn set_password_hash(db: &Db, id: i64, hash: &str) -> Result<()> {
    set(db, "UPDATE users SET password_hash = $1 WHERE id = $2", id, hash.to_string()).await
}

pub async fn set_disabled(db: &Db, id: i64, disabled: bool) -> Result<()> {
    set(db, "UPDATE users SET disabled = $1 WHERE id = $2", id, disabled as i64).await
}

pub async fn set_role(db: &Db, id: i64, role: Role) -> Result<()> {
    set(db, "UPDATE users SET role = $1 WHERE id = $2", id, role.as_str().to_string()).await
}

pub async fn set_name(db: &Db, id: i64, name: &str) -> Result<()> {
    set(db, "UPDATE users SET name = $1 WHERE id = $2", id, name.to_string()).await
}

pub async fn set_language(db: &Db, id: i64, lang: Lang) -> Result<()> {
    set(db, "UPDATE users SET language = $1 WHERE id = $2", id, lang.code().to_string()).await
}

pub async fn set_status(db: &Db, id: i64, status: AgentStatus) -> Result<()> {
    set(db, "UPDATE users SET status = $1 WHERE id = $2", id, status.as_str().to_string()).await
}

pub async fn set_mail_notifications(db: &Db, id: i64, on: bool) -> Result<()> {
    set(db, "UPDATE users SET mail_notifications = $1 WHERE id = $2", id, on as i64).await
}

pub async fn set_inbox_sort(db: &Db, id: i64, sort: Sort) -> Result<()> {
    set(db, "UPDATE users SET inbox_sort = $1 WHERE id = $2", id, sort.as_str().to_string()).await
}

/// Which mailboxes an account may see: all of them, or exactly `mailboxes`.
pub async fn set_mailboxes(db: &Db, id: i64, all: bool, mailboxes: &[i64]) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET all_mailboxes = $1 WHERE id = $2").bind(all as i64).bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM mailbox_agents WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    for m in mailboxes {
        sqlx::query("INSERT INTO mailbox_agents (mailbox_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(*m)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

pub async fn mailbox_ids(db: &Db, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT mailbox_id FROM mailbox_agents WHERE user_id = $1 ORDER BY mailbox_id")
        .bind(id)
        .fetch_all(db.pool())
        .await?)
}

/// Every enabled account with its rights (two queries), for routing's pools.
pub async fn roster(conn: &mut sqlx::AnyConnection) -> Result<Vec<(User, Access)>> {
    let users: Vec<User> = sqlx::query(&format!("SELECT {COLS} FROM users WHERE disabled = 0 ORDER BY id"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(user)
        .collect::<Result<_>>()?;
    let mut boxes: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for r in sqlx::query("SELECT user_id, mailbox_id FROM mailbox_agents").fetch_all(&mut *conn).await? {
        boxes.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(users
        .into_iter()
        .map(|u| {
            let access = Access::new(u.id, u.role, u.all_mailboxes, boxes.remove(&u.id).unwrap_or_default());
            (u, access)
        })
        .collect())
}

/// `roster`, from this process's copy while no account or mailbox right changed since it was
/// read (routing reads it for every decision).
pub async fn roster_cached(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    counters: &crate::Counters,
) -> Result<std::sync::Arc<Vec<(User, Access)>>> {
    db.roster.get(conn, counters, "roster", async |conn| roster(conn).await).await
}

/// The rights of an account, as every ticket access checks them.
pub async fn access(db: &Db, u: &User) -> Result<Access> {
    let ids = if u.role == Role::Admin || u.all_mailboxes { Vec::new() } else { mailbox_ids(db, u.id).await? };
    Ok(Access::new(u.id, u.role, u.all_mailboxes, ids))
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
            let a = create(db, &EmailAddress::parse("bob@shop.cz").unwrap(), "Bob", Role::Agent, "h").await.unwrap();
            assert!(access(db, &a).await.unwrap().can_see(Some(5)), "new accounts see every mailbox");
            sqlx::query("INSERT INTO mailboxes (address, name, created_at) VALUES ('s@shop.cz', 'S', 0)").execute(db.pool()).await.unwrap();
            let mb: i64 = sqlx::query_scalar("SELECT id FROM mailboxes").fetch_one(db.pool()).await.unwrap();
            set_mailboxes(db, a.id, false, &[mb]).await.unwrap();
            let a = get(db, a.id).await.unwrap().unwrap();
            let acc = access(db, &a).await.unwrap();
            assert!(acc.can_see(Some(mb)) && !acc.can_see(Some(mb + 1)) && !acc.can_see(None));
            set_language(db, a.id, Lang::Cs).await.unwrap();
            set_inbox_sort(db, a.id, Sort::Newest).await.unwrap();
            let a = get(db, a.id).await.unwrap().unwrap();
            assert_eq!((a.language, a.inbox_sort), (Lang::Cs, Sort::Newest));
            assert!(matches!(set_role(db, 999, Role::Admin).await, Err(StoreError::NotFound)));
            t
        })
        .await;
    }
}
