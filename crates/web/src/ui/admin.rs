//! The agent's own account (language, password), canned replies, and the admin pages: agents
//! (roles, disabling, mailbox rights), mailboxes (IMAP with a connection test, acknowledgement,
//! signature, fetch health), outgoing mail status, and set-aside mail with reprocessing.

use super::forms::CsrfForm;
use super::session::Agent;
use super::{csrf_field, exact_time, field, layout, notice, page_error, UiError};
use crate::ui_try;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::{EmailAddress, Lang, Role};
use podpora_mail::ingest::{self, AckSettingsChange};
use podpora_store::inbound::{self, InboundStatus};
use podpora_store::{mailboxes, sessions, users};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Notice {
    ok: Option<String>,
    msg: Option<String>,
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

pub async fn account_save(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let f = ui_try!(agent.lang, super::checked_form(&agent, &body));
    let lang = ui_try!(agent.lang, Lang::from_code(field(&f, "language")).ok_or(UiError::msg("error-unknown-language")));
    ui_try!(agent.lang, users::set_language(&state.room.db, agent.user().id, lang).await);
    Redirect::to("/account?ok=saved").into_response()
}

pub async fn password(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, super::checked_form(&agent, &body));
    let hash = ui_try!(lang, users::password_hash(&state.room.db, agent.user().id).await);
    let current = field(&f, "current").to_string();
    let ok = tokio::task::spawn_blocking(move || crate::auth::verify_password(&current, &hash)).await.unwrap_or(false);
    if !ok {
        return page_error(lang, UiError::msg("account-password-wrong"));
    }
    let new_hash = ui_try!(lang, crate::auth::hash_password(field(&f, "new")).map_err(|_| UiError::msg("error-password-short")));
    ui_try!(lang, users::set_password_hash(&state.room.db, agent.user().id, &new_hash).await);
    ui_try!(lang, sessions::delete_for_user(&state.room.db, agent.user().id, Some(agent.session_hash())).await);
    Redirect::to("/account?ok=account-password-changed").into_response()
}

pub async fn canned(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let list = ui_try!(lang, podpora_commands::canned::list(&state.room, &agent.actor).await);
    let vars: Vec<String> = podpora_commands::canned::VARIABLES.iter().map(|v| format!("{{{{{v}}}}}")).collect();
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
    ui_try!(lang, podpora_commands::canned::add(&state.room, &agent.actor, &f.name, &f.body, f.shared == "1").await);
    Redirect::to("/canned?ok=saved").into_response()
}

pub async fn canned_delete(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<NoFields>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    ui_try!(lang, podpora_commands::canned::delete(&state.room, &agent.actor, id).await);
    Redirect::to("/canned?ok=saved").into_response()
}

/// A form whose only field is its CSRF token.
#[derive(Debug, Deserialize)]
pub struct NoFields {}

fn require_admin(agent: &Agent) -> Result<(), UiError> {
    if agent.access().is_admin() {
        Ok(())
    } else {
        Err(UiError::Forbidden)
    }
}

