//! Business hours and SLAs: the calendars (time zone, weekly hours, holidays — a country's public
//! holidays added with one button) and the SLA policies (a calendar, targets per channel and
//! priority, the warning time, escalation to the team lead, the mailboxes measured). The list of
//! both, and one form for each; a refused value is shown beside its field with what was typed.

use super::{admin_of, page, row, Notice, Page, Problem};
use crate::ui::forms::CsrfForm;
use crate::ui::session::Agent;
use crate::ui::{csrf_field, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_commands::directory;
use podpora_commands::sla::{self, CalendarChange, SlaPolicyChange, SlaPolicyInfo, TargetSpec};
use podpora_domain::calendar::{self, Country};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::sla::Escalate;
use podpora_domain::{Channel, Lang, Priority};
use podpora_store::sla::CalendarRow;
use serde::Deserialize;

/// Empty target rows offered below a policy's targets.
const SPARE_TARGETS: usize = 2;

const LIST: &str = "/admin/sla";

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(&agent));
    let room = &state.room;
    let calendars = ui_try!(lang, sla::calendars(room, &agent.actor).await);
    let policies = ui_try!(lang, sla::policies(room, &agent.actor).await);
    let boxes = ui_try!(lang, directory::mailboxes(room, &agent.actor).await);
    let calendar_name = |id: i64| calendars.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default();
    let content = html! {
        p.help { (t(lang, "admin-sla-help")) }
        h2 { (t(lang, "admin-calendars")) }
        @if calendars.is_empty() { p.empty { (t(lang, "admin-calendars-none")) } }
        @else {
            table.sla-calendars {
                thead { tr { th { (t(lang, "admin-calendar-name")) } th { (t(lang, "admin-calendar-zone")) } th { (t(lang, "admin-calendar-week")) } th { (t(lang, "admin-calendar-holidays")) } } }
                tbody {
                    @for c in &calendars {
                        tr {
                            td { a href={ "/admin/sla/calendars/" (c.id) } { (c.name) } }
                            td { (c.time_zone) }
                            td { (c.week) }
                            td { (c.holidays.lines().filter(|l| !l.trim().is_empty()).count()) }
                        }
                    }
                }
            }
        }
        p { a.button href="/admin/sla/calendars/new" { (t(lang, "admin-calendar-add")) } }
        h2 { (t(lang, "admin-sla-policies")) }
        @if policies.is_empty() { p.empty { (t(lang, "admin-sla-policies-none")) } }
        @else {
            table.sla-policies {
                thead { tr {
                    th { (t(lang, "admin-calendar-name")) } th { (t(lang, "admin-sla-policy-calendar")) } th { (t(lang, "admin-sla-targets")) }
                    th { (t(lang, "admin-sla-policy-escalate")) } th { (t(lang, "admin-sla-policy-mailboxes")) }
                } }
                tbody {
                    @for p in &policies {
                        tr {
                            td { a href={ "/admin/sla/policies/" (p.id) } { (p.name) } }
                            td { (calendar_name(p.calendar_id)) }
                            td { @for tg in &p.targets { div { (target_text(lang, tg)) } } }
                            td { (t(lang, &format!("admin-sla-escalate-{}", p.escalate.as_str()))) }
                            td {
                                @for m in boxes.iter().filter(|m| p.mailboxes.contains(&m.id)) { div { (m.address.as_str()) } }
                            }
                        }
                    }
                }
            }
        }
        @if calendars.is_empty() { p.help { (t(lang, "admin-sla-calendar-first")) } }
        @else { p { a.button href="/admin/sla/policies/new" { (t(lang, "admin-sla-policy-add")) } } }
    };
    page(&agent, Page::Sla, n.ok.as_deref(), content)
}

