//! The ingest pipeline. `accept` makes a message durable (raw bytes fsynced in the blob store,
//! an `inbound` row and a `process_inbound` job committed) and only then may the caller answer
//! SMTP 250, flag the IMAP message or exit 0. `process` parses that stored copy and turns it into
//! a ticket message (or sets it aside with a reason), idempotently: a crash between the two
//! steps only delays processing.

use crate::compose::{self, Outgoing};
use crate::parse::{self, ParsedMail};
use crate::{db_text, MailError, Mailroom};
use podpora_domain::autoack::{self, AckContext, AckDecision, AckLimit, InboundClass};
use podpora_domain::threading::{self, ThreadClues, ThreadDecision};
use podpora_domain::token::{self, Purpose};
use podpora_domain::{Channel, Direction, EmailAddress, MessageKind, TicketNumber};
use podpora_domain::i18n;
use podpora_store::events::Event;
use podpora_store::inbound::{self, InboundStatus, NewInbound};
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::messages::{self, NewAttachment, NewMessage};
use podpora_store::{customers, jobs, now_ms, outbox, tickets, BlobId};
use std::collections::{HashMap, HashSet};

pub const JOB_PROCESS: &str = "process_inbound";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Smtp,
    Imap,
    Pipe,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Smtp => "smtp",
            Source::Imap => "imap",
            Source::Pipe => "pipe",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub mail_from: Option<String>,
    pub rcpt_to: Vec<EmailAddress>,
}

#[derive(Debug, Clone, Copy)]
pub struct Accepted {
    pub inbound_id: i64,
    pub job_id: i64,
}

/// Stores a message durably. Errors here are temporary for the sender (SMTP 451, exit 75).
pub async fn accept(room: &Mailroom, source: Source, env: &Envelope, raw: Vec<u8>) -> Result<Accepted, MailError> {
    let size = raw.len() as i64;
    let mut mailbox_id = None;
    for r in &env.rcpt_to {
        if let Some(m) = mailboxes::find_by_address(&room.db, r).await? {
            mailbox_id = Some(m.id);
            break;
        }
    }
    let blob = room.blobs.put(raw).await.map_err(|e| MailError::Temporary(format!("cannot store the message: {e}")))?;
    let to: Vec<String> = env.rcpt_to.iter().map(|a| a.to_string()).collect();
    let mut tx = room.db.begin().await?;
    let inbound_id = inbound::insert(
        &mut tx,
        &NewInbound { source: source.as_str(), mailbox_id, envelope_from: env.mail_from.as_deref(), envelope_to: &to, raw_blob: blob.as_str(), size },
    )
    .await?;
    let job_id = jobs::enqueue(&mut tx, JOB_PROCESS, &inbound_id.to_string(), now_ms()).await?;
    tx.commit().await?;
    room.wake.notify_waiters();
    Ok(Accepted { inbound_id, job_id })
}

/// What became of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ticket { number: TicketNumber, created: bool, ack: Option<AckDecision> },
    SetAside { reason: String, unparsable: bool },
}

fn set_aside_reason(class: InboundClass, m: &ParsedMail) -> Option<String> {
    match class {
        InboundClass::Bounce => Some(format!("bounce or delivery report from {} ({})", m.from, m.subject.chars().take(120).collect::<String>())),
        InboundClass::Loop => Some(format!("mail loop: our own mail came back from {}", m.from)),
        _ => None,
    }
}

