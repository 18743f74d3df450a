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
use tokio::sync::{watch, Semaphore};

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
    let instance = podpora_mail::start_instance(&db);
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
        instance,
        backlog: podpora_mail::Backlog::new(cfg.inbound_queue_limit),
    })
}

/// On SQLite, one `serve` owns the database: takes an exclusive lock on a file beside it, held
/// until the process ends (the kernel drops it even after `kill -9`), and refuses to start when
/// another `serve` holds it. Owning the database, it then takes over at once the leases and job
/// locks a crashed predecessor left (on PostgreSQL they run out within seconds instead).
/// Command-line commands (`ingest`, `mailbox`, …) may still use the database beside it.
pub async fn own_database(cfg: &Config, room: &Mailroom) -> anyhow::Result<Option<std::fs::File>> {
    let Some(db_path) = podpora_store::db::sqlite_path(&cfg.database_url) else { return Ok(None) };
    let mut path = db_path.into_os_string();
    path.push(".serve-lock");
    let path = std::path::PathBuf::from(path);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let who = std::fs::read_to_string(&path).unwrap_or_default();
            anyhow::bail!(
                "another `podpora serve` ({}) is already running on this SQLite database ({}); \
                 stop it first, or give this one its own PODPORA_DATA_DIR / PODPORA_DATABASE_URL \
                 (several instances on one database need PostgreSQL)",
                if who.trim().is_empty() { "unknown process".to_string() } else { who.trim().to_string() },
                podpora_store::db::redact_url(&cfg.database_url)
            );
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e).with_context(|| format!("locking {}", path.display())),
    }
    use std::io::{Seek, Write};
    file.set_len(0)?;
    file.seek(std::io::SeekFrom::Start(0))?;
    write!(file, "pid {} on {}", std::process::id(), room.instance.id())?;
    let (leases, jobs) = jobs::clear_all_holds(&room.db).await?;
    if leases + jobs > 0 {
        tracing::info!(leases, jobs, "took over the leases and jobs an earlier run left");
    }
    Ok(Some(file))
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

/// Relay sessions one instance runs at once (shared by its workers).
pub const SENDING_SLOTS: usize = 64;
/// How long a worker waits for the mail it is sending before it claims more.
const SEND_PATIENCE: Duration = Duration::from_secs(1);

/// A worker loop: claims due jobs and runs them, retrying with backoff. Mail to send goes out in
/// sessions of its own, in the background, each taking one of the instance's `slots` until it
/// ends: a relay that stalls some sessions holds only their slots, and the worker goes on
/// claiming and sending the rest. Stops when `shutdown` is true; sends in flight get a few
/// seconds to end, and every job still held is released for another worker (jobs are deleted
/// only when finished).
pub async fn worker(room: Mailroom, transport: Transport, name: String, slots: Arc<Semaphore>, mut shutdown: watch::Receiver<bool>) {
    let mut sending = tokio::task::JoinSet::new();
    loop {
        while sending.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        let free = slots.available_permits().min(32);
        // The lock is renewed by this instance for as long as it runs, however long a send takes;
        // if the process dies, the jobs are claimed again within seconds.
        let claimed = match (free > 0).then(|| jobs::claim(&room.db, &name, free as i64, jobs::LEASE_MS)) {
            Some(claiming) => claiming.await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "claiming jobs failed");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let idle = claimed.is_empty();
        // Mail to send goes out together (one read; outcomes recorded as sessions end); other
        // jobs (and a send job with a damaged payload) one by one.
        let (mut sends, mut one_by_one) = (Vec::new(), Vec::new());
        for job in claimed {
            match (job.kind == JOB_SEND).then(|| job.payload.parse::<i64>().ok()).flatten() {
                Some(outbox_id) => sends.push((job, outbox_id)),
                None => one_by_one.push(job),
            }
        }
        if !sends.is_empty() {
            let permits = slots.clone().acquire_many_owned(sends.len() as u32).await.expect("the slots are never closed");
            let (room, transport, name) = (room.clone(), transport.clone(), name.clone());
            let (finished, batch_out) = tokio::sync::oneshot::channel::<()>();
            sending.spawn(async move {
                let items: Vec<outbound::SendItem> =
                    sends.iter().map(|(job, id)| outbound::SendItem { outbox_id: *id, attempt: job.attempts, job: Some(job.id) }).collect();
                let results = outbound::send_many(&room, &transport, &items).await;
                drop(permits);
                // Outcomes and retries are recorded by `send_many`; a retry it could not record is
                // put back here (a no-op for a job it did put back).
                let failed = sends.into_iter().zip(results).filter_map(|((job, _), r)| match r {
                    Ok(()) => None,
                    Err(SendError::Temporary(m)) => Some((job, true, m)),
                    Err(SendError::Permanent(m)) => {
                        tracing::warn!(job = job.id, attempts = job.attempts, error = %m, "mail could not be delivered");
                        None
                    }
                });
                settle_failures(&room, &name, failed.collect()).await;
                let _ = finished.send(());
            });
            // A batch is usually out in moments: waiting for it lets the next claim take what
            // queued meanwhile (fewer, fuller batches: `bench ingest` on PostgreSQL 551 → 913 mail/s
            // without the wait). One that takes longer — a stalled relay session — goes on in the
            // background.
            let _ = tokio::time::timeout(SEND_PATIENCE, batch_out).await;
        }
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for job in one_by_one {
            if *shutdown.borrow() {
                break;
            }
            match run_job(&room, &transport, &job).await {
                Ok(()) => done.push(job.id),
                Err((retry, msg)) => failed.push((job, retry, msg)),
            }
        }
        settle_failures(&room, &name, failed).await;
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
    if tokio::time::timeout(Duration::from_secs(10), async { while sending.join_next().await.is_some() {} }).await.is_err() {
        tracing::warn!(worker = %name, "stopping with relay sessions still open; their mail is sent again later");
        sending.abort_all();
    }
    match jobs::release_all(&room.db, &name).await {
        Ok(n) if n > 0 => tracing::info!(worker = %name, released = n, "released jobs on shutdown"),
        _ => {}
    }
}

/// Puts failed jobs back with backoff, or ends them (no retry wanted, or the last attempt).
async fn settle_failures(room: &Mailroom, worker: &str, failed: Vec<(jobs::Job, bool, String)>) {
    for (job, retry, msg) in failed {
        tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %msg, "job failed");
        let r = if retry && job.attempts < outbound::MAX_ATTEMPTS {
            jobs::retry(&room.db, job.id, worker, now_ms() + outbound::backoff_ms(job.attempts - 1), &msg).await
        } else {
            jobs::complete(&room.db, job.id).await
        };
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not record job failure");
        }
    }
}

