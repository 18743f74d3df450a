//! `@mentions` in internal notes: `@ann` (the local part of a colleague's address) or
//! `@ann@shop.cz` (the whole address) notifies that colleague.

use crate::EmailAddress;

/// The ids of the colleagues a note mentions, each once, in order of the agents list.
pub fn mentioned(note: &str, agents: &[(i64, EmailAddress)]) -> Vec<i64> {
    let mut words: Vec<String> = Vec::new();
    let chars: Vec<(usize, char)> = note.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        // A mention starts at '@' that follows nothing or a non-word character (not an address's '@').
        let starts = c == '@' && (i == 0 || !is_word(chars[i - 1].1));
        if !starts {
            continue;
        }
        let rest = &note[pos + 1..];
        let end = rest.find(|ch: char| !(is_word(ch) || ch == '@' || ch == '.' || ch == '-' || ch == '+')).unwrap_or(rest.len());
        let word = rest[..end].trim_end_matches('.').to_lowercase();
        if !word.is_empty() {
            words.push(word);
        }
    }
    agents
        .iter()
        .filter(|(_, email)| {
            let full = email.as_str().to_lowercase();
            let local = full.split('@').next().unwrap_or_default().to_string();
            words.iter().any(|w| *w == full || *w == local)
        })
        .map(|(id, _)| *id)
        .collect()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agents() -> Vec<(i64, EmailAddress)> {
        vec![
            (1, EmailAddress::parse("ann@shop.cz").unwrap()),
            (2, EmailAddress::parse("bob.k@shop.cz").unwrap()),
            (3, EmailAddress::parse("cyril@shop.cz").unwrap()),
        ]
    }

    #[test]
    fn finds_mentions() {
        assert_eq!(mentioned("@ann please look, and @Bob.K too.", &agents()), vec![1, 2]);
        assert_eq!(mentioned("ask @cyril@shop.cz", &agents()), vec![3]);
        assert!(mentioned("write to ann@shop.cz", &agents()).is_empty(), "an address is not a mention");
        assert!(mentioned("@annie", &agents()).is_empty());
        assert!(mentioned("", &agents()).is_empty());
        assert_eq!(mentioned("@ann @ann", &agents()), vec![1]);
    }
}
