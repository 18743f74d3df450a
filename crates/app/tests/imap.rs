//! IMAP polling against a real Dovecot, on SQLite and PostgreSQL: a backlog is fetched in order,
//! every message lands once, is marked \Seen only after it is stored, new mail arriving while the
//! server waits in IDLE is picked up, and a wrong password is reported on the mailbox in plain words.

mod common;
use common::*;

fn mail(i: usize) -> String {
    format!("From: Customer {i} <c{i}@customer.test>\r\nTo: help@shop.test\r\nSubject: Backlog {i}\r\nMessage-ID: <b{i}@customer.test>\r\nDate: Mon, 23 Nov 2026 10:{:02}:00 +0100\r\n\r\nMessage number {i}.\r\n", i % 60)
}

fn imap_fetch(backend: Backend) {
    let mut dv = Dovecot::start();
    for i in 0..30 {
        dv.deliver(&format!("{:010}.M{i}P1.test", 1_700_000_000 + i), mail(i).as_bytes());
    }
    let mut s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    let out = s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop", "--imap", &dv.url()], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The running server picks the mailbox up and fetches the backlog, in order, once.
    wait_for(60, "the backlog to become tickets", || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        (v["tickets"].as_array()?.len() == 30).then_some(())
    });
    let (_, v) = s.get("/api/v1/tickets?limit=200&sort=oldest");
    let subjects: Vec<String> = v["tickets"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap().to_string()).collect();
    let expected: Vec<String> = (0..30).map(|i| format!("Backlog {i}")).collect();
    assert_eq!(subjects, expected, "the backlog must land in arrival order");
    wait_for(30, "all messages flagged as seen", || (dv.seen_count() == 30).then_some(()));

    // New mail while the fetcher waits (IDLE) arrives without another command.
    dv.deliver("1800000000.M99P1.test", mail(99).as_bytes());
    wait_for(60, "the new mail", || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        (v["tickets"].as_array()?.len() == 31).then_some(())
    });
    // (The fetcher records its count after the mail is stored and flagged, so the ticket can
    // appear a moment before the count does.)
    let m = wait_for(30, "the fetch count", || {
        let (_, mbs) = s.get("/api/v1/mailboxes");
        let m = mbs["mailboxes"][0].clone();
        (m["fetched_count"] == 31).then_some(m)
    });
    assert!(m["last_fetch_at"].as_i64().is_some() && m["last_error"].is_null(), "{m}");

    // A manual fetch while the server fetches the mailbox stores nothing (the server holds its
    // lease) and says so.
    let out = s.cli(&["mailbox", "fetch", "--address", "help@shop.test"], b"");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("0 new messages"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The connection drops (the IMAP server restarts) while the fetcher waits in IDLE: it
    // reconnects and picks up new mail.
    dv.restart(false).unwrap();
    dv.deliver("1800000001.M100P1.test", mail(100).as_bytes());
    wait_for(60, "mail after a dropped connection", || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        (v["tickets"].as_array()?.len() == 32).then_some(())
    });
    // The folder is rebuilt (a new UIDVALIDITY, every message a new UID): it is read again from
    // the start, and nothing already stored is stored twice.
    dv.restart(true).unwrap();
    dv.deliver("1800000002.M101P1.test", mail(101).as_bytes());
    wait_for(60, "mail after a new UIDVALIDITY", || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        (v["tickets"].as_array()?.len() == 33).then_some(())
    });
    assert_eq!(s.count("SELECT count(*) FROM inbound"), 33, "nothing stored twice");

    // A wrong password is reported on the mailbox in plain words.
    let bad = dv.url().replace(&dv.password, "wrong");
    let out = s.cli(&["mailbox", "add", "--address", "sales@shop.test", "--imap", &bad], b"");
    assert!(out.status.success());
    let out = s.cli(&["mailbox", "fetch", "--address", "sales@shop.test"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("authentication failed"), "{}", String::from_utf8_lossy(&out.stderr));
    wait_for(30, "the error on the mailbox", || {
        let (_, v) = s.get("/api/v1/mailboxes");
        v["mailboxes"]
            .as_array()?
            .iter()
            .find(|m| m["address"] == "sales@shop.test" && m["last_error"].as_str().is_some_and(|e| e.contains("authentication failed")))
            .cloned()
    });
    let out = s.cli(&["mailbox", "test", "--imap", &dv.url()], b"");
    assert!(String::from_utf8_lossy(&out.stdout).contains("connected"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(s.stop(), Some(0), "{}\n{}", s.stderr(), dv.log());
}

#[test]
fn imap_fetch_sqlite() {
    imap_fetch(Backend::Sqlite);
}

#[test]
fn imap_fetch_postgres() {
    imap_fetch(Backend::Postgres);
}