/// Processes a stored message. Messages of one mailbox are processed in arrival order (so a
/// reply never overtakes the mail it answers and a backlog keeps its order): whoever holds the
/// mailbox's ingest lease drains its pending messages oldest first, parsing a batch in parallel
/// and applying it in order in one transaction. Safe to call twice: a processed message is left as it is.
pub async fn process(room: &Mailroom, inbound_id: i64) -> Result<Outcome, MailError> {
    if let Some(o) = settled(room, inbound_id).await? {
        return Ok(o);
    }
    let row = inbound::get(&mut *room.db.conn().await?, inbound_id).await?;
    let lease = format!("ingest:{}", row.mailbox_id.unwrap_or(0));
    let holder = compose::nonce();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut next_try = std::time::Instant::now();
    loop {
        // Taking the lease is a committed write: try it when woken (a batch was committed or the
        // lease released) or once a second; otherwise only watch, read-only, for our message.
        if std::time::Instant::now() >= next_try {
            if jobs::try_lease(&room.db, &lease, &holder, 120_000).await? {
                break;
            }
            next_try = std::time::Instant::now() + std::time::Duration::from_secs(1);
        }
        let woken = tokio::select! {
            _ = room.wake.notified() => true,
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => false,
        };
        if let Some(o) = settled(room, inbound_id).await? {
            return Ok(o);
        }
        if woken {
            next_try = std::time::Instant::now();
        }
        if std::time::Instant::now() > deadline {
            return Err(MailError::Temporary("another worker is still processing this mailbox".into()));
        }
    }
    // Concurrent accepts may commit out of id order, so a drain can pass over a message that
    // became visible late; drain again from the start until ours is done (bounded).
    let mut drained = Ok(HashMap::new());
    for _ in 0..3 {
        drained = drain(room, row.mailbox_id, inbound_id).await;
        match &drained {
            Ok(o) if !o.contains_key(&inbound_id) && settled(room, inbound_id).await?.is_none() => continue,
            _ => break,
        }
    }
    let _ = jobs::release_lease(&room.db, &lease, &holder).await;
    room.wake.notify_waiters();
    let mut outcomes = drained?;
    match outcomes.remove(&inbound_id) {
        Some(o) => Ok(o),
        None => settled(room, inbound_id).await?.ok_or_else(|| MailError::Temporary("the message is still waiting to be processed".into())),
    }
}

/// Waits up to `timeout` for another process (a running server) to finish a message, and returns
/// its outcome; `None` if it is still waiting then.
pub async fn wait_settled(room: &Mailroom, inbound_id: i64, timeout: std::time::Duration) -> Result<Option<Outcome>, MailError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(o) = settled(room, inbound_id).await? {
            return Ok(Some(o));
        }
        if std::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The outcome of a message that is no longer waiting, from its stored state.
async fn settled(room: &Mailroom, inbound_id: i64) -> Result<Option<Outcome>, MailError> {
    let mut conn = room.db.conn().await?;
    let row = inbound::get(&mut conn, inbound_id).await?;
    Ok(match row.status {
        InboundStatus::Received => None,
        InboundStatus::Processed => Some(Outcome::Ticket { number: tickets::by_id(&mut conn, row.ticket_id.unwrap_or_default()).await?.number, created: false, ack: None }),
        InboundStatus::SetAside => {
            let reason = row.reason.unwrap_or_default();
            let unparsable = reason.starts_with(UNPARSABLE);
            Some(Outcome::SetAside { reason: reason.trim_start_matches(UNPARSABLE).to_string(), unparsable })
        }
    })
}

const UNPARSABLE: &str = "unparsable: ";
const BATCH: i64 = 32;
const BATCH_BYTES: i64 = 16 << 20;

/// A message read back from the store and parsed (or the reason it could not be).
struct Prepared {
    row: inbound::Inbound,
    mail: Result<ParsedMail, String>,
    attachments: Vec<StoredAttachment>,
}

struct StoredAttachment {
    filename: String,
    content_type: String,
    size: i64,
    blob: BlobId,
    inline: bool,
    content_id: Option<String>,
}

