//! `podpora bench NAME`: measurements on a throw-away database, one JSON line per backend.
//! ingest: N generated messages (mixed sizes, 20% with attachments, 30% replies to existing
//! tickets) accepted by 8 concurrent senders (`--senders`), processed and acknowledged by the workers, as in `serve`.
//! `per_sec` counts until every message is a ticket message and every acknowledgement is out;
//! p50/p99 are the latency to durable (what an SMTP client waits for before its 250).
//! imap: N mails (10% with a 200 KB PDF) waiting in a Dovecot started on a loopback port; the
//! server's IMAP fetcher, processing and workers as in `serve`; `per_sec` counts from the start
//! to the last ticket (checked: every mail once, in order).
//! routing: see `routing_bench`.

use anyhow::Context;
use podpora_domain::token::ReplyKey;
use podpora_domain::EmailAddress;
use podpora_mail::ingest::{self, Envelope, Source};
use podpora_mail::outbound::Transport;
use podpora_mail::{Limits, Mailroom};
use podpora_store::{jobs, mailboxes, tickets, BlobStore, Db};
use rand::{Rng, RngCore, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(name: &str, backend: Option<&str>, n: usize, senders: usize, blobs: Option<&str>) -> anyhow::Result<()> {
    anyhow::ensure!(["ingest", "ui", "imap", "routing", "search"].contains(&name), "unknown benchmark {name}");
    let backends: Vec<&str> = match backend {
        Some(b) => vec![b],
        None => vec!["sqlite", "postgres"],
    };
    // Each backend's throw-away files are deleted after the last backend's run, not between
    // them: deleting tens of thousands of files slows the next file creations on some
    // filesystems (ext4 without a journal skips recently freed inodes for minutes), and that
    // cost belongs to neither run.
    let mut dirs = Vec::new();
    for b in backends {
        // What earlier work (the last backend's run, a test suite) left for the kernel to write
        // back is written before the clock starts, not during the measurement.
        #[cfg(unix)]
        // SAFETY: sync(2) takes no arguments and only flushes the kernel's dirty buffers.
        unsafe {
            libc::sync()
        };
        let dir = tempfile::tempdir()?;
        let line = match name {
            "ingest" => ingest_bench(b, dir.path(), n.max(10), senders, blobs).await.with_context(|| format!("bench ingest on {b}"))?,
            "imap" => imap_bench(b, dir.path(), n.max(10)).await.with_context(|| format!("bench imap on {b}"))?,
            "routing" => routing_bench(b, dir.path(), n.max(10)).await.with_context(|| format!("bench routing on {b}"))?,
            "search" => search_bench(b, dir.path(), n.max(1000)).await.with_context(|| format!("bench search on {b}"))?,
            _ => ui_bench(b, dir.path(), n.max(100)).await.with_context(|| format!("bench ui on {b}"))?,
        };
        dirs.push(dir);
        println!("{line}");
    }
    Ok(())
}

/// A 250 KB HTML mail with `images` inline images (multipart/related, cid: references).
fn rich_mail(images: usize) -> Vec<u8> {
    use base64::Engine;
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut html = String::from("<html><body><h1>Our spring collection</h1>");
    for i in 0..images {
        html.push_str(&format!("<p>Item {i}: <b>linen shirt</b>, sizes S–XL, <a href=\"https://shop.example/p/{i}\">see more</a></p><img src=\"cid:img{i}@shop\" alt=\"item {i}\">"));
    }
    while html.len() < 60_000 {
        html.push_str("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>");
    }
    html.push_str("</body></html>");
    let mut raw = format!(
        "From: Newsletter Reader <reader@mail.example.cz>\r\nTo: help@shop.example\r\nSubject: Question about the spring collection\r\nMessage-ID: <rich@mail.example.cz>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    );
    for i in 0..images {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend((0..3_500).map(|_| rng.gen::<u8>()));
        raw.push_str(&format!(
            "--rel\r\nContent-Type: image/png; name=img{i}.png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <img{i}@shop>\r\nContent-Disposition: inline; filename=img{i}.png\r\n\r\n{}\r\n",
            base64::engine::general_purpose::STANDARD.encode(&png)
        ));
    }
    raw.push_str("--rel--\r\n");
    raw.into_bytes()
}

/// The mail pipeline of a bench: a fixed key and host, default limits.
fn bench_room(db: &Db, blobs: BlobStore) -> Mailroom {
    Mailroom {
        db: db.clone(),
        blobs,
        key: ReplyKey::new(vec![9u8; 32]).expect("32 bytes"),
        host: "bench.localhost".into(),
        installation: "bench".into(),
        public_url: "http://bench.localhost".into(),
        limits: Limits::default(),
        plus_reply_to: false,
        wake: Arc::new(tokio::sync::Notify::new()),
        work: Arc::new(tokio::sync::Notify::new()),
        accepts: Default::default(),
        instance: podpora_mail::start_instance(db),
        backlog: podpora_mail::Backlog::new(podpora_mail::Backlog::DEFAULT_LIMIT),
    }
}

/// What `serve` runs beside its listeners: the job workers (sending acknowledgements as .eml files
/// into `dir`) and the inbound processing; stopped through the sender returned.
async fn serve_like(
    room: &Mailroom,
    dir: &std::path::Path,
) -> anyhow::Result<(tokio::task::JoinSet<()>, tokio::sync::watch::Sender<bool>, tokio::sync::watch::Receiver<bool>)> {
    let transport = Transport::new(None, Default::default(), dir)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(crate::runtime::SENDING_SLOTS));
    for i in 0..4 {
        let name = crate::runtime::worker_name(room, i);
        tasks.spawn(crate::runtime::worker(room.clone(), transport.clone(), name, slots.clone(), stop_rx.clone()));
    }
    tasks.spawn(ingest::run_inbound(room.clone(), stop_rx.clone()));
    // As `sync` before the run (see `run`), for the PostgreSQL server's own buffers (after a
    // test suite, say); without the right to, the run goes on without.
    if room.db.backend() == podpora_store::Backend::Postgres {
        if let Err(e) = podpora_store::db::pg_checkpoint(&room.db).await {
            tracing::debug!(error = %e, "no CHECKPOINT before the run");
        }
    }
    Ok((tasks, stop_tx, stop_rx))
}

/// Runs a bench on a throw-away database (a SQLite file in `dir`, or a fresh PostgreSQL
/// database, dropped afterwards) given by its URL.
async fn on_throwaway_database<F: std::future::Future<Output = anyhow::Result<String>>>(
    backend: &str,
    dir: &std::path::Path,
    run: impl FnOnce(String) -> F,
) -> anyhow::Result<String> {
    let (url, pg_name) = match backend {
        "sqlite" => (format!("sqlite://{}/bench.db", dir.display()), None),
        _ => {
            let name = format!("podpora_bench_{:08x}", rand::random::<u32>());
            (
                podpora_store::db::create_pg_database(&pg_admin_url(), &name).await.context("creating a throw-away PostgreSQL database")?,
                Some(name),
            )
        }
    };
    let result = run(url).await;
    if let Some(name) = pg_name {
        let _ = podpora_store::db::drop_pg_database(&pg_admin_url(), &name).await;
    }
    result
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i] * 100.0).round() / 100.0
}

