//! Applying a batch of parsed mail of one mailbox, in arrival order, in one transaction and with
//! few statements: what the batch needs to know (the Message-IDs it refers to, the tickets and
//! participants those lead to, the senders as customers, their recent acknowledgements) is read
//! with one query each; each message is then decided in memory, in order, seeing what the
//! messages before it in the batch did (a reply to a mail two places earlier lands on the ticket
//! that mail opened; an answer that arrived before the mail it answers goes after it); the
//! customers and tickets the batch opens stand in as placeholders until they are created together;
//! everything is written with one multi-row statement per table.
//! The serial part of ingest is this function, so its statement count is its speed.

use crate::compose::{self, Outgoing};
use crate::ingest::{Outcome, Prepared, UNPARSABLE};
use crate::parse::ParsedMail;
use crate::{db_text, MailError, Mailroom};
use podpora_domain::autoack::{self, AckContext, AckDecision, AckLimit, InboundClass};
use podpora_domain::threading::{self, ThreadClues, ThreadDecision, TicketFacts};
use podpora_domain::token::{self, Purpose};
use podpora_domain::{i18n, Channel, Direction, EmailAddress, Lang, MessageKind, TicketNumber, TicketStatus};
use podpora_store::customers::{self, KnownCustomer};
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::messages::{self, NewAttachment, NewMessage};
use podpora_store::{inbound, outbox, tickets, WriteTx};
use std::collections::{HashMap, HashSet};

/// Applies prepared messages in order in one transaction (one commit); if that fails, one
/// transaction per message, so one bad message cannot hold back the others. The transactions are
/// redoable (`Db::begin_redoable`): lost in a crash, the messages are still waiting in `inbound`
/// and are applied again; the acknowledgements they queue are sent only after a durable commit
/// (the job claim).
pub(crate) async fn apply_batch(room: &Mailroom, known: &Known, prepared: &[Prepared]) -> Result<Vec<(i64, Outcome)>, MailError> {
    let started = std::time::Instant::now();
    let ours: HashSet<&str> = known.mailboxes.iter().map(|m| m.address.as_str()).collect();
    let ctx = Context { room, mailboxes: &known.mailboxes, ours: &ours, colleagues: &known.colleagues };
    let mut tx = room.db.begin_redoable().await?;
    let e = match apply_in(&ctx, &mut tx, prepared).await {
        Ok(outcomes) => {
            tx.commit().await?;
            tracing::debug!(n = outcomes.len(), ms = started.elapsed().as_millis() as u64, "batch applied");
            return Ok(outcomes);
        }
        Err(e) => e,
    };
    drop(tx);
    if prepared.len() > 1 {
        tracing::warn!(error = %e, "batch failed; applying its messages one by one");
    }
    let mut outcomes = Vec::with_capacity(prepared.len());
    for p in prepared {
        let mut tx = room.db.begin_redoable().await?;
        match apply_in(&ctx, &mut tx, std::slice::from_ref(p)).await {
            Ok(o) => {
                tx.commit().await?;
                outcomes.extend(o);
            }
            Err(MailError::Temporary(m)) => return Err(MailError::Temporary(m)),
            Err(e) => {
                drop(tx);
                let reason = format!("could not be stored as a ticket message: {e}");
                let mut tx = room.db.begin_redoable().await?;
                inbound::set_aside(&mut tx, p.row.id, &reason).await?;
                tx.commit().await?;
                tracing::error!(inbound_id = p.row.id, %reason, "message set aside");
                outcomes.push((p.row.id, Outcome::SetAside { reason, unparsable: false }));
            }
        }
    }
    Ok(outcomes)
}

/// Our mailboxes and colleagues, read once per drain.
pub(crate) struct Known {
    mailboxes: Vec<Mailbox>,
    colleagues: HashSet<String>,
}

impl Known {
    pub(crate) async fn read(room: &Mailroom) -> Result<Known, MailError> {
        Ok(Known { mailboxes: mailboxes::list(&room.db).await?, colleagues: podpora_store::users::active_emails(&room.db).await? })
    }
}

