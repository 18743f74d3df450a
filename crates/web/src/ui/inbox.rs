//! The shared inbox: views (unassigned, mine, open, pending, solved, closed, all) with counts,
//! filters by mailbox/tag/priority, search, oldest/newest order remembered per agent, keyset
//! paging (fast at any depth), bulk actions. Every filter value comes from an allow-list or is
//! a typed value; no request text reaches SQL.

use super::forms::CsrfForm;
use super::session::Agent;
use super::{ago, csrf_field, exact_time, layout, notice, page_error, priority_label, status_label, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_commands::tickets::{self as desk, BulkAction, BulkOutcome};
use podpora_commands::{directory, CommandError};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::{Lang, Priority, Tag, TicketNumber, TicketStatus};
use podpora_store::mailboxes;
use podpora_store::tickets::{AssigneeFilter, Sort, TicketQuery};
use serde::Deserialize;

/// The views of the inbox, in the order of the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Unassigned,
    Mine,
    Open,
    Pending,
    Solved,
    Closed,
    All,
}

impl View {
    pub const ALL: &'static [View] = &[View::Unassigned, View::Mine, View::Open, View::Pending, View::Solved, View::Closed, View::All];

    pub fn key(self) -> &'static str {
        match self {
            View::Unassigned => "unassigned",
            View::Mine => "mine",
            View::Open => "open",
            View::Pending => "pending",
            View::Solved => "solved",
            View::Closed => "closed",
            View::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.iter().copied().find(|v| v.key() == s)
    }

