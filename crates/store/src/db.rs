//! Connecting, migrating and write transactions for SQLite (WAL, synchronous=FULL but for
//! redoable work) and PostgreSQL.

use crate::{Result, StoreError};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyConnection;
use sqlx::{Any, AnyPool, Executor, Row};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The database handle every other layer uses. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer: writers of this process queue here instead of in SQLite's busy loop.
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    events: crate::events::EventBus,
    /// This process's copies of the enabled rules, the roster, the policies and the teams.
    pub(crate) rules: Cached<Vec<podpora_domain::rules::Rule>>,
    pub(crate) roster: Cached<Vec<(crate::users::User, podpora_domain::Access)>>,
    pub(crate) policies: Cached<std::collections::HashMap<crate::routing::Pool, podpora_domain::routing::AssignmentPolicy>>,
    pub(crate) teams: Cached<Vec<crate::teams::Team>>,
}

/// A process's copy of something every decision reads and that rarely changes, kept with the
/// value of its counter (`counters`) when it was read: a read checks the counter (one small
/// query) and loads again only when it moved — on whichever instance the change was made.
pub(crate) struct Cached<T>(Arc<std::sync::Mutex<Option<Kept<T>>>>);

/// A copy and the counter's value when it was read.
type Kept<T> = (i64, Arc<T>);

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached(self.0.clone())
    }
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(Arc::new(std::sync::Mutex::new(None)))
    }
}

/// The counters of every process copy (`Cached`), read together in one statement, so that a
/// routing decision checks its four copies with one round trip.
#[derive(Debug, Clone, Default)]
pub struct Counters(std::collections::HashMap<String, i64>);

impl Counters {
    pub async fn read(conn: &mut AnyConnection) -> Result<Counters> {
        let rows = sqlx::query("SELECT name, value FROM counters WHERE name IN ('rules', 'roster', 'policies', 'teams')")
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?))).collect::<Result<_>>().map(Counters)
    }

    fn of(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }
}

impl<T> Cached<T> {
    /// The copy, loaded again when `counter` moved since it was read (`counters` were read in
    /// the caller's transaction).
    pub(crate) async fn get(
        &self,
        conn: &mut AnyConnection,
        counters: &Counters,
        counter: &str,
        load: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<Arc<T>> {
        let now = counters.of(counter);
        let poisoned = || StoreError::Corrupt("a cache's lock is poisoned".into());
        if let Some((at, value)) = self.0.lock().map_err(|_| poisoned())?.as_ref() {
            if *at == now {
                return Ok(value.clone());
            }
        }
        let value = Arc::new(load(conn).await?);
        *self.0.lock().map_err(|_| poisoned())? = Some((now, value.clone()));
        Ok(value)
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({})", self.backend.name())
    }
}

/// A write transaction. On SQLite it holds the process's write gate and SQLite's write lock
/// from its first statement (`BEGIN IMMEDIATE`), so read-then-write never fails half-way.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// SQLite: the process's event bus and the events to send on it once the commit is done.
    local_events: Option<(crate::events::EventBus, Vec<crate::events::Event>)>,
}

impl WriteTx {
    /// Commits; the live events of this transaction are heard only now, and only if it commits.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        if let Some((bus, events)) = self.local_events {
            for e in events {
                bus.send(e);
            }
        }
        Ok(())
    }

    /// Announces a live event with this transaction: on PostgreSQL a `NOTIFY` inside it (delivered
    /// to every instance at commit, dropped with a rollback), on SQLite sent in-process after the
    /// commit. So an event never speaks of a change that did not happen.
    pub async fn publish(&mut self, e: crate::events::Event) -> Result<()> {
        match &mut self.local_events {
            Some((_, events)) => events.push(e),
            None => crate::events::notify(&mut self.tx, &e).await?,
        }
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// The file of a `sqlite://path` URL (None for other databases).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(path.split('?').next().unwrap_or(path).into())
}

