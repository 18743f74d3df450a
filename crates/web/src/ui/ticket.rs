//! One ticket: the conversation (incoming HTML only in sandboxed frames), reply and internal note
//! (attachments, Cc/Bcc, canned replies with variables filled in), properties (status, assignee,
//! priority, tags, reminder, snooze), merge, handover, the customer panel and the activity log.
//! A reply sent while a colleague replied since the page was opened is held back and shown first.

use super::forms::{CsrfForm, CsrfMultipart};
use super::session::Agent;
use super::{ago, csrf_field, exact_time, layout, notice, page_error, priority_label, status_label, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use podpora_commands::customers::CustomerEdit;
use podpora_commands::messages::{self as posts, Audience, NewPost};
use podpora_commands::tickets::{self as desk, TicketChange, TicketView};
use podpora_commands::{canned as canned_replies, directory, routing, CommandError};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::{Delivery, Direction, EmailAddress, Lang, MessageKind, Priority, Snooze, Tag, TicketStatus};
use podpora_store::canned;
use podpora_store::customers;
use podpora_store::messages::Message;
use podpora_store::tickets::{self, Ticket};
use podpora_store::users::User;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct TicketParams {
    ok: Option<String>,
}

/// What the reply box held when a send was held back (so nothing the agent wrote is lost).
#[derive(Default)]
pub struct Draft {
    pub body: String,
    pub kind: String,
    pub warning: Option<String>,
    pub seen: i64,
}

pub async fn page(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, Query(p): Query<TicketParams>) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    render(&state, &agent, number, Draft::default(), notice(lang, p.ok.as_deref())).await
}

