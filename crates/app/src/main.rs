//! `podpora`: the whole helpdesk in one binary. Subcommands per DESIGN.md; each has --help.

mod bench;
mod config;
mod runtime;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use config::Config;
use podpora_commands::admin::{self, Admin};
use podpora_commands::{accounts, CommandError};
use podpora_domain::{EmailAddress, Role};
use podpora_mail::imap::FetchedOnce;
use podpora_mail::ingest::{self, Envelope, Outcome, Source};
use podpora_mail::outbound::Transport;
use podpora_store::{mailboxes, users};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "podpora", version, about = "podpora — an omnichannel helpdesk in one binary")]
struct Cli {
    /// Configuration file (default: ./podpora.toml if it exists). PODPORA_* variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the helpdesk: web/API, inbound SMTP listener and background workers.
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Read one RFC 5322 message from stdin (or --file), as an MTA pipe does.
    /// Exit 0 stored, 65 stored but unparsable (set aside for an agent), 75 temporary failure (retry).
    Ingest {
        /// The support address the message was delivered to.
        #[arg(long)]
        to: String,
        /// Read the message from this file instead of stdin.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The envelope sender, if the MTA passes it (e.g. Postfix ${sender}).
        #[arg(long)]
        from: Option<String>,
    },
    /// Manage support addresses.
    Mailbox {
        #[command(subcommand)]
        command: MailboxCommand,
    },
    /// Manage agent and admin accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Inbound messages that were set aside (unparsable, loops, bounces).
    Inbound {
        #[command(subcommand)]
        command: InboundCommand,
    },
    /// Measure a part of the system on a throw-away database and print one JSON line per backend.
    Bench {
        /// What to measure.
        #[arg(value_parser = ["ingest", "ui", "imap", "routing", "search"])]
        name: String,
        /// sqlite or postgres (default: both).
        #[arg(long, value_parser = ["sqlite", "postgres"])]
        backend: Option<String>,
        /// How many operations.
        #[arg(long, default_value_t = 2000)]
        n: usize,
        /// ingest: how many senders deliver at once (Postfix delivers up to 20 per destination).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
        senders: u16,
        /// ingest: where raw mail and attachments go (default: as `serve` would, the database on
        /// PostgreSQL, a local folder with SQLite).
        #[arg(long, value_parser = ["local", "database"])]
        blobs: Option<String>,
    },
}

#[derive(Subcommand)]
enum MailboxCommand {
    /// Register a support address (adding an existing address updates it).
    Add {
        #[arg(long)]
        address: String,
        #[arg(long)]
        name: Option<String>,
        /// imap://user:pass@host:143/INBOX or imaps://…
        #[arg(long)]
        imap: Option<String>,
    },
    /// List support addresses and their fetch health.
    List,
    /// Set the automatic acknowledgement of a mailbox. Templates may use {{customer_name}},
    /// {{ticket_number}}, {{ticket_tag}}, {{subject}}, {{mailbox_name}}, {{support_hours}},
    /// {{response_time}}, {{answer_by}} (the SLA's due time, empty without one), {{alternative_contacts}}, {{help_articles}}, {{portal_url}}.
    Ack {
        #[arg(long)]
        address: String,
        /// on or off.
        #[arg(long, value_parser = ["on", "off"])]
        enabled: Option<String>,
        /// Subject template (the [#N] tag is added if missing).
        #[arg(long)]
        subject: Option<String>,
        /// File with the body template.
        #[arg(long)]
        body_file: Option<PathBuf>,
        /// e.g. "Mon–Fri 8:00–16:00 CET".
        #[arg(long)]
        hours: Option<String>,
        /// e.g. "4 business hours".
        #[arg(long)]
        response_time: Option<String>,
        /// e.g. "+420 123 456 789, chat on shop.example".
        #[arg(long)]
        contacts: Option<String>,
        /// The language for customers whose own is not known (cs, sk, pl, ru, uk, de, en; an
        /// empty value: the installation's default).
        #[arg(long)]
        language: Option<String>,
    },
    /// Connect to a mailbox's IMAP server and fetch what is new, once.
    Fetch {
        #[arg(long)]
        address: String,
    },
    /// Check an IMAP URL: connect, log in, open the folder.
    Test {
        /// imap://user:pass@host:143/INBOX or imaps://…
        #[arg(long)]
        imap: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "agent", "light_agent"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API token for the account.
    Create {
        #[arg(long)]
        email: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 365)]
        days: u32,
    },
}

