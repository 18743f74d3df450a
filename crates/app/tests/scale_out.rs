//! Scale-out: two instances on one PostgreSQL database, each with its own data dir (no shared
//! disk). Mail accepted by one instance is processed by either and fully readable — ticket,
//! attachment, raw .eml — through the other; ticket numbers stay unique. Once with the blobs in
//! the database, once in an S3-compatible bucket (a real S3 server, moto's, on loopback).

mod common;
use common::*;
use podpora_store::testing::S3Server;

#[test]
fn two_instances_share_everything_through_postgres() {
    two_instances(Vec::new());
}

#[test]
fn two_instances_share_attachments_through_s3() {
    let s3 = S3Server::start();
    let env = [
        ("BLOB_STORE", "s3".to_string()),
        ("S3_BUCKET", s3.bucket.clone()),
        ("S3_ENDPOINT", s3.endpoint()),
        ("S3_PREFIX", "mail".into()),
        ("S3_ACCESS_KEY_ID", "test".into()),
        ("S3_SECRET_ACCESS_KEY", "test".into()),
    ];
    two_instances(env.into_iter().map(|(k, v)| (format!("PODPORA_{k}"), v)).collect());
}

fn two_instances(env: Vec<(String, String)>) {
    let s3 = env.iter().any(|(k, v)| k == "PODPORA_BLOB_STORE" && v == "s3");
    let mut a = Server::start(Backend::Postgres, ServerOptions { relay: None, env });
    assert!(a.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop"], b"").status.success());
    let (mut b_child, b_http, b_smtp, _b_dir) = start_second_instance(&a);

    // Mail with an attachment arrives at instance B's SMTP listener.
    let raw = "From: jan@customer.test\r\nTo: help@shop.test\r\nSubject: Two instances\r\nMessage-ID: <two@customer.test>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=photo.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQ==\r\n--b--\r\n";
    let out = std::process::Command::new("swaks")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &b_smtp.to_string(),
            "--from",
            "jan@customer.test",
            "--to",
            "help@shop.test",
            "--data",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(raw.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());

    // Instance A shows the ticket, serves the attachment and the raw message.
    let number = wait_for(30, "the ticket on instance A", || s_first(&a));
    let (_, t) = a.get(&format!("/api/v1/tickets/{number}"));
    let m = &t["messages"][0];
    assert_eq!(m["body"], "See the photo.");
    let (st, _) = a.request("GET", m["attachments"][0]["url"].as_str().unwrap(), None, Some(&a.token));
    assert_eq!(st, 200, "attachment stored by B must be readable through A");
    let (st, raw_back) = a.request("GET", &format!("/api/v1/inbound/{}/raw", m["inbound_id"]), None, Some(&a.token));
    assert_eq!(st, 200);
    assert!(raw_back.as_str().unwrap().contains("Two instances"));

    // Tickets opened through both instances at once get distinct numbers.
    let mut handles = Vec::new();
    for (i, http) in [a.http.clone(), b_http.clone()].into_iter().cycle().take(10).enumerate() {
        let token = a.token.clone();
        handles.push(std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let r = reqwest::Client::new()
                    .post(format!("{http}/api/v1/tickets"))
                    .bearer_auth(token)
                    .json(&serde_json::json!({"from": format!("c{i}@customer.test"), "subject": "s", "body": "b"}))
                    .send()
                    .await
                    .unwrap();
                r.json::<serde_json::Value>().await.unwrap()["number"].as_i64().unwrap()
            })
        }));
    }
    let mut numbers: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 10);

    // The bytes are where the configuration put them: in S3 nothing lands in the blobs table.
    let psql = std::process::Command::new("psql")
        .args([a.db.url.as_str(), "-tAc", "SELECT count(*) FROM blobs WHERE size > 0"])
        .output()
        .expect("psql");
    let in_db: i64 = String::from_utf8_lossy(&psql.stdout).trim().parse().expect("a count");
    if s3 {
        assert_eq!(in_db, 0);
        assert!(a.stderr().contains("S3 bucket"), "the server says where its blobs are");
    } else {
        // The raw mail; its attachment is kept inside it, not stored a second time.
        assert_eq!(in_db, 1, "the raw mail in the database");
    }

    let _ = std::process::Command::new("kill").arg("-TERM").arg(b_child.id().to_string()).status();
    let status = b_child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(a.stop(), Some(0), "{}", a.stderr());
}

fn s_first(s: &Server) -> Option<i64> {
    let (_, v) = s.get("/api/v1/tickets");
    v["tickets"].as_array()?.first()?["number"].as_i64()
}
