//! REST API v1 handlers. Each parses its request into typed values, calls one command (which
//! checks the caller's rights: a ticket outside them is "not found") and renders JSON.

use crate::auth::ApiUser;
use crate::error::ErrorResponses;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use podpora_commands::admin::{self, AckSettingsChange};
use podpora_commands::intake::{self, NewTicket};
use podpora_commands::messages::{self as posts, Audience, NewPost, Upload};
use podpora_commands::organisations::OrganisationChange;
use podpora_commands::routing::{self, PolicyChange, RoutingPool};
use podpora_commands::rules::{self, DryRun, RuleInfo, RuleSpec};
use podpora_commands::sla::{self, CalendarChange, SlaPolicyChange, SlaPolicyInfo};
use podpora_commands::tickets::{self as desk, TicketChange, TicketView};
use podpora_domain::routing::AssignmentPolicy;
use podpora_domain::{AgentStatus, Channel, Delivery, EmailAddress, Lang, MessageKind, Priority, Tag, TicketStatus};
use podpora_mail::ingest::Outcome;
use podpora_store::inbound::InboundStatus;
use podpora_store::tickets::{AssigneeFilter, Sort, TicketQuery};
use podpora_store::users;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod kb;
mod search;

/// A numeric id from the path; anything else names nothing that exists.
fn path_id(s: &str, what: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| ApiError::not_found(what))
}

/// A query parameter parsed by its type's `FromStr`; an empty one is the same as none.
fn non_empty<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only tickets with this status.
    #[serde(default, deserialize_with = "non_empty")]
    status: Option<TicketStatus>,
    /// "me", "none" or an agent's email.
    assignee: Option<String>,
    /// Only tickets with this tag.
    #[serde(default, deserialize_with = "non_empty")]
    tag: Option<Tag>,
    /// Words from the subject, customer and messages (diacritics optional); "#123" is ticket 123.
    q: Option<String>,
    /// "oldest" (the default) or "newest" first, or "due": the nearest SLA due time first.
    #[serde(default, deserialize_with = "non_empty")]
    #[param(value_type = Option<String>, pattern = "^(oldest|newest|due)$")]
    sort: Option<Sort>,
    /// `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "non_empty")]
    cursor: Option<i64>,
    /// Tickets a page (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// An agent named in a request: "me", nobody ("none" or empty), or by email address.
async fn agent_named(state: &AppState, me: &ApiUser, value: &str) -> Result<Option<i64>, ApiError> {
    match value.trim() {
        "me" => Ok(Some(me.0.id())),
        "none" | "" => Ok(None),
        other => {
            let e = EmailAddress::parse(other)?;
            Ok(Some(users::find_by_email(&state.room.db, &e).await?.ok_or_else(|| ApiError::invalid(format!("no agent {e}")))?.id))
        }
    }
}

/// List tickets (within the caller's rights).
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(ListParams),
    responses((status = 200, description = "A page of tickets and `next_cursor`", body = Value), ErrorResponses))]
pub async fn list_tickets(
    State(state): State<AppState>,
    me: ApiUser,
    QueryParams(p): QueryParams<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let assignee = match p.assignee.as_deref() {
        None => None,
        Some(a) => Some(match agent_named(&state, &me, a).await? {
            Some(id) => AssigneeFilter::User(id),
            None => AssigneeFilter::Nobody,
        }),
    };
    let q = TicketQuery {
        statuses: p.status.into_iter().collect(),
        assignee,
        tag: p.tag,
        q: p.q,
        sort: p.sort.unwrap_or_default(),
        after_id: p.cursor,
        limit: p.limit.unwrap_or(50),
        ..desk::query(&me.0)
    };
    let (page, next) = desk::list(&state.room, &me.0, q).await?;
    Ok(Json(json!({
        "tickets": page.iter().map(|s| json!({
            "number": s.ticket.number,
            "subject": s.ticket.subject,
            "status": s.ticket.status,
            "channel": s.ticket.channel,
            "assignee_id": s.ticket.assignee_id,
            "priority": s.ticket.priority,
            "customer": s.customer_address,
            "created_at": s.ticket.created_at,
            "updated_at": s.ticket.updated_at,
        })).collect::<Vec<_>>(),
        "next_cursor": next.map(|n| n.to_string()),
    })))
}

