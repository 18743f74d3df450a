//! Throw-away databases for tests: a SQLite file in a temp dir, and a fresh PostgreSQL database
//! on the server named by `PODPORA_TEST_PG_URL` (default: the machine's local server).

use crate::Db;
use std::future::Future;

pub struct TestDb {
    pub db: Db,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL URL (None on SQLite), for tests that open their own connections.
    pub url: Option<String>,
    pg_name: Option<String>,
}

pub fn pg_admin_url() -> String {
    std::env::var("PODPORA_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/podpora.db", dir.path().display());
    let db = Db::connect(&url).await.expect("sqlite");
    db.migrate().await.expect("migrate sqlite");
    TestDb { db, dir, url: None, pg_name: None }
}

pub async fn postgres() -> TestDb {
    let (url, name) = fresh_pg_database().await;
    let db = Db::connect(&url).await.expect("postgres");
    db.migrate().await.expect("migrate postgres");
    TestDb { db, dir: tempfile::tempdir().expect("temp dir"), url: Some(url), pg_name: Some(name) }
}

/// Creates an empty PostgreSQL database and returns its URL and name.
pub async fn fresh_pg_database() -> (String, String) {
    use rand::Rng;
    let name = format!("podpora_t_{:016x}", rand::thread_rng().gen::<u64>());
    let url = crate::db::create_pg_database(&pg_admin_url(), &name).await.expect("PostgreSQL must run for the tests (PODPORA_TEST_PG_URL)");
    (url, name)
}

pub async fn drop_pg_database(name: &str) {
    let _ = crate::db::drop_pg_database(&pg_admin_url(), name).await;
}

impl TestDb {
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(n) = &self.pg_name {
            drop_pg_database(n).await;
        }
    }
}

/// Runs the test body once on SQLite and once on PostgreSQL; the body hands the TestDb back for cleanup.
pub async fn for_each_backend<F, Fut>(body: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = TestDb>,
{
    for make in [0, 1] {
        let t = if make == 0 { sqlite().await } else { postgres().await };
        body(t).await.cleanup().await;
    }
}