pub async fn page(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, require_admin(&agent));
    let db = &state.room.db;
    let agents = ui_try!(lang, users::list(db).await);
    let boxes = ui_try!(lang, mailboxes::list(db).await);
    let mut rights = Vec::new();
    for a in &agents {
        rights.push(ui_try!(lang, users::mailbox_ids(db, a.id).await));
    }
    let aside = ui_try!(lang, inbound::list(db, InboundStatus::SetAside, 50).await);
    let teams = ui_try!(lang, podpora_store::teams::list(db).await);
    let outbox = ui_try!(lang, podpora_store::outbox::counts(db).await);
    let tags = ui_try!(lang, podpora_store::tickets::tag_counts(db).await);
    let role_label = |r: Role| t(lang, &format!("role-{}", r.as_str()));
    let message = n.msg.as_deref().filter(|m| m.starts_with("imap:")).map(|m| m.trim_start_matches("imap:").to_string());
    let content = html! {
        section.admin {
            h1 { (t(lang, "admin-title")) }
            @if let Some(n) = notice(lang, n.ok.as_deref()) { p.notice role="status" { (n) } }
            @if let Some(m) = &message { p.notice role="status" { (m) } }
            h2 { (t(lang, "admin-outbound")) }
            p { (state.outbound) }
            p.outbox {
                @for (status, count) in &outbox {
                    span class={ "delivery " (status) } { (t(lang, &format!("outbox-{status}"))) ": " (count) } " "
                }
            }

            h2 { (t(lang, "admin-agents")) }
            table.agents {
                thead { tr { th { (t(lang, "admin-agent-name")) } th { (t(lang, "admin-agent-role")) } th { (t(lang, "admin-agent-mailboxes")) } th {} } }
                tbody {
                    @for (a, ids) in agents.iter().zip(&rights) {
                        tr class=@if a.disabled { "disabled" } {
                            td { (a.name) br; span.address { (a.email) } }
                            td colspan="3" {
                                form.agent method="post" action={ "/admin/agents/" (a.id) } {
                                    (csrf_field(&agent))
                                    input type="text" name="name" value=(a.name) aria-label=(t(lang, "admin-agent-name"));
                                    select name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[*r == a.role] { (role_label(*r)) } } }
                                    label { input type="checkbox" name="all_mailboxes" value="1" checked[a.all_mailboxes]; " " (t(lang, "admin-agent-all-mailboxes")) }
                                    @for m in &boxes { label { input type="checkbox" name="mailbox" value=(m.id) checked[ids.contains(&m.id)]; " " (m.name) } }
                                    label { input type="checkbox" name="disabled" value="1" checked[a.disabled]; " " (t(lang, "admin-agent-disabled")) }
                                    button type="submit" { (t(lang, "admin-agent-save")) }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (t(lang, "admin-add-agent")) }
            form.add-agent method="post" action="/admin/agents" {
                (csrf_field(&agent))
                label { (t(lang, "admin-agent-email")) input type="email" name="email" required; }
                label { (t(lang, "admin-agent-name")) input type="text" name="name" required; }
                label { (t(lang, "admin-agent-role")) select name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[*r == Role::Agent] { (role_label(*r)) } } } }
                label { (t(lang, "admin-agent-password")) input type="password" name="password" minlength="10" required autocomplete="new-password"; }
                button type="submit" { (t(lang, "admin-add-agent")) }
            }

            h2 { (t(lang, "admin-teams")) }
            @for tm in &teams {
                form.agent method="post" action={ "/admin/teams/" (tm.id) } {
                    (csrf_field(&agent))
                    strong { (tm.name) } " "
                    @for a in agents.iter().filter(|a| !a.disabled) { label { input type="checkbox" name="member" value=(a.id) checked[tm.members.contains(&a.id)]; " " (a.name) } }
                    button type="submit" { (t(lang, "admin-agent-save")) }
                }
            }
            form method="post" action="/admin/teams" {
                (csrf_field(&agent))
                label { (t(lang, "admin-team-name")) input type="text" name="name" required maxlength="80"; }
                button type="submit" { (t(lang, "admin-team-add")) }
            }

            h2 { (t(lang, "admin-tags")) }
            table.tags {
                tbody {
                    @for (tag, count) in &tags {
                        tr {
                            td { a href={ "/inbox?view=all&tag=" (percent_encoding::utf8_percent_encode(tag, percent_encoding::NON_ALPHANUMERIC)) } { (tag) } }
                            td { (count) }
                            td {
                                form.inline method="post" action="/admin/tags" {
                                    (csrf_field(&agent))
                                    input type="hidden" name="from" value=(tag);
                                    input type="text" name="to" value=(tag) size="16" aria-label=(t(lang, "admin-tag-rename"));
                                    button type="submit" { (t(lang, "admin-tag-rename")) }
                                }
                                " "
                                form.inline method="post" action="/admin/tags" {
                                    (csrf_field(&agent))
                                    input type="hidden" name="from" value=(tag);
                                    input type="hidden" name="to" value="";
                                    button type="submit" { (t(lang, "admin-tag-delete")) }
                                }
                            }
                        }
                    }
                }
            }

            h2 { (t(lang, "admin-mailboxes")) }
            @for m in &boxes {
                article.mailbox {
                    h3 { (m.name) " <" (m.address) ">" }
                    p.health {
                        @match m.last_fetch_at {
                            Some(at) => (t_args(lang, "admin-mailbox-health", &[("when", Arg::Str(&exact_time(at))), ("count", Arg::Num(m.fetched_count))])),
                            None => (t(lang, "admin-mailbox-never")),
                        }
                        @if let Some(e) = &m.last_error { br; span.error { (t_args(lang, "admin-mailbox-error", &[("error", Arg::Str(e))])) } }
                    }
                    form method="post" action={ "/admin/mailboxes/" (m.id) } {
                        (csrf_field(&agent))
                        label { (t(lang, "admin-mailbox-name")) input type="text" name="name" value=(m.name) required; }
                        label { (t(lang, "admin-mailbox-imap")) input type="password" name="imap" placeholder=(t(lang, "admin-mailbox-imap-kept")) autocomplete="off"; }
                        label { (t(lang, "admin-mailbox-signature")) textarea name="signature" rows="3" { (m.signature) } }
                        label { input type="checkbox" name="ack_enabled" value="1" checked[m.ack_enabled]; " " (t(lang, "admin-ack-enabled")) }
                        label { (t(lang, "admin-ack-subject")) input type="text" name="ack_subject" value=[m.ack_subject.as_deref()]; }
                        label { (t(lang, "admin-ack-body")) textarea name="ack_body" rows="6" { (m.ack_body.as_deref().unwrap_or("")) } }
                        p.hint { (podpora_domain::autoack::ACK_VARIABLES.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(" ")) }
                        label { (t(lang, "admin-support-hours")) input type="text" name="support_hours" value=(m.support_hours); }
                        label { (t(lang, "admin-response-time")) input type="text" name="response_time" value=(m.response_time); }
                        label { (t(lang, "admin-alternative-contacts")) input type="text" name="alternative_contacts" value=(m.alternative_contacts); }
                        button type="submit" { (t(lang, "admin-agent-save")) }
                    }
                    @if m.imap_url.is_some() {
                        form method="post" action={ "/admin/mailboxes/" (m.id) "/test" } { (csrf_field(&agent)) button type="submit" { (t(lang, "admin-mailbox-test")) } }
                    }
                }
            }
            h3 { (t(lang, "admin-mailbox-add")) }
            form method="post" action="/admin/mailboxes" {
                (csrf_field(&agent))
                label { (t(lang, "admin-mailbox-address")) input type="email" name="address" required; }
                label { (t(lang, "admin-mailbox-name")) input type="text" name="name" required; }
                label { (t(lang, "admin-mailbox-imap")) input type="password" name="imap" autocomplete="off"; }
                button type="submit" { (t(lang, "admin-mailbox-add")) }
            }

            h2 { (t(lang, "admin-set-aside")) }
            table.inbound {
                tbody {
                    @for i in &aside {
                        tr {
                            td { (exact_time(i.received_at)) }
                            td { (i.envelope_from.as_deref().unwrap_or("")) }
                            td { (i.reason.as_deref().unwrap_or("")) }
                            td { form method="post" action={ "/admin/inbound/" (i.id) "/reprocess" } { (csrf_field(&agent)) button type="submit" { (t(lang, "admin-reprocess")) } } }
                        }
                    }
                }
            }
        }
    };
    layout(&agent, &t(lang, "admin-title"), "page-admin", content)
}

