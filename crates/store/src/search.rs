//! The ticket search index (one document per ticket: subject, customer addresses and name,
//! message text), written in the same transaction as the ticket or message it describes.
//! SQLite: an FTS5 table keyed by ticket id; PostgreSQL: a table with a GIN index over
//! the stored `tsv` (`to_tsvector('simple', text)`). Text is folded by `podpora_domain::search::fold` on both.

use crate::{Backend, Result};
use podpora_domain::search::{fold, MAX_INDEXED_CHARS};
use sqlx::AnyConnection;

pub fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

/// Adds text to a ticket's document (creating it on first use). Stops growing at
/// `MAX_INDEXED_CHARS`.
pub async fn append(conn: &mut AnyConnection, ticket_id: i64, text: &str) -> Result<()> {
    // Words only: PostgreSQL's parser would otherwise keep "jana@shop.cz" as one token, and a
    // search for "jana" must find it on both backends.
    let text: String = fold(text).chars().take(8_000).collect();
    let text = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Ok(());
    }
    match backend_of(conn) {
        Backend::Sqlite => {
            let n = sqlx::query("UPDATE ticket_search SET text = text || ' ' || $1 WHERE rowid = $2 AND length(text) < $3")
                .bind(&text)
                .bind(ticket_id)
                .bind(MAX_INDEXED_CHARS as i64)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if n == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT rowid FROM ticket_search WHERE rowid = $1").bind(ticket_id).fetch_optional(&mut *conn).await?;
                if exists.is_none() {
                    sqlx::query("INSERT INTO ticket_search (rowid, text) VALUES ($1, $2)").bind(ticket_id).bind(&text).execute(&mut *conn).await?;
                }
            }
        }
        Backend::Postgres => {
            sqlx::query(
                "INSERT INTO ticket_search (ticket_id, text) VALUES ($1, $2) ON CONFLICT (ticket_id) DO UPDATE \
                 SET text = ticket_search.text || ' ' || EXCLUDED.text WHERE length(ticket_search.text) < $3",
            )
            .bind(ticket_id)
            .bind(&text)
            .bind(MAX_INDEXED_CHARS as i64)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The SQL condition "ticket `t` has all these words" (the last one may be the start of a word,
/// as the agent may still be typing it), with its one bound value. Whole words also keep
/// PostgreSQL's estimates right (it cannot estimate prefixes), so it picks a fast plan. Terms come
/// from `podpora_domain::search::terms`: letters and digits only.
pub(crate) fn condition(backend: Backend, terms: &[String], placeholder: usize) -> (String, String) {
    let last = terms.len().saturating_sub(1);
    match backend {
        Backend::Sqlite => (
            format!("t.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ${placeholder})"),
            terms.iter().enumerate().map(|(i, t)| if i == last { format!("\"{t}\"*") } else { format!("\"{t}\"") }).collect::<Vec<_>>().join(" "),
        ),
        Backend::Postgres => (
            format!("t.id IN (SELECT ticket_id FROM ticket_search WHERE tsv @@ to_tsquery('simple', ${placeholder}))"),
            terms.iter().enumerate().map(|(i, t)| if i == last { format!("{t}:*") } else { t.clone() }).collect::<Vec<_>>().join(" & "),
        ),
    }
}
