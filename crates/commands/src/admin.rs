//! What only admins do: mailboxes (with their IMAP fetching and acknowledgement texts), teams,
//! tags, and set-aside mail. Agents' accounts are in `accounts`.

use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::autoack::ACK_VARIABLES;
use podpora_domain::template;
use podpora_domain::{DomainError, EmailAddress, Lang, Tag};
use podpora_mail::db_text;
use podpora_mail::imap::ImapUrl;
use podpora_mail::ingest::{self, Outcome};
use podpora_mail::Mailroom;
use podpora_store::inbound::{self, Inbound, InboundStatus};
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::teams;

/// Proof that an admin acts: an admin's account, or the command line on the server (whoever
/// runs the binary there owns the installation). Admin commands take one, so none can run
/// without the check.
#[derive(Debug, Clone, Copy)]
pub struct Admin {
    user_id: Option<i64>,
}

impl Admin {
    /// The command line (`podpora mailbox add`, `podpora user add`, …).
    pub fn command_line() -> Admin {
        Admin { user_id: None }
    }

    /// The admin's account, `None` on the command line.
    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }
}

impl Actor {
    /// This actor as an admin, or `Forbidden`.
    pub fn admin(&self) -> Result<Admin> {
        self.require_admin()?;
        Ok(Admin { user_id: Some(self.id()) })
    }
}

/// An IMAP URL as typed: checked once here for every edge (the CLI, the admin UI).
fn imap_url(url: &str) -> Result<String> {
    let url = url.trim();
    ImapUrl::parse(url).map_err(|e| CommandError::Invalid(Reason::with("error-imap-url", vec![("detail", e)])))?;
    Ok(url.to_string())
}

/// A new support address.
#[derive(Debug, Clone)]
pub struct NewMailbox<'a> {
    pub address: EmailAddress,
    /// Empty: the address is the name.
    pub name: &'a str,
    /// `imap://user:pass@host:143/INBOX` or `imaps://…`; `None` for mail that comes by SMTP or pipe.
    pub imap: Option<&'a str>,
}

pub async fn add_mailbox(room: &Mailroom, _admin: &Admin, m: &NewMailbox<'_>) -> Result<Mailbox> {
    let imap_url = m.imap.map(imap_url).transpose()?;
    let name = podpora_mail::db_text(m.name.trim());
    let name = if name.is_empty() { m.address.to_string() } else { name };
    Ok(mailboxes::add(&room.db, &mailboxes::NewMailbox { address: m.address.clone(), name, imap_url }).await?)
}

/// A mailbox by id, for admins.
pub async fn mailbox(room: &Mailroom, _admin: &Admin, id: i64) -> Result<Mailbox> {
    mailboxes::get(&room.db, id).await?.ok_or(CommandError::NotFound(Thing::Mailbox))
}

/// A mailbox by address, for admins.
pub async fn mailbox_by_address(room: &Mailroom, _admin: &Admin, address: &EmailAddress) -> Result<Mailbox> {
    mailboxes::find_by_address(&room.db, address).await?.ok_or(CommandError::NotFound(Thing::Mailbox))
}

/// What an admin changes on a mailbox.
#[derive(Debug, Clone, Default)]
pub struct MailboxChange {
    /// `None` (or empty) keeps the name.
    pub name: Option<String>,
    pub signature: String,
    /// `None` (or empty) keeps the IMAP URL (the form never shows the password).
    pub imap: Option<String>,
    pub ack: AckSettingsChange,
}

pub async fn change_mailbox(room: &Mailroom, admin: &Admin, id: i64, c: &MailboxChange) -> Result<Mailbox> {
    let mb = mailbox(room, admin, id).await?;
    let imap = c.imap.as_deref().filter(|u| !u.trim().is_empty()).map(imap_url).transpose()?;
    change_ack(room, admin, id, &c.ack).await?;
    let name = c.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(podpora_mail::db_text).unwrap_or(mb.name);
    mailboxes::update(&room.db, id, &name, &podpora_mail::db_text(&c.signature), imap.as_deref()).await?;
    mailbox(room, admin, id).await
}

/// A change to a mailbox's automatic acknowledgement; `None` keeps a field, an empty template
/// restores the default text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AckSettingsChange {
    pub enabled: Option<bool>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub support_hours: Option<String>,
    pub response_time: Option<String>,
    pub alternative_contacts: Option<String>,
    /// The language for customers whose own is not known: a code, or empty for the
    /// installation's default.
    pub language: Option<String>,
    /// The IANA time zone of the dates in the mailbox's mail (`Europe/Prague`); empty for its SLA
    /// calendar's.
    pub time_zone: Option<String>,
    /// The acknowledgement in other languages, by language code (replaces all versions; a
    /// language with neither text is removed).
    pub versions: Option<std::collections::BTreeMap<String, AckVersionChange>>,
}