/// Checks the CSRF token and the admin role of a posted admin form.
fn admin_form(agent: &Agent, body: &[u8]) -> Result<Vec<(String, String)>, UiError> {
    let f = super::checked_form(agent, body)?;
    require_admin(agent)?;
    Ok(f)
}

pub async fn agent_add(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let email = ui_try!(lang, EmailAddress::parse(field(&f, "email")));
    let role = ui_try!(lang, field(&f, "role").parse::<Role>());
    let name = field(&f, "name").trim();
    if name.is_empty() {
        return page_error(lang, UiError::msg("error-name-required"));
    }
    let hash = ui_try!(lang, crate::auth::hash_password(field(&f, "password")).map_err(|_| UiError::msg("error-password-short")));
    ui_try!(lang, users::create(&state.room.db, &email, &podpora_mail::db_text(name), role, &hash).await);
    Redirect::to("/admin?ok=admin-agent-created").into_response()
}

pub async fn agent_save(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let target = ui_try!(lang, ui_try!(lang, users::get(&state.room.db, id).await).ok_or(UiError::NotFound));
    let role = ui_try!(lang, field(&f, "role").parse::<Role>());
    let disabled = field(&f, "disabled") == "1";
    if target.id == agent.user().id && (role != Role::Admin || disabled) {
        return page_error(lang, UiError::msg("admin-cannot-demote-self"));
    }
    let boxes = ui_try!(lang, mailboxes::list(&state.room.db).await);
    let chosen: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "mailbox")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|id| boxes.iter().any(|b| b.id == *id))
        .collect();
    let db = &state.room.db;
    let name = field(&f, "name").trim();
    if !name.is_empty() {
        ui_try!(lang, users::set_name(db, id, &podpora_mail::db_text(name)).await);
    }
    ui_try!(lang, users::set_role(db, id, role).await);
    ui_try!(lang, users::set_mailboxes(db, id, field(&f, "all_mailboxes") == "1", &chosen).await);
    ui_try!(lang, users::set_disabled(db, id, disabled).await);
    if disabled {
        ui_try!(lang, sessions::delete_for_user(db, id, None).await);
    }
    Redirect::to("/admin?ok=saved").into_response()
}

