//! `podpora bench NAME`: measurements on a throw-away database, one JSON line per backend.
//! ingest: N generated messages (mixed sizes, 20% with attachments, 30% replies to existing
//! tickets) through the real pipeline — durable accept, then processing — from 8 concurrent
//! senders. p50/p99 are the latency to durable (what an SMTP client waits for before 250).

use anyhow::Context;
use podpora_mail::ingest::{self, Envelope, Outcome, Source};
use podpora_mail::{Limits, Mailroom};
use podpora_domain::token::ReplyKey;
use podpora_domain::EmailAddress;
use podpora_store::{mailboxes, BlobStore, Db};
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(name: &str, backend: Option<&str>, n: usize) -> anyhow::Result<()> {
    anyhow::ensure!(name == "ingest", "unknown benchmark {name}");
    let backends: Vec<&str> = match backend {
        Some(b) => vec![b],
        None => vec!["sqlite", "postgres"],
    };
    for b in backends {
        let line = ingest_bench(b, n.max(10)).await.with_context(|| format!("bench ingest on {b}"))?;
        println!("{line}");
    }
    Ok(())
}

fn pg_admin_url() -> String {
    std::env::var("PODPORA_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")).unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

/// The generated workload: raw messages in arrival order.
fn workload(n: usize) -> Vec<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut sent: Vec<(String, String)> = Vec::new(); // (customer, message-id) of earlier mail
    let mut out = Vec::with_capacity(n);
    let words = ["objednávka", "order", "delivery", "refund", "faktura", "broken", "please", "help", "when", "zásilka", "thanks", "size", "colour", "return"];
    for i in 0..n {
        let reply = !sent.is_empty() && rng.gen_bool(0.3);
        let (customer, refs) = if reply {
            let (c, id) = sent[rng.gen_range(0..sent.len())].clone();
            (c, Some(id))
        } else {
            (format!("customer{}@example{}.cz", i, i % 50), None)
        };
        let body_len = [200usize, 1_000, 4_000, 20_000][rng.gen_range(0..4)];
        let mut body = String::with_capacity(body_len + 16);
        while body.len() < body_len {
            body.push_str(words[rng.gen_range(0..words.len())]);
            body.push(if rng.gen_bool(0.1) { '\n' } else { ' ' });
        }
        let mid = format!("bench{i}.{}@mail.example.cz", rng.gen::<u32>());
        let mut m = format!("From: Customer {i} <{customer}>\r\nTo: Support <help@shop.example>\r\nSubject: {}Order {i}\r\nMessage-ID: <{mid}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n", if reply { "Re: " } else { "" });
        if let Some(r) = &refs {
            m.push_str(&format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"));
        }
        if rng.gen_bool(0.2) {
            let size = rng.gen_range(20_000..200_000);
            let data: Vec<u8> = (0..size).map(|_| rng.gen()).collect();
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&data);
            m.push_str("Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            m.push_str(&body);
            m.push_str("\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            for chunk in b64.as_bytes().chunks(76) {
                m.push_str(std::str::from_utf8(chunk).unwrap_or(""));
                m.push_str("\r\n");
            }
            m.push_str("--XX--\r\n");
        } else {
            m.push_str("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            m.push_str(&body);
            m.push_str("\r\n");
        }
        sent.push((customer, mid));
        out.push(m.into_bytes());
    }
    out
}

async fn ingest_bench(backend: &str, n: usize) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let (url, pg_name) = match backend {
        "sqlite" => (format!("sqlite://{}/bench.db", dir.path().display()), None),
        _ => {
            let name = format!("podpora_bench_{:08x}", rand::random::<u32>());
            (podpora_store::db::create_pg_database(&pg_admin_url(), &name).await.context("creating a throw-away PostgreSQL database")?, Some(name))
        }
    };
    let result = async {
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        mailboxes::add(&db, &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example")?, name: "Shop".into(), imap_url: None }).await?;
        let room = Mailroom {
            db: db.clone(),
            blobs: BlobStore::local(dir.path().join("blobs"))?,
            key: ReplyKey::new(vec![9u8; 32]).expect("32 bytes"),
            host: "bench.localhost".into(),
            installation: "bench".into(),
            public_url: "http://bench.localhost".into(),
            limits: Limits::default(),
            plus_reply_to: false,
            wake: Arc::new(tokio::sync::Notify::new()),
        };
        let msgs = workload(n);
        let queue = Arc::new(tokio::sync::Mutex::new(msgs.into_iter().enumerate().collect::<Vec<_>>().into_iter()));
        let env = Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example")?] };
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (room, queue, env) = (room.clone(), queue.clone(), env.clone());
            tasks.spawn(async move {
                let mut lat = Vec::new();
                let mut threaded = 0usize;
                loop {
                    let next = queue.lock().await.next();
                    let Some((_, raw)) = next else { break };
                    let t = Instant::now();
                    let a = ingest::accept(&room, Source::Smtp, &env, raw).await?;
                    lat.push(t.elapsed());
                    if let Outcome::Ticket { created: false, .. } = ingest::process(&room, a.inbound_id).await? {
                        threaded += 1;
                    }
                    podpora_store::jobs::complete(&room.db, a.job_id).await?;
                }
                Ok::<_, anyhow::Error>((lat, threaded))
            });
        }
        let mut lat: Vec<Duration> = Vec::with_capacity(n);
        let mut threaded = 0;
        while let Some(r) = tasks.join_next().await {
            let (l, t) = r??;
            lat.extend(l);
            threaded += t;
        }
        let secs = start.elapsed().as_secs_f64();
        lat.sort();
        let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).map(|d| (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0).unwrap_or(0.0);
        db.close().await;
        let mut j = serde_json::json!({
            "bench": "ingest", "backend": backend, "n": n,
            "per_sec": ((n as f64 / secs) * 10.0).round() / 10.0,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "threaded_replies": threaded,
        });
        if let Some(r) = rss_mb() {
            j["rss_mb"] = serde_json::json!(r);
        }
        Ok::<_, anyhow::Error>(j.to_string())
    }
    .await;
    if let Some(name) = pg_name {
        let _ = podpora_store::db::drop_pg_database(&pg_admin_url(), &name).await;
    }
    result
}
