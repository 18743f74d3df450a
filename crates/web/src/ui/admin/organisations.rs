//! Organisations: each one's name, mail domains (mail from them belongs to it), account manager
//! (routing's account-manager policy gives its customers' tickets to them) and notes; adding one.

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
use podpora_commands::directory;
use podpora_commands::organisations::{self, OrganisationChange};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_store::users::User;
use serde::Deserialize;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    render(&state, &agent, n.ok.as_deref(), None).await
}

/// Which form a refused value belongs to (`None`: the one to add), what was typed, and why.
type Refused = (Option<i64>, OrgForm, Problem);

async fn render(state: &AppState, agent: &Agent, notice: Option<&str>, refused: Option<Refused>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(agent));
    let all = ui_try!(lang, organisations::list(&state.room, &agent.actor).await);
    let agents: Vec<User> = ui_try!(lang, directory::agents(&state.room, &agent.actor).await).into_iter().filter(|a| !a.disabled).collect();
    let typed = |id: Option<i64>| refused.as_ref().filter(|(f, _, _)| *f == id);
    let content = html! {
        p.help { (t(lang, "admin-organisations-help")) }
        @for o in &all {
            @let v = typed(Some(o.id)).map(|(_, f, _)| f.clone()).unwrap_or_else(|| OrgForm {
                name: o.name.clone(),
                domains: o.domains.join(", "),
                manager: o.account_manager_id.map(|m| m.to_string()).unwrap_or_default(),
                notes: o.notes.clone(),
            });
            (form(agent, Some(o.id), &v, &agents, typed(Some(o.id)).map(|(_, _, p)| p), Some(o.customers)))
        }
        h2 { (t(lang, "admin-organisation-add")) }
        @let v = typed(None).map(|(_, f, _)| f.clone()).unwrap_or_default();
        (form(agent, None, &v, &agents, typed(None).map(|(_, _, p)| p), None))
    };
    let r = page(agent, Page::Organisations, notice, content);
    if refused.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

fn form(agent: &Agent, id: Option<i64>, v: &OrgForm, agents: &[User], problem: Option<&Problem>, customers: Option<i64>) -> Markup {
    let lang = agent.lang;
    let key = id.map(|i| i.to_string()).unwrap_or_else(|| "new".into());
    let fid = |f: &str| format!("org-{f}-{key}");
    let at = |field: &str| Problem::at(problem, id, field);
    let action = match id {
        Some(id) => format!("/admin/organisations/{id}"),
        None => "/admin/organisations".into(),
    };
    html! {
        form.settings method="post" action=(action) id={ "organisation-" (key) } {
            (csrf_field(agent))
            @if let (Some(id), Some(n)) = (id, customers) {
                h3 { a href={ "/inbox?view=all&organisation=" (id) } { (v.name) } " " span.hint { (t_args(lang, "admin-organisation-customers", &[("count", Arg::Num(n))])) } }
            }
            (row(&fid("name"), &t(lang, "admin-organisation-name"), html! { input id=(fid("name")) type="text" name="name" value=(v.name) required maxlength="200"; }, None, at("name")))
            (row(&fid("domains"), &t(lang, "admin-organisation-domains"), html! { input id=(fid("domains")) type="text" name="domains" value=(v.domains) placeholder="firma.cz, firma.sk"; },
                Some(&t(lang, "admin-organisation-domains-help")), at("domains")))
            (row(&fid("manager"), &t(lang, "customer-account-manager"), html! {
                select id=(fid("manager")) name="manager" {
                    option value="" { "—" }
                    @for a in agents { option value=(a.id) selected[v.manager == a.id.to_string()] { (a.name) } }
                }
            }, Some(&t(lang, "admin-organisation-manager-help")), at("manager")))
            (row(&fid("notes"), &t(lang, "customer-notes"), html! { textarea id=(fid("notes")) name="notes" rows="2" { (v.notes) } }, None, at("notes")))
            div.actions {
                button type="submit" { (t(lang, if id.is_some() { "admin-agent-save" } else { "admin-organisation-add" })) }
            }
        }
    }
}

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    domains: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    notes: String,
}

impl OrgForm {
    fn change(&self) -> OrganisationChange {
        OrganisationChange {
            name: self.name.clone(),
            domains: self.domains.clone(),
            account_manager_id: self.manager.parse().ok(),
            notes: self.notes.clone(),
        }
    }
}

fn field_of(key: &str) -> Option<&'static str> {
    match key {
        "error-domain" => Some("domains"),
        "error-unknown-agent" | "error-agent-no-access" => Some("manager"),
        _ => None,
    }
}

pub async fn add(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<OrgForm>) -> Response {
    save(&state, &agent, None, f).await
}

pub async fn change(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<OrgForm>) -> Response {
    let id: i64 = ui_try!(agent.lang, id.parse().map_err(|_| UiError::NotFound));
    save(&state, &agent, Some(id), f).await
}

async fn save(state: &AppState, agent: &Agent, id: Option<i64>, f: OrgForm) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(agent));
    let saved = match id {
        Some(id) => organisations::update(&state.room, &admin, id, &f.change()).await,
        None => organisations::create(&state.room, &admin, &f.change()).await,
    };
    match saved {
        Ok(_) => Redirect::to("/admin/organisations?ok=saved").into_response(),
        Err(e) => {
            let problem = ui_try!(lang, Problem::of(lang, id, e, field_of, "name"));
            render(state, agent, None, Some((id, f, problem))).await
        }
    }
}