async fn prepare(room: &Mailroom, row: inbound::Inbound) -> Result<Prepared, MailError> {
    let raw = room.blobs.get(&BlobId::parse(&row.raw_blob)?).await.map_err(|e| MailError::Temporary(format!("stored message unreadable: {e}")))?;
    // Parse off the async runtime, under a time cap; a parser panic is caught by the join.
    let limits = room.limits;
    let env_from = row.envelope_from.clone();
    let parsed = tokio::time::timeout(limits.parse_timeout, tokio::task::spawn_blocking(move || parse::parse(&raw, env_from.as_deref(), &limits))).await;
    let mut mail = match parsed {
        Err(_) => Err(format!("parsing took longer than {} s", limits.parse_timeout.as_secs())),
        Ok(Err(join)) => Err(format!("the parser failed on this message ({join})")),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Ok(Ok(m))) => Ok(m),
    };
    // Attachments go to the blob store before the transaction, to keep the write lock short.
    let mut attachments = Vec::new();
    if let Ok(m) = &mut mail {
        for a in std::mem::take(&mut m.attachments) {
            let size = a.bytes.len() as i64;
            let blob = room.blobs.put(a.bytes).await.map_err(|e| MailError::Temporary(format!("cannot store an attachment: {e}")))?;
            attachments.push(StoredAttachment { filename: a.filename, content_type: a.content_type, size, blob, inline: a.inline, content_id: a.content_id });
        }
    }
    Ok(Prepared { row, mail, attachments })
}

/// Processes the mailbox's waiting messages oldest first: at least up to `upto`, and whatever else
/// is waiting while the time budget lasts (bigger batches, fewer commits). The next batch is read
/// and parsed while the current one is applied. Returns their outcomes.
async fn drain(room: &Mailroom, mailbox_id: Option<i64>, upto: i64) -> Result<HashMap<i64, Outcome>, MailError> {
    let mut outcomes = HashMap::new();
    let budget = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let fetch = |after: i64| async move {
        let limit_id = if std::time::Instant::now() < budget { i64::MAX } else { upto };
        let batch = inbound::waiting(&room.db, mailbox_id, after, limit_id, BATCH, BATCH_BYTES).await?;
        futures::future::join_all(batch.into_iter().map(|row| prepare(room, row))).await.into_iter().collect::<Result<Vec<Prepared>, MailError>>()
    };
    let mut current = fetch(0).await?;
    while !current.is_empty() {
        let last = current.last().map(|p| p.row.id).unwrap_or(0);
        let (applied, following) = tokio::join!(apply_batch(room, &current), fetch(last));
        let applied = applied?;
        room.wake.notify_waiters();
        let mut changed: Vec<i64> = applied.iter().filter_map(|(_, o)| if let Outcome::Ticket { number, .. } = o { Some(number.get()) } else { None }).collect();
        changed.sort_unstable();
        changed.dedup();
        if !changed.is_empty() {
            room.db.publish(Event::Tickets { numbers: changed, mailbox_id }).await;
        }
        outcomes.extend(applied);
        current = following?;
    }
    Ok(outcomes)
}

