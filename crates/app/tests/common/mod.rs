//! End-to-end harness: the real `podpora` binary on a random port with a throw-away database
//! (SQLite file or a fresh PostgreSQL database), a real SMTP sink (aiosmtpd writing a maildir),
//! swaks as the sending client. Waits for something poll with a deadline (no fixed sleeps standing in for a condition).
#![allow(dead_code)]

pub mod browser;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_podpora");

pub use podpora_store::testing::free_port;

/// Polls `f` until it returns Some, or panics with `what` after `secs`.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_admin_url() -> String {
    std::env::var("PODPORA_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A database for one test: its URL, dropped at the end on PostgreSQL.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub fn new(backend: Backend, dir: &Path) -> TestDatabase {
        match backend {
            Backend::Sqlite => TestDatabase { url: format!("sqlite://{}/podpora.db", dir.display()), pg_name: None },
            Backend::Postgres => {
                let name = format!("podpora_e2e_{:016x}", rand::random::<u64>());
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let url =
                    rt.block_on(podpora_store::db::create_pg_database(&pg_admin_url(), &name)).expect("PostgreSQL must run for the tests");
                TestDatabase { url, pg_name: Some(name) }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _ = rt.block_on(podpora_store::db::drop_pg_database(&pg_admin_url(), &name));
        }
    }
}

/// A running podpora server.
pub struct Server {
    pub child: Child,
    pub http: String,
    pub smtp_port: u16,
    pub token: String,
    pub dir: tempfile::TempDir,
    pub db: TestDatabase,
    pub env: Vec<(String, String)>,
    pub stdout_log: PathBuf,
}

#[derive(Default)]
pub struct ServerOptions {
    pub relay: Option<String>,
    /// More `PODPORA_*` settings (a blob store, TLS files, …).
    pub env: Vec<(String, String)>,
}

/// A second instance on the same database (its own data dir: no shared disk) using `first`'s token.
pub fn start_second_instance(first: &Server) -> (Child, String, u16, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (http_port, smtp_port) = (free_port(), free_port());
    let mut env = first.env.clone();
    for (k, v) in env.iter_mut() {
        match k.as_str() {
            "PODPORA_DATA_DIR" => *v = dir.path().join("data").display().to_string(),
            "PODPORA_HTTP_ADDR" => *v = format!("127.0.0.1:{http_port}"),
            "PODPORA_SMTP_LISTEN" => *v = format!("127.0.0.1:{smtp_port}"),
            _ => {}
        }
    }
    let child = Command::new(BIN)
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("log"))
        .spawn()
        .expect("start a second podpora");
    wait_for(60, "the second instance to listen", || (port_open(http_port) && port_open(smtp_port)).then_some(()));
    (child, format!("http://127.0.0.1:{http_port}"), smtp_port, dir)
}

impl Server {
    pub fn start(backend: Backend, opts: ServerOptions) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDatabase::new(backend, dir.path());
        let (http_port, smtp_port) = (free_port(), free_port());
        let mut env = vec![
            ("PODPORA_DATA_DIR".to_string(), dir.path().join("data").display().to_string()),
            ("PODPORA_DATABASE_URL".into(), db.url.clone()),
            ("PODPORA_HTTP_ADDR".into(), format!("127.0.0.1:{http_port}")),
            ("PODPORA_SMTP_LISTEN".into(), format!("127.0.0.1:{smtp_port}")),
            ("PODPORA_PUBLIC_URL".into(), "https://help.shop.test".into()),
            ("PODPORA_ADMIN_EMAIL".into(), "admin@shop.test".into()),
            ("PODPORA_ADMIN_PASSWORD".into(), "correct horse battery".into()),
            ("PODPORA_LOG".into(), "info,podpora_mail=debug".into()),
        ];
        if let Some(r) = opts.relay {
            env.push(("PODPORA_SMTP_RELAY".into(), r));
        }
        env.extend(opts.env);
        let stdout_log = dir.path().join("stdout.log");
        let _ = (http_port, smtp_port);
        let (child, http, smtp_port, token) = spawn_serve(&mut env, dir.path(), &stdout_log);
        Server { child, http, smtp_port, token, dir, db, env, stdout_log }
    }

    /// `kill -9`: the process ends at once, mid-write, with nothing cleaned up.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same database and data dir (on new ports).
    pub fn restart(&mut self) {
        let (child, http, smtp_port, _) = spawn_serve(&mut self.env, self.dir.path(), &self.stdout_log);
        (self.child, self.http, self.smtp_port) = (child, http, smtp_port);
    }

    /// The texts the database answers, in its order (`SELECT subject FROM … ORDER BY …`).
    pub fn texts(&self, sql: &str) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = podpora_store::Db::connect(&self.db.url).await.expect("the test database");
            let mut conn = db.conn().await.expect("a connection");
            let v: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *conn).await.expect(sql);
            drop(conn);
            db.close().await;
            v
        })
    }

    /// Runs a statement on the test database.
    pub fn execute(&self, sql: &str) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = podpora_store::Db::connect(&self.db.url).await.expect("the test database");
            let mut conn = db.conn().await.expect("a connection");
            sqlx::query(sql).execute(&mut *conn).await.expect(sql);
            drop(conn);
            db.close().await;
        })
    }

    /// A number the database answers (`SELECT count(*) …`).
    pub fn count(&self, sql: &str) -> i64 {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = podpora_store::Db::connect(&self.db.url).await.expect("the test database");
            let mut conn = db.conn().await.expect("a connection");
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.expect(sql);
            drop(conn);
            db.close().await;
            n
        })
    }
}

