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
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::{inbound, jobs, BlobId};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

const LEASE_MS: i64 = 180_000;
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

/// Fetches everything new in the folder; returns how many messages were stored.
async fn fetch_new(room: &Mailroom, mb: &Mailbox, url: &ImapUrl, s: &mut Session) -> Result<usize, String> {
    let selected = timed("opening the folder", s.select(&url.folder)).await?;
    let validity = selected.uid_validity.unwrap_or(0) as i64;
    let fresh = mailboxes::get(&room.db, mb.id).await.map_err(|e| e.to_string())?.ok_or("mailbox removed")?;
    let mut last = if fresh.imap_uidvalidity == Some(validity) { fresh.imap_last_uid.unwrap_or(0) } else { 0 };
    let mut uids: Vec<u32> =
        timed("searching new mail", s.uid_search(format!("UID {}:*", last + 1))).await?.into_iter().filter(|u| *u as i64 > last).collect();
    uids.sort_unstable();
    let max = room.limits.max_message_bytes;
    let env = Envelope { mail_from: None, rcpt_to: vec![mb.address.clone()] };
    let mut stored = 0;
    for uid in uids {
        let sizes: Vec<_> =
            timed("reading sizes", async { s.uid_fetch(uid.to_string(), "(UID RFC822.SIZE)").await?.try_collect::<Vec<_>>().await })
                .await?;
        let size = sizes.iter().find(|f| f.uid == Some(uid)).and_then(|f| f.size).unwrap_or(0) as usize;
        let oversized = size > max;
        let query = if oversized { "(UID BODY.PEEK[HEADER])" } else { "(UID BODY.PEEK[])" };
        let fetched: Vec<_> =
            timed("fetching a message", async { s.uid_fetch(uid.to_string(), query).await?.try_collect::<Vec<_>>().await }).await?;
        let raw =
            fetched.iter().find(|f| f.uid == Some(uid)).and_then(|f| if oversized { f.header() } else { f.body() }).map(|b| b.to_vec());
        if let Some(raw) = raw {
            if !inbound::already_received(&room.db, mb.id, BlobId::of(&raw).as_str()).await.map_err(|e| e.to_string())? {
                if oversized {
                    let reason = format!("message of {} MB is over the limit of {} MB; only its headers were fetched, the full message stays on the IMAP server", size >> 20, max >> 20);
                    ingest::accept_set_aside(room, Source::Imap, &env, raw, &reason).await.map_err(|e| e.to_string())?;
                } else {
                    ingest::accept(room, Source::Imap, &env, raw).await.map_err(|e| e.to_string())?;
                }
                stored += 1;
            }
        } else {
            // Gone between SEARCH and FETCH (moved or expunged by someone else): nothing to store.
            tracing::info!(mailbox = %mb.address, uid, "message vanished before it could be fetched");
        }
        last = uid as i64;
        mailboxes::set_imap_position(&room.db, mb.id, validity, last).await.map_err(|e| e.to_string())?;
        // Only now, with the message durable and remembered, does the server learn we have it.
        if let Err(e) =
            timed("flagging as seen", async { s.uid_store(uid.to_string(), "+FLAGS (\\Seen)").await?.try_collect::<Vec<_>>().await }).await
        {
            tracing::warn!(mailbox = %mb.address, uid, error = %e, "could not flag a stored message as seen");
        }
    }
    Ok(stored)
}

/// One fetch now (CLI, tests): connect, fetch what is new, log out.
pub async fn fetch_once(room: &Mailroom, mb: &Mailbox) -> Result<usize, String> {
    let url = ImapUrl::parse(mb.imap_url.as_deref().ok_or("this mailbox has no IMAP URL")?)?;
    let result = async {
        let mut s = connect(&url).await?;
        let n = fetch_new(room, mb, &url, &mut s).await?;
        let _ = s.logout().await;
        Ok::<_, String>(n)
    }
    .await;
    record(room, mb, &result).await;
    result
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
pub async fn watch_mailbox(room: Mailroom, mailbox_id: i64, holder: String, mut shutdown: watch::Receiver<bool>) {
    let lease = format!("imap:{mailbox_id}");
    let mut backoff = Duration::from_secs(5);
    'outer: while !*shutdown.borrow() {
        match jobs::try_lease(&room.db, &lease, &holder, LEASE_MS).await {
            Ok(true) => {}
            _ => {
                tokio::select! { _ = tokio::time::sleep(POLL_EVERY) => continue, _ = shutdown.changed() => break }
            }
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
            let r = fetch_new(&room, &mb, &url, &mut session).await;
            let failed = r.is_err();
            record(&room, &mb, &r).await;
            if failed {
                tokio::select! { _ = tokio::time::sleep(backoff) => {}, _ = shutdown.changed() => break 'outer }
                backoff = (backoff * 2).min(Duration::from_secs(300));
                continue 'outer;
            }
            backoff = Duration::from_secs(5);
            if *shutdown.borrow() || !jobs::try_lease(&room.db, &lease, &holder, LEASE_MS).await.unwrap_or(false) {
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
    let _ = jobs::release_lease(&room.db, &lease, &holder).await;
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
    fn explains_errors() {
        assert!(explain("No(\"[AUTHENTICATIONFAILED] Authentication failed.\")").starts_with("authentication failed"));
        assert!(explain("Connection refused (os error 111)").starts_with("connection refused"));
        assert!(explain("invalid peer certificate: UnknownIssuer").starts_with("TLS failed"));
    }
}