struct Context<'a> {
    room: &'a Mailroom,
    mailboxes: &'a [Mailbox],
    /// Our own addresses (plus parts removed).
    ours: &'a HashSet<&'a str>,
    /// Addresses of enabled agent accounts: their forwards belong to the original sender.
    colleagues: &'a HashSet<String>,
}

impl Context<'_> {
    fn is_ours(&self, a: &EmailAddress) -> bool {
        self.ours.contains(a.split_plus().0.as_str())
    }
}

/// What is known of a mail before the batch's lookups.
struct Sorted<'p> {
    mail: &'p ParsedMail,
    class: InboundClass,
    clues: ThreadClues,
    sender_is_colleague: bool,
    /// Whose ticket a new mail opens: a colleague's forward belongs to the original sender.
    owner: &'p EmailAddress,
    owner_name: &'p str,
}

/// A message's first look: unparsable, set aside (bounce, loop) or a mail to thread.
enum First<'p> {
    Aside { reason: String, unparsable: bool },
    Mail(Sorted<'p>),
}

fn first_look<'p>(ctx: &Context<'_>, p: &'p Prepared) -> First<'p> {
    let mail = match &p.mail {
        Ok(m) => m,
        Err(reason) => return First::Aside { reason: reason.clone(), unparsable: true },
    };
    let mut facts = mail.facts.clone();
    facts.from_ourselves = ctx.is_ours(&mail.from) || mail.loop_header.as_deref() == Some(ctx.room.installation.as_str());
    let class = autoack::classify(&mail.from, &facts);
    let reason = match class {
        InboundClass::Bounce => {
            Some(format!("bounce or delivery report from {} ({})", mail.from, mail.subject.chars().take(120).collect::<String>()))
        }
        InboundClass::Loop => Some(format!("mail loop: our own mail came back from {}", mail.from)),
        _ => None,
    };
    if let Some(reason) = reason {
        return First::Aside { reason, unparsable: false };
    }
    let plus_details: Vec<String> = p
        .row
        .envelope_to
        .iter()
        .filter_map(|s| EmailAddress::parse(s).ok())
        .chain(mail.to.iter().chain(&mail.cc).map(|(a, _)| a.clone()))
        .filter(|a| ctx.is_ours(a))
        .filter_map(|a| a.split_plus().1.map(str::to_string))
        .collect();
    let clues = ThreadClues { referenced: mail.referenced(), subject_tag: mail.subject_tag(), plus_details };
    let sender_is_colleague = ctx.colleagues.contains(mail.from.as_str());
    let owner = threading::ticket_owner(&mail.from, sender_is_colleague, mail.forwarded_from.as_ref().map(|(a, _)| a));
    let owner_name = match &mail.forwarded_from {
        Some((a, name)) if a == owner => name.as_str(),
        _ => mail.from_name.as_str(),
    };
    First::Mail(Sorted { mail, class, clues, sender_is_colleague, owner, owner_name })
}

/// A ticket the batch has read or opened, as it stands after the messages so far.
struct Held {
    /// A placeholder (below zero) for a ticket the batch opens.
    id: i64,
    status: TicketStatus,
    participants: Vec<EmailAddress>,
    created: bool,
}

/// A ticket message waiting to be written: the parts computed here; the rest is borrowed from its mail.
struct Incoming {
    index: usize,
    ticket_id: i64,
    to: Vec<String>,
    cc: Vec<String>,
    body_text: String,
}

/// The batch's writes, gathered while its messages are decided.
#[derive(Default)]
struct Writes {
    participants: Vec<(i64, EmailAddress, String)>,
    incoming: Vec<Incoming>,
    remember: Vec<(i64, String)>,
    status: HashMap<i64, TicketStatus>,
    touched: Vec<i64>,
    acks: Vec<AckPlan>,
    processed: Vec<(i64, i64)>,
}

