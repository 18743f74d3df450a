//! Applying a batch of parsed mail of one mailbox, in arrival order, in one transaction and with
//! few statements, in four steps over one `Batch`: look up what the batch needs (the Message-IDs
//! it refers to, the tickets and participants those lead to, the senders as customers, their
//! recent acknowledgements), one query each; decide each message in memory, in order, seeing what
//! the messages before it did (a reply to a mail two places earlier lands on the ticket that mail
//! opened; an answer that arrived before the mail it answers goes after it); create the customers
//! and tickets the batch opens together (placeholders until then); write everything with one
//! multi-row statement per table. The serial part of ingest is this, so its statement count is
//! its speed. Also the types the drain hands over (`Prepared`) and gets back (`Outcome`).

use crate::ack::{compose_ack, write_acks, AckAbout};
use crate::compose;
use crate::parse::ParsedMail;
use crate::{MailError, Mailroom};
use podpora_domain::autoack::{self, AckDecision, AckLimit, InboundClass};
use podpora_domain::threading::{self, ThreadClues, ThreadDecision, TicketFacts};
use podpora_domain::{Channel, Direction, EmailAddress, Lang, MessageKind, TicketNumber, TicketStatus};
use podpora_store::customers::{self, KnownCustomer};
use podpora_store::jobs::Lease;
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::messages::{self, NewAttachment, NewMessage};
use podpora_store::{inbound, outbox, routing, tickets, BlobId, WriteTx};
use std::collections::{HashMap, HashSet};

/// What became of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ticket { number: TicketNumber, created: bool, ack: Option<AckDecision> },
    SetAside { reason: String, unparsable: bool },
}

/// The reason of a set-aside message that could not be parsed starts with this.
pub(crate) const UNPARSABLE: &str = "unparsable: ";

/// A message read back from the store and parsed (or the reason it could not be).
pub(crate) struct Prepared {
    pub row: inbound::Inbound,
    pub mail: Result<ParsedMail, String>,
    pub attachments: Vec<StoredAttachment>,
}

pub(crate) struct StoredAttachment {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// The SHA-256 of the bytes.
    pub blob: BlobId,
    pub inline: bool,
    pub content_id: Option<String>,
    /// Where in the stored mail its bytes are, when they are kept there (not stored a second
    /// time); `None` when they are stored under `blob`.
    pub in_mail: Option<messages::InMail>,
}

/// Applies prepared messages in order in one transaction (one commit); if that fails, one
/// transaction per message, so one bad message cannot hold back the others. The transactions are
/// redoable (`Db::begin_redoable`): lost in a crash, the messages are still waiting in `inbound`
/// and are applied again; the acknowledgements they queue are sent only after a durable commit
/// (the job claim).
pub(crate) async fn apply_batch(
    room: &Mailroom,
    lease: &Lease,
    known: &Known,
    prepared: &[Prepared],
) -> Result<Vec<(i64, Outcome)>, MailError> {
    let started = std::time::Instant::now();
    let ours: HashSet<&str> = known.mailboxes.iter().map(|m| m.address.as_str()).collect();
    let ctx = Context {
        room,
        mailboxes: &known.mailboxes,
        ours: &ours,
        colleagues: &known.colleagues,
        routing: known.routing,
        clocks: &known.clocks,
        default_language: known.default_language.as_deref(),
    };
    // Every transaction here commits only while the mailbox's lease is still ours.
    let begin = || async {
        let mut tx = room.db.begin_redoable().await?;
        if !lease.fence(&mut tx).await? {
            return Err(MailError::Temporary(format!(
                "{} was taken over by another worker; its new holder processes this mail",
                lease.name
            )));
        }
        Ok::<_, MailError>(tx)
    };
    let mut tx = begin().await?;
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
        let mut tx = begin().await?;
        match apply_in(&ctx, &mut tx, std::slice::from_ref(p)).await {
            Ok(o) => {
                tx.commit().await?;
                outcomes.extend(o);
            }
            Err(MailError::Temporary(m)) => return Err(MailError::Temporary(m)),
            Err(e) => {
                drop(tx);
                let reason = format!("could not be stored as a ticket message: {e}");
                let mut tx = begin().await?;
                inbound::set_aside(&mut tx, p.row.id, &reason).await?;
                tx.commit().await?;
                tracing::error!(inbound_id = p.row.id, %reason, "message set aside");
                outcomes.push((p.row.id, Outcome::SetAside { reason, unparsable: false }));
            }
        }
    }
    Ok(outcomes)
}

