//! The ticket search index: the words of each ticket (number, subject, customer addresses and
//! name, message text), written in the same transaction as the ticket or message they describe,
//! folded by `podpora_domain::search::fold` on both backends. A ticket's words are stored once
//! each and only grow by words it lacks (matching needs no repeats).
//! SQLite: one FTS5 document per ticket (rowid = ticket id), grown in place.
//! PostgreSQL: rows of words (`ticket_id`, `tsv`) under a GIN index, insert-only: a ticket's first
//! row holds its head and first text, each later row only the words the ticket did not have yet.
//! (One growing document per ticket, rewritten by each message, re-entered every word of the
//! ticket into the GIN index each time: the largest single cost of storing mail there.)

use crate::{Backend, Result};
use podpora_domain::search::{fold, query_terms, typo_tolerant, Form, Term, MAX_INDEXED_CHARS};
use podpora_domain::TicketNumber;
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Starts a new ticket's words: its number, subject and customer addresses.
pub async fn start(conn: &mut AnyConnection, ticket_id: i64, head: &str) -> Result<()> {
    index_many(conn, &[(ticket_id, head.to_string())], &[]).await
}

/// A document: the head's words, then text already reduced to words, each word once (a search
/// finds the tickets that have all its words, so repeating one only costs: indexing time,
/// space, and the cap), at most `MAX_INDEXED_CHARS`.
fn document(head: &str, words_after: &str) -> String {
    let head = words(head);
    let known = HashSet::new();
    new_words(&format!("{head} {words_after}"), &known, MAX_INDEXED_CHARS).join(" ")
}

/// The words of `text` (already reduced to words) that are not in `known`, each once, in order,
/// as many as fit in `room` characters (counting a space before each).
fn new_words<'a>(text: &'a str, known: &HashSet<&str>, room: usize) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    let mut chars = 0;
    let mut out = Vec::new();
    for w in text.split(' ').filter(|w| !w.is_empty() && !known.contains(w)) {
        let len = w.chars().count() + usize::from(!out.is_empty());
        if chars + len >= room {
            break;
        }
        if seen.insert(w) {
            out.push(w);
            chars += len;
        }
    }
    out
}

/// Writes the search words of a batch in few statements: `new_docs` are the heads (number,
/// subject, customer addresses) of tickets created in this transaction, `texts` the message text
/// for any ticket. A new ticket's words are written once, with its text; other tickets grow by the
/// words they lack (tickets from before the index, or whose words were lost, get theirs anew).
pub async fn index_many(conn: &mut AnyConnection, new_docs: &[(i64, String)], texts: &[(i64, String)]) -> Result<()> {
    let mut grouped = group(texts);
    let docs: Vec<(i64, String)> = new_docs
        .iter()
        .map(|(t, head)| (*t, document(head, grouped.iter().find(|(g, _)| g == t).map(|(_, s)| s.as_str()).unwrap_or(""))))
        .collect();
    grouped.retain(|(t, _)| !new_docs.iter().any(|(n, _)| n == t));
    write(conn, docs, &grouped).await
}

/// Texts reduced to words, one entry per ticket in the order of first appearance (texts without
/// words left out).
fn group(texts: &[(i64, String)]) -> Vec<(i64, String)> {
    let mut grouped: Vec<(i64, String)> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    for (ticket, text) in texts {
        let text = words(text);
        if text.is_empty() {
            continue;
        }
        match at.get(ticket) {
            Some(&i) => {
                grouped[i].1.push(' ');
                grouped[i].1.push_str(&text);
            }
            None => {
                at.insert(*ticket, grouped.len());
                grouped.push((*ticket, text));
            }
        }
    }
    grouped
}

