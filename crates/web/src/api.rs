//! REST API v1 handlers. Every ticket, attachment and raw-mail access goes through `require`
//! helpers that check the caller's rights; filters and sort orders come from allow-lists.

use crate::auth::ApiUser;
use crate::error::{ApiError, JsonBody};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use podpora_domain::{Channel, EmailAddress, MessageKind, Role, TicketStatus};
use podpora_mail::ingest::{self, FormTicket, Outcome};
use podpora_mail::outbound::{self, Reply};
use podpora_store::inbound::{self, InboundStatus};
use podpora_store::tickets::{self, AssigneeFilter, Sort, TicketPatch, TicketQuery};
use podpora_store::{customers, mailboxes, messages, users, BlobId};
use serde::Deserialize;
use serde_json::{json, Value};

/// A numeric id from the path; anything else names nothing that exists.
fn path_id(s: &str, what: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| ApiError::not_found(what))
}

/// Admins see every ticket, other accounts those of their mailboxes (`Access`); light agents may
/// not send replies; admin-only actions say so. A ticket outside the caller's rights is "not found".
fn require_admin(u: &ApiUser) -> Result<(), ApiError> {
    if u.0.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only an admin may do this"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    status: Option<String>,
    assignee: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn assignee_id(state: &AppState, me: &ApiUser, value: &str) -> Result<Option<i64>, ApiError> {
    match value {
        "me" => Ok(Some(me.0.id)),
        "none" | "" => Ok(None),
        other => {
            let e = EmailAddress::parse(other)?;
            Ok(Some(users::find_by_email(&state.room.db, &e).await?.ok_or_else(|| ApiError::invalid(format!("no agent {e}")))?.id))
        }
    }
}

pub async fn list_tickets(State(state): State<AppState>, me: ApiUser, Query(p): Query<ListParams>) -> Result<Json<Value>, ApiError> {
    let status = p.status.as_deref().filter(|s| !s.is_empty()).map(str::parse::<TicketStatus>).transpose()?;
    let sort = match p.sort.as_deref() {
        None | Some("") | Some("oldest") => Sort::Oldest,
        Some("newest") => Sort::Newest,
        Some(other) => return Err(ApiError::invalid(format!("sort must be 'oldest' or 'newest', not '{}'", other.chars().take(40).collect::<String>()))),
    };
    let assignee = match p.assignee.as_deref() {
        None => None,
        Some(a) => Some(match assignee_id(&state, &me, a).await? {
            Some(id) => AssigneeFilter::User(id),
            None => AssigneeFilter::Nobody,
        }),
    };
    let after_id = p.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| c.parse::<i64>().map_err(|_| ApiError::invalid("cursor is not one this API gave out"))).transpose()?;
    let q = TicketQuery {
        statuses: status.into_iter().collect(),
        assignee,
        tag: p.tag.filter(|t| !t.is_empty()),
        q: p.q,
        sort,
        after_id,
        limit: p.limit.unwrap_or(50),
        visible_mailboxes: me.1.mailbox_filter().map(<[i64]>::to_vec),
        ..Default::default()
    };
    let (page, next) = tickets::list(&state.room.db, &q).await?;
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

pub async fn get_ticket(State(state): State<AppState>, me: ApiUser, Path(number): Path<String>) -> Result<Json<Value>, ApiError> {
    let t = crate::visible_ticket(&state, &me.1, &number).await?;
    let mut conn = state.room.db.conn().await?;
    let msgs = messages::for_ticket(&mut conn, t.id).await?;
    let participants = tickets::participants(&mut conn, t.id).await?;
    let tags = tickets::tags(&mut conn, t.id).await?;
    let customer = customers::get(&mut conn, t.customer_id).await?;
    Ok(Json(json!({
        "ticket": {
            "number": t.number, "subject": t.subject, "status": t.status, "channel": t.channel,
            "assignee_id": t.assignee_id, "related_number": t.related_number, "mailbox_id": t.mailbox_id,
            "priority": t.priority, "remind_at": t.remind_at, "team_id": t.team_id,
            "created_at": t.created_at, "updated_at": t.updated_at,
            "participants": participants, "tags": tags, "customer": customer,
        },
        "messages": msgs.iter().map(|m| json!({
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
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    from: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    subject: String,
    body: String,
    mailbox: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

pub async fn create_ticket(State(state): State<AppState>, me: ApiUser, JsonBody(b): JsonBody<NewTicketBody>) -> Result<Response, ApiError> {
    let from = EmailAddress::parse(&b.from)?;
    let mailbox = match b.mailbox.as_deref() {
        Some(m) => Some(mailboxes::find_by_address(&state.room.db, &EmailAddress::parse(m)?).await?.filter(|mb| me.1.can_see(Some(mb.id))).ok_or_else(|| ApiError::invalid(format!("no mailbox {m}")))?),
        None => mailboxes::list(&state.room.db).await?.into_iter().find(|mb| me.1.can_see(Some(mb.id))),
    };
    let channel = match b.channel.as_deref() {
        None | Some("api") => Channel::Api,
        Some("web") => Channel::Web,
        Some(o) => return Err(ApiError::invalid(format!("channel must be 'api' or 'web', not '{}'", o.chars().take(20).collect::<String>()))),
    };
    let out = ingest::open_ticket(&state.room, &FormTicket { mailbox: mailbox.as_ref(), from: &from, name: &b.name, subject: &b.subject, body: &b.body, channel }).await?;
    match out {
        Outcome::Ticket { number, .. } => Ok((StatusCode::CREATED, Json(json!({"number": number})) ).into_response()),
        Outcome::SetAside { reason, .. } => Err(ApiError::invalid(reason)),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessageBody {
    kind: String,
    body: String,
    #[serde(default)]
    exclude: Vec<String>,
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

const MAX_REPLY_ATTACHMENTS_BYTES: usize = 20 << 20;

fn decode_attachments(list: &[AttachmentBody]) -> Result<Vec<podpora_mail::compose::OutgoingAttachment>, ApiError> {
    use base64::Engine;
    let mut total = 0;
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let bytes = base64::engine::general_purpose::STANDARD.decode(a.data_base64.trim()).map_err(|_| ApiError::invalid(format!("attachment '{}' is not valid base64", a.filename.chars().take(80).collect::<String>())))?;
        total += bytes.len();
        if total > MAX_REPLY_ATTACHMENTS_BYTES {
            return Err(ApiError::invalid(format!("attachments may total at most {} MB", MAX_REPLY_ATTACHMENTS_BYTES >> 20)));
        }
        let filename = podpora_mail::parse::sanitize_filename(&a.filename);
        if filename.is_empty() {
            return Err(ApiError::invalid("every attachment needs a file name"));
        }
        let ct = a.content_type.as_deref().unwrap_or("application/octet-stream").trim().to_ascii_lowercase();
        let valid = ct.split_once('/').is_some_and(|(t, s)| !t.is_empty() && !s.is_empty() && ct.bytes().all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b)));
        if !valid {
            return Err(ApiError::invalid(format!("'{}' is not a content type", ct.chars().take(80).collect::<String>())));
        }
        out.push(podpora_mail::compose::OutgoingAttachment { filename, content_type: ct, bytes });
    }
    Ok(out)
}

pub async fn post_message(State(state): State<AppState>, me: ApiUser, Path(number): Path<String>, JsonBody(b): JsonBody<NewMessageBody>) -> Result<Response, ApiError> {
    let number = crate::visible_ticket(&state, &me.1, &number).await?.number;
    let kind = match b.kind.as_str() {
        "reply" => MessageKind::Message,
        "note" => MessageKind::Note,
        other => return Err(ApiError::invalid(format!("kind must be 'reply' or 'note', not '{}'", other.chars().take(20).collect::<String>()))),
    };
    if kind == MessageKind::Message && !me.1.can_reply() {
        return Err(ApiError::forbidden("a light agent may add notes but not reply to customers"));
    }
    let exclude = b.exclude.iter().map(|e| EmailAddress::parse(e)).collect::<Result<Vec<_>, _>>()?;
    let attachments = decode_attachments(&b.attachments)?;
    let posted = outbound::post(&state.room, &Reply { ticket: number, author: &me.0, kind, body: &b.body, exclude: &exclude, cc: &[], bcc: &[], attachments: &attachments }).await.map_err(|e| match e {
        podpora_mail::MailError::Store(podpora_store::StoreError::NotFound) => ApiError::not_found("ticket"),
        e => e.into(),
    })?;
    Ok((StatusCode::CREATED, Json(json!({"id": posted.message_pk, "delivery": posted.outbox_id.map(|_| "queued")}))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    status: Option<String>,
    #[serde(default, with = "double_option")]
    assignee: Option<Option<String>>,
    tags: Option<Vec<String>>,
    priority: Option<String>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Ok(Some(Option::deserialize(d)?))
    }
}

pub async fn patch_ticket(State(state): State<AppState>, me: ApiUser, Path(number): Path<String>, JsonBody(b): JsonBody<PatchBody>) -> Result<Json<Value>, ApiError> {
    let t = crate::visible_ticket(&state, &me.1, &number).await?;
    let number = t.number;
    let status = b.status.as_deref().map(str::parse::<TicketStatus>).transpose()?;
    if status.is_some_and(|s| s != t.status) && !me.1.can_reply() {
        return Err(ApiError::forbidden("a light agent may not change a ticket's status"));
    }
    let priority = b.priority.as_deref().map(str::parse::<podpora_domain::Priority>).transpose()?;
    let assignee_id = match b.assignee {
        None => None,
        Some(None) => Some(None),
        Some(Some(a)) => Some(assignee_id(&state, &me, &a).await?),
    };
    let tags = match b.tags {
        None => None,
        Some(tags) => {
            let mut clean = Vec::new();
            for t in tags {
                let t = t.trim().to_lowercase();
                if t.is_empty() || t.chars().count() > 64 || t.chars().any(char::is_control) {
                    return Err(ApiError::invalid("a tag must be 1 to 64 printable characters"));
                }
                clean.push(t);
            }
            Some(clean)
        }
    };
    tickets::patch(&state.room.db, t.id, &TicketPatch { status, assignee_id, tags, priority, team_id: None, remind_at: None }, Some(me.0.id)).await?;
    state.room.db.publish(podpora_store::events::Event::Ticket { number: number.get(), mailbox_id: t.mailbox_id, by_user: Some(me.0.id) }).await;
    get_ticket(State(state), me, Path(number.get().to_string())).await
}

pub(crate) fn download(bytes: Vec<u8>, filename: &str, content_type: &str) -> Response {
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ')).collect();
    let safe = if safe.trim().is_empty() { "download".to_string() } else { safe };
    let encoded: String = filename.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
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
    let id = path_id(&id, "attachment")?;
    let (a, ticket_id) = messages::attachment(&mut *state.room.db.conn().await?, id).await?.ok_or_else(|| ApiError::not_found("attachment"))?;
    if !crate::can_see_ticket(&state, &me.1, ticket_id).await? {
        return Err(ApiError::not_found("attachment"));
    }
    let bytes = podpora_mail::ingest::attachment_bytes(&state.room, &a).await?;
    Ok(download(bytes, &a.filename, &a.content_type))
}

pub async fn list_mailboxes(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let list: Vec<_> = mailboxes::list(&state.room.db).await?.into_iter().filter(|m| me.1.can_see(Some(m.id))).collect();
    Ok(Json(json!({
        "outbound": state.outbound,
        "mailboxes": list.iter().map(|m| json!({
            "id": m.id, "address": m.address, "name": m.name, "imap": m.imap_url.is_some(),
            "last_fetch_at": m.last_fetch_at, "last_error": m.last_error, "last_error_at": m.last_error_at, "fetched_count": m.fetched_count,
            "ack_enabled": m.ack_enabled,
        })).collect::<Vec<_>>(),
    })))
}

/// Admins change a mailbox's automatic acknowledgement (texts are templates, validated on save).
pub async fn change_ack(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>, JsonBody(c): JsonBody<ingest::AckSettingsChange>) -> Result<Json<Value>, ApiError> {
    require_admin(&me)?;
    let id = path_id(&id, "mailbox")?;
    let mb = mailboxes::get(&state.room.db, id).await?.ok_or_else(|| ApiError::not_found("mailbox"))?;
    ingest::change_ack(&state.room, &mb, &c).await?;
    let mb = mailboxes::get(&state.room.db, id).await?.ok_or_else(|| ApiError::not_found("mailbox"))?;
    Ok(Json(json!({"id": mb.id, "ack_enabled": mb.ack_enabled, "ack_subject": mb.ack_subject, "ack_body": mb.ack_body,
        "support_hours": mb.support_hours, "response_time": mb.response_time, "alternative_contacts": mb.alternative_contacts})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundParams {
    status: Option<String>,
}

pub async fn list_inbound(State(state): State<AppState>, me: ApiUser, Query(p): Query<InboundParams>) -> Result<Json<Value>, ApiError> {
    let status = match p.status.as_deref() {
        None | Some("set_aside") => InboundStatus::SetAside,
        Some("received") => InboundStatus::Received,
        Some("processed") => InboundStatus::Processed,
        Some(_) => return Err(ApiError::invalid("status must be set_aside, received or processed")),
    };
    let list: Vec<_> = inbound::list(&state.room.db, status, 200).await?.into_iter().filter(|i| me.1.is_admin() || (i.mailbox_id.is_some() && me.1.can_see(i.mailbox_id))).collect();
    Ok(Json(json!({"inbound": list.iter().map(|i| json!({
        "id": i.id, "source": i.source, "envelope_from": i.envelope_from, "envelope_to": i.envelope_to,
        "size": i.size, "status": i.status, "reason": i.reason, "received_at": i.received_at,
        "raw_url": format!("/api/v1/inbound/{}/raw", i.id),
    })).collect::<Vec<_>>()})))
}

pub async fn download_raw(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id, "message")?;
    let row = inbound::get(&mut *state.room.db.conn().await?, id).await.map_err(|_| ApiError::not_found("message"))?;
    // Mail not yet tied to a mailbox the caller sees (set aside, unknown recipient) is for admins.
    if !(me.1.is_admin() || (row.mailbox_id.is_some() && me.1.can_see(row.mailbox_id))) {
        return Err(ApiError::not_found("message"));
    }
    let bytes = state.room.blobs.get(&BlobId::parse(&row.raw_blob)?).await?;
    Ok(download(bytes, &format!("message-{id}.eml"), "message/rfc822"))
}

pub async fn reprocess_inbound(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    require_admin(&me)?;
    let id = path_id(&id, "message")?;
    match ingest::reprocess(&state.room, id).await? {
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