/// Applies prepared messages in order in one transaction (one commit); if that fails, one
/// transaction per message, so one bad message cannot hold back the others.
async fn apply_batch(room: &Mailroom, prepared: &[Prepared]) -> Result<Vec<(i64, Outcome)>, MailError> {
    let t1 = std::time::Instant::now();
    let our_mailboxes = mailboxes::list(&room.db).await?;
    let colleagues = podpora_store::users::active_emails(&room.db).await?;
    let ours: HashSet<&str> = our_mailboxes.iter().map(|m| m.address.as_str()).collect();
    let ctx = ApplyContext { mailboxes: &our_mailboxes, ours: &ours, colleagues: &colleagues };
    let mut tx = room.db.begin().await?;
    let mut outcomes = Vec::with_capacity(prepared.len());
    let mut failed = None;
    for p in prepared {
        match apply(room, &mut tx, &ctx, p).await {
            Ok(o) => outcomes.push((p.row.id, o)),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let Some(e) = failed else {
        let t2 = std::time::Instant::now();
        tx.commit().await?;
        tracing::debug!(n = outcomes.len(), apply_ms = (t2 - t1).as_millis() as u64, commit_ms = t2.elapsed().as_millis() as u64, "batch applied");
        return Ok(outcomes);
    };
    drop(tx);
    tracing::warn!(error = %e, "batch failed; applying its messages one by one");
    outcomes.clear();
    for p in prepared {
        let mut tx = room.db.begin().await?;
        match apply(room, &mut tx, &ctx, p).await {
            Ok(o) => {
                tx.commit().await?;
                outcomes.push((p.row.id, o));
            }
            Err(MailError::Temporary(m)) => return Err(MailError::Temporary(m)),
            Err(e) => {
                drop(tx);
                let reason = format!("could not be stored as a ticket message: {e}");
                let mut tx = room.db.begin().await?;
                inbound::set_aside(&mut tx, p.row.id, &reason).await?;
                tx.commit().await?;
                tracing::error!(inbound_id = p.row.id, %reason, "message set aside");
                outcomes.push((p.row.id, Outcome::SetAside { reason, unparsable: false }));
            }
        }
    }
    Ok(outcomes)
}

struct ApplyContext<'a> {
    mailboxes: &'a [Mailbox],
    /// Our own addresses (plus parts removed).
    ours: &'a HashSet<&'a str>,
    /// Addresses of enabled agent accounts: their forwards belong to the original sender.
    colleagues: &'a HashSet<String>,
}

/// Turns one prepared message into a ticket message (or sets it aside), inside the caller's transaction.
async fn apply(room: &Mailroom, tx: &mut podpora_store::WriteTx, ctx: &ApplyContext<'_>, p: &Prepared) -> Result<Outcome, MailError> {
    let inbound_id = p.row.id;
    let row = &p.row;
    let mail = match &p.mail {
        Ok(m) => m,
        Err(reason) => {
            inbound::set_aside(tx, inbound_id, &format!("{UNPARSABLE}{reason}")).await?;
            tracing::warn!(inbound_id, %reason, "message set aside as unparsable");
            return Ok(Outcome::SetAside { reason: reason.clone(), unparsable: true });
        }
    };
    let mut mail_facts = mail.facts.clone();
    let our_mailboxes = ctx.mailboxes;
    let is_ours = |a: &EmailAddress| ctx.ours.contains(a.split_plus().0.as_str());
    mail_facts.from_ourselves = is_ours(&mail.from) || mail.loop_header.as_deref() == Some(room.installation.as_str());
    let class = autoack::classify(&mail.from, &mail_facts);
    if let Some(reason) = set_aside_reason(class, mail) {
        inbound::set_aside(tx, inbound_id, &reason).await?;
        tracing::info!(inbound_id, %reason, "message set aside");
        return Ok(Outcome::SetAside { reason, unparsable: false });
    }
    let mailbox = match row.mailbox_id {
        Some(id) => our_mailboxes.iter().find(|m| m.id == id).cloned(),
        None => None,
    };

    let plus_details: Vec<String> = row
        .envelope_to
        .iter()
        .filter_map(|s| EmailAddress::parse(s).ok())
        .chain(mail.to.iter().chain(&mail.cc).map(|(a, _)| a.clone()))
        .filter(|a| is_ours(a))
        .filter_map(|a| a.split_plus().1.map(str::to_string))
        .collect();
    let clues = ThreadClues { referenced: mail.referenced(), subject_tag: mail.subject_tag(), plus_details };

    let sender_is_colleague = ctx.colleagues.contains(mail.from.as_str());
    // Whose ticket a new mail opens: a colleague's forward belongs to the original sender.
    let owner = threading::ticket_owner(&mail.from, sender_is_colleague, mail.forwarded_from.as_ref().map(|(a, _)| a));
    let owner_name = match &mail.forwarded_from {
        Some((a, name)) if a == owner => name.as_str(),
        _ => mail.from_name.as_str(),
    };
    let known = messages::lookup_ids(tx, &clues.referenced).await?;
    let candidates = threading::candidate_tickets(&clues, &known);
    let facts = tickets::facts(tx, &candidates).await?;
    let decision = threading::decide(&room.key, &mail.from, &clues, &known, &facts);
    let (ticket, created) = match decision {
        ThreadDecision::Existing { ticket, by } => {
            let t = tickets::by_number(tx, ticket).await?.ok_or(podpora_store::StoreError::NotFound)?;
            if let Some(mid) = &mail.message_id {
                if messages::is_duplicate(tx, t.id, mid, mail.from.as_str()).await? {
                    // The same mail delivered again (an MTA retry, a refetch): kept raw, not shown twice.
                    inbound::mark_processed(tx, inbound_id, t.id).await?;
                    return Ok(Outcome::Ticket { number: t.number, created: false, ack: None });
                }
            }
            let next = t.status.after_customer_reply();
            if next != t.status {
                tickets::set_status(tx, t.id, next).await?;
            } else {
                tickets::touch(tx, t.id).await?;
            }
            tracing::debug!(inbound_id, ticket = t.number.get(), ?by, "threaded into existing ticket");
            (t, false)
        }
        ThreadDecision::New { related } => {
            let customer = customers::find_or_create(tx, owner, owner_name).await?;
            if let Some(lang) = mail.language.as_deref().and_then(podpora_domain::Lang::from_header).filter(|_| !sender_is_colleague) {
                customers::learn_language(tx, customer, lang.code()).await?;
            }
            let subject = podpora_domain::subject::title(&mail.subject);
            let t = tickets::create(tx, room.db.backend(), &tickets::NewTicket { mailbox_id: mailbox.as_ref().map(|m| m.id), customer_id: customer, subject: &subject, channel: Channel::Email, related })
                .await?;
            tickets::add_participant(tx, t.id, owner, owner_name).await?;
            (t, true)
        }
    };
    // Everyone on the mail but us (and the forwarding colleague) takes part from now on.
    let forwarded_by_colleague = created && sender_is_colleague && mail.forwarded_from.is_some();
    if !forwarded_by_colleague {
        if !created {
            // A new ticket already has its owner (the sender) as a participant.
            tickets::add_participant(tx, ticket.id, &mail.from, &mail.from_name).await?;
        }
        for (a, name) in mail.to.iter().chain(&mail.cc) {
            if !is_ours(a) && !a.is_robot() {
                tickets::add_participant(tx, ticket.id, a, name).await?;
            }
        }
    }
    let to: Vec<String> = mail.to.iter().map(|(a, _)| a.to_string()).collect();
    let cc: Vec<String> = mail.cc.iter().map(|(a, _)| a.to_string()).collect();
    let body_text = if mail.warnings.is_empty() { mail.text.new_text.clone() } else { format!("{}\n\n[podpora: {}]", mail.text.new_text, mail.warnings.join("; ")) };
    let msg_pk = messages::insert(
        tx,
        &NewMessage {
            inbound_id: Some(inbound_id),
            to: &to,
            cc: &cc,
            body_html: mail.html.as_deref(),
            quoted_text: mail.text.quoted.as_deref(),
            signature: mail.text.signature.as_deref(),
            message_id: mail.message_id.as_deref(),
            ..NewMessage::text(ticket.id, Direction::In, MessageKind::Message, (mail.from.as_str(), &mail.from_name), &mail.subject, &body_text)
        },
    )
    .await?;
    for a in &p.attachments {
        messages::add_attachment(tx, msg_pk, &NewAttachment { filename: &a.filename, content_type: &a.content_type, size: a.size, blob: a.blob.as_str(), inline: a.inline, content_id: a.content_id.as_deref() }).await?;
    }
    let mut remember: Vec<String> = mail.message_id.iter().cloned().collect();
    remember.extend(mail.thread_root.clone());
    if created {
        remember.push(compose::thread_key(&room.installation, ticket.number));
    }
    messages::remember_ids(tx, ticket.id, &remember).await?;

    let mut ack = None;
    if created {
        let mut refs = mail.references.clone();
        refs.extend(mail.message_id.clone());
        let about = AckAbout { customer_name: &mail.from_name, subject: &mail.subject, in_reply_to: mail.message_id.as_deref(), references: &refs };
        let mailbox = mailbox.as_ref().filter(|_| !forwarded_by_colleague);
        ack = Some(acknowledge(room, tx, mailbox, class, &ticket, &about, &mail.from).await?);
    }
    inbound::mark_processed(tx, inbound_id, ticket.id).await?;
    Ok(Outcome::Ticket { number: ticket.number, created, ack })
}

/// Sends the acknowledgement of a new ticket if the rules allow it (a person's mail, the mailbox
/// acknowledges, the sender's hourly limit not reached) and says what was decided.
async fn acknowledge(room: &Mailroom, tx: &mut podpora_store::WriteTx, mailbox: Option<&Mailbox>, class: InboundClass, ticket: &tickets::Ticket, about: &AckAbout<'_>, to: &EmailAddress) -> Result<AckDecision, MailError> {
    let limit = AckLimit::default();
    let recent = outbox::recent_acks(tx, to.as_str(), limit.window_secs * 1000).await?;
    let decision = autoack::decide_ack(class, mailbox.is_some_and(|m| m.ack_enabled), recent, limit);
    if let (AckDecision::Send, Some(mb)) = (decision, mailbox) {
        queue_ack(room, tx, mb, ticket, about, to).await?;
    }
    Ok(decision)
}

/// What an acknowledgement answers.
struct AckAbout<'a> {
    customer_name: &'a str,
    subject: &'a str,
    in_reply_to: Option<&'a str>,
    references: &'a [String],
}

