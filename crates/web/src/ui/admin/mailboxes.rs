//! Mailboxes: the support addresses, how their mail arrives (IMAP with a connection test, or the
//! SMTP listener), their signature and automatic acknowledgement; adding one.

use super::{admin_of, page, row, Notice, Page, Problem};
use crate::ui::forms::{CsrfForm, NoFields};
use crate::ui::session::Agent;
use crate::ui::{csrf_field, exact_time, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_commands::admin::{self, AckSettingsChange, AckVersionChange, MailboxChange, NewMailbox};
use podpora_commands::directory;
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::EmailAddress;
use podpora_domain::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    render(&state, &agent, &View { notice: n.ok.as_deref(), ..Default::default() }).await
}

/// What the page shows besides the mailboxes.
#[derive(Default)]
struct View<'a> {
    notice: Option<&'a str>,
    problem: Option<Problem>,
    /// The result of a connection test: which mailbox, and the server's answer.
    tested: Option<(i64, Result<String, String>)>,
    add: AddForm,
    /// A refused change: the mailbox and what was typed, shown again instead of the saved values.
    edited: Option<(i64, Values)>,
}

/// A mailbox's editable texts, as saved or as just typed.
#[derive(Debug, Clone, Default)]
struct Values {
    name: String,
    signature: String,
    ack_enabled: bool,
    ack_subject: String,
    ack_body: String,
    support_hours: String,
    response_time: String,
    alternative_contacts: String,
    /// The customers' language code, empty for the installation's default.
    language: String,
    time_zone: String,
    /// The acknowledgement's (subject, text) by language code.
    versions: BTreeMap<String, (String, String)>,
}

impl From<&podpora_store::mailboxes::Mailbox> for Values {
    fn from(m: &podpora_store::mailboxes::Mailbox) -> Values {
        Values {
            name: m.name.clone(),
            signature: m.signature.clone(),
            ack_enabled: m.ack_enabled,
            ack_subject: m.ack_subject.clone().unwrap_or_default(),
            ack_body: m.ack_body.clone().unwrap_or_default(),
            support_hours: m.support_hours.clone(),
            response_time: m.response_time.clone(),
            alternative_contacts: m.alternative_contacts.clone(),
            language: m.language.clone().unwrap_or_default(),
            time_zone: m.time_zone.clone().unwrap_or_default(),
            versions: m
                .ack_versions
                .iter()
                .map(|(l, v)| (l.clone(), (v.subject.clone().unwrap_or_default(), v.body.clone().unwrap_or_default())))
                .collect(),
        }
    }
}

