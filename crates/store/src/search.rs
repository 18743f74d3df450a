//! The ticket search index (one document per ticket: subject, customer addresses and name,
//! message text), written in the same transaction as the ticket or message it describes.
//! SQLite: an FTS5 table keyed by ticket id; PostgreSQL: a table with a GIN index over
//! the stored `tsv` (`to_tsvector('simple', text)`). Text is folded by `podpora_domain::search::fold` on both.

use crate::{Backend, Result};
use podpora_domain::search::{fold, MAX_INDEXED_CHARS};
use sqlx::AnyConnection;
use sqlx::Row;

/// The column that holds the ticket id: FTS5's rowid on SQLite.
fn key(conn: &AnyConnection) -> &'static str {
    match crate::db::backend_of(conn) {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "ticket_id",
    }
}

/// Starts a new ticket's document: its number, subject and customer addresses.
pub async fn start(conn: &mut AnyConnection, ticket_id: i64, head: &str) -> Result<()> {
    let key = key(conn);
    sqlx::query(&format!("INSERT INTO ticket_search ({key}, text) VALUES ($1, $2)")).bind(ticket_id).bind(document(head, "")).execute(conn).await?;
    Ok(())
}

/// A document: the head's words, then text already reduced to words, at most `MAX_INDEXED_CHARS`.
fn document(head: &str, words_after: &str) -> String {
    format!("{} {words_after}", words(head)).trim().chars().take(MAX_INDEXED_CHARS).collect()
}

/// Writes the search text of a batch in few statements: `new_docs` are the heads (number,
/// subject, customer addresses) of tickets created in this transaction, `texts` the message text
/// for any ticket. A new ticket's document is written once, with its text; other documents grow
/// by one UPDATE for all of them (documents missing for older tickets are created one by one).
pub async fn index_many(conn: &mut AnyConnection, new_docs: &[(i64, String)], texts: &[(i64, String)]) -> Result<()> {
    let mut grouped: Vec<(i64, String)> = Vec::new();
    for (ticket, text) in texts {
        let text = words(text);
        if text.is_empty() {
            continue;
        }
        match grouped.iter_mut().find(|(t, _)| t == ticket) {
            Some((_, all)) => {
                all.push(' ');
                all.push_str(&text);
            }
            None => grouped.push((*ticket, text)),
        }
    }
    let key = key(conn);
    let docs: Vec<(i64, String)> = new_docs
        .iter()
        .map(|(t, head)| (*t, document(head, grouped.iter().find(|(g, _)| g == t).map(|(_, s)| s.as_str()).unwrap_or(""))))
        .collect();
    grouped.retain(|(t, _)| !new_docs.iter().any(|(n, _)| n == t));
    for chunk in docs.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!("INSERT INTO ticket_search ({key}, text) VALUES {}", crate::db::values_list(chunk.len(), 2, 1));
        let mut q = sqlx::query(&sql);
        for (t, doc) in chunk {
            q = q.bind(*t).bind(doc.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    if grouped.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = grouped.iter().map(|(t, _)| *t).collect();
    let present: std::collections::HashSet<i64> =
        crate::db::select_in(conn, &format!("SELECT {key} FROM ticket_search WHERE {key} IN ({{in}})"), &ids).await?.iter().map(|r| r.try_get(0)).collect::<std::result::Result<_, _>>()?;
    let (update, missing): (Vec<&(i64, String)>, Vec<&(i64, String)>) = grouped.iter().partition(|(t, _)| present.contains(t));
    for chunk in update.chunks(crate::db::ROWS_PER_STATEMENT) {
        let (cases, keys) = crate::db::case_list(chunk.len(), 2);
        let sql = format!("UPDATE ticket_search SET text = text || ' ' || CASE {key}{cases} END WHERE {key} IN ({keys}) AND length(text) < $1");
        let mut q = sqlx::query(&sql).bind(MAX_INDEXED_CHARS as i64);
        for (t, text) in chunk {
            q = q.bind(*t).bind(text.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    // Tickets from before the index (or whose document was lost) get theirs now.
    for (t, text) in missing {
        let ticket = crate::tickets::by_id(conn, *t).await?;
        let head = crate::tickets::search_head(conn, &ticket).await?;
        let doc = document(&head, text);
        sqlx::query(&format!("INSERT INTO ticket_search ({key}, text) VALUES ($1, $2)")).bind(*t).bind(doc).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Folded words only: PostgreSQL's parser would otherwise keep "jana@shop.cz" as one token, and a
/// search for "jana" must find it on both backends.
fn words(text: &str) -> String {
    fold(text).chars().take(8_000).collect::<String>().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
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
