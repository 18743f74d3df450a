//! Subjects: reply/forward prefixes in the languages our customers write in, and the `[#N]` tag.

use crate::TicketNumber;

/// Prefixes mail clients put before a subject (case-insensitive, followed by `:`),
/// including numbered forms such as `Re[2]:` and `RE^2:`.
const PREFIXES: &[&str] = &[
    "re",
    "fw",
    "fwd",
    "aw",
    "wg",
    "sv",
    "vs",
    "antw",
    "doorst",
    "odp",
    "pd",
    "tr",
    "rif",
    "r",
    "i",
    "enc",
    "res",
    "ynt",
    "ilt",
    "vb",
    "vl",
    "отв",
    "ответ",
    "пересл",
    "fwd",
    "odg",
    "ref",
    "yan",
    "回复",
    "转发",
    "答复",
    "返信",
    "転送",
];

/// The subject with every leading reply/forward prefix and our own `[#N]` tags removed,
/// whitespace folded. Used to compare subjects and to title new tickets.
pub fn strip_prefixes(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let before = s;
        s = strip_tag(s).trim_start();
        if let Some(rest) = strip_one_prefix(s) {
            s = rest.trim_start();
        }
        if s == before {
            break;
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn strip_one_prefix(s: &str) -> Option<&str> {
    // Prefix word: letters only, then optional [n] or ^n or (n), optional spaces, then ':' or '：'.
    let word_end = s.char_indices().find(|(_, c)| !c.is_alphabetic()).map(|(i, _)| i)?;
    if word_end == 0 {
        return None;
    }
    let word = s[..word_end].to_lowercase();
    if !PREFIXES.contains(&word.as_str()) {
        return None;
    }
    let mut rest = &s[word_end..];
    if let Some(r) = rest.strip_prefix('[').or_else(|| rest.strip_prefix('(')) {
        let close = r.find([']', ')'])?;
        if !r[..close].bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest = &r[close + 1..];
    } else if let Some(r) = rest.strip_prefix('^') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let rest = rest.trim_start();
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

fn strip_tag(s: &str) -> &str {
    if let Some(r) = s.strip_prefix("[#") {
        if let Some(end) = r.find(']') {
            if r[..end].bytes().all(|b| b.is_ascii_digit()) && end > 0 {
                return &r[end + 1..];
            }
        }
    }
    s
}

/// The first `[#N]` tag anywhere in the subject.
pub fn find_tag(subject: &str) -> Option<TicketNumber> {
    let mut rest = subject;
    while let Some(pos) = rest.find("[#") {
        let after = &rest[pos + 2..];
        if let Some(end) = after.find(']') {
            if let Ok(n) = after[..end].parse::<TicketNumber>() {
                if after[..end].bytes().all(|b| b.is_ascii_digit()) {
                    return Some(n);
                }
            }
        }
        rest = after;
    }
    None
}

/// A ticket's title from a mail or form subject: prefixes and tags removed, never empty.
pub fn title(subject: &str) -> String {
    let base = strip_prefixes(subject);
    if base.is_empty() {
        "(no subject)".to_string()
    } else {
        base
    }
}

/// The subject of an outgoing mail about a ticket: `[#N] original subject`, prefixed `Re: ` for replies.
pub fn tagged(number: TicketNumber, subject: &str, reply: bool) -> String {
    let base = title(subject);
    if reply {
        format!("Re: {} {}", number.tag(), base)
    } else {
        format!("{} {}", number.tag(), base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_prefixes_of_many_clients() {
        for (input, want) in [
            ("RE: AW: Odp: Order 55", "Order 55"),
            ("Re[2]: Order", "Order"),
            ("RE^3: Order", "Order"),
            ("Fwd: FW: [#12] Re: Order", "Order"),
            ("Отв: Заказ", "Заказ"),
            ("SV:VS: Tilaus", "Tilaus"),
            ("Resolution of order", "Resolution of order"),
            ("Re : Spaced", "Spaced"),
            ("  Hello   world ", "Hello world"),
            ("Re:", ""),
        ] {
            assert_eq!(strip_prefixes(input), want, "{input}");
        }
    }

    #[test]
    fn finds_tag() {
        assert_eq!(find_tag("Re: [#42] Order").map(|n| n.get()), Some(42));
        assert_eq!(find_tag("Order [#x] then [#7]").map(|n| n.get()), Some(7));
        assert_eq!(find_tag("Order [# 7]"), None);
        assert_eq!(find_tag("[#0]"), None);
        assert_eq!(find_tag("[#"), None);
    }

    #[test]
    fn tags_subjects() {
        let n = TicketNumber::new(9).unwrap();
        assert_eq!(tagged(n, "Re: [#9] Order", true), "Re: [#9] Order");
        assert_eq!(tagged(n, "Order", false), "[#9] Order");
        assert_eq!(tagged(n, "", false), "[#9] (no subject)");
        assert_eq!(title("Re: "), "(no subject)");
        assert_eq!(title("AW: Bestellung"), "Bestellung");
    }
}
