//! The ticket search index (one document per ticket: subject, customer addresses and name,
//! message text), written in the same transaction as the ticket or message it describes.
//! SQLite: an FTS5 table keyed by ticket id; PostgreSQL: a table with a GIN index over
//! the stored `tsv` (`to_tsvector('simple', text)`). Text is folded by `podpora_domain::search::fold` on both.

use crate::{Backend, Result};
use podpora_domain::search::{fold, MAX_INDEXED_CHARS};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

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

/// A document: the head's words, then text already reduced to words, each word once (a search
/// finds the tickets that have all its words, so repeating one only costs: indexing time,
/// space, and the cap), at most `MAX_INDEXED_CHARS`.
fn document(head: &str, words_after: &str) -> String {
    let head = words(head);
    let mut seen = HashSet::new();
    let mut doc = String::new();
    let mut chars = 0;
    for w in head.split(' ').chain(words_after.split(' ')).filter(|w| !w.is_empty()) {
        let len = w.chars().count();
        if chars + len >= MAX_INDEXED_CHARS {
            break;
        }
        if seen.insert(w) {
            if !doc.is_empty() {
                doc.push(' ');
                chars += 1;
            }
            doc.push_str(w);
            chars += len;
        }
    }
    doc
}

/// The words of `text` (already reduced to words) that are not in `known`, each once, in order.
fn new_words<'a>(text: &'a str, known: &HashSet<&str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    text.split(' ').filter(|w| !w.is_empty() && !known.contains(w) && seen.insert(*w)).collect()
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
    // Documents grow only by the words they do not have yet; most answers add few or none.
    let ids: Vec<i64> = grouped.iter().map(|(t, _)| *t).collect();
    let mut present: HashMap<i64, String> = HashMap::new();
    for r in crate::db::select_in(conn, &format!("SELECT {key}, text FROM ticket_search WHERE {key} IN ({{in}})"), &ids).await? {
        present.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let mut update: Vec<(i64, String)> = Vec::new();
    let mut missing: Vec<(i64, &str)> = Vec::new();
    for (t, text) in &grouped {
        // (A full document is left as it is by the UPDATE's own length check.)
        match present.get(t) {
            Some(doc) => {
                let added = new_words(text, &doc.split(' ').collect());
                if !added.is_empty() {
                    update.push((*t, added.join(" ")));
                }
            }
            None => missing.push((*t, text.as_str())),
        }
    }
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
        let ticket = crate::tickets::by_id(conn, t).await?;
        let head = crate::tickets::search_head(conn, &ticket).await?;
        let doc = document(&head, text);
        sqlx::query(&format!("INSERT INTO ticket_search ({key}, text) VALUES ($1, $2)")).bind(t).bind(doc).execute(&mut *conn).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_holds_each_word_once() {
        assert_eq!(document("Order 42 ORDER", "order delivery order refund delivery"), "order 42 delivery refund");
        let known: HashSet<&str> = ["order", "delivery"].into_iter().collect();
        assert_eq!(new_words("order refund delivery zasilka refund", &known), vec!["refund", "zasilka"]);
        let long = "slovo ".repeat(50_000) + &(0..30_000).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        let doc = document("", &long);
        assert!(doc.len() < MAX_INDEXED_CHARS && doc.starts_with("slovo w0 w1 "), "{}", &doc[..40]);
    }

    #[tokio::test]
    async fn documents_grow_by_new_words_only() {
        crate::testing::for_each_backend(|t| async move {
            let mut tx = t.db.begin().await.unwrap();
            let c = crate::customers::find_or_create(&mut tx, &podpora_domain::EmailAddress::parse("ann@x.cz").unwrap(), "").await.unwrap();
            let new = crate::tickets::NewTicket { mailbox_id: None, customer_id: c, subject: "Broken zipper", channel: podpora_domain::Channel::Email, related: None };
            let id = crate::tickets::create(&mut tx, t.db.backend(), &new).await.unwrap().id;
            let key = key(&tx);
            // `create` started the document with the ticket's head; start again from a known one.
            sqlx::query(&format!("DELETE FROM ticket_search WHERE {key} = $1")).bind(id).execute(&mut *tx).await.unwrap();
            index_many(&mut tx, &[(id, "1001 Broken zipper".into())], &[(id, "The zipper broke, the zipper!".into())]).await.unwrap();
            index_many(&mut tx, &[], &[(id, "Broken again. Refund please".into()), (id, "refund NOW".into())]).await.unwrap();
            index_many(&mut tx, &[], &[(id, "broken zipper".into())]).await.unwrap();
            let doc: String = sqlx::query_scalar(&format!("SELECT text FROM ticket_search WHERE {key} = $1")).bind(id).fetch_one(&mut *tx).await.unwrap();
            assert_eq!(doc, "1001 broken zipper the broke again refund please now");
            tx.commit().await.unwrap();
            t
        })
        .await;
    }
}
