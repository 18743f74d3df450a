//! Mail: where outgoing mail goes and how much waits, failed or was sent; mail set aside on the
//! way in (unparsable, bounces, loops) with its reason, to look at and process again.

use super::{admin_of, page, Notice, Page};
use crate::ui::forms::{CsrfForm, NoFields};
use crate::ui::session::Agent;
use crate::ui::{csrf_field, exact_time, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use podpora_commands::admin;
use podpora_domain::i18n::t;
use podpora_store::inbound::InboundStatus;

pub async fn list(State(state): State<AppState>, agent: Agent, Query(n): Query<Notice>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let outbox = ui_try!(lang, admin::outbox_health(&state.room, &admin).await);
    let troubles = ui_try!(lang, admin::outbox_troubles(&state.room, &admin, 50).await);
    let aside = ui_try!(lang, admin::inbound(&state.room, &agent.actor, InboundStatus::SetAside, 200).await);
    let content = html! {
        h2 { (t(lang, "admin-outbound")) }
        p { (state.setup.outbound) }
        p.outbox {
            @for (status, count) in outbox.by_status() {
                span class={ "delivery " (status) } { (t(lang, &format!("outbox-{status}"))) ": " (count) } " "
            }
        }
        @if let Some(since) = outbox.oldest_waiting_since {
            p.outbox-oldest { (t(lang, "outbox-oldest")) " " (exact_time(&agent, since)) }
        }
        @if !troubles.is_empty() {
            table.outbox-troubles {
                tbody {
                    @for m in &troubles {
                        tr {
                            td { (exact_time(&agent, m.created_at)) }
                            td { (m.recipients) }
                            td class={ "delivery " (m.status) } { (t(lang, if m.status == podpora_domain::Delivery::Failed { "outbox-failed" } else { "outbox-retrying" })) " (" (m.attempts) "×)" }
                            td { (m.last_error) }
                        }
                    }
                }
            }
        }
        h2 { (t(lang, "admin-set-aside")) }
        p.help { (t(lang, "admin-set-aside-help")) }
        @if aside.is_empty() { p.empty { (t(lang, "admin-set-aside-none")) } }
        table.inbound {
            tbody {
                @for i in &aside {
                    tr {
                        td { (exact_time(&agent, i.received_at)) }
                        td { (i.envelope_from.as_deref().unwrap_or("")) }
                        td { (i.reason.as_deref().unwrap_or("")) }
                        td { a href={ "/admin/inbound/" (i.id) "/raw" } download { (t(lang, "ticket-raw")) } }
                        td { form method="post" action={ "/admin/inbound/" (i.id) "/reprocess" } { (csrf_field(&agent)) button type="submit" { (t(lang, "admin-reprocess")) } } }
                    }
                }
            }
        }
    };
    page(&agent, Page::Mail, n.ok.as_deref(), content)
}

pub async fn reprocess(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<NoFields>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, admin_of(&agent));
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    ui_try!(lang, admin::reprocess(&state.room, &admin, id).await);
    Redirect::to("/admin/mail?ok=saved").into_response()
}

/// The set-aside mail as received, as a download.
pub async fn raw(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let bytes = ui_try!(lang, admin::inbound_raw(&state.room, &agent.actor, id).await);
    crate::api::download(bytes, &format!("message-{id}.eml"), "message/rfc822")
}
