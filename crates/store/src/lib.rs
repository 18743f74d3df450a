//! Persistence for both backends (SQLite and PostgreSQL) through one SQL code path (sqlx's `Any`
//! driver, `$N` placeholders work on both); backend-specific SQL only where it matters (ticket
//! numbers, job claiming, search, bulk accepts). Also the content-addressed blob store for raw
//! mail and attachments. Only this crate writes SQL; it does not know who is asking (the command
//! layer checks rights) nor anything of HTTP or mail formats.

pub mod activity;
pub mod blobs;
pub mod canned;
pub mod customers;
pub mod db;
pub mod events;
pub mod inbound;
pub mod jobs;
pub mod kb;
pub mod mailboxes;
pub mod messages;
pub mod notifications;
pub mod organisations;
pub mod outbox;
pub mod routing;
pub mod rules;
pub mod search;
pub mod seed;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod teams;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tickets;
pub mod users;
mod vocabulary;

pub use blobs::{BlobId, BlobStore, S3Settings};
pub use db::{Backend, Counters, Db, WriteTx};
/// A database connection (a pooled one, or a `WriteTx`), for functions that work on either.
pub type Conn = sqlx::AnyConnection;

/// The one error type of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("blob store: {0}")]
    Io(#[from] std::io::Error),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL: {0}")]
    Url(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl From<podpora_domain::DomainError> for StoreError {
    fn from(e: podpora_domain::DomainError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch: the one time representation in the database.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// True when a database error is a unique-constraint violation (both backends).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("23505") | Some("2067") | Some("1555")) || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
