//! Backpressure: when processing falls behind (here: a mailbox's processing held up on purpose),
//! the SMTP listener still takes mail durably until the waiting queue reaches its limit, then
//! answers 451 (the sender retries later; nothing is lost), `/readyz` says the server is behind
//! and `/metrics` shows it; once processing catches up, mail is taken again and everything
//! accepted becomes a ticket.

mod common;
use common::*;

fn mail(i: usize) -> String {
    format!("From: c{i}@customer.test\r\nTo: help@shop.test\r\nSubject: flood-{i}\r\nMessage-ID: <flood-{i}@customer.test>\r\n\r\nHello {i}.\r\n")
}

#[test]
fn a_full_queue_answers_451_and_recovers() {
    let s = Server::start(Backend::Sqlite, ServerOptions { relay: None, env: vec![("PODPORA_INBOUND_QUEUE_LIMIT".into(), "5".into())] });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop"], b"").status.success());
    // Processing of the mailbox is stuck: another holder keeps its lease.
    s.execute("INSERT INTO leases (name, holder, until) VALUES ('ingest:1', 'test/stuck', 99999999999999)");
    let mut accepted = 0;
    let refused = wait_for(30, "a 451 once the queue is full", || {
        accepted += 1;
        match smtp_deliver(s.smtp_port, "c@customer.test", "help@shop.test", &mail(accepted)) {
            Ok(()) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            }
            Err(code) => {
                accepted -= 1;
                Some(code)
            }
        }
    });
    assert_eq!(refused, 451);
    assert!(accepted >= 5, "{accepted} taken before the limit");
    assert_eq!(s.count("SELECT count(*) FROM inbound WHERE status = 'received'"), accepted as i64, "what was answered 250 is stored");
    let (status, body) = s.request("GET", "/readyz", None, None);
    assert_eq!(status, 503);
    assert!(body.as_str().unwrap_or_default().contains("behind"), "{body}");
    let (_, metrics) = s.request("GET", "/metrics", None, None);
    assert!(metrics.as_str().unwrap_or_default().contains("podpora_inbound_backpressure 1"), "{metrics}");

    // Processing resumes: the queue drains, the server is ready and takes mail again.
    s.execute("DELETE FROM leases WHERE holder = 'test/stuck'");
    wait_for(30, "the queue to drain", || (s.request("GET", "/readyz", None, None).0 == 200).then_some(()));
    assert!(smtp_send(s.smtp_port, "c@customer.test", "help@shop.test", &mail(999)));
    wait_for(30, "every accepted mail as a ticket", || {
        (s.count("SELECT count(*) FROM tickets WHERE subject LIKE 'flood-%'") == accepted as i64 + 1).then_some(())
    });
    let (_, metrics) = s.request("GET", "/metrics", None, None);
    assert!(metrics.as_str().unwrap_or_default().contains("podpora_inbound_backpressure 0"), "{metrics}");
}