/// ui: N seeded tickets (plus one 500-message thread); server time of the inbox view (all views,
/// both orders, deep pages), a ticket view and a search, through the real router in process.
/// A migrated database with the shop's mailbox (for the benches that seed their own tickets).
async fn shop_database(url: &str) -> anyhow::Result<(Db, mailboxes::Mailbox)> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let mb = mailboxes::add(
        &db,
        &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example")?, name: "Shop".into(), imap_url: None },
    )
    .await?;
    Ok((db, mb))
}

async fn ui_bench(backend: &str, dir: &std::path::Path, n: usize) -> anyhow::Result<String> {
    use tower::ServiceExt;
    on_throwaway_database(backend, dir, |url| async move {
        let (db, mb) = shop_database(&url).await?;
        let seed_start = Instant::now();
        let big = podpora_store::seed::tickets(&db, mb.id, n as i64, 500).await?;
        let seed_s = seed_start.elapsed().as_secs_f64();
        let admin =
            podpora_store::users::create(&db, &EmailAddress::parse("admin@shop.example")?, "Admin", podpora_domain::Role::Admin, "x")
                .await?;
        let token = "bench-session-token";
        podpora_store::sessions::create(&db, &podpora_commands::accounts::hash_token(token), admin.id, "csrf", 3_600_000).await?;
        let room = bench_room(&db, BlobStore::local(dir.join("blobs"))?);
        // A 250 KB newsletter-style mail with 40 inline images, through the real pipeline.
        let big_mail = {
            let accepted = ingest::accept(
                &room,
                Source::Pipe,
                &Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example")?] },
                rich_mail(40),
            )
            .await?;
            match ingest::process(&room, accepted.inbound_id).await? {
                ingest::Outcome::Ticket { number, .. } => number.get(),
                other => anyhow::bail!("the rich mail was not a ticket: {other:?}"),
            }
        };
        let (_stop_tx, stop) = tokio::sync::watch::channel(false);
        let router = podpora_web::router(podpora_web::AppState {
            room,
            setup: podpora_web::Setup { outbound: "bench".into(), ..Default::default() },
            stop,
        });
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let time = |path: String| {
            let router = router.clone();
            async move {
                let req =
                    axum::http::Request::get(&path).header("cookie", format!("podpora_session={token}")).body(axum::body::Body::empty())?;
                let t = Instant::now();
                let resp = router.oneshot(req).await?;
                let status = resp.status();
                let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                anyhow::ensure!(status.is_success(), "{path} answered {status}");
                Ok::<f64, anyhow::Error>(ms)
            }
        };
        let rounds = 200;
        let views = ["unassigned", "open", "pending", "all", "closed", "mine"];
        let mut inbox = Vec::new();
        for i in 0..rounds {
            let view = views[i % views.len()];
            let sort = if i % 2 == 0 { "newest" } else { "oldest" };
            // Every fifth request is a deep page (a cursor far into the list).
            let after = if i % 5 == 4 { format!("&after={}", rng.gen_range(1..n as i64)) } else { String::new() };
            inbox.push(time(format!("/inbox?view={view}&sort={sort}{after}")).await?);
        }
        let mut ticket = Vec::new();
        for _ in 0..rounds {
            ticket.push(time(format!("/t/{}", rng.gen_range(1..=n as i64))).await?);
        }
        let mut thread = Vec::new();
        for _ in 0..20 {
            thread.push(time(format!("/t/{big}")).await?);
        }
        // The rich mail: its page, its frame, and then every inline image, as a browser loads them.
        let (big_msg, image_ids) = {
            let mut conn = db.conn().await?;
            let t = tickets::by_number(&mut conn, podpora_domain::TicketNumber::new(big_mail)?).await?.context("rich mail ticket")?;
            let msgs = podpora_store::messages::for_ticket(&mut conn, t.id).await?;
            let m = msgs.into_iter().find(|m| m.body_html.is_some()).context("rich mail message")?;
            (m.id, m.attachments.iter().filter(|a| a.inline).map(|a| a.id).collect::<Vec<_>>())
        };
        anyhow::ensure!(image_ids.len() == 40, "the rich mail has {} inline images", image_ids.len());
        let mut rich = Vec::new();
        for _ in 0..20 {
            let mut total = time(format!("/t/{big_mail}")).await?;
            total += time(format!("/m/{big_msg}/frame")).await?;
            for id in &image_ids {
                total += time(format!("/a/{id}/inline")).await?;
            }
            rich.push(total);
        }
        let words = ["invoice", "did not arrive", "return", "customer42@mail", "Order 777", "#12345", "nothing matches this"];
        let mut search = Vec::new();
        for i in 0..words.len() * 2 {
            let q: String = words[i % words.len()]
                .chars()
                .map(|c| {
                    if c == ' ' {
                        '+'
                    } else if c == '#' {
                        '!'
                    } else {
                        c
                    }
                })
                .collect::<String>()
                .replace('!', "%23");
            search.push(time(format!("/inbox?view=all&q={q}")).await?);
        }
        for v in [&mut inbox, &mut ticket, &mut thread, &mut search, &mut rich] {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        }
        let line = serde_json::json!({
            "bench": "ui", "backend": backend, "n": n,
            "inbox_p50_ms": percentile(&inbox, 0.5), "inbox_p99_ms": percentile(&inbox, 0.99),
            "ticket_p50_ms": percentile(&ticket, 0.5), "ticket_p99_ms": percentile(&ticket, 0.99),
            "thread500_p50_ms": percentile(&thread, 0.5), "thread500_p99_ms": percentile(&thread, 0.99),
            "search_p50_ms": percentile(&search, 0.5), "search_p99_ms": percentile(&search, 0.99),
            "mail250k_40img_p99_ms": percentile(&rich, 0.99),
            "seed_s": (seed_s * 10.0).round() / 10.0,
            "rss_mb": rss_mb(),
        });
        db.close().await;
        Ok::<String, anyhow::Error>(line.to_string())
    })
    .await
}