/// Queues words to index after this transaction (see `index_pending`): for each entry the
/// ticket, and its message whose text to add, or `None` for a new ticket's head. Used by the mail
/// batch, the path every message waits on; what is queued is searchable moments later.
pub async fn enqueue(conn: &mut AnyConnection, entries: &[(i64, Option<i64>)]) -> Result<()> {
    for chunk in entries.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!("INSERT INTO search_pending (ticket_id, message_id) VALUES {}", crate::db::values_list(chunk.len(), 2, 1));
        let mut q = sqlx::query(&sql);
        for (t, m) in chunk {
            q = q.bind(*t).bind(*m);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Indexes up to `limit` queued entries (oldest first) in one transaction; how many it took.
/// Instances share the queue (PostgreSQL: `SKIP LOCKED`); a failure leaves the entries queued.
pub async fn index_pending(db: &crate::Db, limit: i64) -> Result<usize> {
    // (Lost in a crash, the entries are still queued: indexing them is redone.)
    let mut tx = db.begin_redoable().await?;
    let lock = if db.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let rows = sqlx::query(&format!(
        "DELETE FROM search_pending WHERE id IN (SELECT id FROM search_pending ORDER BY id LIMIT $1{lock}) RETURNING ticket_id, message_id"
    ))
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tickets: Vec<i64> = Vec::new();
    let mut message_ids: Vec<i64> = Vec::new();
    for r in &rows {
        let t: i64 = r.try_get(0)?;
        if !tickets.contains(&t) {
            tickets.push(t);
        }
        if let Some(m) = r.try_get::<Option<i64>, _>(1)? {
            message_ids.push(m);
        }
    }
    message_ids.sort_unstable();
    let texts = texts_of(&mut tx, &message_ids).await?;
    for (t, _) in &texts {
        if !tickets.contains(t) {
            tickets.push(*t);
        }
    }
    let mut grouped = group(&texts);
    // Every ticket named gets at least its head (a new ticket's first words).
    for t in tickets {
        if !grouped.iter().any(|(g, _)| *g == t) {
            grouped.push((t, String::new()));
        }
    }
    write(&mut tx, Vec::new(), &grouped).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Indexes everything queued (`index_pending` until nothing is left); how many entries.
pub async fn catch_up(db: &crate::Db) -> Result<usize> {
    let mut total = 0;
    loop {
        match index_pending(db, 500).await? {
            0 => return Ok(total),
            n => total += n,
        }
    }
}

/// Whether words wait to be indexed.
pub async fn pending(db: &crate::Db) -> Result<bool> {
    let one: Option<i64> = sqlx::query_scalar("SELECT 1 FROM search_pending LIMIT 1").fetch_optional(db.pool()).await?;
    Ok(one.is_some())
}

/// Ticket `into` gets the words of ticket `from` too (a merge: the text moved with the messages).
pub async fn copy_words(conn: &mut AnyConnection, from: i64, into: i64) -> Result<()> {
    let backend = crate::db::backend_of(conn);
    match present_words(conn, backend, &[from]).await?.remove(&from) {
        Some(words) => write(conn, Vec::new(), &[(into, words)]).await,
        None => Ok(()),
    }
}

/// Adds the text of these stored messages to their tickets' words (a split: they moved to a new ticket).
pub async fn index_messages(conn: &mut AnyConnection, message_ids: &[i64]) -> Result<()> {
    let texts = texts_of(conn, message_ids).await?;
    index_many(conn, &[], &texts).await
}

/// `message_text` of stored messages, each with its current ticket (a merge may have moved it
/// since it was queued), in the order of their ids within each chunk.
async fn texts_of(conn: &mut AnyConnection, message_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT ticket_id, from_name, from_address, subject, body_text FROM messages WHERE id IN ({in}) ORDER BY id";
    crate::db::select_in(conn, sql, message_ids)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                message_text(
                    &r.try_get::<String, _>(1)?,
                    &r.try_get::<String, _>(2)?,
                    &r.try_get::<String, _>(3)?,
                    &r.try_get::<String, _>(4)?,
                ),
            ))
        })
        .collect()
}

/// The start of a ticket's search document: its number, subject and customer addresses.
pub async fn head(conn: &mut AnyConnection, number: TicketNumber, subject: &str, customer_id: i64) -> Result<String> {
    let addresses: Vec<String> =
        sqlx::query_scalar("SELECT address FROM customer_addresses WHERE customer_id = $1").bind(customer_id).fetch_all(&mut *conn).await?;
    Ok(head_text(number, subject, &addresses))
}