/// One language's version of the acknowledgement; empty or missing parts use that language's
/// default text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AckVersionChange {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

/// A mailbox's automatic acknowledgement. The templates are checked: an unknown variable is
/// refused with the list of known ones (a mistake in the subject and in the text each say which).
pub async fn change_ack(room: &Mailroom, admin: &Admin, id: i64, c: &AckSettingsChange) -> Result<Mailbox> {
    let mb = mailbox(room, admin, id).await?;
    let keep = |new: &Option<String>, old: &Option<String>| match new {
        Some(t) if t.trim().is_empty() => None,
        Some(t) => Some(db_text(t)),
        None => old.clone(),
    };
    let subject = keep(&c.subject, &mb.ack_subject);
    let body = keep(&c.body, &mb.ack_body);
    checked_ack(subject.as_deref(), body.as_deref(), "")?;
    let language = match c.language.as_deref().map(str::trim) {
        None => mb.language.clone(),
        Some("") => None,
        Some(code) => Some(lang_of(code, "language")?.code().to_string()),
    };
    let time_zone = match c.time_zone.as_deref().map(str::trim) {
        None => mb.time_zone.clone(),
        Some("") => None,
        Some(z) if podpora_domain::calendar::is_zone(z) => Some(z.to_string()),
        Some(z) => {
            return Err(CommandError::Invalid(Reason::detail(format!("unknown time zone '{z}' (e.g. Europe/Prague)")).at("time_zone")))
        }
    };
    let versions = match &c.versions {
        None => mb.ack_versions.clone(),
        Some(given) => {
            let mut versions = std::collections::BTreeMap::new();
            for (code, v) in given {
                let lang = lang_of(code, "versions")?;
                let part = |t: &str| Some(db_text(t.trim())).filter(|t| !t.is_empty());
                let (subject, body) = (part(&v.subject), part(&v.body));
                checked_ack(subject.as_deref(), body.as_deref(), &format!("_{}", lang.code()))?;
                if subject.is_some() || body.is_some() {
                    versions.insert(lang.code().to_string(), mailboxes::AckVersion { subject, body });
                }
            }
            versions
        }
    };
    let text = |new: &Option<String>, old: &str| new.as_deref().map(db_text).unwrap_or_else(|| old.to_string());
    let settings = mailboxes::AckSettings {
        enabled: c.enabled.unwrap_or(mb.ack_enabled),
        subject,
        body,
        support_hours: text(&c.support_hours, &mb.support_hours),
        response_time: text(&c.response_time, &mb.response_time),
        alternative_contacts: text(&c.alternative_contacts, &mb.alternative_contacts),
        language,
        time_zone,
        versions,
    };
    mailboxes::set_ack(&room.db, mb.id, &settings).await?;
    mailbox(room, admin, id).await
}

/// The installation's default language: the UI's for new agents and on the login page when the
/// browser asks for none we have, and customers' where neither they nor their mailbox have one.
pub async fn set_default_language(room: &Mailroom, _admin: &Admin, code: &str) -> Result<Lang> {
    let lang = lang_of(code, "language")?;
    podpora_store::settings::set(&room.db, podpora_store::settings::DEFAULT_LANGUAGE, lang.code()).await?;
    Ok(lang)
}

/// The installation's default language (English until an admin sets one).
pub async fn default_language(room: &Mailroom) -> Result<Lang> {
    let code = podpora_store::settings::default_language(&mut *room.db.conn().await?).await?;
    Ok(Lang::first_of([code.as_deref()]))
}

/// A supported language from its code, or a refusal naming `field`.
pub(crate) fn lang_of(code: &str, field: &str) -> Result<Lang> {
    Lang::from_code(code).ok_or_else(|| CommandError::Invalid(Reason::new("error-unknown-language").at(field)))
}

/// An acknowledgement's templates checked: an unknown variable is refused with the list of known
/// ones, naming the field (`ack_subject` or `ack_body`, with `suffix` for a language's version).
fn checked_ack(subject: Option<&str>, body: Option<&str>, suffix: &str) -> Result<()> {
    let refused = |key: &'static str, field: &str, e: DomainError| match e {
        DomainError::Template(m) => CommandError::Invalid(Reason::with(key, vec![("detail", m)]).at(format!("{field}{suffix}"))),
        other => other.into(),
    };
    if let Some(s) = subject {
        template::validate(s, ACK_VARIABLES).map_err(|e| refused("error-ack-subject", "ack_subject", e))?;
    }
    if let Some(b) = body {
        template::validate(b, ACK_VARIABLES).map_err(|e| refused("error-template", "ack_body", e))?;
    }
    Ok(())
}

