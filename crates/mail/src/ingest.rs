//! The ingest pipeline. `accept` makes a message durable (raw bytes fsynced in the blob store or
//! written with the row, and an `inbound` row committed) and only then may the caller answer
//! SMTP 250, flag the IMAP message or exit 0. `run_inbound` (and `process` for one message) parse
//! that stored copy and turn it into a ticket message (or set it aside with a reason),
//! idempotently: a crash between the two steps only delays processing.

pub use crate::apply::Outcome;
use crate::apply::{Prepared, StoredAttachment, UNPARSABLE};
use crate::parse::{self, ParsedMail};
use crate::{MailError, Mailroom};
use podpora_domain::EmailAddress;
use podpora_store::events::Event;
use podpora_store::inbound::{self, InboundStatus, NewInbound};
use podpora_store::jobs::Lease;
use podpora_store::mailboxes;
use podpora_store::messages;
use podpora_store::{search, tickets, BlobId};
use std::collections::HashMap;

/// Jobs of this kind were queued per message by earlier versions; still run if found.
pub const JOB_PROCESS: &str = "process_inbound";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Smtp,
    Imap,
    Pipe,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Smtp => "smtp",
            Source::Imap => "imap",
            Source::Pipe => "pipe",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub mail_from: Option<String>,
    pub rcpt_to: Vec<EmailAddress>,
}

#[derive(Debug, Clone, Copy)]
pub struct Accepted {
    pub inbound_id: i64,
}

/// Stores a message durably. Errors here are temporary for the sender (SMTP 451, exit 75).
/// The `inbound` table is the queue: `run_inbound` (in `serve`) processes what waits there.
pub async fn accept(room: &Mailroom, source: Source, env: &Envelope, raw: Vec<u8>) -> Result<Accepted, MailError> {
    accept_many(room, source, env, vec![(raw, None)]).await.remove(0)
}

/// Stores a message durably but already set aside with a reason (e.g. only the headers of an
/// oversized IMAP message): kept and listed, never processed unless an agent asks.
pub async fn accept_set_aside(room: &Mailroom, source: Source, env: &Envelope, raw: Vec<u8>, reason: &str) -> Result<Accepted, MailError> {
    accept_many(room, source, env, vec![(raw, Some(reason.to_string()))]).await.remove(0)
}

/// Stores messages of one envelope durably, in the order given (their inbound ids follow it, so
/// they are processed in that order), each with an optional set-aside reason; a result each.
/// They are committed together, with whatever else is being accepted at that moment.
pub async fn accept_many(
    room: &Mailroom,
    source: Source,
    env: &Envelope,
    mails: Vec<(Vec<u8>, Option<String>)>,
) -> Vec<Result<Accepted, MailError>> {
    let n = mails.len();
    let sizes: Vec<i64> = mails.iter().map(|(raw, _)| raw.len() as i64).collect();
    // A copy for this process's drain, which then need not read the message back (kept only
    // once the message is durable, see `commit_group`).
    let copies: Vec<Option<Vec<u8>>> =
        mails.iter().map(|(raw, aside)| (aside.is_none() && raw.len() <= RecentMail::MAX_MAIL).then(|| raw.clone())).collect();
    let (raws, asides): (Vec<Vec<u8>>, Vec<Option<String>>) = mails.into_iter().unzip();
    // A folder store writes (and fsyncs) the files first, outside the write lock; the database
    // store writes the bytes in the same transaction as the rows.
    let bytes: Vec<Bytes> = if room.blobs.is_database() {
        raws.into_iter().map(Bytes::Raw).collect()
    } else {
        match room.blobs.put_many(raws).await {
            Ok(ids) => ids.into_iter().map(Bytes::Stored).collect(),
            Err(e) => return (0..n).map(|_| Err(MailError::Temporary(format!("cannot store the message: {e}")))).collect(),
        }
    };
    let mut answers = Vec::with_capacity(n);
    {
        let mut waiting = room.accepts.waiting.lock().unwrap_or_else(|p| p.into_inner());
        for (((bytes, copy), aside), size) in bytes.into_iter().zip(copies).zip(asides).zip(sizes) {
            let (done, answer) = tokio::sync::oneshot::channel();
            waiting.push(Waiting {
                source,
                rcpt_to: env.rcpt_to.clone(),
                envelope_from: env.mail_from.clone(),
                size,
                bytes,
                copy,
                aside,
                done,
            });
            answers.push(answer);
        }
    }
    // Group commit: whoever gets the lead commits every message waiting by then in one
    // transaction (one fsync); the others find their answers when they get the lead in turn.
    // (These messages were queued together, so one group takes them all.)
    let mut results: Vec<Option<Result<i64, String>>> = vec![None; n];
    {
        let _lead = room.accepts.lead.lock().await;
        for (r, a) in results.iter_mut().zip(answers.iter_mut()) {
            *r = a.try_recv().ok();
        }
        if results.iter().any(Option::is_none) {
            let (ids, group) = commit_group(room).await;
            for (row, id) in group.into_iter().zip(ids) {
                let _ = row.done.send(id);
            }
        }
    }
    room.wake.notify_waiters();
    room.backlog.added(n);
    let mut out = Vec::with_capacity(n);
    for (r, a) in results.into_iter().zip(answers) {
        let r = match r {
            Some(r) => Some(r),
            None => a.await.ok(),
        };
        out.push(match r {
            Some(Ok(inbound_id)) => Ok(Accepted { inbound_id }),
            Some(Err(e)) => Err(MailError::Temporary(e)),
            None => Err(MailError::Temporary("the message was not stored".into())),
        });
    }
    out
}

