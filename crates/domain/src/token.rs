//! Reply tokens: HMAC-signed references to a ticket that we put into our Message-IDs and
//! (optionally) into plus-addressed reply addresses. A token binds ticket, recipient and purpose;
//! it is checked in constant time, so a stranger can neither forge one nor reuse someone else's.

use crate::{EmailAddress, TicketNumber};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The server's secret for reply tokens. Generated on first start and kept in the database;
/// there is no default.
#[derive(Clone)]
pub struct ReplyKey(Vec<u8>);

impl ReplyKey {
    /// At least 32 bytes of key material.
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() >= 32).then_some(ReplyKey(bytes))
    }

    fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        for p in parts {
            mac.update(&(p.len() as u32).to_be_bytes());
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for ReplyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplyKey(..)")
    }
}

/// What a token was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An agent's reply.
    Reply,
    /// The automatic acknowledgement of a new ticket.
    Ack,
    /// A plus-addressed reply address.
    Address,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Reply => "r",
            Purpose::Ack => "a",
            Purpose::Address => "d",
        }
    }
    fn from_code(c: &str) -> Option<Self> {
        match c {
            "r" => Some(Purpose::Reply),
            "a" => Some(Purpose::Ack),
            "d" => Some(Purpose::Address),
            _ => None,
        }
    }
}

const SIG_HEX: usize = 24; // 96 bits of HMAC: far beyond guessing over SMTP.

fn sig_hex(key: &ReplyKey, ticket: TicketNumber, recipient: &EmailAddress, purpose: Purpose, nonce: &str) -> String {
    let n = ticket.get().to_string();
    let full = key.sign(&[b"podpora-token-v1", n.as_bytes(), recipient.as_str().as_bytes(), purpose.code().as_bytes(), nonce.as_bytes()]);
    let mut s = String::with_capacity(SIG_HEX);
    for b in &full[..SIG_HEX / 2] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A token as found in mail: not yet trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedToken {
    pub ticket: TicketNumber,
    pub purpose: Purpose,
    nonce: String,
    sig: String,
}

impl ClaimedToken {
    /// True when the token was issued by us for this ticket and this recipient.
    pub fn verify_for(&self, key: &ReplyKey, recipient: &EmailAddress) -> bool {
        let want = sig_hex(key, self.ticket, recipient, self.purpose, &self.nonce);
        want.as_bytes().ct_eq(self.sig.as_bytes()).into()
    }
}

/// The local part of a Message-ID we issue: `pp1.N.p.NONCE.SIG` (host part added by the caller).
pub fn message_id_local(key: &ReplyKey, ticket: TicketNumber, recipient: &EmailAddress, purpose: Purpose, nonce: &str) -> String {
    let nonce: String = nonce.chars().filter(|c| c.is_ascii_alphanumeric()).take(32).collect();
    format!("pp1.{}.{}.{}.{}", ticket.get(), purpose.code(), nonce, sig_hex(key, ticket, recipient, purpose, &nonce))
}

/// Reads a Message-ID (with or without angle brackets) that looks like one of ours.
pub fn parse_message_id(id: &str) -> Option<ClaimedToken> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let local = id.split('@').next()?;
    let mut parts = local.split('.');
    if parts.next()? != "pp1" {
        return None;
    }
    let ticket = TicketNumber::new(parts.next()?.parse().ok()?).ok()?;
    let purpose = Purpose::from_code(parts.next()?)?;
    let nonce = parts.next()?.to_string();
    let sig = parts.next()?.to_string();
    if parts.next().is_some() || sig.len() != SIG_HEX || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(ClaimedToken { ticket, purpose, nonce, sig })
}

/// The `+detail` of a plus-addressed reply address: `tN.SIG`.
pub fn plus_detail(key: &ReplyKey, ticket: TicketNumber, recipient: &EmailAddress) -> String {
    format!("t{}.{}", ticket.get(), sig_hex(key, ticket, recipient, Purpose::Address, ""))
}

/// Reads the `+detail` of a recipient address.
pub fn parse_plus_detail(detail: &str) -> Option<ClaimedToken> {
    let (t, sig) = detail.strip_prefix('t')?.split_once('.')?;
    let ticket = TicketNumber::new(t.parse().ok()?).ok()?;
    if sig.len() != SIG_HEX {
        return None;
    }
    Some(ClaimedToken { ticket, purpose: Purpose::Address, nonce: String::new(), sig: sig.to_ascii_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ReplyKey {
        ReplyKey::new(vec![7u8; 32]).unwrap()
    }
    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[test]
    fn message_id_round_trip_binds_recipient_and_ticket() {
        let t = TicketNumber::new(42).unwrap();
        let local = message_id_local(&key(), t, &addr("jan@x.cz"), Purpose::Reply, "abc123");
        let claimed = parse_message_id(&format!("<{local}@help.shop.cz>")).unwrap();
        assert_eq!(claimed.ticket, t);
        assert!(claimed.verify_for(&key(), &addr("jan@x.cz")));
        assert!(!claimed.verify_for(&key(), &addr("eve@x.cz")));
        assert!(!claimed.verify_for(&ReplyKey::new(vec![8u8; 32]).unwrap(), &addr("jan@x.cz")));
        // Changing the ticket number in a real token breaks it.
        let forged = local.replacen("pp1.42.", "pp1.41.", 1);
        assert!(!parse_message_id(&forged).unwrap().verify_for(&key(), &addr("jan@x.cz")));
    }

    #[test]
    fn foreign_ids_are_not_tokens() {
        for id in ["<CAF=abc@mail.gmail.com>", "<pp1.x.r.a.b@h>", "pp1.5.z.a.0123456789abcdef01234567@h", "<pp1.5.r.a.short@h>", ""] {
            assert!(parse_message_id(id).is_none(), "{id}");
        }
    }

    #[test]
    fn plus_details() {
        let t = TicketNumber::new(3).unwrap();
        let d = plus_detail(&key(), t, &addr("jan@x.cz"));
        let c = parse_plus_detail(&d).unwrap();
        assert!(c.verify_for(&key(), &addr("jan@x.cz")));
        assert!(!c.verify_for(&key(), &addr("eve@x.cz")));
        assert!(parse_plus_detail("t3.nothex").is_none());
    }

    #[test]
    fn short_keys_refused() {
        assert!(ReplyKey::new(vec![1; 16]).is_none());
    }
}
