//! Business calendars and SLA policies (admins): a calendar's time zone, weekly hours and
//! holidays (the Czech, Polish and Russian public holidays of a year ready to add), a policy's
//! targets per channel and priority in business time, its warning time and the mailboxes it
//! measures. `measure` turns what is stored into the domain's clock (`domain::sla`), and
//! `answer_by` says when a new ticket's first response is due.

use crate::admin::Admin;
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::calendar::{self, Calendar, Country};
use podpora_domain::sla::{self, Metric, Policy};
use podpora_domain::{Channel, Priority};
use podpora_mail::Mailroom;
use podpora_store::sla::{self as store, CalendarRow, PolicyRow, TargetRow};
use podpora_store::StoreError;

const MAX_NAME: usize = 200;

fn invalid(text: impl Into<String>) -> CommandError {
    CommandError::Invalid(Reason::detail(text))
}

fn name(s: &str) -> Result<String> {
    let n = podpora_mail::db_text(s.trim());
    if n.is_empty() {
        return Err(CommandError::Invalid(Reason::new("error-name-required")));
    }
    if n.chars().count() > MAX_NAME {
        return Err(CommandError::Invalid(Reason::with("error-too-long", vec![("field", "name".into()), ("max", MAX_NAME.to_string())])));
    }
    Ok(n)
}

/// A calendar as an admin writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarChange {
    pub name: String,
    /// An IANA zone, e.g. Europe/Prague.
    pub time_zone: String,
    /// e.g. `mon-fri 09:00-17:00, sat 10:00-14:00`; `22:00-06:00` runs past midnight.
    pub week: String,
    /// One per line: `2026-12-24 Christmas Eve`.
    #[serde(default)]
    pub holidays: String,
}

fn checked_calendar(c: &CalendarChange) -> Result<CalendarRow> {
    let holidays = calendar::parse_holidays(&podpora_mail::db_text(&c.holidays)).map_err(|e| invalid(e.to_string()))?;
    let row = CalendarRow {
        id: 0,
        name: name(&c.name)?,
        time_zone: c.time_zone.trim().to_string(),
        week: podpora_mail::db_text(c.week.trim()),
        holidays: calendar::holidays_text(&holidays),
    };
    Calendar::from_text(&row.time_zone, &row.week, &row.holidays).map_err(|e| invalid(e.to_string()))?;
    Ok(row)
}

pub async fn calendars(room: &Mailroom, _actor: &Actor) -> Result<Vec<CalendarRow>> {
    Ok(store::calendars(&mut *room.db.conn().await?).await?)
}

pub async fn calendar(room: &Mailroom, _actor: &Actor, id: i64) -> Result<CalendarRow> {
    store::calendar_by_id(&mut *room.db.conn().await?, id).await?.ok_or(CommandError::NotFound(Thing::Calendar))
}

/// Adds a calendar (`id` None) or changes one.
pub async fn save_calendar(room: &Mailroom, _admin: &Admin, id: Option<i64>, c: &CalendarChange) -> Result<CalendarRow> {
    let row = checked_calendar(c)?;
    let mut tx = room.db.begin().await?;
    let id = store::save_calendar(&mut tx, id, &row).await?.ok_or(CommandError::NotFound(Thing::Calendar))?;
    tx.commit().await?;
    Ok(CalendarRow { id, ..row })
}

/// Adds a country's public holidays of a year to a calendar (those there already stay).
pub async fn add_public_holidays(room: &Mailroom, admin: &Admin, id: i64, country: &str, year: i32) -> Result<CalendarRow> {
    let country: Country = country.parse().map_err(|_| invalid(format!("no public holidays ready for '{country}' (cz, pl or ru)")))?;
    if !(2000..=2100).contains(&year) {
        return Err(invalid(format!("year {year} (2000 to 2100)")));
    }
    let mut conn = room.db.conn().await?;
    let c = store::calendar_by_id(&mut conn, id).await?.ok_or(CommandError::NotFound(Thing::Calendar))?;
    drop(conn);
    let mut days = calendar::parse_holidays(&c.holidays).map_err(|e| invalid(e.to_string()))?;
    for (d, n) in calendar::public_holidays(country, year) {
        if !days.iter().any(|(x, _)| *x == d) {
            days.push((d, n.to_string()));
        }
    }
    days.sort();
    let change = CalendarChange { name: c.name, time_zone: c.time_zone, week: c.week, holidays: calendar::holidays_text(&days) };
    save_calendar(room, admin, Some(id), &change).await
}

/// Removes a calendar no policy uses.
pub async fn delete_calendar(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    match store::delete_calendar(&mut tx, id).await {
        Ok(true) => Ok(tx.commit().await?),
        Ok(false) => Err(CommandError::NotFound(Thing::Calendar)),
        Err(StoreError::Conflict(_)) => Err(CommandError::Conflict(Reason::new("error-calendar-in-use"))),
        Err(e) => Err(e.into()),
    }
}

/// One target as written: for a channel and/or priority (none: any), each metric a business
/// duration (`30m`, `8h`) or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub first_response: Option<String>,
    #[serde(default)]
    pub next_response: Option<String>,
    #[serde(default)]
    pub resolution: Option<String>,
}

/// An SLA policy as an admin writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyChange {
    pub name: String,
    pub calendar_id: i64,
    /// How long before a due time to warn (wall time, e.g. `1h`).
    #[serde(default)]
    pub warn_before: String,
    pub targets: Vec<TargetSpec>,
    /// The mailboxes it measures (they leave any other policy).
    #[serde(default)]
    pub mailboxes: Vec<i64>,
}

