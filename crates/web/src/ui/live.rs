//! Live updates over Server-Sent Events. An inbox page hears "ticket N changed" for tickets the
//! agent may see; a ticket page also hears who else is viewing it and who is typing (each page
//! announces itself every few seconds; a colleague not heard from for 20 s is gone). Events come
//! from the store's event bus, which crosses instances through PostgreSQL LISTEN/NOTIFY.

use super::page_error;
use super::session::Agent;
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use podpora_store::events::Event;
use serde::Deserialize;
use std::convert::Infallible;

#[derive(Deserialize)]
pub struct LiveParams {
    ticket: Option<String>,
}

pub async fn stream(State(state): State<AppState>, agent: Agent, Query(p): Query<LiveParams>) -> Response {
    let lang = agent.lang;
    let watched = match p.ticket.as_deref() {
        Some(n) => Some(ui_try!(lang, open_ticket(&state, &agent, n).await).number.get()),
        None => None,
    };
    let rx = state.room.db.events().subscribe();
    let stop = state.stop.clone();
    let me = agent.user().id;
    let access = agent.access().clone();
    let events = futures::stream::unfold((rx, stop), move |(mut rx, mut stop)| {
        let access = access.clone();
        async move {
            loop {
                let e = tokio::select! {
                    _ = stop.wait_for(|s| *s) => return None,
                    e = rx.recv() => e,
                };
                let e = match e {
                    Ok(e) => e,
                    // Missed events: tell the page to refresh what it shows.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        return Some((Ok::<_, Infallible>(SseEvent::default().event("ticket").data("{}")), (rx, stop)));
                    }
                    Err(_) => return None,
                };
                let out = match &e {
                    Event::Ticket { mailbox_id, .. } | Event::Tickets { mailbox_id, .. } if access.can_see(*mailbox_id) => {
                        Some(("ticket", e))
                    }
                    Event::Presence { number, user_id, .. } if Some(*number) == watched && *user_id != me => Some(("presence", e)),
                    Event::Left { number, user_id } if Some(*number) == watched && *user_id != me => Some(("left", e)),
                    _ => None,
                };
                if let Some((name, e)) = out {
                    let data = serde_json::to_string(&e).unwrap_or_default();
                    return Some((Ok(SseEvent::default().event(name).data(data)), (rx, stop)));
                }
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}

#[derive(Deserialize)]
pub struct PresenceParams {
    #[serde(default)]
    typing: Option<String>,
    #[serde(default)]
    left: Option<String>,
}

/// A ticket page says "I am here" (and whether the agent is typing), or "I left".
/// Sent by script with the CSRF token in the `X-CSRF-Token` header.
pub async fn presence(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(p): Query<PresenceParams>,
) -> Response {
    let lang = agent.lang;
    if let Err(e) = agent.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("")) {
        return page_error(lang, e);
    }
    let ticket = match open_ticket(&state, &agent, &number).await {
        Ok(t) => t,
        Err(e) => return page_error(lang, e),
    };
    let number = ticket.number.get();
    let e = if p.left.as_deref() == Some("1") {
        Event::Left { number, user_id: agent.user().id }
    } else {
        Event::Presence { number, user_id: agent.user().id, name: agent.user().name.clone(), typing: p.typing.as_deref() == Some("1") }
    };
    state.room.db.publish(e).await;
    StatusCode::NO_CONTENT.into_response()
}

/// A ticket the agent may see, by the number in the request.
async fn open_ticket(state: &AppState, agent: &Agent, number: &str) -> Result<podpora_store::tickets::Ticket, super::UiError> {
    Ok(podpora_commands::tickets::open(&state.room, &agent.actor, podpora_commands::tickets::number(number)?).await?)
}