impl Db {
    /// Connects to `sqlite://path` (the file is created) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Url(redact_url(url)));
        };
        let pool = match backend {
            Backend::Sqlite => {
                let path = sqlite_path(url).unwrap_or_default();
                if let Some(parent) = path.parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent)?;
                    }
                }
                let url = if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") };
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON;").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            // Ten: more only queue up at a busy server, and every pooled connection keeps its
            // largest buffers (16 took the ingest bench's memory past 100 MB with 20 senders).
            Backend::Postgres => AnyPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(15)).connect(url).await?,
        };
        let write_gate = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_gate,
            events: Default::default(),
            rules: Default::default(),
            roster: Default::default(),
            policies: Default::default(),
            teams: Default::default(),
        })
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.pool).await?,
        }
        // Articles published before their search index existed (text is folded in Rust, so a
        // migration cannot fill it).
        crate::kb::index_missing(self).await
    }

    /// Live events of this process (see `events`).
    pub fn events(&self) -> &crate::events::EventBus {
        &self.events
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction whose commit is durable (on disk) when it returns.
    pub async fn begin(&self) -> Result<WriteTx> {
        self.begin_as(true).await
    }

    /// Starts a write transaction whose work can be done again from what is already durable
    /// (processing stored mail, indexing words): its commit does not wait for the disk (SQLite
    /// `synchronous = NORMAL`, PostgreSQL `synchronous_commit = off`). A crash may lose it, and
    /// only it and such transactions after it: the log is written in order, so the next durable
    /// commit (`begin`) makes it durable too. Whatever leaves the helpdesk (a 250, a flag on the
    /// IMAP server, mail sent) follows a durable commit, so it never speaks of lost work.
    pub async fn begin_redoable(&self) -> Result<WriteTx> {
        self.begin_as(false).await
    }

    async fn begin_as(&self, durable: bool) -> Result<WriteTx> {
        let gate = match &self.write_gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        };
        // (SQLite's setting belongs to the connection, so every transaction sets it, before it
        // starts; PostgreSQL's `SET LOCAL` ends with the transaction.)
        let tx = match (self.backend, durable) {
            (Backend::Sqlite, true) => self.pool.begin_with("PRAGMA synchronous = FULL; BEGIN IMMEDIATE").await?,
            (Backend::Sqlite, false) => self.pool.begin_with("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE").await?,
            (Backend::Postgres, true) => self.pool.begin().await?,
            (Backend::Postgres, false) => self.pool.begin_with("BEGIN; SET LOCAL synchronous_commit = off").await?,
        };
        let local_events = (self.backend == Backend::Sqlite).then(|| (self.events.clone(), Vec::new()));
        Ok(WriteTx { tx, _gate: gate, local_events })
    }

    /// A pooled connection for reads (writes go through `begin`).
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates an empty PostgreSQL database next to the one `admin_url` names; returns its URL.
/// Used by benchmarks and tests for throw-away databases.
pub async fn create_pg_database(admin_url: &str, name: &str) -> Result<String> {
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(StoreError::Url(format!("bad database name {name}")));
    }
    let db = Db::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&db.pool).await?;
    db.close().await;
    // (Options such as `?host=/run/postgresql`, a Unix socket, apply to the new database too.)
    let (base, query) = admin_url.split_once('?').map(|(b, q)| (b, format!("?{q}"))).unwrap_or((admin_url, String::new()));
    let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
    Ok(format!("{base}/{name}{query}"))
}

/// Asks the PostgreSQL server to write out its dirty buffers now (`CHECKPOINT`: a superuser or a
/// member of pg_checkpoint may; for anyone else, an error). For a benchmark, so that what earlier
/// work left to write is not written during the measurement.
pub async fn pg_checkpoint(db: &Db) -> Result<()> {
    sqlx::query("CHECKPOINT").execute(&db.pool).await?;
    Ok(())
}

pub async fn drop_pg_database(admin_url: &str, name: &str) -> Result<()> {
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(StoreError::Url(format!("bad database name {name}")));
    }
    let db = Db::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&db.pool).await?;
    db.close().await;
    Ok(())
}

