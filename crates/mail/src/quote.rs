//! Separates what the customer wrote now from the quoted history and the signature, for the
//! clients our customers use (Gmail, Outlook, Apple Mail, Thunderbird; English, Czech, German,
//! Polish, Russian, …). Nothing is thrown away: the parts are kept side by side.
//! Hand-written because no maintained crate does this for plain text in these languages.

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitText {
    pub new_text: String,
    pub quoted: Option<String>,
    pub signature: Option<String>,
}

/// Whether `t` starts with `key` (lower case) in any letter case; looks only at the start, with
/// no allocation (run for every line of every message).
pub(crate) fn starts_with_ci(t: &str, key: &str) -> bool {
    let mut chars = t.chars().flat_map(char::to_lowercase);
    key.chars().all(|k| chars.next() == Some(k))
}

/// `lower` and `next_lower` are the trimmed, lower-cased line and the line after it.
fn is_attribution(line: &str, lower: &str, next: Option<&str>, next_lower: Option<&str>) -> bool {
    let l = line.trim();
    let ends = |s: &str| lower.ends_with(s);
    let joined = next_lower.map(|n| format!("{lower} {n}"));
    let attribution_end = |s: &str| {
        s.ends_with("wrote:")
            || s.ends_with("napsal(a):")
            || s.ends_with("napsal:")
            || s.ends_with("napsala:")
            || s.ends_with("schrieb:")
            || s.contains(" schrieb ") && s.ends_with(':')
            || s.ends_with("pisze:")
            || s.ends_with("napísal(a):")
            || s.ends_with("a écrit :")
            || s.ends_with("a écrit:")
            || s.ends_with("escribió:")
            || s.ends_with("schreef:")
            || s.ends_with("пишет:")
            || s.ends_with("написал(а):")
            || s.ends_with("написал:")
            || s.ends_with("ha scritto:")
            || s.ends_with("skrev:")
    };
    if attribution_end(lower) && next.is_some_and(|n| n.trim_start().starts_with('>')) {
        return true;
    }
    let starts = ["on ", "am ", "dne ", "w dniu ", "le ", "el ", "op ", "il ", "den ", "v ", "в ", "em "];
    if starts.iter().any(|s| lower.starts_with(s)) {
        if attribution_end(lower) {
            return true;
        }
        if let Some(j) = &joined {
            if attribution_end(j) {
                return true;
            }
        }
    }
    // Apple Mail and some webmails: "<x@y> wrote:" / "Jan Novák <jan@x.cz> napsal:" alone on a line.
    (l.contains('@') && (ends("wrote:") || ends("napsal:") || ends("napsal(a):")))
        || lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
        || lower.starts_with("-------- original message --------")
        || lower.starts_with("----- původní zpráva -----")
        || lower.starts_with("-----ursprüngliche nachricht-----")
        || lower.starts_with("-----oryginalna wiadomość-----")
}

/// Outlook's header block: `From:` (or Od:/Von:/De:/От:) followed within a few lines by Sent/Date and To/Subject.
pub(crate) fn is_outlook_block(lines: &[&str], i: usize) -> bool {
    let head = |l: &str, keys: &[&str]| {
        let t = l.trim_start_matches('*').trim();
        keys.iter().any(|k| starts_with_ci(t, k))
    };
    // (Every key has a ':': most lines are passed over without looking further.)
    if !lines[i].contains(':') || !head(lines[i], &["from:", "od:", "von:", "de:", "от:", "från:"]) {
        return false;
    }
    let window = &lines[i + 1..lines.len().min(i + 6)];
    window.iter().any(|l| head(l, &["sent:", "date:", "odesláno:", "gesendet:", "datum:", "envoyé :", "отправлено:", "wysłano:", "data:"]))
        && window
            .iter()
            .any(|l| head(l, &["to:", "subject:", "komu:", "předmět:", "an:", "betreff:", "до:", "тема:", "do:", "temat:", "objet :"]))
}

fn is_signature_start(line: &str) -> bool {
    let t = line.trim_end_matches('\r');
    if t == "-- " || t == "--" {
        return true;
    }
    let l = t.trim();
    [
        "sent from my iphone",
        "sent from my ipad",
        "sent from my android",
        "odesláno z iphonu",
        "odesláno z mého iphonu",
        "get outlook for",
        "sent from mail for windows",
        "von meinem iphone gesendet",
        "wysłane z iphone",
        "отправлено с iphone",
    ]
    .iter()
    .any(|p| starts_with_ci(l, p))
}