async fn render(
    state: &AppState,
    agent: &Agent,
    number: podpora_domain::TicketNumber,
    draft: Draft,
    notice_text: Option<String>,
) -> Response {
    let lang = agent.lang;
    let room = &state.room;
    let TicketView { ticket, messages: msgs, participants, tags, customer, activity: log, others, mailbox } =
        ui_try!(lang, desk::view(room, &agent.actor, number).await);
    let ticket = &ticket;
    let all_agents = ui_try!(lang, directory::agents(room, &agent.actor).await);
    let agents: Vec<User> = all_agents.iter().filter(|u| !u.disabled).cloned().collect();
    let canned_list = ui_try!(lang, canned_replies::list(room, &agent.actor).await);
    let teams = ui_try!(lang, directory::teams(room, &agent.actor).await);
    let organisations = ui_try!(lang, podpora_commands::organisations::list(room, &agent.actor).await);
    let standing = ui_try!(lang, podpora_commands::sla::standing_of(room, ticket).await);
    let team_of = |id: Option<i64>| id.and_then(|id| teams.iter().find(|t| t.id == id)).map(|t| t.name.clone());
    let name_of = |id: Option<i64>| id.and_then(|id| all_agents.iter().find(|a| a.id == id)).map(|a| a.name.clone());
    let last_id = msgs.last().map(|m| m.id).unwrap_or(0);
    let seen = if draft.seen > 0 { draft.seen } else { last_id };
    let n = ticket.number.get();
    let can_reply = agent.access().can_reply() && mailbox.is_some();
    let kind = if draft.kind == "note" || !can_reply { "note" } else { "reply" };
    let title = format!("{} {}", ticket.number, ticket.subject);

    let content = html! {
        div.ticket-page data-live="ticket" data-number=(n) {
            section.conversation {
                header.ticket-head {
                    h1 { span.number { (ticket.number) } " " (ticket.subject) }
                    p.meta {
                        span.status { (status_label(lang, ticket.status)) } " · " (priority_label(lang, ticket.priority))
                        @if let Some(m) = &mailbox { " · " (m.name) " <" (m.address) ">" }
                        @if let Some(r) = ticket.related_number {
                            " · " a href={ "/t/" (r) } { @if ticket.status == TicketStatus::Closed { (t_args(lang, "ticket-merged-into", &[("number", Arg::Str(&format!("#{r}")))])) } @else { (t_args(lang, "ticket-related", &[("number", Arg::Str(&format!("#{r}")))])) } }
                        }
                        " · " (t_args(lang, "ticket-messages-count", &[("count", Arg::Num(msgs.len() as i64))]))
                        @if ticket.sla_due_at.is_some() { " · " (super::sla_badge(agent, ticket)) }
                    }
                    div.presence id="presence" aria-live="polite" data-label=(t(lang, "ticket-viewing")) data-typing=(t(lang, "ticket-typing")) {}
                }
                @if let Some(n) = &notice_text { p.notice role="status" { (n) } }
                p.ticket-changed.live-hint hidden { a href={ "/t/" (n) } { (t(lang, "ticket-changed")) } }
                @for (i, m) in msgs.iter().enumerate() { (message_view(agent, ticket, m, &agents, i > 0)) }
                (reply_form(agent, ticket, &participants, &canned_list, &draft, kind, can_reply, seen, &state.setup.outbound))
            }
            aside.side {
                (properties(agent, ticket, &tags, &agents, &teams))
                @if let Some(s) = &standing { (sla_panel(agent, s)) }
                (customer_panel(agent, ticket, customer.as_ref(), &others, &agents, &organisations))
                details.handover {
                    summary { (t(lang, "ticket-handover")) }
                    form method="post" action={ "/t/" (n) "/handover" } {
                        (csrf_field(agent))
                        label { (t(lang, "ticket-handover-to")) select name="to" { @for a in &agents { @if a.id != agent.user().id { option value=(a.id) { (a.name) } } } } }
                        label { (t(lang, "ticket-handover-note")) textarea name="note" rows="3" required {} }
                        button type="submit" { (t(lang, "ticket-handover-submit")) }
                    }
                }
                details.merge {
                    summary { (t(lang, "ticket-merge")) }
                    form method="post" action={ "/t/" (n) "/merge" } {
                        (csrf_field(agent))
                        input type="text" name="into" inputmode="numeric" placeholder="#123" required;
                        button type="submit" { (t(lang, "ticket-merge-submit")) }
                    }
                }
                section.activity {
                    h2 { (t(lang, "ticket-activity")) }
                    ol {
                        @for a in &log {
                            li { span.when title=(exact_time(agent, a.created_at)) { (ago(lang, a.created_at)) } " " strong { (a.user_name.clone().unwrap_or_else(|| t(lang, "activity-system"))) } " " (activity_text(agent, &a.action, &a.detail, &name_of, &team_of)) }
                        }
                    }
                }
            }
        }
    };
    layout(agent, &title, "page-ticket", content)
}

