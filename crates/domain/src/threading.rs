//! Which ticket an incoming mail belongs to. The rules, in order:
//! 1. a Message-ID we issued (signed token) in In-Reply-To/References, valid for the sender
//!    or for a participant when the sender is a participant too;
//! 2. any other Message-ID (or Outlook Thread-Index) we know, when the sender takes part in that ticket;
//! 3. the subject tag `[#N]`, only when the sender takes part in ticket N;
//! 4. a signed plus-addressed reply address.
//!
//! Everything else opens a new ticket; a ticket the mail pointed at without right of entry is
//! reported as `related` so an agent can link them by hand. A stranger never joins a ticket.

use crate::token::{self, ReplyKey};
use crate::{EmailAddress, TicketNumber};
use std::collections::HashMap;

/// What the mail itself says about its thread.
#[derive(Debug, Clone, Default)]
pub struct ThreadClues {
    /// Message-IDs the mail refers to, most relevant first (In-Reply-To, then References from last to first),
    /// without angle brackets. Outlook's Thread-Index root goes here too as `ti:ROOT`.
    pub referenced: Vec<String>,
    pub subject_tag: Option<TicketNumber>,
    /// `+detail` parts of our own addresses the mail was sent to.
    pub plus_details: Vec<String>,
}

/// What the store knows about a ticket the clues point at.
#[derive(Debug, Clone)]
pub struct TicketFacts {
    pub number: TicketNumber,
    pub participants: Vec<EmailAddress>,
}

