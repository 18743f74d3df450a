//! The agent and admin UI: server-rendered HTML (maud, escaped by default) with one small script
//! for live updates and keyboard shortcuts. No build step; assets are compiled into the binary.
//! Every page is served with a strict Content-Security-Policy (scripts and styles only from our
//! origin, no inline script); incoming mail HTML is shown only inside a sandboxed frame (see `frame`).

pub mod account;
pub mod admin;
pub mod forms;
pub mod frame;
pub mod inbox;
pub mod kb;
pub mod live;
pub mod session;
pub mod ticket;

use crate::AppState;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::Lang;
use serde::Deserialize;
use session::Agent;

/// What can go wrong in a UI request, shown to the agent as a page in their language.
#[derive(Debug)]
pub enum UiError {
    NotFound,
    Forbidden,
    /// Not allowed, with the reason (in the agent's language).
    Refused(podpora_commands::Reason),
    Csrf,
    /// A message from lower layers (already worded for a person, in English).
    Invalid(String),
    /// A message from the catalogue, in the agent's language.
    Msg(&'static str, Vec<(&'static str, String)>),
    Store(podpora_store::StoreError),
    Mail(podpora_mail::MailError),
}

impl From<podpora_store::StoreError> for UiError {
    fn from(e: podpora_store::StoreError) -> Self {
        match e {
            podpora_store::StoreError::NotFound => UiError::NotFound,
            podpora_store::StoreError::Conflict(m) => UiError::Invalid(m),
            e => UiError::Store(e),
        }
    }
}

impl From<podpora_mail::MailError> for UiError {
    fn from(e: podpora_mail::MailError) -> Self {
        match e {
            podpora_mail::MailError::Store(s) => s.into(),
            podpora_mail::MailError::Rejected(m) => UiError::Invalid(m),
            e => UiError::Mail(e),
        }
    }
}

impl From<podpora_domain::DomainError> for UiError {
    fn from(e: podpora_domain::DomainError) -> Self {
        podpora_commands::CommandError::from(e).into()
    }
}

impl From<podpora_commands::CommandError> for UiError {
    fn from(e: podpora_commands::CommandError) -> Self {
        use podpora_commands::CommandError as C;
        match e {
            C::NotFound(_) => UiError::NotFound,
            C::Forbidden(r) => UiError::Refused(r),
            C::Invalid(r) | C::Conflict(r) => UiError::Msg(r.key, r.args),
            C::Collision { name } => UiError::Msg("reply-collision", vec![("name", name)]),
            C::Storage(s) => UiError::Store(s),
            C::Temporary(m) => UiError::Mail(podpora_mail::MailError::Temporary(m)),
        }
    }
}

impl UiError {
    /// A catalogue message without arguments.
    pub fn msg(key: &'static str) -> UiError {
        UiError::Msg(key, Vec::new())
    }
}

/// Renders an error page (the status says what kind; the text is the agent's language).
pub fn page_error(lang: Lang, e: UiError) -> Response {
    let (status, text) = match &e {
        UiError::NotFound => (StatusCode::NOT_FOUND, t(lang, "not-found")),
        UiError::Forbidden => (StatusCode::FORBIDDEN, t(lang, "forbidden")),
        UiError::Refused(r) => (StatusCode::FORBIDDEN, r.text(lang)),
        UiError::Csrf => (StatusCode::FORBIDDEN, t(lang, "csrf-failed")),
        UiError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
        UiError::Msg(key, args) => {
            let args: Vec<(&str, Arg<'_>)> = args.iter().map(|(k, v)| (*k, Arg::Str(v))).collect();
            (StatusCode::UNPROCESSABLE_ENTITY, t_args(lang, key, &args))
        }
        UiError::Store(err) => {
            tracing::error!(error = %err, "storage error in UI");
            (StatusCode::SERVICE_UNAVAILABLE, t(lang, "error-storage"))
        }
        UiError::Mail(err) => {
            tracing::error!(error = %err, "mail error in UI");
            (StatusCode::SERVICE_UNAVAILABLE, t(lang, "error-storage"))
        }
    };
    let body = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { (t(lang, "error-title")) } link rel="stylesheet" href="/assets/app.css"; }
            body.error-page { main { h1 { (t(lang, "error-title")) } p.error { (text) } p { a href="/inbox" { (t(lang, "nav-inbox")) } } } }
        }
    };
    (status, Html(body.into_string())).into_response()
}