/// Our mailboxes and colleagues, what goes to the router and the SLA clocks, as a drain reads them
/// (again each second).
pub(crate) struct Known {
    mailboxes: Vec<Mailbox>,
    colleagues: HashSet<String>,
    /// What goes to the router (new tickets, customers' replies).
    routing: routing::Wanted,
    /// Each mailbox's SLA clock (acknowledgements say when the first answer is due).
    clocks: std::collections::HashMap<i64, podpora_store::sla::Clock>,
    /// The installation's default language (customers' where they and their mailbox have none).
    default_language: Option<String>,
}

impl Known {
    pub(crate) async fn read(room: &Mailroom) -> Result<Known, MailError> {
        Ok(Known {
            mailboxes: mailboxes::list(&room.db).await?,
            colleagues: podpora_store::users::active_emails(&room.db).await?,
            routing: routing::wanted(&mut *room.db.conn().await?).await?,
            clocks: podpora_store::sla::clocks(&mut *room.db.conn().await?).await?,
            default_language: podpora_store::settings::default_language(&mut *room.db.conn().await?).await?,
        })
    }
}

struct Context<'a> {
    room: &'a Mailroom,
    mailboxes: &'a [Mailbox],
    /// Our own addresses (plus parts removed).
    ours: &'a HashSet<&'a str>,
    /// Addresses of enabled agent accounts: their forwards belong to the original sender.
    colleagues: &'a HashSet<String>,
    /// What is queued for routing and rules.
    routing: routing::Wanted,
    clocks: &'a std::collections::HashMap<i64, podpora_store::sla::Clock>,
    default_language: Option<&'a str>,
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

impl Writes {
    /// Placeholder ids of new tickets replaced by their real ones.
    fn resolve(&mut self, opening: &Openings) {
        for (t, _, _) in &mut self.participants {
            *t = opening.ticket_id(*t);
        }
        for incoming in &mut self.incoming {
            incoming.ticket_id = opening.ticket_id(incoming.ticket_id);
        }
        for (t, _) in &mut self.remember {
            *t = opening.ticket_id(*t);
        }
        for (_, t) in &mut self.processed {
            *t = opening.ticket_id(*t);
        }
        self.status = std::mem::take(&mut self.status).into_iter().map(|(t, s)| (opening.ticket_id(t), s)).collect();
        for t in &mut self.touched {
            *t = opening.ticket_id(*t);
        }
    }
}

impl Incoming {
    /// The mail's message on its ticket: the new text, with the parser's warnings noted.
    fn of(index: usize, ticket_id: i64, mail: &ParsedMail) -> Incoming {
        let body_text = if mail.warnings.is_empty() {
            mail.text.new_text.clone()
        } else {
            format!("{}\n\n[podpora: {}]", mail.text.new_text, mail.warnings.join("; "))
        };
        Incoming {
            index,
            ticket_id,
            to: mail.to.iter().map(|(a, _)| a.to_string()).collect(),
            cc: mail.cc.iter().map(|(a, _)| a.to_string()).collect(),
            body_text,
        }
    }
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
    /// An outcome with a new ticket's placeholder number replaced by its real one.
    fn renumber(&self, outcome: Outcome) -> Outcome {
        match outcome {
            Outcome::Ticket { number, created, ack } => Outcome::Ticket { number: self.number(number), created, ack },
            other => other,
        }
    }
    fn created(&self, n: TicketNumber) -> Option<&tickets::Ticket> {
        n.get().checked_sub(PROVISIONAL).and_then(|k| usize::try_from(k).ok()).and_then(|k| self.created.get(k))
    }
}

