//! STARTTLS on the SMTP listener (RFC 3207), with a certificate made by openssl for the test:
//! swaks delivers over TLS and the mail becomes a ticket; commands pipelined in the clear behind
//! STARTTLS are dropped, not run (CVE-2011-0411); a renewed certificate is used by the next
//! session without a restart; without a certificate STARTTLS is neither offered nor accepted.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn make_certificate(dir: &Path, name: &str) {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .args(["-subj", &format!("/CN={name}"), "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .output()
        .expect("openssl must be installed");
    assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
}

/// Speaks SMTP by hand from Python: EHLO, then STARTTLS with a MAIL FROM pipelined behind it in
/// the same packet, the TLS handshake, EHLO again and a RCPT. Prints the RCPT's reply code and
/// whether the server's certificate is the one in `cert`.
const PROBE: &str = r#"
import socket, ssl, sys, hashlib
port, cert = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
def reply(f):
    while True:
        line = f.readline().decode()
        if line[3:4] != "-":
            return line
f = s.makefile("rb")
reply(f)
s.sendall(b"EHLO probe.test\r\n"); reply(f)
s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@attacker.test>\r\n")
start = reply(f)
assert start.startswith("220"), start
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="localhost")
tf = t.makefile("rb")
t.sendall(b"EHLO probe.test\r\n"); reply(tf)
t.sendall(b"RCPT TO:<help@shop.test>\r\n"); rcpt = reply(tf)
t.sendall(b"QUIT\r\n")
mine = hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(cert).read())).hexdigest()
theirs = hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()
print(rcpt[:3], "same-cert" if mine == theirs else "other-cert")
"#;

fn probe(port: u16, cert: &Path) -> String {
    let out = Command::new("python3").arg("-c").arg(PROBE).arg(port.to_string()).arg(cert).output().expect("python3");
    assert!(out.status.success(), "probe: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn starttls_on_the_smtp_listener() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let certs = tempfile::tempdir().unwrap();
        make_certificate(certs.path(), "first");
        let cert = certs.path().join("cert.pem");
        let env = vec![
            ("PODPORA_SMTP_TLS_CERT".to_string(), cert.display().to_string()),
            ("PODPORA_SMTP_TLS_KEY".to_string(), certs.path().join("key.pem").display().to_string()),
        ];
        let mut s = Server::start(backend, ServerOptions { relay: None, env });
        assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop"], b"").status.success());

        // swaks insists on STARTTLS (--tls): the mail goes through encrypted and becomes a ticket.
        let out = Command::new("swaks")
            .args([
                "--server",
                "127.0.0.1",
                "--port",
                &s.smtp_port.to_string(),
                "--tls",
                "--from",
                "jan@customer.test",
                "--to",
                "help@shop.test",
                "--timeout",
                "30",
            ])
            .args(["--header", "Subject: Over TLS", "--body", "Sent encrypted."])
            .output()
            .expect("swaks");
        let transcript = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{transcript}");
        assert!(transcript.contains("STARTTLS") && transcript.contains("TLS started"), "{transcript}");
        let number = wait_for(30, "the ticket", || {
            let (_, v) = s.get("/api/v1/tickets");
            v["tickets"].as_array()?.iter().find(|t| t["subject"] == "Over TLS")?["number"].as_i64()
        });
        let (_, t) = s.get(&format!("/api/v1/tickets/{number}"));
        assert_eq!(t["messages"][0]["body"], "Sent encrypted.");

        // The MAIL FROM sent in the clear behind STARTTLS was dropped: RCPT needs a MAIL first.
        assert_eq!(probe(s.smtp_port, &cert), "503 same-cert");

        // A renewed certificate is picked up by the next session.
        make_certificate(certs.path(), "renewed");
        wait_for(20, "the renewed certificate to be served", || (probe(s.smtp_port, &cert) == "503 same-cert").then_some(()));
        assert_eq!(s.stop(), Some(0), "{}", s.stderr());
    }

    // Without a certificate: not offered, and refused when asked.
    let s = Server::start(Backend::Sqlite, ServerOptions::default());
    let out = Command::new("swaks")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &s.smtp_port.to_string(),
            "--tls",
            "--from",
            "a@b.test",
            "--to",
            "help@shop.test",
            "--timeout",
            "10",
        ])
        .output()
        .expect("swaks");
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{transcript}");
    assert!(!transcript.contains("250-STARTTLS"), "{transcript}");

    // A certificate that does not fit its key stops the start with a clear message.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    make_certificate(a.path(), "a");
    make_certificate(b.path(), "b");
    let mut env: Vec<(String, String)> = s.env.clone();
    env.retain(|(k, _)| k != "PODPORA_SMTP_LISTEN");
    env.push(("PODPORA_SMTP_LISTEN".into(), format!("127.0.0.1:{}", free_port())));
    env.push(("PODPORA_SMTP_TLS_CERT".into(), a.path().join("cert.pem").display().to_string()));
    env.push(("PODPORA_SMTP_TLS_KEY".into(), b.path().join("key.pem").display().to_string()));
    let out = Command::new(BIN).arg("serve").envs(env).output().expect("podpora");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("do not fit together"), "{err}");
}