/// Ticket numbers from here up stand for tickets the batch opens, until they are created.
const PROVISIONAL: i64 = 1 << 60;

/// A ticket the batch opens. Until customers and tickets are created together after the
/// decisions, a new ticket is referred to by the id `-(k + 1)` and the number `PROVISIONAL + k`,
/// a new customer by the id `-(j + 1)`.
struct Opening {
    customer_id: i64,
    mailbox_id: Option<i64>,
    subject: String,
    related: Option<TicketNumber>,
}

/// An acknowledgement to compose once its ticket has its number.
struct AckPlan {
    index: usize,
    ticket: TicketNumber,
    mailbox_id: i64,
    lang: Lang,
}

/// Tickets (and customers) the batch opens, and the real ids and numbers they get.
#[derive(Default)]
struct Openings {
    tickets: Vec<Opening>,
    customers: Vec<(EmailAddress, String, Option<String>)>,
    created: Vec<tickets::Ticket>,
}

impl Openings {
    fn ticket_id(&self, id: i64) -> i64 {
        if id < 0 {
            self.created.get((-id - 1) as usize).map_or(id, |t| t.id)
        } else {
            id
        }
    }
    fn number(&self, n: TicketNumber) -> TicketNumber {
        self.created(n).map_or(n, |t| t.number)
    }
    fn created(&self, n: TicketNumber) -> Option<&tickets::Ticket> {
        n.get().checked_sub(PROVISIONAL).and_then(|k| usize::try_from(k).ok()).and_then(|k| self.created.get(k))
    }
}