/// Applies a batch in four steps: look up what it needs (`Batch::look_up`), decide each message
/// in order (`Batch::decide`), create the customers and tickets it opens (`Batch::create`), and
/// write everything (`write`).
async fn apply_in(ctx: &Context<'_>, tx: &mut WriteTx, batch: &[Prepared]) -> Result<Vec<(i64, Outcome)>, MailError> {
    let looks: Vec<First<'_>> = batch.iter().map(|p| first_look(ctx, p)).collect();
    let mut state = Batch::look_up(tx, &looks).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for index in arrival_order(&looks) {
        outcomes.push(state.decide(ctx, tx, index, &batch[index], &looks[index]).await?);
    }
    state.create(ctx, tx).await?;
    let Batch { writes, opening, .. } = state;
    write(ctx, tx, batch, writes, &opening).await?;
    Ok(outcomes.into_iter().map(|(id, outcome)| (id, opening.renumber(outcome))).collect())
}

/// The order messages are decided in: arrival order, except that an answer that arrived before
/// the mail it answers goes after it (`threading::reply_order`).
fn arrival_order(looks: &[First<'_>]) -> Vec<usize> {
    let threads: Vec<(Option<&str>, Vec<&str>)> = looks
        .iter()
        .map(|l| match l {
            First::Mail(s) => (s.mail.message_id.as_deref(), s.clues.referenced.iter().map(String::as_str).collect()),
            First::Aside { .. } => (None, Vec::new()),
        })
        .collect();
    threading::reply_order(&threads)
}

/// What a batch knows and has decided so far: read once (`look_up`), then grown by each message's
/// decision, so that a later message sees what the earlier ones did.
struct Batch<'p> {
    /// Message-IDs and the tickets they lead to (the batch's own mails added as they are decided).
    known: HashMap<String, TicketNumber>,
    /// The Message-IDs the database had before the batch (a mail with one may be a redelivery).
    known_before: HashSet<String>,
    /// The tickets the batch may join or has opened, as they stand after the messages so far.
    held: HashMap<TicketNumber, Held>,
    /// Ticket owners as customers (new ones with placeholder ids).
    customers: HashMap<String, KnownCustomer>,
    /// Acknowledgements each sender was sent recently (the per-sender limit), counting the batch's.
    recent_acks: HashMap<String, u32>,
    /// (ticket, Message-ID, sender) of the batch's mails: the same mail twice in one batch.
    seen: HashSet<(i64, &'p str, &'p str)>,
    writes: Writes,
    opening: Openings,
}