async fn queue_ack(room: &Mailroom, tx: &mut podpora_store::WriteTx, mb: &Mailbox, ticket: &tickets::Ticket, about: &AckAbout<'_>, to: &EmailAddress) -> Result<(), MailError> {
    // The customer's language when known (from their mail or set by an agent), else English.
    let lang = customers::language(tx, ticket.customer_id).await?.and_then(|l| podpora_domain::Lang::from_code(&l)).unwrap_or(podpora_domain::Lang::En);
    let (default_hours, default_response) = (i18n::t(lang, "ack-default-hours"), i18n::t(lang, "ack-default-response-time"));
    let ctx = AckContext {
        customer_name: about.customer_name,
        ticket_number: ticket.number,
        subject: about.subject,
        mailbox_name: &mb.name,
        support_hours: if mb.support_hours.is_empty() { &default_hours } else { &mb.support_hours },
        response_time: if mb.response_time.is_empty() { &default_response } else { &mb.response_time },
        alternative_contacts: if mb.alternative_contacts.is_empty() { mb.address.as_str() } else { &mb.alternative_contacts },
        help_articles: &[],
        portal_url: &room.public_url,
    };
    let (subject, body) = autoack::render_ack(mb.ack_subject.as_deref(), mb.ack_body.as_deref(), lang, &ctx);
    let message_id = format!("{}@{}", token::message_id_local(&room.key, ticket.number, to, Purpose::Ack, &compose::nonce()), room.host);
    let reply_to = room.plus_reply_to.then(|| mb.address.with_plus(&token::plus_detail(&room.key, ticket.number, to)));
    let raw = compose::build(&Outgoing {
        from_name: &mb.name,
        from: &mb.address,
        to: std::slice::from_ref(to),
        cc: &[],
        reply_to: reply_to.as_ref(),
        subject: &subject,
        text: &body,
        message_id: &message_id,
        in_reply_to: about.in_reply_to,
        references: about.references,
        thread_topic: &ticket.subject,
        thread_index: &compose::thread_index(&room.installation, ticket.number, 0),
        auto_submitted: true,
        installation: &room.installation,
        attachments: &[],
    });
    let to_list = vec![to.to_string()];
    let ack_text = db_text(&body);
    let pk = messages::insert(
        tx,
        &NewMessage {
            to: &to_list,
            message_id: Some(&message_id),
            delivery: Some("queued"),
            ..NewMessage::text(ticket.id, Direction::Out, MessageKind::Message, (mb.address.as_str(), &mb.name), &subject, &ack_text)
        },
    )
    .await?;
    messages::remember_ids(tx, ticket.id, std::slice::from_ref(&message_id)).await?;
    crate::outbound::enqueue(tx, Some(ticket.id), Some(pk), "ack", mb.address.as_str(), &to_list, &raw).await?;
    outbox::record_ack(tx, to.as_str()).await?;
    Ok(())
}