async fn apply_in(ctx: &Context<'_>, tx: &mut WriteTx, batch: &[Prepared]) -> Result<Vec<(i64, Outcome)>, MailError> {
    let room = ctx.room;
    let looks: Vec<First<'_>> = batch.iter().map(|p| first_look(ctx, p)).collect();
    let mails = || looks.iter().filter_map(|l| if let First::Mail(s) = l { Some(s) } else { None });

    // What the batch needs to know, one query each.
    let mut ids: Vec<String> = mails().flat_map(|s| s.clues.referenced.iter().cloned().chain(s.mail.message_id.clone())).collect();
    ids.sort();
    ids.dedup();
    let mut known = messages::lookup_ids(tx, &ids).await?;
    let known_before: HashSet<String> = known.keys().cloned().collect();
    // The tickets the mails may join, and those already holding a mail's own Message-ID (a redelivery).
    let own = mails().filter_map(|s| s.mail.message_id.as_ref().and_then(|id| known.get(id).copied()));
    let mut numbers: Vec<TicketNumber> = mails().flat_map(|s| threading::candidate_tickets(&s.clues, &known)).chain(own).collect();
    numbers.sort();
    numbers.dedup();
    let found = tickets::by_numbers(tx, &numbers).await?;
    let mut participants = tickets::participants_of(tx, &found.values().map(|t| t.id).collect::<Vec<_>>()).await?;
    let mut held: HashMap<TicketNumber, Held> = found
        .into_iter()
        .map(|(n, t)| {
            (n, Held { participants: participants.remove(&t.id).unwrap_or_default(), id: t.id, status: t.status, created: false })
        })
        .collect();
    let owners: Vec<&str> = mails().map(|s| s.owner.as_str()).collect();
    let mut customers = customers::find_many(tx, &owners).await?;
    let senders: Vec<&str> = mails().map(|s| s.mail.from.as_str()).collect();
    let limit = AckLimit::default();
    let mut recent_acks = outbox::recent_acks_many(tx, &senders, limit.window_secs * 1000).await?;

    let mut w = Writes::default();
    let mut opening = Openings::default();
    let mut seen: HashSet<(i64, &str, &str)> = HashSet::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    let order = threading::reply_order(
        &looks
            .iter()
            .map(|l| match l {
                First::Mail(s) => (s.mail.message_id.as_deref(), s.clues.referenced.iter().map(String::as_str).collect()),
                First::Aside { .. } => (None, Vec::new()),
            })
            .collect::<Vec<_>>(),
    );
    for index in order {
        let (p, look) = (&batch[index], &looks[index]);
        let inbound_id = p.row.id;
        let s = match look {
            First::Aside { reason, unparsable } => {
                let stored = if *unparsable { format!("{UNPARSABLE}{reason}") } else { reason.clone() };
                inbound::set_aside(tx, inbound_id, &stored).await?;
                tracing::info!(inbound_id, %reason, "message set aside");
                outcomes.push((inbound_id, Outcome::SetAside { reason: reason.clone(), unparsable: *unparsable }));
                continue;
            }
            First::Mail(s) => s,
        };
        let mail = s.mail;
        if let Some(mid) = mail.message_id.as_deref() {
            if let Some((number, h)) = known.get(mid).and_then(|n| held.get(n).map(|h| (*n, h))) {
                let id = h.id;
                let again = seen.contains(&(id, mid, mail.from.as_str()))
                    || (known_before.contains(mid) && messages::is_duplicate(tx, id, mid, mail.from.as_str()).await?);
                if again {
                    // The same mail delivered again (an MTA retry after a lost answer, a refetch):
                    // kept raw, not shown twice, not acknowledged twice.
                    w.processed.push((inbound_id, id));
                    outcomes.push((inbound_id, Outcome::Ticket { number, created: false, ack: None }));
                    continue;
                }
            }
        }
        let candidates = threading::candidate_tickets(&s.clues, &known);
        let facts: HashMap<TicketNumber, TicketFacts> = candidates
            .iter()
            .filter_map(|n| held.get(n).map(|h| (*n, TicketFacts { number: *n, participants: h.participants.clone() })))
            .collect();
        let mailbox = p.row.mailbox_id.and_then(|id| ctx.mailboxes.iter().find(|m| m.id == id));
        let (number, created) = match threading::decide(&room.key, &mail.from, &s.clues, &known, &facts) {
            ThreadDecision::Existing { ticket, by } => {
                let h = held.get_mut(&ticket).ok_or(podpora_store::StoreError::NotFound)?;
                let id = h.id;
                let next = h.status.after_customer_reply();
                if next != h.status {
                    h.status = next;
                    w.status.insert(id, next);
                } else if !h.created {
                    w.touched.push(id);
                }
                tracing::debug!(inbound_id, ticket = ticket.get(), ?by, "threaded into existing ticket");
                (ticket, false)
            }
            ThreadDecision::New { related } => {
                let lang =
                    mail.language.as_deref().and_then(Lang::from_header).filter(|_| !s.sender_is_colleague).map(|l| l.code().to_string());
                let customer = match customers.get_mut(s.owner.as_str()) {
                    Some(c) if c.id > 0 => {
                        customers::keep_name(tx, c, s.owner_name).await?;
                        if let (Some(lang), None) = (&lang, &c.language) {
                            customers::learn_language(tx, c.id, lang).await?;
                            c.language = Some(lang.clone());
                        }
                        c.id
                    }
                    Some(c) => c.id,
                    None => {
                        opening.customers.push((s.owner.clone(), s.owner_name.to_string(), lang.clone()));
                        let id = -(opening.customers.len() as i64);
                        customers.insert(s.owner.to_string(), KnownCustomer { id, name: s.owner_name.to_string(), language: lang });
                        id
                    }
                };
                let k = opening.tickets.len() as i64;
                let (id, number) = (-(k + 1), TicketNumber::new(PROVISIONAL + k).map_err(|e| MailError::Rejected(e.to_string()))?);
                let subject = podpora_domain::subject::title(&mail.subject);
                opening.tickets.push(Opening { customer_id: customer, mailbox_id: mailbox.map(|m| m.id), subject, related });
                w.participants.push((id, s.owner.clone(), s.owner_name.to_string()));
                held.insert(number, Held { id, status: TicketStatus::New, participants: vec![s.owner.clone()], created: true });
                (number, true)
            }
        };
        let h = held.get_mut(&number).ok_or(podpora_store::StoreError::NotFound)?;
        let ticket_id = h.id;
        // Everyone on the mail but us (and the forwarding colleague) takes part from now on.
        let forwarded_by_colleague = created && s.sender_is_colleague && mail.forwarded_from.is_some();
        if !forwarded_by_colleague {
            let sender = std::iter::once((&mail.from, &mail.from_name));
            let others = mail.to.iter().chain(&mail.cc).filter(|(a, _)| !ctx.is_ours(a) && !a.is_robot()).map(|(a, n)| (a, n));
            for (a, name) in sender.chain(others) {
                if !h.participants.contains(a) {
                    h.participants.push(a.clone());
                    w.participants.push((ticket_id, a.clone(), name.clone()));
                }
            }
        }
        let body_text = if mail.warnings.is_empty() {
            mail.text.new_text.clone()
        } else {
            format!("{}\n\n[podpora: {}]", mail.text.new_text, mail.warnings.join("; "))
        };
        w.incoming.push(Incoming {
            index,
            ticket_id,
            to: mail.to.iter().map(|(a, _)| a.to_string()).collect(),
            cc: mail.cc.iter().map(|(a, _)| a.to_string()).collect(),
            body_text,
        });
        if let Some(mid) = mail.message_id.as_deref() {
            seen.insert((ticket_id, mid, mail.from.as_str()));
        }
        let mut remember: Vec<String> = mail.message_id.iter().cloned().collect();
        remember.extend(mail.thread_root.clone());
        for id in remember {
            // The first ticket to claim an id keeps it, in the batch as in the table.
            if let std::collections::hash_map::Entry::Vacant(v) = known.entry(id.clone()) {
                v.insert(number);
                w.remember.push((ticket_id, id));
            }
        }
        let mut ack = None;
        if created {
            let recent = recent_acks.get(mail.from.as_str()).copied().unwrap_or(0);
            let mailbox = mailbox.filter(|_| !forwarded_by_colleague);
            let decision = autoack::decide_ack(s.class, mailbox.is_some_and(|m| m.ack_enabled), recent, limit);
            if let (AckDecision::Send, Some(mb)) = (decision, mailbox) {
                let lang =
                    customers.get(s.owner.as_str()).and_then(|c| c.language.as_deref()).and_then(Lang::from_code).unwrap_or(Lang::En);
                w.acks.push(AckPlan { index, ticket: number, mailbox_id: mb.id, lang });
                *recent_acks.entry(mail.from.to_string()).or_default() += 1;
            }
            ack = Some(decision);
        }
        w.processed.push((inbound_id, ticket_id));
        outcomes.push((inbound_id, Outcome::Ticket { number, created, ack }));
    }
    // Customers and tickets the batch opens, created together; then placeholders become real.
    let new_customers: Vec<(&EmailAddress, &str, Option<&str>)> =
        opening.customers.iter().map(|(a, n, l)| (a, n.as_str(), l.as_deref())).collect();
    let customer_ids = customers::create_many(tx, &new_customers).await?;
    let customer_id = |id: i64| if id < 0 { customer_ids[(-id - 1) as usize] } else { id };
    let new_tickets: Vec<tickets::NewTicket<'_>> = opening
        .tickets
        .iter()
        .map(|o| tickets::NewTicket {
            mailbox_id: o.mailbox_id,
            customer_id: customer_id(o.customer_id),
            subject: &o.subject,
            channel: Channel::Email,
            related: o.related.filter(|r| r.get() < PROVISIONAL),
        })
        .collect();
    let created = tickets::insert_many(tx, room.db.backend(), &new_tickets).await?;
    opening.created = created;
    // A stranger's ticket related to one opened earlier in the same batch (rare): one update each.
    for (o, t) in opening.tickets.iter().zip(&opening.created) {
        if let Some(r) = o.related.filter(|r| r.get() >= PROVISIONAL) {
            tickets::set_related(tx, t.id, opening.number(r)).await?;
        }
    }
    write(ctx, tx, batch, w, &opening).await?;
    Ok(outcomes
        .into_iter()
        .map(|(id, o)| {
            (
                id,
                match o {
                    Outcome::Ticket { number, created, ack } => Outcome::Ticket { number: opening.number(number), created, ack },
                    other => other,
                },
            )
        })
        .collect())
}