impl<'p> Batch<'p> {
    /// Step 1: what the batch needs to know, one query each: the Message-IDs its mails refer to,
    /// the tickets (and their participants) those lead to, the owners as customers, the senders'
    /// recent acknowledgements.
    async fn look_up(tx: &mut WriteTx, looks: &'p [First<'p>]) -> Result<Batch<'p>, MailError> {
        let mails = || looks.iter().filter_map(|l| if let First::Mail(s) = l { Some(s) } else { None });
        let mut ids: Vec<String> = mails().flat_map(|s| s.clues.referenced.iter().cloned().chain(s.mail.message_id.clone())).collect();
        ids.sort();
        ids.dedup();
        let known = messages::lookup_ids(tx, &ids).await?;
        let known_before: HashSet<String> = known.keys().cloned().collect();
        // The tickets the mails may join, and those already holding a mail's own Message-ID (a redelivery).
        let own = mails().filter_map(|s| s.mail.message_id.as_ref().and_then(|id| known.get(id).copied()));
        let mut numbers: Vec<TicketNumber> = mails().flat_map(|s| threading::candidate_tickets(&s.clues, &known)).chain(own).collect();
        numbers.sort();
        numbers.dedup();
        let found = tickets::by_numbers(tx, &numbers).await?;
        let mut participants = tickets::participants_of(tx, &found.values().map(|t| t.id).collect::<Vec<_>>()).await?;
        let held = found
            .into_iter()
            .map(|(n, t)| {
                let participants = participants.remove(&t.id).unwrap_or_default();
                (n, Held { id: t.id, status: t.status, participants, created: false })
            })
            .collect();
        let owners: Vec<&str> = mails().map(|s| s.owner.as_str()).collect();
        let customers = customers::find_many(tx, &owners).await?;
        let senders: Vec<&str> = mails().map(|s| s.mail.from.as_str()).collect();
        let recent_acks = outbox::recent_acks_many(tx, &senders, AckLimit::default().window_secs * 1000).await?;
        Ok(Batch {
            known,
            known_before,
            held,
            customers,
            recent_acks,
            seen: HashSet::new(),
            writes: Writes::default(),
            opening: Openings::default(),
        })
    }

    /// Step 2: one message. Set aside, recognised as a redelivery, or put on a ticket (an
    /// existing one or one it opens) with its participants, Message-IDs and acknowledgement.
    async fn decide(
        &mut self,
        ctx: &Context<'_>,
        tx: &mut WriteTx,
        index: usize,
        prepared: &Prepared,
        look: &'p First<'p>,
    ) -> Result<(i64, Outcome), MailError> {
        let inbound_id = prepared.row.id;
        let sorted = match look {
            First::Aside { reason, unparsable } => {
                let stored = if *unparsable { format!("{UNPARSABLE}{reason}") } else { reason.clone() };
                inbound::set_aside(tx, inbound_id, &stored).await?;
                tracing::info!(inbound_id, %reason, "message set aside");
                return Ok((inbound_id, Outcome::SetAside { reason: reason.clone(), unparsable: *unparsable }));
            }
            First::Mail(sorted) => sorted,
        };
        if let Some((number, ticket_id)) = self.redelivery(tx, sorted).await? {
            // The same mail delivered again (an MTA retry after a lost answer, a refetch): kept
            // raw, not shown twice, not acknowledged twice.
            self.writes.processed.push((inbound_id, ticket_id));
            return Ok((inbound_id, Outcome::Ticket { number, created: false, ack: None }));
        }
        let mailbox = prepared.row.mailbox_id.and_then(|id| ctx.mailboxes.iter().find(|m| m.id == id));
        let candidates = threading::candidate_tickets(&sorted.clues, &self.known);
        let facts: HashMap<TicketNumber, TicketFacts> = candidates
            .iter()
            .filter_map(|n| self.held.get(n).map(|h| (*n, TicketFacts { number: *n, participants: h.participants.clone() })))
            .collect();
        let (number, created) = match threading::decide(&ctx.room.key, &sorted.mail.from, &sorted.clues, &self.known, &facts) {
            ThreadDecision::Existing { ticket, by } => {
                self.join(ticket)?;
                tracing::debug!(inbound_id, ticket = ticket.get(), ?by, "threaded into existing ticket");
                (ticket, false)
            }
            ThreadDecision::New { related } => (self.open(tx, sorted, mailbox, related).await?, true),
        };
        // A colleague who forwards a customer's mail opens the customer's ticket, not their own.
        let forwarded_by_colleague = created && sorted.sender_is_colleague && sorted.mail.forwarded_from.is_some();
        let ticket_id = self.take_part(ctx, sorted, number, forwarded_by_colleague)?;
        self.writes.incoming.push(Incoming::of(index, ticket_id, sorted.mail));
        self.remember_ids(sorted.mail, number, ticket_id);
        let ack = created.then(|| self.plan_ack(ctx, index, sorted, number, mailbox.filter(|_| !forwarded_by_colleague)));
        self.writes.processed.push((inbound_id, ticket_id));
        Ok((inbound_id, Outcome::Ticket { number, created, ack }))
    }

    /// The ticket and its id if this mail is already on it (same Message-ID and sender), in the
    /// database or earlier in the batch.
    async fn redelivery(&self, tx: &mut WriteTx, sorted: &Sorted<'_>) -> Result<Option<(TicketNumber, i64)>, MailError> {
        let mail = sorted.mail;
        let Some(mid) = mail.message_id.as_deref() else { return Ok(None) };
        let Some((number, ticket_id)) = self.known.get(mid).and_then(|n| self.held.get(n).map(|h| (*n, h.id))) else { return Ok(None) };
        let again = self.seen.contains(&(ticket_id, mid, mail.from.as_str()))
            || (self.known_before.contains(mid) && messages::is_duplicate(tx, ticket_id, mid, mail.from.as_str()).await?);
        Ok(again.then_some((number, ticket_id)))
    }

    /// A customer's mail on an existing ticket: it is open again (unless new), or just touched.
    fn join(&mut self, number: TicketNumber) -> Result<(), MailError> {
        let ticket = self.held.get_mut(&number).ok_or(podpora_store::StoreError::NotFound)?;
        let next = ticket.status.after_customer_reply();
        if next != ticket.status {
            ticket.status = next;
            self.writes.status.insert(ticket.id, next);
        } else if !ticket.created {
            self.writes.touched.push(ticket.id);
        }
        Ok(())
    }

    /// A new ticket for the mail's owner (a known customer, whose name and language it may
    /// complete, or a new one), with a placeholder id and number until `create`.
    async fn open(
        &mut self,
        tx: &mut WriteTx,
        sorted: &Sorted<'_>,
        mailbox: Option<&Mailbox>,
        related: Option<TicketNumber>,
    ) -> Result<TicketNumber, MailError> {
        let (mail, owner) = (sorted.mail, sorted.owner);
        // What the mail says it is written in, else what its new text is written in; a
        // colleague's forward says nothing of the customer's language.
        let lang = mail
            .language
            .as_deref()
            .and_then(Lang::from_header)
            .map(|l| l.code())
            .or_else(|| podpora_domain::language::detect(&mail.text.new_text))
            .filter(|_| !sorted.sender_is_colleague)
            .map(str::to_string);
        let customer_id = match self.customers.get_mut(owner.as_str()) {
            Some(known) if known.id > 0 => {
                customers::keep_name(tx, known, sorted.owner_name).await?;
                if let (Some(lang), None) = (&lang, &known.language) {
                    customers::learn_language(tx, known.id, lang).await?;
                    known.language = Some(lang.clone());
                }
                known.id
            }
            Some(opened_earlier) => opened_earlier.id,
            None => {
                self.opening.customers.push((owner.clone(), sorted.owner_name.to_string(), lang.clone()));
                let id = -(self.opening.customers.len() as i64);
                self.customers.insert(owner.to_string(), KnownCustomer { id, name: sorted.owner_name.to_string(), language: lang });
                id
            }
        };
        let k = self.opening.tickets.len() as i64;
        let (id, number) = (-(k + 1), TicketNumber::new(PROVISIONAL + k).map_err(|e| MailError::Rejected(e.to_string()))?);
        let subject = podpora_domain::subject::title(&mail.subject);
        self.opening.tickets.push(Opening { customer_id, mailbox_id: mailbox.map(|m| m.id), subject, related });
        self.writes.participants.push((id, owner.clone(), sorted.owner_name.to_string()));
        self.held.insert(number, Held { id, status: TicketStatus::New, participants: vec![owner.clone()], created: true });
        Ok(number)
    }

    /// Everyone on the mail but us takes part in the ticket from now on (not when a colleague
    /// forwarded it: the customer is the one who takes part). Returns the ticket's id.
    fn take_part(
        &mut self,
        ctx: &Context<'_>,
        sorted: &Sorted<'_>,
        number: TicketNumber,
        forwarded_by_colleague: bool,
    ) -> Result<i64, MailError> {
        let mail = sorted.mail;
        let ticket = self.held.get_mut(&number).ok_or(podpora_store::StoreError::NotFound)?;
        if !forwarded_by_colleague {
            let sender = std::iter::once((&mail.from, &mail.from_name));
            let others = mail.to.iter().chain(&mail.cc).filter(|(a, _)| !ctx.is_ours(a) && !a.is_robot()).map(|(a, n)| (a, n));
            for (address, name) in sender.chain(others) {
                if !ticket.participants.contains(address) {
                    ticket.participants.push(address.clone());
                    self.writes.participants.push((ticket.id, address.clone(), name.clone()));
                }
            }
        }
        Ok(ticket.id)
    }

    /// The mail's own Message-ID (and its thread's root) lead to its ticket from now on; the first
    /// ticket to claim an id keeps it, in the batch as in the table.
    fn remember_ids(&mut self, mail: &'p ParsedMail, number: TicketNumber, ticket_id: i64) {
        if let Some(mid) = mail.message_id.as_deref() {
            self.seen.insert((ticket_id, mid, mail.from.as_str()));
        }
        for id in mail.message_id.iter().chain(&mail.thread_root) {
            if let std::collections::hash_map::Entry::Vacant(v) = self.known.entry(id.clone()) {
                v.insert(number);
                self.writes.remember.push((ticket_id, id.clone()));
            }
        }
    }

    /// Whether a new ticket is acknowledged (never automatic mail, at most so many per sender),
    /// in the customer's language; planned now, composed once the ticket has its number.
    fn plan_ack(
        &mut self,
        ctx: &Context<'_>,
        index: usize,
        sorted: &Sorted<'_>,
        number: TicketNumber,
        mailbox: Option<&Mailbox>,
    ) -> AckDecision {
        let from = sorted.mail.from.as_str();
        let recent = self.recent_acks.get(from).copied().unwrap_or(0);
        let decision = autoack::decide_ack(sorted.class, mailbox.is_some_and(|m| m.ack_enabled), recent, AckLimit::default());
        if let (AckDecision::Send, Some(mb)) = (decision, mailbox) {
            let own = self.customers.get(sorted.owner.as_str()).and_then(|c| c.language.as_deref());
            let lang = Lang::first_of([own, mb.language.as_deref(), ctx.default_language]);
            self.writes.acks.push(AckPlan { index, ticket: number, mailbox_id: mb.id, lang });
            *self.recent_acks.entry(from.to_string()).or_default() += 1;
        }
        decision
    }

    /// Step 3: the customers and tickets the batch opens, created together; their placeholders
    /// then stand for real ids and numbers (`Openings`).
    async fn create(&mut self, ctx: &Context<'_>, tx: &mut WriteTx) -> Result<(), MailError> {
        let opening = &mut self.opening;
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
        opening.created = tickets::insert_many(tx, ctx.room.db.backend(), &new_tickets).await?;
        // A stranger's ticket related to one opened earlier in the same batch (rare): one update each.
        for (o, t) in opening.tickets.iter().zip(&opening.created) {
            if let Some(r) = o.related.filter(|r| r.get() >= PROVISIONAL) {
                tickets::set_related(tx, t.id, opening.number(r)).await?;
            }
        }
        Ok(())
    }
}

