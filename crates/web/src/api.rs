//! REST API v1 handlers. Each parses its request into typed values, calls one command (which
//! checks the caller's rights: a ticket outside them is "not found") and renders JSON.

use crate::auth::ApiUser;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use podpora_commands::admin::{self, AckSettingsChange};
use podpora_commands::intake::{self, NewTicket};
use podpora_commands::messages::{self as posts, Audience, NewPost, Upload};
use podpora_commands::tickets::{self as desk, TicketChange, TicketView};
use podpora_domain::{Channel, EmailAddress, MessageKind, Priority, Tag, TicketStatus};
use podpora_mail::ingest::Outcome;
use podpora_store::inbound::InboundStatus;
use podpora_store::tickets::{AssigneeFilter, Sort, TicketQuery};
use podpora_store::users;
use serde::Deserialize;
use serde_json::{json, Value};

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    #[serde(default, deserialize_with = "non_empty")]
    status: Option<TicketStatus>,
    /// "me", "none" or an agent's email.
    assignee: Option<String>,
    #[serde(default, deserialize_with = "non_empty")]
    tag: Option<Tag>,
    q: Option<String>,
    #[serde(default, deserialize_with = "non_empty")]
    sort: Option<Sort>,
    #[serde(default, deserialize_with = "non_empty")]
    cursor: Option<i64>,
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

