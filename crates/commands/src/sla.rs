//! Business calendars and SLA policies (admins): a calendar's time zone, weekly hours and
//! holidays (the Czech, Polish and Russian public holidays of a year ready to add), a policy's
//! targets per channel and priority in business time, its warning time and the mailboxes it
//! measures. `measure` turns what is stored into the domain's clock (`domain::sla`), and
//! `answer_by` says when a new ticket's first response is due.

use crate::admin::Admin;
use crate::audience::Audience;
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::calendar::{self, Calendar, Country};
use podpora_domain::sla::{self, Metric, Policy};
use podpora_domain::{Channel, Priority};
use podpora_mail::Mailroom;
use podpora_store::notifications;
use podpora_store::sla::{self as store, CalendarRow, PolicyRow, TargetRow};
use podpora_store::StoreError;

const MAX_NAME: usize = 200;

/// Refused, in the lower layer's words, naming the field of the change it is about (forms show
/// it there).
fn invalid_at(field: &'static str, text: impl Into<String>) -> CommandError {
    CommandError::Invalid(Reason::detail(text).at(field))
}

fn calendar_refused(e: calendar::CalendarError) -> CommandError {
    let field = match e {
        calendar::CalendarError::TimeZone(_) => "time_zone",
        calendar::CalendarError::Holiday(_) => "holidays",
        calendar::CalendarError::Empty(_) | calendar::CalendarError::Hours(_) => "week",
    };
    invalid_at(field, e.to_string())
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
    let holidays = calendar::parse_holidays(&podpora_mail::db_text(&c.holidays)).map_err(calendar_refused)?;
    let row = CalendarRow {
        id: 0,
        name: name(&c.name)?,
        time_zone: c.time_zone.trim().to_string(),
        week: podpora_mail::db_text(c.week.trim()),
        holidays: calendar::holidays_text(&holidays),
    };
    Calendar::from_text(&row.time_zone, &row.week, &row.holidays).map_err(calendar_refused)?;
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
    let measured = store::mailboxes_of_calendar(&mut tx, id).await?;
    store::queue_mailboxes_in(&mut tx, &measured).await?;
    tx.commit().await?;
    Ok(CalendarRow { id, ..row })
}

/// Adds a country's public holidays of a year to a calendar (those there already stay).
pub async fn add_public_holidays(room: &Mailroom, admin: &Admin, id: i64, country: &str, year: i32) -> Result<CalendarRow> {
    let country: Country =
        country.parse().map_err(|_| invalid_at("country", format!("no public holidays ready for '{country}' (cz, pl or ru)")))?;
    if !(2000..=2100).contains(&year) {
        return Err(invalid_at("year", format!("year {year} (2000 to 2100)")));
    }
    let mut conn = room.db.conn().await?;
    let c = store::calendar_by_id(&mut conn, id).await?.ok_or(CommandError::NotFound(Thing::Calendar))?;
    drop(conn);
    let mut days = calendar::parse_holidays(&c.holidays).map_err(calendar_refused)?;
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
    /// Hand a ticket to its team's lead when a target is about to be missed (`warning`) or
    /// missed (`breach`); `off` (the default) only tells the assignee and the lead.
    #[serde(default)]
    pub escalate: Option<sla::Escalate>,
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
    pub escalate: sla::Escalate,
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
            escalate: p.escalate.parse().unwrap_or(sla::Escalate::Off),
        }
    }
}

async fn checked_policy(room: &Mailroom, p: &SlaPolicyChange) -> Result<PolicyRow> {
    let minutes = |what: &str, s: &Option<String>| -> Result<Option<i64>> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => sla::parse_duration(s)
                .map(|ms| Some(ms / 60_000))
                .ok_or_else(|| invalid_at("targets", format!("{what}: '{s}' is not a duration like 30m or 8h"))),
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
            return Err(invalid_at("targets", "two targets for the same channel and priority"));
        }
        targets.push(row);
    }
    if targets.is_empty() {
        return Err(invalid_at("targets", "a policy needs a target"));
    }
    let warn = match p.warn_before.trim() {
        "" => 60,
        s => {
            sla::parse_duration(s)
                .ok_or_else(|| invalid_at("warn_before", format!("warn before: '{s}' is not a duration like 30m or 1h")))?
                / 60_000
        }
    };
    let mut conn = room.db.conn().await?;
    store::calendar_by_id(&mut conn, p.calendar_id)
        .await?
        .ok_or_else(|| invalid_at("calendar_id", format!("no calendar {}", p.calendar_id)))?;
    drop(conn);
    let mut mailboxes = p.mailboxes.clone();
    mailboxes.sort_unstable();
    mailboxes.dedup();
    for m in &mailboxes {
        if podpora_store::mailboxes::get(&room.db, *m).await?.is_none() {
            return Err(CommandError::NotFound(Thing::Mailbox));
        }
    }
    let escalate = p.escalate.unwrap_or(sla::Escalate::Off).as_str().to_string();
    Ok(PolicyRow { id: 0, name: name(&p.name)?, calendar_id: p.calendar_id, warn_before_minutes: warn, escalate, targets, mailboxes })
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
    // The tickets of the mailboxes it measured and of those it measures now are measured anew.
    let before = match id {
        Some(id) => store::policy_by_id(&mut tx, id).await?.map(|p| p.mailboxes).unwrap_or_default(),
        None => Vec::new(),
    };
    let id = store::save_policy(&mut tx, id, &row).await?.ok_or(CommandError::NotFound(Thing::SlaPolicy))?;
    store::queue_mailboxes_in(&mut tx, &before).await?;
    store::queue_mailboxes_in(&mut tx, &row.mailboxes).await?;
    tx.commit().await?;
    Ok(SlaPolicyInfo::from(PolicyRow { id, ..row }))
}