fn pg_admin_url() -> String {
    std::env::var("PODPORA_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

/// The generated workload: 30% of messages reply to an earlier one of the same customer, 20% carry
/// a 20–200 KB attachment, bodies of 200 B to 20 KB. Written to a spool file before the clock
/// starts (`spool`), so that the senders only read mail, as an MTA hands it over, and the bench
/// measures neither the generator's CPU nor its memory.
struct Workload {
    /// (customer, Message-ID, reply target) per message.
    plan: Vec<(usize, String, Option<usize>)>,
    /// Whether message i was accepted (durable) yet.
    accepted: Vec<std::sync::atomic::AtomicBool>,
    words: Vec<String>,
}

impl Workload {
    fn new(n: usize) -> Workload {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        let mut plan: Vec<(usize, String, Option<usize>)> = Vec::with_capacity(n);
        for i in 0..n {
            let target = (i > 0 && rng.gen_bool(0.3)).then(|| rng.gen_range(0..i));
            let customer = target.map(|t| plan[t].0).unwrap_or(i);
            plan.push((customer, format!("bench{i}.{}@mail.example.cz", rng.gen::<u32>()), target));
        }
        // A vocabulary of 5,000 words: real ones of the trade first, then made-up ones.
        let mut words: Vec<String> = [
            "objednávka",
            "order",
            "delivery",
            "refund",
            "faktura",
            "broken",
            "please",
            "help",
            "when",
            "zásilka",
            "thanks",
            "size",
            "colour",
            "return",
        ]
        .iter()
        .map(|w| w.to_string())
        .collect();
        let letters: Vec<char> = "abcdeéfghiíjklmnoprsštuúvyzž".chars().collect();
        while words.len() < 5_000 {
            let len = rng.gen_range(3..11);
            words.push((0..len).map(|_| letters[rng.gen_range(0..letters.len())]).collect());
        }
        Workload { accepted: plan.iter().map(|_| Default::default()).collect(), plan, words }
    }

    /// Writes every message to `path`, one after another.
    fn spool(&self, path: &std::path::Path) -> anyhow::Result<Spool> {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        let mut spans = Vec::with_capacity(self.plan.len());
        let mut at = 0u64;
        for i in 0..self.plan.len() {
            let m = self.message(i);
            out.write_all(&m)?;
            spans.push((at, m.len()));
            at += m.len() as u64;
        }
        // Written back now, not by the kernel during the measurement.
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(Spool { file: std::fs::File::open(path)?, spans })
    }

    fn message(&self, i: usize) -> Vec<u8> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1000 + i as u64);
        let words = &self.words;
        let (customer, mid, target) = &self.plan[i];
        let body_len = [200usize, 1_000, 4_000, 20_000][rng.gen_range(0..4)];
        let mut body = String::with_capacity(body_len + 16);
        while body.len() < body_len {
            // Some words are common, most are rare (roughly as in real text).
            body.push_str(&words[(rng.gen::<f64>().powf(3.0) * words.len() as f64) as usize]);
            body.push(if rng.gen_bool(0.1) { '\n' } else { ' ' });
        }
        let mut m = format!(
            "From: Customer {customer} <customer{customer}@example{}.cz>\r\nTo: Support <help@shop.example>\r\nSubject: {}Order {customer}\r\nMessage-ID: <{mid}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n",
            customer % 50,
            if target.is_some() { "Re: " } else { "" }
        );
        if let Some(t) = target {
            m.push_str(&format!("In-Reply-To: <{0}>\r\nReferences: <{0}>\r\n", self.plan[*t].1));
        }
        if rng.gen_bool(0.2) {
            let size = rng.gen_range(20_000..200_000);
            let mut data = vec![0u8; size];
            rng.fill_bytes(&mut data);
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
        m.into_bytes()
    }
}

/// The generated messages in one file: message i is `spans[i]` (offset, length).
struct Spool {
    file: std::fs::File,
    spans: Vec<(u64, usize)>,
}

impl Spool {
    /// Message i (from the page cache: a copy, no generator work).
    fn read(&self, i: usize) -> std::io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let (at, len) = self.spans[i];
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, at)?;
        Ok(buf)
    }
}

