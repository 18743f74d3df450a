//! Turns raw RFC 5322 bytes into what the helpdesk needs: who, to whom, threading clues,
//! loop-protection facts, the new text (quotes and signature apart), sanitised HTML and attachments.
//! Lenient like real mail demands (mail-parser decodes every charset, RFC 2047/2231); a message
//! that yields no usable sender is reported as unparsable so it is set aside, never dropped.

use crate::quote::{split_reply, SplitText};
use crate::{db_text, sanitize, Limits};
use base64::Engine;
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use podpora_domain::autoack::MailFacts;
use podpora_domain::{subject, EmailAddress};
use podpora_store::BlobId;

#[derive(Debug, Clone)]
pub struct ParsedAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub inline: bool,
    pub content_id: Option<String>,
    /// Where it is in the mail (`attachment_in` reads it from there); `None` for files unpacked
    /// from an Outlook winmail.dat, which are not bytes of the mail as such.
    pub part: Option<Place>,
}

/// Where an attachment is in its raw mail: its place among the mail's attachments, and where its
/// body stands (still encoded), so that it can be read back without the whole mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub index: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct ParsedMail {
    pub from: EmailAddress,
    pub from_name: String,
    pub reply_to: Option<EmailAddress>,
    pub to: Vec<(EmailAddress, String)>,
    pub cc: Vec<(EmailAddress, String)>,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// `ti:ROOT` of an Outlook Thread-Index.
    pub thread_root: Option<String>,
    pub text: SplitText,
    pub html: Option<String>,
    pub attachments: Vec<ParsedAttachment>,
    pub facts: MailFacts,
    /// Our loop header's value, if present.
    pub loop_header: Option<String>,
    /// The original sender of a forwarded mail (forward inline or attached .eml).
    pub forwarded_from: Option<(EmailAddress, String)>,
    /// Things a person should know (e.g. a part whose charset could not be decoded).
    pub warnings: Vec<String>,
    /// The sender's language when the mail says (`Content-Language`, as Outlook sends it).
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unparsable {
    #[error("not an email message (no headers could be read)")]
    NotMail,
    #[error("no valid sender address (From: {0})")]
    NoSender(String),
    #[error("too many MIME parts ({0}, limit {1})")]
    TooManyParts(usize, usize),
    #[error("message too large to process ({0} bytes, limit {1})")]
    TooLarge(usize, usize),
}

fn addrs(a: Option<&Address<'_>>) -> Vec<(EmailAddress, String)> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|x| {
            let e = EmailAddress::parse(x.address()?).ok()?;
            Some((e, db_text(x.name().unwrap_or("").trim())))
        })
        .collect()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    let clean = |s: &str| s.trim().trim_start_matches('<').trim_end_matches('>').to_string();
    match v {
        HeaderValue::Text(t) => vec![clean(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| clean(t)).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty() && s.len() < 900 && !s.contains('\0'))
    .collect()
}

/// Outlook's Thread-Index: base64 of a 22-byte header plus 5 bytes per reply; the header names the conversation.
pub fn thread_root(thread_index: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(thread_index.trim().as_bytes()).ok()?;
    (bytes.len() >= 22).then(|| format!("ti:{}", base64::engine::general_purpose::STANDARD.encode(&bytes[..22])))
}

fn raw_header<'a>(m: &'a mail_parser::Message<'a>, name: &str) -> Option<String> {
    m.header_raw(name).map(|s| s.trim().to_string())
}

/// Finds "From: Name <addr>" in the first lines of an inline-forwarded message.
fn inline_forward_sender(text: &str) -> Option<(EmailAddress, String)> {
    let markers = [
        "---------- forwarded message",
        "begin forwarded message",
        "-----original message-----",
        "----- přeposlaná zpráva",
        "-------- forwarded message",
        "-------- přeposlaná zpráva",
        "---------- weitergeleitete nachricht",
        "-----ursprüngliche nachricht-----",
    ];
    // The marker opens a line; only such lines are compared (no lower-cased copy of the whole text).
    let mut lines = text.lines().skip_while(|l| {
        let t = l.trim_start();
        !markers.iter().any(|m| crate::quote::starts_with_ci(t, m))
    });
    lines.next()?;
    for line in lines.take(8) {
        let l = line.trim().trim_start_matches('*');
        let rest = ["From:", "Od:", "Von:", "De:", "От:"].iter().find_map(|k| l.strip_prefix(k)).map(str::trim);
        if let Some(rest) = rest {
            let rest = rest.trim_start_matches('*').trim();
            let (name, addr) = match (rest.rfind('<'), rest.rfind('>')) {
                (Some(a), Some(b)) if a < b => (rest[..a].trim().trim_matches('"').to_string(), &rest[a + 1..b]),
                _ => (String::new(), rest),
            };
            if let Ok(e) = EmailAddress::parse(addr) {
                return Some((e, name));
            }
        }
    }
    None
}