fn activity_text(
    agent: &Agent,
    action: &str,
    detail: &str,
    name_of: &dyn Fn(Option<i64>) -> Option<String>,
    team_of: &dyn Fn(Option<i64>) -> Option<String>,
) -> String {
    let lang = agent.lang;
    let pair = || detail.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or_default();
    match action {
        "status" => {
            let (from, to) = pair();
            let label = |s: &str| s.parse::<TicketStatus>().map(|s| status_label(lang, s)).unwrap_or_else(|_| s.to_string());
            t_args(lang, "activity-status", &[("from", Arg::Str(&label(&from))), ("to", Arg::Str(&label(&to)))])
        }
        "priority" => {
            let (from, to) = pair();
            let label = |s: &str| s.parse::<Priority>().map(|p| priority_label(lang, p)).unwrap_or_else(|_| s.to_string());
            t_args(lang, "activity-priority", &[("from", Arg::Str(&label(&from))), ("to", Arg::Str(&label(&to)))])
        }
        "assign" if detail.is_empty() => t(lang, "activity-unassign"),
        "assign" => t_args(lang, "activity-assign", &[("to", Arg::Str(&name_of(detail.parse().ok()).unwrap_or_default()))]),
        "tags" => t_args(lang, "activity-tags", &[("detail", Arg::Str(detail))]),
        "team" if detail.is_empty() => t(lang, "activity-team-clear"),
        "team" => t_args(lang, "activity-team", &[("team", Arg::Str(&team_of(detail.parse().ok()).unwrap_or_default()))]),
        "remind" if detail.is_empty() => t(lang, "activity-remind-clear"),
        "remind" => {
            t_args(lang, "activity-remind", &[("when", Arg::Str(&detail.parse().map(|ms| exact_time(agent, ms)).unwrap_or_default()))])
        }
        "reminder" => t(lang, "activity-reminder"),
        "reply" => t(lang, "activity-reply"),
        "note" => t(lang, "activity-note"),
        "merged_into" => t_args(lang, "activity-merged-into", &[("number", Arg::Str(&format!("#{detail}")))]),
        "merged_from" => t_args(lang, "activity-merged-from", &[("number", Arg::Str(&format!("#{detail}")))]),
        "split_to" => t_args(lang, "activity-split-to", &[("number", Arg::Str(&format!("#{detail}")))]),
        "split_from" => t_args(lang, "activity-split-from", &[("number", Arg::Str(&format!("#{detail}")))]),
        "handover" => {
            let (to, note) = detail.split_once(' ').unwrap_or((detail, ""));
            t_args(lang, "activity-handover", &[("to", Arg::Str(&name_of(to.parse().ok()).unwrap_or_default())), ("note", Arg::Str(note))])
        }
        "customer" => t(lang, "activity-customer"),
        "routed" => {
            // `AGENT BY WHY…`, or `- - WHY…` when nobody could take it.
            let mut parts = detail.splitn(3, ' ');
            let (agent, why) = (parts.next().and_then(|a| a.parse().ok()), parts.nth(1).unwrap_or_default());
            let named = |id: i64| name_of(Some(id)).unwrap_or_default();
            let why = why.parse::<podpora_domain::routing::Why>().map(|w| w.describe(lang, &named)).unwrap_or_else(|_| why.to_string());
            match agent {
                Some(id) => t_args(lang, "activity-routed", &[("to", Arg::Str(&named(id))), ("why", Arg::Str(&why))]),
                None => t_args(lang, "activity-routed-wait", &[("why", Arg::Str(&why))]),
            }
        }
        "rule" => t_args(lang, "activity-rule", &[("rule", Arg::Str(detail))]),
        "sla-breach" => {
            let (metric, due) = detail.split_once(' ').unwrap_or((detail, ""));
            let metric = podpora_domain::sla::Metric::parse(metric).map(|m| t(lang, m.label_key())).unwrap_or_else(|| metric.to_string());
            t_args(
                lang,
                "activity-sla-breach",
                &[("metric", Arg::Str(&metric)), ("due", Arg::Str(&due.parse().map(|ms| exact_time(agent, ms)).unwrap_or_default()))],
            )
        }
        "overflow" => {
            let mut parts = detail.split(' ').map(|p| p.parse::<i64>().ok());
            let (from, to, after) = (parts.next().flatten(), parts.next().flatten(), parts.next().flatten().unwrap_or(0));
            t_args(
                lang,
                "activity-overflow",
                &[
                    ("from", Arg::Str(&team_of(from).unwrap_or_default())),
                    ("to", Arg::Str(&team_of(to).unwrap_or_default())),
                    ("after", Arg::Num(after)),
                ],
            )
        }
        "rule-failed" => t_args(lang, "activity-rule-failed", &[("detail", Arg::Str(detail))]),
        "released" => t_args(lang, "activity-released", &[("from", Arg::Str(&name_of(detail.parse().ok()).unwrap_or_default()))]),
        other => other.to_string(),
    }
}

/// Each SLA target of the ticket: due when, met, missed or paused.
fn sla_panel(agent: &Agent, s: &podpora_domain::sla::Standing) -> Markup {
    use podpora_domain::sla::State;
    let lang = agent.lang;
    html! {
        section.sla-panel {
            h2 { "SLA" }
            ul {
                @for m in &s.measures {
                    li {
                        (t(lang, m.metric.label_key())) ": "
                        @match (m.state, m.due_at) {
                            (State::Paused, _) | (_, None) => { (t(lang, "sla-paused")) }
                            (State::Met, _) => { span.sla { (t(lang, "sla-met")) } }
                            (State::Breached, Some(_)) if m.met_at.is_some() => { span class="sla sla-late" { (t(lang, "sla-met-late")) } }
                            (state, Some(due)) => { (super::due_span(agent, due, state == State::Warning)) }
                        }
                    }
                }
            }
        }
    }
}

