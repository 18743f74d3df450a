//! Accounts: passwords (argon2id), the agent's own settings, and the admin's work on agents
//! (adding, changing role, rights and name, disabling) and API tokens.

use crate::admin::Admin;
use crate::{Actor, CommandError, Reason, Result, Thing};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use podpora_domain::calendar::{self, Calendar};
use podpora_domain::{AgentStatus, EmailAddress, Lang, Role};
use podpora_mail::Mailroom;
use podpora_store::users::{self, User};
use podpora_store::{mailboxes, sessions};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// An argon2id hash of a password of at least `MIN_PASSWORD_CHARS` characters.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CommandError::Invalid(Reason::new("error-password-short")));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CommandError::Invalid(Reason::detail(e.to_string())))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// Argon2 takes a while on purpose: off the async runtime.
async fn verify_off_runtime(password: &str, hash: String) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

/// The agent's own UI language.
pub async fn set_language(room: &Mailroom, actor: &Actor, lang: Lang) -> Result<()> {
    Ok(users::set_language(&room.db, actor.id(), lang).await?)
}

/// Whether the agent also gets their SLA warnings and escalations by mail.
pub async fn set_mail_notifications(room: &Mailroom, actor: &Actor, on: bool) -> Result<()> {
    Ok(users::set_mail_notifications(&room.db, actor.id(), on).await?)
}

/// Sets an agent's availability: one's own, or anyone's for an admin. Returns the agent.
pub async fn set_status(room: &Mailroom, actor: &Actor, email: &EmailAddress, status: AgentStatus) -> Result<User> {
    let agent = users::find_by_email(&room.db, email).await?.ok_or(CommandError::NotFound(Thing::Agent))?;
    if agent.id != actor.id() {
        actor.require_admin()?;
    }
    users::set_status(&room.db, agent.id, status).await?;
    if status != agent.status {
        crate::routing::availability_changed(room, status).await?;
    }
    Ok(User { status, ..agent })
}

/// The inbox order the agent chose last (remembered for next time).
pub async fn set_inbox_sort(room: &Mailroom, actor: &Actor, sort: podpora_store::tickets::Sort) -> Result<()> {
    Ok(users::set_inbox_sort(&room.db, actor.id(), sort).await?)
}

/// The agent's own password, with the current one as proof; every other session of theirs ends.
pub async fn change_password(room: &Mailroom, actor: &Actor, current: &str, new: &str, keep_session: &str) -> Result<()> {
    let hash = users::password_hash(&room.db, actor.id()).await?;
    if !verify_off_runtime(current, hash).await {
        return Err(CommandError::Invalid(Reason::new("account-password-wrong")));
    }
    let new_hash = hash_password(new)?;
    users::set_password_hash(&room.db, actor.id(), &new_hash).await?;
    Ok(sessions::delete_for_user(&room.db, actor.id(), Some(keep_session)).await?)
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAgent<'a> {
    pub email: EmailAddress,
    pub name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

pub async fn add_agent(room: &Mailroom, _admin: &Admin, a: &NewAgent<'_>) -> Result<User> {
    let name = podpora_mail::db_text(a.name.trim());
    if name.is_empty() {
        return Err(CommandError::Invalid(Reason::new("error-name-required")));
    }
    let hash = hash_password(a.password)?;
    Ok(users::create(&room.db, &a.email, &name, a.role, &hash).await?)
}

/// What an admin sets on an agent.
#[derive(Debug, Clone)]
pub struct AgentChange {
    /// `None` keeps the name.
    pub name: Option<String>,
    pub role: Role,
    pub disabled: bool,
    pub all_mailboxes: bool,
    /// The mailboxes whose tickets the agent sees (ids that are no mailbox are left out).
    pub mailboxes: Vec<i64>,
    /// `None` keeps the capacity, languages, skills and working hours.
    pub profile: Option<ProfileChange>,
}

/// An agent's capacity, languages, skills and working hours as typed.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub capacity: i64,
    /// Comma-separated language codes (`cs, en`).
    pub languages: String,
    /// Comma-separated skills (`returns, b2b`).
    pub skills: String,
    /// An IANA time zone (`Europe/Prague`); empty with no working hours.
    pub time_zone: String,
    /// Weekly hours (`mon-fri 09:00-17:00`); empty: no shift.
    pub working_hours: String,
}

/// The most open tickets an agent can be given at once.
pub const MAX_CAPACITY: i64 = 1_000;

