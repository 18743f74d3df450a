//! The admin overview: what is set up and what is missing (a support address, how mail comes in
//! and goes out, TLS, the public URL, agents), each with where to change it; and the
//! installation's default language.

use super::{admin_of, page, row, Notice, Page};
use crate::ui::csrf_field;
use crate::ui::forms::CsrfForm;
use crate::ui::session::Agent;
use crate::ui_try;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use podpora_commands::{admin, directory};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::Lang;
use podpora_store::inbound::InboundStatus;

/// How one part of the setup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Done,
    /// Works, but not as it should for real customers.
    Warning,
    Missing,
}

/// One line of the overview: how it stands, what it says, where to act.
pub struct Check {
    pub standing: Standing,
    pub text: String,
    pub link: Option<(&'static str, String)>,
}

fn check(standing: Standing, text: String, link: Option<(&'static str, String)>) -> Check {
    Check { standing, text, link }
}

pub async fn show(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let room = &state.room;
    let setup = &state.setup;
    let boxes = ui_try!(lang, directory::mailboxes(room, &agent.actor).await);
    let agents = ui_try!(lang, directory::agents(room, &agent.actor).await);
    let aside = ui_try!(lang, admin::inbound(room, &agent.actor, InboundStatus::SetAside, 1000).await).len();
    let failed = ui_try!(lang, admin::outbox_health(room, &admin).await).failed;
    let link = |page: Page, key: &str| Some((page.path(), t(lang, key)));
    let mut checks = Vec::new();

    // Incoming mail: at least one support address, and every IMAP mailbox fetching.
    if boxes.is_empty() {
        checks.push(check(Standing::Missing, t(lang, "setup-no-mailbox"), link(Page::Mailboxes, "admin-mailbox-add")));
    } else {
        let names = boxes.iter().map(|m| m.address.to_string()).collect::<Vec<_>>().join(", ");
        checks.push(check(
            Standing::Done,
            t_args(lang, "setup-mailboxes", &[("list", Arg::Str(&names))]),
            link(Page::Mailboxes, "admin-mailboxes"),
        ));
    }
    for m in boxes.iter().filter(|m| m.imap_url.is_some() && m.last_error.is_some()) {
        let error = m.last_error.as_deref().unwrap_or_default();
        checks.push(check(
            Standing::Warning,
            t_args(lang, "setup-imap-error", &[("address", Arg::Str(m.address.as_str())), ("error", Arg::Str(error))]),
            link(Page::Mailboxes, "admin-mailbox-test"),
        ));
    }
    checks.push(match (&setup.smtp_listen, setup.smtp_tls) {
        (Some(addr), true) => check(Standing::Done, t_args(lang, "setup-smtp-tls", &[("addr", Arg::Str(addr))]), None),
        (Some(addr), false) if is_loopback(addr) => {
            check(Standing::Done, t_args(lang, "setup-smtp-local", &[("addr", Arg::Str(addr))]), None)
        }
        (Some(addr), false) => check(Standing::Warning, t_args(lang, "setup-smtp-no-tls", &[("addr", Arg::Str(addr))]), None),
        (None, _) => check(Standing::Done, t(lang, "setup-smtp-off"), None),
    });

    // Outgoing mail: a relay, or files nobody sends.
    checks.push(if setup.relay {
        check(Standing::Done, t_args(lang, "setup-relay", &[("relay", Arg::Str(&setup.outbound))]), link(Page::Mail, "admin-mail"))
    } else {
        check(Standing::Missing, t_args(lang, "setup-no-relay", &[("detail", Arg::Str(&setup.outbound))]), link(Page::Mail, "admin-mail"))
    });
    if failed > 0 {
        checks.push(check(
            Standing::Warning,
            t_args(lang, "setup-failed-mail", &[("count", Arg::Num(failed))]),
            link(Page::Mail, "admin-mail"),
        ));
    }
    if aside > 0 {
        checks.push(check(
            Standing::Warning,
            t_args(lang, "setup-set-aside", &[("count", Arg::Num(aside as i64))]),
            link(Page::Mail, "admin-set-aside"),
        ));
    }

    // The address in links of every mail we send.
    let url = room.public_url.as_str();
    checks.push(if !setup.public_url_set {
        check(Standing::Missing, t_args(lang, "setup-public-url-unset", &[("url", Arg::Str(url))]), None)
    } else if !url.starts_with("https://") {
        check(Standing::Warning, t_args(lang, "setup-public-url-http", &[("url", Arg::Str(url))]), None)
    } else {
        check(Standing::Done, t_args(lang, "setup-public-url", &[("url", Arg::Str(url))]), None)
    });

    // Colleagues.
    let active = agents.iter().filter(|a| !a.disabled).count() as i64;
    checks.push(if active > 1 {
        check(Standing::Done, t_args(lang, "setup-agents", &[("count", Arg::Num(active))]), link(Page::Agents, "admin-agents"))
    } else {
        check(Standing::Missing, t(lang, "setup-only-you"), link(Page::Agents, "admin-add-agent"))
    });

    let default = ui_try!(lang, admin::default_language(room).await);
    let content = html! {
        (checklist(lang, &checks))
        form.settings method="post" action="/admin/language" {
            (csrf_field(&agent))
            (row("default-language", &t(lang, "admin-default-language"), html! {
                select id="default-language" name="language" {
                    @for l in Lang::ALL { option value=(l.code()) selected[*l == default] { (l.native_name()) } }
                }
            }, Some(&t(lang, "admin-default-language-help")), None))
            div.actions { button type="submit" { (t(lang, "admin-agent-save")) } }
        }
    };
    page(&agent, Page::Overview, n.ok.as_deref(), content)
}

#[derive(Debug, serde::Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// Sets the installation's default language.
pub async fn set_language(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<LanguageForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    ui_try!(lang, admin::set_default_language(&state.room, &admin, &f.language).await);
    Redirect::to("/admin?ok=saved").into_response()
}

fn checklist(lang: podpora_domain::Lang, checks: &[Check]) -> Markup {
    html! {
        ul.setup {
            @for c in checks {
                @let (class, label) = match c.standing {
                    Standing::Done => ("done", t(lang, "setup-done")),
                    Standing::Warning => ("warning", t(lang, "setup-warning")),
                    Standing::Missing => ("missing", t(lang, "setup-missing")),
                };
                li class=(class) {
                    span.standing { (label) } " " (c.text)
                    @if let Some((href, text)) = &c.link { " " a href=(href) { (text) } }
                }
            }
        }
    }
}

/// An SMTP listener only this machine can reach needs no TLS of its own.
fn is_loopback(addr: &str) -> bool {
    addr.parse::<std::net::SocketAddr>().is_ok_and(|a| a.ip().is_loopback())
}
