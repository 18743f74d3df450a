//! The admin area: one page per subject with a side navigation — the overview of what is set up
//! and what is missing, mailboxes, agents, teams, organisations, routing, rules, business hours and SLAs, tags, and mail (outgoing status, set-aside
//! mail). Each page is a module with its handlers; each change is one admin command
//! (`podpora_commands::admin`, `podpora_commands::accounts`). Forms have aligned labels, help
//! text, and show a refused value's error beside its field with what was typed kept.

pub mod agents;
pub mod mail;
pub mod mailboxes;
pub mod organisations;
pub mod overview;
pub mod routing;
pub mod rules;
pub mod sla;
pub mod tags;
pub mod teams;

use super::session::Agent;
use super::{layout, notice, UiError};
use maud::{html, Markup};
use podpora_commands::admin::Admin;
use podpora_commands::CommandError;
use podpora_domain::i18n::t;
use podpora_domain::Lang;
use serde::Deserialize;

/// The admin pages, in the order of the side navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Overview,
    Mailboxes,
    Agents,
    Teams,
    Organisations,
    Routing,
    Rules,
    Sla,
    Tags,
    Mail,
}

impl Page {
    pub const ALL: &'static [Page] = &[
        Page::Overview,
        Page::Mailboxes,
        Page::Agents,
        Page::Teams,
        Page::Organisations,
        Page::Routing,
        Page::Rules,
        Page::Sla,
        Page::Tags,
        Page::Mail,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Page::Overview => "/admin",
            Page::Mailboxes => "/admin/mailboxes",
            Page::Agents => "/admin/agents",
            Page::Teams => "/admin/teams",
            Page::Organisations => "/admin/organisations",
            Page::Routing => "/admin/routing",
            Page::Rules => "/admin/rules",
            Page::Sla => "/admin/sla",
            Page::Tags => "/admin/tags",
            Page::Mail => "/admin/mail",
        }
    }

    fn title_key(self) -> &'static str {
        match self {
            Page::Overview => "admin-overview",
            Page::Mailboxes => "admin-mailboxes",
            Page::Agents => "admin-agents",
            Page::Teams => "admin-teams",
            Page::Organisations => "admin-organisations",
            Page::Routing => "admin-routing",
            Page::Rules => "admin-rules",
            Page::Sla => "admin-sla",
            Page::Tags => "admin-tags",
            Page::Mail => "admin-mail",
        }
    }
}

/// `?ok=` after a redirect: only catalogue keys the UI allows.
#[derive(Deserialize, Default)]
pub struct Notice {
    pub ok: Option<String>,
}

/// The admin proof of the agent, or "you may not do this".
pub fn admin_of(agent: &Agent) -> Result<Admin, UiError> {
    Ok(agent.actor.admin()?)
}

/// An admin page: the side navigation, the page's title, a notice, and the content.
pub fn page(agent: &Agent, current: Page, notice_key: Option<&str>, content: Markup) -> axum::response::Response {
    let lang = agent.lang;
    let title = t(lang, current.title_key());
    let body = html! {
        div.admin-layout {
            nav.admin-nav aria-label=(t(lang, "admin-title")) {
                ul {
                    @for p in Page::ALL {
                        li { a href=(p.path()) aria-current=[(*p == current).then_some("page")] { (t(lang, p.title_key())) } }
                    }
                }
            }
            section.admin {
                h1 { (title) }
                @if let Some(n) = notice(lang, notice_key) { p.notice role="status" { (n) } }
                (content)
            }
        }
    };
    layout(agent, &format!("{} · {title}", t(lang, "admin-title")), "page-admin", body)
}

/// A refused form: which form (`None`: the form to add), which field, and why, in the agent's words.
#[derive(Debug, Clone)]
pub struct Problem {
    pub form: Option<i64>,
    pub field: String,
    pub message: String,
}

impl Problem {
    /// The error of a command, put beside the field it is about: the one its reason names (a
    /// `field` argument, as commands give it), else the one `field_of` maps its catalogue key to,
    /// else `default_field`.
    pub fn of(
        lang: Lang,
        form: Option<i64>,
        e: CommandError,
        field_of: fn(&str) -> Option<&'static str>,
        default_field: &'static str,
    ) -> Result<Problem, UiError> {
        match e {
            CommandError::Invalid(r) | CommandError::Conflict(r) => {
                let named = r.args.iter().find(|(k, _)| *k == "field").map(|(_, v)| v.clone());
                let field = named.or_else(|| field_of(r.key).map(str::to_string)).unwrap_or_else(|| default_field.to_string());
                Ok(Problem { form, field, message: r.text(lang) })
            }
            other => Err(other.into()),
        }
    }

    /// The message for this field of this form, if that is where the problem is.
    pub fn at(problem: Option<&Problem>, form: Option<i64>, field: &str) -> Option<String> {
        problem.filter(|p| p.form == form && p.field == field).map(|p| p.message.clone())
    }
}

/// One row of a settings form: the label, the control, help text and a refused value's error.
pub fn row(id: &str, label: &str, control: Markup, help: Option<&str>, error: Option<String>) -> Markup {
    html! {
        div class=@if error.is_some() { "field has-error" } @else { "field" } {
            label for=(id) { (label) }
            div.control {
                (control)
                @if let Some(h) = help { p.help { (h) } }
                @if let Some(e) = error { p.field-error role="alert" { (e) } }
            }
        }
    }
}
