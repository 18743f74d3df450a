//! One ticket: the conversation (incoming HTML only in sandboxed frames), reply and internal note
//! (attachments, Cc/Bcc, canned replies with variables filled in), properties (status, assignee,
//! priority, tags, reminder, snooze), merge, handover, the customer panel and the activity log.
//! A reply sent while a colleague replied since the page was opened is held back and shown first.

use super::session::Agent;
use super::{ago, csrf_field, exact_time, field, layout, notice, page_error, priority_label, status_label, UiError};
use crate::ui_try;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::{Direction, EmailAddress, Lang, MessageKind, Priority, TicketStatus};
use podpora_mail::compose::OutgoingAttachment;
use podpora_mail::outbound::{self, Reply};
use podpora_store::customers::{self, CustomerProfile};
use podpora_store::events::Event;
use podpora_store::messages::{self, Message};
use podpora_store::tickets::{self, Ticket, TicketPatch, TicketQuery};
use podpora_store::users::User;
use podpora_store::{activity, canned, mailboxes, mentions, users};
use serde::Deserialize;

/// Tells every open inbox and ticket page that this ticket changed.
pub async fn changed(state: &AppState, t: &Ticket, agent: &Agent) {
    state.room.db.publish(Event::Ticket { number: t.number.get(), mailbox_id: t.mailbox_id, by_user: Some(agent.user.id) }).await;
}

/// Tags from a comma-separated field: trimmed, lowercase, 1–64 printable characters each.
pub fn clean_tags(text: &str) -> Result<Vec<String>, UiError> {
    let mut out = Vec::new();
    for t in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 64 || t.chars().any(char::is_control) {
            return Err(UiError::msg("error-tag"));
        }
        out.push(t.to_lowercase());
    }
    Ok(out)
}

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
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let notice_text = notice(lang, p.ok.as_deref());
    render(&state, &agent, &ticket, Draft::default(), notice_text).await
}

async fn render(state: &AppState, agent: &Agent, ticket: &Ticket, draft: Draft, notice_text: Option<String>) -> Response {
    let lang = agent.lang;
    let db = &state.room.db;
    let mut conn = ui_try!(lang, db.conn().await);
    let msgs = ui_try!(lang, messages::for_ticket(&mut conn, ticket.id).await);
    let participants = ui_try!(lang, tickets::participants(&mut conn, ticket.id).await);
    let tags = ui_try!(lang, tickets::tags(&mut conn, ticket.id).await);
    let customer = ui_try!(lang, customers::get(&mut conn, ticket.customer_id).await);
    let log = ui_try!(lang, activity::for_ticket(&mut conn, ticket.id).await);
    drop(conn);
    let others = ui_try!(
        lang,
        tickets::list(db, &TicketQuery { customer: Some(ticket.customer_id), visible_mailboxes: agent.access.mailbox_filter().map(<[i64]>::to_vec), sort: tickets::Sort::Newest, limit: 20, ..Default::default() }).await
    );
    let agents: Vec<User> = ui_try!(lang, users::list(db).await).into_iter().filter(|u| !u.disabled).collect();
    let canned_list = ui_try!(lang, canned::visible_to(db, agent.user.id).await);
    let teams = ui_try!(lang, podpora_store::teams::list(db).await);
    let mailbox = match ticket.mailbox_id {
        Some(id) => ui_try!(lang, mailboxes::get(db, id).await),
        None => None,
    };
    ui_try!(lang, mentions::mark_read(db, agent.user.id, ticket.id).await);
    let team_of = |id: Option<i64>| id.and_then(|id| teams.iter().find(|t| t.id == id)).map(|t| t.name.clone());
    let name_of = |id: Option<i64>| id.and_then(|id| agents.iter().find(|a| a.id == id)).map(|a| a.name.clone());
    let last_id = msgs.last().map(|m| m.id).unwrap_or(0);
    let seen = if draft.seen > 0 { draft.seen } else { last_id };
    let n = ticket.number.get();
    let can_reply = agent.access.can_reply() && mailbox.is_some();
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
                    }
                    div.presence id="presence" aria-live="polite" data-label=(t(lang, "ticket-viewing")) data-typing=(t(lang, "ticket-typing")) {}
                }
                @if let Some(n) = &notice_text { p.notice role="status" { (n) } }
                p.ticket-changed.live-hint hidden { a href={ "/t/" (n) } { (t(lang, "ticket-changed")) } }
                @for (i, m) in msgs.iter().enumerate() { (message_view(agent, ticket, m, &agents, i > 0)) }
                (reply_form(agent, ticket, &participants, &canned_list, &draft, kind, can_reply, seen, &state.outbound))
            }
            aside.side {
                (properties(agent, ticket, &tags, &agents, &teams))
                (customer_panel(agent, ticket, customer.as_ref(), &others.0))
                details.handover {
                    summary { (t(lang, "ticket-handover")) }
                    form method="post" action={ "/t/" (n) "/handover" } {
                        (csrf_field(agent))
                        label { (t(lang, "ticket-handover-to")) select name="to" { @for a in &agents { @if a.id != agent.user.id { option value=(a.id) { (a.name) } } } } }
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
                            li { span.when title=(exact_time(a.created_at)) { (ago(lang, a.created_at)) } " " strong { (a.user_name.clone().unwrap_or_else(|| t(lang, "activity-system"))) } " " (activity_text(lang, &a.action, &a.detail, &name_of, &team_of)) }
                        }
                    }
                }
            }
        }
    };
    layout(agent, &title, "page-ticket", content)
}