/// Puts a set-aside message back into processing (after a fix, or when an agent says it is fine).
pub async fn reprocess(room: &Mailroom, inbound_id: i64) -> Result<Option<Outcome>, MailError> {
    let mut tx = room.db.begin().await?;
    if !inbound::reset(&mut tx, inbound_id).await? {
        tx.commit().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(process(room, inbound_id).await?))
}

/// A ticket opened through the web form or the API rather than by mail.
#[derive(Debug, Clone)]
pub struct FormTicket<'a> {
    pub mailbox: Option<&'a Mailbox>,
    pub from: &'a EmailAddress,
    pub name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub channel: Channel,
}

/// Opens a ticket for a customer who wrote through a form; acknowledged like mail.
pub async fn open_ticket(room: &Mailroom, f: &FormTicket<'_>) -> Result<Outcome, MailError> {
    let body = db_text(f.body.trim());
    if body.is_empty() {
        return Err(MailError::Rejected("the message body is empty".into()));
    }
    let subject = db_text(&podpora_domain::subject::title(f.subject));
    let name = db_text(f.name.trim());
    let mut tx = room.db.begin().await?;
    let customer = customers::find_or_create(&mut tx, f.from, &name).await?;
    let ticket = tickets::create(&mut tx, room.db.backend(), &tickets::NewTicket { mailbox_id: f.mailbox.map(|m| m.id), customer_id: customer, subject: &subject, channel: f.channel, related: None }).await?;
    tickets::add_participant(&mut tx, ticket.id, f.from, &name).await?;
    messages::insert(
        &mut tx,
        &NewMessage::text(ticket.id, Direction::In, MessageKind::Message, (f.from.as_str(), &name), &subject, &body),
    )
    .await?;
    messages::remember_ids(&mut tx, ticket.id, &[compose::thread_key(&room.installation, ticket.number)]).await?;
    // A form carries no mail headers: only the address can make it automatic (a robot sender).
    let class = autoack::classify(f.from, &autoack::MailFacts::default());
    let about = AckAbout { customer_name: &name, subject: &subject, in_reply_to: None, references: &[] };
    let decision = acknowledge(room, &mut tx, f.mailbox, class, &ticket, &about, f.from).await?;
    tx.commit().await?;
    room.wake.notify_waiters();
    room.db.publish(Event::Ticket { number: ticket.number.get(), mailbox_id: ticket.mailbox_id, by_user: None }).await;
    Ok(Outcome::Ticket { number: ticket.number, created: true, ack: Some(decision) })
}

