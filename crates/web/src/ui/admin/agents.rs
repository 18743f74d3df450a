//! Agents: their roles, mailbox rights, names, disabling; adding an agent.

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
use podpora_commands::accounts::{self, AgentChange, NewAgent, ProfileChange};
use podpora_commands::directory;
use podpora_domain::i18n::t;
use podpora_domain::{EmailAddress, Role};
use serde::Deserialize;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    render(&state, &agent, n.ok.as_deref(), None, &AddForm::default(), None).await
}

/// The page, with a refused form's problem shown beside its field (status 422 then) and, for a
/// refused change, the agent's fields as they were typed.
async fn render(
    state: &AppState,
    agent: &Agent,
    notice: Option<&str>,
    problem: Option<&Problem>,
    add: &AddForm,
    typed: Option<(i64, &ChangeForm)>,
) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(agent));
    let agents = ui_try!(lang, directory::agents(&state.room, &agent.actor).await);
    let boxes = ui_try!(lang, directory::mailboxes(&state.room, &agent.actor).await);
    let mut rights = Vec::with_capacity(agents.len());
    for a in &agents {
        rights.push(ui_try!(lang, accounts::mailbox_rights(&state.room, &admin, a.id).await));
    }
    let role_label = |r: Role| t(lang, &format!("role-{}", r.as_str()));
    let content = html! {
        p.help { (t(lang, "admin-agents-help")) }
        @for (a, ids) in agents.iter().zip(&rights) {
            @let form = Some(a.id);
            @let profile = match typed {
                Some((id, f)) if id == a.id && f.capacity.is_some() => f.profile(),
                _ => ProfileChange {
                    capacity: a.profile.capacity,
                    languages: a.profile.languages.join(", "),
                    skills: a.profile.skills.join(", "),
                    time_zone: a.profile.time_zone.clone(),
                    working_hours: a.profile.working_hours.clone(),
                },
            };
            form.settings.agent method="post" action={ "/admin/agents/" (a.id) } id={ "agent-" (a.id) } {
                (csrf_field(agent))
                h2 class=@if a.disabled { "disabled" } { (a.name) " " span.address { (a.email) } }
                (row(&format!("name-{}", a.id), &t(lang, "admin-agent-name"), html! { input id={ "name-" (a.id) } type="text" name="name" value=(a.name); }, None, Problem::at(problem, form, "name")))
                (row(&format!("role-{}", a.id), &t(lang, "admin-agent-role"), html! {
                    select id={ "role-" (a.id) } name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[*r == a.role] { (role_label(*r)) } } }
                }, Some(&t(lang, "admin-agent-role-help")), Problem::at(problem, form, "role")))
                (row(&format!("boxes-{}", a.id), &t(lang, "admin-agent-mailboxes"), html! {
                    div.choices id={ "boxes-" (a.id) } {
                        label.choice { input type="checkbox" name="all_mailboxes" value="1" checked[a.all_mailboxes]; " " (t(lang, "admin-agent-all-mailboxes")) }
                        @for m in &boxes { label.choice { input type="checkbox" name="mailbox" value=(m.id) checked[ids.contains(&m.id)]; " " (m.name) } }
                    }
                }, Some(&t(lang, "admin-agent-mailboxes-help")), None))
                (row(&format!("capacity-{}", a.id), &t(lang, "admin-agent-capacity"), html! {
                    input id={ "capacity-" (a.id) } type="number" name="capacity" min="0" max=(accounts::MAX_CAPACITY) value=(profile.capacity);
                }, Some(&t(lang, "admin-agent-capacity-help")), Problem::at(problem, form, "capacity")))
                (row(&format!("languages-{}", a.id), &t(lang, "admin-agent-languages"), html! {
                    input id={ "languages-" (a.id) } type="text" name="languages" value=(profile.languages) placeholder="cs, sk, en";
                }, Some(&t(lang, "admin-agent-languages-help")), Problem::at(problem, form, "languages")))
                (row(&format!("skills-{}", a.id), &t(lang, "admin-agent-skills"), html! {
                    input id={ "skills-" (a.id) } type="text" name="skills" value=(profile.skills) placeholder="returns, b2b";
                }, None, Problem::at(problem, form, "skills")))
                (row(&format!("hours-{}", a.id), &t(lang, "admin-agent-hours"), html! {
                    input id={ "hours-" (a.id) } type="text" name="working_hours" value=(profile.working_hours) placeholder="mon-fri 09:00-17:00";
                    " "
                    input id={ "zone-" (a.id) } type="text" name="time_zone" value=(profile.time_zone) placeholder="Europe/Prague" aria-label=(t(lang, "admin-agent-time-zone"));
                }, Some(&t(lang, "admin-agent-hours-help")), Problem::at(problem, form, "working_hours")))
                (row(&format!("disabled-{}", a.id), &t(lang, "admin-agent-disabled"), html! {
                    input id={ "disabled-" (a.id) } type="checkbox" name="disabled" value="1" checked[a.disabled];
                }, Some(&t(lang, "admin-agent-disabled-help")), None))
                div.actions { button type="submit" { (t(lang, "admin-agent-save")) } }
            }
        }
        h2 { (t(lang, "admin-add-agent")) }
        form.settings method="post" action="/admin/agents" id="agent-new" {
            (csrf_field(agent))
            (row("new-email", &t(lang, "admin-agent-email"), html! { input id="new-email" type="email" name="email" value=(add.email) required; }, None, Problem::at(problem, None, "email")))
            (row("new-name", &t(lang, "admin-agent-name"), html! { input id="new-name" type="text" name="name" value=(add.name) required; }, None, Problem::at(problem, None, "name")))
            (row("new-role", &t(lang, "admin-agent-role"), html! {
                select id="new-role" name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[r.as_str() == add.role || (add.role.is_empty() && *r == Role::Agent)] { (role_label(*r)) } } }
            }, Some(&t(lang, "admin-agent-role-help")), Problem::at(problem, None, "role")))
            (row("new-password", &t(lang, "admin-agent-password"), html! {
                input id="new-password" type="password" name="password" minlength="10" required autocomplete="new-password";
            }, None, Problem::at(problem, None, "password")))
            div.actions { button type="submit" { (t(lang, "admin-add-agent")) } }
        }
    };
    let r = page(agent, Page::Agents, notice, content);
    if problem.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

