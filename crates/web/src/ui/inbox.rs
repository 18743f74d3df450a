//! The shared inbox: views (unassigned, mine, open, pending, solved, closed, all) with counts,
//! filters by mailbox/tag/priority, search, oldest/newest order remembered per agent, keyset
//! paging (fast at any depth), bulk actions. Every filter value comes from an allow-list or is
//! a typed value; no request text reaches SQL.

use super::session::Agent;
use super::{ago, csrf_field, exact_time, field, layout, notice, page_error, priority_label, status_label, UiError};
use crate::ui_try;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_domain::i18n::t;
use podpora_domain::{Priority, TicketStatus};
use podpora_store::tickets::{self, AssigneeFilter, Sort, TicketPatch, TicketQuery};
use podpora_store::{mailboxes, users};
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
        let active = vec![TicketStatus::New, TicketStatus::Open];
        let (statuses, assignee) = match self {
            View::Unassigned => (active, Some(AssigneeFilter::Nobody)),
            View::Mine => (vec![TicketStatus::New, TicketStatus::Open, TicketStatus::Pending], Some(AssigneeFilter::User(agent.user.id))),
            View::Open => (active, None),
            View::Pending => (vec![TicketStatus::Pending], None),
            View::Solved => (vec![TicketStatus::Solved], None),
            View::Closed => (vec![TicketStatus::Closed], None),
            View::All => (vec![], None),
        };
        TicketQuery { statuses, assignee, visible_mailboxes: agent.access.mailbox_filter().map(<[i64]>::to_vec), limit: 50, ..Default::default() }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct InboxParams {
    view: Option<String>,
    mailbox: Option<String>,
    tag: Option<String>,
    priority: Option<String>,
    team: Option<String>,
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
            if s != agent.user.inbox_sort {
                ui_try!(lang, users::set_inbox_sort(&state.room.db, agent.user.id, s).await);
            }
            s
        }
        None => agent.user.inbox_sort,
    };
    let visible_mailboxes: Vec<mailboxes::Mailbox> = ui_try!(lang, mailboxes::list(&state.room.db).await).into_iter().filter(|m| agent.access.can_see(Some(m.id))).collect();
    let mailbox = p.mailbox.as_deref().and_then(|m| m.parse::<i64>().ok()).filter(|m| visible_mailboxes.iter().any(|v| v.id == *m));
    let tag = p.tag.as_deref().map(str::trim).filter(|t| !t.is_empty() && t.chars().count() <= 64).map(str::to_lowercase);
    let priority = p.priority.as_deref().and_then(|s| s.parse::<Priority>().ok());
    let teams = ui_try!(lang, podpora_store::teams::list(&state.room.db).await);
    let team = p.team.as_deref().and_then(|t| t.parse::<i64>().ok()).filter(|t| teams.iter().any(|x| x.id == *t));
    let q = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| q.chars().take(200).collect::<String>());
    let after = p.after.as_deref().and_then(|a| a.parse::<i64>().ok());

    // A view with the filters of this request.
    let filtered = |v: View| TicketQuery { mailbox, tag: tag.clone(), priority, team, q: q.clone(), ..v.query(&agent) };
    let query = TicketQuery { sort, after_id: after, ..filtered(view) };
    let (page, next) = ui_try!(lang, tickets::list(&state.room.db, &query).await);

    // Counts per view (capped: "1000+" instead of counting a million rows), with the same filters.
    // While searching only the list is shown: a count per view would be one more search each.
    let mut counts = Vec::new();
    for v in View::ALL.iter().filter(|_| q.is_none()) {
        counts.push((*v, ui_try!(lang, tickets::count_capped(&state.room.db, &filtered(*v), COUNT_CAP).await)));
    }
    let agents = ui_try!(lang, users::list(&state.room.db).await);
    let unread_mentions = ui_try!(lang, podpora_store::mentions::unread(&state.room.db, agent.user.id).await);
    let agent_name = |id: Option<i64>| id.and_then(|id| agents.iter().find(|a| a.id == id)).map(|a| a.name.clone()).unwrap_or_default();

    let link = |v: View, sort: Sort, after: Option<i64>| {
        let mut u = format!("/inbox?view={}&sort={}", v.key(), sort.as_str());
        if let Some(m) = mailbox {
            u.push_str(&format!("&mailbox={m}"));
        }
        if let Some(t) = team {
            u.push_str(&format!("&team={t}"));
        }
        for (k, val) in [("tag", tag.as_deref()), ("priority", priority.map(|p| p.as_str())), ("q", q.as_deref())] {
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
                    h3 { (t(lang, "nav-mentions")) }
                    ul.mentions {
                        @for m in &unread_mentions {
                            li { a href={ "/t/" (m.ticket_number) } { "#" (m.ticket_number) " " (m.subject) } br; span.hint { (m.by_name) " · " (ago(lang, m.created_at)) } }
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
                    input type="text" name="tag" value=[tag.as_deref()] placeholder=(t(lang, "view-tag")) size="10";
                    select name="priority" {
                        option value="" { (t(lang, "inbox-filter-any-priority")) }
                        @for pr in Priority::ALL { option value=(pr.as_str()) selected[priority == Some(*pr)] { (priority_label(lang, *pr)) } }
                    }
                    select name="sort" {
                        option value="oldest" selected[sort == Sort::Oldest] { (t(lang, "inbox-sort-oldest")) }
                        option value="newest" selected[sort == Sort::Newest] { (t(lang, "inbox-sort-newest")) }
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
                                th { (t(lang, "col-status")) } th { (t(lang, "col-priority")) } th { (t(lang, "col-assignee")) } th { (t(lang, "col-updated")) }
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
                                        td title=(exact_time(s.ticket.updated_at)) { (ago(lang, s.ticket.updated_at)) }
                                    }
                                }
                            }
                        }
                        div.bulk {
                            label { (t(lang, "inbox-bulk-selected")) " "
                                select name="action" {
                                    option value="assign_me" { (t(lang, "bulk-assign-me")) }
                                    @for a in agents.iter().filter(|a| !a.disabled && a.id != agent.user.id) {
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

/// Bulk actions on the selected tickets. Each ticket is checked against the agent's rights;
/// numbers outside them are skipped exactly like numbers that do not exist.
pub async fn bulk(State(state): State<AppState>, agent: Agent, body: Bytes) -> Response {
    let lang = agent.lang;
    let pairs = ui_try!(lang, super::checked_form(&agent, &body));
    let back = field(&pairs, "back");
    let back = if back.starts_with("/inbox") { back.to_string() } else { "/inbox".to_string() };
    let with_notice = |key: &str| Redirect::to(&format!("{back}{}ok={key}", if back.contains('?') { "&" } else { "?" })).into_response();
    let mut selected = Vec::new();
    for (k, v) in &pairs {
        if k == "n" {
            if let Ok(t) = super::visible_ticket(&state, &agent, v).await {
                selected.push(t);
            }
        }
    }
    if selected.is_empty() {
        return with_notice("bulk-none");
    }
    let action = field(&pairs, "action");
    if let Some(id) = action.strip_prefix("assign:") {
        let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::msg("error-unknown-agent")));
        let target = ui_try!(lang, ui_try!(lang, users::get(&state.room.db, id).await).filter(|u| !u.disabled).ok_or(UiError::msg("error-unknown-agent")));
        for t in &selected {
            ui_try!(lang, tickets::patch(&state.room.db, t.id, &TicketPatch { assignee_id: Some(Some(target.id)), ..Default::default() }, Some(agent.user.id)).await);
            super::ticket::changed(&state, t, &agent).await;
        }
        return with_notice("saved");
    }
    let patch = match action {
        "assign_me" => TicketPatch { assignee_id: Some(Some(agent.user.id)), ..Default::default() },
        "unassign" => TicketPatch { assignee_id: Some(None), ..Default::default() },
        "solve" | "close" if !agent.access.can_reply() => return page_error(lang, UiError::Forbidden),
        "solve" => TicketPatch { status: Some(TicketStatus::Solved), ..Default::default() },
        "close" => TicketPatch { status: Some(TicketStatus::Closed), ..Default::default() },
        "tag" => {
            let tag = ui_try!(lang, super::ticket::clean_tags(field(&pairs, "tag")));
            for t in &selected {
                let mut tags = ui_try!(lang, tickets::tags(&mut *ui_try!(lang, state.room.db.conn().await), t.id).await);
                tags.extend(tag.iter().cloned());
                ui_try!(lang, tickets::patch(&state.room.db, t.id, &TicketPatch { tags: Some(tags), ..Default::default() }, Some(agent.user.id)).await);
                super::ticket::changed(&state, t, &agent).await;
            }
            return with_notice("saved");
        }
        "merge" => {
            if selected.len() < 2 {
                return with_notice("bulk-merge-needs-two");
            }
            selected.sort_by_key(|t| t.number);
            let (into, rest) = selected.split_first().expect("two or more");
            for from in rest {
                ui_try!(lang, tickets::merge(&state.room.db, from, into, Some(agent.user.id)).await);
                super::ticket::changed(&state, from, &agent).await;
            }
            super::ticket::changed(&state, into, &agent).await;
            return Redirect::to(&format!("/t/{}?ok=ticket-merge-done", into.number.get())).into_response();
        }
        _ => return page_error(lang, UiError::msg("error-unknown-action")),
    };
    for t in &selected {
        ui_try!(lang, tickets::patch(&state.room.db, t.id, &patch, Some(agent.user.id)).await);
        super::ticket::changed(&state, t, &agent).await;
    }
    with_notice("saved")
}