fn activity_text(lang: Lang, action: &str, detail: &str, name_of: &dyn Fn(Option<i64>) -> Option<String>, team_of: &dyn Fn(Option<i64>) -> Option<String>) -> String {
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
        "remind" => t_args(lang, "activity-remind", &[("when", Arg::Str(&detail.parse().map(exact_time).unwrap_or_default()))]),
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
        other => other.to_string(),
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
                " " span.when title=(exact_time(m.created_at)) { (ago(lang, m.created_at)) }
                @if !m.to.is_empty() && m.kind == MessageKind::Message { span.recipients { " " (t(lang, "ticket-to")) ": " (m.to.join(", ")) @if !m.cc.is_empty() { " · " (t(lang, "ticket-cc")) ": " (m.cc.join(", ")) } } }
                @if let Some(d) = &m.delivery {
                    " " span class={ "delivery " (d) } {
                        @match d.as_str() {
                            "sent" => (t(lang, "ticket-delivery-sent")),
                            "failed" => (t_args(lang, "ticket-delivery-failed", &[("error", Arg::Str(m.delivery_error.as_deref().unwrap_or("")))])),
                            _ => (t(lang, "ticket-delivery-queued")),
                        }
                    }
                }
                @if m.inbound_id.is_some() { " " a.raw href={ "/m/" (m.id) "/raw" } { (t(lang, "ticket-raw")) } }
                @if can_split && m.direction == Direction::In && agent.access.can_reply() {
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
fn reply_form(agent: &Agent, ticket: &Ticket, participants: &[tickets::Participant], canned_list: &[canned::CannedReply], draft: &Draft, kind: &str, can_reply: bool, seen: i64, outbound: &str) -> Markup {
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
                @if !agent.access.can_reply() { span.hint { (t(lang, "reply-light-agent")) } }
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
                    select name="status" disabled[!agent.access.can_reply()] { @for s in TicketStatus::ALL { option value=(s.as_str()) selected[*s == ticket.status] { (status_label(lang, *s)) } } }
                }
                label { (t(lang, "ticket-assignee"))
                    select name="assignee" data-key="a" {
                        option value="" { (t(lang, "ticket-nobody")) }
                        @for a in agents { option value=(a.id) selected[Some(a.id) == ticket.assignee_id] { (a.name) } }
                    }
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

fn customer_panel(agent: &Agent, ticket: &Ticket, customer: Option<&customers::Customer>, others: &[tickets::TicketSummary]) -> Markup {
    let lang = agent.lang;
    let n = ticket.number.get();
    html! {
        section.customer {
            h2 { (t(lang, "customer-title")) }
            @if let Some(c) = customer {
                ul.addresses { @for a in &c.addresses { li { (a) } } }
                form method="post" action={ "/t/" (n) "/customer" } {
                    (csrf_field(agent))
                    label { (t(lang, "customer-name")) input type="text" name="name" value=(c.name); }
                    label { (t(lang, "customer-organisation")) input type="text" name="organisation" value=(c.organisation); }
                    label { (t(lang, "customer-language"))
                        select name="language" {
                            option value="" {}
                            @for l in Lang::ALL { option value=(l.code()) selected[c.language.as_deref() == Some(l.code())] { (l.native_name()) } }
                        }
                    }
                    label { (t(lang, "customer-notes")) textarea name="notes" rows="3" { (c.notes) } }
                    button type="submit" { (t(lang, "customer-save")) }
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

const MAX_ATTACHMENTS_BYTES: usize = 20 << 20;

pub async fn reply(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, mut form: Multipart) -> Response {
    let lang = agent.lang;
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let (mut csrf, mut body, mut kind, mut seen, mut confirm) = (String::new(), String::new(), String::new(), 0i64, false);
    let (mut to_keep, mut cc, mut bcc) = (Vec::new(), String::new(), String::new());
    let mut files = Vec::new();
    let mut total = 0usize;
    loop {
        let f = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return page_error(lang, UiError::Invalid(e.body_text())),
        };
        let name = f.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = podpora_mail::parse::sanitize_filename(f.file_name().unwrap_or_default());
            let ct = f.content_type().unwrap_or("application/octet-stream").to_ascii_lowercase();
            let bytes = match f.bytes().await {
                Ok(b) => b,
                Err(e) => return page_error(lang, UiError::Invalid(e.body_text())),
            };
            if filename.is_empty() && bytes.is_empty() {
                continue;
            }
            total += bytes.len();
            if total > MAX_ATTACHMENTS_BYTES {
                return page_error(lang, UiError::Msg("error-attachments-size", vec![("mb", (MAX_ATTACHMENTS_BYTES >> 20).to_string())]));
            }
            let ct = if ct.split_once('/').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()) && ct.bytes().all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b)) { ct } else { "application/octet-stream".into() };
            files.push(OutgoingAttachment { filename: if filename.is_empty() { "attachment".into() } else { filename }, content_type: ct, bytes: bytes.to_vec() });
            continue;
        }
        let value = f.text().await.unwrap_or_default();
        match name.as_str() {
            "_csrf" => csrf = value,
            "body" => body = value,
            "kind" => kind = value,
            "seen" => seen = value.parse().unwrap_or(0),
            "confirm" => confirm = value == "1",
            "to" => to_keep.push(value),
            "cc" => cc = value,
            "bcc" => bcc = value,
            _ => {}
        }
    }
    if let Err(e) = agent.check_csrf(&csrf) {
        return page_error(lang, e);
    }
    let kind = match kind.as_str() {
        "note" => MessageKind::Note,
        "reply" if agent.access.can_reply() => MessageKind::Message,
        "reply" => return page_error(lang, UiError::Forbidden),
        _ => return page_error(lang, UiError::msg("error-reply-or-note")),
    };
    if body.trim().is_empty() {
        let draft = Draft { body, kind: if kind == MessageKind::Note { "note".into() } else { "reply".into() }, warning: Some(t(lang, "reply-empty")), seen };
        return render(&state, &agent, &ticket, draft, None).await;
    }
    let mut conn = ui_try!(lang, state.room.db.conn().await);
    let msgs = ui_try!(lang, messages::for_ticket(&mut conn, ticket.id).await);
    let participants = ui_try!(lang, tickets::participants(&mut conn, ticket.id).await);
    drop(conn);
    // Someone else answered the customer since this agent opened the ticket: show it, ask again.
    if kind == MessageKind::Message && !confirm {
        if let Some(other) = msgs.iter().find(|m| m.id > seen && m.direction == Direction::Out && m.kind == MessageKind::Message && m.author_user_id != Some(agent.user.id)) {
            // An agent's reply is sent as "Agent (Mailbox)": the name is the part before the mailbox.
            let who = other.from_name.split(" (").next().unwrap_or_default().to_string();
            let draft = Draft { body, kind: "reply".into(), warning: Some(t_args(lang, "reply-collision", &[("name", Arg::Str(&who))])), seen };
            return render(&state, &agent, &ticket, draft, None).await;
        }
    }
    let parse_list = |s: &str| -> Result<Vec<EmailAddress>, UiError> { s.split([',', ';']).map(str::trim).filter(|a| !a.is_empty()).map(|a| EmailAddress::parse(a).map_err(UiError::from)).collect() };
    let cc = ui_try!(lang, parse_list(&cc));
    let bcc = ui_try!(lang, parse_list(&bcc));
    let exclude: Vec<EmailAddress> = participants.iter().filter(|p| !to_keep.contains(&p.address)).filter_map(|p| EmailAddress::parse(&p.address).ok()).collect();
    let user = agent.user.clone();
    let r = Reply { ticket: ticket.number, author: &user, kind, body: &body, exclude: &exclude, cc: &cc, bcc: &bcc, attachments: &files };
    ui_try!(lang, outbound::post(&state.room, &r).await);
    let key = if kind == MessageKind::Note { "reply-noted" } else { "reply-sent" };
    Redirect::to(&format!("/t/{}?ok={key}", ticket.number.get())).into_response()
}

pub async fn update(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, super::checked_form(&agent, &body));
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let now = podpora_store::now_ms();
    let patch = match field(&f, "snooze") {
        "" => {
            let status = match field(&f, "status") {
                "" => None,
                s => Some(ui_try!(lang, s.parse::<TicketStatus>())),
            };
            if status.is_some_and(|s| s != ticket.status) && !agent.access.can_reply() {
                return page_error(lang, UiError::Forbidden);
            }
            let assignee = match field(&f, "assignee") {
                "" => None,
                a => {
                    let id: i64 = ui_try!(lang, a.parse().map_err(|_| UiError::msg("error-unknown-agent")));
                    let u = ui_try!(lang, users::get(&state.room.db, id).await);
                    Some(ui_try!(lang, u.filter(|u| !u.disabled).map(|u| u.id).ok_or(UiError::msg("error-unknown-agent"))))
                }
            };
            let offset_min: i64 = field(&f, "tz_offset").parse().unwrap_or(0).clamp(-24 * 60, 24 * 60);
            let remind = match field(&f, "remind") {
                "" => None,
                r => Some(ui_try!(lang, chrono::NaiveDateTime::parse_from_str(r, "%Y-%m-%dT%H:%M").map(|d| d.and_utc().timestamp_millis() + offset_min * 60_000).map_err(|_| UiError::msg("error-reminder")))),
            };
            let team = match field(&f, "team") {
                "" => None,
                id => {
                    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::msg("error-unknown-team")));
                    let teams = ui_try!(lang, podpora_store::teams::list(&state.room.db).await);
                    Some(ui_try!(lang, teams.iter().find(|t| t.id == id).map(|t| t.id).ok_or(UiError::msg("error-unknown-team"))))
                }
            };
            TicketPatch {
                status,
                team_id: Some(team),
                assignee_id: Some(assignee),
                priority: match field(&f, "priority") {
                    "" => None,
                    p => Some(ui_try!(lang, p.parse::<Priority>())),
                },
                tags: Some(ui_try!(lang, clean_tags(field(&f, "tags")))),
                remind_at: Some(remind),
            }
        }
        s => {
            let until = match s {
                "1h" => now + 3_600_000,
                "tomorrow" => {
                    let tomorrow = chrono::Utc::now().date_naive().succ_opt().and_then(|d| d.and_hms_opt(9, 0, 0));
                    tomorrow.map(|d| d.and_utc().timestamp_millis()).unwrap_or(now + 86_400_000)
                }
                "week" => now + 7 * 86_400_000,
                _ => return page_error(lang, UiError::msg("error-unknown-snooze")),
            };
            TicketPatch { status: Some(TicketStatus::Pending), remind_at: Some(Some(until)), ..Default::default() }
        }
    };
    ui_try!(lang, tickets::patch(&state.room.db, ticket.id, &patch, Some(agent.user.id)).await);
    changed(&state, &ticket, &agent).await;
    Redirect::to(&format!("/t/{}?ok=saved", ticket.number.get())).into_response()
}