/// A database URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    /// How durable a commit of this transaction is: SQLite's `synchronous` (2 full, 1 normal) or
    /// PostgreSQL's `synchronous_commit`.
    async fn durability(tx: &mut WriteTx, backend: Backend) -> String {
        match backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA synchronous").fetch_one(&mut **tx).await.unwrap().try_get::<i64, _>(0).unwrap().to_string()
            }
            Backend::Postgres => sqlx::query("SELECT current_setting('synchronous_commit')")
                .fetch_one(&mut **tx)
                .await
                .unwrap()
                .try_get::<String, _>(0)
                .unwrap(),
        }
    }

    #[tokio::test]
    async fn redoable_commits_relax_only_themselves() {
        crate::testing::for_each_backend(|t| async move {
            let b = t.db.backend();
            let (durable, relaxed) = if b == Backend::Sqlite { ("2", "1") } else { ("on", "off") };
            // Over and over, so that pooled connections a redoable transaction used serve durable ones.
            for _ in 0..10 {
                let mut tx = t.db.begin_redoable().await.unwrap();
                assert_eq!(durability(&mut tx, b).await, relaxed);
                tx.commit().await.unwrap();
                let mut tx = t.db.begin().await.unwrap();
                assert_eq!(durability(&mut tx, b).await, durable);
                tx.commit().await.unwrap();
                // (A redoable transaction dropped without its commit leaves nothing behind either.)
                drop(t.db.begin_redoable().await.unwrap());
                let mut tx = t.db.begin().await.unwrap();
                assert_eq!(durability(&mut tx, b).await, durable);
                drop(tx);
            }
            t
        })
        .await;
    }

    #[test]
    fn redacts() {
        assert_eq!(super::redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}

/// Rows per multi-row statement: far below both backends' limit on bound parameters.
pub(crate) const ROWS_PER_STATEMENT: usize = 400;

/// `($first, …), (…)`: the VALUES list of a multi-row statement, `cols` placeholders a row.
pub(crate) fn values_list(rows: usize, cols: usize, first: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("${}", first + r * cols + c));
        }
        s.push(')');
    }
    s
}

/// The backend of a connection (for backend-specific SQL inside a transaction).
pub(crate) fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

/// For an UPDATE that sets a column per row: ` WHEN $k THEN $k+1 …` for `n` (key, value) pairs
/// bound from `$first` on, and the IN list of their keys.
pub(crate) fn case_list(n: usize, first: usize) -> (String, String) {
    let cases = (0..n).map(|i| format!(" WHEN ${} THEN ${}", first + 2 * i, first + 2 * i + 1)).collect();
    let keys = (0..n).map(|i| format!("${}", first + 2 * i)).collect::<Vec<_>>().join(", ");
    (cases, keys)
}

/// The rows of `sql`, a query whose `{in}` stands for an IN list, for all these values (ids or
/// texts), in chunks.
pub(crate) async fn select_in<'v, V>(conn: &mut AnyConnection, sql: &str, values: &'v [V]) -> Result<Vec<sqlx::any::AnyRow>>
where
    V: Copy + Send + Sync + 'v + sqlx::Encode<'v, Any> + sqlx::Type<Any>,
{
    let mut rows = Vec::new();
    for chunk in values.chunks(ROWS_PER_STATEMENT) {
        let sql = sql.replace("{in}", &in_list(chunk.len(), 1));
        let mut args = sqlx::any::AnyArguments::default();
        for v in chunk {
            sqlx::Arguments::add(&mut args, *v).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        rows.extend(sqlx::query_with(&sql, args).fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// A value bound before the id list of `execute_in`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind<'a> {
    Int(Option<i64>),
    Text(&'a str),
}

/// Runs `sql` for these ids, `{in}` standing for as many of them as one statement takes (after
/// the `leading` values, `$1`…), as many statements as needed.
pub(crate) async fn execute_in(conn: &mut AnyConnection, sql: &str, leading: &[Bind<'_>], ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = sql.replace("{in}", &in_list(chunk.len(), leading.len() + 1));
        let mut q = sqlx::query(&sql);
        for b in leading {
            q = match *b {
                Bind::Int(v) => q.bind(v),
                Bind::Text(s) => q.bind(s),
            };
        }
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Takes `n` ids of `table` for rows the caller inserts with these ids: from the table's sequence
/// on PostgreSQL; on SQLite (one writer, inside its write transaction) after the highest id ever used.
pub(crate) async fn reserve_ids(conn: &mut AnyConnection, table: &str, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if backend_of(conn) == Backend::Postgres {
        return Ok(sqlx::query_scalar(&format!("SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"))
            .bind(n as i64)
            .fetch_all(&mut *conn)
            .await?);
    }
    let last: i64 = sqlx::query_scalar(&format!(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), COALESCE((SELECT MAX(id) FROM {table}), 0))"
    ))
    .fetch_one(&mut *conn)
    .await?;
    Ok((last + 1..=last + n as i64).collect())
}

/// `$first, $first+1, …`: an IN list of `n` placeholders.
pub(crate) fn in_list(n: usize, first: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod list_tests {
    #[test]
    fn placeholder_lists() {
        assert_eq!(super::values_list(2, 3, 2), "($2, $3, $4), ($5, $6, $7)");
        assert_eq!(super::in_list(3, 1), "$1, $2, $3");
        assert_eq!(super::case_list(2, 2), (" WHEN $2 THEN $3 WHEN $4 THEN $5".to_string(), "$2, $4".to_string()));
    }
}