impl TicketFacts {
    fn has(&self, a: &EmailAddress) -> bool {
        self.participants.iter().any(|p| p == a)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadedBy {
    SignedMessageId,
    KnownMessageId,
    SubjectTag,
    PlusAddress,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadDecision {
    Existing { ticket: TicketNumber, by: ThreadedBy },
    New { related: Option<TicketNumber> },
}

/// Tickets whose facts `decide` needs: the store loads these before calling it.
pub fn candidate_tickets(clues: &ThreadClues, known_ids: &HashMap<String, TicketNumber>) -> Vec<TicketNumber> {
    let mut out = Vec::new();
    for id in &clues.referenced {
        if let Some(t) = token::parse_message_id(id) {
            out.push(t.ticket);
        }
        if let Some(t) = known_ids.get(id) {
            out.push(*t);
        }
    }
    out.extend(clues.subject_tag);
    out.extend(clues.plus_details.iter().filter_map(|d| token::parse_plus_detail(d)).map(|t| t.ticket));
    out.sort();
    out.dedup();
    out
}

/// Decides the ticket for a mail from `sender`. `known_ids` maps Message-IDs (and `ti:` roots) the store
/// has seen to their tickets; `tickets` holds the facts of the candidates.
pub fn decide(
    key: &ReplyKey,
    sender: &EmailAddress,
    clues: &ThreadClues,
    known_ids: &HashMap<String, TicketNumber>,
    tickets: &HashMap<TicketNumber, TicketFacts>,
) -> ThreadDecision {
    let mut related = None;
    let mut note = |t: TicketNumber| {
        related.get_or_insert(t);
    };
    for id in &clues.referenced {
        if let Some(claim) = token::parse_message_id(id) {
            if let Some(facts) = tickets.get(&claim.ticket) {
                if claim.verify_for(key, sender) {
                    return ThreadDecision::Existing { ticket: claim.ticket, by: ThreadedBy::SignedMessageId };
                }
                if facts.has(sender) && facts.participants.iter().any(|p| claim.verify_for(key, p)) {
                    return ThreadDecision::Existing { ticket: claim.ticket, by: ThreadedBy::SignedMessageId };
                }
                note(claim.ticket);
            }
        }
    }
    for id in &clues.referenced {
        if let Some(t) = known_ids.get(id) {
            match tickets.get(t) {
                Some(f) if f.has(sender) => return ThreadDecision::Existing { ticket: *t, by: ThreadedBy::KnownMessageId },
                Some(_) => note(*t),
                None => {}
            }
        }
    }
    if let Some(t) = clues.subject_tag {
        match tickets.get(&t) {
            Some(f) if f.has(sender) => return ThreadDecision::Existing { ticket: t, by: ThreadedBy::SubjectTag },
            Some(_) => note(t),
            None => {}
        }
    }
    for d in &clues.plus_details {
        if let Some(claim) = token::parse_plus_detail(d) {
            if let Some(f) = tickets.get(&claim.ticket) {
                if claim.verify_for(key, sender) || (f.has(sender) && f.participants.iter().any(|p| claim.verify_for(key, p))) {
                    return ThreadDecision::Existing { ticket: claim.ticket, by: ThreadedBy::PlusAddress };
                }
                note(claim.ticket);
            }
        }
    }
    ThreadDecision::New { related }
}

/// Whose ticket a new mail opens: a colleague's forward of a customer's mail belongs to the customer.
pub fn ticket_owner<'a>(sender: &'a EmailAddress, sender_is_colleague: bool, forwarded_from: Option<&'a EmailAddress>) -> &'a EmailAddress {
    match forwarded_from {
        Some(original) if sender_is_colleague && original != sender => original,
        _ => sender,
    }
}

/// The order in which to thread mails that arrived together: arrival order, except that a mail
/// answering one that arrived after it (two SMTP sessions finishing in the other order, an MTA
/// retry) goes right after the mail it answers, so that the answer joins its ticket instead of
/// opening one of its own. `mails[i]` is (own Message-ID, ids it refers to).
pub fn reply_order(mails: &[(Option<&str>, Vec<&str>)]) -> Vec<usize> {
    let position: HashMap<&str, usize> = mails.iter().enumerate().filter_map(|(i, (id, _))| id.map(|id| (id, i))).collect();
    let mut waiting: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut order = Vec::with_capacity(mails.len());
    for (i, (_, refs)) in mails.iter().enumerate() {
        // The latest later mail this one answers (later ones wait on even later ones: no cycles).
        match refs.iter().filter_map(|r| position.get(r).copied()).filter(|&k| k > i).max() {
            Some(k) => waiting.entry(k).or_default().push(i),
            None => {
                let mut ready = vec![i];
                while let Some(j) = ready.pop() {
                    order.push(j);
                    if let Some(w) = waiting.remove(&j) {
                        ready.extend(w.into_iter().rev());
                    }
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_after_what_they_answer() {
        let m = |id: &'static str, refs: &[&'static str]| (Some(id), refs.to_vec());
        assert_eq!(reply_order(&[m("a", &[]), m("b", &["a"]), m("c", &[])]), vec![0, 1, 2]);
        // b answers c, which arrived after it; d answers b.
        assert_eq!(reply_order(&[m("a", &[]), m("b", &["c"]), m("c", &[]), m("d", &["b"])]), vec![0, 2, 1, 3]);
        // A chain arriving backwards, and a mail without a Message-ID.
        assert_eq!(reply_order(&[m("z", &["y"]), m("y", &["x"]), (None, vec!["x"]), m("x", &[])]), vec![3, 1, 0, 2]);
        // Every mail once, whatever the references.
        let odd = [m("p", &["q", "r"]), m("q", &["r"]), m("r", &["p"]), m("s", &["s"])];
        let mut o = reply_order(&odd);
        o.sort();
        assert_eq!(o, vec![0, 1, 2, 3]);
    }
    use crate::token::{message_id_local, plus_detail, Purpose};
    use proptest::prelude::*;

    fn key() -> ReplyKey {
        ReplyKey::new(vec![42u8; 32]).unwrap()
    }
    fn a(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }
    fn n(x: i64) -> TicketNumber {
        TicketNumber::new(x).unwrap()
    }
    fn facts(t: i64, ps: &[&str]) -> HashMap<TicketNumber, TicketFacts> {
        HashMap::from([(n(t), TicketFacts { number: n(t), participants: ps.iter().map(|p| a(p)).collect() })])
    }
    fn our_id(t: i64, to: &str) -> String {
        format!("{}@help.x", message_id_local(&key(), n(t), &a(to), Purpose::Reply, "n1"))
    }

    #[test]
    fn signed_id_threads_recipient_even_if_only_last_reference() {
        let clues = ThreadClues { referenced: vec![our_id(5, "jan@c.cz")], ..Default::default() };
        let d = decide(&key(), &a("jan@c.cz"), &clues, &HashMap::new(), &facts(5, &["jan@c.cz"]));
        assert_eq!(d, ThreadDecision::Existing { ticket: n(5), by: ThreadedBy::SignedMessageId });
    }

    #[test]
    fn cc_colleague_replying_to_our_mail_joins() {
        let clues = ThreadClues { referenced: vec![our_id(5, "jan@c.cz")], ..Default::default() };
        let d = decide(&key(), &a("eva@c.cz"), &clues, &HashMap::new(), &facts(5, &["jan@c.cz", "eva@c.cz"]));
        assert_eq!(d, ThreadDecision::Existing { ticket: n(5), by: ThreadedBy::SignedMessageId });
    }

    #[test]
    fn stranger_quoting_real_message_id_gets_new_ticket() {
        let clues = ThreadClues { referenced: vec![our_id(5, "jan@c.cz")], subject_tag: Some(n(5)), ..Default::default() };
        let d = decide(&key(), &a("eve@evil.cz"), &clues, &HashMap::new(), &facts(5, &["jan@c.cz"]));
        assert_eq!(d, ThreadDecision::New { related: Some(n(5)) });
    }

    #[test]
    fn stranger_quoting_customers_own_message_id_gets_new_ticket() {
        let known = HashMap::from([("CAF123@mail.gmail.com".to_string(), n(5))]);
        let clues = ThreadClues { referenced: vec!["CAF123@mail.gmail.com".into()], ..Default::default() };
        assert_eq!(
            decide(&key(), &a("eve@evil.cz"), &clues, &known, &facts(5, &["jan@c.cz"])),
            ThreadDecision::New { related: Some(n(5)) }
        );
        assert_eq!(
            decide(&key(), &a("jan@c.cz"), &clues, &known, &facts(5, &["jan@c.cz"])),
            ThreadDecision::Existing { ticket: n(5), by: ThreadedBy::KnownMessageId }
        );
    }

    #[test]
    fn subject_tag_only_for_participants() {
        let clues = ThreadClues { subject_tag: Some(n(5)), ..Default::default() };
        assert_eq!(
            decide(&key(), &a("jan@c.cz"), &clues, &HashMap::new(), &facts(5, &["jan@c.cz"])),
            ThreadDecision::Existing { ticket: n(5), by: ThreadedBy::SubjectTag }
        );
        assert_eq!(
            decide(&key(), &a("x@y.cz"), &clues, &HashMap::new(), &facts(5, &["jan@c.cz"])),
            ThreadDecision::New { related: Some(n(5)) }
        );
        // A tag for a ticket that does not exist is nothing.
        assert_eq!(decide(&key(), &a("x@y.cz"), &clues, &HashMap::new(), &HashMap::new()), ThreadDecision::New { related: None });
    }

    #[test]
    fn plus_address() {
        let clues = ThreadClues { plus_details: vec![plus_detail(&key(), n(8), &a("jan@c.cz"))], ..Default::default() };
        assert_eq!(
            decide(&key(), &a("jan@c.cz"), &clues, &HashMap::new(), &facts(8, &["jan@c.cz"])),
            ThreadDecision::Existing { ticket: n(8), by: ThreadedBy::PlusAddress }
        );
        assert_eq!(
            decide(&key(), &a("eve@c.cz"), &clues, &HashMap::new(), &facts(8, &["jan@c.cz"])),
            ThreadDecision::New { related: Some(n(8)) }
        );
    }

    #[test]
    fn forwarded_by_colleague_belongs_to_customer() {
        let (agent, cust) = (a("agent@shop.cz"), a("jan@c.cz"));
        assert_eq!(ticket_owner(&agent, true, Some(&cust)), &cust);
        assert_eq!(ticket_owner(&agent, false, Some(&cust)), &agent);
        assert_eq!(ticket_owner(&agent, true, None), &agent);
    }

    proptest! {
        // Whatever ids, tags and plus details a stranger puts in a mail, they never join a ticket.
        #[test]
        fn strangers_never_join(ids in proptest::collection::vec("[a-z0-9.@<>]{0,40}", 0..5), tag in 1i64..20, plus in "[a-z0-9.]{0,30}", t in 1i64..20) {
            let mut referenced = ids;
            referenced.push(our_id(t, "jan@c.cz"));
            let clues = ThreadClues { referenced, subject_tag: Some(n(tag)), plus_details: vec![plus] };
            let mut tickets = facts(t, &["jan@c.cz"]);
            tickets.extend(facts(tag, &["jan@c.cz"]));
            let known: HashMap<String, TicketNumber> = clues.referenced.iter().map(|i| (i.clone(), n(t))).collect();
            let d = decide(&key(), &a("eve@evil.cz"), &clues, &known, &tickets);
            let joined = !matches!(d, ThreadDecision::New { .. });
            prop_assert!(!joined, "stranger joined: {:?}", d);
        }
    }
}