pub async fn merge(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, super::checked_form(&agent, &body));
    let from = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let into = ui_try!(lang, super::visible_ticket(&state, &agent, field(&f, "into")).await);
    ui_try!(lang, tickets::merge(&state.room.db, &from, &into, Some(agent.user.id)).await);
    changed(&state, &from, &agent).await;
    changed(&state, &into, &agent).await;
    Redirect::to(&format!("/t/{}?ok=ticket-merge-done", into.number.get())).into_response()
}

/// Splits a message (and what follows it) into a new ticket.
pub async fn split(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, super::checked_form(&agent, &body));
    if !agent.access.can_reply() {
        return page_error(lang, UiError::Forbidden);
    }
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let message: i64 = ui_try!(lang, field(&f, "message").parse().map_err(|_| UiError::NotFound));
    // The message must belong to this ticket (checked in the store): no reaching into others.
    let new = ui_try!(lang, tickets::split(&state.room.db, &ticket, message, Some(agent.user.id)).await);
    changed(&state, &ticket, &agent).await;
    changed(&state, &new, &agent).await;
    Redirect::to(&format!("/t/{}?ok=saved", new.number.get())).into_response()
}

/// Hands the ticket to a colleague with a note: assignment, an internal note and a log entry.
pub async fn handover(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, super::checked_form(&agent, &body));
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let to: i64 = ui_try!(lang, field(&f, "to").parse().map_err(|_| UiError::msg("error-choose-colleague")));
    let colleague = ui_try!(lang, ui_try!(lang, users::get(&state.room.db, to).await).filter(|u| !u.disabled).ok_or(UiError::msg("error-choose-colleague")));
    let note = field(&f, "note").trim().to_string();
    if note.is_empty() {
        return page_error(lang, UiError::msg("reply-empty"));
    }
    let mut tx = ui_try!(lang, state.room.db.begin().await);
    ui_try!(lang, tickets::patch_in(&mut tx, ticket.id, &TicketPatch { assignee_id: Some(Some(colleague.id)), ..Default::default() }, Some(agent.user.id)).await);
    ui_try!(lang, activity::add(&mut tx, ticket.id, Some(agent.user.id), "handover", &format!("{} {}", colleague.id, podpora_mail::db_text(&note))).await);
    ui_try!(lang, mentions::add(&mut tx, &[colleague.id], ticket.id, agent.user.id).await);
    ui_try!(lang, tx.commit().await);
    let user = agent.user.clone();
    let text = format!("@{} {note}", colleague.email.as_str().split('@').next().unwrap_or_default());
    ui_try!(lang, outbound::post(&state.room, &Reply { ticket: ticket.number, author: &user, kind: MessageKind::Note, body: &text, exclude: &[], cc: &[], bcc: &[], attachments: &[] }).await);
    changed(&state, &ticket, &agent).await;
    Redirect::to(&format!("/t/{}?ok=saved", ticket.number.get())).into_response()
}

