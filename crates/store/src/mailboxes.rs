//! Support addresses (mailboxes): their settings, auto-acknowledgement texts and fetch health.

use crate::{now_ms, Db, Result};
use podpora_domain::EmailAddress;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

#[derive(Clone, serde::Serialize)]
pub struct Mailbox {
    pub id: i64,
    pub address: EmailAddress,
    pub name: String,
    /// Contains the IMAP password: never log or show it whole.
    #[serde(skip)]
    pub imap_url: Option<String>,
    pub ack_enabled: bool,
    pub ack_subject: Option<String>,
    pub ack_body: Option<String>,
    pub support_hours: String,
    pub response_time: String,
    pub alternative_contacts: String,
    pub signature: String,
    pub last_fetch_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub fetched_count: i64,
    pub imap_uidvalidity: Option<i64>,
    pub imap_last_uid: Option<i64>,
    /// The language for customers whose own is not known (None: the installation's default).
    pub language: Option<String>,
    /// The IANA time zone of the dates in its mail (None: its SLA calendar's, else UTC).
    pub time_zone: Option<String>,
    /// The acknowledgement in other languages, by language code.
    pub ack_versions: std::collections::BTreeMap<String, AckVersion>,
}

/// One language's version of a mailbox's acknowledgement (None: the default text of that part).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AckVersion {
    pub subject: Option<String>,
    pub body: Option<String>,
}

impl Mailbox {
    /// The acknowledgement templates (subject, body) for a customer writing in `lang`: that
    /// language's version where there is one, else the mailbox's own texts.
    pub fn ack_templates(&self, lang: podpora_domain::Lang) -> (Option<&str>, Option<&str>) {
        match self.ack_versions.get(lang.code()) {
            Some(v) => (v.subject.as_deref(), v.body.as_deref()),
            None => (self.ack_subject.as_deref(), self.ack_body.as_deref()),
        }
    }
}

impl std::fmt::Debug for Mailbox {
    // The IMAP URL carries a password: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("id", &self.id)
            .field("address", &self.address)
            .field("name", &self.name)
            .field("imap", &self.imap_url.is_some())
            .finish_non_exhaustive()
    }
}

const COLS: &str = "id, address, name, imap_url, ack_enabled, ack_subject, ack_body, support_hours, response_time, alternative_contacts, signature, last_fetch_at, last_error, last_error_at, fetched_count, imap_uidvalidity, imap_last_uid, language, time_zone, ack_versions";

fn mailbox(r: &AnyRow) -> Result<Mailbox> {
    Ok(Mailbox {
        id: r.try_get("id")?,
        address: EmailAddress::parse(&r.try_get::<String, _>("address")?)?,
        name: r.try_get("name")?,
        imap_url: r.try_get("imap_url")?,
        ack_enabled: r.try_get::<i64, _>("ack_enabled")? != 0,
        ack_subject: r.try_get("ack_subject")?,
        ack_body: r.try_get("ack_body")?,
        support_hours: r.try_get("support_hours")?,
        response_time: r.try_get("response_time")?,
        alternative_contacts: r.try_get("alternative_contacts")?,
        signature: r.try_get("signature")?,
        last_fetch_at: r.try_get("last_fetch_at")?,
        last_error: r.try_get("last_error")?,
        last_error_at: r.try_get("last_error_at")?,
        fetched_count: r.try_get("fetched_count")?,
        imap_uidvalidity: r.try_get("imap_uidvalidity")?,
        imap_last_uid: r.try_get("imap_last_uid")?,
        language: r.try_get("language")?,
        time_zone: r.try_get("time_zone")?,
        // Written only by `set_ack` from this type; anything else reads as no versions.
        ack_versions: serde_json::from_str(&r.try_get::<String, _>("ack_versions")?).unwrap_or_default(),
    })
}

/// What `mailbox add` sets; adding an existing address updates its name and IMAP URL.
/// No Debug: the IMAP URL carries a password.
#[derive(Clone)]
pub struct NewMailbox {
    pub address: EmailAddress,
    pub name: String,
    pub imap_url: Option<String>,
}

pub async fn add(db: &Db, m: &NewMailbox) -> Result<Mailbox> {
    let mut tx = db.begin().await?;
    let r = sqlx::query(&format!(
        "INSERT INTO mailboxes (address, name, imap_url, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (address) DO UPDATE SET name = excluded.name, imap_url = excluded.imap_url RETURNING {COLS}"
    ))
    .bind(m.address.as_str())
    .bind(&m.name)
    .bind(m.imap_url.as_deref())
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    let mb = mailbox(&r)?;
    tx.commit().await?;
    Ok(mb)
}