/// Renames a tag on every ticket, or removes it (an empty new name).
pub async fn tag_rename(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let from = field(&f, "from").to_string();
    let to = ui_try!(lang, podpora_domain::Tag::list(field(&f, "to")));
    if to.len() > 1 {
        return page_error(lang, UiError::msg("error-one-tag"));
    }
    ui_try!(
        lang,
        podpora_store::tickets::rename_tag(&state.room.db, &from, to.first().map(podpora_domain::Tag::as_str).unwrap_or("")).await
    );
    Redirect::to("/admin?ok=saved").into_response()
}

pub async fn team_add(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let name = podpora_mail::db_text(field(&f, "name").trim());
    if name.is_empty() || name.chars().count() > 80 {
        return page_error(lang, UiError::msg("error-name-required"));
    }
    ui_try!(lang, podpora_store::teams::create(&state.room.db, &name).await);
    Redirect::to("/admin?ok=saved").into_response()
}

pub async fn team_save(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let teams = ui_try!(lang, podpora_store::teams::list(&state.room.db).await);
    if !teams.iter().any(|t| t.id == id) {
        return page_error(lang, UiError::NotFound);
    }
    let agents = ui_try!(lang, users::list(&state.room.db).await);
    let members: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|id| agents.iter().any(|a| a.id == *id))
        .collect();
    ui_try!(lang, podpora_store::teams::set_members(&state.room.db, id, &members).await);
    Redirect::to("/admin?ok=saved").into_response()
}

pub async fn mailbox_add(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let address = ui_try!(lang, EmailAddress::parse(field(&f, "address")));
    let imap = Some(field(&f, "imap").trim()).filter(|u| !u.is_empty());
    if let Some(u) = imap {
        ui_try!(lang, podpora_mail::imap::ImapUrl::parse(u).map_err(UiError::Invalid));
    }
    let name = field(&f, "name").trim();
    ui_try!(
        lang,
        mailboxes::add(
            &state.room.db,
            &mailboxes::NewMailbox { address, name: podpora_mail::db_text(name), imap_url: imap.map(str::to_string) }
        )
        .await
    );
    Redirect::to("/admin?ok=saved").into_response()
}

pub async fn mailbox_save(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, admin_form(&agent, &body));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let mb = ui_try!(lang, ui_try!(lang, mailboxes::get(&state.room.db, id).await).ok_or(UiError::NotFound));
    let imap = Some(field(&f, "imap").trim()).filter(|u| !u.is_empty());
    if let Some(u) = imap {
        ui_try!(lang, podpora_mail::imap::ImapUrl::parse(u).map_err(UiError::Invalid));
    }
    let change = AckSettingsChange {
        enabled: Some(field(&f, "ack_enabled") == "1"),
        subject: Some(field(&f, "ack_subject").to_string()),
        body: Some(field(&f, "ack_body").to_string()),
        support_hours: Some(field(&f, "support_hours").to_string()),
        response_time: Some(field(&f, "response_time").to_string()),
        alternative_contacts: Some(field(&f, "alternative_contacts").to_string()),
    };
    ui_try!(lang, ingest::change_ack(&state.room, &mb, &change).await);
    let name = field(&f, "name").trim();
    let name = if name.is_empty() { mb.name.clone() } else { podpora_mail::db_text(name) };
    ui_try!(lang, mailboxes::update(&state.room.db, id, &name, &podpora_mail::db_text(field(&f, "signature")), imap).await);
    Redirect::to("/admin?ok=saved").into_response()
}

pub async fn mailbox_test(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_form(&agent, &body));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let mb = ui_try!(lang, ui_try!(lang, mailboxes::get(&state.room.db, id).await).ok_or(UiError::NotFound));
    let text = match mb.imap_url.as_deref() {
        Some(u) => match podpora_mail::imap::test_connection(u).await {
            Ok(d) => t_args(lang, "admin-mailbox-test-ok", &[("detail", Arg::Str(&d))]),
            Err(e) => t_args(lang, "admin-mailbox-test-failed", &[("detail", Arg::Str(&e))]),
        },
        None => return page_error(lang, UiError::NotFound),
    };
    let msg = format!("imap:{} {text}", mb.address);
    Redirect::to(&format!("/admin?msg={}", percent_encoding::utf8_percent_encode(&msg, percent_encoding::NON_ALPHANUMERIC))).into_response()
}

pub async fn reprocess(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_form(&agent, &body));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    ui_try!(lang, ingest::reprocess(&state.room, id).await);
    Redirect::to("/admin?ok=saved").into_response()
}
