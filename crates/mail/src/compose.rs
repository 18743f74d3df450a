//! Builds outgoing mail with the headers every client threads by: our signed Message-ID,
//! In-Reply-To/References, and Outlook's Thread-Topic/Thread-Index; auto-acknowledgements carry
//! `Auto-Submitted: auto-replied` (RFC 3834) so well-behaved responders stay quiet.

use base64::Engine;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::MessageBuilder;
use podpora_domain::{EmailAddress, TicketNumber};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct OutgoingAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub from_name: &'a str,
    pub from: &'a EmailAddress,
    pub to: &'a [EmailAddress],
    pub cc: &'a [EmailAddress],
    pub reply_to: Option<&'a EmailAddress>,
    pub subject: &'a str,
    pub text: &'a str,
    /// Without angle brackets.
    pub message_id: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
    pub thread_topic: &'a str,
    pub thread_index: &'a str,
    pub auto_submitted: bool,
    pub installation: &'a str,
    pub attachments: &'a [OutgoingAttachment],
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub fn build(o: &Outgoing<'_>) -> Vec<u8> {
    let addr = |a: &EmailAddress| mail_builder::headers::address::Address::new_address(None::<String>, a.as_str().to_string());
    let mut b = MessageBuilder::new()
        .from((one_line(o.from_name), o.from.as_str().to_string()))
        .to(mail_builder::headers::address::Address::new_list(o.to.iter().map(addr).collect()))
        .subject(one_line(o.subject))
        .message_id(o.message_id.to_string())
        .header("Thread-Topic", Text::new(one_line(o.thread_topic)))
        .header("Thread-Index", Raw::new(o.thread_index.to_string()))
        .header(crate::LOOP_HEADER, Raw::new(o.installation.to_string()))
        .text_body(o.text.to_string());
    if !o.cc.is_empty() {
        b = b.cc(mail_builder::headers::address::Address::new_list(o.cc.iter().map(addr).collect()));
    }
    if let Some(r) = o.reply_to {
        b = b.reply_to(r.as_str().to_string());
    }
    if let Some(irt) = o.in_reply_to {
        b = b.in_reply_to(irt.to_string());
    }
    if !o.references.is_empty() {
        b = b.references(o.references.to_vec());
    }
    if o.auto_submitted {
        b = b
            .header("Auto-Submitted", Raw::new("auto-replied"))
            .header("X-Auto-Response-Suppress", Raw::new("All"))
            .header("Precedence", Raw::new("auto_reply"));
    }
    for a in o.attachments {
        b = b.attachment(a.content_type.clone(), a.filename.clone(), a.bytes.clone());
    }
    b.write_to_vec().unwrap_or_default()
}

/// The 22-byte Thread-Index header that names a ticket's conversation for Outlook.
pub fn thread_root_bytes(installation: &str, ticket: TicketNumber) -> [u8; 22] {
    let h = Sha256::digest(format!("{installation}/{}", ticket.get()).as_bytes());
    let mut out = [0u8; 22];
    out.copy_from_slice(&h[..22]);
    out[0] = 0x01;
    out
}

/// Thread-Index of the `n`-th mail we send in a ticket: the root plus one 5-byte block per reply.
pub fn thread_index(installation: &str, ticket: TicketNumber, n: usize) -> String {
    let mut bytes = thread_root_bytes(installation, ticket).to_vec();
    for i in 0..n.min(50) {
        bytes.extend_from_slice(&[0x00, 0x00, 0x00, (i >> 8) as u8, i as u8]);
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The `ti:` key under which a ticket's Outlook conversation is remembered.
pub fn thread_key(installation: &str, ticket: TicketNumber) -> String {
    format!("ti:{}", base64::engine::general_purpose::STANDARD.encode(thread_root_bytes(installation, ticket)))
}

/// A fresh random nonce for a Message-ID.
pub fn nonce() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

/// Quotes earlier text under an attribution line, the way mail clients do.
pub fn quote_below(attribution: &str, text: &str) -> String {
    let quoted: Vec<String> = text.lines().map(|l| if l.is_empty() { ">".to_string() } else { format!("> {l}") }).collect();
    format!("{attribution}\n{}", quoted.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_threaded_mail_that_parses_back() {
        let from = EmailAddress::parse("help@shop.cz").unwrap();
        let to = [EmailAddress::parse("jan@x.cz").unwrap()];
        let cc = [EmailAddress::parse("eva@x.cz").unwrap()];
        let n = TicketNumber::new(5).unwrap();
        let raw = build(&Outgoing {
            from_name: "Ann from Shop\r\nBcc: evil@x",
            from: &from,
            to: &to,
            cc: &cc,
            reply_to: None,
            subject: "Re: [#5] Objednávka",
            text: "Dobrý den,\nodesláno.",
            message_id: "pp1.5.r.abc.0123@shop.cz",
            in_reply_to: Some("m1@x.cz"),
            references: &["m0@x.cz".to_string(), "m1@x.cz".to_string()],
            thread_topic: "Objednávka",
            thread_index: &thread_index("inst", n, 1),
            auto_submitted: true,
            installation: "inst",
            attachments: &[OutgoingAttachment { filename: "a.txt".into(), content_type: "text/plain".into(), bytes: b"x".to_vec() }],
        });
        let p = crate::parse::parse(&raw, None, &crate::Limits::default()).unwrap();
        assert_eq!(p.message_id.as_deref(), Some("pp1.5.r.abc.0123@shop.cz"));
        assert_eq!(p.in_reply_to, vec!["m1@x.cz"]);
        assert_eq!(p.references, vec!["m0@x.cz", "m1@x.cz"]);
        assert_eq!(p.subject, "Re: [#5] Objednávka");
        assert!(p.text.new_text.contains("Dobrý den"));
        assert_eq!(p.cc.len(), 1);
        assert_eq!(p.thread_root.as_deref(), Some(thread_key("inst", n).as_str()));
        assert_eq!(p.loop_header.as_deref(), Some("inst"));
        assert_eq!(p.facts.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(p.attachments.len(), 1);
        assert!(!String::from_utf8_lossy(&raw).contains("\nBcc: evil"));
    }
}