impl ProfileChange {
    /// Checks what was typed: a capacity in range, language codes of two or three letters,
    /// skills that are valid tags, working hours that read, in a time zone that exists.
    pub fn checked(&self) -> Result<users::Profile> {
        if !(0..=MAX_CAPACITY).contains(&self.capacity) {
            return Err(CommandError::Invalid(Reason::with("error-capacity", vec![("max", MAX_CAPACITY.to_string())])));
        }
        let list = |text: &str| -> Vec<String> {
            let mut v: Vec<String> = text.split(',').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
            v.dedup();
            v
        };
        let languages = list(&self.languages);
        if let Some(bad) = languages.iter().find(|l| !(2..=3).contains(&l.len()) || !l.chars().all(|c| c.is_ascii_lowercase())) {
            return Err(CommandError::Invalid(Reason::with("error-language-code", vec![("code", bad.clone())])));
        }
        let skills = list(&self.skills)
            .into_iter()
            .map(|s| podpora_domain::Tag::parse(&s).map(|t| t.as_str().to_string()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let (time_zone, working_hours) = (self.time_zone.trim().to_string(), self.working_hours.trim().to_string());
        // (Both checked even when empty: a time zone alone is kept for hours given later.)
        shift_of(&time_zone, &working_hours).map_err(|e| CommandError::Invalid(Reason::detail(e.to_string())))?;
        Ok(users::Profile { capacity: self.capacity, languages, skills, time_zone, working_hours })
    }
}

/// Sets an agent's capacity, languages, skills and working hours (admins).
pub async fn set_profile(room: &Mailroom, _admin: &Admin, email: &EmailAddress, change: &ProfileChange) -> Result<User> {
    let profile = change.checked()?;
    let agent = users::find_by_email(&room.db, email).await?.ok_or(CommandError::NotFound(Thing::Agent))?;
    users::set_profile(&room.db, agent.id, &profile).await?;
    Ok(User { profile, ..agent })
}

/// Weekly hours in a time zone (empty: UTC) as a calendar.
fn shift_of(time_zone: &str, working_hours: &str) -> std::result::Result<Calendar, calendar::CalendarError> {
    Calendar::new(if time_zone.is_empty() { "UTC" } else { time_zone }, &calendar::parse_week(working_hours)?, [])
}

/// An agent's shift as a calendar (None: no working hours set, their status alone counts).
pub fn shift(p: &users::Profile) -> Option<Calendar> {
    (!p.working_hours.is_empty()).then(|| shift_of(&p.time_zone, &p.working_hours).ok()).flatten()
}

/// An agent's availability now: what they set, or off shift outside their working hours.
pub fn availability(agent: &User, now_ms: i64) -> AgentStatus {
    agent.status.during_shift(shift(&agent.profile).is_none_or(|c| c.is_open(now_ms)))
}

/// Changes an agent. An admin cannot take their own admin role or disable themselves (someone
/// must be left to undo it); a disabled agent's sessions end at once.
pub async fn change_agent(room: &Mailroom, admin: &Admin, id: i64, c: &AgentChange) -> Result<()> {
    let target = users::get(&room.db, id).await?.ok_or(CommandError::NotFound(Thing::Agent))?;
    if admin.user_id() == Some(target.id) && (c.role != Role::Admin || c.disabled) {
        return Err(CommandError::Invalid(Reason::new("admin-cannot-demote-self")));
    }
    let profile = c.profile.as_ref().map(ProfileChange::checked).transpose()?;
    let boxes = mailboxes::list(&room.db).await?;
    let chosen: Vec<i64> = c.mailboxes.iter().copied().filter(|m| boxes.iter().any(|b| b.id == *m)).collect();
    let db = &room.db;
    if let Some(p) = &profile {
        users::set_profile(db, id, p).await?;
    }
    if let Some(name) = c.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        users::set_name(db, id, &podpora_mail::db_text(name)).await?;
    }
    users::set_role(db, id, c.role).await?;
    users::set_mailboxes(db, id, c.all_mailboxes, &chosen).await?;
    users::set_disabled(db, id, c.disabled).await?;
    if c.disabled {
        sessions::delete_for_user(db, id, None).await?;
    }
    Ok(())
}

/// The mailboxes an agent is given (besides "all mailboxes", which their account says).
pub async fn mailbox_rights(room: &Mailroom, _admin: &Admin, id: i64) -> Result<Vec<i64>> {
    Ok(users::mailbox_ids(&room.db, id).await?)
}

/// An API token for an account, valid for `days`; shown once, stored as its SHA-256.
pub async fn create_token(room: &Mailroom, _admin: &Admin, email: &EmailAddress, days: u32) -> Result<String> {
    let user = users::find_by_email(&room.db, email).await?.ok_or(CommandError::NotFound(Thing::Agent))?;
    let (token, hash) = new_token();
    users::add_token(&room.db, user.id, &hash, Some(podpora_store::now_ms() + i64::from(days) * 86_400_000)).await?;
    Ok(token)
}

/// A new random token (`pp_…`) and the hash to store.
pub fn new_token() -> (String, String) {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("pp_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

/// What is stored of a token or session cookie: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(matches!(hash_password("short"), Err(CommandError::Invalid(r)) if r.key == "error-password-short"));
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(hash_token(&t1), h1);
        assert!(!h1.contains(&t1));
    }
}
