//! For tests of this crate and the crates above it (feature `testing`): the mail pipeline over a
//! throw-away database.

use crate::{Limits, Mailroom};
use podpora_domain::token::ReplyKey;
use podpora_store::testing::TestDb;
use podpora_store::BlobStore;
use std::sync::Arc;

/// A `Mailroom` over the test database: blobs in the database on PostgreSQL (as `serve` keeps
/// them), in a folder on SQLite.
pub fn room(t: &TestDb) -> Mailroom {
    Mailroom {
        db: t.db.clone(),
        blobs: if t.url.is_some() {
            BlobStore::database(t.db.clone())
        } else {
            BlobStore::local(t.dir.path().join("blobs")).expect("blob folder")
        },
        key: ReplyKey::new(vec![7u8; 32]).expect("key"),
        host: "test.localhost".into(),
        installation: "test".into(),
        public_url: "http://test.localhost".into(),
        limits: Limits::default(),
        plus_reply_to: false,
        wake: Arc::new(tokio::sync::Notify::new()),
        work: Arc::new(tokio::sync::Notify::new()),
        accepts: Default::default(),
        instance: crate::start_instance(&t.db),
        backlog: crate::Backlog::new(crate::Backlog::DEFAULT_LIMIT),
    }
}
