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

/// A real S3-compatible server for tests: moto's (`pip install 'moto[server]'`, which `.ci/run`
/// does), on a free loopback port, with one empty bucket. Stopped when dropped.
pub struct S3Server {
    child: std::process::Child,
    pub port: u16,
    pub bucket: String,
}

impl S3Server {
    pub fn start() -> S3Server {
        let port = free_port();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server must be installed for the S3 tests: pip install 'moto[server]'");
        let mut server = S3Server { child, port, bucket: "podpora-test".into() };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        // Creating the bucket is also the readiness check.
        while server.http("PUT", &format!("/{}", server.bucket)) != Some(200) {
            assert!(std::time::Instant::now() < deadline, "moto_server did not start on port {port}");
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto_server exited: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }

    /// Settings for the test bucket (moto accepts any credentials).
    pub fn settings(&self, prefix: &str) -> crate::S3Settings {
        crate::S3Settings {
            bucket: self.bucket.clone(),
            endpoint: Some(self.endpoint()),
            region: Some("us-east-1".into()),
            access_key_id: Some("test".into()),
            secret_access_key: Some("test".into()),
            prefix: prefix.into(),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The status of an unsigned request (moto does not check signatures); a few lines of
    /// HTTP/1.0 keep an HTTP client out of the store's dependencies.
    fn http(&self, method: &str, path: &str) -> Option<u16> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
        write!(s, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\r\n", self.port).ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on (at the moment of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Moves a ticket into the past by `ms`: as if it had been opened and last changed that much
/// earlier, with its messages, its SLA clock and the scheduled rules' looks at it (scheduled
/// rules and SLA clocks, without waiting); its clock is queued to be looked at again.
pub async fn age_ticket(db: &Db, ticket_id: i64, ms: i64) {
    let mut tx = db.begin().await.expect("begin");
    sqlx::query("UPDATE tickets SET created_at = created_at - $1, updated_at = updated_at - $1 WHERE id = $2")
        .bind(ms)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await
        .expect("age ticket");
    for sql in [
        "UPDATE rule_runs SET checked_at = checked_at - $1 WHERE ticket_id = $2",
        "UPDATE tickets SET first_response_at = first_response_at - $1, awaiting_since = awaiting_since - $1, solved_at = solved_at - $1, \
         sla_due_at = sla_due_at - $1, sla_warn_at = sla_warn_at - $1, sla_next_at = sla_next_at - $1 WHERE id = $2",
        "UPDATE messages SET created_at = created_at - $1 WHERE ticket_id = $2",
        "UPDATE ticket_pauses SET started_at = started_at - $1, ended_at = ended_at - $1 WHERE ticket_id = $2",
        "UPDATE sla_events SET started_at = started_at - $1, due_at = due_at - $1, met_at = met_at - $1, at = at - $1 WHERE ticket_id = $2",
    ] {
        sqlx::query(sql).bind(ms).bind(ticket_id).execute(&mut *tx).await.expect("age what is known of it");
    }
    crate::sla::queue_in(&mut tx, &[ticket_id]).await.expect("its clock is looked at again");
    tx.commit().await.expect("commit");
}
