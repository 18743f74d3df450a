//! Mail keeps moving through crashes: `kill -9` of `serve` while mail streams in over SMTP; every
//! message the server answered 250 is processed within seconds after a restart (SQLite) or by
//! the surviving instance (PostgreSQL), none twice, one acknowledgement each. The same during an
//! IMAP fetch of a backlog: after a restart the fetch resumes, in order, nothing twice. A second
//! `serve` on the same SQLite database is refused.

mod common;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Senders stream mail into `port` until `stop`; returns the subjects the server answered 250.
fn stream_mail(port: u16, senders: usize, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<Vec<String>>> {
    (0..senders)
        .map(|s| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut accepted = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let subject = format!("crash-{s}-{i}");
                    let raw = format!(
                        "From: c{s}x{i}@customer.test\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMessage-ID: <{subject}@customer.test>\r\n\r\nPlease help, {subject}.\r\n"
                    );
                    if smtp_send(port, &format!("c{s}x{i}@customer.test"), "help@shop.test", &raw) {
                        accepted.push(subject);
                    } else {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                accepted
            })
        })
        .collect()
}

/// Every accepted subject is a processed ticket message, exactly once, with one acknowledgement
/// each, and nothing is left waiting.
fn all_processed_once(s: &Server, accepted: &[String]) -> Option<()> {
    let waiting = s.count("SELECT count(*) FROM inbound WHERE status = 'received'");
    let tickets = s.count("SELECT count(*) FROM tickets WHERE subject LIKE 'crash-%'");
    let acks_sent = s.count("SELECT count(*) FROM outbox WHERE purpose = 'ack' AND status = 'sent'");
    (waiting == 0 && tickets >= accepted.len() as i64 && acks_sent == tickets).then_some(())
}

fn check_once(s: &Server, accepted: &[String], outboxes: &[std::path::PathBuf]) {
    assert_eq!(s.count("SELECT count(*) FROM (SELECT subject FROM tickets GROUP BY subject HAVING count(*) > 1) d"), 0, "a ticket twice");
    assert_eq!(
        s.count("SELECT count(*) FROM (SELECT message_id FROM messages WHERE message_id LIKE '%crash-%' GROUP BY message_id HAVING count(*) > 1) d"),
        0,
        "a message twice"
    );
    assert_eq!(
        s.count("SELECT count(*) FROM (SELECT ticket_id FROM outbox WHERE purpose = 'ack' GROUP BY ticket_id HAVING count(*) > 1) d"),
        0,
        "an acknowledgement twice"
    );
    // Each outbox mail is written as `<id>-<purpose>.eml`. A mail the killed instance had
    // written but not yet recorded as sent is written again by the one that took over (as a
    // relay that took a mail whose 250 was never recorded gets it again): the same name.
    let mut names: Vec<String> = outboxes
        .iter()
        .flat_map(|o| std::fs::read_dir(o).into_iter().flatten().flatten().map(|e| e.file_name().to_string_lossy().to_string()))
        // (A file being written when the process was killed is left under a temporary name.)
        .filter(|name| !name.starts_with('.'))
        .collect();
    let written = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len() as i64, s.count("SELECT count(*) FROM outbox WHERE status = 'sent'"), "one .eml per sent mail");
    eprintln!("{} acknowledgements written again after the crash", written - names.len());
    for subject in accepted {
        assert_eq!(s.count(&format!("SELECT count(*) FROM tickets WHERE subject = '{subject}'")), 1, "{subject} was accepted");
    }
}

/// Streams mail, kills the server mid-stream, waits until everything accepted is processed.
/// `recover` brings the processing back (a restart, or another instance) and returns the server
/// whose database and outbox to check.
fn kill_during_stream(s: &mut Server, outboxes: &[std::path::PathBuf], recover: impl FnOnce(&mut Server)) {
    let stop = Arc::new(AtomicBool::new(false));
    let senders = stream_mail(s.smtp_port, 6, stop.clone());
    // Let a few hundred arrive, then kill it mid-write.
    wait_for(60, "mail to arrive", || (s.count("SELECT count(*) FROM inbound") >= 150).then_some(()));
    s.kill9();
    stop.store(true, Ordering::Relaxed);
    let accepted: Vec<String> = senders.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(accepted.len() >= 150, "{} accepted", accepted.len());
    let started = Instant::now();
    recover(s);
    wait_for(10, "every accepted mail processed and acknowledged within 10 s", || all_processed_once(s, &accepted));
    eprintln!("{} accepted mails processed {:?} after recovery started", accepted.len(), started.elapsed());
    check_once(s, &accepted, outboxes);
}