fn message_view(agent: &Agent, ticket: &Ticket, m: &Message, agents: &[User], can_split: bool) -> Markup {
    let lang = agent.lang;
    let class = match (m.direction, m.kind) {
        (_, MessageKind::Note) => "message note",
        (Direction::In, _) => "message in",
        (Direction::Out, _) => "message out",
    };
    let author = m.author_user_id.and_then(|id| agents.iter().find(|a| a.id == id)).map(|a| a.name.as_str());
    let downloads: Vec<_> = m.attachments.iter().filter(|a| !(a.inline && a.content_id.is_some() && m.body_html.is_some())).collect();
    html! {
        article class=(class) id={ "m" (m.id) } data-id=(m.id) data-author=[m.author_user_id] {
            header {
                @if m.kind == MessageKind::Note { span.badge { (t(lang, "ticket-note")) } " " }
                strong.from { @if let Some(a) = author { (a) } @else if !m.from_name.is_empty() { (m.from_name) } @else { (m.from_address) } }
                @if m.direction == Direction::In { " " span.address { "<" (m.from_address) ">" } }
                " " span.when title=(exact_time(agent, m.created_at)) { (ago(lang, m.created_at)) }
                @if !m.to.is_empty() && m.kind == MessageKind::Message { span.recipients { " " (t(lang, "ticket-to")) ": " (m.to.join(", ")) @if !m.cc.is_empty() { " · " (t(lang, "ticket-cc")) ": " (m.cc.join(", ")) } } }
                @if let Some(d) = &m.delivery {
                    " " span class={ "delivery " (d) } {
                        @match d {
                            Delivery::Sent => (t(lang, "ticket-delivery-sent")),
                            Delivery::Failed => (t_args(lang, "ticket-delivery-failed", &[("error", Arg::Str(m.delivery_error.as_deref().unwrap_or("")))])),
                            Delivery::Queued => (t(lang, "ticket-delivery-queued")),
                        }
                    }
                }
                @if m.inbound_id.is_some() { " " a.raw href={ "/m/" (m.id) "/raw" } { (t(lang, "ticket-raw")) } }
                @if can_split && m.direction == Direction::In && agent.access().can_reply() {
                    form.inline.split method="post" action={ "/t/" (ticket.number.get()) "/split" } {
                        (csrf_field(agent))
                        input type="hidden" name="message" value=(m.id);
                        " " button.link type="submit" { (t(lang, "ticket-split")) }
                    }
                }
            }
            @if m.body_html.is_some() {
                div.frame-wrap {
                    iframe.mail src={ "/m/" (m.id) "/frame" } sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox" loading="lazy" referrerpolicy="no-referrer" title=(t(lang, "ticket-formatted")) {}
                    p.images { a href={ "/m/" (m.id) "/frame?images=1" } data-show-images target="_blank" rel="noopener" { (t(lang, "ticket-images-show")) } }
                }
            } @else {
                div.body { (m.body_text) }
                @if let Some(q) = m.quoted_text.as_deref().filter(|q| !q.trim().is_empty()) { details.quoted { summary { (t(lang, "ticket-quoted")) } div.body { (q) } } }
                @if let Some(s) = m.signature.as_deref().filter(|s| !s.trim().is_empty()) { details.signature { summary { (t(lang, "ticket-signature")) } div.body { (s) } } }
            }
            @if !downloads.is_empty() {
                ul.attachments {
                    @for a in downloads {
                        li { a href={ "/a/" (a.id) } download { (a.filename) } " " span.size { (human_size(a.size)) } }
                    }
                }
            }
        }
    }
}

fn human_size(n: i64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{} kB", n >> 10),
        n => format!("{n} B"),
    }
}

