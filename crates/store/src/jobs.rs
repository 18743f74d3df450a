//! The jobs table: background work that survives a crash. A worker claims due jobs with a lock
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite); a finished job is
//! deleted. Also named leases (one holder at a time across instances), e.g. for processing or
//! fetching one mailbox.
//!
//! Locks and leases are short (`LEASE_MS`) and kept alive by their process's `Instance`, which
//! renews all of them together every `RENEW_MS`: while a process runs, its work is never taken
//! from it however long it takes; when it dies (`kill -9`, a lost machine), its jobs and leases
//! run out within seconds and another process takes them over. Work done under a lease commits
//! only if the lease is still its own (`Lease::fence`, in the work's transaction), so a process
//! that lost its lease (stalled past `LEASE_MS`) cannot write over the new holder's work.

use crate::{now_ms, Backend, Db, Result};
use sqlx::AnyConnection;
use sqlx::Row;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// How long a lease or a job's lock lasts unless renewed: how soon a dead process's work is
/// taken over.
pub const LEASE_MS: i64 = 6_000;
/// How often a live process renews its leases and locks.
pub const RENEW_MS: i64 = 1_500;

/// This process as the holder of leases and job locks. Its id names them all (`holder`), so that
/// one statement per table renews everything it holds (`keep`).
pub struct Instance {
    id: String,
    /// When the last renewal committed (ms since the epoch).
    renewed_at: AtomicI64,
}