async fn ingest_bench(backend: &str, dir: &std::path::Path, n: usize, concurrency: usize, blobs: Option<&str>) -> anyhow::Result<String> {
    on_throwaway_database(backend, dir, |url| async move {
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        mailboxes::add(
            &db,
            &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example")?, name: "Shop".into(), imap_url: None },
        )
        .await?;
        // As `serve` does by default: a folder with SQLite, the database with PostgreSQL.
        let blobs = match blobs.unwrap_or(if backend == "sqlite" { "local" } else { "database" }) {
            "local" => BlobStore::local(dir.join("blobs"))?,
            _ => BlobStore::database(db.clone()),
        };
        let blob_kind = if blobs.is_database() { "database" } else { "local" };
        let room = bench_room(&db, blobs);
        let work = Arc::new(Workload::new(n));
        let spool = Arc::new(work.spool(&dir.join("spool"))?);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let env = Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example")?] };
        // The same shape as `serve`: senders that stop at the durable accept, and the worker pool
        // that processes the mail and sends the acknowledgements (as .eml files here).
        let (mut workers, stop_tx, _) = serve_like(&room, dir).await?;
        let start = Instant::now();
        let mut senders = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (room, work, spool, next, env) = (room.clone(), work.clone(), spool.clone(), next.clone(), env.clone());
            senders.spawn(async move {
                let mut lat = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= work.plan.len() {
                        break;
                    }
                    let raw = spool.read(i)?;
                    // A customer answers mail that has arrived: a reply waits until the message
                    // it answers was accepted (another sender may still be delivering it).
                    if let Some(t) = work.plan[i].2 {
                        while !work.accepted[t].load(std::sync::atomic::Ordering::Acquire) {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                    let t = Instant::now();
                    ingest::accept(&room, Source::Smtp, &env, raw).await?;
                    lat.push(t.elapsed());
                    work.accepted[i].store(true, std::sync::atomic::Ordering::Release);
                }
                Ok::<_, anyhow::Error>(lat)
            });
        }
        let mut lat: Vec<Duration> = Vec::with_capacity(n);
        while let Some(r) = senders.join_next().await {
            lat.extend(r??);
        }
        let accepted_secs = start.elapsed().as_secs_f64();
        let mut processed_secs = None;
        loop {
            // (An index lookup, not a count over the table, so that watching costs the server little.)
            if processed_secs.is_none() && podpora_store::inbound::waiting_mailboxes(&db).await?.is_empty() {
                processed_secs = Some(start.elapsed().as_secs_f64());
            }
            // Done when the acknowledgements are out and every message is searchable.
            if processed_secs.is_some() && jobs::pending(&db).await? == 0 && !podpora_store::search::pending(&db).await? {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let secs = start.elapsed().as_secs_f64();
        let _ = stop_tx.send(true);
        while workers.join_next().await.is_some() {}
        let tickets = tickets::count(&db).await?;
        let set_aside = podpora_store::inbound::list(&db, podpora_store::inbound::InboundStatus::SetAside, 10).await?.len();
        anyhow::ensure!(set_aside == 0, "{set_aside} generated messages were set aside");
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
                .map(|d| (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0)
                .unwrap_or(0.0)
        };
        db.close().await;
        let mut j = serde_json::json!({
            "bench": "ingest", "backend": backend, "blobs": blob_kind, "n": n, "senders": concurrency,
            "per_sec": ((n as f64 / secs) * 10.0).round() / 10.0,
            "accept_per_sec": ((n as f64 / accepted_secs) * 10.0).round() / 10.0,
            "processed_per_sec": ((n as f64 / processed_secs.unwrap_or(secs)) * 10.0).round() / 10.0,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "tickets": tickets, "threaded_replies": n as i64 - tickets,
        });
        if let Some(r) = rss_mb() {
            j["rss_mb"] = serde_json::json!(r);
        }
        Ok::<_, anyhow::Error>(j.to_string())
    })
    .await
}

/// A customer's mail for `bench imap`: every tenth with a 200 KB PDF.
fn imap_mail(i: usize, rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    use base64::Engine;
    let head = format!(
        "From: Customer {i} <c{i}@mail.example.cz>\r\nTo: help@shop.example\r\nSubject: imap-{i:06}\r\nMessage-ID: <imap-{i}@mail.example.cz>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    );
    let text = format!("Dobrý den,\r\nobjednávka {i} ještě nedorazila. Kdy ji můžu čekat?\r\nDěkuji, zákazník {i}\r\n");
    if !i.is_multiple_of(10) {
        return format!("{head}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}").into_bytes();
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend((0..200_000).map(|_| rng.gen::<u8>()));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let lines: Vec<&str> = b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!(
        "{head}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}--b\r\nContent-Type: application/pdf; name=invoice-{i}.pdf\r\nContent-Disposition: attachment; filename=invoice-{i}.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

async fn imap_bench(backend: &str, dir: &std::path::Path, n: usize) -> anyhow::Result<String> {
    let dovecot = podpora_mail::peers::Dovecot::try_start().context("starting Dovecot (Debian package dovecot-imapd)")?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mails: Vec<(String, Vec<u8>)> = (0..n).map(|i| (format!("{}.M{i}P1.bench", 1_700_000_000 + i), imap_mail(i, &mut rng))).collect();
    let bytes: usize = mails.iter().map(|(_, m)| m.len()).sum();
    dovecot.deliver_many(&mails)?;
    drop(mails);
    on_throwaway_database(backend, dir, |url| async move {
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        let blobs = if backend == "sqlite" { BlobStore::local(dir.join("blobs"))? } else { BlobStore::database(db.clone()) };
        let room = bench_room(&db, blobs);
        let (mut tasks, stop_tx, stop_rx) = serve_like(&room, dir).await?;
        // The clock starts when the mailbox is added, as an operator would add it to `serve`.
        let start = Instant::now();
        mailboxes::add(
            &db,
            &mailboxes::NewMailbox {
                address: EmailAddress::parse("help@shop.example")?,
                name: "Shop".into(),
                imap_url: Some(dovecot.url()),
            },
        )
        .await?;
        tasks.spawn(crate::runtime::imap_supervisor(room.clone(), stop_rx.clone()));
        let deadline = start + Duration::from_secs(600);
        while tickets::count(&db).await? < n as i64 {
            anyhow::ensure!(Instant::now() < deadline, "the backlog was not fetched within 10 minutes");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let secs = start.elapsed().as_secs_f64();
        while jobs::pending(&db).await? > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let acked_secs = start.elapsed().as_secs_f64();
        let _ = stop_tx.send(true);
        while tasks.join_next().await.is_some() {}
        // Every mail once, in order.
        let tickets = tickets::count(&db).await?;
        let subjects = tickets::subjects_in_order(&db).await?;
        anyhow::ensure!(tickets == n as i64, "{tickets} tickets for {n} mails");
        anyhow::ensure!(subjects.iter().enumerate().all(|(i, s)| *s == format!("imap-{i:06}")), "the backlog did not land in order");
        db.close().await;
        let per_sec = n as f64 / secs;
        let mut j = serde_json::json!({
            "bench": "imap", "backend": backend, "n": n, "mb": (bytes as f64 / 1048576.0).round(),
            "per_sec": (per_sec * 10.0).round() / 10.0,
            "acknowledged_per_sec": ((n as f64 / acked_secs) * 10.0).round() / 10.0,
            // FreeScout imports 61 mails/s over IMAP on this kind of machine (the figure).
            "x_freescout": (per_sec / 61.0 * 10.0).round() / 10.0,
        });
        if let Some(r) = rss_mb() {
            j["rss_mb"] = serde_json::json!(r);
        }
        Ok::<_, anyhow::Error>(j.to_string())
    })
    .await
}

/// routing: the decision for each incoming ticket — its pool's policy over the pool's members as
/// they are — with 200 agents (capacity 30, languages and skills), 50 teams of four with a lead,
/// ten mailboxes with a policy each (round robin, least loaded, sticky, account manager) and a
/// history of `n` seeded tickets (open ones assigned, answers by agents within the sticky
/// window, account managers for a tenth of the customers), so that loads, last helpers and
/// managers are read from tables of a real size. Every tenth ticket is given to a team, whose
/// policy then decides. `p50_ms`/`p99_ms`: one ticket decided alone, as the router does when mail
/// trickles in (written, then decided: only the decision is timed); `per_sec`: a backlog of the
/// same size decided in batches.
/// 500 rules as a shop might have them: most on created tickets — a B2B customer's domain to
/// their team, words of the subject or the customer's text to tags and priorities, channels,
/// languages —, some on update, a few on a schedule. A few match the bench's customers (tags and a
/// priority; none assigns, so the policies still decide).
fn bench_rules(teams: &[i64], agents: &[i64]) -> Vec<podpora_commands::rules::RuleSpec> {
    use podpora_domain::rules::{ActionKind as A, ActionSpec, ConditionSpec, Field as F, Op, Trigger};
    let c = |field, op, value: String| ConditionSpec { field, op, value };
    let a = |action, value: String| ActionSpec { action, value };
    let words = ["reklamace", "faktura", "vraceni", "doprava", "zaruka", "platba", "objednavka", "slevovy kod", "velikost", "kosik"];
    (0..500)
        .map(|i| {
            let team = teams[i % teams.len()];
            let (trigger, conditions, actions) = match i % 10 {
                0..=3 => (
                    Trigger::Created,
                    vec![c(F::SenderDomain, Op::Is, format!("firma{i}.cz, b2b{i}.sk"))],
                    vec![a(A::SetTeam, team.to_string()), a(A::AddTag, "b2b".into())],
                ),
                4 => (
                    Trigger::Created,
                    vec![c(F::Subject, Op::Contains, format!("{}, {}{i}", words[i % words.len()], words[(i + 3) % words.len()]))],
                    vec![a(A::AddTag, words[i % words.len()].replace(' ', "-"))],
                ),
                5 => (
                    Trigger::Created,
                    vec![c(F::Channel, Op::Is, "chat".into()), c(F::Language, Op::Is, "pl".into())],
                    vec![a(A::SetTeam, team.to_string())],
                ),
                6 => (
                    Trigger::Created,
                    vec![c(F::Tag, Op::Is, "b2b".into()), c(F::Body, Op::Contains, format!("{}{i}", words[i % words.len()]))],
                    vec![a(A::SetPriority, "high".into()), a(A::Notify, "team_lead".into())],
                ),
                7 => (
                    Trigger::Created,
                    vec![
                        c(F::Sender, Op::Is, format!("customer{i}@mail.example.cz")),
                        c(F::Subject, Op::Contains, "parcel, zasilka".into()),
                    ],
                    vec![a(A::AddTag, "shipping".into())],
                ),
                8 => (
                    Trigger::Updated,
                    vec![c(F::Event, Op::Is, "customer_message".into()), c(F::Priority, Op::Is, "urgent".into())],
                    vec![a(A::Notify, format!("assignee, {}", agents[i % agents.len()]))],
                ),
                _ => (
                    Trigger::Schedule,
                    vec![c(F::Status, Op::Is, "pending".into()), c(F::IdleHours, Op::AtLeast, format!("{}", 24 * (5 + i % 7)))],
                    vec![a(A::AddTag, format!("idle-{i}"))],
                ),
            };
            podpora_commands::rules::RuleSpec { name: format!("Rule {i}"), trigger, enabled: true, stop: false, conditions, actions }
        })
        .collect()
}

async fn routing_bench(backend: &str, dir: &std::path::Path, n: usize) -> anyhow::Result<String> {
    use podpora_commands::routing::{self, PolicyChange, RoutingPool};
    use podpora_commands::{accounts, admin::Admin, intake, tickets as desk};
    use podpora_domain::routing::PolicyKind;
    const AGENTS: usize = 200;
    const TEAMS: usize = 50;
    const MAILBOXES: usize = 10;
    on_throwaway_database(backend, dir, |url| async move {
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        let room = bench_room(&db, BlobStore::local(dir.join("blobs"))?);
        let cli = Admin::command_line();
        let mut boxes = Vec::new();
        for i in 0..MAILBOXES {
            let address = EmailAddress::parse(&format!("help{i}@shop.example"))?;
            boxes.push(mailboxes::add(&db, &mailboxes::NewMailbox { address, name: format!("Shop {i}"), imap_url: None }).await?.id);
        }
        podpora_store::seed::tickets(&db, boxes[0], n as i64, 0).await?;
        let admin_user =
            podpora_store::users::create(&db, &EmailAddress::parse("boss@shop.example")?, "Boss", podpora_domain::Role::Admin, "x").await?;
        podpora_store::users::set_status(&db, admin_user.id, podpora_domain::AgentStatus::Off).await?;
        let admin = podpora_commands::Actor::of(&db, admin_user).await?;
        let mut agents = Vec::new();
        for i in 0..AGENTS {
            let email = EmailAddress::parse(&format!("agent{i:03}@shop.example"))?;
            let u = podpora_store::users::create(&db, &email, &format!("Agent {i}"), podpora_domain::Role::Agent, "x").await?;
            let change = accounts::ProfileChange {
                capacity: 30,
                languages: ["cs", "cs, en", "pl, en", "ru, cs"][i % 4].into(),
                skills: ["returns", "b2b", "invoices", ""][i % 4].into(),
                time_zone: String::new(),
                working_hours: String::new(),
            };
            accounts::set_profile(&room, &cli, &email, &change).await?;
            agents.push(u.id);
        }
        let mut teams = Vec::new();
        for (i, members) in agents.chunks(AGENTS / TEAMS).enumerate() {
            let id = podpora_commands::admin::add_team(&room, &cli, &format!("Team {i}")).await?;
            podpora_commands::admin::set_team_members(&room, &cli, id, members, members.first().copied()).await?;
            teams.push(id);
        }
        podpora_store::seed::routing_history(&db, &agents, 10).await?;
        let kinds = [PolicyKind::RoundRobin, PolicyKind::LeastLoaded, PolicyKind::Sticky, PolicyKind::AccountManager];
        let policy = |kind| PolicyChange {
            policy: kind,
            fallback: None,
            sticky_days: None,
            by_language: None,
            reassign_off_shift: None,
            overflow_team: None,
            overflow_after: None,
        };
        for (i, id) in boxes.iter().enumerate() {
            routing::set_policy(&room, &cli, RoutingPool::Mailbox(*id), &policy(kinds[i % kinds.len()])).await?;
        }
        for (i, id) in teams.iter().enumerate() {
            routing::set_policy(&room, &cli, RoutingPool::Team(*id), &policy(kinds[i % 2])).await?;
        }
        let rules = bench_rules(&teams, &agents);
        for r in &rules {
            podpora_commands::rules::create(&room, &cli, r).await?;
        }
        let customers = (n / 4).max(1);
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        // One incoming ticket: from a returning customer (four in five) or a new one, to one of the
        // mailboxes, every tenth given to a team.
        let mut incoming = |i: usize| {
            let from = if i.is_multiple_of(5) {
                format!("new{i}@mail.example.cz")
            } else {
                format!("customer{}@mail.example.cz", rng.gen_range(1..=customers))
            };
            (from, boxes[i % MAILBOXES], i.is_multiple_of(10).then(|| teams[rng.gen_range(0..teams.len())]))
        };
        let write = |from: String, mailbox: i64, team: Option<i64>| {
            let (room, admin) = (&room, &admin);
            async move {
                let t = intake::NewTicket {
                    from: EmailAddress::parse(&from)?,
                    name: "Customer",
                    subject: "Where is my parcel?",
                    body: "Hello, my order has not arrived yet.",
                    mailbox: Some(EmailAddress::parse(&format!("help{}@shop.example", mailbox - 1))?),
                    channel: podpora_domain::Channel::Api,
                };
                let number = intake::open_ticket(room, admin, &t).await?;
                if let Some(team) = team {
                    let change = desk::TicketChange { team: Some(Some(team)), ..Default::default() };
                    desk::update(room, admin, number, &change).await?;
                }
                Ok::<_, anyhow::Error>(())
            }
        };
        let mut one = Vec::new();
        let mut decided = 0;
        for i in 0..n {
            let (from, mailbox, team) = incoming(i);
            write(from, mailbox, team).await?;
            let t = Instant::now();
            let r = routing::route_due(&room, 1).await?;
            one.push(t.elapsed().as_secs_f64() * 1000.0);
            decided += r.assigned;
        }
        anyhow::ensure!(decided == n, "{decided} of {n} tickets were assigned");
        for i in n..2 * n {
            let (from, mailbox, team) = incoming(i);
            write(from, mailbox, team).await?;
        }
        let t = Instant::now();
        let mut batch = 0;
        loop {
            let r = routing::route_due(&room, routing::BATCH).await?;
            if r.taken == 0 {
                break;
            }
            batch += r.assigned;
        }
        let per_sec = n as f64 / t.elapsed().as_secs_f64();
        anyhow::ensure!(batch == n, "{batch} of {n} backlog tickets were assigned");
        one.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        let line = serde_json::json!({
            "bench": "routing", "backend": backend, "n": n, "agents": AGENTS, "teams": TEAMS, "rules": rules.len(),
            "per_sec": (per_sec * 10.0).round() / 10.0,
            "p50_ms": percentile(&one, 0.5), "p99_ms": percentile(&one, 0.99),
            "rss_mb": rss_mb(),
        });
        db.close().await;
        Ok::<String, anyhow::Error>(line.to_string())
    })
    .await
}

/// Words the bench's articles are written from (Czech and English help-centre text).
const ARTICLE_WORDS: &[&str] = &[
    "objednávka",
    "objednávky",
    "objednávku",
    "zboží",
    "vrácení",
    "vrátit",
    "reklamace",
    "reklamaci",
    "doručení",
    "doprava",
    "platba",
    "kartou",
    "převodem",
    "dobírka",
    "faktura",
    "záruka",
    "výměna",
    "velikost",
    "balík",
    "zásilka",
    "účet",
    "heslo",
    "order",
    "orders",
    "return",
    "refund",
    "delivery",
    "shipping",
    "payment",
    "invoice",
    "warranty",
    "exchange",
    "size",
    "parcel",
    "account",
    "password",
    "within",
    "days",
    "please",
    "customer",
    "service",
    "store",
    "change",
    "cancel",
];

/// `bench search`: one search box over `n` tickets (default a million) and n/100 knowledge-base
/// articles (at most 10,000): common words, rare words, typos, missing diacritics and prefixes.
async fn search_bench(backend: &str, dir: &std::path::Path, n: usize) -> anyhow::Result<String> {
    on_throwaway_database(backend, dir, |url| async move {
        let (db, mb) = shop_database(&url).await?;
        let seed_start = Instant::now();
        podpora_store::seed::tickets(&db, mb.id, n as i64, 10).await?;
        let articles = (n / 100).clamp(50, 10_000);
        podpora_store::seed::articles(&db, articles, ARTICLE_WORDS).await?;
        let seed_s = seed_start.elapsed().as_secs_f64();
        let room = bench_room(&db, BlobStore::local(dir.join("blobs"))?);
        let admin =
            podpora_store::users::create(&db, &EmailAddress::parse("admin@shop.example")?, "Admin", podpora_domain::Role::Admin, "x")
                .await?;
        let actor = podpora_commands::Actor::of(&db, admin).await?;
        // Tickets: a word in a third of them, one in all, rare ones, a number; articles: common
        // and rare words, typos, missing diacritics, other word forms, half-typed words.
        let tickets = ["invoice", "arrived", "parcel please", "customer4242", "Order 777", "wrong size", "invoce", "nothing matches"];
        let queries =
            ["objednavka", "vratit zbozi", "reklmace", "doruc", "platba kartou", "refnud", "shipping days", "warr", "zasilky", "xylofon"];
        let (mut ticket_times, mut article_times) = (Vec::new(), Vec::new());
        let mut slowest: Option<(&str, f64)> = None;
        for round in 0..10 {
            for q in tickets {
                let t = Instant::now();
                let query = tickets::TicketQuery {
                    q: Some(q.to_string()),
                    sort: if round % 2 == 0 { tickets::Sort::Newest } else { tickets::Sort::Oldest },
                    limit: 20,
                    ..podpora_commands::tickets::query(&actor)
                };
                podpora_commands::tickets::list(&room, &actor, query).await?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if slowest.as_ref().is_none_or(|(_, worst)| ms > *worst) {
                    slowest = Some((q, ms));
                }
                ticket_times.push(ms);
            }
            for q in queries {
                let t = Instant::now();
                let lang = Some(if round % 2 == 0 { "cs" } else { "en" });
                podpora_commands::kb::search(&room, None, q, lang, 10).await?;
                article_times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        let mut times: Vec<f64> = ticket_times.iter().chain(&article_times).copied().collect();
        for v in [&mut times, &mut ticket_times, &mut article_times] {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        }
        let line = serde_json::json!({
            "bench": "search", "backend": backend, "n": n, "articles": articles,
            "p50_ms": percentile(&times, 0.5), "p99_ms": percentile(&times, 0.99),
            "tickets_p99_ms": percentile(&ticket_times, 0.99), "articles_p99_ms": percentile(&article_times, 0.99),
            "slowest_ticket_query": slowest.map(|(q, ms)| format!("{q}: {ms:.1} ms")),
            "seed_s": (seed_s * 10.0).round() / 10.0,
            "rss_mb": rss_mb(),
        });
        db.close().await;
        Ok::<String, anyhow::Error>(line.to_string())
    })
    .await
}