/// Step 4: writes what the batch decided, one multi-row statement per table, with the
/// placeholders of new tickets replaced by their ids and numbers.
async fn write(ctx: &Context<'_>, tx: &mut WriteTx, batch: &[Prepared], mut writes: Writes, opening: &Openings) -> Result<(), MailError> {
    let room = ctx.room;
    writes.resolve(opening);
    for t in &opening.created {
        writes.remember.push((t.id, compose::thread_key(&room.installation, t.number)));
    }
    let new_tickets: Vec<i64> = opening.created.iter().map(|t| t.id).collect();
    if ctx.routing.new {
        routing::queue_in(tx, &new_tickets, routing::Cause::New, podpora_store::now_ms()).await?;
    }
    if ctx.routing.updated {
        let mut replied: Vec<i64> = writes.incoming.iter().map(|i| i.ticket_id).filter(|id| !new_tickets.contains(id)).collect();
        replied.sort_unstable();
        replied.dedup();
        let event = podpora_domain::rules::UpdateEvent::CustomerMessage;
        routing::queue_in(tx, &replied, routing::Cause::Updated(event), podpora_store::now_ms()).await?;
    }
    let participants: Vec<(i64, &EmailAddress, &str)> = writes.participants.iter().map(|(t, a, n)| (*t, a, n.as_str())).collect();
    tickets::add_participants(tx, &participants).await?;
    // Only parsed mail becomes a ticket message; one message per `incoming`, in its order.
    let msgs: Vec<NewMessage<'_>> = writes
        .incoming
        .iter()
        .map(|incoming| {
            let prepared = &batch[incoming.index];
            let mail = prepared.mail.as_ref().map_err(|reason| MailError::Rejected(reason.clone()))?;
            Ok(NewMessage {
                inbound_id: Some(prepared.row.id),
                to: &incoming.to,
                cc: &incoming.cc,
                body_html: mail.html.as_deref(),
                quoted_text: mail.text.quoted.as_deref(),
                signature: mail.text.signature.as_deref(),
                message_id: mail.message_id.as_deref(),
                ..NewMessage::text(
                    incoming.ticket_id,
                    Direction::In,
                    MessageKind::Message,
                    (mail.from.as_str(), &mail.from_name),
                    &mail.subject,
                    &incoming.body_text,
                )
            })
        })
        .collect::<Result<_, MailError>>()?;
    // Searchable moments later: indexing is the largest part of storing mail, and every message
    // of the mailbox waits on this transaction (see `search::enqueue`).
    let pks = messages::insert_many_index_later(tx, &msgs, &new_tickets).await?;
    let attachments: Vec<(i64, NewAttachment<'_>)> = writes
        .incoming
        .iter()
        .zip(&pks)
        .flat_map(|(incoming, pk)| {
            batch[incoming.index].attachments.iter().map(move |a| {
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
    let remember: Vec<(i64, &str)> = writes.remember.iter().map(|(t, id)| (*t, id.as_str())).collect();
    messages::remember_many(tx, &remember).await?;
    let mut by_status: HashMap<TicketStatus, Vec<i64>> = HashMap::new();
    for (id, status) in &writes.status {
        by_status.entry(*status).or_default().push(*id);
    }
    for (status, ids) in by_status {
        tickets::set_status_many(tx, &ids, status).await?;
    }
    let mut touched = writes.touched;
    touched.sort_unstable();
    touched.dedup();
    touched.retain(|id| !writes.status.contains_key(id));
    tickets::touch_many(tx, &touched).await?;
    let mut acks = Vec::with_capacity(writes.acks.len());
    for plan in &writes.acks {
        let (Some(ticket), Some(mb), Ok(mail)) =
            (opening.created(plan.ticket), ctx.mailboxes.iter().find(|m| m.id == plan.mailbox_id), &batch[plan.index].mail)
        else {
            continue;
        };
        let mut refs = mail.references.clone();
        refs.extend(mail.message_id.clone());
        let about =
            AckAbout { customer_name: &mail.from_name, subject: &mail.subject, in_reply_to: mail.message_id.as_deref(), references: &refs };
        acks.push(compose_ack(room, mb, ticket, &about, &mail.from, plan.lang, ctx.clocks.get(&mb.id)));
    }
    write_acks(tx, &acks).await?;
    inbound::mark_processed_many(tx, &writes.processed).await?;
    Ok(())
}