/// Starts `podpora serve` with `env` until it listens; returns it, its HTTP URL, its SMTP port
/// and the first admin's token (printed on the first start; empty on later ones).
fn spawn_serve(env: &mut [(String, String)], dir: &Path, stdout_log: &Path) -> (Child, String, u16, String) {
    // A free port can be taken by another test between our check and the server's bind: the
    // server then exits with an error, and we start it again on other ports (same database).
    let first_start = !stdout_log.exists();
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (http_port, smtp_port) = (free_port(), free_port());
            for (k, v) in env.iter_mut() {
                match k.as_str() {
                    "PODPORA_HTTP_ADDR" => *v = format!("127.0.0.1:{http_port}"),
                    "PODPORA_SMTP_LISTEN" => *v = format!("127.0.0.1:{smtp_port}"),
                    _ => {}
                }
            }
            let append = |p: &Path| std::fs::OpenOptions::new().create(true).append(true).open(p).expect("log");
            let mut child = Command::new(BIN)
                .arg("serve")
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(append(stdout_log))
                .stderr(append(&dir.join("stderr.log")))
                .spawn()
                .expect("start podpora serve");
            let up = wait_for(90, "the server to listen or exit", || {
                if port_open(http_port) && port_open(smtp_port) {
                    return Some(true);
                }
                matches!(child.try_wait(), Ok(Some(_))).then_some(false)
            });
            if up {
                // The first start prints the admin's API token once (an earlier attempt may have).
                let token = if first_start {
                    wait_for(30, "the server to print its first admin token", || {
                        let out = std::fs::read_to_string(stdout_log).ok()?;
                        out.lines().find_map(|l| l.trim().strip_prefix("API token:").map(|t| t.trim().to_string()))
                    })
                } else {
                    String::new()
                };
                return (child, format!("http://127.0.0.1:{http_port}"), smtp_port, token);
            }
            assert!(attempt < 3, "the server did not start: {}", std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default());
        }
    }
}

