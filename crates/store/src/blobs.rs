//! Content-addressed storage for raw mail and attachments: the same bytes are stored once,
//! under their SHA-256. Two kinds: a local folder (written durably: temp file, fsync, rename,
//! fsync dir) for a single instance, and the database's `blobs` table (durable on commit), which
//! every instance of a scale-out deployment shares. An S3-compatible store slots in behind the
//! same functions.

use crate::{Db, Result, StoreError};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The SHA-256 of a blob, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobId(String);

impl BlobId {
    pub fn of(bytes: &[u8]) -> BlobId {
        BlobId(hex::encode(Sha256::digest(bytes)))
    }
    pub fn parse(s: &str) -> Result<BlobId> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            Ok(BlobId(s.to_string()))
        } else {
            Err(StoreError::Corrupt(format!("not a blob id: {}", s.chars().take(80).collect::<String>())))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub enum BlobStore {
    Local { root: PathBuf },
    Database { db: Db },
}

impl BlobStore {
    pub fn local(root: impl Into<PathBuf>) -> Result<BlobStore> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobStore::Local { root })
    }

    pub fn database(db: Db) -> BlobStore {
        BlobStore::Database { db }
    }

    /// Whether blobs live in the database (and can be written in its transactions).
    pub fn is_database(&self) -> bool {
        matches!(self, BlobStore::Database { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            BlobStore::Local { root } => format!("local folder {}", root.display()),
            BlobStore::Database { .. } => "database".to_string(),
        }
    }

    /// Stores the bytes durably and returns their id. Existing content is not rewritten.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<BlobId> {
        match self {
            BlobStore::Local { root } => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || put_file(&root, &bytes)).await.map_err(|e| StoreError::Io(std::io::Error::other(e)))?
            }
            BlobStore::Database { db } => {
                let id = BlobId::of(&bytes);
                let exists: Option<i64> = sqlx::query_scalar("SELECT size FROM blobs WHERE id = $1").bind(id.as_str()).fetch_optional(db.pool()).await?;
                if exists.is_none() {
                    let mut tx = db.begin().await?;
                    insert_row(&mut tx, &id, bytes).await?;
                    tx.commit().await?;
                }
                Ok(id)
            }
        }
    }

    /// Stores bytes as part of the caller's transaction where the store is the database (the blob
    /// then commits, or not, with the row that refers to it); a folder store writes at once.
    pub async fn put_in(&self, conn: &mut sqlx::AnyConnection, bytes: Vec<u8>) -> Result<BlobId> {
        match self {
            BlobStore::Local { .. } => self.put(bytes).await,
            BlobStore::Database { .. } => {
                let id = BlobId::of(&bytes);
                insert_row(conn, &id, bytes).await?;
                Ok(id)
            }
        }
    }

    pub async fn get(&self, id: &BlobId) -> Result<Vec<u8>> {
        match self {
            BlobStore::Local { root } => match tokio::fs::read(file_path(root, id)).await {
                Ok(b) => Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
                Err(e) => Err(e.into()),
            },
            BlobStore::Database { db } => {
                sqlx::query_scalar::<_, Vec<u8>>("SELECT data FROM blobs WHERE id = $1").bind(id.as_str()).fetch_optional(db.pool()).await?.ok_or(StoreError::NotFound)
            }
        }
    }
}

async fn insert_row(conn: &mut sqlx::AnyConnection, id: &BlobId, bytes: Vec<u8>) -> Result<()> {
    sqlx::query("INSERT INTO blobs (id, size, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
        .bind(id.as_str())
        .bind(bytes.len() as i64)
        .bind(bytes)
        .bind(crate::now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

fn file_path(root: &Path, id: &BlobId) -> PathBuf {
    root.join(&id.0[..2]).join(&id.0[2..4]).join(&id.0)
}

fn put_file(root: &Path, bytes: &[u8]) -> Result<BlobId> {
    {
        let id = BlobId::of(bytes);
        let path = file_path(root, &id);
        if path.exists() {
            return Ok(id);
        }
        let dir = path.parent().expect("blob path has a parent");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile_in(&root.join("tmp"))?;
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, &path)?;
        sync_dir(dir)?;
        Ok(id)
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    use rand::Rng;
    loop {
        let name: u64 = rand::thread_rng().gen();
        let p = dir.join(format!("{name:016x}.tmp"));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn dedupes_and_reads_back(s: &BlobStore) {
        let a = s.put(b"hello".to_vec()).await.unwrap();
        let b = s.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(s.get(&a).await.unwrap(), b"hello");
        let bin: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let c = s.put(bin.clone()).await.unwrap();
        assert_eq!(s.get(&c).await.unwrap(), bin);
        assert!(matches!(s.get(&BlobId::of(b"nope")).await, Err(StoreError::NotFound)));
        assert!(BlobId::parse("../../etc/passwd").is_err());
    }

    #[tokio::test]
    async fn local_and_database_stores() {
        let d = tempfile::tempdir().unwrap();
        dedupes_and_reads_back(&BlobStore::local(d.path()).unwrap()).await;
        crate::testing::for_each_backend(|t| async move {
            dedupes_and_reads_back(&BlobStore::database(t.db.clone())).await;
            t
        })
        .await;
    }
}