/// "email, urgent: first response 1h · resolution 24h".
fn target_text(lang: Lang, tg: &TargetSpec) -> String {
    let any = t(lang, "admin-sla-any");
    let channel = tg.channel.map(|c| t(lang, &format!("channel-{}", c.as_str()))).unwrap_or_else(|| any.clone());
    let priority = tg.priority.map(|p| t(lang, &format!("priority-{}", p.as_str()))).unwrap_or(any);
    let parts: Vec<String> =
        [("sla-first-response", &tg.first_response), ("sla-next-response", &tg.next_response), ("sla-resolution", &tg.resolution)]
            .into_iter()
            .filter_map(|(key, v)| v.as_ref().map(|v| format!("{} {v}", t(lang, key))))
            .collect();
    format!("{channel}, {priority}: {}", parts.join(" · "))
}

fn refused(r: Response) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
}

/// `new` (the form to add) or a number.
fn id_of(id: &str) -> Result<Option<i64>, UiError> {
    match id {
        "new" => Ok(None),
        id => id.parse().map(Some).map_err(|_| UiError::NotFound),
    }
}

// ---- calendars

/// The calendar form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    holidays: String,
}

impl From<&CalendarRow> for CalendarForm {
    fn from(c: &CalendarRow) -> CalendarForm {
        CalendarForm { name: c.name.clone(), time_zone: c.time_zone.clone(), week: c.week.clone(), holidays: c.holidays.clone() }
    }
}

impl CalendarForm {
    fn change(&self) -> CalendarChange {
        CalendarChange {
            name: self.name.clone(),
            time_zone: self.time_zone.clone(),
            week: self.week.clone(),
            holidays: self.holidays.clone(),
        }
    }
}

/// The public-holidays form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HolidaysForm {
    #[serde(default)]
    country: String,
    #[serde(default)]
    year: String,
}

pub async fn calendar(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(&agent));
    let id = ui_try!(lang, id_of(&id));
    let form = match id {
        Some(id) => CalendarForm::from(&ui_try!(lang, sla::calendar(&state.room, &agent.actor, id).await)),
        None => CalendarForm { time_zone: "Europe/Prague".into(), week: "mon-fri 09:00-17:00".into(), ..CalendarForm::default() },
    };
    calendar_page(&agent, id, &form, &HolidaysForm::default(), None)
}

fn calendar_page(agent: &Agent, id: Option<i64>, v: &CalendarForm, h: &HolidaysForm, problem: Option<&Problem>) -> Response {
    let lang = agent.lang;
    let at = |field: &str| Problem::at(problem, id, field);
    let action = match id {
        Some(id) => format!("/admin/sla/calendars/{id}"),
        None => "/admin/sla/calendars/new".into(),
    };
    let year = if h.year.is_empty() { chrono::Utc::now().format("%Y").to_string() } else { h.year.clone() };
    let content = html! {
        p { a href=(LIST) { "← " (t(lang, "admin-sla")) } }
        form.settings method="post" action=(action) id="calendar" {
            (csrf_field(agent))
            (row("cal-name", &t(lang, "admin-calendar-name"), html! { input id="cal-name" type="text" name="name" value=(v.name) required maxlength="200"; }, None, at("name")))
            (row("cal-zone", &t(lang, "admin-calendar-zone"), html! {
                input id="cal-zone" type="text" name="time_zone" value=(v.time_zone) required list="time-zones" autocomplete="off";
                datalist id="time-zones" { @for z in calendar::zone_names() { option value=(z) {} } }
            }, None, at("time_zone")))
            (row("cal-week", &t(lang, "admin-calendar-week"), html! { input id="cal-week" type="text" name="week" value=(v.week) placeholder="mon-fri 09:00-17:00, sat 10:00-14:00"; },
                Some(&t(lang, "admin-calendar-week-help")), at("week")))
            (row("cal-holidays", &t(lang, "admin-calendar-holidays"), html! { textarea id="cal-holidays" name="holidays" rows="8" placeholder="2026-12-24 Christmas Eve" { (v.holidays) } },
                Some(&t(lang, "admin-calendar-holidays-help")), at("holidays")))
            div.actions { button type="submit" { (t(lang, if id.is_some() { "admin-agent-save" } else { "admin-calendar-add" })) } }
        }
        @if let Some(id) = id {
            h2 { (t(lang, "admin-calendar-public")) }
            form.settings method="post" action={ "/admin/sla/calendars/" (id) "/holidays" } id="public-holidays" {
                (csrf_field(agent))
                (row("cal-country", &t(lang, "admin-calendar-country"), html! {
                    select id="cal-country" name="country" {
                        @for c in Country::ALL { option value=(c.code()) selected[h.country == c.code()] { (t(lang, &format!("country-{}", c.code()))) } }
                    }
                }, None, at("country")))
                (row("cal-year", &t(lang, "admin-calendar-year"), html! { input id="cal-year" type="number" name="year" value=(year) min="2000" max="2100"; },
                    Some(&t(lang, "admin-calendar-public-help")), at("year")))
                div.actions { button type="submit" { (t(lang, "admin-calendar-public")) } }
            }
            form.inline method="post" action={ "/admin/sla/calendars/" (id) "/delete" } {
                (csrf_field(agent))
                button type="submit" { (t(lang, "admin-rule-delete")) }
                @if let Some(e) = at("delete") { " " span.field-error role="alert" { (e) } }
            }
        }
    };
    let r = page(agent, Page::Sla, None, content);
    if problem.is_some() {
        refused(r)
    } else {
        r
    }
}

