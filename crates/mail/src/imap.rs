//! IMAP polling of a mailbox's `--imap` URL. One fetcher per mailbox across all instances (a
//! lease in the database); messages are fetched in UID order, stored durably (`ingest::accept`)
//! and only then marked \Seen and remembered as fetched (UIDVALIDITY + last UID), so nothing is
//! fetched twice or missed; a refetch after a crash is recognised by content. IDLE when the server
//! offers it, polling otherwise. A message over the size limit is kept as its headers and set
//! aside with the reason, never skipped silently. Errors are recorded on the mailbox in plain words.

use crate::ingest::{self, Envelope, Source};
use crate::Mailroom;
use async_imap::extensions::idle::IdleResponse;
use futures::TryStreamExt;
use podpora_store::jobs::Lease;
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::{inbound, BlobId};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// How often an instance looks whether a mailbox fetched by another has lost its fetcher.
const TAKEOVER_LOOK: Duration = Duration::from_secs(1);
const IDLE_SLICE: Duration = Duration::from_secs(60);
const POLL_EVERY: Duration = Duration::from_secs(30);
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed `imap://user:pass@host:143/INBOX` or `imaps://…` URL. The password never leaves it in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub user: String,
    password: String,
    pub folder: String,
}

impl std::fmt::Debug for ImapUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}@{}:{}/{}", if self.tls { "imaps" } else { "imap" }, self.user, self.host, self.port, self.folder)
    }
}

impl ImapUrl {
    pub fn parse(url: &str) -> Result<ImapUrl, String> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("imaps://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("imap://") {
            (false, r)
        } else {
            return Err("the IMAP URL must start with imap:// or imaps://".into());
        };
        // The user name may itself contain '@' (help@shop.cz): the last '@' ends the credentials.
        let (creds, hostpart) = rest.rsplit_once('@').ok_or("the IMAP URL needs user:password@host")?;
        let (user, password) = creds.split_once(':').ok_or("the IMAP URL needs user:password@host")?;
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().to_string();
        let (hostport, folder) = hostpart.split_once('/').unwrap_or((hostpart, "INBOX"));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| format!("bad port '{p}' in the IMAP URL"))?),
            None => (hostport.to_string(), if tls { 993 } else { 143 }),
        };
        if host.is_empty() {
            return Err("the IMAP URL has no host".into());
        }
        let folder = decode(folder);
        Ok(ImapUrl {
            tls,
            host,
            port,
            user: decode(user),
            password: decode(password),
            folder: if folder.is_empty() { "INBOX".into() } else { folder },
        })
    }
}

/// Plain TCP or TLS, one type for the IMAP client.
#[derive(Debug)]
enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

type Session = async_imap::Session<Conn>;

