//! Text search rules shared by both backends: what is indexed and how a query becomes terms.
//! Text is folded (lowercase, diacritics removed: "Dvořáková" finds "dvorakova" and back) and
//! split into words; every query word must be a word of the ticket, the last one may be the start
//! of one (the agent may still be typing it).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase text without diacritics, as it is stored in the search index.
pub fn fold(text: &str) -> String {
    // Char by char, ASCII straight through (most of any mail), Latin letters from a table, one
    // pass, one allocation: this runs over every message's text. Decomposing a char alone equals
    // decomposing the string here, as the combining marks (whose order the string form would fix)
    // are dropped.
    let mut out = String::with_capacity(text.len());
    let latin = latin();
    for c in text.chars() {
        if c.is_ascii() {
            if c != '\0' {
                out.push(c.to_ascii_lowercase());
            }
        } else if let Some(folded) = latin.get(c as usize - 0x80) {
            out.push_str(folded);
        } else {
            fold_char(c, &mut out);
        }
    }
    out
}

/// Appends one non-ASCII char folded: decomposed, its marks dropped, lowercased, spelled out.
fn fold_char(c: char, out: &mut String) {
    for d in std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d)) {
        for l in d.to_lowercase() {
            match spelled_out(l) {
                Some(s) => out.push_str(s),
                None => out.push(l),
            }
        }
    }
}

/// `fold_char` of U+0080–U+024F (Latin-1, Latin Extended-A and -B), worked out once: Czech,
/// Slovak, Polish or German text has such a letter every few letters, and decomposing each took
/// most of the time of folding it (Czech text: 141 → 52 ms per 20 MB).
fn latin() -> &'static [Box<str>] {
    static TABLE: std::sync::OnceLock<Vec<Box<str>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0x80u32..0x250)
            .map(|u| {
                let mut s = String::new();
                if let Some(c) = char::from_u32(u) {
                    fold_char(c, &mut s);
                }
                s.into_boxed_str()
            })
            .collect()
    })
}

/// Letters without a decomposition into a base letter and marks, spelled as people type them
/// without the letter (so "straße" and "strasse", "Søren" and "Soren" find each other).
fn spelled_out(lower: char) -> Option<&'static str> {
    Some(match lower {
        'ł' => "l",
        'đ' | 'ð' => "d",
        'ø' => "o",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        _ => return None,
    })
}

/// The words of a query (at most 8, each at most 64 characters), folded; only letters and digits,
/// so no query can carry operators of the index's own syntax.
pub fn terms(query: &str) -> Vec<String> {
    fold(query).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).map(|w| w.chars().take(64).collect()).collect()
}

/// The most text of one ticket the index keeps; older text stays searchable, a 500-message
/// thread does not grow the index without bound.
pub const MAX_INDEXED_CHARS: usize = 100_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_splits() {
        assert_eq!(fold("Dvořáková ŽLUŤOUČKÝ"), "dvorakova zlutoucky");
        assert_eq!(terms("  Jana.Dvořáková@seznam.cz \"OR\" *x* NEAR("), vec!["jana", "dvorakova", "seznam", "cz", "or", "x", "near"]);
        assert!(terms("\" * ( ) : ^ -").is_empty());
        assert_eq!(terms("a b c d e f g h i j").len(), 8);
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("Straße STRAẞE Søren Đorđe Ærø Œuvre Þór"), "strasse strasse soren dorde aero oeuvre thor");
        assert_eq!(terms("straße"), terms("Strasse"));
    }

    proptest::proptest! {
        /// The char-by-char fold gives what folding the whole string at once gives.
        #[test]
        fn fold_is_the_whole_string_fold(text in "\\PC*|[a-zA-Z0-9 ěščřžýáíéůúňťďĚŠČŘŽÝÁÍÉŮÚŇŤĎłŁđøßẞæœþÆŒÞäöüÄÖÜ\u{301}\u{308}\u{0}]*") {
            let whole = text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).map(|c| spelled_out(c).map_or(c.to_string(), str::to_string)).collect::<String>().replace('\u{0}', "");
            proptest::prop_assert_eq!(fold(&text), whole);
        }
    }
}
