//! Inbound mail as received: the raw message is in the blob store, this row says where it came from
//! and what became of it (received → processed, or set aside with a reason an agent can read).

use crate::{now_ms, Db, Result, StoreError};
use podpora_domain::EmailAddress;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    Received,
    Processed,
    SetAside,
}

impl InboundStatus {
    fn as_str(self) -> &'static str {
        match self {
            InboundStatus::Received => "received",
            InboundStatus::Processed => "processed",
            InboundStatus::SetAside => "set_aside",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "received" => Ok(InboundStatus::Received),
            "processed" => Ok(InboundStatus::Processed),
            "set_aside" => Ok(InboundStatus::SetAside),
            o => Err(StoreError::Corrupt(format!("inbound status {o}"))),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Inbound {
    pub id: i64,
    pub source: String,
    pub mailbox_id: Option<i64>,
    pub envelope_from: Option<String>,
    pub envelope_to: Vec<String>,
    pub raw_blob: String,
    pub size: i64,
    pub status: InboundStatus,
    pub reason: Option<String>,
    pub ticket_id: Option<i64>,
    pub received_at: i64,
}

const COLS: &str = "id, source, mailbox_id, envelope_from, envelope_to, raw_blob, size, status, reason, ticket_id, received_at";

fn inbound(r: &AnyRow) -> Result<Inbound> {
    Ok(Inbound {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        mailbox_id: r.try_get("mailbox_id")?,
        envelope_from: r.try_get("envelope_from")?,
        envelope_to: serde_json::from_str(&r.try_get::<String, _>("envelope_to")?).unwrap_or_default(),
        raw_blob: r.try_get("raw_blob")?,
        size: r.try_get("size")?,
        status: InboundStatus::parse(&r.try_get::<String, _>("status")?)?,
        reason: r.try_get("reason")?,
        ticket_id: r.try_get("ticket_id")?,
        received_at: r.try_get("received_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub source: &'a str,
    pub mailbox_id: Option<i64>,
    pub envelope_from: Option<&'a str>,
    pub envelope_to: &'a [String],
    pub raw_blob: &'a str,
    pub size: i64,
    /// Stored but set aside at once, with this reason (never processed unless an agent asks).
    pub set_aside: Option<&'a str>,
}

/// Most accepted mail at once on PostgreSQL, in one statement (one round trip, its own commit:
/// no BEGIN and COMMIT, each a round trip to a busy server, and the senders wait on all of them):
/// the raw bytes into the database blob store where `raw` has them (id, bytes), and the rows,
/// each with the mailbox of its `recipients` (as `mailboxes::first_mailbox_of` decides; the
/// rows' `mailbox_id` is not used). Their ids in order. Only for groups that
/// `fits_one_statement`; larger ones go through `insert_many` in a transaction.
pub async fn accept_many_pg(
    conn: &mut AnyConnection,
    rows: &[NewInbound<'_>],
    recipients: &[&[EmailAddress]],
    raw: &[(&crate::BlobId, &[u8])],
) -> Result<Vec<i64>> {
    let mut seen = std::collections::HashSet::new();
    let raw: Vec<&(&crate::BlobId, &[u8])> = raw.iter().filter(|(id, _)| seen.insert(id.as_str())).collect();
    let mut sql = String::new();
    let mut at = 1;
    if !raw.is_empty() {
        sql.push_str(&format!(
            "WITH written AS ({}{}{}) ",
            crate::blobs::INSERT_HEAD,
            crate::db::values_list(raw.len(), 4, 1),
            crate::blobs::INSERT_TAIL
        ));
        at += raw.len() * 4;
    }
    // nextval is taken after the sort (PostgreSQL evaluates volatile output columns after ORDER
    // BY), so ids follow `ord`; they are sorted below all the same.
    sql.push_str(
        "INSERT INTO inbound (id, source, mailbox_id, envelope_from, envelope_to, raw_blob, size, status, reason, received_at, processed_at) \
         SELECT nextval(pg_get_serial_sequence('inbound', 'id')), v.source, \
         (SELECT m.id FROM jsonb_array_elements_text(v.wanted::jsonb) WITH ORDINALITY AS w(address, pos) JOIN mailboxes m ON m.address = w.address ORDER BY w.pos LIMIT 1), \
         v.envelope_from, v.envelope_to, v.raw_blob, v.size, v.status, v.reason, v.received_at, v.processed_at FROM (VALUES ",
    );
    for i in 0..rows.len() {
        let p: Vec<usize> = (0..11).map(|k| at + i * 11 + k).collect();
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}::bigint, ${}::text, ${}::text, ${}::text, ${}::text, ${}::text, ${}::bigint, ${}::text, ${}::text, ${}::bigint, ${}::bigint)",
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]
        ));
    }
    sql.push_str(") AS v(ord, source, wanted, envelope_from, envelope_to, raw_blob, size, status, reason, received_at, processed_at) ORDER BY v.ord RETURNING id");
    let now = now_ms();
    let mut q = sqlx::query(&sql);
    for (id, bytes) in &raw {
        q = q.bind(id.as_str()).bind(bytes.len() as i64).bind(*bytes).bind(now);
    }
    for (i, (n, rcpts)) in rows.iter().zip(recipients).enumerate() {
        let wanted = serde_json::to_string(&crate::mailboxes::lookup_order(rcpts)).unwrap_or_else(|_| "[]".into());
        q = bind_row(q, i as i64, n, wanted, now);
    }
    let mut ids = q.fetch_all(&mut *conn).await?.iter().map(|r| r.try_get::<i64, _>(0)).collect::<std::result::Result<Vec<i64>, _>>()?;
    ids.sort_unstable();
    if ids.len() != rows.len() {
        return Err(StoreError::Corrupt(format!("{} inbound rows written for {}", ids.len(), rows.len())));
    }
    Ok(ids)
}

/// Binds an inbound row's 11 values, in the column order of `insert_many`: `first` (the id, or
/// the row's place), source, `mailbox` (its id, or the addresses to find it by), then the rest.
fn bind_row<'q, M>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    first: i64,
    n: &NewInbound<'q>,
    mailbox: M,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>
where
    M: 'q + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let status = if n.set_aside.is_some() { InboundStatus::SetAside } else { InboundStatus::Received };
    q.bind(first)
        .bind(n.source)
        .bind(mailbox)
        .bind(n.envelope_from)
        .bind(serde_json::to_string(n.envelope_to).unwrap_or_else(|_| "[]".into()))
        .bind(n.raw_blob)
        .bind(n.size)
        .bind(status.as_str())
        .bind(n.set_aside)
        .bind(now)
        .bind(n.set_aside.map(|_| now))
}