fn field_of(key: &str) -> Option<&'static str> {
    match key {
        "error-invalid-address" | "error-detail" => Some("email"),
        "error-name-required" => Some("name"),
        "error-password-short" => Some("password"),
        "error-unknown-value" | "admin-cannot-demote-self" => Some("role"),
        "error-capacity" => Some("capacity"),
        "error-language-code" => Some("languages"),
        "error-tag" => Some("skills"),
        _ => None,
    }
}

/// As `field_of`, for the change form: what the domain explains in its own words (working hours,
/// a time zone) goes beside the working hours.
fn change_field_of(key: &str) -> Option<&'static str> {
    match key {
        "error-detail" => Some("working_hours"),
        other => field_of(other),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn add(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<AddForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let added = async {
        let email = EmailAddress::parse(&f.email)?;
        let role = f.role.parse::<Role>()?;
        accounts::add_agent(&state.room, &admin, &NewAgent { email, name: &f.name, role, password: &f.password }).await
    };
    match added.await {
        Ok(_) => Redirect::to("/admin/agents?ok=admin-agent-created").into_response(),
        Err(e) => {
            let problem = ui_try!(lang, Problem::of(lang, None, e, field_of, "email"));
            render(&state, &agent, None, Some(&problem), &AddForm { password: String::new(), ..f }, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    all_mailboxes: String,
    #[serde(default)]
    mailbox: Vec<String>,
    #[serde(default)]
    disabled: String,
    /// Absent (a form without the profile fields): the profile is kept.
    #[serde(default)]
    capacity: Option<String>,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    working_hours: String,
}

impl ChangeForm {
    /// The profile as typed (a capacity that is no number counts as -1, which is refused).
    fn profile(&self) -> ProfileChange {
        ProfileChange {
            capacity: self.capacity.as_deref().unwrap_or_default().trim().parse().unwrap_or(-1),
            languages: self.languages.clone(),
            skills: self.skills.clone(),
            time_zone: self.time_zone.clone(),
            working_hours: self.working_hours.clone(),
        }
    }
}

pub async fn change(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<ChangeForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let changed = async {
        let change = AgentChange {
            name: Some(f.name.clone()),
            role: f.role.parse::<Role>()?,
            disabled: f.disabled == "1",
            all_mailboxes: f.all_mailboxes == "1",
            mailboxes: f.mailbox.iter().filter_map(|m| m.parse().ok()).collect(),
            profile: f.capacity.is_some().then(|| f.profile()),
        };
        accounts::change_agent(&state.room, &admin, id, &change).await
    };
    match changed.await {
        Ok(()) => Redirect::to("/admin/agents?ok=saved").into_response(),
        Err(e) => {
            let problem = ui_try!(lang, Problem::of(lang, Some(id), e, change_field_of, "name"));
            render(&state, &agent, None, Some(&problem), &AddForm::default(), Some((id, &f))).await
        }
    }
}