async fn timed<T, E: std::fmt::Display>(what: &str, f: impl std::future::Future<Output = Result<T, E>>) -> Result<T, String> {
    match tokio::time::timeout(IO_TIMEOUT, f).await {
        Err(_) => Err(format!("{what}: the server did not answer within {} s", IO_TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(format!("{what}: {}", explain(&e.to_string()))),
        Ok(Ok(v)) => Ok(v),
    }
}

/// Turns protocol and socket errors into words an admin can act on.
fn explain(e: &str) -> String {
    let l = e.to_lowercase();
    if l.contains("authenticationfailed")
        || l.contains("authentication failed")
        || l.contains("invalid credentials")
        || l.contains("login failed")
    {
        format!("authentication failed — check the user name and password ({e})")
    } else if l.contains("connection refused") {
        format!("connection refused — is the host and port right? ({e})")
    } else if l.contains("certificate") || l.contains("handshake") || l.contains("tls") {
        format!("TLS failed — wrong port for imaps://, or an untrusted certificate ({e})")
    } else if l.contains("quota") {
        format!("the mailbox is over quota ({e})")
    } else if l.contains("nonexistent") || l.contains("doesn't exist") || l.contains("not exist") || l.contains("unknown mailbox") {
        format!("the folder does not exist ({e})")
    } else {
        e.to_string()
    }
}

async fn connect(url: &ImapUrl) -> Result<Session, String> {
    let tcp = timed("connecting", TcpStream::connect((url.host.as_str(), url.port))).await?;
    // A link that drops without a word (a NAT forgetting the connection, a cable pulled) would
    // leave IDLE waiting until its slice ends; keepalive probes notice it within a minute.
    let keepalive = socket2::TcpKeepalive::new().with_time(Duration::from_secs(30)).with_interval(Duration::from_secs(10));
    if let Err(e) = socket2::SockRef::from(&tcp).set_tcp_keepalive(&keepalive) {
        tracing::debug!(error = %e, "TCP keepalive not set");
    }
    let conn = if url.tls {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config =
            tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS setup: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
        let name =
            tokio_rustls::rustls::pki_types::ServerName::try_from(url.host.clone()).map_err(|e| format!("bad host name for TLS: {e}"))?;
        let tls = timed("TLS handshake", tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp)).await?;
        Conn::Tls(Box::new(tls))
    } else {
        Conn::Plain(tcp)
    };
    let mut client = async_imap::Client::new(conn);
    match tokio::time::timeout(IO_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => {}
        Ok(Ok(None)) => return Err("the server closed the connection before greeting".into()),
        Ok(Err(e)) => return Err(format!("reading the greeting: {}", explain(&e.to_string()))),
        Err(_) => return Err("the server sent no greeting".into()),
    }
    match tokio::time::timeout(IO_TIMEOUT, client.login(&url.user, &url.password)).await {
        Err(_) => Err("login: the server did not answer".into()),
        Ok(Err((e, _))) => Err(format!("login: {}", explain(&e.to_string()))),
        Ok(Ok(s)) => Ok(s),
    }
}

/// Connects, logs in and opens the folder: the "test connection" button and CLI use this.
pub async fn test_connection(url: &str) -> Result<String, String> {
    let url = ImapUrl::parse(url)?;
    let mut s = connect(&url).await?;
    let mb = timed("opening the folder", s.select(&url.folder)).await?;
    let _ = s.logout().await;
    Ok(format!("connected; {} has {} messages", url.folder, mb.exists))
}

/// Messages fetched with one command, and their bytes at most (by the sizes the server lists).
const BATCH_MAILS: usize = 100;
const BATCH_BYTES: usize = 16 << 20;

/// Fetches everything new in the folder; returns how many messages were stored.
///
/// One command lists the new messages with their sizes; then they are fetched in batches, one
/// `UID FETCH` per batch answered as one stream (a round trip per batch, not per message), while
/// the batch before is being made durable (`ingest::accept_many`, one commit). A message over the
/// size cap by its listed size is fetched as its headers only and set aside with the reason.
/// Only when a batch is durable is its last UID remembered — in a transaction that commits only
/// while this fetcher still holds the mailbox's lease — and the batch flagged `\Seen` with one
/// command (a crash after the remembering leaves the batch unflagged: each fetch first flags what
/// was remembered but is still unseen). A crash before it makes the next fetch read the batch again; the copies already
/// stored are recognised by their content and not stored twice. A new UIDVALIDITY (the folder
/// was rebuilt) starts from the first UID, and the same check keeps what was fetched before from
/// being stored again.
async fn fetch_new(room: &Mailroom, mb: &Mailbox, url: &ImapUrl, s: &mut Session, lease: &Lease) -> Result<usize, String> {
    let selected = timed("opening the folder", s.select(&url.folder)).await?;
    let validity = selected.uid_validity.unwrap_or(0) as i64;
    if selected.exists == 0 {
        return Ok(0);
    }
    let fresh = mailboxes::get(&room.db, mb.id).await.map_err(|e| e.to_string())?.ok_or("mailbox removed")?;
    let last = match (fresh.imap_uidvalidity, fresh.imap_last_uid) {
        (Some(v), Some(uid)) if v == validity => uid,
        (Some(_), _) => {
            tracing::warn!(mailbox = %mb.address, "the folder's UIDVALIDITY changed: reading it again from the start, skipping what was stored before");
            0
        }
        _ => 0,
    };
    // A crash after a batch was remembered but before it was flagged leaves it unseen on the
    // server: flag what we have and the server does not know we have, before anything new.
    if last > 0 {
        let unseen = timed("finding stored mail not flagged as seen", s.uid_search(format!("UID 1:{last} UNSEEN"))).await?;
        let mut unseen: Vec<u32> = unseen.into_iter().filter(|uid| i64::from(*uid) <= last).collect();
        unseen.sort_unstable();
        flag_seen(mb, s, &unseen).await;
    }
    // ("N:*" names at least the newest message even when its UID is below N.)
    let listed = timed("listing new mail", async {
        s.uid_fetch(format!("{}:*", last + 1), "(UID RFC822.SIZE)").await?.try_collect::<Vec<_>>().await
    })
    .await?;
    let mut new: Vec<(u32, usize)> =
        listed.iter().filter_map(|f| Some((f.uid?, f.size.unwrap_or(0) as usize))).filter(|(uid, _)| *uid as i64 > last).collect();
    new.sort_unstable();
    new.dedup_by_key(|(uid, _)| *uid);
    let max = room.limits.max_message_bytes;
    let mut batches: Vec<Vec<(u32, usize)>> = Vec::new();
    let mut bytes = 0;
    for (uid, size) in new {
        let counted = if size > max { 0 } else { size };
        match batches.last_mut() {
            Some(b) if b.len() < BATCH_MAILS && bytes + counted <= BATCH_BYTES => b.push((uid, size)),
            _ => {
                bytes = 0;
                batches.push(vec![(uid, size)]);
            }
        }
        bytes += counted;
    }
    let env = Envelope { mail_from: None, rcpt_to: vec![mb.address.clone()] };
    let mut stored = 0;
    // The batch being made durable: its UIDs and the task storing it.
    type Storing = (Vec<u32>, tokio::task::JoinHandle<Result<usize, String>>);
    let mut storing: Option<Storing> = None;
    for batch in batches {
        // Backpressure: while processing is behind, fetching waits (the mail is safe on the server).
        if room.backlog.over() {
            tracing::info!(mailbox = %mb.address, waiting = room.backlog.waiting(), "pausing IMAP fetch: too much mail waits to be processed");
            while room.backlog.over() {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        let mails = fetch_batch(s, &batch, max).await?;
        if let Some((uids, task)) = storing.take() {
            stored += settle(room, mb, s, lease, validity, &uids, task).await?;
        }
        let uids: Vec<u32> = batch.iter().map(|(uid, _)| *uid).collect();
        let (room2, mailbox_id, env2) = (room.clone(), mb.id, env.clone());
        storing = Some((uids, tokio::spawn(async move { store_batch(&room2, mailbox_id, &env2, mails).await })));
    }
    if let Some((uids, task)) = storing {
        stored += settle(room, mb, s, lease, validity, &uids, task).await?;
    }
    Ok(stored)
}

/// Fetches one batch with one command per kind (whole messages; headers of oversized ones), in
/// UID order, each with the reason to set it aside if it is over the cap. A message gone since
/// it was listed (expunged by someone else) is left out.
async fn fetch_batch(s: &mut Session, batch: &[(u32, usize)], max: usize) -> Result<Vec<(Vec<u8>, Option<String>)>, String> {
    let whole: Vec<u32> = batch.iter().filter(|(_, size)| *size <= max).map(|(uid, _)| *uid).collect();
    let big: Vec<u32> = batch.iter().filter(|(_, size)| *size > max).map(|(uid, _)| *uid).collect();
    let mut got: std::collections::HashMap<u32, Vec<u8>> = std::collections::HashMap::new();
    for (uids, query, header_only) in [(whole, "(UID BODY.PEEK[])", false), (big, "(UID BODY.PEEK[HEADER])", true)] {
        if uids.is_empty() {
            continue;
        }
        let fetched = timed("fetching messages", async { s.uid_fetch(uid_set(&uids), query).await?.try_collect::<Vec<_>>().await }).await?;
        for f in &fetched {
            if let (Some(uid), Some(b)) = (f.uid, if header_only { f.header() } else { f.body() }) {
                got.insert(uid, b.to_vec());
            }
        }
    }
    let mut out = Vec::with_capacity(batch.len());
    for (uid, size) in batch {
        let Some(mut raw) = got.remove(uid) else {
            tracing::info!(uid, "message vanished before it could be fetched");
            continue;
        };
        // (A server that listed a smaller size than it sent: the cap holds all the same.)
        let (listed_big, sent_big) = (*size > max, raw.len() > max);
        let full = (*size).max(raw.len());
        if sent_big {
            raw.truncate(header_end(&raw));
        }
        let reason = (listed_big || sent_big).then(|| {
            format!(
                "message of {} MB is over the limit of {} MB; only its headers were fetched, the full message stays on the IMAP server",
                full >> 20,
                max >> 20
            )
        });
        out.push((raw, reason));
    }
    Ok(out)
}

/// An IMAP UID set for sorted UIDs, runs written as ranges ("3:7,9").
fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let mut j = i;
        while j + 1 < uids.len() && uids[j + 1] == uids[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&if j > i { format!("{}:{}", uids[i], uids[j]) } else { uids[i].to_string() });
        i = j + 1;
    }
    out
}

/// Where a message's header ends (after the blank line), or its whole length.
fn header_end(raw: &[u8]) -> usize {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len())
}