fn ticket_json(v: &TicketView, agents: &[users::User]) -> Value {
    let t = &v.ticket;
    let name = |id: i64| agents.iter().find(|a| a.id == id).map(|a| a.name.clone()).unwrap_or_else(|| format!("#{id}"));
    let reason = routing::assignment_text(t, Lang::En, &name);
    let assignment = match (t.assigned_by, &reason) {
        (Some(by), _) => json!({"by": by, "reason": reason}),
        (None, Some(_)) => json!({"by": null, "reason": reason}),
        (None, None) => Value::Null,
    };
    json!({
        "ticket": {
            "number": t.number, "subject": t.subject, "status": t.status, "channel": t.channel,
            "assignee_id": t.assignee_id, "assignment": assignment, "related_number": t.related_number, "mailbox_id": t.mailbox_id,
            "priority": t.priority, "remind_at": t.remind_at, "team_id": t.team_id,
            "created_at": t.created_at, "updated_at": t.updated_at,
            "participants": v.participants, "tags": v.tags, "customer": v.customer,
        },
        "messages": v.messages.iter().map(|m| json!({
            "id": m.id, "direction": m.direction, "kind": m.kind, "from": m.from_address, "from_name": m.from_name,
            "to": m.to, "cc": m.cc, "subject": m.subject, "body": m.body_text, "body_html": m.body_html,
            "quoted": m.quoted_text, "signature": m.signature, "message_id": m.message_id,
            "delivery": m.delivery, "delivery_error": m.delivery_error, "created_at": m.created_at,
            "inbound_id": m.inbound_id,
            "attachments": m.attachments.iter().map(|a| json!({
                "id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                "inline": a.inline, "content_id": a.content_id, "url": format!("/api/v1/attachments/{}", a.id),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A ticket with its messages.
#[utoipa::path(get, path = "/api/v1/tickets/{number}", tag = "tickets", params(("number" = i64, Path, description = "The ticket number")),
    responses((status = 200, description = "The ticket, its participants, tags, customer and messages", body = Value), ErrorResponses))]
pub async fn get_ticket(State(state): State<AppState>, me: ApiUser, Path(number): Path<String>) -> Result<Json<Value>, ApiError> {
    let view = desk::view(&state.room, &me.0, desk::number(&number)?).await?;
    let agents = podpora_commands::directory::agents(&state.room, &me.0).await?;
    Ok(Json(ticket_json(&view, &agents)))
}

/// The channels a ticket may be written in through the API.
#[derive(Debug, Clone, Copy, Deserialize, Default, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WrittenChannel {
    #[default]
    Api,
    Web,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    from: EmailAddress,
    #[serde(default)]
    name: String,
    #[serde(default)]
    subject: String,
    body: String,
    mailbox: Option<EmailAddress>,
    #[serde(default)]
    channel: WrittenChannel,
}

/// Open a ticket for a customer (web form / API channel); acknowledged like mail.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = NewTicketBody,
    responses((status = 201, description = "Created", body = Created), ErrorResponses))]
pub async fn create_ticket(State(state): State<AppState>, me: ApiUser, JsonBody(b): JsonBody<NewTicketBody>) -> Result<Response, ApiError> {
    let channel = match b.channel {
        WrittenChannel::Api => Channel::Api,
        WrittenChannel::Web => Channel::Web,
    };
    let t = NewTicket { from: b.from, name: &b.name, subject: &b.subject, body: &b.body, mailbox: b.mailbox, channel };
    let number = intake::open_ticket(&state.room, &me.0, &t).await?;
    Ok((StatusCode::CREATED, Json(Created { number: number.get() })).into_response())
}

/// A ticket was opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub number: i64,
}

/// A message was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedMessage {
    pub id: i64,
    /// Queued for a reply (then sent or failed, shown on the ticket's message), null for a note.
    pub delivery: Option<Delivery>,
}

/// What an agent writes through the API.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Reply,
    Note,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageBody {
    kind: PostKind,
    body: String,
    /// Participants left out of this reply.
    #[serde(default)]
    exclude: Vec<EmailAddress>,
    #[serde(default)]
    attachments: Vec<AttachmentBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    filename: String,
    #[serde(default)]
    content_type: Option<String>,
    /// The file, base64-encoded.
    data_base64: String,
}

/// Reply to the customer (queued for delivery) or add an internal note.
#[utoipa::path(post, path = "/api/v1/tickets/{number}/messages", tag = "tickets", params(("number" = i64, Path, description = "The ticket number")),
    request_body = NewMessageBody, responses((status = 201, description = "Written; a reply is queued for delivery", body = PostedMessage), ErrorResponses))]