pub async fn save_calendar(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<CalendarForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id = ui_try!(lang, id_of(&id));
    match sla::save_calendar(&state.room, &admin, id, &f.change()).await {
        Ok(_) => Redirect::to("/admin/sla?ok=saved").into_response(),
        Err(e) => {
            let p = ui_try!(lang, Problem::of(lang, id, e, |_| None, "name"));
            calendar_page(&agent, id, &f, &HolidaysForm::default(), Some(&p))
        }
    }
}

pub async fn add_holidays(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, h): CsrfForm<HolidaysForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let room = &state.room;
    let year = h.year.trim().parse::<i32>().unwrap_or(0);
    match sla::add_public_holidays(room, &admin, id, &h.country, year).await {
        Ok(_) => Redirect::to(&format!("/admin/sla/calendars/{id}")).into_response(),
        Err(e) => {
            let p = ui_try!(lang, Problem::of(lang, Some(id), e, |_| None, "year"));
            let c = ui_try!(lang, sla::calendar(room, &agent.actor, id).await);
            calendar_page(&agent, Some(id), &CalendarForm::from(&c), &h, Some(&p))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn delete_calendar(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<Empty>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let room = &state.room;
    match sla::delete_calendar(room, &admin, id).await {
        Ok(()) => Redirect::to("/admin/sla?ok=saved").into_response(),
        Err(e) => {
            let p = ui_try!(lang, Problem::of(lang, Some(id), e, |_| None, "delete"));
            let c = ui_try!(lang, sla::calendar(room, &agent.actor, id).await);
            calendar_page(&agent, Some(id), &CalendarForm::from(&c), &HolidaysForm::default(), Some(&p))
        }
    }
}

// ---- policies

/// The policy form as posted: repeated keys, one per target row and per mailbox ticked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    calendar_id: String,
    #[serde(default)]
    warn_before: String,
    #[serde(default)]
    escalate: String,
    #[serde(default)]
    mailbox: Vec<String>,
    #[serde(default)]
    channel: Vec<String>,
    #[serde(default)]
    priority: Vec<String>,
    #[serde(default)]
    first_response: Vec<String>,
    #[serde(default)]
    next_response: Vec<String>,
    #[serde(default)]
    resolution: Vec<String>,
}

impl From<&SlaPolicyInfo> for PolicyForm {
    fn from(p: &SlaPolicyInfo) -> PolicyForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        PolicyForm {
            name: p.name.clone(),
            calendar_id: p.calendar_id.to_string(),
            warn_before: p.warn_before.clone(),
            escalate: p.escalate.as_str().into(),
            mailbox: p.mailboxes.iter().map(i64::to_string).collect(),
            channel: p.targets.iter().map(|t| t.channel.map(|c| c.as_str().to_string()).unwrap_or_default()).collect(),
            priority: p.targets.iter().map(|t| t.priority.map(|c| c.as_str().to_string()).unwrap_or_default()).collect(),
            first_response: p.targets.iter().map(|t| text(&t.first_response)).collect(),
            next_response: p.targets.iter().map(|t| text(&t.next_response)).collect(),
            resolution: p.targets.iter().map(|t| text(&t.resolution)).collect(),
        }
    }
}

