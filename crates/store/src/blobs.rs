//! Content-addressed storage for raw mail and attachments: the same bytes are stored once,
//! under their SHA-256. Local folder now (written durably: temp file, fsync, rename, fsync dir);
//! an S3-compatible store slots in behind the same functions.

use crate::{Result, StoreError};
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
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn local(root: impl Into<PathBuf>) -> Result<BlobStore> {
        let root = root.into();
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobStore { root })
    }

    fn path(&self, id: &BlobId) -> PathBuf {
        self.root.join(&id.0[..2]).join(&id.0[2..4]).join(&id.0)
    }

    /// Stores the bytes durably and returns their id. Existing content is not rewritten.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<BlobId> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.put_blocking(&bytes)).await.map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }

    pub fn put_blocking(&self, bytes: &[u8]) -> Result<BlobId> {
        let id = BlobId::of(bytes);
        let path = self.path(&id);
        if path.exists() {
            return Ok(id);
        }
        let dir = path.parent().expect("blob path has a parent");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile_in(&self.root.join("tmp"))?;
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, &path)?;
        sync_dir(dir)?;
        Ok(id)
    }

    pub async fn get(&self, id: &BlobId) -> Result<Vec<u8>> {
        match tokio::fs::read(self.path(id)).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
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

    #[tokio::test]
    async fn dedupes_and_reads_back() {
        let d = tempfile::tempdir().unwrap();
        let s = BlobStore::local(d.path()).unwrap();
        let a = s.put(b"hello".to_vec()).await.unwrap();
        let b = s.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(s.get(&a).await.unwrap(), b"hello");
        assert!(matches!(s.get(&BlobId::of(b"nope")).await, Err(StoreError::NotFound)));
        assert!(BlobId::parse("../../etc/passwd").is_err());
    }
}