/// Makes a fetched batch durable, leaving out messages stored before (a batch fetched again after
/// a crash, or a folder read again after a new UIDVALIDITY); returns how many were stored.
async fn store_batch(room: &Mailroom, mailbox_id: i64, env: &Envelope, mails: Vec<(Vec<u8>, Option<String>)>) -> Result<usize, String> {
    let blobs: Vec<String> = mails.iter().map(|(raw, _)| BlobId::of(raw).as_str().to_string()).collect();
    let known = inbound::received_among(&room.db, mailbox_id, &blobs).await.map_err(|e| e.to_string())?;
    let mut seen = std::collections::HashSet::new();
    let new: Vec<(Vec<u8>, Option<String>)> =
        mails.into_iter().zip(&blobs).filter(|(_, b)| !known.contains(*b) && seen.insert(b.as_str())).map(|(m, _)| m).collect();
    let n = new.len();
    if n == 0 {
        return Ok(0);
    }
    for r in ingest::accept_many(room, Source::Imap, env, new).await {
        r.map_err(|e| e.to_string())?;
    }
    Ok(n)
}

/// Waits for a batch to be durable, then remembers its last UID (only while the lease is ours)
/// and flags it `\Seen` on the server.
async fn settle(
    room: &Mailroom,
    mb: &Mailbox,
    s: &mut Session,
    lease: &Lease,
    validity: i64,
    uids: &[u32],
    task: tokio::task::JoinHandle<Result<usize, String>>,
) -> Result<usize, String> {
    let stored = task.await.map_err(|e| format!("storing fetched mail failed ({e})"))??;
    let Some(last) = uids.iter().max() else { return Ok(stored) };
    let remembered = async {
        let mut tx = room.db.begin().await?;
        if !lease.fence(&mut tx).await? {
            return Ok(false);
        }
        mailboxes::set_imap_position_in(&mut tx, mb.id, validity, *last as i64).await?;
        tx.commit().await?;
        Ok::<_, podpora_store::StoreError>(true)
    };
    if !remembered.await.map_err(|e| e.to_string())? {
        return Err("another instance took over fetching this mailbox".into());
    }
    // Only now, with the messages durable and remembered, does the server learn we have them.
    flag_seen(mb, s, uids).await;
    Ok(stored)
}