/// A block of headers of message `m` (its own, or a part's) as UTF-8 when it is not UTF-8: old
/// clients and scripts write 8-bit header text (a name, a subject, a file name) raw, in the
/// charset of the body, instead of RFC 2047 words. Read as the charset the message declares for
/// its text, as mail clients do; when it declares none (or UTF-8), what is UTF-8 stays so and only
/// the other bytes are read as windows-1252. `None` for the usual, valid header block.
fn transcoded_headers(block: &[u8], m: &mail_parser::Message<'_>) -> Option<String> {
    if std::str::from_utf8(block).is_ok() {
        return None;
    }
    let declared = std::iter::once(m.root_part()).chain(m.parts.iter()).find_map(|p| p.content_type().and_then(|c| c.attribute("charset")));
    // (A charset that is not ASCII-compatible, UTF-16 say, cannot be what the header block is in.)
    match declared
        .and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8 && e.is_ascii_compatible())
    {
        Some(encoding) => Some(encoding.decode_without_bom_handling(block).0.into_owned()),
        None => Some(utf8_else_windows_1252(block)),
    }
}

/// Text whose charset nobody declared (or one no decoder knows, like "x-unknown"): what is UTF-8
/// stays so, the other bytes are read as windows-1252 (what such mail nearly always is), instead
/// of becoming replacement characters.
fn utf8_else_windows_1252(bytes: &[u8]) -> String {
    bytes.utf8_chunks().fold(String::with_capacity(bytes.len() + 16), |mut out, chunk| {
        out.push_str(chunk.valid());
        out.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(chunk.invalid()).0);
        out
    })
}

/// mail-parser reads a text part without a charset it knows as UTF-8, with replacement
/// characters for the rest; such a part is read again from its bytes (`utf8_else_windows_1252`).
fn reread_undeclared_text(raw: &[u8], m: &mut mail_parser::Message<'_>) {
    use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
    for part in &mut m.parts {
        let (PartType::Text(text) | PartType::Html(text)) = &part.body else { continue };
        let known = part
            .content_type()
            .and_then(|c| c.attribute("charset"))
            .and_then(|c| mail_parser::decoders::charsets::map::charset_decoder(c.as_bytes()))
            .is_some();
        if known || !text.contains('\u{FFFD}') {
            continue;
        }
        let Some(body) = raw.get(part.offset_body as usize..(part.offset_end as usize).min(raw.len())) else { continue };
        let bytes = match part.encoding {
            mail_parser::Encoding::Base64 => base64_decode(body),
            mail_parser::Encoding::QuotedPrintable => quoted_printable_decode(body),
            mail_parser::Encoding::None => Some(body.to_vec()),
        };
        let Some(bytes) = bytes else { continue };
        let reread = std::borrow::Cow::Owned(utf8_else_windows_1252(&bytes));
        part.body = if matches!(part.body, PartType::Html(_)) { PartType::Html(reread) } else { PartType::Text(reread) };
    }
}