pub async fn delete_policy(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    let before = store::policy_by_id(&mut tx, id).await?.map(|p| p.mailboxes).unwrap_or_default();
    store::queue_mailboxes_in(&mut tx, &before).await?;
    if !store::delete_policy(&mut tx, id).await? {
        return Err(CommandError::NotFound(Thing::SlaPolicy));
    }
    Ok(tx.commit().await?)
}

/// The clock of a mailbox's tickets: its policy and that policy's calendar (None: no policy).
pub async fn measure(room: &Mailroom, mailbox_id: i64) -> Result<Option<(Policy, Calendar)>> {
    Ok(store::clock_of_mailbox(&mut *room.db.conn().await?, mailbox_id).await?.map(|c| (c.policy, c.calendar)))
}

/// When the first response to a ticket of this mailbox, channel and priority opened at `now` is
/// due (None: no policy or no target).
pub async fn answer_by(room: &Mailroom, mailbox_id: i64, channel: Channel, priority: Priority, now: i64) -> Result<Option<i64>> {
    let Some((policy, cal)) = measure(room, mailbox_id).await? else { return Ok(None) };
    Ok(policy.target(Metric::FirstResponse, channel, priority).and_then(|ms| cal.due(now, ms, &[])))
}

/// Tickets looked at in one transaction at most.
pub const TRACK_BATCH: i64 = 500;

/// What one pass of the tracker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracked {
    pub looked: usize,
    pub warnings: usize,
    pub breaches: usize,
    pub escalated: usize,
}