/// Flags stored messages `\Seen` on the server; a failure is logged (the next fetch flags them).
async fn flag_seen(mb: &Mailbox, s: &mut Session, uids: &[u32]) {
    if uids.is_empty() {
        return;
    }
    if let Err(e) =
        timed("flagging as seen", async { s.uid_store(uid_set(uids), "+FLAGS.SILENT (\\Seen)").await?.try_collect::<Vec<_>>().await }).await
    {
        tracing::warn!(mailbox = %mb.address, error = %e, "could not flag stored messages as seen");
    }
}

/// The lease under which one instance fetches a mailbox.
fn lease_name(mailbox_id: i64) -> String {
    format!("imap:{mailbox_id}")
}

/// One fetch now (CLI, tests): connect, fetch what is new, log out.
pub async fn fetch_once(room: &Mailroom, mb: &Mailbox) -> Result<FetchedOnce, String> {
    let url = ImapUrl::parse(mb.imap_url.as_deref().ok_or("this mailbox has no IMAP URL")?)?;
    let holder = room.instance.unique_holder("fetch-once");
    let Some(lease) = Lease::take(&room.db, &lease_name(mb.id), &holder).await.map_err(|e| e.to_string())? else {
        // A running server fetches it: only check that the server can be reached and logged into.
        let checked = async {
            let mut s = connect(&url).await?;
            let _ = s.logout().await;
            Ok::<_, String>(0)
        }
        .await;
        if checked.is_err() {
            record(room, mb, &checked).await;
        }
        return checked.map(|_| FetchedOnce::ServerFetches);
    };
    let result = async {
        let mut s = connect(&url).await?;
        let n = fetch_new(room, mb, &url, &mut s, &lease).await?;
        let _ = s.logout().await;
        Ok::<_, String>(n)
    }
    .await;
    let _ = lease.release(&room.db).await;
    record(room, mb, &result).await;
    result.map(FetchedOnce::Stored)
}