/// A stored policy as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPolicyInfo {
    pub id: i64,
    pub name: String,
    pub calendar_id: i64,
    pub warn_before: String,
    pub targets: Vec<TargetSpec>,
    pub mailboxes: Vec<i64>,
}

fn minutes_text(m: Option<i64>) -> Option<String> {
    m.map(|m| sla::duration_text(m * 60_000))
}

impl From<PolicyRow> for SlaPolicyInfo {
    fn from(p: PolicyRow) -> SlaPolicyInfo {
        SlaPolicyInfo {
            id: p.id,
            name: p.name,
            calendar_id: p.calendar_id,
            warn_before: sla::duration_text(p.warn_before_minutes * 60_000),
            targets: p
                .targets
                .iter()
                .map(|t| TargetSpec {
                    channel: t.channel.as_deref().and_then(|c| c.parse().ok()),
                    priority: t.priority.as_deref().and_then(|c| c.parse().ok()),
                    first_response: minutes_text(t.first_response_minutes),
                    next_response: minutes_text(t.next_response_minutes),
                    resolution: minutes_text(t.resolution_minutes),
                })
                .collect(),
            mailboxes: p.mailboxes,
        }
    }
}

async fn checked_policy(room: &Mailroom, p: &SlaPolicyChange) -> Result<PolicyRow> {
    let minutes = |what: &str, s: &Option<String>| -> Result<Option<i64>> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => sla::parse_duration(s)
                .map(|ms| Some(ms / 60_000))
                .ok_or_else(|| invalid(format!("{what}: '{s}' is not a duration like 30m or 8h"))),
        }
    };
    let mut targets: Vec<TargetRow> = Vec::new();
    for t in &p.targets {
        let row = TargetRow {
            channel: t.channel.map(|c| c.as_str().to_string()),
            priority: t.priority.map(|p| p.as_str().to_string()),
            first_response_minutes: minutes("first response", &t.first_response)?,
            next_response_minutes: minutes("next response", &t.next_response)?,
            resolution_minutes: minutes("resolution", &t.resolution)?,
        };
        if row.first_response_minutes.is_none() && row.next_response_minutes.is_none() && row.resolution_minutes.is_none() {
            continue;
        }
        if targets.iter().any(|x| x.channel == row.channel && x.priority == row.priority) {
            return Err(invalid("two targets for the same channel and priority"));
        }
        targets.push(row);
    }
    if targets.is_empty() {
        return Err(invalid("a policy needs a target"));
    }
    let warn = match p.warn_before.trim() {
        "" => 60,
        s => sla::parse_duration(s).ok_or_else(|| invalid(format!("warn before: '{s}' is not a duration like 30m or 1h")))? / 60_000,
    };
    let mut conn = room.db.conn().await?;
    store::calendar_by_id(&mut conn, p.calendar_id).await?.ok_or_else(|| invalid(format!("no calendar {}", p.calendar_id)))?;
    drop(conn);
    let mut mailboxes = p.mailboxes.clone();
    mailboxes.sort_unstable();
    mailboxes.dedup();
    for m in &mailboxes {
        if podpora_store::mailboxes::get(&room.db, *m).await?.is_none() {
            return Err(CommandError::NotFound(Thing::Mailbox));
        }
    }
    Ok(PolicyRow { id: 0, name: name(&p.name)?, calendar_id: p.calendar_id, warn_before_minutes: warn, targets, mailboxes })
}

pub async fn policies(room: &Mailroom, _actor: &Actor) -> Result<Vec<SlaPolicyInfo>> {
    Ok(store::policies(&mut *room.db.conn().await?).await?.into_iter().map(SlaPolicyInfo::from).collect())
}

pub async fn policy(room: &Mailroom, _actor: &Actor, id: i64) -> Result<SlaPolicyInfo> {
    store::policy_by_id(&mut *room.db.conn().await?, id).await?.map(SlaPolicyInfo::from).ok_or(CommandError::NotFound(Thing::SlaPolicy))
}

/// Adds a policy (`id` None) or changes one.
pub async fn save_policy(room: &Mailroom, _admin: &Admin, id: Option<i64>, p: &SlaPolicyChange) -> Result<SlaPolicyInfo> {
    let row = checked_policy(room, p).await?;
    let mut tx = room.db.begin().await?;
    let id = store::save_policy(&mut tx, id, &row).await?.ok_or(CommandError::NotFound(Thing::SlaPolicy))?;
    tx.commit().await?;
    Ok(SlaPolicyInfo::from(PolicyRow { id, ..row }))
}

pub async fn delete_policy(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    if !store::delete_policy(&mut tx, id).await? {
        return Err(CommandError::NotFound(Thing::SlaPolicy));
    }
    Ok(tx.commit().await?)
}

/// The clock of a mailbox's tickets: its policy and that policy's calendar (None: no policy).
pub async fn measure(room: &Mailroom, mailbox_id: i64) -> Result<Option<(Policy, Calendar)>> {
    Ok(store::clock_of_mailbox(&mut *room.db.conn().await?, mailbox_id).await?)
}

/// When the first response to a ticket of this mailbox, channel and priority opened at `now` is
/// due (None: no policy or no target).
pub async fn answer_by(room: &Mailroom, mailbox_id: i64, channel: Channel, priority: Priority, now: i64) -> Result<Option<i64>> {
    let Some((policy, cal)) = measure(room, mailbox_id).await? else { return Ok(None) };
    Ok(policy.target(Metric::FirstResponse, channel, priority).and_then(|ms| cal.due(now, ms, &[])))
}