pub async fn post_message(
    State(state): State<AppState>,
    me: ApiUser,
    Path(number): Path<String>,
    JsonBody(b): JsonBody<NewMessageBody>,
) -> Result<Response, ApiError> {
    use base64::Engine;
    let number = desk::number(&number)?;
    let mut uploads = Vec::with_capacity(b.attachments.len());
    for a in b.attachments {
        let bytes = base64::engine::general_purpose::STANDARD.decode(a.data_base64.trim()).map_err(|_| {
            ApiError::invalid(format!("attachment '{}' is not valid base64", a.filename.chars().take(80).collect::<String>()))
        })?;
        uploads.push(Upload { filename: a.filename, content_type: a.content_type, bytes });
    }
    let kind = match b.kind {
        PostKind::Reply => MessageKind::Message,
        PostKind::Note => MessageKind::Note,
    };
    let post = NewPost {
        kind,
        body: &b.body,
        audience: Audience::AllBut(b.exclude),
        cc: vec![],
        bcc: vec![],
        files: posts::files(uploads)?,
        seen: None,
    };
    let posted = posts::post(&state.room, &me.0, number, post).await?;
    let delivery = posted.outbox_id.map(|_| Delivery::Queued);
    Ok((StatusCode::CREATED, Json(PostedMessage { id: posted.message_pk, delivery })).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    status: Option<TicketStatus>,
    /// "me", an agent's email, or null to unassign.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    assignee: Option<Option<String>>,
    tags: Option<Vec<Tag>>,
    priority: Option<Priority>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Ok(Some(Option::deserialize(d)?))
    }
}

/// Change a ticket's status, assignee, tags or priority (each optional).
#[utoipa::path(patch, path = "/api/v1/tickets/{number}", tag = "tickets", params(("number" = i64, Path, description = "The ticket number")),
    request_body = PatchBody, responses((status = 200, description = "The changed ticket, as GET returns it", body = Value), ErrorResponses))]
pub async fn patch_ticket(
    State(state): State<AppState>,
    me: ApiUser,
    Path(number): Path<String>,
    JsonBody(b): JsonBody<PatchBody>,
) -> Result<Json<Value>, ApiError> {
    let number = desk::number(&number)?;
    let assignee = match b.assignee {
        None => None,
        Some(None) => Some(None),
        Some(Some(a)) => Some(agent_named(&state, &me, &a).await?),
    };
    let change = TicketChange { status: b.status, assignee, tags: b.tags, priority: b.priority, ..Default::default() };
    desk::update(&state.room, &me.0, number, &change).await?;
    get_ticket(State(state), me, Path(number.get().to_string())).await
}

pub(crate) fn download(bytes: Vec<u8>, filename: &str, content_type: &str) -> Response {
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ')).collect();
    let safe = if safe.trim().is_empty() { "download".to_string() } else { safe };
    let encoded: String = filename
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    // Never served as active content from our origin: a download, sniffing off, sandboxed.
    let ct = if content_type.starts_with("message/") { "message/rfc822" } else { "application/octet-stream" };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    r
}

/// Download an attachment (always as a download, never rendered).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>), ErrorResponses))]
pub async fn download_attachment(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (a, bytes) = posts::attachment(&state.room, &me.0, path_id(&id, "attachment")?).await?;
    Ok(download(bytes, &a.filename, &a.content_type))
}

/// The mailboxes the caller may see, with their fetch health, and where outgoing mail goes.
#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mail", responses((status = 200, description = "Mailboxes", body = Value), ErrorResponses))]
pub async fn list_mailboxes(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let list = podpora_commands::directory::mailboxes(&state.room, &me.0).await?;
    Ok(Json(json!({
        "outbound": state.setup.outbound,
        "mailboxes": list.iter().map(|m| json!({
            "id": m.id, "address": m.address, "name": m.name, "imap": m.imap_url.is_some(),
            "last_fetch_at": m.last_fetch_at, "last_error": m.last_error, "last_error_at": m.last_error_at, "fetched_count": m.fetched_count,
            "ack_enabled": m.ack_enabled,
        })).collect::<Vec<_>>(),
    })))
}

/// Change a mailbox's automatic acknowledgement (admins; texts are templates, validated on save).
#[utoipa::path(put, path = "/api/v1/mailboxes/{id}/ack", tag = "mail", params(("id" = i64, Path)), request_body = AckSettingsChange,
    responses((status = 200, description = "The acknowledgement settings", body = Value), ErrorResponses))]
