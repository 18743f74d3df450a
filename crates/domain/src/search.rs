//! Text search rules shared by both backends: what is indexed and how a query becomes terms.
//! Text is folded (lowercase, diacritics removed: "Dvořáková" finds "dvorakova" and back) and
//! split into words; every query word must be a word of the ticket, the last one may be the start
//! of one (the agent may still be typing it).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase text without diacritics, as it is stored in the search index.
pub fn fold(text: &str) -> String {
    // Char by char, ASCII straight through (most of any mail), one pass, one allocation: this
    // runs over every message's text. Decomposing a char alone equals decomposing the string
    // here, as the combining marks (whose order the string form would fix) are dropped.
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            if c != '\0' {
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        for d in std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d)) {
            for l in d.to_lowercase() {
                match l {
                    'ł' | 'đ' | 'ø' | 'ß' => out.push('l'),
                    '\0' => {}
                    l => out.push(l),
                }
            }
        }
    }
    out
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
        assert_eq!(terms("  Jana.Dvořáková@seznam.cz \"OR\" *x* NEAR(") , vec!["jana", "dvorakova", "seznam", "cz", "or", "x", "near"]);
        assert!(terms("\" * ( ) : ^ -").is_empty());
        assert_eq!(terms("a b c d e f g h i j").len(), 8);
        assert_eq!(fold("Łódź"), "lodz");
    }

    proptest::proptest! {
        /// The char-by-char fold gives what folding the whole string at once gives.
        #[test]
        fn fold_is_the_whole_string_fold(text in "\\PC*|[a-zA-Z0-9 ěščřžýáíéůúňťďĚŠČŘŽÝÁÍÉŮÚŇŤĎłŁđøßäöüÄÖÜ\u{301}\u{308}\u{0}]*") {
            let whole = text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect::<String>().replace(['ł', 'đ', 'ø', 'ß'], "l").replace('\u{0}', "");
            proptest::prop_assert_eq!(fold(&text), whole);
        }
    }
}