/// Messages being accepted at the same moment, committed together; and the latest accepted
/// ones, for the drain.
#[derive(Default)]
pub struct AcceptQueue {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    lead: tokio::sync::Mutex<()>,
    recent: std::sync::Mutex<RecentMail>,
}

/// Copies of the messages this process accepted last, by blob id, until its drain takes them:
/// the drain usually follows the accepts by a batch or two, and a copy saves reading each message
/// back from the store right after writing it (a query carrying the whole mail on PostgreSQL, a
/// GET on S3, a file read). Bounded in bytes and age, oldest dropped first; a message not found
/// here is read from the store as before. The ids are the bytes' SHA-256, so a copy is never
/// other bytes than the stored ones.
#[derive(Default)]
struct RecentMail {
    by_id: HashMap<BlobId, Vec<u8>>,
    order: std::collections::VecDeque<(BlobId, std::time::Instant)>,
    bytes: usize,
}

impl RecentMail {
    /// The bytes kept at most: about two PostgreSQL batches of average mail.
    const BUDGET: usize = 24 << 20;
    /// Larger messages are read back from the store (they would crowd out the rest).
    const MAX_MAIL: usize = 1 << 20;
    /// A copy the drain has not taken by then is dropped (another instance processed it).
    const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

    fn keep(&mut self, id: BlobId, raw: Vec<u8>) {
        if self.by_id.contains_key(&id) {
            return;
        }
        self.bytes += raw.len();
        self.by_id.insert(id.clone(), raw);
        self.order.push_back((id, std::time::Instant::now()));
        let now = std::time::Instant::now();
        // (Entries of copies already taken are dropped on the way.)
        while let Some((oldest, at)) = self.order.front() {
            if self.by_id.contains_key(oldest) && self.bytes <= Self::BUDGET && now.duration_since(*at) <= Self::MAX_AGE {
                break;
            }
            if let Some(raw) = self.by_id.remove(oldest) {
                self.bytes -= raw.len();
            }
            self.order.pop_front();
        }
    }

    /// Takes the copy of a message (its `order` entry goes when it reaches the front).
    fn take(&mut self, id: &BlobId) -> Option<Vec<u8>> {
        let raw = self.by_id.remove(id)?;
        self.bytes -= raw.len();
        Some(raw)
    }
}

enum Bytes {
    Raw(Vec<u8>),
    Stored(BlobId),
}

impl Waiting {
    /// The raw bytes the database store is to write (empty when the store holds them already).
    fn raw(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Raw(r) => r,
            Bytes::Stored(_) => &[],
        }
    }
}

