//! Teams: who is in each; adding a team. A ticket given to a team shows in that team's inbox view.

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
use podpora_commands::{admin, directory};
use podpora_domain::i18n::t;
use serde::Deserialize;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    render(&state, &agent, n.ok.as_deref(), None, "").await
}

async fn render(state: &AppState, agent: &Agent, notice: Option<&str>, problem: Option<&Problem>, new_name: &str) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(agent));
    let teams = ui_try!(lang, directory::teams(&state.room, &agent.actor).await);
    let agents = ui_try!(lang, directory::agents(&state.room, &agent.actor).await);
    let content = html! {
        p.help { (t(lang, "admin-teams-help")) }
        @for tm in &teams {
            form.settings method="post" action={ "/admin/teams/" (tm.id) } id={ "team-" (tm.id) } {
                (csrf_field(agent))
                (row(&format!("members-{}", tm.id), &tm.name, html! {
                    div.choices id={ "members-" (tm.id) } {
                        @for a in agents.iter().filter(|a| !a.disabled) { label.choice { input type="checkbox" name="member" value=(a.id) checked[tm.members.contains(&a.id)]; " " (a.name) } }
                    }
                }, None, None))
                (row(&format!("lead-{}", tm.id), &t(lang, "admin-team-lead"), html! {
                    select id={ "lead-" (tm.id) } name="lead" {
                        option value="" selected[tm.lead.is_none()] { "—" }
                        @for a in agents.iter().filter(|a| !a.disabled) { option value=(a.id) selected[tm.lead == Some(a.id)] { (a.name) } }
                    }
                }, Some(&t(lang, "admin-team-lead-help")), None))
                div.actions { button type="submit" { (t(lang, "admin-agent-save")) } }
            }
        }
        h2 { (t(lang, "admin-team-add")) }
        form.settings method="post" action="/admin/teams" {
            (csrf_field(agent))
            (row("team-name", &t(lang, "admin-team-name"), html! { input id="team-name" type="text" name="name" value=(new_name) required maxlength="80"; }, None, Problem::at(problem, None, "name")))
            div.actions { button type="submit" { (t(lang, "admin-team-add")) } }
        }
    };
    let r = page(agent, Page::Teams, notice, content);
    if problem.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    name: String,
}

pub async fn add(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<AddForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    match admin::add_team(&state.room, &admin, &f.name).await {
        Ok(_) => Redirect::to("/admin/teams?ok=saved").into_response(),
        Err(e) => {
            let problem = ui_try!(lang, Problem::of(lang, None, e, |_| None, "name"));
            render(&state, &agent, None, Some(&problem), &f.name).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MembersForm {
    #[serde(default)]
    member: Vec<String>,
    #[serde(default)]
    lead: String,
}

pub async fn members(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<MembersForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let members: Vec<i64> = f.member.iter().filter_map(|m| m.parse().ok()).collect();
    ui_try!(lang, admin::set_team_members(&state.room, &admin, id, &members, f.lead.parse().ok()).await);
    Redirect::to("/admin/teams?ok=saved").into_response()
}
