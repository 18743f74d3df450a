//! The agent's own things: their account (language, password) and their canned replies (and the
//! shared ones, which admins write).

use super::forms::{CsrfForm, NoFields};
use super::session::Agent;
use super::{csrf_field, layout, notice, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_commands::{accounts, canned};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::{AgentStatus, Lang};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Notice {
    ok: Option<String>,
}

pub async fn account(agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let content = html! {
        section.narrow {
            h1 { (t(lang, "account-title")) }
            @if let Some(n) = notice(lang, n.ok.as_deref()) { p.notice role="status" { (n) } }
            form method="post" action="/account" {
                (csrf_field(&agent))
                label { (t(lang, "account-language"))
                    select name="language" { @for l in Lang::ALL { option value=(l.code()) selected[*l == agent.user().language] { (l.native_name()) } } }
                }
                label.check { input type="checkbox" name="mail_notifications" value="1" checked[agent.user().mail_notifications]; " " (t(lang, "account-mail-notifications")) }
                button type="submit" { (t(lang, "account-save")) }
            }
            h2 { (t(lang, "account-status")) }
            form method="post" action="/account/status" {
                (csrf_field(&agent))
                label { (t(lang, "account-status")) " "
                    select name="status" { @for s in AgentStatus::ALL { option value=(s.as_str()) selected[*s == agent.user().status] { (t(lang, &format!("agent-status-{}", s.as_str()))) } } }
                }
                p.hint { (t(lang, "account-status-help")) }
                button type="submit" { (t(lang, "account-save")) }
            }
            h2 { (t(lang, "account-password")) }
            form method="post" action="/account/password" {
                (csrf_field(&agent))
                label { (t(lang, "account-password-current")) input type="password" name="current" autocomplete="current-password" required; }
                label { (t(lang, "account-password-new")) input type="password" name="new" autocomplete="new-password" minlength="10" required; }
                button type="submit" { (t(lang, "account-save")) }
            }
        }
    };
    layout(&agent, &t(lang, "account-title"), "page-account", content)
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
    /// A checkbox: absent when unticked.
    #[serde(default)]
    mail_notifications: Option<String>,
}

pub async fn account_save(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<LanguageForm>) -> Response {
    let lang = ui_try!(agent.lang, Lang::from_code(&f.language).ok_or(UiError::msg("error-unknown-language")));
    ui_try!(agent.lang, accounts::set_language(&state.room, &agent.actor, lang).await);
    ui_try!(agent.lang, accounts::set_mail_notifications(&state.room, &agent.actor, f.mail_notifications.is_some()).await);
    Redirect::to("/account?ok=saved").into_response()
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// The agent's own availability.
pub async fn status(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<StatusForm>) -> Response {
    let lang = agent.lang;
    let status = ui_try!(lang, f.status.parse::<AgentStatus>());
    ui_try!(lang, accounts::set_status(&state.room, &agent.actor, &agent.user().email, status).await);
    Redirect::to("/account?ok=saved").into_response()
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

pub async fn password(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<PasswordForm>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, accounts::change_password(&state.room, &agent.actor, &f.current, &f.new, agent.session_hash()).await);
    Redirect::to("/account?ok=account-password-changed").into_response()
}

pub async fn canned_page(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let list = ui_try!(lang, canned::list(&state.room, &agent.actor).await);
    let vars: Vec<String> = canned::VARIABLES.iter().map(|v| format!("{{{{{v}}}}}")).collect();
    let content = html! {
        section.narrow {
            h1 { (t(lang, "canned-title")) }
            @if let Some(n) = notice(lang, n.ok.as_deref()) { p.notice role="status" { (n) } }
            @for c in &list {
                article.canned-reply {
                    h3 { (c.name) " " span.badge { @if c.owner_id.is_none() { (t(lang, "canned-shared")) } @else { (t(lang, "canned-personal")) } } }
                    pre { (c.body) }
                    @if c.owner_id == Some(agent.user().id) || agent.access().is_admin() {
                        form method="post" action={ "/canned/" (c.id) "/delete" } { (csrf_field(&agent)) button type="submit" { (t(lang, "canned-delete")) } }
                    }
                }
            }
            h2 { (t(lang, "canned-add")) }
            form method="post" action="/canned" {
                (csrf_field(&agent))
                label { (t(lang, "canned-name")) input type="text" name="name" required maxlength="120"; }
                label { (t(lang, "canned-body")) textarea name="body" rows="6" required {} }
                p.hint { (t_args(lang, "canned-variables", &[("list", Arg::Str(&vars.join(" ")))])) }
                @if agent.access().is_admin() { label { input type="checkbox" name="shared" value="1"; " " (t(lang, "canned-shared")) } }
                button type="submit" { (t(lang, "canned-add")) }
            }
        }
    };
    layout(&agent, &t(lang, "canned-title"), "page-canned", content)
}

#[derive(Debug, Deserialize)]
pub struct CannedForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    shared: String,
}

pub async fn canned_add(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<CannedForm>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, canned::add(&state.room, &agent.actor, &f.name, &f.body, f.shared == "1").await);
    Redirect::to("/canned?ok=saved").into_response()
}

pub async fn canned_delete(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<NoFields>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    ui_try!(lang, canned::delete(&state.room, &agent.actor, id).await);
    Redirect::to("/canned?ok=saved").into_response()
}