/// A change to a mailbox's acknowledgement; `None` keeps a field, an empty template restores the default.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckSettingsChange {
    pub enabled: Option<bool>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub support_hours: Option<String>,
    pub response_time: Option<String>,
    pub alternative_contacts: Option<String>,
}

/// Validates the templates (unknown variables are refused with the list of known ones) and saves.
pub async fn change_ack(room: &Mailroom, mb: &Mailbox, c: &AckSettingsChange) -> Result<(), MailError> {
    let keep = |new: &Option<String>, old: &Option<String>| match new {
        Some(t) if t.trim().is_empty() => None,
        Some(t) => Some(db_text(t)),
        None => old.clone(),
    };
    let subject = keep(&c.subject, &mb.ack_subject);
    let body = keep(&c.body, &mb.ack_body);
    for t in subject.iter().chain(body.iter()) {
        podpora_domain::template::validate(t, autoack::ACK_VARIABLES).map_err(|e| MailError::Rejected(e.to_string()))?;
    }
    let text = |new: &Option<String>, old: &str| new.as_deref().map(db_text).unwrap_or_else(|| old.to_string());
    let settings = mailboxes::AckSettings {
        enabled: c.enabled.unwrap_or(mb.ack_enabled),
        subject,
        body,
        support_hours: text(&c.support_hours, &mb.support_hours),
        response_time: text(&c.response_time, &mb.response_time),
        alternative_contacts: text(&c.alternative_contacts, &mb.alternative_contacts),
    };
    mailboxes::set_ack(&room.db, mb.id, &settings).await?;
    Ok(())
}