/// `?`-like early return of an error page in the agent's language.
#[macro_export]
macro_rules! ui_try {
    ($lang:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return $crate::ui::page_error($lang, e.into()),
        }
    };
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/inbox") }))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/assets/app.css", get(|| async { asset("text/css; charset=utf-8", include_str!("../../assets/app.css")) }))
        .route("/assets/app.js", get(|| async { asset("text/javascript; charset=utf-8", include_str!("../../assets/app.js")) }))
        .route("/inbox", get(inbox::page))
        .route("/inbox/bulk", post(inbox::bulk))
        .route("/t/{number}", get(ticket::page))
        .route("/t/{number}/reply", post(ticket::reply))
        .route("/t/{number}/update", post(ticket::update))
        .route("/t/{number}/merge", post(ticket::merge))
        .route("/t/{number}/split", post(ticket::split))
        .route("/t/{number}/handover", post(ticket::handover))
        .route("/t/{number}/customer", post(ticket::customer))
        .route("/t/{number}/account-manager", post(ticket::account_manager))
        .route("/t/{number}/canned/{id}", get(ticket::canned_text))
        .route("/t/{number}/presence", post(live::presence))
        .route("/m/{id}/frame", get(frame::message_frame))
        .route("/m/{id}/image", get(frame::remote_image))
        .route("/m/{id}/raw", get(frame::raw_mail))
        .route("/a/{id}", get(frame::attachment))
        .route("/a/{id}/inline", get(frame::inline_image))
        .route("/live", get(live::stream))
        .route("/account", get(account::account).post(account::account_save))
        .route("/account/password", post(account::password))
        .route("/account/status", post(account::status))
        .route("/canned", get(account::canned_page).post(account::canned_add))
        .route("/canned/{id}/delete", post(account::canned_delete))
        .route("/kb", get(kb::list).post(kb::create))
        .route("/kb/new", get(kb::new))
        .route("/kb/preview", post(kb::preview))
        .route("/kb/brand", post(kb::brand))
        .route("/kb/categories", post(kb::add_category))
        .route("/kb/categories/{id}", post(kb::change_category))
        .route("/kb/categories/{id}/delete", post(kb::delete_category))
        .route("/kb/{id}", get(kb::edit).post(kb::update))
        .route("/kb/{id}/history", get(kb::history))
        .route("/kb/{id}/restore/{version}", post(kb::restore))
        .route("/kb/{id}/delete", post(kb::delete))
        .route("/admin", get(admin::overview::show))
        .route("/admin/language", post(admin::overview::set_language))
        .route("/admin/mailboxes", get(admin::mailboxes::list).post(admin::mailboxes::add))
        .route("/admin/mailboxes/{id}", post(admin::mailboxes::change))
        .route("/admin/mailboxes/{id}/test", post(admin::mailboxes::test))
        .route("/admin/agents", get(admin::agents::list).post(admin::agents::add))
        .route("/admin/agents/{id}", post(admin::agents::change))
        .route("/admin/teams", get(admin::teams::list).post(admin::teams::add))
        .route("/admin/teams/{id}", post(admin::teams::members))
        .route("/admin/routing", get(admin::routing::list))
        .route("/admin/routing/mailbox/{id}", post(admin::routing::change_mailbox))
        .route("/admin/routing/team/{id}", post(admin::routing::change_team))
        .route("/admin/organisations", get(admin::organisations::list).post(admin::organisations::add))
        .route("/admin/organisations/{id}", post(admin::organisations::change))
        .route("/admin/rules", get(admin::rules::list))
        .route("/admin/rules/new", get(admin::rules::new).post(admin::rules::create))
        .route("/admin/rules/{id}", get(admin::rules::edit).post(admin::rules::update))
        .route("/admin/rules/{id}/{what}", post(admin::rules::act))
        .route("/admin/sla", get(admin::sla::list))
        .route("/admin/sla/calendars/{id}", get(admin::sla::calendar).post(admin::sla::save_calendar))
        .route("/admin/sla/calendars/{id}/holidays", post(admin::sla::add_holidays))
        .route("/admin/sla/calendars/{id}/delete", post(admin::sla::delete_calendar))
        .route("/admin/sla/policies/{id}", get(admin::sla::policy).post(admin::sla::save_policy))
        .route("/admin/sla/policies/{id}/delete", post(admin::sla::delete_policy))
        .route("/admin/tags", get(admin::tags::list).post(admin::tags::rename))
        .route("/admin/mail", get(admin::mail::list))
        .route("/admin/inbound/{id}/raw", get(admin::mail::raw))
        .route("/admin/inbound/{id}/reprocess", post(admin::mail::reprocess))
}