#[allow(clippy::too_many_arguments)]
fn reply_form(
    agent: &Agent,
    ticket: &Ticket,
    participants: &[tickets::Participant],
    canned_list: &[canned::CannedReply],
    draft: &Draft,
    kind: &str,
    can_reply: bool,
    seen: i64,
    outbound: &str,
) -> Markup {
    let lang = agent.lang;
    let n = ticket.number.get();
    html! {
        form.reply id="reply" method="post" action={ "/t/" (n) "/reply" } enctype="multipart/form-data" {
            (csrf_field(agent))
            input type="hidden" name="seen" value=(seen);
            @if let Some(w) = &draft.warning {
                p.warning role="alert" { (w) }
                input type="hidden" name="confirm" value="1";
            }
            div.kinds {
                @if can_reply { label { input type="radio" name="kind" value="reply" checked[kind == "reply"] data-key="r"; " " (t(lang, "reply-title")) } }
                label { input type="radio" name="kind" value="note" checked[kind == "note"] data-key="n"; " " (t(lang, "reply-note-title")) }
                @if !agent.access().can_reply() { span.hint { (t(lang, "reply-light-agent")) } }
            }
            @if can_reply {
                fieldset.recipients {
                    legend { (t(lang, "reply-to-participants")) }
                    @for p in participants {
                        label { input type="checkbox" name="to" value=(p.address) checked; " " @if !p.name.is_empty() { (p.name) " " } "<" (p.address) ">" }
                    }
                    label { (t(lang, "reply-cc")) " " input type="text" name="cc" size="30"; }
                    label { (t(lang, "reply-bcc")) " " input type="text" name="bcc" size="30"; }
                }
            }
            @if !canned_list.is_empty() {
                label.canned { (t(lang, "reply-template")) " "
                    input type="search" list="canned-list" data-canned={ "/t/" (n) "/canned/" } data-key="t" placeholder="…";
                    datalist id="canned-list" { @for c in canned_list { option value=(c.name) data-id=(c.id) {} } }
                }
            }
            textarea name="body" rows="8" aria-label=(t(lang, "reply-body")) { (draft.body) }
            label.files { (t(lang, "reply-attach")) " " input type="file" name="file" multiple; }
            div.actions {
                button type="submit" { @if draft.warning.is_some() { (t(lang, "reply-send-anyway")) } @else if kind == "reply" { (t(lang, "reply-send")) } @else { (t(lang, "reply-add-note")) } }
                @if outbound.starts_with("no relay") { span.hint { (t(lang, "reply-no-outbound")) } }
            }
        }
    }
}

fn properties(agent: &Agent, ticket: &Ticket, tags: &[String], agents: &[User], teams: &[podpora_store::teams::Team]) -> Markup {
    let lang = agent.lang;
    let n = ticket.number.get();
    let remind = ticket.remind_at.and_then(chrono::DateTime::from_timestamp_millis).map(|d| d.format("%Y-%m-%dT%H:%M").to_string());
    html! {
        section.properties {
            h2 { (t(lang, "ticket-properties")) }
            form method="post" action={ "/t/" (n) "/update" } {
                (csrf_field(agent))
                input type="hidden" name="tz_offset" value="0";
                label { (t(lang, "ticket-status"))
                    select name="status" disabled[!agent.access().can_reply()] { @for s in TicketStatus::ALL { option value=(s.as_str()) selected[*s == ticket.status] { (status_label(lang, *s)) } } }
                }
                label { (t(lang, "ticket-assignee"))
                    select name="assignee" data-key="a" {
                        option value="" { (t(lang, "ticket-nobody")) }
                        @for a in agents { option value=(a.id) selected[Some(a.id) == ticket.assignee_id] { (a.name) } }
                    }
                }
                @if let Some(why) = routing::assignment_text(ticket, lang, &|id| agents.iter().find(|a| a.id == id).map(|a| a.name.clone()).unwrap_or_default()) {
                    p.assignment { (why) }
                }
                @if !teams.is_empty() {
                    label { (t(lang, "ticket-team"))
                        select name="team" {
                            option value="" { (t(lang, "ticket-no-team")) }
                            @for tm in teams { option value=(tm.id) selected[Some(tm.id) == ticket.team_id] { (tm.name) } }
                        }
                    }
                } @else {
                    input type="hidden" name="team" value="";
                }
                label { (t(lang, "ticket-priority"))
                    select name="priority" { @for p in Priority::ALL { option value=(p.as_str()) selected[*p == ticket.priority] { (priority_label(lang, *p)) } } }
                }
                label { (t(lang, "ticket-tags")) " (" (t(lang, "ticket-tags-hint")) ")" input type="text" name="tags" value=(tags.join(", ")); }
                label { (t(lang, "ticket-remind")) " (UTC)" input type="datetime-local" name="remind" value=[remind]; }
                button type="submit" { (t(lang, "ticket-save")) }
            }
            form.snooze method="post" action={ "/t/" (n) "/update" } {
                (csrf_field(agent))
                span { (t(lang, "ticket-snooze")) ": " }
                button type="submit" name="snooze" value="1h" { (t(lang, "ticket-snooze-1h")) }
                button type="submit" name="snooze" value="tomorrow" { (t(lang, "ticket-snooze-tomorrow")) }
                button type="submit" name="snooze" value="week" { (t(lang, "ticket-snooze-week")) }
            }
        }
    }
}