impl Server {
    /// Runs a podpora subcommand against the same configuration.
    pub fn cli(&self, args: &[&str], stdin: &[u8]) -> std::process::Output {
        use std::io::Write;
        let mut c = Command::new(BIN)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run podpora");
        c.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
        c.wait_with_output().expect("wait")
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// Sends a raw message through our SMTP listener with swaks; returns swaks' transcript.
    pub fn swaks(&self, from: &str, to: &str, raw: &str) -> String {
        use std::io::Write;
        let mut c = Command::new("swaks")
            .args([
                "--server",
                "127.0.0.1",
                "--port",
                &self.smtp_port.to_string(),
                "--from",
                from,
                "--to",
                to,
                "--data",
                "-",
                "--timeout",
                "30",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("swaks (Debian package swaks) must be installed");
        c.stdin.take().expect("stdin").write_all(raw.as_bytes()).expect("write");
        let out = c.wait_with_output().expect("swaks");
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "swaks failed: {text}");
        text
    }

    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.request("GET", path, None, Some(&self.token))
    }

    pub fn request(&self, method: &str, path: &str, body: Option<serde_json::Value>, token: Option<&str>) -> (u16, serde_json::Value) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let c = reqwest::Client::new();
            let mut r = c.request(method.parse().unwrap(), format!("{}{}", self.http, path));
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            if let Some(b) = body {
                r = r.json(&b);
            }
            let resp = r.send().await.expect("request");
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
        })
    }

    /// SIGTERM and wait; returns the exit status code.
    pub fn stop(&mut self) -> Option<i32> {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not stop within 60 s after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failing test shows what the server said (its folder is gone afterwards).
        if std::thread::panicking() {
            let log = self.stderr();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!("--- the server's last log lines ---\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A real SMTP server (aiosmtpd) that stores what it receives in a maildir.
pub struct Sink {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Sink {
    pub fn start() -> Sink {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                &dir.path().join("mail").display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd) must be available");
        wait_for(30, "the SMTP sink to listen", || port_open(port).then_some(()));
        Sink { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path().join("mail").join("new"))
            .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// Waits for a message matching `pred` and returns it.
    pub fn wait_message(&self, what: &str, pred: impl Fn(&mail_parser::Message) -> bool) -> Vec<u8> {
        wait_for(30, what, || {
            self.messages().into_iter().find(|raw| mail_parser::MessageParser::default().parse(raw).is_some_and(|m| pred(&m)))
        })
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ticket with this subject, once the router has given it to someone.
pub fn assigned(s: &Server, subject: &str) -> serde_json::Value {
    wait_for(30, &format!("{subject} assigned"), || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        let n = v["tickets"].as_array()?.iter().find(|t| t["subject"] == subject)?["number"].as_i64()?;
        let (_, t) = s.get(&format!("/api/v1/tickets/{n}"));
        t["ticket"]["assignee_id"].as_i64().map(|_| t["ticket"].clone())
    })
}

pub fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default().parse(raw).expect("parsable mail")
}

#[allow(unused_imports)] // (not every test file uses it)
pub use podpora_mail::peers::Dovecot;

/// Sends one message over SMTP (a minimal client, so that a test can stream mail fast); true when
/// the server answered 250 after DATA, i.e. promised to keep it.
pub fn smtp_send(port: u16, from: &str, to: &str, raw: &str) -> bool {
    smtp_deliver(port, from, to, raw).is_ok()
}

/// As `smtp_send`; on a refusal, the code the server answered (0: no answer at all).
pub fn smtp_deliver(port: u16, from: &str, to: &str, raw: &str) -> Result<(), u16> {
    use std::io::{BufRead, BufReader, Write};
    let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return Err(0) };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut out = stream.try_clone().expect("clone");
    let mut input = BufReader::new(stream);
    let mut answer = || -> u16 {
        loop {
            let mut line = String::new();
            if input.read_line(&mut line).unwrap_or(0) == 0 {
                return 0;
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            }
        }
    };
    let mut talk = |cmd: &str, want: u16| -> Result<(), u16> {
        if !cmd.is_empty() && out.write_all(cmd.as_bytes()).is_err() {
            return Err(0);
        }
        match answer() {
            code if code == want => Ok(()),
            code => Err(code),
        }
    };
    let body = raw.replace("\r\n.", "\r\n..");
    let sent = (|| {
        talk("", 220)?;
        talk("EHLO test.local\r\n", 250)?;
        talk(&format!("MAIL FROM:<{from}>\r\n"), 250)?;
        talk(&format!("RCPT TO:<{to}>\r\n"), 250)?;
        talk("DATA\r\n", 354)?;
        talk(&format!("{body}\r\n.\r\n"), 250)
    })();
    let _ = out.write_all(b"QUIT\r\n");
    sent
}

/// A browser-like HTTP client of the agent UI: keeps its session cookie, follows no redirects.
pub struct Client {
    pub http: String,
    pub cookie: String,
    rt: tokio::runtime::Runtime,
    c: reqwest::Client,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Client {
    pub fn new(http: &str) -> Client {
        let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client {
            http: http.to_string(),
            cookie: String::new(),
            rt: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
            c,
        }
    }

    pub fn send(&mut self, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Reply {
        let r = self.rt.block_on(async {
            let mut r = self.c.request(method.parse().unwrap(), format!("{}{}", self.http, path));
            if !self.cookie.is_empty() {
                r = r.header("Cookie", &self.cookie);
            }
            if let Some(f) = form {
                r = r.form(f);
            }
            let resp = r.send().await.expect("request");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            Reply { status, headers, body: resp.text().await.unwrap_or_default() }
        });
        if let Some(set) = r.headers.get("set-cookie").and_then(|v| v.to_str().ok()) {
            self.cookie = set.split(';').next().unwrap_or_default().to_string();
        }
        r
    }

    pub fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send("POST", path, Some(form))
    }

    /// A multipart form: text fields, then files (field name, file name, bytes).
    pub fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Reply {
        let boundary = "podpora-test-boundary-7d1f";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        for (k, name, bytes) in files {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend(*bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let r = self.rt.block_on(async {
            let mut r = self
                .c
                .post(format!("{}{}", self.http, path))
                .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
                .body(body);
            if !self.cookie.is_empty() {
                r = r.header("Cookie", &self.cookie);
            }
            let resp = r.send().await.expect("request");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            Reply { status, headers, body: resp.text().await.unwrap_or_default() }
        });
        r
    }

    pub fn login(&mut self, email: &str, password: &str) -> Reply {
        self.post("/login", &[("email", email), ("password", password), ("next", "/inbox")])
    }

    /// The session's CSRF token, as every page carries it.
    pub fn csrf(&mut self) -> String {
        let page = self.get("/inbox").body;
        let at = page.find("data-csrf=\"").expect("csrf on the page") + 11;
        page[at..at + page[at..].find('"').unwrap()].to_string()
    }
}