impl PolicyForm {
    /// The policy as typed; a value no select offers is refused beside its field.
    fn change(&self) -> Result<SlaPolicyChange, (&'static str, String)> {
        let at = |v: &[String], i: usize| v.get(i).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let mut targets = Vec::new();
        for i in 0..self.channel.len().max(self.priority.len()).max(self.first_response.len()) {
            let channel = at(&self.channel, i).map(|c| c.parse::<Channel>()).transpose().map_err(|e| ("targets", e.to_string()))?;
            let priority = at(&self.priority, i).map(|c| c.parse::<Priority>()).transpose().map_err(|e| ("targets", e.to_string()))?;
            targets.push(TargetSpec {
                channel,
                priority,
                first_response: at(&self.first_response, i),
                next_response: at(&self.next_response, i),
                resolution: at(&self.resolution, i),
            });
        }
        Ok(SlaPolicyChange {
            name: self.name.clone(),
            calendar_id: self.calendar_id.trim().parse().map_err(|_| ("calendar_id", format!("'{}'", self.calendar_id)))?,
            warn_before: self.warn_before.clone(),
            targets,
            mailboxes: self.mailbox.iter().filter_map(|m| m.trim().parse().ok()).collect(),
            escalate: Some(self.escalate.parse::<Escalate>().map_err(|e| ("escalate", e.to_string()))?),
        })
    }
}

pub async fn policy(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(&agent));
    let id = ui_try!(lang, id_of(&id));
    let form = match id {
        Some(id) => PolicyForm::from(&ui_try!(lang, sla::policy(&state.room, &agent.actor, id).await)),
        None => PolicyForm {
            warn_before: "1h".into(),
            escalate: Escalate::Off.as_str().into(),
            channel: vec![Channel::Email.as_str().into()],
            priority: vec![String::new()],
            first_response: vec!["8h".into()],
            next_response: vec!["8h".into()],
            resolution: vec!["24h".into()],
            ..PolicyForm::default()
        },
    };
    policy_page(&state, &agent, id, &form, None).await
}