pub async fn customer(State(state): State<AppState>, agent: Agent, Path(number): Path<String>, body: Bytes) -> Response {
    let lang = agent.lang;
    let f = ui_try!(lang, super::checked_form(&agent, &body));
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let language = Lang::from_code(field(&f, "language")).map(|l| l.code());
    let clean = |s: &str, max: usize| podpora_mail::db_text(s.trim()).chars().take(max).collect::<String>();
    let (name, notes, organisation) = (clean(field(&f, "name"), 200), clean(field(&f, "notes"), 5000), clean(field(&f, "organisation"), 200));
    let mut tx = ui_try!(lang, state.room.db.begin().await);
    ui_try!(lang, customers::update_profile(&mut tx, ticket.customer_id, &CustomerProfile { name: &name, notes: &notes, organisation: &organisation, language }).await);
    ui_try!(lang, activity::add(&mut tx, ticket.id, Some(agent.user.id), "customer", "").await);
    ui_try!(lang, tx.commit().await);
    Redirect::to(&format!("/t/{}?ok=saved", ticket.number.get())).into_response()
}

/// A canned reply with this ticket's variables filled in, as plain text for the reply box.
pub async fn canned_text(State(state): State<AppState>, agent: Agent, Path((number, id)): Path<(String, String)>) -> Response {
    let lang = agent.lang;
    let ticket = ui_try!(lang, super::visible_ticket(&state, &agent, &number).await);
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let c = ui_try!(lang, canned::get(&state.room.db, id).await);
    if c.owner_id.is_some_and(|o| o != agent.user.id) {
        return page_error(lang, UiError::NotFound);
    }
    let customer = ui_try!(lang, customers::get(&mut *ui_try!(lang, state.room.db.conn().await), ticket.customer_id).await);
    let name = customer.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let first = name.split_whitespace().next().unwrap_or_default().to_string();
    let agent_first = agent.user.name.split_whitespace().next().unwrap_or_default().to_string();
    let number = ticket.number.to_string();
    let vars = [
        ("customer_name", name.as_str()),
        ("customer_first_name", first.as_str()),
        ("ticket_number", number.as_str()),
        ("subject", ticket.subject.as_str()),
        ("agent_name", agent.user.name.as_str()),
        ("agent_first_name", agent_first.as_str()),
    ];
    let text = podpora_domain::template::render(&c.body, &vars);
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], text).into_response()
}

/// The variables a canned reply may use.
pub const CANNED_VARIABLES: &[&str] = &["customer_name", "customer_first_name", "ticket_number", "subject", "agent_name", "agent_first_name"];