    /// The query of this view for an agent.
    pub fn query(self, agent: &Agent) -> TicketQuery {
        let everything = desk::query(&agent.actor);
        let active = vec![TicketStatus::New, TicketStatus::Open];
        let (statuses, assignee) = match self {
            View::Unassigned => (active, Some(AssigneeFilter::Nobody)),
            View::Mine => (vec![TicketStatus::New, TicketStatus::Open, TicketStatus::Pending], Some(AssigneeFilter::User(agent.user().id))),
            View::Open => (active, None),
            View::Pending => (vec![TicketStatus::Pending], None),
            View::Solved => (vec![TicketStatus::Solved], None),
            View::Closed => (vec![TicketStatus::Closed], None),
            View::All => (vec![], None),
        };
        TicketQuery { statuses, assignee, limit: 50, ..everything }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct InboxParams {
    view: Option<String>,
    mailbox: Option<String>,
    tag: Option<String>,
    priority: Option<String>,
    team: Option<String>,
    organisation: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    after: Option<String>,
    ok: Option<String>,
}

const COUNT_CAP: u32 = 1000;

pub async fn page(State(state): State<AppState>, agent: Agent, Query(p): Query<InboxParams>) -> Response {
    let lang = agent.lang;
    let view = p.view.as_deref().and_then(View::parse).unwrap_or(View::Unassigned);
    // The order an agent picks is remembered for next time.
    let sort = match p.sort.as_deref().and_then(Sort::parse) {
        Some(s) => {
            if s != agent.user().inbox_sort {
                ui_try!(lang, podpora_commands::accounts::set_inbox_sort(&state.room, &agent.actor, s).await);
            }
            s
        }
        None => agent.user().inbox_sort,
    };
    let visible_mailboxes: Vec<mailboxes::Mailbox> = ui_try!(lang, directory::mailboxes(&state.room, &agent.actor).await);
    let mailbox = p.mailbox.as_deref().and_then(|m| m.parse::<i64>().ok()).filter(|m| visible_mailboxes.iter().any(|v| v.id == *m));
    let tag = p.tag.as_deref().and_then(|t| Tag::parse(t).ok());
    let priority = p.priority.as_deref().and_then(|s| s.parse::<Priority>().ok());
    let teams = ui_try!(lang, directory::teams(&state.room, &agent.actor).await);
    let team = p.team.as_deref().and_then(|t| t.parse::<i64>().ok()).filter(|t| teams.iter().any(|x| x.id == *t));
    let organisations = ui_try!(lang, podpora_commands::organisations::list(&state.room, &agent.actor).await);
    let organisation = p.organisation.as_deref().and_then(|o| o.parse::<i64>().ok()).filter(|o| organisations.iter().any(|x| x.id == *o));
    let q = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| q.chars().take(200).collect::<String>());
    let after = p.after.as_deref().and_then(|a| a.parse::<i64>().ok());

    // A view with the filters of this request.
    let filtered = |v: View| TicketQuery { mailbox, tag: tag.clone(), priority, team, organisation, q: q.clone(), ..v.query(&agent) };
    let query = TicketQuery { sort, after_id: after, ..filtered(view) };
    let (page, next) = ui_try!(lang, desk::list(&state.room, &agent.actor, query).await);

    // Counts per view (capped: "1000+" instead of counting a million rows), with the same filters.
    // While searching only the list is shown: a count per view would be one more search each.
    let mut counts = Vec::new();
    for v in View::ALL.iter().filter(|_| q.is_none()) {
        counts.push((*v, ui_try!(lang, desk::count(&state.room, &agent.actor, filtered(*v), COUNT_CAP).await)));
    }
    let agents = ui_try!(lang, directory::agents(&state.room, &agent.actor).await);
    let unread_mentions = ui_try!(lang, podpora_store::notifications::unread(&state.room.db, agent.user().id).await);
    let agent_name = |id: Option<i64>| id.and_then(|id| agents.iter().find(|a| a.id == id)).map(|a| a.name.clone()).unwrap_or_default();

    let link = |v: View, sort: Sort, after: Option<i64>| {
        let mut u = format!("/inbox?view={}&sort={}", v.key(), sort.as_str());
        if let Some(m) = mailbox {
            u.push_str(&format!("&mailbox={m}"));
        }
        if let Some(t) = team {
            u.push_str(&format!("&team={t}"));
        }
        if let Some(o) = organisation {
            u.push_str(&format!("&organisation={o}"));
        }
        for (k, val) in [("tag", tag.as_ref().map(Tag::as_str)), ("priority", priority.map(|p| p.as_str())), ("q", q.as_deref())] {
            if let Some(val) = val {
                u.push_str(&format!("&{k}={}", percent_encoding::utf8_percent_encode(val, percent_encoding::NON_ALPHANUMERIC)));
            }
        }
        if let Some(a) = after {
            u.push_str(&format!("&after={a}"));
        }
        u
    };
    let title = t(lang, &format!("view-{}", view.key()));
    let content = html! {
        div.inbox data-live="inbox" {
            aside.views {
                ul {
                    @for v in View::ALL {
                        li class=@if *v == view { "current" } {
                            a href=(link(*v, sort, None)) data-view=(v.key()) {
                                span { (t(lang, &format!("view-{}", v.key()))) }
                                @if let Some((_, n)) = counts.iter().find(|(cv, _)| cv == v) {
                                    span.count { @if *n >= COUNT_CAP as i64 { (COUNT_CAP) "+" } @else { (n) } }
                                }
                            }
                        }
                    }
                }
                @if !unread_mentions.is_empty() {
                    h3 { (t(lang, "nav-notifications")) }
                    ul.mentions {
                        @for m in &unread_mentions {
                            li { a href={ "/t/" (m.ticket_number) } { "#" (m.ticket_number) " " (m.subject) } br; span.hint { (notification_text(lang, m)) " · " (ago(lang, m.created_at)) } }
                        }
                    }
                }
                @if !teams.is_empty() {
                    h3 { (t(lang, "view-team")) }
                    ul {
                        @for tm in &teams {
                            li class=@if team == Some(tm.id) { "current" } { a href={ "/inbox?view=" (view.key()) "&team=" (tm.id) } { (tm.name) } }
                        }
                    }
                }
                @if visible_mailboxes.len() > 1 {
                    h3 { (t(lang, "view-mailbox")) }
                    ul {
                        @for m in &visible_mailboxes {
                            li class=@if mailbox == Some(m.id) { "current" } { a href={ "/inbox?view=" (view.key()) "&mailbox=" (m.id) } { (m.name) } }
                        }
                    }
                }
            }
            section.list {
                form.search method="get" action="/inbox" {
                    input type="hidden" name="view" value=(view.key());
                    @if let Some(m) = mailbox { input type="hidden" name="mailbox" value=(m); }
                    @if let Some(tm) = team { input type="hidden" name="team" value=(tm); }
                    input type="search" name="q" value=[q.as_deref()] placeholder=(t(lang, "inbox-search")) data-key="/";
                    input type="text" name="tag" value=[tag.as_ref().map(Tag::as_str)] placeholder=(t(lang, "view-tag")) size="10";
                    @if !organisations.is_empty() {
                        select name="organisation" aria-label=(t(lang, "customer-organisation")) {
                            option value="" { (t(lang, "inbox-filter-any-organisation")) }
                            @for o in &organisations { option value=(o.id) selected[organisation == Some(o.id)] { (o.name) } }
                        }
                    }
                    select name="priority" {
                        option value="" { (t(lang, "inbox-filter-any-priority")) }
                        @for pr in Priority::ALL { option value=(pr.as_str()) selected[priority == Some(*pr)] { (priority_label(lang, *pr)) } }
                    }
                    select name="sort" {
                        option value="oldest" selected[sort == Sort::Oldest] { (t(lang, "inbox-sort-oldest")) }
                        option value="newest" selected[sort == Sort::Newest] { (t(lang, "inbox-sort-newest")) }
                        option value="due" selected[sort == Sort::Due] { (t(lang, "inbox-sort-due")) }
                    }
                    button type="submit" { (t(lang, "inbox-search-submit")) }
                }
                @if let Some(n) = notice(lang, p.ok.as_deref()) { p.notice role="status" { (n) } }
                p.live-hint hidden { a href=(link(view, sort, None)) { (t(lang, "inbox-new-arrived")) } }
                form id="bulk" method="post" action="/inbox/bulk" {
                    (csrf_field(&agent))
                    input type="hidden" name="back" value=(link(view, sort, after));
                    @if page.is_empty() {
                        p.empty { (t(lang, "inbox-empty")) }
                    } @else {
                        table.tickets {
                            thead { tr {
                                th { input type="checkbox" data-select-all aria-label="all"; }
                                th { (t(lang, "col-number")) } th { (t(lang, "col-subject")) } th { (t(lang, "col-customer")) }
                                th { (t(lang, "col-status")) } th { (t(lang, "col-priority")) } th { (t(lang, "col-assignee")) } th { (t(lang, "sla-due-column")) } th { (t(lang, "col-updated")) }
                            } }
                            tbody {
                                @for s in &page {
                                    tr data-href={ "/t/" (s.ticket.number.get()) } data-number=(s.ticket.number.get()) class={ "ticket status-" (s.ticket.status.as_str()) " priority-" (s.ticket.priority.as_str()) } {
                                        td { input type="checkbox" name="n" value=(s.ticket.number.get()) aria-label=(s.ticket.number); }
                                        td.number { (s.ticket.number) }
                                        td.subject { a href={ "/t/" (s.ticket.number.get()) } { (s.ticket.subject) } }
                                        td.customer { @if !s.customer_name.is_empty() { (s.customer_name) " " } span.address { (s.customer_address.as_deref().unwrap_or("")) } }
                                        td { span.status { (status_label(lang, s.ticket.status)) } }
                                        td { (priority_label(lang, s.ticket.priority)) }
                                        td { (agent_name(s.ticket.assignee_id)) }
                                        td { (super::sla_badge(&agent, &s.ticket)) }
                                        td title=(exact_time(&agent, s.ticket.updated_at)) { (ago(lang, s.ticket.updated_at)) }
                                    }
                                }
                            }
                        }
                        div.bulk {
                            label { (t(lang, "inbox-bulk-selected")) " "
                                select name="action" {
                                    option value="assign_me" { (t(lang, "bulk-assign-me")) }
                                    @for a in agents.iter().filter(|a| !a.disabled && a.id != agent.user().id) {
                                        option value={ "assign:" (a.id) } { (t(lang, "bulk-assign-to")) " " (a.name) }
                                    }
                                    option value="unassign" { (t(lang, "bulk-unassign")) }
                                    option value="solve" { (t(lang, "bulk-solve")) }
                                    option value="close" { (t(lang, "bulk-close")) }
                                    option value="tag" { (t(lang, "bulk-tag")) }
                                    option value="merge" { (t(lang, "bulk-merge")) }
                                }
                            }
                            input type="text" name="tag" placeholder=(t(lang, "view-tag")) size="10";
                            button type="submit" { (t(lang, "inbox-bulk-apply")) }
                        }
                    }
                }
                nav.paging {
                    @if after.is_some() { a href=(link(view, sort, None)) { (t(lang, "inbox-first")) } }
                    @if let Some(n) = next { a href=(link(view, sort, Some(n))) rel="next" { (t(lang, "inbox-next")) } }
                }
                p.keys { (t(lang, "keys-help")) }
            }
        }
    };
    layout(&agent, &title, "page-inbox", content)
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    /// The selected tickets' numbers.
    #[serde(default)]
    n: Vec<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    tag: String,
    /// The inbox page to return to.
    #[serde(default)]
    back: String,
}

impl BulkForm {
    fn action(&self, agent: &Agent) -> Result<BulkAction, UiError> {
        Ok(match self.action.as_str() {
            "assign_me" => BulkAction::AssignTo(agent.user().id),
            "unassign" => BulkAction::Unassign,
            "solve" => BulkAction::Solve,
            "close" => BulkAction::Close,
            "tag" => BulkAction::AddTags(Tag::list(&self.tag)?),
            "merge" => BulkAction::Merge,
            other => match other.strip_prefix("assign:").map(str::parse::<i64>) {
                Some(Ok(id)) => BulkAction::AssignTo(id),
                Some(Err(_)) => return Err(UiError::msg("error-unknown-agent")),
                None => return Err(UiError::msg("error-unknown-action")),
            },
        })
    }
}

/// Bulk actions on the selected tickets. Numbers outside the agent's rights are skipped exactly
/// like numbers that do not exist.
pub async fn bulk(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<BulkForm>) -> Response {
    let lang = agent.lang;
    let back = if f.back.starts_with("/inbox") { f.back.clone() } else { "/inbox".to_string() };
    let with_notice = |key: &str| Redirect::to(&format!("{back}{}ok={key}", if back.contains('?') { "&" } else { "?" })).into_response();
    let numbers: Vec<TicketNumber> = f.n.iter().filter_map(|n| desk::number(n).ok()).collect();
    let action = ui_try!(lang, f.action(&agent));
    match desk::bulk(&state.room, &agent.actor, &numbers, &action).await {
        Ok(BulkOutcome { changed: 0, .. }) => with_notice("bulk-none"),
        Ok(BulkOutcome { merged_into: Some(into), .. }) => Redirect::to(&format!("/t/{}?ok=ticket-merge-done", into.get())).into_response(),
        Ok(_) => with_notice("saved"),
        Err(CommandError::Invalid(r)) if r.key == "bulk-merge-needs-two" => with_notice("bulk-merge-needs-two"),
        Err(e) => page_error(lang, e.into()),
    }
}

/// Who or what a notification is from: the colleague who mentioned them, or the rule.
fn notification_text(lang: Lang, n: &podpora_store::notifications::Notification) -> String {
    match n.kind {
        podpora_store::notifications::Kind::Mention => {
            t_args(lang, "notification-mention", &[("name", Arg::Str(n.by_name.as_deref().unwrap_or_default()))])
        }
        podpora_store::notifications::Kind::Rule => t_args(lang, "notification-rule", &[("rule", Arg::Str(&n.text))]),
        kind => match podpora_domain::sla::Metric::parse(&n.text) {
            Some(metric) => podpora_commands::sla::notice_line(lang, kind, metric, ""),
            None => n.text.clone(),
        },
    }
}