fn ticket_json(v: &TicketView) -> Value {
    let t = &v.ticket;
    json!({
        "ticket": {
            "number": t.number, "subject": t.subject, "status": t.status, "channel": t.channel,
            "assignee_id": t.assignee_id, "related_number": t.related_number, "mailbox_id": t.mailbox_id,
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

pub async fn get_ticket(State(state): State<AppState>, me: ApiUser, Path(number): Path<String>) -> Result<Json<Value>, ApiError> {
    let view = desk::view(&state.room, &me.0, desk::number(&number)?).await?;
    Ok(Json(ticket_json(&view)))
}

/// The channels a ticket may be written in through the API.
#[derive(Debug, Clone, Copy, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WrittenChannel {
    #[default]
    Api,
    Web,
}

#[derive(Debug, Deserialize)]
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

pub async fn create_ticket(State(state): State<AppState>, me: ApiUser, JsonBody(b): JsonBody<NewTicketBody>) -> Result<Response, ApiError> {
    let channel = match b.channel {
        WrittenChannel::Api => Channel::Api,
        WrittenChannel::Web => Channel::Web,
    };
    let t = NewTicket { from: b.from, name: &b.name, subject: &b.subject, body: &b.body, mailbox: b.mailbox, channel };
    let number = intake::open_ticket(&state.room, &me.0, &t).await?;
    Ok((StatusCode::CREATED, Json(json!({"number": number}))).into_response())
}

/// What an agent writes through the API.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Reply,
    Note,
}

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    filename: String,
    #[serde(default)]
    content_type: Option<String>,
    /// The file, base64-encoded.
    data_base64: String,
}

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
    Ok((StatusCode::CREATED, Json(json!({"id": posted.message_pk, "delivery": posted.outbox_id.map(|_| "queued")}))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    status: Option<TicketStatus>,
    /// "me", an agent's email, or null to unassign.
    #[serde(default, with = "double_option")]
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

pub async fn download_attachment(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (a, bytes) = posts::attachment(&state.room, &me.0, path_id(&id, "attachment")?).await?;
    Ok(download(bytes, &a.filename, &a.content_type))
}

pub async fn list_mailboxes(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let list = admin::mailboxes(&state.room, &me.0).await?;
    Ok(Json(json!({
        "outbound": state.setup.outbound,
        "mailboxes": list.iter().map(|m| json!({
            "id": m.id, "address": m.address, "name": m.name, "imap": m.imap_url.is_some(),
            "last_fetch_at": m.last_fetch_at, "last_error": m.last_error, "last_error_at": m.last_error_at, "fetched_count": m.fetched_count,
            "ack_enabled": m.ack_enabled,
        })).collect::<Vec<_>>(),
    })))
}

/// Admins change a mailbox's automatic acknowledgement (texts are templates, validated on save).
pub async fn change_ack(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<AckSettingsChange>,
) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    let mb = admin::change_ack(&state.room, &admin, path_id(&id, "mailbox")?, &c).await?;
    Ok(Json(json!({"id": mb.id, "ack_enabled": mb.ack_enabled, "ack_subject": mb.ack_subject, "ack_body": mb.ack_body,
        "support_hours": mb.support_hours, "response_time": mb.response_time, "alternative_contacts": mb.alternative_contacts})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundParams {
    status: Option<String>,
}

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

pub async fn download_raw(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id, "message")?;
    let bytes = admin::inbound_raw(&state.room, &me.0, id).await?;
    Ok(download(bytes, &format!("message-{id}.eml"), "message/rfc822"))
}

pub async fn reprocess_inbound(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let admin = me.0.admin()?;
    match admin::reprocess(&state.room, &admin, path_id(&id, "message")?).await? {
        None => Err(ApiError::new(StatusCode::CONFLICT, "not_set_aside", "only a set-aside message can be reprocessed")),
        Some(Outcome::Ticket { number, .. }) => Ok(Json(json!({"result": "ticket", "number": number}))),
        Some(Outcome::SetAside { reason, .. }) => Ok(Json(json!({"result": "set_aside", "reason": reason}))),
    }
}

pub async fn openapi() -> Json<Value> {
    let err = json!({"$ref": "#/components/schemas/Error"});
    let errors = json!({
        "400": {"description": "Malformed request", "content": {"application/json": {"schema": err}}},
        "401": {"description": "Missing or invalid token", "content": {"application/json": {"schema": err}}},
        "403": {"description": "Not allowed for this account", "content": {"application/json": {"schema": err}}},
        "404": {"description": "Not found", "content": {"application/json": {"schema": err}}},
        "422": {"description": "Invalid value", "content": {"application/json": {"schema": err}}},
    });
    let with = |ok: Value| {
        let mut r = errors.clone();
        r.as_object_mut().expect("object").extend(ok.as_object().expect("object").clone());
        r
    };
    let number = json!({"name": "number", "in": "path", "required": true, "schema": {"type": "integer"}});
    Json(json!({
        "openapi": "3.0.3",
        "info": {"title": "podpora", "version": env!("CARGO_PKG_VERSION"), "description": "Helpdesk REST API. Authenticate with 'Authorization: Bearer TOKEN' (podpora token create)."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/tickets": {
                "get": {"summary": "List tickets", "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["new", "open", "pending", "solved", "closed"]}},
                    {"name": "assignee", "in": "query", "schema": {"type": "string"}, "description": "'me', 'none' or an agent's email"},
                    {"name": "tag", "in": "query", "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["oldest", "newest"]}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
                    "responses": with(json!({"200": {"description": "A page of tickets and next_cursor"}}))},
                "post": {"summary": "Open a ticket (web form / API channel)", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["from", "body"], "properties": {
                    "from": {"type": "string"}, "name": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"}, "mailbox": {"type": "string"}, "channel": {"type": "string", "enum": ["api", "web"]}}}}}},
                    "responses": with(json!({"201": {"description": "Created; body has the ticket number"}}))}
            },
            "/api/v1/tickets/{number}": {
                "get": {"summary": "A ticket with its messages", "parameters": [number], "responses": with(json!({"200": {"description": "The ticket"}}))},
                "patch": {"summary": "Change status, assignee or tags", "parameters": [number], "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "status": {"type": "string"}, "assignee": {"type": "string", "nullable": true}, "tags": {"type": "array", "items": {"type": "string"}}}}}}},
                    "responses": with(json!({"200": {"description": "The changed ticket"}}))}
            },
            "/api/v1/tickets/{number}/messages": {
                "post": {"summary": "Reply to the customer or add an internal note", "parameters": [number], "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["kind", "body"], "properties": {
                    "kind": {"type": "string", "enum": ["reply", "note"]}, "body": {"type": "string"}, "exclude": {"type": "array", "items": {"type": "string"}, "description": "participants left out of this reply"},
                    "attachments": {"type": "array", "items": {"type": "object", "required": ["filename", "data_base64"], "properties": {"filename": {"type": "string"}, "content_type": {"type": "string"}, "data_base64": {"type": "string"}}}}}}}}},
                    "responses": with(json!({"201": {"description": "Written; a reply is queued for delivery"}}))}
            },
            "/api/v1/attachments/{id}": {"get": {"summary": "Download an attachment", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": with(json!({"200": {"description": "The file"}}))}},
            "/api/v1/mailboxes": {"get": {"summary": "Mailboxes and their fetch health", "responses": with(json!({"200": {"description": "Mailboxes"}}))}},
            "/api/v1/mailboxes/{id}/ack": {"put": {"summary": "Change the automatic acknowledgement (admin)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "enabled": {"type": "boolean"}, "subject": {"type": "string"}, "body": {"type": "string"}, "support_hours": {"type": "string"}, "response_time": {"type": "string"}, "alternative_contacts": {"type": "string"}}}}}},
                "responses": with(json!({"200": {"description": "The acknowledgement settings"}}))}},
            "/api/v1/inbound": {"get": {"summary": "Inbound messages by status (default: set aside)", "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["set_aside", "received", "processed"]}}], "responses": with(json!({"200": {"description": "Messages"}}))}},
            "/api/v1/inbound/{id}/raw": {"get": {"summary": "The raw .eml as received", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": with(json!({"200": {"description": "message/rfc822"}}))}},
            "/api/v1/inbound/{id}/reprocess": {"post": {"summary": "Process a set-aside message again (admin)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": with(json!({"200": {"description": "What became of it"}}))}}
        }
    }))
}
