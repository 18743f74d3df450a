//! One search over the API (DESIGN.md's contract): tickets (within the caller's mailboxes) and
//! knowledge-base articles (internal ones too: the caller is an agent) from one query.

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorResponses, QueryParams};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use podpora_commands::kb;
use podpora_commands::tickets as desk;
use podpora_store::tickets::{Sort, TicketQuery};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The words (diacritics optional, typos forgiven, the last word may be half typed).
    q: String,
    /// `tickets` or `articles` only; left out, both.
    #[param(pattern = "^(tickets|articles)$")]
    kind: Option<String>,
    /// Articles in this language only (`cs`, `en`, …).
    lang: Option<String>,
    /// Results of each kind (default 10, at most 50).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<usize>,
}

/// Tickets and articles matching the words, best first within each kind (tickets newest first).
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, description = "`results`, each with `kind`, `title` and `snippet`", body = Value), ErrorResponses))]
pub async fn search(
    State(state): State<AppState>,
    me: ApiUser,
    QueryParams(p): QueryParams<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let (tickets, articles) = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        None => (true, true),
        Some("tickets") => (true, false),
        Some("articles") => (false, true),
        // (Customers are found through their tickets until they have an index of their own.)
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "kind must be tickets or articles, not {:?}",
                other.chars().take(20).collect::<String>()
            )))
        }
    };
    let lang = p.lang.as_deref().filter(|l| !l.is_empty());
    let limit = p.limit.unwrap_or(10).clamp(1, 50);
    let mut results = Vec::new();
    if tickets {
        let q = TicketQuery { q: Some(p.q.clone()), sort: Sort::Newest, limit: limit as u32, ..desk::query(&me.0) };
        let (page, _) = desk::list(&state.room, &me.0, q).await?;
        results.extend(page.iter().map(|s| {
            json!({
                "kind": "ticket",
                "title": s.ticket.subject,
                "snippet": format!("{} · {}", s.customer_name, s.customer_address.as_deref().unwrap_or_default()),
                "number": s.ticket.number,
                "status": s.ticket.status,
            })
        }));
    }
    if articles {
        for h in kb::search(&state.room, Some(&me.0), &p.q, lang, limit).await? {
            results.push(json!({
                "kind": "article",
                "title": h.title,
                "snippet": h.snippet.iter().map(|p| p.text.as_str()).collect::<String>(),
                "snippet_html": crate::help::snippet_markup(&h.snippet).into_string(),
                "id": h.id,
                "slug": h.slug,
                "url": format!("{}{}", state.room.public_url, h.url),
                "language": h.language,
                "internal": h.internal,
            }));
        }
    }
    Ok(Json(json!({ "results": results })))
}