pub fn parse(raw: &[u8], envelope_from: Option<&str>, limits: &Limits) -> Result<ParsedMail, Unparsable> {
    if raw.len() > limits.max_parse_bytes {
        return Err(Unparsable::TooLarge(raw.len(), limits.max_parse_bytes));
    }
    let mut m = MessageParser::default().parse(raw).ok_or(Unparsable::NotMail)?;
    reread_undeclared_text(raw, &mut m);
    // The headers are read from `h`: the message itself, or its header block transcoded when an
    // old client wrote 8-bit text into it raw.
    let transcoded = raw.get(..m.root_part().offset_body as usize).and_then(|block| transcoded_headers(block, &m));
    let header_copy = transcoded.as_deref().and_then(|t| MessageParser::default().parse(t.as_bytes()));
    let h = header_copy.as_ref().unwrap_or(&m);
    // Garbage that happens to contain a colon is not mail: it must carry at least one header we know.
    if h.headers().iter().all(|h| matches!(h.name, mail_parser::HeaderName::Other(_))) {
        return Err(Unparsable::NotMail);
    }
    if m.parts.len() > limits.max_parts {
        return Err(Unparsable::TooManyParts(m.parts.len(), limits.max_parts));
    }
    let from_list = addrs(h.from());
    let (from, from_name) = match from_list.into_iter().next() {
        Some(f) => f,
        None => {
            let fallback = addrs(h.sender())
                .into_iter()
                .next()
                .or_else(|| envelope_from.and_then(|e| EmailAddress::parse(e).ok()).map(|e| (e, String::new())));
            fallback.ok_or_else(|| Unparsable::NoSender(raw_header(h, "From").unwrap_or_default().chars().take(200).collect()))?
        }
    };
    let mut warnings = Vec::new();
    if m.parts.iter().any(|p| p.is_encoding_problem) {
        warnings.push("a part could not be decoded with its declared charset or encoding; shown as well as possible".to_string());
    }
    let mut text_raw = m.body_text(0).map(|c| c.into_owned()).unwrap_or_default();
    // A truncated multipart leaves its text as an unnamed "attachment": it is the body.
    let mut body_from_attachment = None;
    if text_raw.trim().is_empty() {
        if let Some((i, t)) = m.attachments().enumerate().find_map(|(i, p)| match &p.body {
            PartType::Text(t) if p.attachment_name().is_none() => Some((i, t.to_string())),
            _ => None,
        }) {
            text_raw = t;
            body_from_attachment = Some(i);
        }
    }
    let html = m
        .html_part(0)
        .filter(|p| matches!(p.body, PartType::Html(_)))
        .and_then(|p| p.text_contents())
        .map(|h| db_text(&sanitize::clean_html(h)));
    let text = split_reply(&db_text(&text_raw));

    let mut attachments = Vec::new();
    let mut forwarded_from = None;
    for (i, part) in m.attachments().enumerate() {
        if Some(i) == body_from_attachment {
            continue;
        }
        let (bytes, default_name, ctype) = match &part.body {
            PartType::Message(inner) => {
                if forwarded_from.is_none() {
                    forwarded_from = addrs(inner.from()).into_iter().next();
                }
                (attachment_bytes(part), format!("message-{}.eml", i + 1), "message/rfc822".to_string())
            }
            _ => {
                let ct = part
                    .content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream")))
                    .unwrap_or_else(|| "application/octet-stream".into());
                (attachment_bytes(part), format!("attachment-{}", i + 1), ct.to_lowercase())
            }
        };
        let filename = attachment_name(raw, &m, part).map(|n| sanitize_filename(&n)).filter(|n| !n.is_empty()).unwrap_or(default_name);
        let inline = part.content_disposition().map(|d| d.ctype().eq_ignore_ascii_case("inline")).unwrap_or(false)
            || (part.content_id().is_some() && ctype.starts_with("image/"));
        // Outlook's winmail.dat (TNEF) holds the real files: an agent gets those, not a file nobody can open.
        if ctype == "application/ms-tnef" || filename.eq_ignore_ascii_case("winmail.dat") {
            match unpack_tnef(&bytes) {
                Some(files) if !files.is_empty() => {
                    attachments.extend(files);
                    continue;
                }
                _ => warnings.push(format!("{filename} (Outlook TNEF) could not be unpacked; it is attached as it came")),
            }
        }
        attachments.push(ParsedAttachment {
            filename,
            content_type: db_text(&ctype),
            bytes,
            inline,
            content_id: part.content_id().map(|c| db_text(c.trim_matches(|c| c == '<' || c == '>'))),
            part: Some(Place { index: i, start: part.offset_body as usize, end: part.offset_end as usize }),
        });
    }
    if forwarded_from.is_none() {
        forwarded_from = inline_forward_sender(&text_raw);
    }

    let mut in_reply_to = ids(h.in_reply_to());
    in_reply_to.truncate(10);
    let mut references = ids(h.references());
    crate::keep_root_and_recent(&mut references, 100);
    let ctype = m.root_part().content_type();
    let report =
        ctype.is_some_and(|c| c.ctype().eq_ignore_ascii_case("multipart") && c.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report")));
    let facts = MailFacts {
        auto_submitted: raw_header(h, "Auto-Submitted"),
        precedence: raw_header(h, "Precedence"),
        list_headers: h.header("List-Id").is_some() || h.header("List-Unsubscribe").is_some() || h.header("List-Post").is_some(),
        auto_response_suppress: raw_header(h, "X-Auto-Response-Suppress"),
        autoreply_header: ["X-Autoreply", "X-Autorespond", "X-Auto-Reply-From", "X-Autogenerated", "X-AutoReply"]
            .iter()
            .any(|name| h.header(*name).is_some()),
        delivery_report: report,
        from_ourselves: false,
        return_path_empty: h.return_address().is_some_and(|r| r.trim().is_empty())
            || raw_header(h, "Return-Path").is_some_and(|r| r.replace(' ', "") == "<>"),
    };
    Ok(ParsedMail {
        language: raw_header(h, "Content-Language").map(|l| l.chars().take(40).collect()),
        reply_to: addrs(h.reply_to()).into_iter().next().map(|(a, _)| a),
        to: addrs(h.to()),
        cc: addrs(h.cc()),
        subject: db_text(h.subject().unwrap_or("").trim()),
        message_id: h.message_id().map(|s| db_text(s.trim())).filter(|s| !s.is_empty() && s.len() < 900),
        in_reply_to,
        references,
        thread_root: raw_header(h, "Thread-Index").and_then(|t| thread_root(&t)),
        text,
        html,
        attachments,
        facts,
        loop_header: raw_header(h, crate::LOOP_HEADER),
        forwarded_from,
        warnings,
        from,
        from_name,
    })
}

/// A part's file name; read again from its headers when they carry it as raw 8-bit text (an old
/// client's "Faktura_\xe8.pdf"), which mail-parser reads as UTF-8 with replacement characters.
fn attachment_name(raw: &[u8], m: &mail_parser::Message<'_>, part: &mail_parser::MessagePart<'_>) -> Option<String> {
    let name = part.attachment_name()?;
    if !name.contains('\u{FFFD}') {
        return Some(name.to_string());
    }
    let reread = raw.get(part.offset_header as usize..part.offset_body as usize).and_then(|block| transcoded_headers(block, m)).and_then(
        |headers| {
            let copy = MessageParser::default().parse(headers.as_bytes())?;
            copy.root_part().attachment_name().map(str::to_string)
        },
    );
    Some(reread.unwrap_or_else(|| name.to_string()))
}

/// A file name safe to offer for download: no paths, no control characters, not empty.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?')).take(200).collect();
    cleaned.trim().trim_start_matches('.').to_string()
}

