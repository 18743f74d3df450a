//! Routing: each mailbox's and team's assignment policy — manual, round robin, least loaded,
//! sticky (with its window) or account manager (with a fallback) —, whether agents who speak the
//! customer's language are preferred, and whether an agent going off shift gives back the
//! tickets they have not answered. A team's policy decides for tickets given to the team.

use super::{admin_of, page, row, Notice, Page, Problem};
use crate::ui::forms::CsrfForm;
use crate::ui::session::Agent;
use crate::ui::{csrf_field, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use podpora_commands::routing::{self, PolicyChange, RoutingPool as Pool};
use podpora_commands::{directory, CommandError, Reason};
use podpora_domain::i18n::t;
use podpora_domain::routing::{AssignmentPolicy, PolicyKind};
use podpora_domain::Lang;
use serde::Deserialize;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    render(&state, &agent, n.ok.as_deref(), None).await
}

/// A form's id on the page: mailboxes by their id, teams below zero.
fn form_id(pool: Pool) -> i64 {
    match pool {
        Pool::Mailbox(id) => id,
        Pool::Team(id) => -id,
    }
}

fn kind_label(lang: Lang, k: PolicyKind) -> String {
    t(lang, &format!("policy-{}", k.as_str()))
}

async fn render(state: &AppState, agent: &Agent, notice: Option<&str>, refused: Option<(Pool, Problem, PolicyForm)>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(agent));
    let room = &state.room;
    let boxes = ui_try!(lang, directory::mailboxes(room, &agent.actor).await);
    let teams = ui_try!(lang, directory::teams(room, &agent.actor).await);
    let team_names: Vec<(i64, String)> = teams.iter().map(|tm| (tm.id, tm.name.clone())).collect();
    let mut forms = Vec::new();
    let pools = boxes
        .iter()
        .map(|m| (Pool::Mailbox(m.id), format!("{} <{}>", m.name, m.address)))
        .chain(teams.iter().map(|tm| (Pool::Team(tm.id), tm.name.clone())));
    for (pool, title) in pools {
        let values = match &refused {
            Some((p, _, typed)) if *p == pool => typed.clone(),
            _ => PolicyForm::from(&ui_try!(lang, routing::policy(room, &agent.actor, pool).await)),
        };
        let problem = refused.as_ref().filter(|(p, _, _)| *p == pool).map(|(_, problem, _)| problem);
        forms.push((pool, form(agent, pool, &title, &values, problem, &team_names)));
    }
    let content = html! {
        p.help { (t(lang, "admin-routing-help")) }
        h2 { (t(lang, "admin-mailboxes")) }
        @if boxes.is_empty() { p.empty { (t(lang, "admin-routing-no-mailboxes")) } }
        @for (pool, f) in &forms { @if matches!(pool, Pool::Mailbox(_)) { (f) } }
        h2 { (t(lang, "admin-teams")) }
        p.help { (t(lang, "admin-routing-teams-help")) }
        @for (pool, f) in &forms { @if matches!(pool, Pool::Team(_)) { (f) } }
    };
    let r = page(agent, Page::Routing, notice, content);
    if refused.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

fn form(agent: &Agent, pool: Pool, title: &str, v: &PolicyForm, problem: Option<&Problem>, teams: &[(i64, String)]) -> Markup {
    let lang = agent.lang;
    let fid = form_id(pool);
    let id = |f: &str| format!("{f}-{fid}");
    let action = match pool {
        Pool::Mailbox(m) => format!("/admin/routing/mailbox/{m}"),
        Pool::Team(tm) => format!("/admin/routing/team/{tm}"),
    };
    let at = |field: &str| Problem::at(problem, Some(fid), field);
    html! {
        form.settings method="post" action=(action) id={ "routing-" (fid) } {
            (csrf_field(agent))
            h3 { (title) }
            (row(&id("policy"), &t(lang, "admin-routing-policy"), html! {
                select id=(id("policy")) name="policy" {
                    @for k in PolicyKind::ALL { option value=(k.as_str()) selected[v.policy == k.as_str()] { (kind_label(lang, *k)) } }
                }
            }, Some(&t(lang, "admin-routing-policy-help")), at("policy")))
            (row(&id("fallback"), &t(lang, "admin-routing-fallback"), html! {
                select id=(id("fallback")) name="fallback" {
                    @for k in [PolicyKind::RoundRobin, PolicyKind::LeastLoaded, PolicyKind::Manual] {
                        option value=(k.as_str()) selected[v.fallback == k.as_str()] { (kind_label(lang, k)) }
                    }
                }
            }, Some(&t(lang, "admin-routing-fallback-help")), at("fallback")))
            (row(&id("sticky"), &t(lang, "admin-routing-sticky-days"), html! {
                input id=(id("sticky")) type="number" name="sticky_days" min="1" max="365" value=(v.sticky_days) required;
            }, None, at("sticky_days")))
            (row(&id("language"), &t(lang, "admin-routing-by-language"), html! {
                input id=(id("language")) type="checkbox" name="by_language" value="1" checked[v.by_language == "1"];
            }, None, None))
            (row(&id("off-shift"), &t(lang, "admin-routing-off-shift"), html! {
                input id=(id("off-shift")) type="checkbox" name="reassign_off_shift" value="1" checked[v.reassign_off_shift == "1"];
            }, None, None))
            @if let Pool::Team(own) = pool {
                (row(&id("overflow-team"), &t(lang, "admin-routing-overflow-team"), html! {
                    select id=(id("overflow-team")) name="overflow_team" {
                        option value="" { "—" }
                        @for (tid, name) in teams.iter().filter(|(tid, _)| *tid != own) { option value=(tid) selected[v.overflow_team == tid.to_string()] { (name) } }
                    }
                }, Some(&t(lang, "admin-routing-overflow-help")), at("overflow_team")))
                (row(&id("overflow-after"), &t(lang, "admin-routing-overflow-after"), html! {
                    input id=(id("overflow-after")) type="number" name="overflow_after" min="1" max="10000" value=(v.overflow_after);
                }, None, at("overflow_after")))
            }
            div.actions { button type="submit" { (t(lang, "admin-agent-save")) } }
        }
    }
}