struct Waiting {
    source: Source,
    rcpt_to: Vec<EmailAddress>,
    envelope_from: Option<String>,
    size: i64,
    bytes: Bytes,
    /// The bytes again, for `RecentMail` (small mail to be processed only).
    copy: Option<Vec<u8>>,
    aside: Option<String>,
    done: tokio::sync::oneshot::Sender<Result<i64, String>>,
}

/// Commits the messages waiting to be accepted in one transaction with a statement per table
/// (the mailboxes they are for, the raw bytes where the database keeps them, the inbound rows),
/// or on PostgreSQL, when the group fits, in one statement that is its own transaction
/// (`inbound::accept_many_pg`): each its inbound id, or all the error. Then keeps their copies
/// for the drain (`RecentMail`). The group is taken once the transaction (or connection) is in
/// hand: whoever arrives while the lead waits for SQLite's write lock or a free connection is
/// committed by the same commit (one fsync) instead of waiting for the next one.
async fn commit_group(room: &Mailroom) -> (Vec<Result<i64, String>>, Vec<Waiting>) {
    let take = || std::mem::take(&mut *room.accepts.waiting.lock().unwrap_or_else(|p| p.into_inner()));
    let mut group = Vec::new();
    let result = async {
        if room.db.backend() == podpora_store::Backend::Postgres {
            let mut conn = room.db.conn().await?;
            group = take();
            if inbound::fits_one_statement(group.len(), group.iter().map(|w| w.raw().len()).sum()) {
                let (rcpts, envelope_to) = recipients(&group);
                let blobs: Vec<BlobId> =
                    group.iter().map(|w| if let Bytes::Stored(b) = &w.bytes { b.clone() } else { BlobId::of(w.raw()) }).collect();
                let raw: Vec<(&BlobId, &[u8])> =
                    group.iter().zip(&blobs).filter(|(w, _)| matches!(w.bytes, Bytes::Raw(_))).map(|(w, b)| (b, w.raw())).collect();
                let rows = inbound_rows(&group, &vec![None; group.len()], &blobs, &envelope_to);
                let ids = inbound::accept_many_pg(&mut conn, &rows, &rcpts, &raw).await?;
                return Ok::<_, podpora_store::StoreError>((ids, blobs));
            }
        }
        let mut tx = room.db.begin().await?;
        if group.is_empty() {
            group = take();
        }
        let (rcpts, envelope_to) = recipients(&group);
        let mailbox_ids = mailboxes::first_mailbox_of(&mut tx, &rcpts).await?;
        let raw: Vec<Vec<u8>> =
            group.iter_mut().filter_map(|w| if let Bytes::Raw(r) = &mut w.bytes { Some(std::mem::take(r)) } else { None }).collect();
        let mut written = room.blobs.put_many_in(&mut tx, raw).await?.into_iter();
        let blobs: Vec<BlobId> = group
            .iter()
            .map(|w| if let Bytes::Stored(b) = &w.bytes { Some(b.clone()) } else { written.next() })
            .collect::<Option<_>>()
            .ok_or_else(|| podpora_store::StoreError::Corrupt("a blob id per message".into()))?;
        let ids = inbound::insert_many(&mut tx, &inbound_rows(&group, &mailbox_ids, &blobs, &envelope_to)).await?;
        tx.commit().await?;
        Ok((ids, blobs))
    }
    .await;
    // (A failure before the group was taken answers everyone waiting.)
    if group.is_empty() {
        group = take();
    }
    match result {
        Ok((ids, blobs)) => {
            let mut recent = room.accepts.recent.lock().unwrap_or_else(|p| p.into_inner());
            for (w, blob) in group.iter_mut().zip(blobs) {
                if let Some(raw) = w.copy.take() {
                    recent.keep(blob, raw);
                }
            }
            drop(recent);
            (ids.into_iter().map(Ok).collect(), group)
        }
        Err(e) => (group.iter().map(|_| Err(format!("cannot store the message: {e}"))).collect(), group),
    }
}

/// The recipients of each message of a group, as addresses and as the text stored with it.
fn recipients(group: &[Waiting]) -> (Vec<&[EmailAddress]>, Vec<Vec<String>>) {
    (
        group.iter().map(|w| w.rcpt_to.as_slice()).collect(),
        group.iter().map(|w| w.rcpt_to.iter().map(|a| a.to_string()).collect()).collect(),
    )
}

