//! HTTP: the REST API under /api/v1 (bearer tokens, JSON errors, OpenAPI document), the agent
//! and admin UI (`ui`), health and metrics endpoints. Handlers are thin: parse the request, call
//! one command (`podpora_commands`), render.

pub mod api;
pub mod auth;
pub mod error;
pub mod help;
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
        .merge(help::routes())
        .fallback(|| async { error::ApiError::not_found("route") })
        .layer(axum::extract::DefaultBodyLimit::max(30 << 20))
        .with_state(state)
}

/// Ready for traffic: the database answers and processing keeps up with received mail (a load
/// balancer sends new work elsewhere meanwhile; the SMTP listener answers 451 then too).
async fn readyz(axum::extract::State(s): axum::extract::State<AppState>) -> impl IntoResponse {
    let backlog = &s.room.backlog;
    if !s.room.db.ping().await {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable".to_string())
    } else if backlog.over() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("behind: {} received messages wait to be processed (limit {})", backlog.waiting(), backlog.limit),
        )
    } else {
        (StatusCode::OK, "ready".to_string())
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
    let _ = writeln!(
        out,
        "# HELP podpora_inbound_waiting_limit Waiting messages past which new mail is refused for now (SMTP 451, IMAP paused).\n# TYPE podpora_inbound_waiting_limit gauge\npodpora_inbound_waiting_limit {}",
        s.room.backlog.limit
    );
    let _ = writeln!(
        out,
        "# HELP podpora_inbound_backpressure 1 while new mail is refused for now because too much waits.\n# TYPE podpora_inbound_backpressure gauge\npodpora_inbound_backpressure {}",
        s.room.backlog.over() as u8
    );
    if let Ok(h) = podpora_store::outbox::health(&s.room.db).await {
        let _ = writeln!(out, "# HELP podpora_outbox_messages Outgoing messages by status (retrying: queued again after a temporary failure).\n# TYPE podpora_outbox_messages gauge");
        for (st, n) in h.by_status() {
            let _ = writeln!(out, "podpora_outbox_messages{{status=\"{st}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP podpora_outbox_oldest_waiting_seconds How long the oldest unsent mail has waited.\n# TYPE podpora_outbox_oldest_waiting_seconds gauge\npodpora_outbox_oldest_waiting_seconds {:.3}",
            h.oldest_waiting_ms(podpora_store::now_ms()) as f64 / 1000.0
        );
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
    /// Every source file of this crate.
    const SOURCES: &[(&str, &str)] = &[
        ("lib.rs", include_str!("lib.rs")),
        ("api.rs", include_str!("api.rs")),
        ("api/kb.rs", include_str!("api/kb.rs")),
        ("api/search.rs", include_str!("api/search.rs")),
        ("auth.rs", include_str!("auth.rs")),
        ("error.rs", include_str!("error.rs")),
        ("help.rs", include_str!("help.rs")),
        ("ui/mod.rs", include_str!("ui/mod.rs")),
        ("ui/forms.rs", include_str!("ui/forms.rs")),
        ("ui/session.rs", include_str!("ui/session.rs")),
        ("ui/inbox.rs", include_str!("ui/inbox.rs")),
        ("ui/kb.rs", include_str!("ui/kb.rs")),
        ("ui/ticket.rs", include_str!("ui/ticket.rs")),
        ("ui/frame.rs", include_str!("ui/frame.rs")),
        ("ui/live.rs", include_str!("ui/live.rs")),
        ("ui/account.rs", include_str!("ui/account.rs")),
        ("ui/admin/mod.rs", include_str!("ui/admin/mod.rs")),
        ("ui/admin/overview.rs", include_str!("ui/admin/overview.rs")),
        ("ui/admin/mailboxes.rs", include_str!("ui/admin/mailboxes.rs")),
        ("ui/admin/agents.rs", include_str!("ui/admin/agents.rs")),
        ("ui/admin/teams.rs", include_str!("ui/admin/teams.rs")),
        ("ui/admin/tags.rs", include_str!("ui/admin/tags.rs")),
        ("ui/admin/mail.rs", include_str!("ui/admin/mail.rs")),
        ("ui/admin/routing.rs", include_str!("ui/admin/routing.rs")),
        ("ui/admin/rules.rs", include_str!("ui/admin/rules.rs")),
        ("ui/admin/organisations.rs", include_str!("ui/admin/organisations.rs")),
        ("ui/admin/sla.rs", include_str!("ui/admin/sla.rs")),
    ];

    /// API routes are registered only through `api::routes`, with their document: a route added
    /// to the plain router under /api/v1 would be served undocumented.
    #[test]
    fn api_routes_come_only_with_their_document() {
        for (file, text) in SOURCES {
            let plain: Vec<&str> =
                text.lines().filter(|l| l.contains(".route(\"/api/")).filter(|l| !l.contains("/api/v1/openapi.json")).collect();
            assert!(plain.is_empty(), "{file} routes /api/ paths outside api::routes: {plain:?}");
        }
    }

    /// The edges list and change tickets only through the command layer (which narrows every
    /// listing to the actor's rights and writes each change with its log entry and event): no
    /// handler lists tickets, opens a write transaction or posts a message by itself.
    #[test]
    fn handlers_change_and_list_tickets_only_through_commands() {
        let forbidden =
            ["tickets::list(", "count_capped(", ".begin()", "begin_redoable(", "patch_in(", "merge_in(", "split_in(", "outbound::post"];
        for (file, text) in SOURCES {
            // (Tests, this one included, may name what they look for.)
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for f in forbidden {
                let hits: Vec<&str> = code.lines().filter(|l| l.contains(f)).collect();
                assert!(hits.is_empty(), "{file} calls {f} itself: {hits:?}");
            }
        }
        let listed: Vec<&str> = SOURCES.iter().map(|(f, _)| *f).collect();
        for dir in ["", "api/", "ui/", "ui/admin/"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
            for entry in std::fs::read_dir(&path).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                if name.ends_with(".rs") {
                    assert!(listed.contains(&format!("{dir}{name}").as_str()), "{dir}{name} is not in SOURCES");
                }
            }
        }
    }
}