fn customer_panel(
    agent: &Agent,
    ticket: &Ticket,
    customer: Option<&customers::Customer>,
    others: &[tickets::TicketSummary],
    agents: &[User],
    organisations: &[podpora_store::organisations::Organisation],
) -> Markup {
    let lang = agent.lang;
    let n = ticket.number.get();
    let org = customer.and_then(|c| c.organisation_id).and_then(|id| organisations.iter().find(|o| o.id == id));
    let manager_name = |id: Option<i64>| id.and_then(|id| agents.iter().find(|a| a.id == id)).map(|a| a.name.clone());
    html! {
        section.customer {
            h2 { (t(lang, "customer-title")) }
            @if let Some(c) = customer {
                ul.addresses { @for a in &c.addresses { li { (a) } } }
                form method="post" action={ "/t/" (n) "/customer" } {
                    (csrf_field(agent))
                    label { (t(lang, "customer-name")) input type="text" name="name" value=(c.name); }
                    label { (t(lang, "customer-organisation")) input type="text" name="organisation" value=(c.organisation) list="organisations"; }
                    datalist id="organisations" { @for o in organisations { option value=(o.name) {} } }
                    label { (t(lang, "customer-language"))
                        select name="language" {
                            option value="" {}
                            @for l in Lang::ALL { option value=(l.code()) selected[c.language.as_deref() == Some(l.code())] { (l.native_name()) } }
                        }
                    }
                    label { (t(lang, "customer-notes")) textarea name="notes" rows="3" { (c.notes) } }
                    button type="submit" { (t(lang, "customer-save")) }
                }
                @if let Some(o) = org {
                    div.organisation {
                        h3 { a href={ "/inbox?view=all&organisation=" (o.id) } { (o.name) } }
                        @if !o.domains.is_empty() { p.hint { (o.domains.join(", ")) } }
                        @if let Some(m) = manager_name(o.account_manager_id) { p { (t(lang, "customer-account-manager")) ": " (m) } }
                        @if !o.notes.is_empty() { p.notes { (o.notes) } }
                    }
                }
                form.account-manager method="post" action={ "/t/" (n) "/account-manager" } {
                    (csrf_field(agent))
                    label { (t(lang, "customer-account-manager"))
                        select name="manager" {
                            option value="" { "—" }
                            @for a in agents { option value=(a.id) selected[c.account_manager_id == Some(a.id)] { (a.name) } }
                        }
                    }
                    button.secondary type="submit" { (t(lang, "customer-save")) }
                }
                h3 { (t(lang, "customer-other-tickets")) }
                @let rest: Vec<_> = others.iter().filter(|o| o.ticket.id != ticket.id).collect();
                @if rest.is_empty() { p.empty { (t(lang, "customer-none")) } }
                ul.others {
                    @for o in rest {
                        li { a href={ "/t/" (o.ticket.number.get()) } { (o.ticket.number) " " (o.ticket.subject) } " " span.status { (status_label(lang, o.ticket.status)) } " " span.channel { (o.ticket.channel.as_str()) } }
                    }
                }
            }
        }
    }
}