pub async fn change_ack(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<AckSettingsChange>,
) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    let mb = admin::change_ack(&state.room, &admin, path_id(&id, "mailbox")?, &c).await?;
    Ok(Json(json!({"id": mb.id, "ack_enabled": mb.ack_enabled, "ack_subject": mb.ack_subject, "ack_body": mb.ack_body,
        "support_hours": mb.support_hours, "response_time": mb.response_time, "alternative_contacts": mb.alternative_contacts,
        "language": mb.language, "time_zone": mb.time_zone, "versions": mb.ack_versions})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboundParams {
    /// "set_aside" (the default), "received" or "processed".
    #[param(pattern = "^(set_aside|received|processed)$")]
    status: Option<String>,
}

/// Received mail by status (default: set aside), of the mailboxes the caller may see.
#[utoipa::path(get, path = "/api/v1/inbound", tag = "mail", params(InboundParams), responses((status = 200, description = "Messages", body = Value), ErrorResponses))]
pub async fn list_inbound(
    State(state): State<AppState>,
    me: ApiUser,
    QueryParams(p): QueryParams<InboundParams>,
) -> Result<Json<Value>, ApiError> {
    let status = match p.status.as_deref() {
        None | Some("set_aside") => InboundStatus::SetAside,
        Some("received") => InboundStatus::Received,
        Some("processed") => InboundStatus::Processed,
        Some(_) => return Err(ApiError::invalid("status must be set_aside, received or processed")),
    };
    let list = admin::inbound(&state.room, &me.0, status, 200).await?;
    Ok(Json(json!({"inbound": list.iter().map(|i| json!({
        "id": i.id, "source": i.source, "envelope_from": i.envelope_from, "envelope_to": i.envelope_to,
        "size": i.size, "status": i.status, "reason": i.reason, "received_at": i.received_at,
        "raw_url": format!("/api/v1/inbound/{}/raw", i.id),
    })).collect::<Vec<_>>()})))
}

/// A received mail exactly as it arrived (.eml).
#[utoipa::path(get, path = "/api/v1/inbound/{id}/raw", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, description = "The mail", content_type = "message/rfc822", body = Vec<u8>), ErrorResponses))]
pub async fn download_raw(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id, "message")?;
    let bytes = admin::inbound_raw(&state.room, &me.0, id).await?;
    Ok(download(bytes, &format!("message-{id}.eml"), "message/rfc822"))
}

/// Process a set-aside message again (admins).
#[utoipa::path(post, path = "/api/v1/inbound/{id}/reprocess", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, description = "What became of it", body = Value), ErrorResponses))]
pub async fn reprocess_inbound(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    match admin::reprocess(&state.room, &admin, path_id(&id, "message")?).await? {
        None => Err(ApiError::new(StatusCode::CONFLICT, "not_set_aside", "only a set-aside message can be reprocessed")),
        Some(Outcome::Ticket { number, .. }) => Ok(Json(json!({"result": "ticket", "number": number}))),
        Some(Outcome::SetAside { reason, .. }) => Ok(Json(json!({"result": "set_aside", "reason": reason}))),
    }
}

/// The agents (every account, disabled ones marked), with their availability and teams.
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", responses((status = 200, description = "Agents", body = Value), ErrorResponses))]
pub async fn list_agents(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let agents = podpora_commands::directory::agents(&state.room, &me.0).await?;
    let teams = podpora_commands::directory::teams(&state.room, &me.0).await?;
    let now = podpora_store::now_ms();
    Ok(Json(json!({"agents": agents.iter().map(|a| json!({
        "id": a.id, "email": a.email, "name": a.name, "role": a.role, "disabled": a.disabled, "ui_language": a.language,
        // What counts (off outside the working hours), and what the agent set.
        "status": podpora_commands::accounts::availability(a, now), "status_set": a.status,
        "capacity": a.profile.capacity, "languages": a.profile.languages, "skills": a.profile.skills,
        "working_hours": a.profile.working_hours, "time_zone": a.profile.time_zone,
        "teams": teams.iter().filter(|t| t.members.contains(&a.id)).map(|t| t.id).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    status: AgentStatus,
}

/// Set an agent's availability: one's own, or (admins) anyone's.
#[utoipa::path(put, path = "/api/v1/agents/{email}/status", tag = "agents", params(("email" = String, Path, description = "The agent's email")),
    request_body = StatusBody, responses((status = 200, description = "The agent's email and status", body = Value), ErrorResponses))]
pub async fn set_agent_status(
    State(state): State<AppState>,
    me: ApiUser,
    Path(email): Path<String>,
    JsonBody(b): JsonBody<StatusBody>,
) -> Result<Json<Value>, ApiError> {
    let email = EmailAddress::parse(&email).map_err(|_| ApiError::not_found("agent"))?;
    let agent = podpora_commands::accounts::set_status(&state.room, &me.0, &email, b.status).await?;
    Ok(Json(json!({"email": agent.email, "status": agent.status})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// Open tickets at once (0–1000).
    capacity: i64,
    /// Language codes the agent answers in (`cs`, `en`).
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    skills: Vec<String>,
    /// IANA time zone of the working hours (`Europe/Prague`).
    #[serde(default)]
    time_zone: String,
    /// Weekly hours (`mon-fri 09:00-17:00, sat 10:00-14:00`); empty: no shift.
    #[serde(default)]
    working_hours: String,
}

/// Set an agent's capacity, languages, skills and working hours (admins).
#[utoipa::path(put, path = "/api/v1/agents/{email}/profile", tag = "agents", params(("email" = String, Path, description = "The agent's email")),
    request_body = ProfileBody, responses((status = 200, description = "The agent's email and profile", body = Value), ErrorResponses))]
pub async fn set_agent_profile(
    State(state): State<AppState>,
    me: ApiUser,
    Path(email): Path<String>,
    JsonBody(b): JsonBody<ProfileBody>,
) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    let email = EmailAddress::parse(&email).map_err(|_| ApiError::not_found("agent"))?;
    let change = podpora_commands::accounts::ProfileChange {
        capacity: b.capacity,
        languages: b.languages.join(","),
        skills: b.skills.join(","),
        time_zone: b.time_zone,
        working_hours: b.working_hours,
    };
    let agent = podpora_commands::accounts::set_profile(&state.room, &admin, &email, &change).await?;
    Ok(Json(
        json!({"email": agent.email, "profile": agent.profile, "status": podpora_commands::accounts::availability(&agent, podpora_store::now_ms())}),
    ))
}

fn policy_json(p: &AssignmentPolicy) -> Value {
    json!({"policy": p.kind(), "fallback": p.fallback(), "sticky_days": p.sticky_days(), "by_language": p.by_language(),
        "reassign_off_shift": p.reassign_off_shift(), "overflow_team": p.overflow().map(|o| o.to), "overflow_after": p.overflow().map(|o| o.after)})
}

/// A mailbox's assignment policy (manual until an admin sets one).
#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/assignment", tag = "routing", params(("id" = i64, Path)),
    responses((status = 200, description = "The policy", body = Value), ErrorResponses))]
pub async fn get_mailbox_assignment(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let pool = RoutingPool::Mailbox(path_id(&id, "mailbox")?);
    Ok(Json(policy_json(&routing::policy(&state.room, &me.0, pool).await?)))
}

/// Set a mailbox's assignment policy (admins): manual, round_robin, least_loaded, sticky or account_manager.
#[utoipa::path(put, path = "/api/v1/mailboxes/{id}/assignment", tag = "routing", params(("id" = i64, Path)), request_body = PolicyChange,
    responses((status = 200, description = "The policy", body = Value), ErrorResponses))]
pub async fn set_mailbox_assignment(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<PolicyChange>,
) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    let pool = RoutingPool::Mailbox(path_id(&id, "mailbox")?);
    Ok(Json(policy_json(&routing::set_policy(&state.room, &admin, pool, &c).await?)))
}