/// Writes what the batch decided, one multi-row statement per table, with the placeholders of
/// new tickets replaced by their ids and numbers.
async fn write(ctx: &Context<'_>, tx: &mut WriteTx, batch: &[Prepared], mut w: Writes, opening: &Openings) -> Result<(), MailError> {
    let room = ctx.room;
    for (t, _, _) in &mut w.participants {
        *t = opening.ticket_id(*t);
    }
    for i in &mut w.incoming {
        i.ticket_id = opening.ticket_id(i.ticket_id);
    }
    for (t, _) in &mut w.remember {
        *t = opening.ticket_id(*t);
    }
    for (_, t) in &mut w.processed {
        *t = opening.ticket_id(*t);
    }
    w.status = w.status.into_iter().map(|(t, s)| (opening.ticket_id(t), s)).collect();
    for t in &mut w.touched {
        *t = opening.ticket_id(*t);
    }
    for t in &opening.created {
        w.remember.push((t.id, compose::thread_key(&room.installation, t.number)));
    }
    let new_tickets: Vec<i64> = opening.created.iter().map(|t| t.id).collect();
    let participants: Vec<(i64, &EmailAddress, &str)> = w.participants.iter().map(|(t, a, n)| (*t, a, n.as_str())).collect();
    tickets::add_participants(tx, &participants).await?;
    // Only parsed mail becomes a ticket message; one message per `incoming`, in its order.
    let msgs: Vec<NewMessage<'_>> = w
        .incoming
        .iter()
        .map(|i| {
            let p = &batch[i.index];
            let mail = p.mail.as_ref().map_err(|reason| MailError::Rejected(reason.clone()))?;
            Ok(NewMessage {
                inbound_id: Some(p.row.id),
                to: &i.to,
                cc: &i.cc,
                body_html: mail.html.as_deref(),
                quoted_text: mail.text.quoted.as_deref(),
                signature: mail.text.signature.as_deref(),
                message_id: mail.message_id.as_deref(),
                ..NewMessage::text(
                    i.ticket_id,
                    Direction::In,
                    MessageKind::Message,
                    (mail.from.as_str(), &mail.from_name),
                    &mail.subject,
                    &i.body_text,
                )
            })
        })
        .collect::<Result<_, MailError>>()?;
    // Searchable moments later: indexing is the largest part of storing mail, and every message
    // of the mailbox waits on this transaction (see `search::enqueue`).
    let pks = messages::insert_many_index_later(tx, &msgs, &new_tickets).await?;
    let attachments: Vec<(i64, NewAttachment<'_>)> = w
        .incoming
        .iter()
        .zip(&pks)
        .flat_map(|(i, pk)| {
            batch[i.index].attachments.iter().map(move |a| {
                (
                    *pk,
                    NewAttachment {
                        filename: &a.filename,
                        content_type: &a.content_type,
                        size: a.size,
                        blob: a.blob.as_str(),
                        inline: a.inline,
                        content_id: a.content_id.as_deref(),
                        in_mail: a.in_mail.as_ref(),
                    },
                )
            })
        })
        .collect();
    messages::add_attachments(tx, &attachments).await?;
    let remember: Vec<(i64, &str)> = w.remember.iter().map(|(t, id)| (*t, id.as_str())).collect();
    messages::remember_many(tx, &remember).await?;
    let mut by_status: HashMap<TicketStatus, Vec<i64>> = HashMap::new();
    for (id, status) in &w.status {
        by_status.entry(*status).or_default().push(*id);
    }
    for (status, ids) in by_status {
        tickets::set_status_many(tx, &ids, status).await?;
    }
    let mut touched = w.touched;
    touched.sort_unstable();
    touched.dedup();
    touched.retain(|id| !w.status.contains_key(id));
    tickets::touch_many(tx, &touched).await?;
    let mut acks = Vec::with_capacity(w.acks.len());
    for plan in &w.acks {
        let (Some(t), Some(mb), Ok(mail)) =
            (opening.created(plan.ticket), ctx.mailboxes.iter().find(|m| m.id == plan.mailbox_id), &batch[plan.index].mail)
        else {
            continue;
        };
        let mut refs = mail.references.clone();
        refs.extend(mail.message_id.clone());
        let about =
            AckAbout { customer_name: &mail.from_name, subject: &mail.subject, in_reply_to: mail.message_id.as_deref(), references: &refs };
        acks.push(compose_ack(room, mb, t, &about, &mail.from, plan.lang));
    }
    write_acks(tx, &acks).await?;
    inbound::mark_processed_many(tx, &w.processed).await?;
    Ok(())
}

/// What an acknowledgement answers.
pub(crate) struct AckAbout<'a> {
    pub customer_name: &'a str,
    pub subject: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
}