/// The reply box as posted (files come separately, see `CsrfMultipart`).
#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    /// The last message the agent had seen when the page was drawn.
    #[serde(default)]
    seen: i64,
    /// "1" once the agent was warned of a colleague's reply and sends anyway.
    #[serde(default)]
    confirm: String,
    /// The participants left ticked.
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    cc: String,
    #[serde(default)]
    bcc: String,
}

/// Addresses written in one field, separated by commas or semicolons; a bad one is refused (and
/// said), never dropped.
fn address_list(s: &str) -> Result<Vec<EmailAddress>, UiError> {
    s.split([',', ';']).map(str::trim).filter(|a| !a.is_empty()).map(|a| EmailAddress::parse(a).map_err(UiError::from)).collect()
}

pub async fn reply(
    State(state): State<AppState>,
    Path(number): Path<String>,
    CsrfMultipart(agent, f, uploads): CsrfMultipart<ReplyForm>,
) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let kind = match f.kind.as_str() {
        "note" => MessageKind::Note,
        "reply" => MessageKind::Message,
        _ => return page_error(lang, UiError::msg("error-reply-or-note")),
    };
    let draft = |warning: String| Draft { body: f.body.clone(), kind: f.kind.clone(), warning: Some(warning), seen: f.seen };
    if f.body.trim().is_empty() {
        return render(&state, &agent, number, draft(t(lang, "reply-empty")), None).await;
    }
    let post = NewPost {
        kind,
        body: &f.body,
        audience: Audience::Only(f.to.clone()),
        cc: ui_try!(lang, address_list(&f.cc)),
        bcc: ui_try!(lang, address_list(&f.bcc)),
        files: ui_try!(lang, posts::files(uploads)),
        seen: (f.confirm != "1").then_some(f.seen),
    };
    match posts::post(&state.room, &agent.actor, number, post).await {
        Ok(_) => {
            let key = if kind == MessageKind::Note { "reply-noted" } else { "reply-sent" };
            Redirect::to(&format!("/t/{}?ok={key}", number.get())).into_response()
        }
        // Someone else answered the customer since this agent opened the ticket: show it, ask again.
        Err(CommandError::Collision { name }) => {
            render(&state, &agent, number, draft(t_args(lang, "reply-collision", &[("name", Arg::Str(&name))])), None).await
        }
        Err(e) => page_error(lang, e.into()),
    }
}

/// The properties form, or one of the snooze buttons.
#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    snooze: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    tags: String,
    /// `datetime-local` in the agent's browser time, and its offset from UTC in minutes.
    #[serde(default)]
    remind: String,
    #[serde(default)]
    tz_offset: String,
}

/// An optional id from a select (empty: none); anything else is `bad`.
fn chosen_id(s: &str, bad: &'static str) -> Result<Option<i64>, UiError> {
    match s.trim() {
        "" => Ok(None),
        id => id.parse().map(Some).map_err(|_| UiError::msg(bad)),
    }
}

fn optional<T: std::str::FromStr>(s: &str) -> Result<Option<T>, UiError>
where
    T::Err: Into<UiError>,
{
    match s.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(Into::into),
    }
}

impl UpdateForm {
    fn change(&self) -> Result<TicketChange, UiError> {
        let offset_min: i64 = self.tz_offset.parse().unwrap_or(0i64).clamp(-24 * 60, 24 * 60);
        let remind = match self.remind.trim() {
            "" => None,
            r => Some(
                chrono::NaiveDateTime::parse_from_str(r, "%Y-%m-%dT%H:%M")
                    .map(|d| d.and_utc().timestamp_millis() + offset_min * 60_000)
                    .map_err(|_| UiError::msg("error-reminder"))?,
            ),
        };
        Ok(TicketChange {
            status: optional::<TicketStatus>(&self.status)?,
            assignee: Some(chosen_id(&self.assignee, "error-unknown-agent")?),
            team: Some(chosen_id(&self.team, "error-unknown-team")?),
            priority: optional::<Priority>(&self.priority)?,
            tags: Some(Tag::list(&self.tags)?),
            remind_at: Some(remind),
        })
    }
}