/// A team's assignment policy (it decides for tickets given to the team).
#[utoipa::path(get, path = "/api/v1/teams/{id}/assignment", tag = "routing", params(("id" = i64, Path)),
    responses((status = 200, description = "The policy", body = Value), ErrorResponses))]
pub async fn get_team_assignment(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let pool = RoutingPool::Team(path_id(&id, "team")?);
    Ok(Json(policy_json(&routing::policy(&state.room, &me.0, pool).await?)))
}

/// Set a team's assignment policy (admins).
#[utoipa::path(put, path = "/api/v1/teams/{id}/assignment", tag = "routing", params(("id" = i64, Path)), request_body = PolicyChange,
    responses((status = 200, description = "The policy", body = Value), ErrorResponses))]
pub async fn set_team_assignment(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<PolicyChange>,
) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    let pool = RoutingPool::Team(path_id(&id, "team")?);
    Ok(Json(policy_json(&routing::set_policy(&state.room, &admin, pool, &c).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagerBody {
    /// The agent's email, or null to clear.
    email: Option<EmailAddress>,
}

/// Set (or clear) the account manager of a ticket's customer: the account-manager policy gives
/// the customer's tickets to them.
#[utoipa::path(put, path = "/api/v1/tickets/{number}/customer/account_manager", tag = "routing",
    params(("number" = i64, Path, description = "The ticket number")), request_body = ManagerBody,
    responses((status = 200, description = "The ticket, as GET returns it", body = Value), ErrorResponses))]
pub async fn set_account_manager(
    State(state): State<AppState>,
    me: ApiUser,
    Path(number): Path<String>,
    JsonBody(b): JsonBody<ManagerBody>,
) -> Result<Json<Value>, ApiError> {
    let number = desk::number(&number)?;
    let manager = match &b.email {
        Some(e) => Some(users::find_by_email(&state.room.db, e).await?.ok_or_else(|| ApiError::invalid(format!("no agent {e}")))?.id),
        None => None,
    };
    podpora_commands::customers::set_account_manager(&state.room, &me.0, number, manager).await?;
    get_ticket(State(state), me, Path(number.get().to_string())).await
}

/// The REST API's document, made from the handlers' own types (see `routes`).
#[derive(OpenApi)]
#[openapi(
    info(title = "podpora", description = "Helpdesk REST API. Authenticate with 'Authorization: Bearer TOKEN' (podpora token create). Errors are {\"error\":{\"code\",\"message\"}} with a stable code."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "tickets", description = "Tickets and their messages"), (name = "mail", description = "Mailboxes and received mail"), (name = "agents", description = "Agents and their availability"), (name = "routing", description = "Assignment policies and account managers"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

fn organisation_json(o: &podpora_store::organisations::Organisation) -> Value {
    json!({"id": o.id, "name": o.name, "domains": o.domains, "account_manager_id": o.account_manager_id, "notes": o.notes, "customers": o.customers})
}

/// Organisations (B2B customers), by name.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", responses((status = 200, description = "The organisations", body = Value), ErrorResponses))]
pub async fn list_organisations(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let all = podpora_commands::organisations::list(&state.room, &me.0).await?;
    Ok(Json(json!({ "organisations": all.iter().map(organisation_json).collect::<Vec<_>>() })))
}

/// Add an organisation (admins): name, mail domains (comma-separated), account manager, notes.
/// Customers of its domains without an organisation join it.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = OrganisationChange,
    responses((status = 201, description = "The organisation", body = Value), ErrorResponses))]