/// `head` of each of these tickets (those that exist), with two queries.
pub async fn heads(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let rows = crate::db::select_in(conn, "SELECT id, number, subject, customer_id FROM tickets WHERE id IN ({in})", ids).await?;
    let mut tickets = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, number, subject, customer): (i64, i64, String, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        tickets.push((id, TicketNumber::new(number)?, subject, customer));
    }
    let customers: Vec<i64> = tickets.iter().map(|t| t.3).collect();
    let addresses = crate::customers::addresses_of(conn, &customers).await?;
    Ok(tickets
        .iter()
        .map(|(id, n, subject, c)| (*id, head_text(*n, subject, addresses.get(c).map(Vec::as_slice).unwrap_or(&[]))))
        .collect())
}

/// `head` from what is already at hand.
pub fn head_text(number: TicketNumber, subject: &str, customer_addresses: &[String]) -> String {
    format!("{} {} {}", number.get(), subject, customer_addresses.join(" "))
}

/// The words a message adds to its ticket: sender, subject, the start of its text.
pub fn message_text(from_name: &str, from_address: &str, subject: &str, body: &str) -> String {
    let body: String = body.chars().take(4_000).collect();
    format!("{from_name} {from_address} {subject} {body}")
}

/// Writes new tickets' `docs` and grows other tickets by `grouped` (text already reduced to words).
async fn write(conn: &mut AnyConnection, mut docs: Vec<(i64, String)>, grouped: &[(i64, String)]) -> Result<()> {
    let backend = crate::db::backend_of(conn);
    // (SQLite's documents grow in place.)
    let mut grown_in_place: Vec<(i64, String)> = Vec::new();
    if !grouped.is_empty() {
        let ids: Vec<i64> = grouped.iter().map(|(t, _)| *t).collect();
        let present = present_words(conn, backend, &ids).await?;
        let missing: Vec<i64> = ids.iter().copied().filter(|t| !present.contains_key(t)).collect();
        let heads = if missing.is_empty() { HashMap::new() } else { heads(conn, &missing).await? };
        let mut grow: Vec<(i64, String)> = Vec::new();
        for (t, text) in grouped {
            match present.get(t) {
                Some(doc) => {
                    let room = MAX_INDEXED_CHARS.saturating_sub(doc.chars().count());
                    let added = new_words(text, &doc.split(' ').collect(), room);
                    if !added.is_empty() {
                        grow.push((*t, added.join(" ")));
                    }
                }
                // (A ticket that is gone has nothing to index.)
                None => {
                    if let Some(head) = heads.get(t) {
                        docs.push((*t, document(head, text)));
                    }
                }
            }
        }
        match backend {
            Backend::Sqlite => {
                for chunk in grow.chunks(crate::db::ROWS_PER_STATEMENT) {
                    let (cases, keys) = crate::db::case_list(chunk.len(), 1);
                    let sql = format!("UPDATE ticket_search SET text = text || ' ' || CASE rowid{cases} END WHERE rowid IN ({keys})");
                    let mut q = sqlx::query(&sql);
                    for (t, text) in chunk {
                        q = q.bind(*t).bind(text.as_str());
                    }
                    q.execute(&mut *conn).await?;
                }
                grown_in_place = grow;
            }
            // Another row with the new words: GIN takes only those.
            Backend::Postgres => docs.extend(grow),
        }
    }
    let sql_start = match backend {
        Backend::Sqlite => "INSERT INTO ticket_search (rowid, text) VALUES ",
        Backend::Postgres => "INSERT INTO ticket_search (ticket_id, tsv) VALUES ",
    };
    let words_at = |n: usize| match backend {
        Backend::Sqlite => format!("${n}"),
        Backend::Postgres => format!("array_to_tsvector(string_to_array(${n}, ' '))"),
    };
    docs.retain(|(_, d)| !d.is_empty());
    // Words new to their ticket (PostgreSQL's growth rows are among the documents) into the
    // vocabulary.
    let mut new: Vec<&str> = docs.iter().chain(&grown_in_place).flat_map(|(_, d)| d.split(' ')).collect();
    crate::vocabulary::TICKETS.add(conn, &mut new).await?;
    for chunk in docs.chunks(crate::db::ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, {})", 2 * i + 1, words_at(2 * i + 2))).collect();
        let sql = format!("{sql_start}{}", values.join(", "));
        let mut q = sqlx::query(&sql);
        for (t, doc) in chunk {
            q = q.bind(*t).bind(match backend {
                Backend::Sqlite => doc.clone(),
                Backend::Postgres => sorted_words(doc),
            });
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The words each of these tickets has in the index (tickets without any are left out).
async fn present_words(conn: &mut AnyConnection, backend: Backend, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT rowid, text FROM ticket_search WHERE rowid IN ({in})",
        Backend::Postgres => "SELECT ticket_id, array_to_string(tsvector_to_array(tsv), ' ') FROM ticket_search WHERE ticket_id IN ({in})",
    };
    let mut present: HashMap<i64, String> = HashMap::new();
    for r in crate::db::select_in(conn, sql, ids).await? {
        let words: String = r.try_get(1)?;
        let doc = present.entry(r.try_get(0)?).or_default();
        if !doc.is_empty() {
            doc.push(' ');
        }
        doc.push_str(&words);
    }
    Ok(present)
}

/// The words for PostgreSQL's `array_to_tsvector(string_to_array(…, ' '))`: each once, in the
/// order a tsvector keeps its lexemes (bytewise, a prefix first), which spares the server its
/// sort (it only checks the order), and no syntax to parse: a word is everything between spaces.
/// (The tsvector text form, `'a' 'b'`, unsorted, took the server 3.5 times as long: 5,000
/// documents of ~400 words, 700 ms against 200 ms.)
fn sorted_words(words: &str) -> String {
    let mut list: Vec<&str> = words.split(' ').filter(|w| !w.is_empty()).collect();
    list.sort_unstable();
    list.dedup();
    list.join(" ")
}

/// Folded words only: PostgreSQL's parser would otherwise keep "jana@shop.cz" as one token, and a
/// search for "jana" must find it on both backends. Words longer than `MAX_WORD_CHARS` are left
/// out: nobody searches for them (base64 or hex blobs in a text), and PostgreSQL refuses lexemes
/// over 2 KB.
pub(crate) fn words(text: &str) -> String {
    fold(text)
        .chars()
        .take(8_000)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().nth(MAX_WORD_CHARS).is_none())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest word indexed (query terms are at most 64 characters; the last may be a prefix).
const MAX_WORD_CHARS: usize = 100;

/// Adds the words of the whole index to the vocabulary (what migration 0029 did, for tickets
/// written to the index by SQL alone: `seed`).
pub(crate) async fn fill_vocabulary(conn: &mut AnyConnection) -> Result<()> {
    match crate::db::backend_of(conn) {
        Backend::Sqlite => {
            sqlx::query("CREATE VIRTUAL TABLE temp.ticket_terms USING fts5vocab(main, ticket_search, 'row')").execute(&mut *conn).await?;
            sqlx::query("INSERT OR IGNORE INTO ticket_words (word) SELECT term FROM temp.ticket_terms ORDER BY term")
                .execute(&mut *conn)
                .await?;
            sqlx::query("DROP TABLE temp.ticket_terms").execute(&mut *conn).await?;
        }
        Backend::Postgres => {
            sqlx::query("INSERT INTO ticket_words (word) SELECT word FROM ts_stat('SELECT tsv FROM ticket_search') ORDER BY word ON CONFLICT DO NOTHING")
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Most whole words a word being typed, or a stem, stands for in a ticket search (the known
/// words it starts, the shortest first; Elasticsearch's `max_expansions` is 50 too).
const MAX_COMPLETIONS: usize = 50;

/// A ticket search's terms with every form a whole word some ticket has: the word being typed
/// and a word's stem become the known words they start (at most `MAX_COMPLETIONS` each), and a
/// word no ticket has is read as the known words it may be a typo of. A term left without forms
/// matches nothing. Whole words keep both backends fast: SQLite's index yields them in ticket
/// order where it first gathers a prefix's every ticket (a word in all of a million: 30 ms), and
/// PostgreSQL estimates them from its statistics, where it guesses for a prefix (and walked
/// 450,000 tickets for a rare one: 340 ms).
pub(crate) async fn resolve(conn: &mut AnyConnection, query: &str) -> Result<Vec<Term>> {
    let vocabulary = crate::vocabulary::TICKETS;
    let mut resolved = Vec::new();
    for term in query_terms(query) {
        let mut words = Term { word: term.word.clone(), forms: Vec::new() };
        for form in &term.forms {
            let found = if form.prefix {
                vocabulary.completions(conn, &form.text, MAX_COMPLETIONS).await?
            } else if vocabulary.contains(conn, &form.text).await? {
                vec![form.text.clone()]
            } else {
                Vec::new()
            };
            for text in found {
                if !words.forms.iter().any(|f| f.text == text) {
                    words.forms.push(Form { text, prefix: false, quality: form.quality });
                }
            }
        }
        if words.forms.is_empty() && typo_tolerant(&term.word) {
            words.add_typos(vocabulary.typo_readings(conn, &term).await?);
        }
        resolved.push(words);
    }
    Ok(resolved)
}

/// The full-text expression for terms: every term, any of its forms. (Forms are folded letters
/// and digits only, from `podpora_domain::search::terms`: no operator of either syntax.)
pub(crate) fn expression(backend: Backend, terms: &[Term]) -> String {
    let (or, and) = if backend == Backend::Sqlite { (" OR ", " AND ") } else { (" | ", " & ") };
    terms
        .iter()
        .map(|t| {
            let forms: Vec<String> = t
                .forms
                .iter()
                .map(|f| match (backend, f.prefix) {
                    (Backend::Sqlite, true) => format!("\"{}\"*", f.text),
                    (Backend::Sqlite, false) => format!("\"{}\"", f.text),
                    (Backend::Postgres, true) => format!("{}:*", f.text),
                    (Backend::Postgres, false) => f.text.clone(),
                })
                .collect();
            format!("({})", forms.join(or))
        })
        .collect::<Vec<_>>()
        .join(and)
}

/// How a ticket listing's SQL meets its search words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Join {
    /// The listing walks the index (`ticket_search s`, SQLite), in ticket order.
    Walk,
    /// The listing walks tickets and checks each against the index.
    Check,
}

/// The SQL condition "ticket `t` has all these terms" (resolved ones, see `resolve`), with its
/// bound values (placeholders from `first` on). With `Join::Walk` the listing reads from
/// `ticket_search s`, newest or oldest first as it yields them, so that a word in a third of a
/// million tickets is no slower than a rare one (collecting its every ticket first made SQLite's
/// p99 124 ms). PostgreSQL looks each term up on its own (a ticket's words may be spread over
/// several rows) and, with whole words, picks the plan its statistics suggest.
pub(crate) fn condition(backend: Backend, terms: &[Term], join: Join, first: usize) -> (String, Vec<String>) {
    match (backend, join) {
        (Backend::Sqlite, Join::Walk) => (format!("s.ticket_search MATCH ${first}"), vec![expression(backend, terms)]),
        (Backend::Sqlite, Join::Check) => {
            (format!("t.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ${first})"), vec![expression(backend, terms)])
        }
        (Backend::Postgres, _) => (
            (0..terms.len())
                .map(|i| format!("t.id IN (SELECT ticket_id FROM ticket_search WHERE tsv @@ to_tsquery('simple', ${}))", first + i))
                .collect::<Vec<_>>()
                .join(" AND "),
            terms.iter().map(|t| expression(backend, std::slice::from_ref(t))).collect(),
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
        assert_eq!(new_words("order refund delivery zasilka refund", &known, 1000), vec!["refund", "zasilka"]);
        assert_eq!(new_words("order refund delivery zasilka refund", &known, 14), vec!["refund"], "as many as fit");
        let long = "slovo ".repeat(50_000) + &(0..30_000).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        let doc = document("", &long);
        assert!(doc.len() < MAX_INDEXED_CHARS && doc.starts_with("slovo w0 w1 "), "{}", &doc[..40]);
        assert_eq!(words(&format!("short {} Word", "x".repeat(101))), "short word", "overlong words are left out");
        assert_eq!(sorted_words("zed  ab a žluť b ab"), "a ab b zed žluť", "bytewise, each once");
    }

    /// A ticket's words, sorted, and how many rows hold them.
    async fn stored(conn: &mut AnyConnection, id: i64) -> (Vec<String>, usize) {
        let backend = crate::db::backend_of(conn);
        let key = if backend == Backend::Sqlite { "rowid" } else { "ticket_id" };
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ticket_search WHERE {key} = $1"))
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let doc = present_words(conn, backend, &[id]).await.unwrap().remove(&id).unwrap_or_default();
        let mut words: Vec<String> = doc.split(' ').map(str::to_string).collect();
        words.sort();
        (words, rows as usize)
    }

    /// How many tickets a search for `q` finds.
    async fn found(db: &crate::Db, q: &str) -> usize {
        crate::tickets::list(
            db,
            &crate::tickets::TicketQuery {
                q: Some(q.to_string()),
                limit: 10,
                ..crate::tickets::TicketQuery::new(podpora_domain::access::MailboxScope::All)
            },
        )
        .await
        .unwrap()
        .0
        .len()
    }

    /// A new ticket of the customer `address` (created if need be).
    async fn new_ticket(conn: &mut AnyConnection, address: &str, name: &str, subject: &str) -> crate::tickets::Ticket {
        let backend = crate::db::backend_of(conn);
        let c = crate::customers::find_or_create(conn, &podpora_domain::EmailAddress::parse(address).unwrap(), name).await.unwrap();
        let new =
            crate::tickets::NewTicket { mailbox_id: None, customer_id: c, subject, channel: podpora_domain::Channel::Email, related: None };
        crate::tickets::insert(conn, backend, &new).await.unwrap()
    }

    #[tokio::test]
    async fn queued_words_are_searchable_once_indexed() {
        crate::testing::for_each_backend(|t| async move {
            let mut tx = t.db.begin().await.unwrap();
            let id = new_ticket(&mut tx, "bea@x.cz", "", "Mokrý balík").await.id;
            let msg = crate::messages::NewMessage::text(
                id,
                podpora_domain::Direction::In,
                podpora_domain::MessageKind::Message,
                ("bea@x.cz", "Bea"),
                "Mokrý balík",
                "Krabice byla promáčená",
            );
            crate::messages::insert_many_index_later(&mut tx, &[msg], &[id]).await.unwrap();
            tx.commit().await.unwrap();
            assert!(pending(&t.db).await.unwrap());
            assert_eq!(found(&t.db, "promacena").await, 0, "queued, not indexed yet");
            assert_eq!(catch_up(&t.db).await.unwrap(), 2);
            assert!(!pending(&t.db).await.unwrap());
            for q in ["promacena", "mokry bea", "krabice balik"] {
                assert_eq!(found(&t.db, q).await, 1, "{q}");
            }
            // A head queued again for an indexed ticket adds nothing; an entry for a ticket that
            // does not exist is dropped.
            let mut tx = t.db.begin().await.unwrap();
            let before = stored(&mut tx, id).await;
            enqueue(&mut tx, &[(id, None), (id + 1000, None)]).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(catch_up(&t.db).await.unwrap(), 2);
            assert_eq!(stored(&mut t.db.conn().await.unwrap(), id).await, before);
            t
        })
        .await;
    }

    /// Migration 0013 (the fold spells out ß, đ, ø, …) empties the index and queues every ticket
    /// and message again; the indexer rebuilds it with the fold of today, acknowledgements left out.
    #[tokio::test]
    async fn the_refold_migration_rebuilds_the_index() {
        crate::testing::for_each_backend(|t| async move {
            let mut tx = t.db.begin().await.unwrap();
            let ticket = new_ticket(&mut tx, "jorg@x.de", "Jörg", "Lieferung").await;
            let text = |body| {
                crate::messages::NewMessage::text(
                    ticket.id,
                    podpora_domain::Direction::In,
                    podpora_domain::MessageKind::Message,
                    ("jorg@x.de", "Jörg"),
                    "Lieferung",
                    body,
                )
            };
            let ack =
                crate::messages::NewMessage { message_id: Some("ack@x"), searchable: false, ..text("Danke, Ihr Anliegen ist eingegangen") };
            let pks = crate::messages::insert_many(&mut tx, &[ack], &[]).await.unwrap();
            let to = vec!["jorg@x.de".to_string()];
            let mail = crate::outbox::NewOutbound {
                ticket_id: Some(ticket.id),
                message_pk: Some(pks[0]),
                purpose: "ack",
                mail_from: "help@x.cz",
                recipients: &to,
                raw: b"x",
            };
            crate::outbox::enqueue_many(&mut tx, &[mail]).await.unwrap();
            crate::messages::insert_many_index_later(&mut tx, &[text("Die Hausnummer in der Straße fehlt")], &[ticket.id]).await.unwrap();
            tx.commit().await.unwrap();
            catch_up(&t.db).await.unwrap();
            // The words as the earlier fold stored them ("straße" became "stralle").
            let mut tx = t.db.begin().await.unwrap();
            let key = if t.db.backend() == Backend::Sqlite { "rowid" } else { "ticket_id" };
            sqlx::query(&format!("DELETE FROM ticket_search WHERE {key} = $1")).bind(ticket.id).execute(&mut *tx).await.unwrap();
            index_many(
                &mut tx,
                &[(ticket.id, format!("{} lieferung jorg x de", ticket.number.get()))],
                &[(ticket.id, "jorg die hausnummer in der stralle fehlt".into())],
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            assert_eq!((found(&t.db, "stralle").await, found(&t.db, "strasse").await), (1, 0));
            let migration = match t.db.backend() {
                Backend::Sqlite => include_str!("../migrations/sqlite/0013_search_refold.sql"),
                Backend::Postgres => include_str!("../migrations/postgres/0013_search_refold.sql"),
            };
            sqlx::raw_sql(migration).execute(t.db.pool()).await.unwrap();
            assert_eq!(found(&t.db, "hausnummer").await, 0, "emptied");
            // The ticket's head and its message; not the acknowledgement.
            assert_eq!(catch_up(&t.db).await.unwrap(), 2);
            for (q, expected) in [
                ("strasse", 1),
                ("Straße", 1),
                ("stralle", 0),
                ("hausnummer jorg", 1),
                ("lieferung", 1),
                (&ticket.number.get().to_string(), 1),
                ("eingegangen", 0),
            ] {
                assert_eq!(found(&t.db, q).await, expected, "{q}");
            }
            t
        })
        .await;
    }

    /// A new ticket with its search words, of the customer `address` (created if need be).
    async fn created(conn: &mut AnyConnection, address: &str, subject: &str) -> i64 {
        let backend = crate::db::backend_of(conn);
        let c = crate::customers::find_or_create(conn, &podpora_domain::EmailAddress::parse(address).unwrap(), "").await.unwrap();
        let new =
            crate::tickets::NewTicket { mailbox_id: None, customer_id: c, subject, channel: podpora_domain::Channel::Email, related: None };
        crate::tickets::create(conn, backend, &new).await.unwrap().id
    }

    /// The ids a search for `q` lists, page by page (`limit` a page) in `sort` order, with `statuses`.
    async fn listed(
        db: &crate::Db,
        q: &str,
        sort: crate::tickets::Sort,
        statuses: &[podpora_domain::TicketStatus],
        limit: u32,
    ) -> Vec<i64> {
        let mut query = crate::tickets::TicketQuery {
            q: Some(q.to_string()),
            sort,
            statuses: statuses.to_vec(),
            limit,
            ..crate::tickets::TicketQuery::new(podpora_domain::access::MailboxScope::All)
        };
        let mut ids = Vec::new();
        loop {
            let (page, next) = crate::tickets::list(db, &query).await.unwrap();
            ids.extend(page.iter().map(|s| s.ticket.id));
            match next {
                Some(n) => query.after_id = Some(n),
                None => return ids,
            }
        }
    }

    #[tokio::test]
    async fn word_forms_typos_and_the_word_being_typed_find_tickets() {
        use crate::tickets::{count_capped, Sort, TicketQuery};
        use podpora_domain::TicketStatus;
        crate::testing::for_each_backend(|t| async move {
            let mut tx = t.db.begin().await.unwrap();
            let mut ids = Vec::new();
            for (address, subject) in [
                ("ann@x.cz", "Reklamace objednávky 5521".to_string()),
                ("bob@x.cz", "Objednávka nedorazila".to_string()),
                ("cyril@x.cz", "Faktura chybí".to_string()),
            ] {
                ids.push(created(&mut tx, address, &subject).await);
            }
            let mut invoices = Vec::new();
            for i in 0..30 {
                let ticket = created(&mut tx, "dora@x.cz", &format!("Invoice missing {i}")).await;
                if i % 3 == 0 {
                    sqlx::query("UPDATE tickets SET status = 'open' WHERE id = $1").bind(ticket).execute(&mut *tx).await.unwrap();
                }
                invoices.push(ticket);
            }
            tx.commit().await.unwrap();
            let newest = |q: &'static str| listed(&t.db, q, Sort::Newest, &[], 50);
            for (q, expected) in [
                ("objednavka", vec![ids[1], ids[0]]),
                ("Objednávky", vec![ids[1], ids[0]]),
                ("obj", vec![ids[1], ids[0]]),
                ("reklmace", vec![ids[0]]),
                ("faktrua chybi", vec![ids[2]]),
                ("552", vec![ids[0]]),
                ("objednavka 5521", vec![ids[0]]),
                ("nedorazilo", vec![ids[1]]),
                ("zzqqxxw", vec![]),
                ("objednavka zzqqxxw", vec![]),
            ] {
                assert_eq!(newest(q).await, expected, "{q}");
            }
            // A word in many tickets, page by page in both orders and with a filter.
            let mut reversed = invoices.clone();
            reversed.reverse();
            assert_eq!(listed(&t.db, "invoice", Sort::Newest, &[], 7).await, reversed);
            assert_eq!(listed(&t.db, "invoice miss", Sort::Oldest, &[], 4).await, invoices);
            let open: Vec<i64> = invoices.iter().step_by(3).copied().collect();
            assert_eq!(listed(&t.db, "invoice", Sort::Oldest, &[TicketStatus::Open], 3).await, open);
            assert_eq!(listed(&t.db, "invoice", Sort::Due, &[], 8).await.len(), 30);
            let invoices_query = TicketQuery { q: Some("invoice".into()), ..TicketQuery::new(podpora_domain::access::MailboxScope::All) };
            let counts =
                (count_capped(&t.db, &invoices_query, 10).await.unwrap(), count_capped(&t.db, &invoices_query, 100).await.unwrap());
            assert_eq!(counts, (10, 30));
            t
        })
        .await;
    }

    #[tokio::test]
    async fn tickets_grow_by_new_words_only() {
        crate::testing::for_each_backend(|t| async move {
            let mut tx = t.db.begin().await.unwrap();
            let c = crate::customers::find_or_create(&mut tx, &podpora_domain::EmailAddress::parse("ann@x.cz").unwrap(), "").await.unwrap();
            let new = crate::tickets::NewTicket {
                mailbox_id: None,
                customer_id: c,
                subject: "Broken zipper",
                channel: podpora_domain::Channel::Email,
                related: None,
            };
            let id = crate::tickets::create(&mut tx, t.db.backend(), &new).await.unwrap().id;
            let key = if t.db.backend() == Backend::Sqlite { "rowid" } else { "ticket_id" };
            // `create` started the ticket's words with its head; start again from a known one.
            sqlx::query(&format!("DELETE FROM ticket_search WHERE {key} = $1")).bind(id).execute(&mut *tx).await.unwrap();
            index_many(&mut tx, &[(id, "1001 Broken zipper".into())], &[(id, "The zipper broke, the zipper!".into())]).await.unwrap();
            index_many(&mut tx, &[], &[(id, "Broken again. Refund please".into()), (id, "refund NOW".into())]).await.unwrap();
            index_many(&mut tx, &[], &[(id, "broken zipper".into())]).await.unwrap();
            let (words, rows) = stored(&mut tx, id).await;
            assert_eq!(words, ["1001", "again", "broke", "broken", "now", "please", "refund", "the", "zipper"]);
            // SQLite grows its one document; PostgreSQL adds a row for the new words, none for none.
            assert_eq!(rows, if t.db.backend() == Backend::Sqlite { 1 } else { 2 });
            // A ticket whose words were lost gets them anew, head included; a long word is no error.
            sqlx::query(&format!("DELETE FROM ticket_search WHERE {key} = $1")).bind(id).execute(&mut *tx).await.unwrap();
            index_many(&mut tx, &[], &[(id, format!("lost {}", "y".repeat(3_000)))]).await.unwrap();
            let number = crate::tickets::by_id(&mut tx, id).await.unwrap().number.get().to_string();
            let (words, _) = stored(&mut tx, id).await;
            let mut expected = vec!["ann", "broken", "cz", "lost", number.as_str(), "x", "zipper"];
            expected.sort();
            assert_eq!(words, expected);
            tx.commit().await.unwrap();
            t
        })
        .await;
    }
}