impl Instance {
    /// A new id: the host's name, the process id and a random part (ids use only letters,
    /// digits, '.' and '-', so an id followed by '/' is a safe LIKE prefix).
    pub fn new() -> Arc<Instance> {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        let host: String = host.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').take(40).collect();
        let id = format!("{}-{}-{:08x}", if host.is_empty() { "host" } else { &host }, std::process::id(), rand::random::<u32>());
        Arc::new(Instance { id, renewed_at: AtomicI64::new(now_ms()) })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// A holder name for one piece of this process's work (unique per call when `what` is).
    pub fn holder(&self, what: &str) -> String {
        format!("{}/{what}", self.id)
    }

    /// A holder name unique to this call.
    pub fn unique_holder(&self, what: &str) -> String {
        self.holder(&format!("{what}-{:016x}", rand::random::<u64>()))
    }

    /// Whether the last renewal is recent enough that nobody can have taken this process's work
    /// yet (with half a lease to spare): checked before a step that must not happen twice.
    pub fn in_touch(&self) -> bool {
        now_ms() - self.renewed_at.load(Ordering::Relaxed) < LEASE_MS / 2
    }

    /// Renews everything this process holds, every `RENEW_MS`, for as long as the instance lives.
    pub async fn keep(self: Arc<Self>, db: Db) {
        let me = Arc::downgrade(&self);
        drop(self);
        loop {
            let Some(instance) = me.upgrade() else { return };
            match renew(&db, &instance.id).await {
                Ok(()) => instance.renewed_at.store(now_ms(), Ordering::Relaxed),
                Err(e) => tracing::warn!(error = %e, "renewing this instance's leases failed"),
            }
            drop(instance);
            tokio::time::sleep(std::time::Duration::from_millis(RENEW_MS as u64)).await;
        }
    }
}

/// Extends every lease and job lock held by the instance `id` by `LEASE_MS`, in one transaction.
async fn renew(db: &Db, id: &str) -> Result<()> {
    let (until, prefix) = (now_ms() + LEASE_MS, format!("{id}/%"));
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE leases SET until = $1 WHERE holder LIKE $2").bind(until).bind(&prefix).execute(&mut *tx).await?;
    // (`locked_by IS NOT NULL`: the partial index `jobs_locked` holds just the locked jobs.)
    sqlx::query("UPDATE jobs SET locked_until = $1 WHERE locked_by IS NOT NULL AND locked_by LIKE $2")
        .bind(until)
        .bind(&prefix)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Forgets every lease and job lock at once: for a process that knows no other process can hold
/// any (`serve` on SQLite, after taking the database's lock file). Work of a command-line process
/// that held one is fenced off (`Lease::fence`).
pub async fn clear_all_holds(db: &Db) -> Result<(u64, u64)> {
    let mut tx = db.begin().await?;
    let leases = sqlx::query("DELETE FROM leases").execute(&mut *tx).await?.rows_affected();
    let jobs = sqlx::query("UPDATE jobs SET locked_by = NULL, locked_until = NULL WHERE locked_by IS NOT NULL")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok((leases, jobs))
}

/// A named lease taken by one holder: at most one holder at a time across all instances.
#[derive(Debug, Clone)]
pub struct Lease {
    pub name: String,
    pub holder: String,
}

impl Lease {
    /// Takes the lease `name` for `holder` (or renews it if the holder has it already); None
    /// when another holder has it.
    pub async fn take(db: &Db, name: &str, holder: &str) -> Result<Option<Lease>> {
        Ok(try_lease(db, name, holder, LEASE_MS).await?.then(|| Lease { name: name.to_string(), holder: holder.to_string() }))
    }

    /// Inside the transaction of the work done under the lease: true (and the lease renewed) if
    /// it is still this holder's. On PostgreSQL the update locks the lease's row until the commit,
    /// so a takeover waits for it and then finds the lease renewed; on SQLite the transaction
    /// holds the one write lock. The caller rolls back on false.
    pub async fn fence(&self, conn: &mut AnyConnection) -> Result<bool> {
        let n = sqlx::query("UPDATE leases SET until = $1 WHERE name = $2 AND holder = $3")
            .bind(now_ms() + LEASE_MS)
            .bind(&self.name)
            .bind(&self.holder)
            .execute(conn)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn release(&self, db: &Db) -> Result<()> {
        release_lease(db, &self.name, &self.holder).await
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    /// Including the current one.
    pub attempts: i64,
}

pub async fn enqueue(conn: &mut AnyConnection, kind: &str, payload: &str, run_at: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(kind)
        .bind(payload)
        .bind(run_at)
        .bind(now_ms())
        .fetch_one(conn)
        .await?)
}

/// Enqueues one job of `kind` per payload, all due at `run_at`.
pub async fn enqueue_many(conn: &mut AnyConnection, kind: &str, payloads: &[String], run_at: i64) -> Result<()> {
    let now = now_ms();
    for chunk in payloads.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES {}", crate::db::values_list(chunk.len(), 4, 1));
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q.bind(kind).bind(p.as_str()).bind(run_at).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn job(r: &sqlx::any::AnyRow) -> Result<Job> {
    Ok(Job { id: r.try_get(0)?, kind: r.try_get(1)?, payload: r.try_get(2)?, attempts: r.try_get(3)? })
}

/// Claims up to `limit` due jobs for `worker` for `lease_ms` (renewed by the worker's
/// `Instance` while it lives when `worker` is one of its holder names).
pub async fn claim(db: &Db, worker: &str, limit: i64, lease_ms: i64) -> Result<Vec<Job>> {
    let now = now_ms();
    // Nothing due (most looks of an idle worker) is answered by a read, without a write transaction.
    let due: Option<i64> =
        sqlx::query_scalar("SELECT id FROM jobs WHERE run_at <= $1 AND (locked_until IS NULL OR locked_until < $1) LIMIT 1")
            .bind(now)
            .fetch_optional(db.pool())
            .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM jobs WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at, id LIMIT $4{lock}) \
         RETURNING id, kind, payload, attempts"
    );
    // A durable commit: whatever the jobs act on (a redoable transaction may have written it, see
    // `Db::begin_redoable`) is on disk before they send anything.
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&sql).bind(worker).bind(now + lease_ms).bind(now).bind(limit).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut jobs: Vec<Job> = rows.iter().map(job).collect::<Result<_>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub async fn complete(db: &Db, id: i64) -> Result<()> {
    complete_many(db, &[id]).await
}

/// Deletes finished jobs in one transaction.
pub async fn complete_many(db: &Db, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    delete(&mut tx, ids).await?;
    tx.commit().await
}

/// Deletes finished jobs inside the caller's transaction (with the outcome it records).
pub async fn delete(conn: &mut sqlx::AnyConnection, ids: &[i64]) -> Result<()> {
    crate::db::execute_in(conn, "DELETE FROM jobs WHERE id IN ({in})", &[], ids).await
}

/// Puts a job back to run again at `run_at`, recording why it failed (unless another worker
/// has taken it meanwhile: then it is that worker's).
pub async fn retry(db: &Db, id: i64, worker: &str, run_at: i64, error: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE jobs SET run_at = $1, locked_by = NULL, locked_until = NULL, last_error = $2 WHERE id = $3 AND locked_by = $4")
        .bind(run_at)
        .bind(error)
        .bind(id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Puts a job back to run again at `run_at`, inside the caller's transaction (which records why).
pub async fn reschedule(conn: &mut AnyConnection, id: i64, run_at: i64) -> Result<()> {
    sqlx::query("UPDATE jobs SET run_at = $1, locked_by = NULL, locked_until = NULL WHERE id = $2")
        .bind(run_at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Releases every job this worker holds (graceful shutdown): others pick them up at once.
pub async fn release_all(db: &Db, worker: &str) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE jobs SET locked_by = NULL, locked_until = NULL WHERE locked_by = $1")
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n)
}

pub async fn pending(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(db.pool()).await?)
}

/// Who holds the named lease now (a lease that ran out is held by nobody).
pub async fn lease_holder(db: &Db, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1 AND until >= $2")
        .bind(name)
        .bind(now_ms())
        .fetch_optional(db.pool())
        .await?)
}

/// Takes or renews the named lease for `holder` until `now + ms`. False when another holder has it.
pub async fn try_lease(db: &Db, name: &str, holder: &str, ms: i64) -> Result<bool> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let got: Option<String> = sqlx::query_scalar(
        "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
         WHERE leases.until < $4 OR leases.holder = excluded.holder RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(now + ms)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(got.as_deref() == Some(holder))
}

pub async fn release_lease(db: &Db, name: &str, holder: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(&mut *tx).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;

    #[tokio::test]
    async fn jobs_are_claimed_once_and_survive_a_dead_worker() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let mut tx = db.begin().await.unwrap();
            for i in 0..10 {
                enqueue(&mut tx, "k", &i.to_string(), now_ms() - 1).await.unwrap();
            }
            tx.commit().await.unwrap();
            let (a, b) = tokio::join!(claim(db, "w1", 6, 60_000), claim(db, "w2", 6, 60_000));
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.len() + b.len(), 10);
            let mut ids: Vec<i64> = a.iter().chain(&b).map(|j| j.id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 10, "a job was claimed twice");
            assert!(claim(db, "w3", 10, 60_000).await.unwrap().is_empty());
            // w1 "dies": its lease is released on shutdown or runs out; the jobs come back.
            assert_eq!(release_all(db, "w1").await.unwrap(), a.len() as u64);
            let again = claim(db, "w3", 10, 1).await.unwrap();
            assert_eq!(again.len(), a.len());
            assert!(again.iter().all(|j| j.attempts == 2));
            for j in a.iter().chain(&b) {
                complete(db, j.id).await.unwrap();
            }
            assert_eq!(pending(db).await.unwrap(), 0);

            assert!(try_lease(db, "mbx:1", "i1", 60_000).await.unwrap());
            assert!(!try_lease(db, "mbx:1", "i2", 60_000).await.unwrap());
            assert!(try_lease(db, "mbx:1", "i1", 60_000).await.unwrap());
            release_lease(db, "mbx:1", "i1").await.unwrap();
            assert!(try_lease(db, "mbx:1", "i2", 60_000).await.unwrap());
            t
        })
        .await;
    }

    /// A live instance keeps its lease and jobs past `LEASE_MS`; once it stops renewing, another
    /// takes them over, and the old holder's fenced work no longer commits.
    #[tokio::test]
    async fn leases_live_with_their_instance_and_fence_a_lost_holder() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let a = Instance::new();
            let keeper = tokio::spawn(a.clone().keep(db.clone()));
            let lease = Lease::take(db, "ingest:7", &a.holder("drain")).await.unwrap().expect("free");
            let mut tx = db.begin().await.unwrap();
            enqueue(&mut tx, "k", "1", now_ms() - 1).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(claim(db, &a.holder("w"), 1, LEASE_MS).await.unwrap().len(), 1);
            tokio::time::sleep(std::time::Duration::from_millis(LEASE_MS as u64 + 1_000)).await;
            // Renewed all along: still held.
            assert!(a.in_touch());
            assert!(Lease::take(db, "ingest:7", "other/x").await.unwrap().is_none());
            assert!(claim(db, "other/w", 1, LEASE_MS).await.unwrap().is_empty());
            // The instance dies: within a lease, its work is free again.
            keeper.abort();
            drop(a);
            tokio::time::sleep(std::time::Duration::from_millis(LEASE_MS as u64 + 200)).await;
            let b = Lease::take(db, "ingest:7", "other/x").await.unwrap().expect("taken over");
            assert_eq!(claim(db, "other/w", 1, LEASE_MS).await.unwrap().len(), 1);
            // The old holder's work under its lost lease cannot commit; the new holder's can.
            let mut tx = db.begin().await.unwrap();
            assert!(!lease.fence(&mut tx).await.unwrap());
            drop(tx);
            let mut tx = db.begin().await.unwrap();
            assert!(b.fence(&mut tx).await.unwrap());
            tx.commit().await.unwrap();
            assert_eq!(clear_all_holds(db).await.unwrap(), (1, 1));
            t
        })
        .await;
    }
}
