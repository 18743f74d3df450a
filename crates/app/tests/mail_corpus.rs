//! Real-world mail shapes through `podpora ingest` (the MTA pipe), on both backends, plus the
//! bad input real senders produce: each is stored or refused with a clear reason, exit codes follow
//! the contract (0 stored, 65 stored but unparsable, 75 temporary), and the server stays up.

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn ingest_file(s: &Server, name: &str) -> (i32, String) {
    let out = s.cli(&["ingest", "--to", "help@shop.test", "--file", &fixture(name).display().to_string()], b"");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
}

fn ingest_bytes(s: &Server, raw: &[u8]) -> (i32, String) {
    let out = s.cli(&["ingest", "--to", "help@shop.test"], raw);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
}

fn ticket_number(stderr: &str) -> i64 {
    let after = stderr.split("ticket #").nth(1).unwrap_or_else(|| panic!("no ticket in: {stderr}"));
    after.chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap()
}

fn ticket(s: &Server, n: i64) -> Value {
    let (st, v) = s.get(&format!("/api/v1/tickets/{n}"));
    assert_eq!(st, 200, "{v}");
    v
}

fn corpus(backend: Backend) {
    let mut s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop"], b"").status.success());
    assert!(s
        .cli(&["user", "add", "--email", "agent@shop.test", "--name", "Anna Agent", "--role", "agent"], b"agent password 1\n")
        .status
        .success());

    // Outlook, windows-1250.
    let (code, err) = ingest_file(&s, "outlook_windows1250.eml");
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    assert_eq!(t["ticket"]["subject"], "Reklamace zboží");
    assert_eq!(t["messages"][0]["from_name"], "Jiří Šebek");
    assert!(t["messages"][0]["body"].as_str().unwrap().contains("zboží dorazilo poškozené"), "{}", t["messages"][0]["body"]);

    // Apple Mail HTML-only with an inline image and hostile HTML.
    let (code, err) = ingest_file(&s, "apple_html_only_inline_image.eml");
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    let m = &t["messages"][0];
    assert_eq!(t["ticket"]["subject"], "Zamówienie");
    assert!(m["body"].as_str().unwrap().contains("zamówienie"), "{m}");
    let html = m["body_html"].as_str().unwrap().to_lowercase();
    assert!(html.contains("<b>zamówienie</b>") && html.contains("cid:logo@poczta"), "{html}");
    for bad in ["<script", "onerror", "javascript:", "<style"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    let att = &m["attachments"][0];
    assert_eq!(
        (att["filename"].as_str(), att["inline"].as_bool(), att["content_id"].as_str()),
        (Some("logo.png"), Some(true), Some("logo@poczta"))
    );

    // Gmail with an RFC 2231 file name; the download is a download, never active content.
    let (code, err) = ingest_file(&s, "gmail_rfc2231_attachment.eml");
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    let m = &t["messages"][0];
    assert_eq!(m["body"], "V příloze posílám fakturu.");
    assert_eq!(m["attachments"][0]["filename"], "faktura č. 42.pdf");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let resp = rt
        .block_on(
            reqwest::Client::new().get(format!("{}{}", s.http, m["attachments"][0]["url"].as_str().unwrap())).bearer_auth(&s.token).send(),
        )
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert!(rt.block_on(resp.bytes()).unwrap().starts_with(b"%PDF-1.4"));

    // KOI8-R.
    let (code, err) = ingest_file(&s, "koi8r_russian.eml");
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    assert_eq!(t["ticket"]["subject"], "Тест");
    assert_eq!(t["messages"][0]["body"], "Где мой заказ?");

    // A colleague's forward becomes the customer's ticket, and nobody is auto-acknowledged for it.
    let (code, err) = ingest_file(&s, "forwarded_by_colleague.eml");
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    assert_eq!(t["ticket"]["customer"]["addresses"], json!(["karel@customer.test"]));
    let participants: Vec<&str> = t["ticket"]["participants"].as_array().unwrap().iter().map(|p| p["address"].as_str().unwrap()).collect();
    assert_eq!(participants, vec!["karel@customer.test"]);
    assert_eq!(t["messages"].as_array().unwrap().len(), 1, "no acknowledgement for a colleague's forward");

    // Automatic mail becomes a ticket message but is never acknowledged.
    for f in ["vacation_autoreply.eml", "mailing_list.eml"] {
        let (code, err) = ingest_file(&s, f);
        assert_eq!(code, 0, "{f}: {err}");
        let t = ticket(&s, ticket_number(&err));
        assert_eq!(t["messages"].as_array().unwrap().len(), 1, "{f} was acknowledged");
    }
    // A human's mail is acknowledged: the ack is an outgoing message on the ticket, delivered
    // (without a relay) as an .eml file.
    let (code, err) = ingest_file(&s, "koi8r_russian.eml");
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    let msgs = t["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "the same mail delivered again is not added twice: {msgs:?}");
    assert_eq!((msgs[1]["direction"].as_str(), msgs[1]["kind"].as_str()), (Some("out"), Some("message")));
    assert!(msgs[1]["subject"].as_str().unwrap().starts_with(&format!("[#{}]", t["ticket"]["number"])));
    wait_for(30, "the acknowledgement as an .eml file", || {
        let dir = s.dir.path().join("data").join("outbox");
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok())
            .find(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("jiri.sebek@firma.test")))
    });

    // The acknowledgement follows the customer's language when their mail says it (Outlook's
    // Content-Language).
    let (code, err) = ingest_bytes(
        &s,
        "From: Ivana <ivana@firma.test>\r\nTo: help@shop.test\r\nSubject: Dotaz\r\nContent-Language: cs-CZ\r\n\r\nDobrý den\r\n".as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    let ack = ticket(&s, ticket_number(&err))["messages"][1].clone();
    assert!(ack["subject"].as_str().unwrap().contains("Vaši zprávu jsme přijali"), "{ack}");
    // One name alone: the Czech formal greeting needs the surname, so it goes without a name.
    assert!(ack["body"].as_str().unwrap().starts_with("Dobrý den,\n"), "{ack}");
    // Without the header, the language of what the customer wrote decides (not the English
    // history they quote).
    let (code, err) = ingest_bytes(
        &s,
        "From: Jana <jana@firma.test>\r\nTo: help@shop.test\r\nSubject: Re: Your order\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Dobrý den, balík dorazil poškozený, krabice je promáčknutá.\r\n\r\nOn Mon, 23 Nov 2026, Shop wrote:\r\n\
         > Thank you for your order. Your parcel has been shipped and will arrive soon.\r\n"
            .as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    assert_eq!(t["ticket"]["customer"]["language"], "cs", "{t}");
    assert!(t["messages"][1]["subject"].as_str().unwrap().contains("Vaši zprávu jsme přijali"), "{t}");
    let (code, err) = ingest_bytes(
        &s,
        "From: Anna <anna@sklep.test>\r\nTo: help@shop.test\r\nSubject: Zamówienie\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Dzień dobry, paczka dotarła uszkodzona. Czy możecie wysłać nową?\r\n"
            .as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    let t = ticket(&s, ticket_number(&err));
    assert_eq!(t["ticket"]["customer"]["language"], "pl", "{t}");
    assert!(t["messages"][1]["subject"].as_str().unwrap().contains("Otrzymaliśmy Twoją wiadomość"), "{t}");
    assert!(t["messages"][1]["body"].as_str().unwrap().starts_with("Dzień dobry, Pani Anno,\n"), "{t}");

    // A bounce is set aside with its reason, not a ticket; exit 0 because it is stored.
    let before = s.get("/api/v1/tickets?limit=200").1["tickets"].as_array().unwrap().len();
    let (code, err) = ingest_file(&s, "bounce_dsn_postfix.eml");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("set aside"), "{err}");
    assert_eq!(s.get("/api/v1/tickets?limit=200").1["tickets"].as_array().unwrap().len(), before);
    let (_, v) = s.get("/api/v1/inbound");
    assert!(v["inbound"].as_array().unwrap().iter().any(|i| i["reason"].as_str().unwrap_or("").starts_with("bounce")), "{v}");

    // Bad input. Not mail at all: stored raw, set aside, exit 65, raw downloadable, reprocessable.
    let (code, err) = ingest_bytes(&s, b"\x00\x01\x02\xff\xfe binary garbage without headers");
    assert_eq!(code, 65, "{err}");
    let (_, v) = s.get("/api/v1/inbound");
    let garbage = v["inbound"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["reason"].as_str().unwrap_or("").contains("not an email"))
        .cloned()
        .expect("listed with its reason");
    let (st, raw) = s.request("GET", garbage["raw_url"].as_str().unwrap(), None, Some(&s.token));
    assert_eq!(st, 200);
    assert!(raw.as_str().unwrap_or("").contains("binary garbage"), "{raw}");
    let out = s.cli(&["inbound", "reprocess", &garbage["id"].to_string()], b"");
    assert!(String::from_utf8_lossy(&out.stdout).contains("still set aside"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = s.cli(&["inbound", "list"], b"");
    assert!(String::from_utf8_lossy(&out.stdout).contains("not an email"));

    // Empty input: nothing to store, exit 65.
    assert_eq!(ingest_bytes(&s, b"  \r\n").0, 65);
    // Truncated MIME, invalid UTF-8, NUL bytes: stored as tickets with what could be read.
    let (code, err) = ingest_bytes(&s, b"From: t@x.test\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhalf a mess");
    assert_eq!(code, 0, "{err}");
    assert!(ticket(&s, ticket_number(&err))["messages"][0]["body"].as_str().unwrap().contains("half a mess"));
    let (code, err) = ingest_bytes(
        &s,
        b"From: u@x.test\r\nSubject: bad \xff\xfe utf8\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody \xc3\x28 invalid\r\n",
    );
    assert_eq!(code, 0, "{err}");
    let (code, err) = ingest_bytes(&s, b"From: n@x.test\r\nSubject: nul\x00byte\r\n\r\nbody\x00with nul\r\n");
    assert_eq!(code, 0, "{err}");
    assert!(!ticket(&s, ticket_number(&err))["messages"][0]["body"].as_str().unwrap().contains('\0'));
    // 10,000 header lines.
    let mut many = String::from("From: h@x.test\r\nSubject: many headers\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("X-Filler-{i}: {i}\r\n"));
    }
    many.push_str("\r\nstill readable\r\n");
    let (code, err) = ingest_bytes(&s, many.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(ticket(&s, ticket_number(&err))["messages"][0]["body"], "still readable");
    // A 50 MB attachment, through SMTP.
    let mut big = String::from("From: big@x.test\r\nTo: help@shop.test\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--Z\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"; // 57 bytes decoded
    for _ in 0..(50 * 1024 * 1024 / 57 + 1) {
        big.push_str(line);
    }
    big.push_str("--Z--\r\n");
    s.swaks("big@x.test", "help@shop.test", &big);
    let n = wait_for(120, "the 50 MB mail", || {
        let (_, v) = s.get("/api/v1/tickets?q=big%40x.test");
        v["tickets"].as_array()?.first()?["number"].as_i64()
    });
    let size = ticket(&s, n)["messages"][0]["attachments"][0]["size"].as_i64().unwrap();
    assert!(size >= 50 * 1024 * 1024, "{size}");

    // SMTP refusals: a declared size over the limit, an address that is not ours.
    let mut c = std::net::TcpStream::connect(("127.0.0.1", s.smtp_port)).unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("220 "), "{line}");
    let mut say = |c: &mut std::net::TcpStream, cmd: &str| -> String {
        c.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.clone();
            }
        }
    };
    say(&mut c, "EHLO test");
    assert!(say(&mut c, "MAIL FROM:<a@x.test> SIZE=999999999").starts_with("552"));
    assert!(say(&mut c, "MAIL FROM:<a@x.test>").starts_with("250"));
    assert!(say(&mut c, "RCPT TO:<nobody@elsewhere.test>").starts_with("550"));
    assert!(say(&mut c, "RCPT TO:<help+anything@shop.test>").starts_with("250"), "plus addresses are ours");
    assert!(say(&mut c, "QUIT").starts_with("221"));

    // The server is still up and healthy after all of it.
    assert_eq!(s.request("GET", "/healthz", None, None).0, 200);
    assert_eq!(s.request("GET", "/readyz", None, None).0, 200);
    assert_eq!(s.stop(), Some(0), "{}", s.stderr());
}

#[test]
fn corpus_sqlite() {
    corpus(Backend::Sqlite);
}

#[test]
fn corpus_postgres() {
    corpus(Backend::Postgres);
}

/// The database cannot be reached: the MTA is told to try again (75), nothing is claimed stored.
#[test]
fn ingest_tempfails_without_database() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let out = std::process::Command::new(BIN)
        .args(["ingest", "--to", "help@shop.test"])
        .env("PODPORA_DATABASE_URL", format!("postgres://postgres@127.0.0.1:{port}/none"))
        .env("PODPORA_DATA_DIR", dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"From: a@x.test\r\n\r\nhi\r\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(75), "{}", String::from_utf8_lossy(&out.stderr));
}

/// API errors are JSON with stable codes; rights are checked.
#[test]
fn api_errors_and_rights() {
    let s = Server::start(Backend::Sqlite, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test"], b"").status.success());
    assert!(s
        .cli(&["user", "add", "--email", "light@shop.test", "--name", "Light", "--role", "light_agent"], b"light password 1\n")
        .status
        .success());
    let out = s.cli(&["token", "create", "--email", "light@shop.test"], b"");
    let light = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(light.starts_with("pp_"));

    let (st, v) = s.request("GET", "/api/v1/tickets", None, None);
    assert_eq!((st, v["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (st, v) = s.request("GET", "/api/v1/tickets", None, Some("pp_forged"));
    assert_eq!((st, v["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (st, v) = s.request(
        "POST",
        "/api/v1/tickets",
        Some(json!({"from": "jan@customer.test", "subject": "Web form", "body": "Hello from the form", "channel": "web"})),
        Some(&s.token),
    );
    assert_eq!(st, 201, "{v}");
    let n = v["number"].as_i64().unwrap();
    let (st, v) = s.request("POST", &format!("/api/v1/tickets/{n}/messages"), Some(json!({"kind": "reply", "body": "x"})), Some(&light));
    assert_eq!((st, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (st, _) = s.request(
        "POST",
        &format!("/api/v1/tickets/{n}/messages"),
        Some(json!({"kind": "note", "body": "light agents may note"})),
        Some(&light),
    );
    assert_eq!(st, 201);
    let (st, v) = s.request("GET", "/api/v1/tickets/999999", None, Some(&s.token));
    assert_eq!((st, v["error"]["code"].as_str()), (404, Some("not_found")));
    let (st, v) = s.request("GET", "/api/v1/tickets/1%20OR%201=1", None, Some(&s.token));
    assert_eq!((st, v["error"]["code"].as_str()), (404, Some("not_found")));
    let (st, v) = s.request("GET", "/api/v1/tickets?sort=id;DROP%20TABLE%20tickets", None, Some(&s.token));
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("invalid")));
    let (st, v) = s.request("GET", "/api/v1/tickets?status=deleted", None, Some(&s.token));
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("invalid")));
    let (st, v) = s.request(
        "PATCH",
        &format!("/api/v1/tickets/{n}"),
        Some(json!({"status": "pending", "tags": ["VIP", "refund"], "assignee": "me"})),
        Some(&s.token),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!((v["ticket"]["status"].as_str(), v["ticket"]["tags"].clone()), (Some("pending"), json!(["refund", "vip"])));
    let (st, v) = s.request("GET", "/api/v1/tickets?assignee=me&tag=vip&status=pending", None, Some(&s.token));
    assert_eq!((st, v["tickets"].as_array().unwrap().len()), (200, 1));
    let (st, v) = s.request("PATCH", &format!("/api/v1/tickets/{n}"), Some(json!({"owner": "x"})), Some(&s.token));
    assert_eq!((st, v["error"]["code"].as_str()), (400, Some("bad_request")));
    let (st, v) = s.request("POST", "/api/v1/inbound/1/reprocess", None, Some(&light));
    assert_eq!((st, v["error"]["code"].as_str()), (403, Some("forbidden")));

    // Acknowledgement templates: validated on save, used for the next ticket.
    let id = s.get("/api/v1/mailboxes").1["mailboxes"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/mailboxes/{id}/ack");
    let (st, v) = s.request("PUT", &path, Some(json!({"subject": "Thanks {{nme}}"})), Some(&s.token));
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("invalid")));
    assert!(v["error"]["message"].as_str().unwrap().contains("nme"), "{v}");
    let (st, _) = s.request("PUT", &path, Some(json!({"subject": "x"})), Some(&light));
    assert_eq!(st, 403);
    let (st, v) = s.request(
        "PUT",
        &path,
        Some(json!({"subject": "Thanks, {{customer_name}}", "body": "We answer within {{response_time}}.", "response_time": "2 hours"})),
        Some(&s.token),
    );
    assert_eq!(st, 200, "{v}");
    let (_, v) = s.request(
        "POST",
        "/api/v1/tickets",
        Some(json!({"from": "eva@customer.test", "name": "Eva", "subject": "Hi", "body": "Question"})),
        Some(&s.token),
    );
    let n2 = v["number"].as_i64().unwrap();
    let (_, t) = s.get(&format!("/api/v1/tickets/{n2}"));
    assert_eq!(t["messages"][1]["subject"], format!("[#{n2}] Thanks, Eva"));
    assert_eq!(t["messages"][1]["body"], "We answer within 2 hours.");

    let (st, v) = s.request("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(st, 200);
    assert!(v["paths"]["/api/v1/tickets/{number}/messages"]["post"].is_object());
}