/// Looks at the tickets whose clock changed (a status, a message, the priority, the policy) or
/// whose next moment came (a warning time, a due time), in one transaction: writes each one's
/// nearest due time, records warnings and breaches once each, tells the assignee and the team
/// lead (in the app, and by mail to those who want it), and escalates to the lead where the
/// policy says so. Safe with several instances: queued tickets are claimed, and an event is
/// recorded (and told) only by the transaction that inserts it.
pub async fn track(room: &Mailroom) -> Result<Tracked> {
    let now = podpora_store::now_ms();
    if !store::any_due(&mut *room.db.conn().await?, now).await? {
        return Ok(Tracked::default());
    }
    // Redoable, like routing: what it works out follows from durable facts, and an event a crash
    // loses is recorded (and told) again.
    let mut tx = room.db.begin_redoable().await?;
    let ids = store::claim_in(&mut tx, now, TRACK_BATCH).await?;
    let mut out = Tracked { looked: ids.len(), ..Tracked::default() };
    if ids.is_empty() {
        return Ok(out);
    }
    let clocks = store::clocks(&mut tx).await?;
    let tickets = store::tracked_in(&mut tx, &ids).await?;
    let mut people: Option<Audience> = None;
    let mut mailed = false;
    for t in &tickets {
        let Some(clock) = t.mailbox_id.and_then(|m| clocks.get(&m)) else {
            if (t.sla_due_at, t.sla_warn_at, t.sla_next_at) != (None, None, None) {
                store::write_in(&mut tx, t.id, None, None, None).await?;
                publish(&mut tx, t).await?;
            }
            continue;
        };
        let s = sla::standing(&clock.policy, &clock.calendar, &t.times, now);
        let due = s.next_due_at();
        let found = (due, due.map(|d| d - clock.policy.warn_before_ms), s.next_change_after(now));
        if found != (t.sla_due_at, t.sla_warn_at, t.sla_next_at) {
            store::write_in(&mut tx, t.id, found.0, found.1, found.2).await?;
            if (found.0, found.1) != (t.sla_due_at, t.sla_warn_at) {
                publish(&mut tx, t).await?;
            }
        }
        for m in &s.measures {
            let breach = match m.state {
                sla::State::Warning => false,
                sla::State::Breached => true,
                _ => continue,
            };
            let Some(due_at) = m.due_at else { continue };
            let event = store::SlaEvent {
                ticket_id: t.id,
                metric: m.metric.as_str().to_string(),
                kind: if breach { "breach" } else { "warning" }.to_string(),
                started_at: m.started_at,
                due_at,
                met_at: m.met_at,
                at: if breach { due_at } else { now },
                policy_id: Some(clock.policy_id),
                assignee_id: t.assignee_id,
                team_id: t.team_id,
            };
            if !store::record_in(&mut tx, &event).await? {
                continue;
            }
            if breach {
                out.breaches += 1;
                podpora_store::activity::add(&mut tx, t.id, None, "sla-breach", &format!("{} {due_at}", m.metric.as_str())).await?;
            } else {
                out.warnings += 1;
            }
            // Met late and only noticed now: recorded, but there is nothing left to warn of.
            if m.met_at.is_some() {
                continue;
            }
            if people.is_none() {
                people = Some(Audience::read(room, &mut tx).await?);
            }
            let people = people.as_ref().expect("read above");
            let escalates = match clock.policy.escalate {
                sla::Escalate::Off => false,
                sla::Escalate::Warning => true,
                sla::Escalate::Breach => breach,
            };
            let about = crate::audience::Ticket {
                id: t.id,
                number: t.number,
                subject: &t.subject,
                mailbox_id: t.mailbox_id,
                team_id: t.team_id,
                assignee_id: t.assignee_id,
            };
            let due = |lang| {
                m.due_at
                    .map(|d| podpora_domain::autoack::answer_by_text(lang, clock.calendar.local(d), clock.calendar.time_zone()))
                    .unwrap_or_default()
            };
            let lead = people.lead_of(&about);
            let mut told = Vec::new();
            if let Some(lead) = lead.filter(|l| escalates && Some(*l) != t.assignee_id && people.can_take(*l, t.mailbox_id)) {
                let why = podpora_domain::routing::Why {
                    how: podpora_domain::routing::How::Escalated { metric: m.metric, breached: breach },
                    language: None,
                    skills: Vec::new(),
                    missed: None,
                };
                podpora_store::routing::assign_in(&mut tx, t.id, lead, podpora_domain::routing::AssignedBy::Escalation, &why.to_string())
                    .await?;
                out.escalated += 1;
                let kind = notifications::Kind::Escalation;
                mailed |= people
                    .tell(room, &mut tx, &about, lead, (kind, m.metric.as_str()), |l| notice_line(l, kind, m.metric, &due(l)))
                    .await?;
                told.push(lead);
            }
            let kind = if breach { notifications::Kind::SlaBreach } else { notifications::Kind::SlaWarning };
            for whom in people.watchers(&about) {
                if !told.contains(&whom) {
                    mailed |= people
                        .tell(room, &mut tx, &about, whom, (kind, m.metric.as_str()), |l| notice_line(l, kind, m.metric, &due(l)))
                        .await?;
                }
            }
            publish(&mut tx, t).await?;
        }
    }
    tx.commit().await?;
    if mailed {
        room.work.notify_one();
    }
    Ok(out)
}

async fn publish(tx: &mut podpora_store::WriteTx, t: &store::Tracked) -> Result<()> {
    Ok(tx.publish(podpora_store::events::Event::Ticket { number: t.number, mailbox_id: t.mailbox_id, by_user: None }).await?)
}

/// A notification in one line of `lang`: "First response due Monday 30 November 2026, 16:00",
/// "First response missed", "Escalated to you: …".
pub fn notice_line(lang: podpora_domain::Lang, kind: notifications::Kind, metric: Metric, due: &str) -> String {
    use podpora_domain::i18n::{t, t_args, Arg};
    let what = t(lang, metric.label_key());
    let key = match kind {
        notifications::Kind::SlaWarning if due.is_empty() => "notification-sla-warning-soon",
        notifications::Kind::SlaWarning => "notification-sla-warning",
        notifications::Kind::Escalation => "notification-escalation",
        _ => "notification-sla-breach",
    };
    t_args(lang, key, &[("metric", Arg::Str(&what)), ("due", Arg::Str(due))])
}

/// Where a ticket stands against its mailbox's SLA now (None: no policy measures it), for the
/// ticket page. The caller has opened the ticket (rights checked).
pub async fn standing_of(room: &Mailroom, ticket: &podpora_store::tickets::Ticket) -> Result<Option<sla::Standing>> {
    let Some(mailbox) = ticket.mailbox_id else { return Ok(None) };
    let mut conn = room.db.conn().await?;
    let Some(clock) = store::clock_of_mailbox(&mut conn, mailbox).await? else { return Ok(None) };
    let times = store::times_of(&mut conn, ticket).await?;
    Ok(Some(sla::standing(&clock.policy, &clock.calendar, &times, podpora_store::now_ms())))
}