fn add_mailbox(s: &Server) {
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop"], b"").status.success());
}

#[test]
fn sqlite_restart_after_kill9_resumes_at_once() {
    let mut s = Server::start(Backend::Sqlite, ServerOptions::default());
    add_mailbox(&s);
    let outbox = s.dir.path().join("data").join("outbox");
    kill_during_stream(&mut s, &[outbox], |s| s.restart());
    // The restarted server owns the database: a second one is refused with a clear message.
    let second = s.cli(&["serve"], b"");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success() && err.contains("already running on this SQLite database"), "{err}");
    assert_eq!(s.get("/healthz").0, 200, "the first one keeps running");
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn postgres_survivor_takes_over_a_killed_instance() {
    let mut a = Server::start(Backend::Postgres, ServerOptions::default());
    add_mailbox(&a);
    // B runs beside A from the start; A is killed mid-stream, B finishes what A accepted.
    let (mut b, _b_http, _b_smtp, b_dir) = start_second_instance(&a);
    let outboxes = [a.dir.path().join("data").join("outbox"), b_dir.path().join("data").join("outbox")];
    kill_during_stream(&mut a, &outboxes, |_| {});
    let _ = std::process::Command::new("kill").arg("-TERM").arg(b.id().to_string()).status();
    assert_eq!(b.wait().unwrap().code(), Some(0));
}

/// `kill -9` while a backlog is being fetched from Dovecot; the restarted server processes what
/// was stored before the kill within 10 s and fetches the rest: every mail once, in order, one
/// acknowledgement each, all flagged \Seen.
fn kill_during_imap_fetch(backend: Backend) {
    let n = 400;
    let dv = Dovecot::start();
    let mails: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            let raw = format!(
                "From: c{i}@customer.test\r\nTo: help@shop.test\r\nSubject: imap-{i:04}\r\nMessage-ID: <imap-{i}@customer.test>\r\n\r\nMail {i}.\r\n"
            );
            (format!("{:010}.M{i}P1.test", 1_700_000_000 + i), raw.into_bytes())
        })
        .collect();
    dv.deliver_many(&mails).unwrap();
    let mut s = Server::start(backend, ServerOptions::default());
    let out = s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop", "--imap", &dv.url()], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_for(60, "the fetch to be under way", || (s.count("SELECT count(*) FROM inbound") >= 50).then_some(()));
    s.kill9();
    let stored = s.count("SELECT count(*) FROM inbound");
    s.restart();
    wait_for(10, "the mail stored before the kill processed within 10 s", || {
        (s.count("SELECT count(*) FROM tickets") >= stored && s.count("SELECT count(*) FROM inbound WHERE status = 'received'") == 0)
            .then_some(())
    });
    wait_for(90, "the whole backlog", || {
        (s.count("SELECT count(*) FROM tickets") == n as i64
            && s.count("SELECT count(*) FROM outbox WHERE purpose = 'ack' AND status = 'sent'") == n as i64)
            .then_some(())
    });
    eprintln!("{stored} of {n} stored before the kill");
    let subjects = s.texts("SELECT subject FROM tickets ORDER BY id");
    let expected: Vec<String> = (0..n).map(|i| format!("imap-{i:04}")).collect();
    assert_eq!(subjects, expected, "every mail once, in order");
    assert_eq!(s.count("SELECT count(*) FROM inbound WHERE status = 'processed'"), n as i64, "nothing stored twice");
    wait_for(30, "all flagged as seen", || (dv.seen_count() == n).then_some(()));
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn sqlite_imap_fetch_resumes_after_kill9() {
    kill_during_imap_fetch(Backend::Sqlite);
}

#[test]
fn postgres_imap_fetch_resumes_after_kill9() {
    kill_during_imap_fetch(Backend::Postgres);
}