/// The inbound rows of a group, with their mailboxes and raw mail's blobs.
fn inbound_rows<'a>(
    group: &'a [Waiting],
    mailbox_ids: &[Option<i64>],
    blobs: &'a [BlobId],
    envelope_to: &'a [Vec<String>],
) -> Vec<NewInbound<'a>> {
    group
        .iter()
        .zip(mailbox_ids)
        .zip(blobs)
        .zip(envelope_to)
        .map(|(((w, mailbox_id), blob), to)| NewInbound {
            source: w.source.as_str(),
            mailbox_id: *mailbox_id,
            envelope_from: w.envelope_from.as_deref(),
            envelope_to: to,
            raw_blob: blob.as_str(),
            size: w.size,
            set_aside: w.aside.as_deref(),
        })
        .collect()
}

/// Processes waiting mail of every mailbox as it arrives: woken by accepts in this process and
/// looking every 250 ms for mail accepted by other instances or left from a crash. One task per
/// mailbox with waiting mail drains it under the mailbox's lease (so instances share the work by
/// mailbox and each mailbox keeps its order). Stops when `shutdown` is true, after the batches in hand.
pub async fn run_inbound(room: Mailroom, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut running: HashMap<Option<i64>, tokio::task::JoinHandle<Result<(), MailError>>> = HashMap::new();
    let mut resting: HashMap<Option<i64>, std::time::Instant> = HashMap::new();
    let mut indexing: Option<tokio::task::JoinHandle<bool>> = None;
    let mut index_after = std::time::Instant::now();
    loop {
        let now = std::time::Instant::now();
        let finished: Vec<Option<i64>> = running.iter().filter(|(_, h)| h.is_finished()).map(|(k, _)| *k).collect();
        for mb in finished {
            if let Some(h) = running.remove(&mb) {
                let failed = match h.await {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e.to_string()),
                    Err(e) => Some(e.to_string()),
                };
                if let Some(error) = failed {
                    tracing::warn!(mailbox = ?mb, %error, "processing inbound mail failed; trying again in 5 s");
                    resting.insert(mb, now + std::time::Duration::from_secs(5));
                }
            }
        }
        resting.retain(|_, until| *until > now);
        if *shutdown.borrow() {
            break;
        }
        match inbound::waiting_count(&room.db).await {
            Ok(n) => room.backlog.counted(n),
            Err(e) => tracing::warn!(error = %e, "counting waiting inbound mail failed"),
        }
        match inbound::waiting_mailboxes(&room.db).await {
            Ok(list) => {
                for mb in list {
                    if !running.contains_key(&mb) && !resting.contains_key(&mb) {
                        let room = room.clone();
                        running.insert(mb, tokio::spawn(async move { drain_mailbox(&room, mb).await }));
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "looking for waiting inbound mail failed"),
        }
        // Words the batches queued are indexed beside the next batches, by one task at a time.
        if let Some(h) = indexing.take_if(|h| h.is_finished()) {
            if !matches!(h.await, Ok(true)) {
                index_after = now + std::time::Duration::from_secs(5);
            }
        }
        if indexing.is_none() && now >= index_after {
            match search::pending(&room.db).await {
                Ok(true) => {
                    let db = room.db.clone();
                    indexing = Some(tokio::spawn(async move {
                        if let Err(e) = search::catch_up(&db).await {
                            tracing::warn!(error = %e, "indexing mail for search failed; trying again in 5 s");
                            return false;
                        }
                        true
                    }));
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "looking for words to index failed"),
            }
        }
        // At most 20 looks a second however often accepts wake us (a wake-up meanwhile is kept).
        let woken = room.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
            _ = shutdown.changed() => {}
        }
    }
    for (_, h) in running {
        let _ = h.await;
    }
    if let Some(h) = indexing {
        let _ = h.await;
    }
}

/// Drains one mailbox if nobody else holds its lease.
async fn drain_mailbox(room: &Mailroom, mailbox_id: Option<i64>) -> Result<(), MailError> {
    let holder = room.instance.unique_holder("drain");
    let Some(lease) = Lease::take(&room.db, &ingest_lease(mailbox_id), &holder).await? else {
        return Ok(());
    };
    let drained = drain(room, &lease, mailbox_id, i64::MAX, LINGER).await;
    let _ = lease.release(&room.db).await;
    room.wake.notify_waiters();
    drained.map(|_| ())
}