pub async fn create_organisation(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(c): JsonBody<OrganisationChange>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let o = podpora_commands::organisations::create(&state.room, &me.0.admin()?, &c).await?;
    Ok((StatusCode::CREATED, Json(organisation_json(&o))))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, description = "The organisation", body = Value), ErrorResponses))]
pub async fn get_organisation(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(organisation_json(&podpora_commands::organisations::get(&state.room, &me.0, path_id(&id, "organisation")?).await?)))
}

/// Change an organisation (admins).
#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)), request_body = OrganisationChange,
    responses((status = 200, description = "The organisation", body = Value), ErrorResponses))]
pub async fn update_organisation(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<OrganisationChange>,
) -> Result<Json<Value>, ApiError> {
    let o = podpora_commands::organisations::update(&state.room, &me.0.admin()?, path_id(&id, "organisation")?, &c).await?;
    Ok(Json(organisation_json(&o)))
}

/// Remove an organisation (admins); its customers keep none.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), ErrorResponses))]
pub async fn delete_organisation(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    podpora_commands::organisations::delete(&state.room, &me.0.admin()?, path_id(&id, "organisation")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn calendar_json(c: &podpora_store::sla::CalendarRow) -> Value {
    json!({"id": c.id, "name": c.name, "time_zone": c.time_zone, "week": c.week, "holidays": c.holidays})
}

/// Business calendars: a time zone, weekly hours, holidays.
#[utoipa::path(get, path = "/api/v1/calendars", tag = "sla", responses((status = 200, description = "The calendars", body = Value), ErrorResponses))]
pub async fn list_calendars(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let all = sla::calendars(&state.room, &me.0).await?;
    Ok(Json(json!({ "calendars": all.iter().map(calendar_json).collect::<Vec<_>>() })))
}

/// Add a calendar (admins): `week` like `mon-fri 09:00-17:00, sat 10:00-14:00`, `holidays` one
/// per line (`2026-12-24 Christmas Eve`).
#[utoipa::path(post, path = "/api/v1/calendars", tag = "sla", request_body = CalendarChange,
    responses((status = 201, description = "The calendar", body = Value), ErrorResponses))]
