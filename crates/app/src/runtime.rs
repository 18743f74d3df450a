//! Wiring: open the database (migrated), the blob store and the keys; the job workers that send
//! the outbox (and run per-message processing jobs that earlier versions queued); the reminders
//! that bring pending tickets back; the supervisor of IMAP fetchers.

use crate::config::Config;
use anyhow::Context;
use podpora_domain::token::ReplyKey;
use podpora_mail::ingest::{self, JOB_PROCESS};
use podpora_mail::outbound::{self, SendError, Transport, JOB_SEND};
use podpora_mail::{Limits, Mailroom};
use podpora_store::{jobs, now_ms, settings, BlobStore, Db};
use rand::RngCore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub async fn open(cfg: &Config) -> anyhow::Result<Mailroom> {
    std::fs::create_dir_all(&cfg.data_dir).with_context(|| format!("creating data dir {}", cfg.data_dir.display()))?;
    let db = Db::connect(&cfg.database_url)
        .await
        .with_context(|| format!("connecting to {}", podpora_store::db::redact_url(&cfg.database_url)))?;
    db.migrate().await.context("migrating the database")?;
    // Keys are generated on first start and shared by every instance through the database.
    let key_hex = settings::get_or_init(&db, "reply_key", || random_hex(32)).await?;
    let key_bytes: Vec<u8> = (0..key_hex.len() / 2).filter_map(|i| u8::from_str_radix(&key_hex[2 * i..2 * i + 2], 16).ok()).collect();
    let key = ReplyKey::new(key_bytes).context("the stored reply key is damaged")?;
    let installation = settings::get_or_init(&db, "installation_id", || random_hex(8)).await?;
    let blobs = match &cfg.blob_store {
        crate::config::BlobStoreKind::Local => BlobStore::local(cfg.data_dir.join("blobs"))?,
        crate::config::BlobStoreKind::Database => BlobStore::database(db.clone()),
        crate::config::BlobStoreKind::S3(s) => BlobStore::s3(s)?,
    };
    let max = cfg.max_message_mb << 20;
    Ok(Mailroom {
        db,
        blobs,
        key,
        host: cfg.mail_host(),
        installation,
        public_url: cfg.public_url.clone(),
        limits: Limits { max_message_bytes: max, max_parse_bytes: max, ..Limits::default() },
        plus_reply_to: cfg.plus_reply_to,
        wake: Arc::new(tokio::sync::Notify::new()),
        work: Arc::new(tokio::sync::Notify::new()),
        accepts: Default::default(),
    })
}

/// Runs one job; returns Err with (retry, message) on failure.
pub async fn run_job(room: &Mailroom, transport: &Transport, job: &jobs::Job) -> Result<(), (bool, String)> {
    let id: i64 = job.payload.parse().map_err(|_| (false, format!("bad payload {}", job.payload)))?;
    match job.kind.as_str() {
        JOB_PROCESS => ingest::process(room, id).await.map(|_| ()).map_err(|e| (true, e.to_string())),
        JOB_SEND => outbound::send(room, transport, id, job.attempts).await.map_err(|e| match e {
            SendError::Temporary(m) => (true, m),
            SendError::Permanent(m) => (false, m),
        }),
        other => Err((false, format!("unknown job kind {other}"))),
    }
}

/// A worker loop: claims due jobs, runs them, retries with backoff. Stops when `shutdown` is true,
/// releasing nothing half-done (jobs are only deleted when finished).
pub async fn worker(room: Mailroom, transport: Transport, name: String, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        let claimed = match jobs::claim(&room.db, &name, 32, 5 * 60_000).await {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed");
                Vec::new()
            }
        };
        let idle = claimed.is_empty();
        let mut done = Vec::with_capacity(claimed.len());
        let mut failed = Vec::new();
        // Mail to send goes out together (one read, one write); other jobs (and a send job with a
        // damaged payload) one by one.
        let mut sends = Vec::new();
        let mut one_by_one = Vec::new();
        for job in claimed {
            match (job.kind == JOB_SEND).then(|| job.payload.parse::<i64>().ok()).flatten() {
                Some(outbox_id) => sends.push((job, outbox_id)),
                None => one_by_one.push(job),
            }
        }
        if !sends.is_empty() {
            let items: Vec<outbound::SendItem> =
                sends.iter().map(|(job, id)| outbound::SendItem { outbox_id: *id, attempt: job.attempts, job: Some(job.id) }).collect();
            let results = outbound::send_many(&room, &transport, &items).await;
            // Finished mail's jobs are gone already (deleted with the recorded outcome).
            for ((job, _), r) in sends.into_iter().zip(results) {
                match r {
                    Ok(()) => {}
                    Err(SendError::Temporary(m)) => failed.push((job, true, m)),
                    Err(SendError::Permanent(m)) => {
                        tracing::warn!(job = job.id, attempts = job.attempts, error = %m, "mail could not be delivered")
                    }
                }
            }
        }
        for job in one_by_one {
            if *shutdown.borrow() {
                break;
            }
            match run_job(&room, &transport, &job).await {
                Ok(()) => done.push(job.id),
                Err((retry, msg)) => failed.push((job, retry, msg)),
            }
        }
        for (job, retry, msg) in failed {
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %msg, "job failed");
            let r = if retry && job.attempts < outbound::MAX_ATTEMPTS {
                jobs::retry(&room.db, job.id, now_ms() + outbound::backoff_ms(job.attempts - 1), &msg).await
            } else {
                jobs::complete(&room.db, job.id).await
            };
            if let Err(e) = r {
                tracing::warn!(error = %e, "could not record job failure");
            }
        }
        // Finished jobs are deleted together; a crash before this only makes them run again, harmlessly.
        if let Err(e) = jobs::complete_many(&room.db, &done).await {
            tracing::warn!(error = %e, "could not mark jobs done");
        }
        if idle {
            tokio::select! {
                _ = room.work.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    match jobs::release_all(&room.db, &name).await {
        Ok(n) if n > 0 => tracing::info!(worker = %name, released = n, "released jobs on shutdown"),
        _ => {}
    }
}

pub fn worker_name(i: usize) -> String {
    format!("{}-{}-{}", hostname(), std::process::id(), i)
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()).unwrap_or_else(|_| "host".into())
}

/// Starts a fetcher for every mailbox with an IMAP URL, and for mailboxes added later.
/// Each fetcher holds its mailbox's lease, so several instances never fetch one mailbox at once.
pub async fn imap_supervisor(room: Mailroom, holder: String, mut shutdown: watch::Receiver<bool>) {
    let mut running: std::collections::HashMap<i64, tokio::task::JoinHandle<()>> = std::collections::HashMap::new();
    loop {
        running.retain(|_, h| !h.is_finished());
        match podpora_store::mailboxes::list(&room.db).await {
            Ok(list) => {
                for mb in list.into_iter().filter(|m| m.imap_url.is_some()) {
                    running.entry(mb.id).or_insert_with(|| {
                        tokio::spawn(podpora_mail::imap::watch_mailbox(room.clone(), mb.id, holder.clone(), shutdown.clone()))
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing mailboxes failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = shutdown.changed() => break,
        }
    }
    for (_, h) in running {
        let _ = h.await;
    }
}

/// Pending tickets whose reminder is due go back to the queue (checked every 15 s; safe with
/// several instances: the update re-checks the due time).
pub async fn reminders(room: Mailroom, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = podpora_commands::tickets::wake_reminders(&room).await {
            tracing::warn!(error = %e, "checking reminders failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            _ = shutdown.changed() => break,
        }
    }
}