async fn policy_page(state: &AppState, agent: &Agent, id: Option<i64>, v: &PolicyForm, problem: Option<&Problem>) -> Response {
    let lang = agent.lang;
    let room = &state.room;
    let calendars = ui_try!(lang, sla::calendars(room, &agent.actor).await);
    let boxes = ui_try!(lang, directory::mailboxes(room, &agent.actor).await);
    let at = |field: &str| Problem::at(problem, id, field);
    let action = match id {
        Some(id) => format!("/admin/sla/policies/{id}"),
        None => "/admin/sla/policies/new".into(),
    };
    let rows = v.channel.len().max(v.first_response.len()) + SPARE_TARGETS;
    let get = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
    let any = t(lang, "admin-sla-any");
    let content = html! {
        p { a href=(LIST) { "← " (t(lang, "admin-sla")) } }
        form.settings method="post" action=(action) id="sla-policy" {
            (csrf_field(agent))
            (row("sla-name", &t(lang, "admin-calendar-name"), html! { input id="sla-name" type="text" name="name" value=(v.name) required maxlength="200"; }, None, at("name")))
            (row("sla-calendar", &t(lang, "admin-sla-policy-calendar"), html! {
                select id="sla-calendar" name="calendar_id" {
                    @for c in &calendars { option value=(c.id) selected[v.calendar_id == c.id.to_string()] { (c.name) " (" (c.time_zone) ")" } }
                }
            }, Some(&t(lang, "admin-sla-policy-calendar-help")), at("calendar_id")))
            fieldset class=@if at("targets").is_some() { "block has-error" } @else { "block" } {
                legend { (t(lang, "admin-sla-targets")) }
                p.help { (t(lang, "admin-sla-targets-help")) }
                table.sla-targets {
                    thead { tr {
                        th { (t(lang, "admin-sla-channel")) } th { (t(lang, "admin-sla-priority")) }
                        th { (t(lang, "sla-first-response")) } th { (t(lang, "sla-next-response")) } th { (t(lang, "sla-resolution")) }
                    } }
                    tbody {
                        @for i in 0..rows {
                            tr {
                                td { select name="channel" aria-label=(t(lang, "admin-sla-channel")) {
                                    option value="" { (any) }
                                    @for c in Channel::ALL { option value=(c.as_str()) selected[get(&v.channel, i) == c.as_str()] { (t(lang, &format!("channel-{}", c.as_str()))) } }
                                } }
                                td { select name="priority" aria-label=(t(lang, "admin-sla-priority")) {
                                    option value="" { (any) }
                                    @for p in Priority::ALL { option value=(p.as_str()) selected[get(&v.priority, i) == p.as_str()] { (t(lang, &format!("priority-{}", p.as_str()))) } }
                                } }
                                @for (name, list, label) in [("first_response", &v.first_response, "sla-first-response"), ("next_response", &v.next_response, "sla-next-response"), ("resolution", &v.resolution, "sla-resolution")] {
                                    td { input type="text" name=(name) value=(get(list, i)) size="6" placeholder="8h" aria-label=(t(lang, label)); }
                                }
                            }
                        }
                    }
                }
                @if let Some(e) = at("targets") { p.field-error role="alert" { (e) } }
            }
            (row("sla-warn", &t(lang, "admin-sla-policy-warn"), html! { input id="sla-warn" type="text" name="warn_before" value=(v.warn_before) size="6" placeholder="1h"; },
                Some(&t(lang, "admin-sla-policy-warn-help")), at("warn_before")))
            (row("sla-escalate", &t(lang, "admin-sla-policy-escalate"), html! {
                select id="sla-escalate" name="escalate" {
                    @for e in Escalate::ALL { option value=(e.as_str()) selected[v.escalate == e.as_str()] { (t(lang, &format!("admin-sla-escalate-{}", e.as_str()))) } }
                }
            }, Some(&t(lang, "admin-sla-policy-escalate-help")), at("escalate")))
            fieldset.block {
                legend { (t(lang, "admin-sla-policy-mailboxes")) }
                p.help { (t(lang, "admin-sla-policy-mailboxes-help")) }
                @if boxes.is_empty() { p.empty { (t(lang, "admin-routing-no-mailboxes")) } }
                @for m in &boxes {
                    label.choice { input type="checkbox" name="mailbox" value=(m.id) checked[v.mailbox.contains(&m.id.to_string())]; " " (m.address.as_str()) }
                }
            }
            div.actions { button type="submit" { (t(lang, if id.is_some() { "admin-agent-save" } else { "admin-sla-policy-add" })) } }
        }
        @if let Some(id) = id {
            form.inline method="post" action={ "/admin/sla/policies/" (id) "/delete" } {
                (csrf_field(agent))
                button type="submit" { (t(lang, "admin-rule-delete")) }
            }
        }
    };
    let r = page(agent, Page::Sla, None, content);
    if problem.is_some() {
        refused(r)
    } else {
        r
    }
}

pub async fn save_policy(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<PolicyForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id = ui_try!(lang, id_of(&id));
    let change = match f.change() {
        Ok(c) => c,
        Err((field, message)) => {
            let p =
                Problem { form: id, field: field.to_string(), message: t_args(lang, "error-detail", &[("detail", Arg::Str(&message))]) };
            return policy_page(&state, &agent, id, &f, Some(&p)).await;
        }
    };
    match sla::save_policy(&state.room, &admin, id, &change).await {
        Ok(_) => Redirect::to("/admin/sla?ok=saved").into_response(),
        Err(e) => {
            let p = ui_try!(lang, Problem::of(lang, id, e, |_| None, "name"));
            policy_page(&state, &agent, id, &f, Some(&p)).await
        }
    }
}

pub async fn delete_policy(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<Empty>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    ui_try!(lang, sla::delete_policy(&state.room, &admin, id).await);
    Redirect::to("/admin/sla?ok=saved").into_response()
}