/// The policy form as typed (or as stored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    policy: String,
    #[serde(default)]
    fallback: String,
    #[serde(default)]
    sticky_days: String,
    #[serde(default)]
    by_language: String,
    #[serde(default)]
    reassign_off_shift: String,
    #[serde(default)]
    overflow_team: String,
    #[serde(default)]
    overflow_after: String,
}

impl From<&AssignmentPolicy> for PolicyForm {
    fn from(p: &AssignmentPolicy) -> PolicyForm {
        let flag = |b: bool| if b { "1" } else { "" }.to_string();
        PolicyForm {
            policy: p.kind().as_str().into(),
            fallback: p.fallback().as_str().into(),
            sticky_days: p.sticky_days().to_string(),
            by_language: flag(p.by_language()),
            reassign_off_shift: flag(p.reassign_off_shift()),
            overflow_team: p.overflow().map(|o| o.to.to_string()).unwrap_or_default(),
            overflow_after: p.overflow().map(|o| o.after.to_string()).unwrap_or_default(),
        }
    }
}

impl PolicyForm {
    /// What was typed as a change; a value that does not read is refused beside its field.
    fn change(&self) -> Result<PolicyChange, (&'static str, CommandError)> {
        let kind = |field: &'static str, s: &str| {
            s.parse::<PolicyKind>().map_err(|e| (field, CommandError::Invalid(Reason::detail(e.to_string()))))
        };
        let sticky_days =
            self.sticky_days.trim().parse::<u32>().map_err(|_| ("sticky_days", CommandError::Invalid(Reason::new("error-sticky-days"))))?;
        Ok(PolicyChange {
            policy: kind("policy", &self.policy)?,
            fallback: Some(kind("fallback", &self.fallback)?),
            sticky_days: Some(sticky_days),
            by_language: Some(self.by_language == "1"),
            reassign_off_shift: Some(self.reassign_off_shift == "1"),
            overflow_team: self.overflow_team.trim().parse().ok(),
            overflow_after: match self.overflow_after.trim() {
                "" => None,
                n => Some(n.parse::<u32>().map_err(|_| ("overflow_after", CommandError::Invalid(Reason::new("error-overflow-after"))))?),
            },
        })
    }
}

pub async fn change_mailbox(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<PolicyForm>) -> Response {
    let id: i64 = ui_try!(agent.lang, id.parse().map_err(|_| UiError::NotFound));
    change(&state, &agent, Pool::Mailbox(id), f).await
}

pub async fn change_team(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<PolicyForm>) -> Response {
    let id: i64 = ui_try!(agent.lang, id.parse().map_err(|_| UiError::NotFound));
    change(&state, &agent, Pool::Team(id), f).await
}

fn field_of(key: &str) -> Option<&'static str> {
    match key {
        "error-sticky-days" => Some("sticky_days"),
        "error-overflow-after" => Some("overflow_after"),
        "error-overflow-team" => Some("overflow_team"),
        _ => None,
    }
}

async fn change(state: &AppState, agent: &Agent, pool: Pool, f: PolicyForm) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(agent));
    let result = match f.change() {
        Ok(change) => routing::set_policy(&state.room, &admin, pool, &change).await.map_err(|e| ("policy", e)),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/admin/routing?ok=saved").into_response(),
        Err((field, e)) => {
            let mut problem = ui_try!(lang, Problem::of(lang, Some(form_id(pool)), e, field_of, "policy"));
            if problem.field == "policy" && field != "policy" {
                problem.field = field.to_string();
            }
            render(state, agent, None, Some((pool, problem, f))).await
        }
    }
}