/// Name, signature and (when `Some`) the IMAP URL of a mailbox; `Some("")` removes IMAP.
pub async fn update(db: &Db, id: i64, name: &str, signature: &str, imap_url: Option<&str>) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE mailboxes SET name = $1, signature = $2 WHERE id = $3")
        .bind(name)
        .bind(signature)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if let Some(u) = imap_url {
        let u = Some(u).filter(|u| !u.trim().is_empty());
        // A new IMAP account starts from its own UIDVALIDITY.
        sqlx::query("UPDATE mailboxes SET imap_url = $1, imap_uidvalidity = NULL, imap_last_uid = NULL WHERE id = $2")
            .bind(u)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

pub async fn list(db: &Db) -> Result<Vec<Mailbox>> {
    sqlx::query(&format!("SELECT {COLS} FROM mailboxes ORDER BY id")).fetch_all(db.pool()).await?.iter().map(mailbox).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Mailbox>> {
    sqlx::query(&format!("SELECT {COLS} FROM mailboxes WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(mailbox)
        .transpose()
}

/// For each envelope's recipients (in order), the mailbox of the first one that is ours (its
/// address, or its address without a `+tag`), as `find_by_address` decides; one query for all.
pub async fn first_mailbox_of(conn: &mut AnyConnection, envelopes: &[&[EmailAddress]]) -> Result<Vec<Option<i64>>> {
    let mut wanted: Vec<String> = envelopes.iter().flat_map(|e| lookup_order(e)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let keys: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let mut ids = std::collections::HashMap::new();
    for r in crate::db::select_in(conn, "SELECT address, id FROM mailboxes WHERE address IN ({in})", &keys).await? {
        ids.insert(r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?);
    }
    Ok(envelopes
        .iter()
        .map(|e| e.iter().find_map(|a| ids.get(a.as_str()).or_else(|| ids.get(a.split_plus().0.as_str())).copied()))
        .collect())
}

/// The addresses that decide an envelope's mailbox, first match wins: each recipient in order,
/// as it is and without its `+tag`.
pub fn lookup_order(recipients: &[EmailAddress]) -> Vec<String> {
    recipients.iter().flat_map(|a| [a.as_str().to_string(), a.split_plus().0.as_str().to_string()]).collect()
}

/// The mailbox an address delivers to (plus-addressed forms included).
pub async fn find_by_address(db: &Db, address: &EmailAddress) -> Result<Option<Mailbox>> {
    let (base, _) = address.split_plus();
    sqlx::query(&format!("SELECT {COLS} FROM mailboxes WHERE address = $1 OR address = $2"))
        .bind(address.as_str())
        .bind(base.as_str())
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(mailbox)
        .transpose()
}

/// Texts and switches of the auto-acknowledgement.
#[derive(Debug, Clone, Default)]
pub struct AckSettings {
    pub enabled: bool,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub support_hours: String,
    pub response_time: String,
    pub alternative_contacts: String,
    /// The customers' language when theirs is not known (None: the installation's default).
    pub language: Option<String>,
    pub time_zone: Option<String>,
    pub versions: std::collections::BTreeMap<String, AckVersion>,
}

pub async fn set_ack(db: &Db, id: i64, a: &AckSettings) -> Result<()> {
    let versions = serde_json::to_string(&a.versions).unwrap_or_else(|_| "{}".into());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE mailboxes SET ack_enabled = $1, ack_subject = $2, ack_body = $3, support_hours = $4, response_time = $5, alternative_contacts = $6, language = $7, ack_versions = $8, time_zone = $9 WHERE id = $10")
        .bind(a.enabled as i64)
        .bind(a.subject.as_deref())
        .bind(a.body.as_deref())
        .bind(&a.support_hours)
        .bind(&a.response_time)
        .bind(&a.alternative_contacts)
        .bind(a.language.as_deref())
        .bind(versions)
        .bind(a.time_zone.as_deref())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Remembers how far the IMAP folder has been fetched (its UIDVALIDITY and the last UID stored).
pub async fn set_imap_position_in(conn: &mut sqlx::AnyConnection, id: i64, uidvalidity: i64, last_uid: i64) -> Result<()> {
    sqlx::query("UPDATE mailboxes SET imap_uidvalidity = $1, imap_last_uid = $2 WHERE id = $3")
        .bind(uidvalidity)
        .bind(last_uid)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful fetch clears the last error.
pub async fn record_fetch_ok(db: &Db, id: i64, fetched: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE mailboxes SET last_fetch_at = $1, fetched_count = fetched_count + $2, last_error = NULL WHERE id = $3")
        .bind(now_ms())
        .bind(fetched)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn record_fetch_error(db: &Db, id: i64, error: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE mailboxes SET last_error = $1, last_error_at = $2 WHERE id = $3")
        .bind(error)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