/// An acknowledgement, composed and ready to be stored with its ticket and queued.
pub(crate) struct AckMail {
    ticket_id: i64,
    from_address: String,
    from_name: String,
    to: Vec<String>,
    subject: String,
    body: String,
    message_id: String,
    raw: Vec<u8>,
}

/// Composes the acknowledgement of a new ticket in the customer's language (templates of the
/// mailbox, or the catalogue's defaults).
pub(crate) fn compose_ack(
    room: &Mailroom,
    mb: &Mailbox,
    ticket: &tickets::Ticket,
    about: &AckAbout<'_>,
    to: &EmailAddress,
    lang: Lang,
) -> AckMail {
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
    AckMail {
        ticket_id: ticket.id,
        from_address: mb.address.to_string(),
        from_name: mb.name.clone(),
        to: vec![to.to_string()],
        subject,
        body: db_text(&body),
        message_id,
        raw,
    }
}

/// Stores acknowledgements as messages of their tickets (not searchable: they are boilerplate),
/// queues them for sending and logs them for the per-sender limit.
pub(crate) async fn write_acks(tx: &mut WriteTx, acks: &[AckMail]) -> Result<(), MailError> {
    if acks.is_empty() {
        return Ok(());
    }
    let msgs: Vec<NewMessage<'_>> = acks
        .iter()
        .map(|a| NewMessage {
            to: &a.to,
            message_id: Some(&a.message_id),
            delivery: Some("queued"),
            searchable: false,
            ..NewMessage::text(a.ticket_id, Direction::Out, MessageKind::Message, (&a.from_address, &a.from_name), &a.subject, &a.body)
        })
        .collect();
    let pks = messages::insert_many(tx, &msgs, &[]).await?;
    let remember: Vec<(i64, &str)> = acks.iter().map(|a| (a.ticket_id, a.message_id.as_str())).collect();
    messages::remember_many(tx, &remember).await?;
    let mails: Vec<outbox::NewOutbound<'_>> = acks
        .iter()
        .zip(&pks)
        .map(|(a, pk)| outbox::NewOutbound {
            ticket_id: Some(a.ticket_id),
            message_pk: Some(*pk),
            purpose: "ack",
            mail_from: &a.from_address,
            recipients: &a.to,
            raw: &a.raw,
        })
        .collect();
    crate::outbound::enqueue_many(tx, &mails).await?;
    let recipients: Vec<&str> = acks.iter().flat_map(|a| a.to.iter().map(String::as_str)).collect();
    outbox::record_acks(tx, &recipients).await?;
    Ok(())
}
