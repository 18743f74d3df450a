//! Content-addressed storage for raw mail and attachments: the same bytes are stored once,
//! under their SHA-256. Three kinds: a local folder (written durably: temp file, fsync, rename,
//! fsync dir) for a single instance; the database's `blobs` table (durable on commit), which
//! every instance shares; and an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph, R2, …;
//! durable once the PUT is answered) for scale-out deployments that keep big bytes out of
//! the database.

use crate::{Db, Result, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    S3 { store: Arc<object_store::aws::AmazonS3>, prefix: String, describe: String },
}

/// Where an S3-compatible bucket is and how to sign in. No Debug: it holds the secret key.
#[derive(Clone, Default)]
pub struct S3Settings {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:9000` for MinIO; none for AWS itself.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Key prefix inside the bucket (e.g. `podpora/`), so one bucket can serve several things.
    pub prefix: String,
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

    /// An S3-compatible bucket. Credentials not given here come from the usual `AWS_*`
    /// variables (and instance metadata on AWS). Path-style requests, which every
    /// S3-compatible server understands; plain http only when the endpoint says so.
    pub fn s3(s: &S3Settings) -> Result<BlobStore> {
        use object_store::aws::AmazonS3Builder;
        if s.bucket.trim().is_empty() {
            return Err(StoreError::Config("the S3 store needs a bucket name".into()));
        }
        let mut b =
            AmazonS3Builder::from_env().with_bucket_name(&s.bucket).with_region(s.region.clone().unwrap_or_else(|| "us-east-1".into()));
        if let Some(e) = &s.endpoint {
            b = b.with_endpoint(e).with_allow_http(e.starts_with("http://"));
        }
        if let Some(k) = &s.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &s.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        // A mail client is waiting for our answer while we store its mail: retry a flaky store
        // a few times, but give up (and let the sender retry) within half a minute.
        let retry = object_store::RetryConfig { max_retries: 4, retry_timeout: std::time::Duration::from_secs(30), ..Default::default() };
        let store = b.with_retry(retry).build().map_err(|e| StoreError::Config(format!("S3 store: {e}")))?;
        let describe = format!("S3 bucket {} at {}", s.bucket, s.endpoint.as_deref().unwrap_or("AWS"));
        let prefix = if s.prefix.is_empty() || s.prefix.ends_with('/') { s.prefix.clone() } else { format!("{}/", s.prefix) };
        Ok(BlobStore::S3 { store: Arc::new(store), prefix, describe })
    }

    /// Whether blobs live in the database (and can be written in its transactions).
    pub fn is_database(&self) -> bool {
        matches!(self, BlobStore::Database { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            BlobStore::Local { root } => format!("local folder {}", root.display()),
            BlobStore::Database { .. } => "database".to_string(),
            BlobStore::S3 { describe, .. } => describe.clone(),
        }
    }

    /// Stores the bytes durably and returns their id. Existing content is not rewritten.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<BlobId> {
        match self {
            BlobStore::Local { root } => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || put_file(&root, &bytes)).await.map_err(|e| StoreError::Io(std::io::Error::other(e)))?
            }
            BlobStore::Database { .. } => self.put_many(vec![bytes]).await?.pop().ok_or_else(|| StoreError::Corrupt("no blob id".into())),
            BlobStore::S3 { store, prefix, .. } => {
                use object_store::ObjectStoreExt;
                let id = BlobId::of(&bytes);
                let key = object_key(prefix, &id);
                match store.head(&key).await {
                    Ok(_) => return Ok(id),
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(s3_error(e)),
                }
                store.put(&key, bytes.into()).await.map_err(s3_error)?;
                Ok(id)
            }
        }
    }

    /// Stores several blobs durably, returning their ids in order: with the database store, what
    /// is not stored yet (asked with a read, outside any write lock) in one transaction with one
    /// multi-row statement; with the other stores all at once.
    pub async fn put_many(&self, items: Vec<Vec<u8>>) -> Result<Vec<BlobId>> {
        let ids: Vec<BlobId> = items.iter().map(|b| BlobId::of(b)).collect();
        match self {
            BlobStore::Database { db } => {
                let keys: Vec<&str> = ids.iter().map(BlobId::as_str).collect();
                let stored: HashSet<String> =
                    crate::db::select_in(&mut *db.conn().await?, "SELECT id FROM blobs WHERE id IN ({in})", &keys)
                        .await?
                        .iter()
                        .map(|r| r.try_get(0))
                        .collect::<Result<_, _>>()?;
                let mut seen = HashSet::new();
                let new: Vec<(&BlobId, Vec<u8>)> =
                    ids.iter().zip(items).filter(|(id, _)| !stored.contains(id.as_str()) && seen.insert(id.as_str())).collect();
                if !new.is_empty() {
                    let mut tx = db.begin().await?;
                    insert_rows(&mut tx, new).await?;
                    tx.commit().await?;
                }
            }
            _ => {
                futures::future::try_join_all(items.into_iter().map(|b| self.put(b))).await?;
            }
        }
        Ok(ids)
    }

    /// Stores several blobs as part of the caller's transaction where the store is the database
    /// (one multi-row statement; they commit, or not, with the rows that refer to them); other
    /// stores write them at once. Their ids in order.
    pub async fn put_many_in(&self, conn: &mut sqlx::AnyConnection, items: Vec<Vec<u8>>) -> Result<Vec<BlobId>> {
        match self {
            BlobStore::Database { .. } => {
                let ids: Vec<BlobId> = items.iter().map(|b| BlobId::of(b)).collect();
                let mut seen = HashSet::new();
                insert_rows(conn, ids.iter().zip(items).filter(|(id, _)| seen.insert(id.as_str())).collect()).await?;
                Ok(ids)
            }
            _ => self.put_many(items).await,
        }
    }

    /// Reads several blobs: one query from the database, all at once from a folder or S3.
    /// Missing ones are left out.
    pub async fn get_many(&self, ids: &[BlobId]) -> Result<HashMap<BlobId, Vec<u8>>> {
        match self {
            BlobStore::Database { db } => {
                let keys: Vec<&str> = ids.iter().map(BlobId::as_str).collect();
                let mut conn = db.conn().await?;
                let mut found = HashMap::new();
                // A few at a time, so that one answer (and the connection's buffer) stays small.
                for chunk in keys.chunks(16) {
                    for r in crate::db::select_in(&mut conn, "SELECT id, data FROM blobs WHERE id IN ({in})", chunk).await? {
                        found.insert(BlobId(r.try_get(0)?), r.try_get(1)?);
                    }
                }
                Ok(found)
            }
            _ => {
                let got = futures::future::join_all(ids.iter().map(|id| async move { (id.clone(), self.get(id).await) })).await;
                let mut found = HashMap::new();
                for (id, r) in got {
                    match r {
                        Ok(b) => {
                            found.insert(id, b);
                        }
                        Err(StoreError::NotFound) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(found)
            }
        }
    }

    /// Writes (once) and reads back the empty blob: done at start, so that a wrong bucket, key or
    /// folder permission is reported then, not with the first customer's mail.
    pub async fn check(&self) -> Result<()> {
        let id = self.put(Vec::new()).await?;
        self.get(&id).await.map(|_| ())
    }

    pub async fn get(&self, id: &BlobId) -> Result<Vec<u8>> {
        match self {
            BlobStore::Local { root } => match tokio::fs::read(file_path(root, id)).await {
                Ok(b) => Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
                Err(e) => Err(e.into()),
            },
            BlobStore::Database { db } => sqlx::query_scalar::<_, Vec<u8>>("SELECT data FROM blobs WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(db.pool())
                .await?
                .ok_or(StoreError::NotFound),
            BlobStore::S3 { store, prefix, .. } => {
                use object_store::ObjectStoreExt;
                match store.get(&object_key(prefix, id)).await {
                    Ok(r) => Ok(r.bytes().await.map_err(s3_error)?.to_vec()),
                    Err(object_store::Error::NotFound { .. }) => Err(StoreError::NotFound),
                    Err(e) => Err(s3_error(e)),
                }
            }
        }
    }

    /// The bytes `range` of a blob (fewer where it is shorter): an attachment inside a stored mail
    /// is read without reading the whole mail.
    pub async fn get_range(&self, id: &BlobId, range: std::ops::Range<u64>) -> Result<Vec<u8>> {
        let len = range.end.saturating_sub(range.start);
        match self {
            BlobStore::Local { root } => {
                let path = file_path(root, id);
                tokio::task::spawn_blocking(move || {
                    use std::io::{Read, Seek};
                    let mut f = match std::fs::File::open(path) {
                        Ok(f) => f,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::NotFound),
                        Err(e) => return Err(e.into()),
                    };
                    f.seek(std::io::SeekFrom::Start(range.start))?;
                    let mut out = Vec::new();
                    f.take(len).read_to_end(&mut out)?;
                    Ok(out)
                })
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
            }
            BlobStore::Database { db } => {
                // substr counts from 1; a compressed value is decompressed in the server, not sent whole.
                let (from, n) =
                    (i64::try_from(range.start).unwrap_or(i64::MAX - 1).saturating_add(1), i64::try_from(len).unwrap_or(i64::MAX));
                sqlx::query_scalar::<_, Vec<u8>>("SELECT substr(data, CAST($2 AS INTEGER), CAST($3 AS INTEGER)) FROM blobs WHERE id = $1")
                    .bind(id.as_str())
                    .bind(from.min(i32::MAX as i64))
                    .bind(n.min(i32::MAX as i64))
                    .fetch_optional(db.pool())
                    .await?
                    .ok_or(StoreError::NotFound)
            }
            BlobStore::S3 { store, prefix, .. } => {
                use object_store::ObjectStoreExt;
                let key = object_key(prefix, id);
                // S3 refuses a range that starts past the end: the range is cut to the object's size.
                let size = match store.head(&key).await {
                    Ok(meta) => meta.size,
                    Err(object_store::Error::NotFound { .. }) => return Err(StoreError::NotFound),
                    Err(e) => return Err(s3_error(e)),
                };
                let range = range.start.min(size)..range.end.min(size);
                if range.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(store.get_range(&key, range).await.map_err(s3_error)?.to_vec())
            }
        }
    }
}

/// `<prefix>ab/cd/abcd…`: the same fan-out as the folder store, so listings stay browsable.
fn object_key(prefix: &str, id: &BlobId) -> object_store::path::Path {
    object_store::path::Path::from(format!("{prefix}{}/{}/{}", &id.0[..2], &id.0[2..4], id.0))
}

fn s3_error(e: object_store::Error) -> StoreError {
    StoreError::Io(std::io::Error::other(format!("S3: {e}")))
}

/// Multi-row inserts of new blobs, a statement per few megabytes.
/// Small enough that a connection's buffers (kept by the pool) stay small.
pub(crate) const BYTES_PER_STATEMENT: usize = 1 << 20;
/// Writing blobs to the database: this, the VALUES (id, size, data, created_at), then `INSERT_TAIL`.
pub(crate) const INSERT_HEAD: &str = "INSERT INTO blobs (id, size, data, created_at) VALUES ";
pub(crate) const INSERT_TAIL: &str = " ON CONFLICT (id) DO NOTHING";

async fn insert_rows(conn: &mut sqlx::AnyConnection, rows: Vec<(&BlobId, Vec<u8>)>) -> Result<()> {
    let now = crate::now_ms();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut chunk = Vec::new();
        let mut bytes = 0;
        while let Some((_, b)) = rows.peek() {
            if !chunk.is_empty() && (bytes + b.len() > BYTES_PER_STATEMENT || chunk.len() >= crate::db::ROWS_PER_STATEMENT) {
                break;
            }
            bytes += b.len();
            chunk.push(rows.next().expect("peeked"));
        }
        let sql = format!("{INSERT_HEAD}{}{INSERT_TAIL}", crate::db::values_list(chunk.len(), 4, 1));
        let mut q = sqlx::query(&sql);
        for (id, b) in chunk {
            q = q.bind(id.as_str().to_string()).bind(b.len() as i64).bind(b).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
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
        // Several at once: in order, duplicates and already stored ones included.
        let ids = s.put_many(vec![b"one".to_vec(), b"hello".to_vec(), b"one".to_vec(), bin.clone()]).await.unwrap();
        assert_eq!(ids, vec![BlobId::of(b"one"), a.clone(), BlobId::of(b"one"), c.clone()]);
        let got = s.get_many(&[ids[0].clone(), a.clone(), BlobId::of(b"nope"), c.clone()]).await.unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[&ids[0]], b"one");
        assert_eq!(got[&c], bin);
        assert!(s.put_many(Vec::new()).await.unwrap().is_empty());
        // Ranges, also past the end.
        assert_eq!(s.get_range(&c, 1000..1010).await.unwrap(), bin[1000..1010]);
        assert_eq!(s.get_range(&a, 3..100).await.unwrap(), b"lo");
        assert!(s.get_range(&a, 10..20).await.unwrap().is_empty());
        assert!(matches!(s.get_range(&BlobId::of(b"nope"), 0..1).await, Err(StoreError::NotFound)));
    }

    /// Against a real S3-compatible server (moto's, started here on a loopback port).
    #[tokio::test]
    async fn s3_store() {
        let server = crate::testing::S3Server::start();
        let store = BlobStore::s3(&server.settings("podpora/")).unwrap();
        dedupes_and_reads_back(&store).await;
        // Objects are where the key scheme says, under the prefix.
        let id = BlobId::of(b"hello");
        let BlobStore::S3 { store: client, .. } = &store else { unreachable!() };
        let key = format!("podpora/{}/{}/{}", &id.0[..2], &id.0[2..4], id.0);
        let meta = object_store::ObjectStoreExt::head(client.as_ref(), &key.as_str().into()).await.unwrap();
        assert_eq!(meta.size, 5);
        // A store that cannot be reached is an error, not a hang or a panic.
        let gone = BlobStore::s3(&S3Settings {
            endpoint: Some(format!("http://127.0.0.1:{}", crate::testing::free_port())),
            ..server.settings("")
        })
        .unwrap();
        assert!(matches!(gone.put(b"x".to_vec()).await, Err(StoreError::Io(_))));
        assert!(gone.check().await.is_err());
        store.check().await.unwrap();
        assert!(BlobStore::s3(&S3Settings::default()).is_err());
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
