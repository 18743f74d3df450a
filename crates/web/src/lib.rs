//! HTTP: the REST API under /api/v1 (bearer tokens, JSON errors, OpenAPI document), health and
//! metrics endpoints. Handlers are thin: parse the request, call the store or mail layer, render.
//! The agent UI (issue #4) will live here too.

pub mod api;
pub mod auth;
pub mod error;
pub mod ui;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use podpora_mail::Mailroom;

#[derive(Clone)]
pub struct AppState {
    pub room: Mailroom,
    /// Where outgoing mail goes, in words (no secrets).
    pub outbound: String,
    /// Becomes true when the server shuts down: live streams end so shutdown is not held up.
    pub stop: tokio::sync::watch::Receiver<bool>,
}

/// Whether the ticket with this id (of a message or attachment) is within the caller's rights.
pub async fn can_see_ticket(state: &AppState, access: &podpora_domain::Access, ticket_id: i64) -> Result<bool, podpora_store::StoreError> {
    Ok(access.can_see(podpora_store::tickets::by_id(&mut *state.room.db.conn().await?, ticket_id).await?.mailbox_id))
}

/// Loads a ticket the caller may see. A ticket outside the caller's rights is "not found", the
/// same answer as a number that does not exist, so ids cannot be probed.
pub async fn visible_ticket(state: &AppState, access: &podpora_domain::Access, number: &str) -> Result<podpora_store::tickets::Ticket, error::ApiError> {
    let n = number.parse::<podpora_domain::TicketNumber>().map_err(|_| error::ApiError::not_found("ticket"))?;
    let t = podpora_store::tickets::by_number(&mut *state.room.db.conn().await?, n).await?.ok_or_else(|| error::ApiError::not_found("ticket"))?;
    if !access.can_see(t.mailbox_id) {
        return Err(error::ApiError::not_found("ticket"));
    }
    Ok(t)
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/tickets", get(api::list_tickets).post(api::create_ticket))
        .route("/api/v1/tickets/{number}", get(api::get_ticket).patch(api::patch_ticket))
        .route("/api/v1/tickets/{number}/messages", post(api::post_message))
        .route("/api/v1/attachments/{id}", get(api::download_attachment))
        .route("/api/v1/mailboxes", get(api::list_mailboxes))
        .route("/api/v1/mailboxes/{id}/ack", axum::routing::put(api::change_ack))
        .route("/api/v1/inbound", get(api::list_inbound))
        .route("/api/v1/inbound/{id}/raw", get(api::download_raw))
        .route("/api/v1/inbound/{id}/reprocess", post(api::reprocess_inbound))
        .merge(ui::routes())
        .fallback(|| async { error::ApiError::not_found("route") })
        .layer(axum::extract::DefaultBodyLimit::max(30 << 20))
        .with_state(state)
}

async fn readyz(axum::extract::State(s): axum::extract::State<AppState>) -> impl IntoResponse {
    if s.room.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

async fn metrics(axum::extract::State(s): axum::extract::State<AppState>) -> impl IntoResponse {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "# HELP podpora_up 1 when the database answers.\n# TYPE podpora_up gauge\npodpora_up {}", s.room.db.ping().await as u8);
    if let Ok(c) = podpora_store::inbound::counts(&s.room.db).await {
        let _ = writeln!(out, "# HELP podpora_inbound_messages Inbound messages by status.\n# TYPE podpora_inbound_messages gauge");
        for (st, n) in c {
            let _ = writeln!(out, "podpora_inbound_messages{{status=\"{st}\"}} {n}");
        }
    }
    if let Ok(c) = podpora_store::outbox::counts(&s.room.db).await {
        let _ = writeln!(out, "# HELP podpora_outbox_messages Outgoing messages by status.\n# TYPE podpora_outbox_messages gauge");
        for (st, n) in c {
            let _ = writeln!(out, "podpora_outbox_messages{{status=\"{st}\"}} {n}");
        }
    }
    if let Ok(n) = podpora_store::jobs::pending(&s.room.db).await {
        let _ = writeln!(out, "# HELP podpora_jobs_pending Jobs waiting or running.\n# TYPE podpora_jobs_pending gauge\npodpora_jobs_pending {n}");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