impl ParsedMail {
    /// Message-IDs this mail refers to, most relevant first: In-Reply-To, References newest first, Thread-Index root.
    pub fn referenced(&self) -> Vec<String> {
        let mut out: Vec<String> = self.in_reply_to.clone();
        out.extend(self.references.iter().rev().cloned());
        out.extend(self.thread_root.clone());
        let mut seen = std::collections::HashSet::new();
        out.retain(|x| seen.insert(x.clone()));
        out
    }

    pub fn subject_tag(&self) -> Option<podpora_domain::TicketNumber> {
        subject::find_tag(&self.subject)
    }
}

/// What an agent gets of an attachment part: a forwarded mail as it came (RFC 822), any other
/// part decoded.
fn attachment_bytes(part: &mail_parser::MessagePart<'_>) -> Vec<u8> {
    match &part.body {
        PartType::Message(inner) => inner.raw_message().to_vec(),
        _ => part.contents().to_vec(),
    }
}

/// An attachment's bytes from its body as it stands in the mail (`Place::start..end`), checked
/// against their SHA-256 `blob`: decoded as base64, quoted-printable or as it stands — whichever
/// gives those bytes. Reading an attachment this way needs neither the whole mail nor a parse of
/// it (which decodes every part: a mail with 40 inline images would be decoded 40 times to show them).
pub fn attachment_from_body(body: &[u8], blob: &BlobId) -> Option<Vec<u8>> {
    use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
    let is_it = |b: &[u8]| BlobId::of(b) == *blob;
    let as_is = [body, body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n")).unwrap_or(body)];
    if let Some(b) = as_is.into_iter().find(|b| is_it(b)) {
        return Some(b.to_vec());
    }
    [base64_decode(body), quoted_printable_decode(body)].into_iter().flatten().find(|b| is_it(b))
}

/// An attachment's bytes from the whole raw mail, as `parse` found them, checked against their
/// SHA-256 `blob`: the attachment at `index`, or (should the numbering differ, as with another
/// parser version) whichever attachment of the mail has those bytes. `None` if none has.
/// Text without a known charset is read as `parse` reads it, or as mail-parser alone does (how
/// such attachments were stored before `reread_undeclared_text`).
pub fn attachment_in(raw: &[u8], index: usize, blob: &BlobId) -> Option<Vec<u8>> {
    let is_it = |b: &[u8]| BlobId::of(b) == *blob;
    let find = |m: &mail_parser::Message<'_>| {
        let at_place = u32::try_from(index).ok().and_then(|p| m.attachment(p)).map(attachment_bytes).filter(|b| is_it(b));
        at_place.or_else(|| m.attachments().map(attachment_bytes).find(|b| is_it(b)))
    };
    let mut m = MessageParser::default().parse(raw)?;
    find(&m).or_else(|| {
        reread_undeclared_text(raw, &mut m);
        find(&m)
    })
}

