//! Mail in and out: parsing real-world mail (mail-parser), folding quotes and signatures,
//! sanitising HTML (ammonia), building outbound mail (mail-builder), the ingest pipeline
//! (store raw durably, then parse the stored copy into a ticket), the outbox sender (lettre or
//! .eml files) and the inbound SMTP listener. Depends on domain and store; knows nothing of HTTP
//! nor of who is asking (agents' actions come through the command layer).

mod ack;
pub use ack::language_for;
mod apply;
pub mod compose;
pub mod form;
pub mod imap;
pub mod ingest;
pub mod notice;
pub mod outbound;
pub mod parse;
#[cfg(feature = "peers")]
pub mod peers;
pub mod quote;
pub mod relay;
pub mod sanitize;
pub mod smtp_server;
#[cfg(feature = "testing")]
pub mod testing;

use podpora_domain::token::ReplyKey;
use podpora_store::jobs::Instance;
use podpora_store::{BlobStore, Db};
use std::sync::Arc;

/// Errors of the mail layer. `Temporary` failures are retried (SMTP 451, exit 75); the rest are final.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("storage: {0}")]
    Store(#[from] podpora_store::StoreError),
    #[error("temporary failure: {0}")]
    Temporary(String),
    #[error("{0}")]
    Rejected(String),
}

/// Size and time caps that keep one poisonous message from hurting the rest.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest message accepted at all (SMTP SIZE); larger ones are refused with a clear reason.
    pub max_message_bytes: usize,
    /// Largest message parsed; larger ones are kept raw and set aside for an agent.
    pub max_parse_bytes: usize,
    pub max_parts: usize,
    pub parse_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 80 << 20,
            max_parse_bytes: 80 << 20,
            max_parts: 1000,
            parse_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Everything the mail pipeline needs: database, blob store, the reply-token key and this
/// installation's identity. Cheap to clone.
#[derive(Clone)]
pub struct Mailroom {
    pub db: Db,
    pub blobs: BlobStore,
    pub key: ReplyKey,
    /// Host part of our Message-IDs (from the public URL).
    pub host: String,
    /// Identifies this installation in the loop-detection header.
    pub installation: String,
    pub public_url: String,
    pub limits: Limits,
    /// Put a signed plus address (`support+tN.sig@…`) into Reply-To of outgoing mail.
    pub plus_reply_to: bool,
    /// Wakes the inbound processing (mail accepted, a mailbox's lease released, a batch applied).
    pub wake: Arc<tokio::sync::Notify>,
    /// Wakes the job workers when jobs (mail to send) were queued in this process.
    pub work: Arc<tokio::sync::Notify>,
    /// Messages being accepted in this process, committed together.
    pub accepts: Arc<ingest::AcceptQueue>,
    /// This process as the holder of leases and job locks (kept alive while it runs).
    pub instance: Arc<Instance>,
    /// How much received mail waits to be processed, against the limit past which new mail is
    /// refused for now.
    pub backlog: Arc<Backlog>,
}

/// Backpressure: the received mail waiting to be processed, as last counted (by `run_inbound`,
/// several times a second, plus this process's accepts since). Past `limit` the SMTP listener
/// answers 451 (senders retry later; nothing is lost), IMAP fetching pauses, and `/readyz` says
/// not ready, until processing catches up.
pub struct Backlog {
    waiting: std::sync::atomic::AtomicI64,
    /// Whether anyone counts (a process without `run_inbound`, the CLI, never holds back).
    counting: std::sync::atomic::AtomicBool,
    pub limit: i64,
}

impl Backlog {
    pub const DEFAULT_LIMIT: i64 = 20_000;

    pub fn new(limit: i64) -> Arc<Backlog> {
        Arc::new(Backlog { waiting: Default::default(), counting: Default::default(), limit: limit.max(1) })
    }

    pub fn waiting(&self) -> i64 {
        self.waiting.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn over(&self) -> bool {
        self.counting.load(std::sync::atomic::Ordering::Relaxed) && self.waiting() >= self.limit
    }

    /// The count read from the database.
    pub fn counted(&self, n: i64) {
        self.waiting.store(n, std::sync::atomic::Ordering::Relaxed);
        self.counting.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Mail accepted here since the last count.
    pub fn added(&self, n: usize) {
        self.waiting.fetch_add(n as i64, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A new `Instance` for this process, its leases and locks renewed from now on by a task on the
/// current runtime.
pub fn start_instance(db: &Db) -> Arc<Instance> {
    let instance = Instance::new();
    tokio::spawn(instance.clone().keep(db.clone()));
    instance
}

/// The header we stamp on every outgoing mail; mail that comes back with it is a loop.
pub const LOOP_HEADER: &str = "X-Podpora-Loop";

/// Text that may go into the database: no NUL bytes (PostgreSQL refuses them).
pub fn db_text(s: &str) -> String {
    if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s.to_string()
    }
}

/// Shortens a References list to `max` ids, keeping the root and the most recent ones, which carry the thread.
pub(crate) fn keep_root_and_recent(ids: &mut Vec<String>, max: usize) {
    if ids.len() > max && max >= 2 {
        let tail = ids.split_off(ids.len() - (max - 1));
        ids.truncate(1);
        ids.extend(tail);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_root_and_recent() {
        let mut ids: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        super::keep_root_and_recent(&mut ids, 4);
        assert_eq!(ids, ["0", "7", "8", "9"]);
        let mut short = vec!["a".to_string()];
        super::keep_root_and_recent(&mut short, 4);
        assert_eq!(short, ["a"]);
    }
}