pub fn split_reply(text: &str) -> SplitText {
    let lines: Vec<&str> = text.lines().collect();
    // Whether only quotes (or nothing) follow from a line on, worked out once from the end (not
    // again for every quoted line: that was quadratic).
    let mut quoted_to_end = vec![true; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        quoted_to_end[i] = quoted_to_end[i + 1] && (lines[i].trim().is_empty() || lines[i].trim_start().starts_with('>'));
    }
    // Every attribution ends with ':' (on its line or the next) or is a "-----" line: only such
    // lines are lower-cased and looked at closely (lower-casing every line was most of the time
    // this takes).
    let ends_colon = |i: usize| lines.get(i).is_some_and(|l| l.trim_end().ends_with(':'));
    let lower = |l: &str| l.trim().to_lowercase();
    let mut quote_start = None;
    for i in 0..lines.len() {
        let line = lines[i];
        let next = lines.get(i + 1).copied();
        let maybe = ends_colon(i) || ends_colon(i + 1) || line.trim_start().starts_with('-');
        if maybe && is_attribution(line, &lower(line), next, next.map(lower).as_deref()) || is_outlook_block(&lines, i) {
            quote_start = Some(i);
            break;
        }
        // A '>' block counts as history only if nothing of the customer's own follows it (no inline answers).
        if line.trim_start().starts_with('>') && quoted_to_end[i] {
            quote_start = Some(i);
            break;
        }
    }
    // An Outlook separator line just above the quote belongs to the quote.
    if let Some(q) = quote_start {
        if q > 0 && lines[q - 1].trim().chars().all(|c| c == '_' || c == '-') && lines[q - 1].trim().len() >= 10 {
            quote_start = Some(q - 1);
        }
    }
    let (new_lines, quoted) = match quote_start {
        Some(q) if q > 0 || lines.len() > 1 => (&lines[..q], Some(lines[q..].join("\n"))),
        _ => (&lines[..], None),
    };
    let sig_start = new_lines.iter().rposition(|l| is_signature_start(l)).filter(|&i| new_lines.len() - i <= 15 && i > 0);
    let (body, signature) = match sig_start {
        Some(s) => (&new_lines[..s], Some(new_lines[s..].join("\n").trim().to_string())),
        None => (new_lines, None),
    };
    let new_text = body.join("\n").trim_end().trim_start_matches('\n').to_string();
    if new_text.trim().is_empty() {
        // Nothing new found: never show an empty message; keep the whole text as new.
        return SplitText { new_text: text.trim().to_string(), quoted: None, signature: None };
    }
    SplitText {
        new_text,
        quoted: quoted.map(|q| q.trim_end().to_string()).filter(|q| !q.is_empty()),
        signature: signature.filter(|s| !s.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_with_an_answer_below() {
        // Inline answers after a long quote: the quote is not history, the text stays new.
        let mut t = "> quoted\n".repeat(20_000);
        t.push_str("My answer below the quote.\n");
        let s = split_reply(&t);
        assert!(s.quoted.is_none() && s.new_text.ends_with("My answer below the quote."));
        // The same quote at the end is history.
        let s = split_reply(&format!("Thanks!\n\n{}", "> quoted\n".repeat(20_000)));
        assert_eq!(s.new_text, "Thanks!");
        assert!(starts_with_ci("SENT from my iPhone", "sent from my iphone") && !starts_with_ci("Sen", "sent"));
    }

    #[test]
    fn gmail_reply() {
        let t = "Thanks, that helped.\n\nJan\n\nOn Mon, 23 Nov 2026 at 10:00, Shop Support <help@shop.cz>\nwrote:\n> Hello,\n> try restarting.\n";
        let s = split_reply(t);
        assert_eq!(s.new_text, "Thanks, that helped.\n\nJan");
        assert!(s.quoted.unwrap().contains("try restarting"));
    }

    #[test]
    fn outlook_reply_czech() {
        let t = "Dobrý den,\nděkuji.\n\n________________________________\nOd: Podpora <help@shop.cz>\nOdesláno: pondělí 23. listopadu 2026 10:00\nKomu: Jan <jan@x.cz>\nPředmět: [#5] Objednávka\n\nPůvodní text";
        let s = split_reply(t);
        assert_eq!(s.new_text, "Dobrý den,\nděkuji.");
        assert!(s.quoted.unwrap().starts_with("______"));
    }

    #[test]
    fn thunderbird_and_german() {
        assert_eq!(split_reply("Ja.\n\nAm 23.11.2026 um 10:00 schrieb Support:\n> Frage").new_text, "Ja.");
        assert_eq!(split_reply("Tak.\n\nW dniu 23.11.2026 o 10:00, Support pisze:\n> Pytanie").new_text, "Tak.");
        assert_eq!(split_reply("Да.\n\n23.11.2026 10:00, Support пишет:\n> Вопрос").new_text, "Да.");
    }

    #[test]
    fn inline_answers_are_not_folded() {
        let t = "> Which model?\nX200\n> Which colour?\nRed";
        let s = split_reply(t);
        assert_eq!(s.new_text, t);
        assert_eq!(s.quoted, None);
    }

    #[test]
    fn signatures() {
        let s = split_reply("Please call me.\n-- \nJan Novák\n+420 123 456 789");
        assert_eq!(s.new_text, "Please call me.");
        assert_eq!(s.signature.as_deref(), Some("-- \nJan Novák\n+420 123 456 789"));
        assert_eq!(split_reply("Ok\n\nSent from my iPhone").signature.as_deref(), Some("Sent from my iPhone"));
    }

    #[test]
    fn only_quote_keeps_everything() {
        let s = split_reply("> just a quote");
        assert_eq!(s.new_text, "> just a quote");
        assert_eq!(split_reply("").new_text, "");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Whatever the text, splitting never panics and never loses the customer's words:
        // new text, quote and signature together hold every non-blank line.
        #[test]
        fn never_loses_lines(lines in proptest::collection::vec("(> ?)?[a-zA-Z0-9 :@<>.-]{0,30}", 0..30)) {
            let text = lines.join("\n");
            let s = split_reply(&text);
            let all = format!("{}\n{}\n{}", s.new_text, s.quoted.clone().unwrap_or_default(), s.signature.clone().unwrap_or_default());
            for l in text.lines().filter(|l| !l.trim().is_empty()) {
                prop_assert!(all.contains(l.trim()), "lost {:?}", l);
            }
            if !text.trim().is_empty() {
                prop_assert!(!s.new_text.trim().is_empty());
            }
        }
    }
}