/// The name under which worker `i` of this process claims jobs.
pub fn worker_name(room: &Mailroom, i: usize) -> String {
    room.instance.holder(&format!("worker-{i}"))
}

/// Starts a fetcher for every mailbox with an IMAP URL, and for mailboxes added later.
/// Each fetcher holds its mailbox's lease, so several instances never fetch one mailbox at once.
pub async fn imap_supervisor(room: Mailroom, mut shutdown: watch::Receiver<bool>) {
    let mut running: std::collections::HashMap<i64, tokio::task::JoinHandle<()>> = std::collections::HashMap::new();
    loop {
        running.retain(|_, h| !h.is_finished());
        match podpora_store::mailboxes::list(&room.db).await {
            Ok(list) => {
                for mb in list.into_iter().filter(|m| m.imap_url.is_some()) {
                    running
                        .entry(mb.id)
                        .or_insert_with(|| tokio::spawn(podpora_mail::imap::watch_mailbox(room.clone(), mb.id, shutdown.clone())));
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

/// Keeps the tickets' SLA clocks: every second it looks at the tickets whose clock changed or
/// whose warning or due time came (at once again while a full batch was found). Safe with several
/// instances: queued tickets are claimed, and each warning or breach is told once.
pub async fn sla_clock(room: Mailroom, mut shutdown: watch::Receiver<bool>) {
    loop {
        let busy = match podpora_commands::sla::track(&room).await {
            Ok(t) => t.looked as i64 >= podpora_commands::sla::TRACK_BATCH,
            Err(e) => {
                tracing::warn!(error = %e, "keeping the SLA clocks failed");
                false
            }
        };
        if busy {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => break,
        }
    }
}

/// Routes queued tickets as they come (woken by the `Routing` hint of any instance; every second
/// for retries due and hints lost), and every 30 s gives back the unanswered tickets of agents
/// who went off shift and runs the scheduled rules. Safe with several instances: each claims
/// different tickets, decisions of one pool take turns (`commands::routing`), and the scheduled
/// rules run under a lease.
pub async fn router(room: Mailroom, mut shutdown: watch::Receiver<bool>) {
    let mut hints = room.db.events().subscribe();
    let mut released_at = std::time::Instant::now() - Duration::from_secs(60);
    loop {
        if released_at.elapsed() >= Duration::from_secs(30) {
            released_at = std::time::Instant::now();
            if let Err(e) = podpora_commands::routing::release_off_shift(&room).await {
                tracing::warn!(error = %e, "giving back off-shift agents' tickets failed");
            }
            if let Err(e) = podpora_commands::rules::run_scheduled(&room).await {
                tracing::warn!(error = %e, "scheduled rules failed");
            }
        }
        let busy = match podpora_commands::routing::route_due(&room, podpora_commands::routing::BATCH).await {
            Ok(r) => r.taken as i64 == podpora_commands::routing::BATCH,
            Err(e) => {
                tracing::warn!(error = %e, "routing failed");
                false
            }
        };
        if busy {
            continue;
        }
        let wait = async {
            loop {
                match hints.recv().await {
                    Ok(podpora_store::events::Event::Routing) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        tokio::select! {
            _ = wait => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => break,
        }
    }
}
