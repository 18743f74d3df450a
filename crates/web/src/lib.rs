//! HTTP: the REST API under /api/v1 (bearer tokens, JSON errors, OpenAPI document), the agent
//! and admin UI (`ui`), health and metrics endpoints. Handlers are thin: parse the request, call
//! one command (`podpora_commands`), render.

pub mod api;
pub mod auth;
pub mod error;
pub mod ui;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use podpora_mail::Mailroom;

#[derive(Clone)]
pub struct AppState {
    pub room: Mailroom,
    /// How this instance is set up, for the admin overview.
    pub setup: Setup,
    /// Becomes true when the server shuts down: live streams end so shutdown is not held up.
    pub stop: tokio::sync::watch::Receiver<bool>,
}

/// How this instance is set up, in words an admin reads (no secrets).
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Where outgoing mail goes.
    pub outbound: String,
    /// A relay is configured (else mail is written as files).
    pub relay: bool,
    /// Where the SMTP listener listens, `None` when it is off.
    pub smtp_listen: Option<String>,
    /// The SMTP listener offers STARTTLS.
    pub smtp_tls: bool,
    /// `PODPORA_PUBLIC_URL` was given (else it is made from the HTTP address).
    pub public_url_set: bool,
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api::routes().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .merge(api)
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
    let _ = writeln!(
        out,
        "# HELP podpora_up 1 when the database answers.\n# TYPE podpora_up gauge\npodpora_up {}",
        s.room.db.ping().await as u8
    );
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
        let _ = writeln!(
            out,
            "# HELP podpora_jobs_pending Jobs waiting or running.\n# TYPE podpora_jobs_pending gauge\npodpora_jobs_pending {n}"
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

#[cfg(test)]
mod tests {
    /// API routes are registered only through `api::routes`, with their document: a route added
    /// to the plain router under /api/v1 would be served undocumented.
    #[test]
    fn api_routes_come_only_with_their_document() {
        for (file, text) in
            [("lib.rs", include_str!("lib.rs")), ("api.rs", include_str!("api.rs")), ("ui/mod.rs", include_str!("ui/mod.rs"))]
        {
            let plain: Vec<&str> =
                text.lines().filter(|l| l.contains(".route(\"/api/")).filter(|l| !l.contains("/api/v1/openapi.json")).collect();
            assert!(plain.is_empty(), "{file} routes /api/ paths outside api::routes: {plain:?}");
        }
    }
}