/// The name of the lease under which a mailbox's mail is processed.
fn ingest_lease(mailbox_id: Option<i64>) -> String {
    format!("ingest:{}", mailbox_id.unwrap_or(0))
}

/// Processes a stored message. Messages of one mailbox are processed in arrival order (so a
/// reply never overtakes the mail it answers and a backlog keeps its order): whoever holds the
/// mailbox's ingest lease drains its pending messages oldest first, parsing a batch in parallel
/// and applying it in order in one transaction. Safe to call twice: a processed message is left as it is.
pub async fn process(room: &Mailroom, inbound_id: i64) -> Result<Outcome, MailError> {
    if let Some(o) = settled(room, inbound_id).await? {
        return Ok(o);
    }
    let row = inbound::get(&mut *room.db.conn().await?, inbound_id).await?;
    let holder = room.instance.unique_holder("process");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut next_try = std::time::Instant::now();
    let lease = loop {
        // Taking the lease is a committed write: try it when woken (a batch was committed or the
        // lease released) or once a second; otherwise only watch, read-only, for our message.
        if std::time::Instant::now() >= next_try {
            if let Some(lease) = Lease::take(&room.db, &ingest_lease(row.mailbox_id), &holder).await? {
                break lease;
            }
            next_try = std::time::Instant::now() + std::time::Duration::from_secs(1);
        }
        let woken = tokio::select! {
            _ = room.wake.notified() => true,
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => false,
        };
        if let Some(o) = settled(room, inbound_id).await? {
            return Ok(o);
        }
        if woken {
            next_try = std::time::Instant::now();
        }
        if std::time::Instant::now() > deadline {
            return Err(MailError::Temporary("another worker is still processing this mailbox".into()));
        }
    };
    // Concurrent accepts may commit out of id order, so a drain can stop before a message still
    // being committed, or pass over one that became visible late; drain again until ours is done
    // (bounded by the time a hole may take to fill).
    let until = std::time::Instant::now() + std::time::Duration::from_millis(inbound::COMMIT_GRACE_MS as u64 + 1_000);
    let mut outcomes = HashMap::new();
    let drained = loop {
        // (Someone waits for this message: no lingering for more.)
        match drain(room, &lease, row.mailbox_id, inbound_id, std::time::Duration::ZERO).await {
            Ok(o) => outcomes.extend(o),
            Err(e) => break Err(e),
        }
        if outcomes.contains_key(&inbound_id) || settled(room, inbound_id).await?.is_some() || std::time::Instant::now() > until {
            break Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let _ = lease.release(&room.db).await;
    room.wake.notify_waiters();
    drained?;
    match outcomes.remove(&inbound_id) {
        Some(o) => Ok(o),
        None => settled(room, inbound_id).await?.ok_or_else(|| MailError::Temporary("the message is still waiting to be processed".into())),
    }
}

/// Waits up to `timeout` for another process (a running server) to finish a message, and returns
/// its outcome; `None` if it is still waiting then.
pub async fn wait_settled(room: &Mailroom, inbound_id: i64, timeout: std::time::Duration) -> Result<Option<Outcome>, MailError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(o) = settled(room, inbound_id).await? {
            return Ok(Some(o));
        }
        if std::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The outcome of a message that is no longer waiting, from its stored state.
async fn settled(room: &Mailroom, inbound_id: i64) -> Result<Option<Outcome>, MailError> {
    let mut conn = room.db.conn().await?;
    let row = inbound::get(&mut conn, inbound_id).await?;
    Ok(match row.status {
        InboundStatus::Received => None,
        InboundStatus::Processed => Some(Outcome::Ticket {
            number: tickets::by_id(&mut conn, row.ticket_id.unwrap_or_default()).await?.number,
            created: false,
            ack: None,
        }),
        InboundStatus::SetAside => {
            let reason = row.reason.unwrap_or_default();
            let unparsable = reason.starts_with(UNPARSABLE);
            Some(Outcome::SetAside { reason: reason.trim_start_matches(UNPARSABLE).to_string(), unparsable })
        }
    })
}

/// Messages in one batch (one apply transaction). On PostgreSQL each of the batch's ~20
/// statements is a round trip that a busy server answers slowly, and the apply of one mailbox is
/// serial, so bigger batches carry more mail per round trip (64 → 256: about 12 % more mail per
/// second in `bench ingest`). On SQLite the batch holds the one write lock that accepts wait for,
/// so it stays short.
fn batch_size(backend: podpora_store::Backend) -> i64 {
    match backend {
        podpora_store::Backend::Postgres => 256,
        podpora_store::Backend::Sqlite => 64,
    }
}
/// How long the background drain lets mail gather when it arrives thinly (a batch less than
/// half full), so that each transaction carries several messages, not one: every commit writes
/// each table and index page it touched again (SQLite's WAL, PostgreSQL's statements per table),
/// so fewer, fuller batches write less for the same mail. 100 ms against 20 ms: +18–27% on SQLite,
/// +8–12% on PostgreSQL (`bench ingest`); a message is processed a tenth of a second later at most.
/// How long a drain works with what it read of the settings before reading them again.
const KNOWN_FOR: std::time::Duration = std::time::Duration::from_secs(1);
const LINGER: std::time::Duration = std::time::Duration::from_millis(100);
const BATCH_BYTES: i64 = 16 << 20;

/// An attachment's bytes after parsing: kept inside the stored mail (only their SHA-256 and size
/// taken), or to be stored on their own.
enum FileBytes {
    InMail(BlobId, i64),
    ToStore(Vec<u8>),
}

/// Reads a batch's stored messages (one read), parses them in parallel off the async runtime,
/// each under a time cap (a parser panic is caught by the join), and stores the attachments that
/// need it (one write) — before the apply transaction, to keep the write lock short.
/// An attachment that is a part of the mail stays in the stored mail, which is kept anyway: only
/// its SHA-256 is taken (storing it again was about a third of the bytes written per message).
/// Files unpacked from an Outlook winmail.dat are stored on their own.
async fn prepare_batch(room: &Mailroom, rows: Vec<inbound::Inbound>) -> Result<Vec<Prepared>, MailError> {
    let ids = rows.iter().map(|r| BlobId::parse(&r.raw_blob)).collect::<Result<Vec<_>, _>>()?;
    let mut raws: HashMap<BlobId, Vec<u8>> = HashMap::with_capacity(ids.len());
    {
        let mut recent = room.accepts.recent.lock().unwrap_or_else(|p| p.into_inner());
        for id in &ids {
            if !raws.contains_key(id) {
                if let Some(raw) = recent.take(id) {
                    raws.insert(id.clone(), raw);
                }
            }
        }
    }
    let missing: Vec<BlobId> = ids.iter().filter(|id| !raws.contains_key(*id)).cloned().collect();
    if !missing.is_empty() {
        raws.extend(room.blobs.get_many(&missing).await.map_err(|e| MailError::Temporary(format!("stored messages unreadable: {e}")))?);
    }
    let mut parsing = Vec::with_capacity(rows.len());
    for (i, (row, id)) in rows.iter().zip(&ids).enumerate() {
        // The same bytes may be queued twice (a redelivery): keep them for the later one.
        let raw = if ids[i + 1..].contains(id) { raws.get(id).cloned() } else { raws.remove(id) };
        let raw = raw.ok_or_else(|| MailError::Temporary(format!("stored message {} is missing from the blob store", row.id)))?;
        let limits = room.limits;
        let env_from = row.envelope_from.clone();
        let parse = move || {
            parse::parse(&raw, env_from.as_deref(), &limits).map(|mut m| {
                let files: Vec<(parse::ParsedAttachment, FileBytes)> = std::mem::take(&mut m.attachments)
                    .into_iter()
                    .map(|mut a| {
                        let bytes = std::mem::take(&mut a.bytes);
                        let kept = if a.part.is_some() {
                            FileBytes::InMail(BlobId::of(&bytes), bytes.len() as i64)
                        } else {
                            FileBytes::ToStore(bytes)
                        };
                        (a, kept)
                    })
                    .collect();
                (m, files)
            })
        };
        parsing.push(async move {
            match tokio::time::timeout(limits.parse_timeout, tokio::task::spawn_blocking(parse)).await {
                Err(_) => Err(format!("parsing took longer than {} s", limits.parse_timeout.as_secs())),
                Ok(Err(join)) => Err(format!("the parser failed on this message ({join})")),
                Ok(Ok(Err(e))) => Err(e.to_string()),
                Ok(Ok(Ok(m))) => Ok(m),
            }
        });
    }
    /// A parsed mail's attachments, each with where its bytes are kept.
    type PartFiles = Vec<(parse::ParsedAttachment, FileBytes)>;
    // As many parsers at once as there are cores: more only adds threads (and their memory).
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let parsed: Vec<_> = futures::StreamExt::collect(futures::StreamExt::buffered(futures::stream::iter(parsing), cores)).await;
    let (mails, mut files): (Vec<Result<ParsedMail, String>>, Vec<PartFiles>) = parsed
        .into_iter()
        .map(|r| match r {
            Ok((m, files)) => (Ok(m), files),
            Err(e) => (Err(e), Vec::new()),
        })
        .unzip();
    let payload: Vec<Vec<u8>> = files
        .iter_mut()
        .flatten()
        .filter_map(|(_, b)| match b {
            FileBytes::ToStore(bytes) => Some(std::mem::take(bytes)),
            FileBytes::InMail(..) => None,
        })
        .collect();
    let sizes: Vec<i64> = payload.iter().map(|b| b.len() as i64).collect();
    let stored = if payload.is_empty() {
        Vec::new()
    } else {
        room.blobs.put_many(payload).await.map_err(|e| MailError::Temporary(format!("cannot store an attachment: {e}")))?
    };
    let mut stored = stored.into_iter().zip(sizes);
    let mut out = Vec::with_capacity(rows.len());
    for ((row, mail), files) in rows.into_iter().zip(mails).zip(files) {
        let mut attachments = Vec::with_capacity(files.len());
        for (a, bytes) in files {
            let (blob, size) = match bytes {
                FileBytes::InMail(blob, size) => (blob, size),
                FileBytes::ToStore(_) => stored.next().ok_or_else(|| MailError::Temporary("an attachment was not stored".into()))?,
            };
            let in_mail = a.part.map(|p| messages::InMail {
                mail: row.raw_blob.clone(),
                part: p.index as i64,
                start: p.start as i64,
                end: p.end as i64,
            });
            attachments.push(StoredAttachment {
                size,
                filename: a.filename,
                content_type: a.content_type,
                blob,
                inline: a.inline,
                content_id: a.content_id,
                in_mail,
            });
        }
        out.push(Prepared { row, mail, attachments });
    }
    Ok(out)
}

/// The bytes of an attachment: from inside the stored mail it came in (only its body read and
/// decoded where that gives the bytes, else the whole mail parsed; either way checked against
/// their SHA-256), or from the blob store where they are stored on their own.
pub async fn attachment_bytes(room: &Mailroom, a: &messages::Attachment) -> Result<Vec<u8>, MailError> {
    let blob = BlobId::parse(&a.blob)?;
    let Some(in_mail) = &a.in_mail else { return Ok(room.blobs.get(&blob).await?) };
    let mail = BlobId::parse(&in_mail.mail)?;
    let at = |n: i64| u64::try_from(n).unwrap_or(0);
    let body = room.blobs.get_range(&mail, at(in_mail.start)..at(in_mail.end)).await?;
    let blocking = |e: tokio::task::JoinError| MailError::Temporary(format!("reading an attachment failed ({e})"));
    let wanted = blob.clone();
    if let Some(b) = tokio::task::spawn_blocking(move || parse::attachment_from_body(&body, &wanted)).await.map_err(blocking)? {
        return Ok(b);
    }
    let raw = room.blobs.get(&mail).await?;
    let index = usize::try_from(in_mail.part).unwrap_or(usize::MAX);
    let found = tokio::task::spawn_blocking(move || parse::attachment_in(&raw, index, &blob)).await.map_err(blocking)?;
    found.ok_or_else(|| MailError::Store(podpora_store::StoreError::Corrupt(format!("attachment {} is not in the mail it came in", a.id))))
}

/// Processes the mailbox's waiting messages oldest first: at least up to `upto`, and whatever else
/// is waiting while the time budget lasts (bigger batches, fewer commits). The next batch is read
/// and parsed while the current one is applied, after letting mail gather for `linger` when the
/// current one is thin. Returns their outcomes.
async fn drain(
    room: &Mailroom,
    lease: &Lease,
    mailbox_id: Option<i64>,
    upto: i64,
    linger: std::time::Duration,
) -> Result<HashMap<i64, Outcome>, MailError> {
    let mut outcomes = HashMap::new();
    let budget = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let size = batch_size(room.db.backend());
    let fetch = |after: i64| async move {
        let limit_id = if std::time::Instant::now() < budget { i64::MAX } else { upto };
        let batch = inbound::waiting(&room.db, mailbox_id, after, limit_id, size, BATCH_BYTES).await?;
        // A message still being committed before these (another instance's accept) comes first.
        let batch = inbound::in_order(&room.db, mailbox_id, after, batch).await?;
        prepare_batch(room, batch).await
    };
    let mut current = fetch(0).await?;
    // Mailboxes, colleagues, routing and SLA settings: read again each second of a long drain,
    // so an admin's change holds for mail from then on.
    let mut known = crate::apply::Known::read(room).await?;
    let mut known_at = std::time::Instant::now();
    while !current.is_empty() {
        if known_at.elapsed() >= KNOWN_FOR {
            known = crate::apply::Known::read(room).await?;
            known_at = std::time::Instant::now();
        }
        let last = current.last().map(|p| p.row.id).unwrap_or(0);
        let thin = current.len() < size as usize / 2;
        let next = async move {
            if thin {
                tokio::time::sleep(linger).await;
            }
            fetch(last).await
        };
        let (applied, following) = tokio::join!(crate::apply::apply_batch(room, lease, &known, &current), next);
        let applied = applied?;
        // Waiting `process` calls look for their outcome; workers send the acknowledgements.
        room.wake.notify_waiters();
        room.work.notify_one();
        let mut changed: Vec<i64> =
            applied.iter().filter_map(|(_, o)| if let Outcome::Ticket { number, .. } = o { Some(number.get()) } else { None }).collect();
        changed.sort_unstable();
        changed.dedup();
        if !changed.is_empty() {
            room.db.publish(Event::Tickets { numbers: changed, mailbox_id }).await;
        }
        outcomes.extend(applied);
        current = following?;
    }
    Ok(outcomes)
}

/// Puts a set-aside message back into processing (after a fix, or when an agent says it is fine).
pub async fn reprocess(room: &Mailroom, inbound_id: i64) -> Result<Option<Outcome>, MailError> {
    let mut tx = room.db.begin().await?;
    if !inbound::reset(&mut tx, inbound_id).await? {
        tx.commit().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(process(room, inbound_id).await?))
}

#[cfg(test)]
mod tests {
    use super::RecentMail;
    use podpora_store::BlobId;

    #[test]
    fn recent_mail_is_bounded_and_taken_once() {
        let mut recent = RecentMail::default();
        let mail = |i: u8| vec![i; 4 << 20];
        for i in 0..10u8 {
            recent.keep(BlobId::of(&mail(i)), mail(i));
        }
        // 40 MB offered, at most the budget kept: the newest.
        assert!(recent.bytes <= RecentMail::BUDGET && recent.bytes == recent.by_id.values().map(Vec::len).sum::<usize>());
        assert!(recent.take(&BlobId::of(&mail(0))).is_none());
        assert_eq!(recent.take(&BlobId::of(&mail(9))), Some(mail(9)));
        assert!(recent.take(&BlobId::of(&mail(9))).is_none());
        // Taken copies leave the order as newer ones come.
        for i in 4..9u8 {
            assert!(recent.take(&BlobId::of(&mail(i))).is_some());
        }
        recent.keep(BlobId::of(b"x"), b"x".to_vec());
        assert_eq!((recent.bytes, recent.order.len()), (1, 1));
    }
}