/// Whether a group of accepted mail (its number of rows and raw bytes) fits `accept_many_pg`.
pub fn fits_one_statement(rows: usize, raw_bytes: usize) -> bool {
    rows <= 64 && raw_bytes <= crate::blobs::BYTES_PER_STATEMENT
}

pub async fn insert(conn: &mut AnyConnection, n: &NewInbound<'_>) -> Result<i64> {
    Ok(insert_many(conn, std::slice::from_ref(n)).await?[0])
}

/// Inserts received messages with one statement; their ids in order (the queue's order).
pub async fn insert_many(conn: &mut AnyConnection, rows: &[NewInbound<'_>]) -> Result<Vec<i64>> {
    let ids = crate::db::reserve_ids(conn, "inbound", rows.len()).await?;
    let now = now_ms();
    for (chunk, chunk_ids) in rows.chunks(crate::db::ROWS_PER_STATEMENT).zip(ids.chunks(crate::db::ROWS_PER_STATEMENT)) {
        let sql = format!(
            "INSERT INTO inbound (id, source, mailbox_id, envelope_from, envelope_to, raw_blob, size, status, reason, received_at, processed_at) VALUES {}",
            crate::db::values_list(chunk.len(), 11, 1)
        );
        let mut q = sqlx::query(&sql);
        for (n, id) in chunk.iter().zip(chunk_ids) {
            q = bind_row(q, *id, n, n.mailbox_id, now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(ids)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Inbound> {
    sqlx::query(&format!("SELECT {COLS} FROM inbound WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(inbound)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

pub async fn mark_processed(conn: &mut AnyConnection, id: i64, ticket_id: i64) -> Result<()> {
    mark_processed_many(conn, &[(id, ticket_id)]).await
}

/// Marks (inbound id, ticket id) pairs processed, in one statement.
pub async fn mark_processed_many(conn: &mut AnyConnection, done: &[(i64, i64)]) -> Result<()> {
    for chunk in done.chunks(crate::db::ROWS_PER_STATEMENT) {
        let (cases, ids) = crate::db::case_list(chunk.len(), 2);
        let sql = format!(
            "UPDATE inbound SET status = 'processed', ticket_id = CASE id{cases} END, reason = NULL, processed_at = $1 WHERE id IN ({ids})"
        );
        let mut q = sqlx::query(&sql).bind(now_ms());
        for (id, ticket) in chunk {
            q = q.bind(*id).bind(*ticket);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets a message aside (unparsable, loop, bounce, …): kept, listed, reprocessable, never dropped.
pub async fn set_aside(conn: &mut AnyConnection, id: i64, reason: &str) -> Result<()> {
    sqlx::query("UPDATE inbound SET status = 'set_aside', reason = $1, processed_at = $2 WHERE id = $3")
        .bind(reason)
        .bind(now_ms())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list(db: &Db, status: InboundStatus, limit: i64) -> Result<Vec<Inbound>> {
    sqlx::query(&format!("SELECT {COLS} FROM inbound WHERE status = $1 ORDER BY id DESC LIMIT $2"))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(inbound)
        .collect()
}

/// How many received messages wait to be processed (all mailboxes).
pub async fn waiting_count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbound WHERE status = 'received'").fetch_one(db.pool()).await?)
}

/// Which of these raw mails (blob ids) the mailbox has received before (an IMAP refetch after a
/// crash, a folder read again after a new UIDVALIDITY).
pub async fn received_among(db: &Db, mailbox_id: i64, raw_blobs: &[String]) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in raw_blobs.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!("SELECT raw_blob FROM inbound WHERE mailbox_id = $1 AND raw_blob IN ({})", crate::db::in_list(chunk.len(), 2));
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(mailbox_id);
        for b in chunk {
            q = q.bind(b.as_str());
        }
        found.extend(q.fetch_all(db.pool()).await?);
    }
    Ok(found)
}

/// Messages of a mailbox (None: of no mailbox) still waiting to be processed, oldest first, with
/// ids in `(after, upto]`, at most `limit` of them and not much more than `max_bytes` together
/// (always at least one).
pub async fn waiting(db: &Db, mailbox_id: Option<i64>, after: i64, upto: i64, limit: i64, max_bytes: i64) -> Result<Vec<Inbound>> {
    let sql = match mailbox_id {
        Some(_) => format!("SELECT {COLS} FROM inbound WHERE status = 'received' AND mailbox_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4"),
        None => format!("SELECT {COLS} FROM inbound WHERE status = 'received' AND mailbox_id IS NULL AND $1 = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4"),
    };
    let rows = sqlx::query(&sql).bind(mailbox_id.unwrap_or(0)).bind(after).bind(upto).bind(limit).fetch_all(db.pool()).await?;
    let mut out = Vec::new();
    let mut bytes = 0;
    for r in &rows {
        let i = inbound(r)?;
        if !out.is_empty() && bytes + i.size > max_bytes {
            break;
        }
        bytes += i.size;
        out.push(i);
    }
    Ok(out)
}

/// How long a hole in the inbound ids may stand for a message still being committed.
pub const COMMIT_GRACE_MS: i64 = 2_000;

/// The part of `batch` (a mailbox's waiting messages after `after`, oldest first, as `waiting`
/// read them) that may be processed now, in id order. On PostgreSQL ids come from a sequence
/// before the commit, so accepts of other instances (or concurrent group commits) become
/// visible out of id order: the batch stops
/// - before a hole that may still be filling (younger than `COMMIT_GRACE_MS`; an older hole is
///   an accept that was rolled back), and
/// - before a message of the mailbox that became visible after `waiting` read the batch (it was
///   a hole then and is not in the batch; it comes first, and the next read finds it).
///
/// SQLite (one writer) has neither.
pub async fn in_order(db: &Db, mailbox_id: Option<i64>, after: i64, mut batch: Vec<Inbound>) -> Result<Vec<Inbound>> {
    let (Some(first), Some(last)) = (batch.first().map(|r| r.id), batch.last().map(|r| r.id)) else { return Ok(batch) };
    if db.backend() == crate::Backend::Sqlite {
        return Ok(batch);
    }
    // Everything from where this mailbox's reading resumed; on a first read, a little before the
    // oldest waiting message (accepts in flight are few: one group commit per instance).
    let from = if after > 0 { after } else { (first - 256).max(0) };
    let rows = sqlx::query("SELECT id, received_at, status, mailbox_id FROM inbound WHERE id > $1 AND id <= $2 ORDER BY id")
        .bind(from)
        .bind(last)
        .fetch_all(db.pool())
        .await?;
    let mut seen = Vec::with_capacity(rows.len());
    for r in &rows {
        let waiting = r.try_get::<String, _>(2)? == InboundStatus::Received.as_str() && r.try_get::<Option<i64>, _>(3)? == mailbox_id;
        seen.push(Seen { id: r.try_get(0)?, received_at: r.try_get(1)?, waiting });
    }
    let in_batch: std::collections::HashSet<i64> = batch.iter().map(|r| r.id).collect();
    let upto = processable_upto(from, &seen, &in_batch, now_ms(), COMMIT_GRACE_MS);
    batch.retain(|r| r.id <= upto);
    Ok(batch)
}

/// An inbound row as `in_order` sees it: whether it waits in the mailbox being read.
struct Seen {
    id: i64,
    received_at: i64,
    waiting: bool,
}

/// `in_order`'s bound on the rows after `from`, in id order.
fn processable_upto(from: i64, rows: &[Seen], in_batch: &std::collections::HashSet<i64>, now: i64, grace_ms: i64) -> i64 {
    let mut expected = from + 1;
    for r in rows {
        if r.id != expected && now - r.received_at < grace_ms || r.waiting && !in_batch.contains(&r.id) {
            return expected.min(r.id) - 1;
        }
        expected = r.id + 1;
    }
    i64::MAX
}

/// Counts per status, for health pages and metrics.
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM inbound GROUP BY status ORDER BY status").fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Puts a set-aside message back to `received` so it is processed again.
pub async fn reset(conn: &mut AnyConnection, id: i64) -> Result<bool> {
    let n = sqlx::query("UPDATE inbound SET status = 'received', reason = NULL WHERE id = $1 AND status = 'set_aside'")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The mailboxes (None: mail for no mailbox) with mail waiting to be processed: the inbound table
/// is the queue, whoever drains a mailbox holds its lease. One index step per mailbox (a skip scan
/// over the index of waiting mail), however long the backlog: this runs several times a second.
pub async fn waiting_mailboxes(db: &Db) -> Result<Vec<Option<i64>>> {
    let mut conn = db.conn().await?;
    let mut list: Vec<Option<i64>> = sqlx::query_scalar(
        "WITH RECURSIVE w(mailbox_id) AS ( \
           SELECT * FROM (SELECT mailbox_id FROM inbound WHERE status = 'received' AND mailbox_id IS NOT NULL ORDER BY mailbox_id LIMIT 1) f \
           UNION ALL \
           SELECT (SELECT i.mailbox_id FROM inbound i WHERE i.status = 'received' AND i.mailbox_id > w.mailbox_id ORDER BY i.mailbox_id LIMIT 1) \
           FROM w WHERE w.mailbox_id IS NOT NULL) \
         SELECT mailbox_id FROM w WHERE mailbox_id IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let homeless: Option<i64> = sqlx::query_scalar("SELECT 1 FROM inbound WHERE status = 'received' AND mailbox_id IS NULL LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    if homeless.is_some() {
        list.push(None);
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_mailboxes_are_those_with_received_mail() {
        crate::testing::for_each_backend(|t| async move {
            let mut mbs = Vec::new();
            for i in 0..4 {
                let address = podpora_domain::EmailAddress::parse(&format!("help{i}@shop.cz")).unwrap();
                mbs.push(
                    crate::mailboxes::add(&t.db, &crate::mailboxes::NewMailbox { address, name: String::new(), imap_url: None })
                        .await
                        .unwrap()
                        .id,
                );
            }
            assert!(waiting_mailboxes(&t.db).await.unwrap().is_empty());
            let row = |mailbox_id, set_aside| NewInbound {
                source: "smtp",
                mailbox_id,
                envelope_from: None,
                envelope_to: &[],
                raw_blob: "b",
                size: 1,
                set_aside,
            };
            let mut tx = t.db.begin().await.unwrap();
            // mbs[0]: waiting mail; mbs[1]: only processed mail; mbs[2]: only set aside; mbs[3]: a backlog; and mail for no mailbox.
            let ids =
                insert_many(&mut tx, &[row(Some(mbs[0]), None), row(Some(mbs[1]), None), row(Some(mbs[2]), Some("loop")), row(None, None)])
                    .await
                    .unwrap();
            insert_many(&mut tx, &vec![row(Some(mbs[3]), None); 300]).await.unwrap();
            sqlx::query("UPDATE inbound SET status = 'processed' WHERE id = $1").bind(ids[1]).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            let mut got = waiting_mailboxes(&t.db).await.unwrap();
            got.sort();
            assert_eq!(got, vec![None, Some(mbs[0]), Some(mbs[3])]);
            sqlx::query("UPDATE inbound SET status = 'processed' WHERE mailbox_id IS NULL OR mailbox_id = $1")
                .bind(mbs[0])
                .execute(t.db.pool())
                .await
                .unwrap();
            assert_eq!(waiting_mailboxes(&t.db).await.unwrap(), vec![Some(mbs[3])]);
            t
        })
        .await;
    }

    /// A message whose accept reserved its id first but committed last (another instance, or
    /// a concurrent group commit) is processed before the mail after it, also when it becomes
    /// visible between reading the batch and checking it.
    #[tokio::test]
    async fn a_late_commit_is_not_passed_over() {
        let t = crate::testing::postgres().await;
        let address = podpora_domain::EmailAddress::parse("help@shop.cz").unwrap();
        let mb = Some(
            crate::mailboxes::add(&t.db, &crate::mailboxes::NewMailbox { address, name: String::new(), imap_url: None }).await.unwrap().id,
        );
        let row =
            NewInbound { source: "smtp", mailbox_id: mb, envelope_from: None, envelope_to: &[], raw_blob: "b", size: 1, set_aside: None };
        let mut early = t.db.begin().await.unwrap();
        let early_id = insert_many(&mut early, std::slice::from_ref(&row)).await.unwrap()[0];
        let mut tx = t.db.begin().await.unwrap();
        let later = insert_many(&mut tx, &[row.clone(), row.clone()]).await.unwrap();
        tx.commit().await.unwrap();
        assert!(later[0] > early_id);
        // Read while the earlier accept is still being committed: nothing yet (a young hole).
        let batch = waiting(&t.db, mb, 0, i64::MAX, 10, 1 << 20).await.unwrap();
        assert_eq!(batch.iter().map(|r| r.id).collect::<Vec<_>>(), later);
        assert!(in_order(&t.db, mb, 0, batch.clone()).await.unwrap().is_empty());
        // It commits between the read and the check: still nothing of this batch.
        early.commit().await.unwrap();
        assert!(in_order(&t.db, mb, 0, batch).await.unwrap().is_empty());
        // Read again: all three, in order.
        let batch = waiting(&t.db, mb, 0, i64::MAX, 10, 1 << 20).await.unwrap();
        let ids: Vec<i64> = in_order(&t.db, mb, 0, batch).await.unwrap().iter().map(|r| r.id).collect();
        assert_eq!(ids, [early_id, later[0], later[1]]);
        // Reading on after the first: the check starts there.
        let batch = waiting(&t.db, mb, early_id, i64::MAX, 10, 1 << 20).await.unwrap();
        assert_eq!(in_order(&t.db, mb, early_id, batch).await.unwrap().len(), 2);
        t.cleanup().await;
    }

    /// One statement for a group of accepts: each row its own id in order, its mailbox by its
    /// recipients as `first_mailbox_of` decides, the raw bytes stored once.
    #[tokio::test]
    async fn accepts_in_one_statement() {
        let t = crate::testing::postgres().await;
        let addr = |a: &str| podpora_domain::EmailAddress::parse(a).unwrap();
        let mut mbs = Vec::new();
        for a in ["help@shop.cz", "sales@shop.cz"] {
            mbs.push(
                crate::mailboxes::add(&t.db, &crate::mailboxes::NewMailbox { address: addr(a), name: String::new(), imap_url: None })
                    .await
                    .unwrap()
                    .id,
            );
        }
        let envelopes: Vec<Vec<podpora_domain::EmailAddress>> = vec![
            vec![addr("help@shop.cz")],
            vec![addr("nobody@else.cz"), addr("sales+t5.x@shop.cz"), addr("help@shop.cz")],
            vec![addr("nobody@else.cz")],
            vec![addr("help@shop.cz")],
        ];
        let recipients: Vec<&[podpora_domain::EmailAddress]> = envelopes.iter().map(Vec::as_slice).collect();
        let raws: Vec<Vec<u8>> = vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec(), b"one".to_vec()];
        let ids: Vec<crate::BlobId> = raws.iter().map(|r| crate::BlobId::of(r)).collect();
        let to: Vec<Vec<String>> = envelopes.iter().map(|e| e.iter().map(|a| a.to_string()).collect()).collect();
        let rows: Vec<NewInbound> = (0..4)
            .map(|i| NewInbound {
                source: "smtp",
                mailbox_id: None,
                envelope_from: Some("x@y.cz"),
                envelope_to: &to[i],
                raw_blob: ids[i].as_str(),
                size: raws[i].len() as i64,
                set_aside: (i == 2).then_some("loop"),
            })
            .collect();
        let raw: Vec<(&crate::BlobId, &[u8])> = ids.iter().zip(&raws).map(|(id, r)| (id, r.as_slice())).collect();
        let mut conn = t.db.conn().await.unwrap();
        let expected = crate::mailboxes::first_mailbox_of(&mut conn, &recipients).await.unwrap();
        assert_eq!(expected, [Some(mbs[0]), Some(mbs[1]), None, Some(mbs[0])]);
        let got = accept_many_pg(&mut conn, &rows, &recipients, &raw).await.unwrap();
        drop(conn);
        assert!(got.windows(2).all(|w| w[0] < w[1]));
        for (i, id) in got.iter().enumerate() {
            let r = get(&mut t.db.conn().await.unwrap(), *id).await.unwrap();
            assert_eq!((r.raw_blob.as_str(), r.mailbox_id, r.envelope_to.clone()), (ids[i].as_str(), expected[i], to[i].clone()));
            assert_eq!(r.status, if i == 2 { InboundStatus::SetAside } else { InboundStatus::Received });
        }
        let blobs = crate::BlobStore::database(t.db.clone());
        assert_eq!(blobs.get(&ids[1]).await.unwrap(), b"two");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs").fetch_one(t.db.pool()).await.unwrap();
        assert_eq!(n, 3);
        // Nothing to write to the blob store (a folder or S3 holds the mail): rows only.
        let more = accept_many_pg(&mut t.db.conn().await.unwrap(), &rows[..1], &recipients[..1], &[]).await.unwrap();
        assert!(more[0] > got[3]);
        t.cleanup().await;
    }

    #[test]
    fn processing_stops_before_a_hole_that_may_still_fill() {
        let now = 100_000;
        let old = now - 10_000;
        let rows =
            |r: &[(i64, i64, bool)]| r.iter().map(|&(id, received_at, waiting)| Seen { id, received_at, waiting }).collect::<Vec<_>>();
        let batch = |ids: &[i64]| ids.iter().copied().collect::<std::collections::HashSet<i64>>();
        // 1, 2 visible, 3 missing, 4 just committed: up to 2.
        assert_eq!(processable_upto(0, &rows(&[(1, old, true), (2, old, true), (4, now, true)]), &batch(&[1, 2, 4]), now, 2_000), 2);
        // The same hole, long ago: a rolled-back accept, go on.
        assert_eq!(
            processable_upto(0, &rows(&[(1, old, true), (2, old, false), (4, old, true), (5, now, true)]), &batch(&[1, 4, 5]), now, 2_000),
            i64::MAX
        );
        // No hole at all.
        assert_eq!(processable_upto(10, &rows(&[(11, now, true), (12, now, true)]), &batch(&[11, 12]), now, 2_000), i64::MAX);
        assert_eq!(processable_upto(10, &rows(&[(12, now, true)]), &batch(&[12]), now, 2_000), 10);
        // 13 was still being committed when the batch was read and is visible now: it comes first,
        // so nothing of the batch after it is processed yet (other mailboxes' mail does not count).
        assert_eq!(
            processable_upto(
                10,
                &rows(&[(11, now, true), (12, now, false), (13, now, true), (14, now, true)]),
                &batch(&[11, 14]),
                now,
                2_000
            ),
            12
        );
        assert_eq!(processable_upto(10, &rows(&[(11, now, true), (12, now, true)]), &batch(&[12]), now, 2_000), 10);
    }
}
