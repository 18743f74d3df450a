//! Organisations (B2B customers): every agent sees them; admins set their name, mail domains,
//! account manager and notes. Customers link to one when an agent names it on the customer
//! panel, or by their address's domain.

use crate::admin::Admin;
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_mail::Mailroom;
use podpora_store::organisations::{self as store, Organisation, OrganisationRow};
use podpora_store::{users, StoreError};

const MAX_NAME: usize = 200;
const MAX_NOTES: usize = 5000;

pub async fn list(room: &Mailroom, _actor: &Actor) -> Result<Vec<Organisation>> {
    Ok(store::list(&mut *room.db.conn().await?).await?)
}

pub async fn get(room: &Mailroom, _actor: &Actor, id: i64) -> Result<Organisation> {
    store::get(&mut *room.db.conn().await?, id).await?.ok_or(CommandError::NotFound(Thing::Organisation))
}

/// An organisation as an admin sets it: `domains` comma- or space-separated, with or without `@`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganisationChange {
    pub name: String,
    #[serde(default)]
    pub domains: String,
    /// The account manager's id, or none.
    #[serde(default)]
    pub account_manager_id: Option<i64>,
    #[serde(default)]
    pub notes: String,
}

/// The domains as written, checked: lower case, letters, digits, hyphens and at least one dot.
pub fn domains(text: &str) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for d in text.split([',', ' ', ';', '\n']).map(|d| d.trim().trim_start_matches('@').to_lowercase()).filter(|d| !d.is_empty()) {
        let valid = d.len() <= 253
            && d.contains('.')
            && d.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !valid {
            return Err(CommandError::Invalid(Reason::with("error-domain", vec![("value", d.chars().take(80).collect())])));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

async fn checked(room: &Mailroom, c: &OrganisationChange) -> Result<(String, Vec<String>, String)> {
    let name = podpora_mail::db_text(c.name.trim());
    if name.is_empty() {
        return Err(CommandError::Invalid(Reason::new("error-name-required")));
    }
    let notes = podpora_mail::db_text(c.notes.trim());
    for (field, s, max) in [("name", &name, MAX_NAME), ("notes", &notes, MAX_NOTES)] {
        if s.chars().count() > max {
            return Err(CommandError::Invalid(Reason::with(
                "error-too-long",
                vec![("field", field.to_string()), ("max", max.to_string())],
            )));
        }
    }
    if let Some(id) = c.account_manager_id {
        let user =
            users::get(&room.db, id).await?.filter(|u| !u.disabled).ok_or(CommandError::Invalid(Reason::new("error-unknown-agent")))?;
        if !users::access(&room.db, &user).await?.can_reply() {
            return Err(CommandError::Invalid(Reason::with("error-agent-no-access", vec![("name", user.name)])));
        }
    }
    Ok((name, domains(&c.domains)?, notes))
}

fn conflict(e: StoreError) -> CommandError {
    match e {
        StoreError::Conflict(what) => CommandError::Conflict(Reason::with("error-organisation-taken", vec![("what", what)])),
        other => other.into(),
    }
}

/// Adds an organisation (admins); its domains' customers without one join it.
pub async fn create(room: &Mailroom, admin: &Admin, c: &OrganisationChange) -> Result<Organisation> {
    let (name, _, _) = checked(room, c).await?;
    let mut tx = room.db.begin().await?;
    if store::by_name(&mut tx, &name).await?.is_some() {
        return Err(CommandError::Conflict(Reason::with("error-organisation-taken", vec![("what", name)])));
    }
    let id = store::find_or_create(&mut tx, &name).await?;
    tx.commit().await?;
    update(room, admin, id, c).await
}

/// Changes an organisation (admins).
pub async fn update(room: &Mailroom, _admin: &Admin, id: i64, c: &OrganisationChange) -> Result<Organisation> {
    let (name, domains, notes) = checked(room, c).await?;
    let mut tx = room.db.begin().await?;
    let row = OrganisationRow { name: &name, domains: &domains, account_manager_id: c.account_manager_id, notes: &notes };
    if !store::update(&mut tx, id, &row).await.map_err(conflict)? {
        return Err(CommandError::NotFound(Thing::Organisation));
    }
    tx.commit().await?;
    store::get(&mut *room.db.conn().await?, id).await?.ok_or(CommandError::NotFound(Thing::Organisation))
}

/// Removes an organisation (admins); its customers keep no organisation.
pub async fn delete(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    if !store::delete(&mut tx, id).await? {
        return Err(CommandError::NotFound(Thing::Organisation));
    }
    Ok(tx.commit().await?)
}