/// What a fetch on demand did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchedOnce {
    /// This many new messages were stored.
    Stored(usize),
    /// A running server fetches this mailbox (it holds its lease); the login works.
    ServerFetches,
}

async fn record(room: &Mailroom, mb: &Mailbox, r: &Result<usize, String>) {
    let stored = match r {
        Ok(n) => mailboxes::record_fetch_ok(&room.db, mb.id, *n as i64).await,
        Err(e) => {
            tracing::warn!(mailbox = %mb.address, error = %e, "IMAP fetch failed");
            mailboxes::record_fetch_error(&room.db, mb.id, e).await
        }
    };
    if let Err(e) = stored {
        tracing::warn!(error = %e, "could not record the fetch result");
    }
}

async fn supports_idle(s: &mut Session) -> bool {
    match tokio::time::timeout(IO_TIMEOUT, s.capabilities()).await {
        Ok(Ok(c)) => c.has_str("IDLE"),
        _ => false,
    }
}

/// Keeps one mailbox fetched until shutdown: holds the mailbox's lease, fetches, then waits in IDLE
/// (or sleeps between polls), and reconnects with backoff after errors.
pub async fn watch_mailbox(room: Mailroom, mailbox_id: i64, mut shutdown: watch::Receiver<bool>) {
    let lease = Lease { name: lease_name(mailbox_id), holder: room.instance.holder(&format!("imap-{mailbox_id}")) };
    let mut backoff = Duration::from_secs(5);
    'outer: while !*shutdown.borrow() {
        // Another instance fetches this mailbox while it holds the lease; if that instance dies,
        // the lease runs out within seconds and this one takes over.
        if !matches!(Lease::take(&room.db, &lease.name, &lease.holder).await, Ok(Some(_))) {
            tokio::select! { _ = tokio::time::sleep(TAKEOVER_LOOK) => continue, _ = shutdown.changed() => break }
        }
        let mb = match mailboxes::get(&room.db, mailbox_id).await {
            Ok(Some(m)) if m.imap_url.is_some() => m,
            _ => break,
        };
        let url = match ImapUrl::parse(mb.imap_url.as_deref().unwrap_or_default()) {
            Ok(u) => u,
            Err(e) => {
                record(&room, &mb, &Err(e)).await;
                tokio::select! { _ = tokio::time::sleep(Duration::from_secs(300)) => continue, _ = shutdown.changed() => break }
            }
        };
        let mut session = match connect(&url).await {
            Ok(s) => s,
            Err(e) => {
                record(&room, &mb, &Err(e)).await;
                tokio::select! { _ = tokio::time::sleep(backoff) => {}, _ = shutdown.changed() => break }
                backoff = (backoff * 2).min(Duration::from_secs(300));
                continue;
            }
        };
        let idle = supports_idle(&mut session).await;
        loop {
            let r = fetch_new(&room, &mb, &url, &mut session, &lease).await;
            let failed = r.is_err();
            record(&room, &mb, &r).await;
            if failed {
                tokio::select! { _ = tokio::time::sleep(backoff) => {}, _ = shutdown.changed() => break 'outer }
                backoff = (backoff * 2).min(Duration::from_secs(300));
                continue 'outer;
            }
            backoff = Duration::from_secs(5);
            if *shutdown.borrow() || !matches!(Lease::take(&room.db, &lease.name, &lease.holder).await, Ok(Some(_))) {
                break;
            }
            if idle {
                let mut handle = session.idle();
                if let Err(e) = timed("starting IDLE", handle.init()).await {
                    record(&room, &mb, &Err(e)).await;
                    continue 'outer;
                }
                let (wait, interrupt) = handle.wait_with_timeout(IDLE_SLICE);
                // New mail, a timeout slice (to renew the lease) or a dropped connection all end the wait;
                // the fetch that follows tells them apart.
                let stop = tokio::select! {
                    r = wait => {
                        if let Ok(IdleResponse::NewData(_)) = r {
                            tracing::debug!(mailbox = %mb.address, "IDLE: new mail");
                        }
                        false
                    }
                    _ = shutdown.changed() => true,
                };
                drop(interrupt);
                session = match timed("ending IDLE", handle.done()).await {
                    Ok(s) => s,
                    Err(_) => continue 'outer,
                };
                if stop {
                    break;
                }
            } else {
                tokio::select! { _ = tokio::time::sleep(POLL_EVERY) => {}, _ = shutdown.changed() => break }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    }
    let _ = lease.release(&room.db).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = ImapUrl::parse("imaps://help@shop.cz:p%40ss:w@imap.shop.cz/Support%20Inbox").unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.user.as_str(), u.password.as_str(), u.folder.as_str()),
            (true, "imap.shop.cz", 993, "help@shop.cz", "p@ss:w", "Support Inbox")
        );
        let u = ImapUrl::parse("imap://u:p@127.0.0.1:1143").unwrap();
        assert_eq!((u.port, u.folder.as_str()), (1143, "INBOX"));
        assert!(!format!("{u:?}").contains(":p@"), "password in Debug output");
        for bad in ["http://x", "imap://host", "imap://u:p@", "imap://u:p@h:notaport/"] {
            assert!(ImapUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uid_sets_and_headers() {
        assert_eq!(uid_set(&[3, 4, 5, 6, 7, 9, 12, 13]), "3:7,9,12:13");
        assert_eq!(uid_set(&[1]), "1");
        assert_eq!(header_end(b"Subject: x\r\n\r\nbody"), 14);
        assert_eq!(header_end(b"Subject: x\n\nbody"), 12);
        assert_eq!(header_end(b"no blank line"), 13);
    }

    #[test]
    fn explains_errors() {
        assert!(explain("No(\"[AUTHENTICATIONFAILED] Authentication failed.\")").starts_with("authentication failed"));
        assert!(explain("Connection refused (os error 111)").starts_with("connection refused"));
        assert!(explain("invalid peer certificate: UnknownIssuer").starts_with("TLS failed"));
    }
}