pub async fn update(State(state): State<AppState>, Path(number): Path<String>, CsrfForm(agent, f): CsrfForm<UpdateForm>) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let done = match f.snooze.as_str() {
        "" => desk::update(&state.room, &agent.actor, number, &ui_try!(lang, f.change())).await,
        s => {
            desk::snooze(
                &state.room,
                &agent.actor,
                number,
                ui_try!(lang, s.parse::<Snooze>().map_err(|_| UiError::msg("error-unknown-snooze"))),
            )
            .await
        }
    };
    ui_try!(lang, done);
    Redirect::to(&format!("/t/{}?ok=saved", number.get())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    into: String,
}

pub async fn merge(State(state): State<AppState>, Path(number): Path<String>, CsrfForm(agent, f): CsrfForm<MergeForm>) -> Response {
    let lang = agent.lang;
    let (from, into) = (ui_try!(lang, desk::number(&number)), ui_try!(lang, desk::number(&f.into)));
    let into = ui_try!(lang, desk::merge(&state.room, &agent.actor, from, into).await);
    Redirect::to(&format!("/t/{}?ok=ticket-merge-done", into.number.get())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct SplitForm {
    #[serde(default)]
    message: String,
}

/// Splits a message (and what follows it) into a new ticket.
pub async fn split(State(state): State<AppState>, Path(number): Path<String>, CsrfForm(agent, f): CsrfForm<SplitForm>) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let message: i64 = ui_try!(lang, f.message.parse().map_err(|_| UiError::NotFound));
    let new = ui_try!(lang, desk::split(&state.room, &agent.actor, number, message).await);
    Redirect::to(&format!("/t/{}?ok=saved", new.number.get())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct HandoverForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

/// Hands the ticket to a colleague with a note: assignment, an internal note and a log entry.
pub async fn handover(State(state): State<AppState>, Path(number): Path<String>, CsrfForm(agent, f): CsrfForm<HandoverForm>) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let to = ui_try!(lang, ui_try!(lang, chosen_id(&f.to, "error-choose-colleague")).ok_or(UiError::msg("error-choose-colleague")));
    ui_try!(lang, desk::hand_over(&state.room, &agent.actor, number, to, &f.note).await);
    Redirect::to(&format!("/t/{}?ok=saved", number.get())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CustomerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    language: String,
}

pub async fn customer(State(state): State<AppState>, Path(number): Path<String>, CsrfForm(agent, f): CsrfForm<CustomerForm>) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let language = match f.language.trim() {
        "" => None,
        code => Some(ui_try!(lang, Lang::from_code(code).ok_or(UiError::msg("error-unknown-language")))),
    };
    let edit = CustomerEdit { name: f.name, notes: f.notes, organisation: f.organisation, language };
    ui_try!(lang, podpora_commands::customers::edit(&state.room, &agent.actor, number, &edit).await);
    Redirect::to(&format!("/t/{}?ok=saved", number.get())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct ManagerForm {
    #[serde(default)]
    manager: String,
}

/// Sets (or clears) the customer's account manager.
pub async fn account_manager(
    State(state): State<AppState>,
    Path(number): Path<String>,
    CsrfForm(agent, f): CsrfForm<ManagerForm>,
) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let manager = match f.manager.trim() {
        "" => None,
        id => Some(ui_try!(lang, id.parse::<i64>().map_err(|_| UiError::msg("error-unknown-agent")))),
    };
    ui_try!(lang, podpora_commands::customers::set_account_manager(&state.room, &agent.actor, number, manager).await);
    Redirect::to(&format!("/t/{}?ok=saved", number.get())).into_response()
}

/// A canned reply with this ticket's variables filled in, as plain text for the reply box.
pub async fn canned_text(State(state): State<AppState>, agent: Agent, Path((number, id)): Path<(String, String)>) -> Response {
    let lang = agent.lang;
    let number = ui_try!(lang, desk::number(&number));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let text = ui_try!(lang, canned_replies::text_for(&state.room, &agent.actor, number, id).await);
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], text).into_response()
}