pub async fn create_calendar(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(c): JsonBody<CalendarChange>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    Ok((StatusCode::CREATED, Json(calendar_json(&sla::save_calendar(&state.room, &me.0.admin()?, None, &c).await?))))
}

#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 200, description = "The calendar", body = Value), ErrorResponses))]
pub async fn get_calendar(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(calendar_json(&sla::calendar(&state.room, &me.0, path_id(&id, "calendar")?).await?)))
}

#[utoipa::path(put, path = "/api/v1/calendars/{id}", tag = "sla", params(("id" = i64, Path)), request_body = CalendarChange,
    responses((status = 200, description = "The calendar", body = Value), ErrorResponses))]
pub async fn update_calendar(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<CalendarChange>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(calendar_json(&sla::save_calendar(&state.room, &me.0.admin()?, Some(path_id(&id, "calendar")?), &c).await?)))
}

/// Remove a calendar no SLA policy uses.
#[utoipa::path(delete, path = "/api/v1/calendars/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), ErrorResponses))]
pub async fn delete_calendar(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    sla::delete_calendar(&state.room, &me.0.admin()?, path_id(&id, "calendar")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicHolidays {
    /// `cz`, `pl` or `ru`.
    pub country: String,
    pub year: i32,
}

/// Add a country's public holidays of a year to a calendar (those there stay).
#[utoipa::path(post, path = "/api/v1/calendars/{id}/public-holidays", tag = "sla", params(("id" = i64, Path)), request_body = PublicHolidays,
    responses((status = 200, description = "The calendar", body = Value), ErrorResponses))]
pub async fn add_public_holidays(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(h): JsonBody<PublicHolidays>,
) -> Result<Json<Value>, ApiError> {
    let c = sla::add_public_holidays(&state.room, &me.0.admin()?, path_id(&id, "calendar")?, &h.country, h.year).await?;
    Ok(Json(calendar_json(&c)))
}

/// SLA policies: targets per channel and priority in business time, and the mailboxes they measure.
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla", responses((status = 200, description = "The policies", body = [SlaPolicyInfo]), ErrorResponses))]
pub async fn list_sla_policies(State(state): State<AppState>, me: ApiUser) -> Result<Json<Vec<SlaPolicyInfo>>, ApiError> {
    Ok(Json(sla::policies(&state.room, &me.0).await?))
}

/// Add an SLA policy (admins). Durations like `30m`, `8h`, `1h30m` (business time).
#[utoipa::path(post, path = "/api/v1/sla-policies", tag = "sla", request_body = SlaPolicyChange,
    responses((status = 201, description = "The policy", body = SlaPolicyInfo), ErrorResponses))]
pub async fn create_sla_policy(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(p): JsonBody<SlaPolicyChange>,
) -> Result<(StatusCode, Json<SlaPolicyInfo>), ApiError> {
    Ok((StatusCode::CREATED, Json(sla::save_policy(&state.room, &me.0.admin()?, None, &p).await?)))
}

#[utoipa::path(get, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 200, description = "The policy", body = SlaPolicyInfo), ErrorResponses))]
pub async fn get_sla_policy(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<SlaPolicyInfo>, ApiError> {
    Ok(Json(sla::policy(&state.room, &me.0, path_id(&id, "SLA policy")?).await?))
}

#[utoipa::path(put, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)), request_body = SlaPolicyChange,
    responses((status = 200, description = "The policy", body = SlaPolicyInfo), ErrorResponses))]
pub async fn update_sla_policy(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<SlaPolicyChange>,
) -> Result<Json<SlaPolicyInfo>, ApiError> {
    Ok(Json(sla::save_policy(&state.room, &me.0.admin()?, Some(path_id(&id, "SLA policy")?), &p).await?))
}