/// Tries a mailbox's IMAP login: the server's answer in plain words, good or bad.
pub async fn test_mailbox(room: &Mailroom, admin: &Admin, id: i64) -> Result<std::result::Result<String, String>> {
    let mb = mailbox(room, admin, id).await?;
    let url = mb.imap_url.ok_or(CommandError::NotFound(Thing::Mailbox))?;
    Ok(podpora_mail::imap::test_connection(&url).await)
}

/// A team with this name (1 to 80 characters).
pub async fn add_team(room: &Mailroom, _admin: &Admin, name: &str) -> Result<i64> {
    let name = podpora_mail::db_text(name.trim());
    if name.is_empty() || name.chars().count() > 80 {
        return Err(CommandError::Invalid(Reason::new("error-name-required")));
    }
    Ok(teams::create(&room.db, &name).await?)
}

/// Who is in a team and who leads it (ids that are no account are left out; a lead who is not a
/// member becomes one).
pub async fn set_team_members(room: &Mailroom, _admin: &Admin, id: i64, members: &[i64], lead: Option<i64>) -> Result<()> {
    if !teams::list(&room.db).await?.iter().any(|t| t.id == id) {
        return Err(CommandError::NotFound(Thing::Team));
    }
    let agents = podpora_store::users::list(&room.db).await?;
    let known = |m: &i64| agents.iter().any(|a| a.id == *m);
    let lead = lead.filter(known);
    let mut members: Vec<i64> = members.iter().copied().filter(known).collect();
    members.extend(lead.filter(|l| !members.contains(l)));
    Ok(teams::set_members(&room.db, id, &members, lead).await?)
}

/// Every tag in use with the number of tickets carrying it, most used first.
pub async fn tags_in_use(room: &Mailroom, _admin: &Admin) -> Result<Vec<(String, i64)>> {
    Ok(podpora_store::tickets::tag_counts(&room.db).await?)
}

/// Renames a tag on every ticket (merging it where a ticket has both), or removes it (`to` None).
pub async fn rename_tag(room: &Mailroom, _admin: &Admin, from: &str, to: Option<&Tag>) -> Result<u64> {
    Ok(podpora_store::tickets::rename_tag(&room.db, from, to.map(Tag::as_str).unwrap_or("")).await?)
}

/// Received mail in a state (set aside, waiting, processed): all of it for admins, the mail of
/// their mailboxes for others (mail not tied to a mailbox is for admins).
pub async fn inbound(room: &Mailroom, actor: &Actor, status: InboundStatus, limit: i64) -> Result<Vec<Inbound>> {
    let list = inbound::list(&room.db, status, limit).await?;
    Ok(list.into_iter().filter(|i| may_see_inbound(actor, i)).collect())
}

fn may_see_inbound(actor: &Actor, i: &Inbound) -> bool {
    actor.access().is_admin() || (i.mailbox_id.is_some() && actor.access().can_see(i.mailbox_id))
}

/// The raw mail of a received message the actor may see.
pub async fn inbound_raw(room: &Mailroom, actor: &Actor, id: i64) -> Result<Vec<u8>> {
    let row = match inbound::get(&mut *room.db.conn().await?, id).await {
        Ok(row) if may_see_inbound(actor, &row) => row,
        Ok(_) | Err(podpora_store::StoreError::NotFound) => return Err(CommandError::NotFound(Thing::Message)),
        Err(e) => return Err(e.into()),
    };
    Ok(room.blobs.get(&podpora_store::BlobId::parse(&row.raw_blob)?).await?)
}

/// How outgoing mail stands: waiting, retrying, failed, sent, the oldest waiting.
pub async fn outbox_health(room: &Mailroom, _admin: &Admin) -> Result<podpora_store::outbox::OutboxHealth> {
    Ok(podpora_store::outbox::health(&room.db).await?)
}

/// The newest outgoing mails that wait to be tried again or failed, with their reasons.
pub async fn outbox_troubles(room: &Mailroom, _admin: &Admin, limit: i64) -> Result<Vec<podpora_store::outbox::Troubled>> {
    Ok(podpora_store::outbox::troubled(&room.db, limit).await?)
}

/// Processes a set-aside message again; `None` if it is not set aside.
pub async fn reprocess(room: &Mailroom, _admin: &Admin, inbound_id: i64) -> Result<Option<Outcome>> {
    Ok(ingest::reprocess(room, inbound_id).await?)
}