pub(crate) fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=300")], body).into_response()
}

/// Security headers for every UI page.
pub fn secure_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// Messages a redirect may ask the next page to show (only these keys: no text from the URL).
const NOTICES: &[&str] = &[
    "saved",
    "reply-sent",
    "reply-noted",
    "bulk-none",
    "bulk-merge-needs-two",
    "account-password-changed",
    "admin-agent-created",
    "ticket-merge-done",
];

pub fn notice(lang: Lang, key: Option<&str>) -> Option<String> {
    key.filter(|k| NOTICES.contains(k)).map(|k| t(lang, k))
}

/// The page frame: navigation, the agent's name, and the content.
pub fn layout(agent: &Agent, title: &str, body_class: &str, content: Markup) -> Response {
    let lang = agent.lang;
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · podpora" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body class=(body_class) data-csrf=(agent.csrf) data-user=(agent.user().id) {
                header.top {
                    a.brand href="/inbox" { "podpora" }
                    nav {
                        a href="/inbox" { (t(lang, "nav-inbox")) }
                        a href="/canned" { (t(lang, "canned-title")) }
                        a href="/kb" { (t(lang, "kb-title")) }
                        @if agent.access().is_admin() { a href="/admin" { (t(lang, "nav-admin")) } }
                        a href="/account" { (agent.user().name) }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="_csrf" value=(agent.csrf);
                            button.link type="submit" { (t(lang, "nav-logout")) }
                        }
                    }
                }
                main { (content) }
            }
        }
    };
    secure_headers(Html(page.into_string()).into_response())
}

pub fn csrf_field(agent: &Agent) -> Markup {
    html! { input type="hidden" name="_csrf" value=(agent.csrf); }
}

/// "5 min ago" style, for lists; the exact time is in the title attribute.
pub fn ago(lang: Lang, ms: i64) -> String {
    let d = (podpora_store::now_ms() - ms).max(0) / 1000;
    match d {
        0..=59 => t(lang, "time-just-now"),
        60..=3599 => t_args(lang, "time-minutes-ago", &[("n", Arg::Num(d / 60))]),
        3600..=86_399 => t_args(lang, "time-hours-ago", &[("n", Arg::Num(d / 3600))]),
        _ => t_args(lang, "time-days-ago", &[("n", Arg::Num(d / 86_400))]),
    }
}

