//! A relay that never answers some sessions after DATA (a tarpit, a dropped link, an overloaded
//! smarthost: aiosmtpd with a handler that waits forever for some recipients). The other
//! customers get their acknowledgement at once, each recorded as sent as soon as its own session
//! ends; the stalled ones get a recorded timeout and a retry; nobody gets a mail twice.

mod common;
use common::*;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// aiosmtpd on loopback: mail to an address containing "tarpit" gets no answer after DATA, ever;
/// other mail is accepted and logged (one line of recipients per accepted mail).
struct Tarpit {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

const HANDLER: &str = r#"
import asyncio, os, sys, time
from aiosmtpd.controller import Controller

out = sys.argv[2]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        rcpts = " ".join(envelope.rcpt_tos)
        if "tarpit" in rcpts:
            with open(os.path.join(out, "stalled.log"), "a") as f:
                f.write(rcpts + "\n")
            await asyncio.sleep(3600)
        with open(os.path.join(out, "accepted.log"), "a") as f:
            f.write(rcpts + "\n")
        return "250 OK"

c = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
while True:
    time.sleep(3600)
"#;

impl Tarpit {
    fn start() -> Tarpit {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("tarpit.py");
        std::fs::write(&script, HANDLER).unwrap();
        let port = free_port();
        let child = Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
            .spawn()
            .expect("python3 with aiosmtpd");
        wait_for(30, "the tarpit relay to listen", || std::net::TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ()));
        Tarpit { child, port, dir }
    }

    fn lines(&self, log: &str) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default().lines().map(str::to_string).collect()
    }
}

impl Drop for Tarpit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_stalled_relay_session_holds_back_nobody_else() {
    let relay = Tarpit::start();
    let s = Server::start(
        Backend::Sqlite,
        ServerOptions {
            relay: Some(format!("smtp://127.0.0.1:{}", relay.port)),
            env: vec![("PODPORA_RELAY_DATA_TIMEOUT_S".into(), "6".into())],
        },
    );
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop"], b"").status.success());
    // 4 of 20 customers sit behind the tarpit; their mail arrives among the others'.
    let customers: Vec<String> =
        (0..20).map(|i| if i % 5 == 2 { format!("tarpit{i}@customer.test") } else { format!("ok{i}@customer.test") }).collect();
    for (i, c) in customers.iter().enumerate() {
        let raw =
            format!("From: {c}\r\nTo: help@shop.test\r\nSubject: Order {i}\r\nMessage-ID: <o{i}@customer.test>\r\n\r\nWhere is it?\r\n");
        assert!(smtp_send(s.smtp_port, c, "help@shop.test", &raw));
    }
    let sent_at = Instant::now();
    // The 16 others are delivered and recorded as sent while the 4 stalled sessions still hang.
    wait_for(5, "16 acknowledgements recorded as sent", || {
        (s.count("SELECT count(*) FROM outbox WHERE purpose = 'ack' AND status = 'sent'") == 16).then_some(())
    });
    assert!(sent_at.elapsed().as_secs() < 6, "recorded before the stalled sessions time out");
    assert_eq!(relay.lines("accepted.log").len(), 16);
    assert_eq!(s.count("SELECT count(*) FROM outbox WHERE status = 'queued' AND last_error IS NULL AND recipients LIKE '%tarpit%'"), 4);

    // The stalled sessions end after 6 s: a temporary failure with its reason, on the mail and
    // on its message, and the job put back for a later attempt (not held locked).
    wait_for(20, "the stalled sends to time out", || {
        (s.count("SELECT count(*) FROM outbox WHERE status = 'queued' AND last_error LIKE '%did not answer after DATA within 6 s%'") == 4)
            .then_some(())
    });
    assert_eq!(s.count("SELECT count(*) FROM messages WHERE delivery = 'queued' AND delivery_error LIKE '%after DATA within 6 s%'"), 4);
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM jobs WHERE kind = 'send_mail' AND locked_by IS NULL AND run_at > {}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
        )),
        4,
        "retried later, with backoff"
    );
    // Nobody got anything twice.
    let mut accepted = relay.lines("accepted.log");
    accepted.sort();
    accepted.dedup();
    assert_eq!(accepted.len(), 16);
    assert_eq!(relay.lines("stalled.log").len(), 4);
    // The metrics say what waits.
    let (status, metrics) = s.get("/metrics");
    assert_eq!(status, 200);
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    assert!(metrics.contains("podpora_outbox_messages{status=\"retrying\"} 4"), "{metrics}");
    assert!(metrics.contains("podpora_outbox_messages{status=\"sent\"} 16"), "{metrics}");
    assert!(metrics.contains("podpora_outbox_oldest_waiting_seconds"), "{metrics}");
}