#[utoipa::path(delete, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), ErrorResponses))]
pub async fn delete_sla_policy(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    sla::delete_policy(&state.room, &me.0.admin()?, path_id(&id, "SLA policy")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The rules (automations), in the order they run (admins).
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules", responses((status = 200, description = "The rules", body = [RuleInfo]), ErrorResponses))]
pub async fn list_rules(State(state): State<AppState>, me: ApiUser) -> Result<Json<Vec<RuleInfo>>, ApiError> {
    Ok(Json(rules::list(&state.room, &me.0.admin()?).await?))
}

/// Add a rule at the end of the order (admins). Conditions: `{"field", "op", "value"}`, all must
/// hold; actions: `{"action", "value"}`.
#[utoipa::path(post, path = "/api/v1/rules", tag = "rules", request_body = RuleSpec,
    responses((status = 201, description = "The rule", body = RuleInfo), ErrorResponses))]
pub async fn create_rule(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(spec): JsonBody<RuleSpec>,
) -> Result<(StatusCode, Json<RuleInfo>), ApiError> {
    Ok((StatusCode::CREATED, Json(rules::create(&state.room, &me.0.admin()?, &spec).await?)))
}

#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    responses((status = 200, description = "The rule", body = RuleInfo), ErrorResponses))]
pub async fn get_rule(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<RuleInfo>, ApiError> {
    Ok(Json(rules::get(&state.room, &me.0.admin()?, path_id(&id, "rule")?).await?))
}

/// Change a rule (it keeps its place in the order).
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)), request_body = RuleSpec,
    responses((status = 200, description = "The rule", body = RuleInfo), ErrorResponses))]
pub async fn update_rule(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(spec): JsonBody<RuleSpec>,
) -> Result<Json<RuleInfo>, ApiError> {
    Ok(Json(rules::update(&state.room, &me.0.admin()?, path_id(&id, "rule")?, &spec).await?))
}

#[utoipa::path(delete, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), ErrorResponses))]
pub async fn delete_rule(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    rules::delete(&state.room, &me.0.admin()?, path_id(&id, "rule")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleOrder {
    /// Rule ids in the order they should run; rules not named follow in their order.
    pub ids: Vec<i64>,
}

/// Put the rules in an order.
#[utoipa::path(put, path = "/api/v1/rules/order", tag = "rules", request_body = RuleOrder,
    responses((status = 200, description = "The rules in their new order", body = [RuleInfo]), ErrorResponses))]
pub async fn order_rules(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(o): JsonBody<RuleOrder>,
) -> Result<Json<Vec<RuleInfo>>, ApiError> {
    Ok(Json(rules::reorder(&state.room, &me.0.admin()?, &o.ids).await?))
}

/// Which existing tickets (not closed, the newest 10,000) a rule as written would touch now.
/// Changes nothing.
#[utoipa::path(post, path = "/api/v1/rules/dry-run", tag = "rules", request_body = RuleSpec,
    responses((status = 200, description = "What the rule would touch", body = DryRun), ErrorResponses))]
pub async fn dry_run_rule(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(spec): JsonBody<RuleSpec>,
) -> Result<Json<DryRun>, ApiError> {
    Ok(Json(rules::dry_run(&state.room, &me.0.admin()?, &spec).await?))
}

/// Every `/api/v1` route with its document: registered together, so none can be undocumented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, patch_ticket))
        .routes(routes!(post_message))
        .routes(routes!(download_attachment))
        .routes(routes!(list_mailboxes))
        .routes(routes!(change_ack))
        .routes(routes!(list_inbound))
        .routes(routes!(download_raw))
        .routes(routes!(reprocess_inbound))
        .routes(routes!(list_agents))
        .routes(routes!(set_agent_status))
        .routes(routes!(set_agent_profile))
        .routes(routes!(get_mailbox_assignment, set_mailbox_assignment))
        .routes(routes!(get_team_assignment, set_team_assignment))
        .routes(routes!(set_account_manager))
        .routes(routes!(list_organisations, create_organisation))
        .routes(routes!(get_organisation, update_organisation, delete_organisation))
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(get_calendar, update_calendar, delete_calendar))
        .routes(routes!(add_public_holidays))
        .routes(routes!(list_sla_policies, create_sla_policy))
        .routes(routes!(get_sla_policy, update_sla_policy, delete_sla_policy))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(order_rules))
        .routes(routes!(dry_run_rule))
        .routes(routes!(kb::list_articles, kb::create_article))
        .routes(routes!(kb::get_article, kb::patch_article, kb::delete_article))
        .routes(routes!(kb::article_versions))
        .routes(routes!(kb::list_categories, kb::create_category))
        .routes(routes!(kb::update_category, kb::delete_category))
        .routes(routes!(kb::get_brand, kb::set_brand))
        .routes(routes!(search::search))
}