/// A span of time in short units: "3 d 4 h", "2 h 10 min", "5 min".
pub(crate) fn span_text(ms: i64) -> String {
    let m = ms.max(0) / 60_000;
    match (m / 1440, m % 1440 / 60, m % 60) {
        (0, 0, min) => format!("{min} min"),
        (0, h, min) => format!("{h} h {min} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// A ticket's nearest SLA due time, as the inbox and the ticket show it: time left, warned
/// (within the warning time) or overdue; nothing while there is no due time.
pub fn sla_badge(agent: &session::Agent, ticket: &podpora_store::tickets::Ticket) -> Markup {
    let Some(due) = ticket.sla_due_at else { return html! {} };
    due_span(agent, due, ticket.sla_warn_at.is_some_and(|w| podpora_store::now_ms() >= w))
}

/// A due time as time left ("2 h 10 min left"; amber when `warn`) or, once it passed, as
/// "overdue by …" in red; the exact time on hover.
pub fn due_span(agent: &session::Agent, due: i64, warn: bool) -> Markup {
    let lang = agent.lang;
    let now = podpora_store::now_ms();
    let (class, text) = if now > due {
        ("sla sla-late", t_args(lang, "sla-overdue", &[("time", Arg::Str(&span_text(now - due)))]))
    } else {
        (if warn { "sla sla-warn" } else { "sla" }, t_args(lang, "sla-due-in", &[("time", Arg::Str(&span_text(due - now)))]))
    };
    html! { span class=(class) title=(exact_time(agent, due)) { (text) } }
}

/// A moment as the agent reads it: in their language and the time zone of their working hours
/// (UTC, said so, when they have none).
pub fn exact_time(agent: &session::Agent, ms: i64) -> String {
    let zone = agent.user().profile.time_zone.as_str();
    if zone.is_empty() || zone == "UTC" {
        format!("{} UTC", podpora_domain::i18n::date_time(agent.lang, ms, "UTC"))
    } else {
        podpora_domain::i18n::date_time(agent.lang, ms, zone)
    }
}

pub fn status_label(lang: Lang, s: podpora_domain::TicketStatus) -> String {
    t(lang, &format!("status-{}", s.as_str()))
}

pub fn priority_label(lang: Lang, p: podpora_domain::Priority) -> String {
    t(lang, &format!("priority-{}", p.as_str()))
}

pub fn raw(s: &str) -> PreEscaped<&str> {
    PreEscaped(s)
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    error: Option<String>,
}

/// The language a browser asks for, when we have it.
pub fn browser_lang(headers: &axum::http::HeaderMap) -> Option<Lang> {
    Lang::from_header(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or(""))
}

/// A visitor's language (not logged in): their browser's when we have it, else the installation's.
async fn visitor_lang(state: &AppState, headers: &axum::http::HeaderMap) -> Lang {
    match browser_lang(headers) {
        Some(l) => l,
        None => podpora_commands::admin::default_language(&state.room).await.unwrap_or(Lang::En),
    }
}

async fn login_page(State(state): State<AppState>, headers: axum::http::HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = visitor_lang(&state, &headers).await;
    login_form(
        lang,
        q.next.as_deref().unwrap_or("/inbox"),
        q.error.as_deref().filter(|e| ["login-failed", "login-throttled", "login-disabled"].contains(e)),
        StatusCode::OK,
    )
}

fn login_form(lang: Lang, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { (t(lang, "login-title")) " · podpora" } link rel="stylesheet" href="/assets/app.css"; }
            body.login {
                main.login-box {
                    h1 { "podpora" }
                    @if let Some(e) = error { p.error role="alert" { (t(lang, e)) } }
                    form method="post" action="/login" {
                        input type="hidden" name="next" value=(next);
                        label { (t(lang, "login-email")) input type="email" name="email" autocomplete="username" required autofocus; }
                        label { (t(lang, "login-password")) input type="password" name="password" autocomplete="current-password" required; }
                        button type="submit" { (t(lang, "login-submit")) }
                    }
                }
            }
        }
    };
    secure_headers((status, Html(page.into_string())).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// The login form needs no CSRF token (there is no session yet); SameSite cookies and the
/// throttle cover login CSRF and guessing.
async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = visitor_lang(&state, &headers).await;
    match session::login(&state, &f.email, &f.password, &addr.ip().to_string(), &f.next).await {
        Ok(session::LoginOutcome::LoggedIn(r)) => r,
        Ok(session::LoginOutcome::Failed(key)) => {
            let status = if key == "login-throttled" { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
            login_form(lang, &f.next, Some(key), status)
        }
        Err(e) => page_error(lang, e),
    }
}

async fn logout(State(state): State<AppState>, forms::CsrfForm(agent, _): forms::CsrfForm<forms::NoFields>) -> Response {
    session::logout(&state, &agent).await.unwrap_or_else(|e| page_error(agent.lang, e))
}