/// The files inside an Outlook TNEF attachment (winmail.dat); None when it cannot be read.
fn unpack_tnef(bytes: &[u8]) -> Option<Vec<ParsedAttachment>> {
    let files = tnef::read_attachments(bytes).ok()?;
    Some(
        files
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let name = f.transport_filename.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&f.title);
                let filename = Some(sanitize_filename(name)).filter(|n| !n.is_empty()).unwrap_or_else(|| format!("winmail-{}", i + 1));
                ParsedAttachment {
                    filename,
                    content_type: "application/octet-stream".into(),
                    bytes: f.data.to_vec(),
                    inline: false,
                    content_id: None,
                    part: None,
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TNEF stream as Outlook writes it (version, code page 1250, then per file: rendering
    /// data, title, dates, data, properties), each attribute with its checksum.
    fn tnef(files: &[(&[u8], &[u8])]) -> Vec<u8> {
        fn attr(out: &mut Vec<u8>, level: u8, id: u32, data: &[u8]) {
            out.push(level);
            out.extend(id.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend(data);
            out.extend(data.iter().fold(0u16, |s, b| s.wrapping_add(u16::from(*b))).to_le_bytes());
        }
        let mut t = 0x223e_9f78u32.to_le_bytes().to_vec();
        t.extend(1u16.to_le_bytes());
        attr(&mut t, 1, 0x0008_9006, &[0, 0, 1, 0]);
        attr(&mut t, 1, 0x0006_9007, &[0xe2, 0x04, 0, 0, 0, 0, 0, 0]);
        let date: Vec<u8> = [2026u16, 11, 23, 10, 0, 0, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
        for (name, data) in files {
            attr(&mut t, 2, 0x0006_9002, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            attr(&mut t, 2, 0x0001_8010, &[name.to_vec(), vec![0]].concat());
            attr(&mut t, 2, 0x0003_8012, &date);
            attr(&mut t, 2, 0x0003_8013, &date);
            attr(&mut t, 2, 0x0006_800F, data);
            attr(&mut t, 2, 0x0006_9005, &[]);
        }
        t
    }

    fn with_winmail(dat: &[u8]) -> String {
        use base64::Engine;
        format!(
            "From: jana@example.cz\r\nTo: help@shop.example\r\nSubject: Faktura\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nFaktura v priloze.\r\n--b\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=winmail.dat\r\n\r\n{}\r\n--b--\r\n",
            base64::engine::general_purpose::STANDARD.encode(dat)
        )
    }

    #[test]
    fn outlook_winmail_dat_gives_its_files() {
        // "faktura č.pdf" in windows-1250, as Outlook writes titles.
        let m = p(&with_winmail(&tnef(&[(b"faktura \xe8.pdf", b"%PDF-1.4 one"), (b"photo.jpg", b"\xff\xd8\xff two")])));
        let names: Vec<&str> = m.attachments.iter().map(|a| a.filename.as_str()).collect();
        assert_eq!(names, vec!["faktura č.pdf", "photo.jpg"]);
        assert_eq!(m.attachments[0].bytes, b"%PDF-1.4 one");
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        // A damaged winmail.dat stays as it came, with a word for the agent.
        let mut broken = tnef(&[(b"a.pdf", b"data")]);
        broken.truncate(broken.len() - 7);
        let m = p(&with_winmail(&broken));
        assert_eq!(m.attachments.iter().map(|a| a.filename.as_str()).collect::<Vec<_>>(), vec!["winmail.dat"]);
        assert!(m.warnings.iter().any(|w| w.contains("TNEF")), "{:?}", m.warnings);
    }

    fn p(raw: &str) -> ParsedMail {
        parse(raw.as_bytes(), None, &Limits::default()).unwrap()
    }

    /// Every kind of attachment part is read back from the raw mail with the bytes `parse` gave:
    /// from its body alone, and from the whole mail; wrong hashes find nothing.
    #[test]
    fn attachments_read_back_from_the_mail() {
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n0123456789 image bytes");
        let raw = format!(
            "From: a@x.cz\r\nTo: help@shop.cz\r\nSubject: all kinds\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n<p>Hi <img src=\"cid:i@x\"></p>\r\n\
             --r\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <i@x>\r\n\r\n{png}\r\n--r--\r\n\
             --b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\nLjQKJeLj\r\nz9MK\r\n\
             --b\r\nContent-Type: text/csv; name=q.csv\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nk=C5=AF=C5=88;1=\r\n2\r\n\
             --b\r\nContent-Type: application/octet-stream; name=plain.bin\r\n\r\nas it stands\r\n\
             --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@y.cz\r\nSubject: fwd\r\n\r\nforwarded\r\n--b--\r\n"
        );
        let m = p(&raw);
        assert_eq!(m.attachments.len(), 5, "{:?}", m.attachments.iter().map(|a| &a.filename).collect::<Vec<_>>());
        assert_eq!(m.attachments[2].bytes, "kůň;12".as_bytes());
        for a in &m.attachments {
            let place = a.part.expect("a part of the mail");
            let blob = BlobId::of(&a.bytes);
            assert_eq!(
                attachment_from_body(&raw.as_bytes()[place.start..place.end], &blob).as_deref(),
                Some(&a.bytes[..]),
                "{}",
                a.filename
            );
            assert_eq!(attachment_in(raw.as_bytes(), place.index, &blob).as_deref(), Some(&a.bytes[..]), "{}", a.filename);
            // Another place, as if parts were numbered otherwise: still found by its bytes.
            assert_eq!(attachment_in(raw.as_bytes(), place.index + 1, &blob).as_deref(), Some(&a.bytes[..]), "{}", a.filename);
            assert_eq!(attachment_from_body(&raw.as_bytes()[place.start..place.end], &BlobId::of(b"other")), None);
        }
        assert_eq!(attachment_in(raw.as_bytes(), 0, &BlobId::of(b"other")), None);
        assert_eq!(attachment_in(b"not mail at all", 0, &BlobId::of(b"other")), None);
    }

    #[test]
    fn charsets_and_encoded_words() {
        let m = p("From: =?windows-1250?Q?Ji=F8=ED_=8Aebek?= <jiri@x.cz>\r\nTo: help@shop.cz\r\nSubject: =?ISO-8859-2?Q?Objedn=E1vka_=E8._5?=\r\nContent-Type: text/plain; charset=windows-1250\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nDobr=FD den, p=F8=EDli=9A =9Elu=9Dou=E8k=FD k=F9=F2\r\n");
        assert_eq!(m.from_name, "Jiří Šebek");
        assert_eq!(m.subject, "Objednávka č. 5");
        assert!(m.text.new_text.contains("příliš žluťoučký kůň"), "{}", m.text.new_text);
        let k = parse(
            b"From: a@x.ru\r\nSubject: =?koi8-r?B?8NLJ18XU?=\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4",
            None,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(k.subject, "Привет");
        assert_eq!(k.text.new_text, "Привет");
        // East Asian charsets, in encoded words and in bodies.
        let hex = |h: &str| (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
        for (charset, bytes, text) in [
            ("iso-2022-jp", "1b24422434436d4a38244e376f1b2842", "ご注文の件"),
            ("shift_jis", "82b2928d95b682cc8c8f", "ご注文の件"),
            ("euc-jp", "a4b4c3edcab8a4ceb7ef", "ご注文の件"),
            ("gb2312", "b6a9b5a5cecacce2", "订单问题"),
            ("gbk", "b6a9b5a5cecacce2", "订单问题"),
            ("big5", "ad71b3e6b0ddc344", "訂單問題"),
            ("euc-kr", "c1d6b9ae20b9aec0c7", "주문 문의"),
        ] {
            let bytes = hex(bytes);
            let word = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let mut raw = format!("From: a@x.jp\r\nSubject: =?{charset}?B?{word}?=\r\nContent-Type: text/plain; charset={charset}\r\n\r\n")
                .into_bytes();
            raw.extend(&bytes);
            let m = parse(&raw, None, &Limits::default()).unwrap();
            assert_eq!((m.subject.as_str(), m.text.new_text.as_str()), (text, text), "{charset}");
        }
    }

    #[test]
    fn raw_8bit_file_names_are_read_in_the_declared_charset() {
        let raw = b"From: a@x.cz\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=windows-1250\r\n\r\nDobr\xfd den\r\n--b\r\nContent-Type: application/pdf; name=\"Faktura \xe8. 5.pdf\"\r\nContent-Disposition: attachment; filename=\"Faktura \xe8. 5.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n--b--\r\n";
        let m = parse(raw, None, &Limits::default()).unwrap();
        assert_eq!(m.attachments.iter().map(|a| a.filename.as_str()).collect::<Vec<_>>(), ["Faktura č. 5.pdf"]);
        let utf8 = parse("From: a@x.cz\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: application/pdf; name=\"Faktura č. 5.pdf\"\r\n\r\nx\r\n--b--\r\n".as_bytes(), None, &Limits::default()).unwrap();
        assert_eq!(utf8.attachments[0].filename, "Faktura č. 5.pdf");
    }

    #[test]
    fn a_text_file_without_a_charset_is_found_again_in_the_mail() {
        let raw = b"From: a@x.cz\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: text/plain; name=l.txt\r\nContent-Disposition: attachment; filename=l.txt\r\n\r\nStra\xdfe\r\n--b--\r\n";
        let m = parse(raw, None, &Limits::default()).unwrap();
        let a = &m.attachments[0];
        assert_eq!((a.filename.as_str(), &a.bytes[..]), ("l.txt", "Straße".as_bytes()));
        let place = a.part.expect("a part of the mail");
        assert_eq!(attachment_in(raw, place.index, &BlobId::of(&a.bytes)).as_deref(), Some(&a.bytes[..]));
        // As such a file was stored before: mail-parser's own reading.
        let earlier = String::from_utf8_lossy(b"Stra\xdfe").into_owned().into_bytes();
        assert_eq!(attachment_in(raw, place.index, &BlobId::of(&earlier)).as_deref(), Some(&earlier[..]));
    }

    #[test]
    fn raw_8bit_headers_are_read_in_the_declared_charset() {
        let latin1 = parse(b"From: J\xf6rg M\xfcller <joerg@x.de>\r\nTo: help@shop.de\r\nSubject: Gr\xfc\xdfe aus M\xfcnchen\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nStra\xdfe", None, &Limits::default()).unwrap();
        assert_eq!(
            (latin1.from_name.as_str(), latin1.subject.as_str(), latin1.text.new_text.as_str()),
            ("Jörg Müller", "Grüße aus München", "Straße")
        );
        assert_eq!(latin1.from.as_str(), "joerg@x.de");
        // A multipart declares the charset on its text part; without any, windows-1252.
        let cz = parse(b"From: \x8aebek <s@x.cz>\r\nSubject: Objedn\xe1vka \xe8. 5\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=windows-1250\r\n\r\nDobr\xfd den\r\n--b--\r\n", None, &Limits::default()).unwrap();
        assert_eq!((cz.from_name.as_str(), cz.subject.as_str()), ("Šebek", "Objednávka č. 5"));
        let none = parse(b"From: a@x.fr\r\nSubject: Caf\xe9 cr\xe8me\r\n\r\nbody", None, &Limits::default()).unwrap();
        assert_eq!(none.subject, "Café crème");
        // A body in UTF-16 says nothing about the header block.
        let utf16 = parse(
            b"From: a@x.fr\r\nSubject: Caf\xe9\r\nContent-Type: text/plain; charset=utf-16le\r\n\r\nh\x00i\x00",
            None,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((utf16.from.as_str(), utf16.subject.as_str(), utf16.text.new_text.as_str()), ("a@x.fr", "Café", "hi"));
        // UTF-8 headers (RFC 6532) with one stray byte: the UTF-8 stays as it is.
        let mixed = parse(
            b"From: J\xc3\xb6rg <j@x.de>\r\nSubject: Gr\xc3\xbc\xc3\x9fe \xa7 5\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx",
            None,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((mixed.from_name.as_str(), mixed.subject.as_str()), ("Jörg", "Grüße § 5"));
        // Bodies without a charset a decoder knows.
        for (ct, body, text) in [
            ("text/plain; charset=x-unknown-8bit", &b"Caf\xe9 cr\xe8me"[..], "Café crème"),
            ("text/plain", b"Stra\xdfe \xc3\xbc", "Straße ü"),
            ("text/plain\r\nContent-Transfer-Encoding: quoted-printable", b"Gr=FC=DFe", "Grüße"),
            ("text/plain; charset=utf-8", b"valid \xef\xbf\xbd stays", "valid \u{FFFD} stays"),
        ] {
            let mut raw = format!("From: a@x.de\r\nContent-Type: {ct}\r\n\r\n").into_bytes();
            raw.extend(body);
            assert_eq!(parse(&raw, None, &Limits::default()).unwrap().text.new_text, text, "{ct}");
        }
        let html = parse(b"From: a@x.de\r\nContent-Type: text/html\r\n\r\n<p>Caf\xe9</p>", None, &Limits::default()).unwrap();
        assert_eq!((html.html.as_deref().map(str::trim), html.text.new_text.trim()), (Some("<p>Café</p>"), "Café"));
        // A header block that is UTF-8 is read as it is.
        let utf8 = parse(
            "From: Jörg <j@x.de>\r\nSubject: Grüße\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nx".as_bytes(),
            None,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((utf8.from_name.as_str(), utf8.subject.as_str()), ("Jörg", "Grüße"));
    }

    #[test]
    fn html_only_is_sanitised_and_text_derived() {
        let m = p("From: a@x.cz\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>there</b></p><script>alert(1)</script><img src=x onerror=alert(2)>");
        assert!(m.text.new_text.contains("Hello") && m.text.new_text.contains("there"));
        let h = m.html.unwrap();
        assert!(h.contains("<b>there</b>") && !h.contains("script") && !h.contains("onerror"));
    }

    #[test]
    fn attachments_with_rfc2231_names() {
        let raw = "From: a@x.cz\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''faktura%20%C4%8D.%201.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
        let m = p(raw);
        assert_eq!(m.attachments.len(), 2);
        assert_eq!(m.attachments[0].filename, "faktura č. 1.pdf");
        assert_eq!(m.attachments[0].bytes, b"%PDF-1.4\n");
        assert!(m.attachments[1].inline);
        assert_eq!(m.attachments[1].content_id.as_deref(), Some("logo@x"));
    }

    #[test]
    fn threading_clues_and_facts() {
        let m = p("From: a@x.cz\r\nMessage-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\nReferences: <m1@x> <m2@x>\r\nAuto-Submitted: auto-replied\r\nThread-Index: AQHZ1234567890abcdefghijklmnopqrstuv\r\nSubject: RE: [#7] x\r\n\r\nhi");
        assert_eq!(m.referenced()[..3], ["m2@x".to_string(), "m1@x".to_string(), m.thread_root.clone().unwrap()]);
        assert_eq!(m.subject_tag().map(|t| t.get()), Some(7));
        assert_eq!(m.facts.auto_submitted.as_deref(), Some("auto-replied"));
    }

    #[test]
    fn forwarded_inline() {
        let m = p("From: agent@shop.cz\r\nSubject: Fwd: help\r\n\r\nFYI\r\n\r\n---------- Forwarded message ---------\r\nFrom: Jan Novak <jan@customer.cz>\r\nDate: Mon\r\nSubject: help\r\n\r\nIt broke.");
        assert_eq!(m.forwarded_from.unwrap().0.as_str(), "jan@customer.cz");
    }

    #[test]
    fn bad_input_is_reported_not_panicking() {
        assert!(parse(b"", None, &Limits::default()).is_err());
        assert!(parse(b"\x00\x01\x02garbage without headers", None, &Limits::default()).is_err());
        assert!(matches!(parse(b"Subject: no from\r\n\r\nx", None, &Limits::default()), Err(Unparsable::NoSender(_))));
        let ok = parse(b"Subject: no from\r\n\r\nx", Some("env@x.cz"), &Limits::default()).unwrap();
        assert_eq!(ok.from.as_str(), "env@x.cz");
        let nul = p("From: a@x.cz\r\nSubject: a\0b\r\n\r\nbody\0with nul");
        assert!(!nul.subject.contains('\0') && !nul.text.new_text.contains('\0'));
        let truncated =
            p("From: a@x.cz\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhalf a mess");
        assert!(truncated.text.new_text.contains("half"));
        let small = Limits { max_parse_bytes: 10, ..Limits::default() };
        assert!(matches!(parse(b"From: a@x.cz\r\n\r\nlong body", None, &small), Err(Unparsable::TooLarge(..))));
    }

    #[test]
    fn filenames_are_made_safe() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\x\\a<b>.exe"), "ab.exe");
        assert_eq!(sanitize_filename(".htaccess"), "htaccess");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        // Arbitrary bytes, and arbitrary bytes after plausible headers: a result or a reason, never a panic,
        // and never a NUL byte in text bound for the database.
        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..2000), ct in "(multipart/mixed; boundary=b|text/html|text/plain; charset=koi8-r|message/rfc822|multipart/report)") {
            let _ = parse(&body, None, &Limits::default());
            let mut raw = format!("From: a@x.cz\r\nSubject: s\r\nContent-Type: {ct}\r\n\r\n").into_bytes();
            raw.extend_from_slice(&body);
            if let Ok(m) = parse(&raw, None, &Limits::default()) {
                prop_assert!(!m.text.new_text.contains('\0') && !m.subject.contains('\0'));
                prop_assert!(m.html.as_deref().is_none_or(|h| !h.contains('\0')));
            }
        }
    }
}

#[cfg(test)]
mod poison {
    use super::*;

    fn nested(depth: usize) -> Vec<u8> {
        let mut m = String::from("From: p@x.cz\r\nSubject: nested\r\n");
        for i in 0..depth {
            m.push_str(&format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"));
        }
        m.push_str("Content-Type: text/plain\r\n\r\ndeep\r\n");
        for i in (0..depth).rev() {
            m.push_str(&format!("--b{i}--\r\n"));
        }
        m.into_bytes()
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // Run on a thread with a small stack, as a blocking-pool thread would have at worst.
        // A stack overflow would abort the whole test binary; reaching the asserts means it was handled.
        let h = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                (
                    parse(&nested(20_000), None, &Limits::default()).map(|m| m.text.new_text),
                    parse(&nested(500), None, &Limits::default()).map(|m| m.text.new_text),
                )
            })
            .unwrap();
        let (deep, moderate) = h.join().expect("the parser must not crash on deep nesting");
        assert!(matches!(deep, Err(Unparsable::TooManyParts(..))), "{deep:?}");
        assert!(moderate.is_ok(), "{moderate:?}");
    }

    #[test]
    fn thousands_of_parts_are_refused_with_a_reason() {
        let mut m = String::from("From: p@x.cz\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        for i in 0..5000 {
            m.push_str(&format!("--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename={i}.pdf\r\n\r\nx\r\n"));
        }
        m.push_str("--b--\r\n");
        match parse(m.as_bytes(), None, &Limits::default()) {
            Err(Unparsable::TooManyParts(n, 1000)) => assert!(n > 1000),
            other => panic!("expected too many parts, got {:?}", other.map(|m| m.attachments.len())),
        }
    }
}