#[derive(Subcommand)]
enum InboundCommand {
    /// List set-aside messages with their reasons.
    List,
    /// Process a set-aside message again.
    Reprocess { id: i64 },
}

/// Logs go to stderr: human-readable by default, one JSON object per line with PODPORA_LOG_FORMAT=json.
fn init_logs() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("PODPORA_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("PODPORA_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Fewer malloc arenas than glibc's default of eight per core: each thread that allocates (the
/// runtime's workers, the parsers on the blocking pool) otherwise gets an arena of its own, and
/// what is freed in an arena serves only the threads of that arena. One per core keeps threads
/// from contending and the resident size down (`bench ingest`, peak RSS: SQLite 71–77 → 55–56 MB,
/// PostgreSQL 84–88 → 72–79 MB, the same speed). Set before any thread starts;
/// `MALLOC_ARENA_MAX` in the environment still wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, i32::try_from(cores).unwrap_or(i32::MAX));
        }
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    init_logs();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("podpora: cannot start the runtime: {e}");
            return ExitCode::from(71);
        }
    };
    rt.block_on(async move {
        match run(cli).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("podpora: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Bench { name, backend, n, senders, blobs } = &cli.command {
        bench::run(name, backend.as_deref(), *n, usize::from(*senders), blobs.as_deref()).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(cfg).await.map(|_| ExitCode::SUCCESS),
        Command::Migrate => {
            runtime::open(&cfg).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest { to, file, from } => Ok(ingest_pipe(&cfg, &to, file, from).await),
        Command::Mailbox { command: MailboxCommand::Add { address, name, imap } } => {
            let room = runtime::open(&cfg).await?;
            let new =
                admin::NewMailbox { address: EmailAddress::parse(&address)?, name: name.as_deref().unwrap_or(""), imap: imap.as_deref() };
            let m = admin::add_mailbox(&room, &Admin::command_line(), &new).await?;
            println!("mailbox {} ({}) registered", m.address, m.name);
            Ok(ExitCode::SUCCESS)
        }
        Command::Mailbox { command: MailboxCommand::List } => {
            let room = runtime::open(&cfg).await?;
            for m in mailboxes::list(&room.db).await? {
                println!(
                    "{}\t{}\timap={}\tfetched={}\tlast_error={}",
                    m.address,
                    m.name,
                    m.imap_url.is_some(),
                    m.fetched_count,
                    m.last_error.unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mailbox {
            command: MailboxCommand::Ack { address, enabled, subject, body_file, hours, response_time, contacts, language },
        } => {
            let room = runtime::open(&cfg).await?;
            let mb = admin::mailbox_by_address(&room, &Admin::command_line(), &EmailAddress::parse(&address)?).await?;
            let body = body_file.map(|p| std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))).transpose()?;
            let ack = admin::AckSettingsChange {
                enabled: enabled.map(|e| e == "on"),
                subject,
                body,
                support_hours: hours,
                response_time,
                alternative_contacts: contacts,
                language,
                time_zone: None,
                versions: None,
            };
            admin::change_ack(&room, &Admin::command_line(), mb.id, &ack).await?;
            println!("acknowledgement of {} updated", mb.address);
            Ok(ExitCode::SUCCESS)
        }
        Command::Mailbox { command: MailboxCommand::Fetch { address } } => {
            let room = runtime::open(&cfg).await?;
            let mb = admin::mailbox_by_address(&room, &Admin::command_line(), &EmailAddress::parse(&address)?).await?;
            match podpora_mail::imap::fetch_once(&room, &mb).await.map_err(anyhow::Error::msg)? {
                FetchedOnce::Stored(n) => println!("{n} new messages stored; the server processes them"),
                FetchedOnce::ServerFetches => {
                    println!("0 new messages stored by this command: a running server fetches this mailbox (the login works)")
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mailbox { command: MailboxCommand::Test { imap } } => match podpora_mail::imap::test_connection(&imap).await {
            Ok(m) => {
                println!("{m}");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => bail!("{e}"),
        },
        Command::User { command: UserCommand::Add { email, name, role } } => {
            let room = runtime::open(&cfg).await?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let new = accounts::NewAgent { email: EmailAddress::parse(&email)?, name: &name, role: role.parse()?, password };
            let u = accounts::add_agent(&room, &Admin::command_line(), &new).await?;
            println!("user {} ({}) created", u.email, u.role);
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command: TokenCommand::Create { email, days } } => {
            let room = runtime::open(&cfg).await?;
            let token = accounts::create_token(&room, &Admin::command_line(), &EmailAddress::parse(&email)?, days).await?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Inbound { command } => {
            let room = runtime::open(&cfg).await?;
            match command {
                InboundCommand::List => {
                    for i in podpora_store::inbound::list(&room.db, podpora_store::inbound::InboundStatus::SetAside, 1000).await? {
                        println!(
                            "{}\t{}\t{} bytes\tfrom={}\t{}",
                            i.id,
                            i.source,
                            i.size,
                            i.envelope_from.unwrap_or_default(),
                            i.reason.unwrap_or_default()
                        );
                    }
                }
                InboundCommand::Reprocess { id } => match admin::reprocess(&room, &Admin::command_line(), id).await? {
                    None => bail!("message {id} is not set aside"),
                    Some(Outcome::Ticket { number, .. }) => println!("message {id} is now on ticket {number}"),
                    Some(Outcome::SetAside { reason, .. }) => println!("message {id} is still set aside: {reason}"),
                },
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { .. } => unreachable!("handled above"),
    }
}

/// MTA pipe delivery. Exit codes per sysexits: 0 stored, 65 stored but unparsable, 75 try again.
async fn ingest_pipe(cfg: &Config, to: &str, file: Option<PathBuf>, from: Option<String>) -> ExitCode {
    const EX_DATAERR: u8 = 65;
    const EX_TEMPFAIL: u8 = 75;
    let to = match EmailAddress::parse(to) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("podpora ingest: --to: {e}");
            return ExitCode::from(64);
        }
    };
    let raw = match &file {
        Some(p) => std::fs::read(p),
        None => {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b).map(|_| b)
        }
    };
    let raw = match raw {
        Ok(r) => r,
        Err(e) => {
            eprintln!("podpora ingest: cannot read the message: {e}");
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        eprintln!("podpora ingest: the message is empty; nothing was stored");
        return ExitCode::from(EX_DATAERR);
    }
    let room = match runtime::open(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("podpora ingest: {e:#}");
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    let accepted = match ingest::accept(&room, Source::Pipe, &Envelope { mail_from: from, rcpt_to: vec![to] }, raw).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("podpora ingest: message not stored, try again: {e}");
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    // Stored durably. Process it now, or, when a running server is draining this mailbox, wait
    // for what it makes of the message (the MTA and the sender deserve the same answer either
    // way), or leave it to the server if it is slow.
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(20), ingest::process(&room, accepted.inbound_id))
        .await
        .ok()
        .and_then(Result::ok);
    room.db.close().await;
    match outcome {
        Some(Outcome::SetAside { reason, unparsable: true }) => {
            eprintln!("podpora ingest: stored as message {} but set aside: {reason}", accepted.inbound_id);
            ExitCode::from(EX_DATAERR)
        }
        Some(Outcome::SetAside { reason, .. }) => {
            eprintln!("podpora ingest: stored as message {} and set aside: {reason}", accepted.inbound_id);
            ExitCode::SUCCESS
        }
        Some(Outcome::Ticket { number, created, .. }) => {
            eprintln!("podpora ingest: stored on ticket {number}{}", if created { " (new)" } else { "" });
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("podpora ingest: stored as message {}; it will be processed by the server", accepted.inbound_id);
            ExitCode::SUCCESS
        }
    }
}

async fn ensure_first_admin(cfg: &Config, room: &podpora_mail::Mailroom) -> anyhow::Result<()> {
    if users::count(&room.db).await? > 0 {
        return Ok(());
    }
    let email = EmailAddress::parse(cfg.admin_email.as_deref().unwrap_or("admin@localhost"))?;
    let (password, generated) = match &cfg.admin_password {
        Some(p) => (p.clone(), false),
        None => {
            use rand::Rng;
            const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let mut rng = rand::rngs::OsRng;
            ((0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect(), true)
        }
    };
    let first = accounts::NewAgent { email: email.clone(), name: "Administrator", role: Role::Admin, password: &password };
    match accounts::add_agent(room, &Admin::command_line(), &first).await {
        Ok(_) => {}
        // Another instance created the first admin at the same moment.
        Err(CommandError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(anyhow::anyhow!("PODPORA_ADMIN_PASSWORD: {e}")),
    }
    let token = accounts::create_token(room, &Admin::command_line(), &email, 365).await?;
    println!("First start: created the admin account {email}.");
    if generated {
        println!("  password:  {password}");
    }
    println!("  API token: {token}");
    println!("These are shown once; keep them somewhere safe.");
    Ok(())
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    // The configuration's files first: a mistake there is reported before anything starts.
    let smtp_tls = match &cfg.smtp_tls {
        Some((cert, key)) => Some(podpora_mail::smtp_server::TlsFiles::new(cert, key).map_err(|e| anyhow::anyhow!("SMTP STARTTLS: {e}"))?),
        None => None,
    };
    let room = runtime::open(&cfg).await?;
    let _owned = runtime::own_database(&cfg, &room).await?;
    room.blobs.check().await.with_context(|| format!("the blob store ({}) cannot be written and read back", room.blobs.describe()))?;
    ensure_first_admin(&cfg, &room).await?;
    let transport = Transport::new(cfg.smtp_relay.as_deref(), cfg.relay_timeouts, &cfg.data_dir)?;
    tracing::info!(outbound = %transport.describe(), blobs = %room.blobs.describe(), "outgoing mail and blob store");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(runtime::SENDING_SLOTS));
    for i in 0..cfg.workers {
        tasks.spawn(runtime::worker(room.clone(), transport.clone(), runtime::worker_name(&room, i), slots.clone(), stop_rx.clone()));
    }
    tasks.spawn(ingest::run_inbound(room.clone(), stop_rx.clone()));
    tasks.spawn(runtime::imap_supervisor(room.clone(), stop_rx.clone()));
    tasks.spawn(runtime::reminders(room.clone(), stop_rx.clone()));
    tasks.spawn(runtime::router(room.clone(), stop_rx.clone()));
    tasks.spawn(runtime::sla_clock(room.clone(), stop_rx.clone()));
    // Live events from other instances (PostgreSQL LISTEN/NOTIFY); in-process on SQLite.
    room.db.listen_events(&cfg.database_url).await.context("listening for live events")?;
    if let Some(addr) = cfg.smtp_listen {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding the SMTP listener to {addr}"))?;
        let tls = smtp_tls;
        tracing::info!(%addr, starttls = tls.is_some(), "SMTP listener ready");
        tasks.spawn(podpora_mail::smtp_server::serve(room.clone(), listener, tls, stop_rx.clone()));
    }
    let setup = podpora_web::Setup {
        outbound: transport.describe(),
        relay: cfg.smtp_relay.as_deref().is_some_and(|r| !r.trim().is_empty()),
        smtp_listen: cfg.smtp_listen.map(|a| a.to_string()),
        smtp_tls: cfg.smtp_tls.is_some(),
        public_url_set: cfg.public_url_set,
    };
    let state = podpora_web::AppState { room: room.clone(), setup, stop: stop_rx.clone() };
    let listener = tokio::net::TcpListener::bind(cfg.http_addr).await.with_context(|| format!("binding HTTP to {}", cfg.http_addr))?;
    tracing::info!(addr = %cfg.http_addr, "HTTP ready");
    println!(
        "podpora is running at {} (HTTP {}, SMTP {})",
        cfg.public_url,
        cfg.http_addr,
        cfg.smtp_listen.map(|a| a.to_string()).unwrap_or_else(|| "off".into())
    );
    let mut http_stop = stop_rx.clone();
    tasks.spawn(async move {
        let app = podpora_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let r = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|s| *s).await;
        });
        if let Err(e) = r.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    });
    shutdown_signal().await;
    tracing::info!("shutting down: finishing messages in flight");
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    room.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