async fn render(state: &AppState, agent: &Agent, v: &View<'_>) -> Response {
    let lang = agent.lang;
    ui_try!(lang, admin_of(agent));
    let boxes = ui_try!(lang, directory::mailboxes(&state.room, &agent.actor).await);
    let problem = v.problem.as_ref();
    let variables = podpora_domain::autoack::ACK_VARIABLES.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(" ");
    let smtp_help = match &state.setup.smtp_listen {
        Some(addr) => t_args(lang, "admin-mailbox-smtp-help", &[("addr", Arg::Str(addr))]),
        None => t(lang, "admin-mailbox-smtp-off"),
    };
    let content = html! {
        p.help { (t(lang, "admin-mailboxes-help")) " " (smtp_help) }
        @for m in &boxes {
            @let form = Some(m.id);
            @let id = |f: &str| format!("{f}-{}", m.id);
            @let val = v.edited.as_ref().filter(|(e, _)| *e == m.id).map(|(_, vals)| vals.clone()).unwrap_or_else(|| Values::from(m));
            article.mailbox id={ "mailbox-" (m.id) } {
                h2 { (m.name) " " span.address { "<" (m.address) ">" } }
                p.health {
                    @if m.imap_url.is_some() {
                        @match m.last_fetch_at {
                            Some(at) => (t_args(lang, "admin-mailbox-health", &[("when", Arg::Str(&exact_time(agent, at))), ("count", Arg::Num(m.fetched_count))])),
                            None => (t(lang, "admin-mailbox-never")),
                        }
                        @if let Some(e) = &m.last_error { br; span.error { (t_args(lang, "admin-mailbox-error", &[("error", Arg::Str(e))])) } }
                    } @else {
                        (t(lang, "admin-mailbox-no-imap"))
                    }
                }
                @if let Some((_, answer)) = v.tested.as_ref().filter(|(tid, _)| *tid == m.id) {
                    @match answer {
                        Ok(d) => p.notice role="status" { (t_args(lang, "admin-mailbox-test-ok", &[("detail", Arg::Str(d))])) },
                        Err(e) => p.warning role="alert" { (t_args(lang, "admin-mailbox-test-failed", &[("detail", Arg::Str(e))])) },
                    }
                }
                form.settings method="post" action={ "/admin/mailboxes/" (m.id) } {
                    (csrf_field(agent))
                    (row(&id("name"), &t(lang, "admin-mailbox-name"), html! { input id=(id("name")) type="text" name="name" value=(val.name) required; }, None, Problem::at(problem, form, "name")))
                    (row(&id("imap"), &t(lang, "admin-mailbox-imap"), html! {
                        input id=(id("imap")) type="password" name="imap" placeholder=(t(lang, "admin-mailbox-imap-kept")) autocomplete="off";
                    }, Some(&t(lang, "admin-mailbox-imap-help")), Problem::at(problem, form, "imap")))
                    (row(&id("signature"), &t(lang, "admin-mailbox-signature"), html! { textarea id=(id("signature")) name="signature" rows="3" { (val.signature) } }, None, None))
                    (row(&id("ack"), &t(lang, "admin-ack-enabled"), html! { input id=(id("ack")) type="checkbox" name="ack_enabled" value="1" checked[val.ack_enabled]; }, Some(&t(lang, "admin-ack-help")), None))
                    (row(&id("ack-subject"), &t(lang, "admin-ack-subject"), html! {
                        input id=(id("ack-subject")) type="text" name="ack_subject" value=(val.ack_subject) placeholder=(t(lang, "admin-ack-default"));
                    }, None, Problem::at(problem, form, "ack_subject")))
                    (row(&id("ack-body"), &t(lang, "admin-ack-body"), html! {
                        textarea id=(id("ack-body")) name="ack_body" rows="6" placeholder=(t(lang, "admin-ack-default")) { (val.ack_body) }
                    }, Some(&t_args(lang, "admin-ack-variables", &[("list", Arg::Str(&variables))])), Problem::at(problem, form, "ack_body")))
                    (row(&id("language"), &t(lang, "admin-mailbox-language"), html! {
                        select id=(id("language")) name="language" {
                            option value="" selected[val.language.is_empty()] { (t(lang, "admin-installation-default")) }
                            @for l in Lang::ALL { option value=(l.code()) selected[val.language == l.code()] { (l.native_name()) } }
                        }
                    }, Some(&t(lang, "admin-mailbox-language-help")), Problem::at(problem, form, "language")))
                    (row(&id("time-zone"), &t(lang, "admin-mailbox-time-zone"), html! {
                        input id=(id("time-zone")) type="text" name="time_zone" list="time-zones" value=(val.time_zone) autocomplete="off";
                    }, Some(&t(lang, "admin-mailbox-time-zone-help")), Problem::at(problem, form, "time_zone")))
                    @let version_problem = problem.filter(|p| p.form == form && (p.field.starts_with("ack_subject_") || p.field.starts_with("ack_body_")));
                    details.versions open[!val.versions.is_empty() || version_problem.is_some()] {
                        summary { (t(lang, "admin-ack-versions")) }
                        p.help { (t(lang, "admin-ack-versions-help")) }
                        @for l in Lang::ALL {
                            @let (vs, vb) = val.versions.get(l.code()).cloned().unwrap_or_default();
                            fieldset.version lang=(l.code()) {
                                legend { (l.native_name()) }
                                (row(&id(&format!("ack-subject-{}", l.code())), &t(lang, "admin-ack-subject"), html! {
                                    input id=(id(&format!("ack-subject-{}", l.code()))) type="text" name={ "ack_subject_" (l.code()) } value=(vs) placeholder=(t(lang, "admin-ack-default"));
                                }, None, Problem::at(problem, form, &format!("ack_subject_{}", l.code()))))
                                (row(&id(&format!("ack-body-{}", l.code())), &t(lang, "admin-ack-body"), html! {
                                    textarea id=(id(&format!("ack-body-{}", l.code()))) name={ "ack_body_" (l.code()) } rows="4" placeholder=(t(lang, "admin-ack-default")) { (vb) }
                                }, None, Problem::at(problem, form, &format!("ack_body_{}", l.code()))))
                            }
                        }
                    }
                    (row(&id("hours"), &t(lang, "admin-support-hours"), html! { input id=(id("hours")) type="text" name="support_hours" value=(val.support_hours); }, None, None))
                    (row(&id("response"), &t(lang, "admin-response-time"), html! { input id=(id("response")) type="text" name="response_time" value=(val.response_time); }, None, None))
                    (row(&id("contacts"), &t(lang, "admin-alternative-contacts"), html! { input id=(id("contacts")) type="text" name="alternative_contacts" value=(val.alternative_contacts); }, None, None))
                    div.actions { button type="submit" { (t(lang, "admin-agent-save")) } }
                }
                @if m.imap_url.is_some() {
                    form.inline method="post" action={ "/admin/mailboxes/" (m.id) "/test" } { (csrf_field(agent)) button.secondary type="submit" { (t(lang, "admin-mailbox-test")) } }
                }
            }
        }
        datalist id="time-zones" { @for z in podpora_domain::calendar::zone_names() { option value=(z) {} } }
        h2 { (t(lang, "admin-mailbox-add")) }
        form.settings method="post" action="/admin/mailboxes" id="mailbox-new" {
            (csrf_field(agent))
            (row("new-address", &t(lang, "admin-mailbox-address"), html! { input id="new-address" type="email" name="address" value=(v.add.address) required; }, None, Problem::at(problem, None, "address")))
            (row("new-name", &t(lang, "admin-mailbox-name"), html! { input id="new-name" type="text" name="name" value=(v.add.name); }, Some(&t(lang, "admin-mailbox-name-help")), Problem::at(problem, None, "name")))
            (row("new-imap", &t(lang, "admin-mailbox-imap"), html! { input id="new-imap" type="password" name="imap" autocomplete="off"; }, Some(&t(lang, "admin-mailbox-imap-help")), Problem::at(problem, None, "imap")))
            div.actions { button type="submit" { (t(lang, "admin-mailbox-add")) } }
        }
    };
    let r = page(agent, Page::Mailboxes, v.notice, content);
    if v.problem.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

fn field_of(key: &str) -> Option<&'static str> {
    match key {
        "error-invalid-address" => Some("address"),
        "error-template" => Some("ack_body"),
        "error-ack-subject" => Some("ack_subject"),
        "error-imap-url" => Some("imap"),
        "error-name-required" => Some("name"),
        _ => None,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    imap: String,
}

pub async fn add(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<AddForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let added = async {
        let address = EmailAddress::parse(&f.address)?;
        let imap = Some(f.imap.trim()).filter(|u| !u.is_empty());
        admin::add_mailbox(&state.room, &admin, &NewMailbox { address, name: &f.name, imap }).await
    };
    match added.await {
        Ok(_) => Redirect::to("/admin/mailboxes?ok=saved").into_response(),
        Err(e) => {
            let problem = ui_try!(lang, Problem::of(lang, None, e, field_of, "address"));
            // (The IMAP URL holds a password: it is not sent back.)
            let add = AddForm { imap: String::new(), ..f };
            render(&state, &agent, &View { problem: Some(problem), add, ..Default::default() }).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    imap: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    ack_enabled: String,
    #[serde(default)]
    ack_subject: String,
    #[serde(default)]
    ack_body: String,
    #[serde(default)]
    support_hours: String,
    #[serde(default)]
    response_time: String,
    #[serde(default)]
    alternative_contacts: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
    /// The rest of the form: `ack_subject_<code>` and `ack_body_<code>` for each language.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

pub async fn change(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, f): CsrfForm<ChangeForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let typed = Values {
        name: f.name,
        signature: f.signature,
        ack_enabled: f.ack_enabled == "1",
        ack_subject: f.ack_subject,
        ack_body: f.ack_body,
        support_hours: f.support_hours,
        response_time: f.response_time,
        alternative_contacts: f.alternative_contacts,
        language: f.language,
        time_zone: f.time_zone,
        versions: Lang::ALL
            .iter()
            .map(|l| {
                let part = |name: &str| f.rest.get(&format!("{name}_{}", l.code())).cloned().unwrap_or_default();
                (l.code().to_string(), (part("ack_subject"), part("ack_body")))
            })
            .filter(|(_, (s, b))| !s.trim().is_empty() || !b.trim().is_empty())
            .collect(),
    };
    let change = MailboxChange {
        name: Some(typed.name.clone()),
        signature: typed.signature.clone(),
        imap: Some(f.imap),
        ack: AckSettingsChange {
            enabled: Some(typed.ack_enabled),
            subject: Some(typed.ack_subject.clone()),
            body: Some(typed.ack_body.clone()),
            support_hours: Some(typed.support_hours.clone()),
            response_time: Some(typed.response_time.clone()),
            alternative_contacts: Some(typed.alternative_contacts.clone()),
            language: Some(typed.language.clone()),
            time_zone: Some(typed.time_zone.clone()),
            versions: Some(
                typed.versions.iter().map(|(l, (s, b))| (l.clone(), AckVersionChange { subject: s.clone(), body: b.clone() })).collect(),
            ),
        },
    };
    match admin::change_mailbox(&state.room, &admin, id, &change).await {
        Ok(_) => Redirect::to("/admin/mailboxes?ok=saved").into_response(),
        Err(e) => {
            let problem = ui_try!(lang, Problem::of(lang, Some(id), e, field_of, "name"));
            render(&state, &agent, &View { problem: Some(problem), edited: Some((id, typed)), ..Default::default() }).await
        }
    }
}

/// Tries the mailbox's IMAP login and shows the server's answer beside it.
pub async fn test(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<NoFields>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let answer = ui_try!(lang, admin::test_mailbox(&state.room, &admin, id).await);
    render(&state, &agent, &View { tested: Some((id, answer)), ..Default::default() }).await
}
