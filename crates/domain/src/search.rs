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

/// Endings stripped from a query word so that other forms of it match as a prefix
/// ("objednávky" → "objednavk" finds "objednávka", "objednávku"; "заказы" → "заказ" finds
/// "заказом"). No stemmer crate covers Czech, Slovak or Polish, and the index holds words as
/// written, so this light stemmer runs on the query only, on folded words, longest ending first.
const LATIN_ENDINGS: &[&str] = &[
    "ovych", "ovymi", "ami", "ach", "ech", "ich", "ych", "ymi", "imi", "ovi", "ove", "ova", "owi", "ego", "emu", "ing", "iami", "ow", "om",
    "ou", "em", "um", "ej", "ie", "ia", "ed", "es", "y", "u", "a", "e", "i", "o", "s",
];
const CYRILLIC_ENDINGS: &[&str] = &[
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ах", "ях", "ов", "ев", "еи", "ои", "ии", "ыи", "ая", "яя", "ое", "ее", "ам",
    "ям", "ом", "ем", "ую", "юю", "ю", "а", "я", "ы", "и", "е", "о", "у", "ь",
];

/// The shortest stem left after an ending is stripped (shorter ones match too much).
const MIN_STEM_CHARS: usize = 4;

/// The stem of a folded query word to match as a prefix, when it has an ending to strip.
pub fn stem(word: &str) -> Option<String> {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let endings = if word.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) { CYRILLIC_ENDINGS } else { LATIN_ENDINGS };
    let len = word.chars().count();
    endings
        .iter()
        .filter(|e| word.ends_with(*e) && len - e.chars().count() >= MIN_STEM_CHARS)
        .max_by_key(|e| e.chars().count())
        .map(|e| word[..word.len() - e.len()].to_string())
}

/// How many wrong letters a word of this length may have and still be found (none under 4).
fn typos_allowed(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// Whether a query word is long enough for typos to be forgiven (four letters or more, no digits).
pub fn typo_tolerant(word: &str) -> bool {
    typos_allowed(word.chars().count()) > 0 && !word.chars().any(|c| c.is_ascii_digit())
}

/// The typo distance from a query word to a known word, if it is within what the word's length
/// allows (a swapped pair counts as one). With `prefix`, the query is the start of a word still
/// being typed, compared with the known word's start of the same length.
pub fn typo(query: &str, known: &str, prefix: bool) -> Option<usize> {
    let allowed = typos_allowed(query.chars().count());
    if allowed == 0 || known.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = if prefix {
        let n = query.chars().count();
        // The known word's start, one letter longer or shorter too (a letter left out or doubled).
        [n.saturating_sub(1), n, n + 1]
            .into_iter()
            .map(|k| strsim::osa_distance(query, &known.chars().take(k).collect::<String>()))
            .min()
            .unwrap_or(usize::MAX)
    } else {
        strsim::osa_distance(query, known)
    };
    (d <= allowed).then_some(d)
}

/// The trigrams a typo'd word is looked up by (letters only, as `terms` gives).
pub fn trigrams(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
    out.sort();
    out.dedup();
    out
}

/// One query word with what it matches: its forms (`prefix` ones match any word they start)
/// and known words it may be a typo of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub word: String,
    pub forms: Vec<Form>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub text: String,
    pub prefix: bool,
    /// How good a match is: 2 the word itself, 1 another form of it, 0 a typo.
    pub quality: u8,
}

impl Term {
    /// A query word's own forms: itself (a prefix when it is being typed) and its stem.
    pub fn new(word: &str, typing: bool) -> Term {
        let mut forms = vec![Form { text: word.to_string(), prefix: typing, quality: 2 }];
        if let Some(s) = stem(word) {
            forms.push(Form { text: s, prefix: true, quality: 1 });
        }
        Term { word: word.to_string(), forms }
    }

    /// Whether the word is still being typed (the query's last word, matched as a prefix; a
    /// term resolved to whole words, or left without forms, is not).
    pub fn typing(&self) -> bool {
        self.forms.first().is_some_and(|f| f.prefix)
    }

    /// Adds known words the query word may be a typo of.
    pub fn add_typos(&mut self, words: impl IntoIterator<Item = String>) {
        for w in words {
            if !self.forms.iter().any(|f| f.text == w) {
                self.forms.push(Form { text: w, prefix: false, quality: 0 });
            }
        }
    }

    /// How well a folded word of a text matches this term (`None`: not at all).
    pub fn matches(&self, folded: &str) -> Option<u8> {
        self.forms.iter().filter(|f| if f.prefix { folded.starts_with(&f.text) } else { folded == f.text }).map(|f| f.quality).max()
    }
}

/// The query's terms: every word but the last whole, the last one also as a prefix (it may
/// still be being typed).
pub fn query_terms(query: &str) -> Vec<Term> {
    let words = terms(query);
    let last = words.len().saturating_sub(1);
    words.iter().enumerate().map(|(i, w)| Term::new(w, i == last)).collect()
}

/// A text's words: where each one is in the text (snippets cut the original) and its folded
/// form, folded once for scoring and snippets alike.
pub struct Words<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
    folded: Vec<String>,
}

impl<'a> Words<'a> {
    pub fn of(text: &'a str) -> Words<'a> {
        let mut spans = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    spans.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            spans.push((s, text.len()));
        }
        let folded = spans.iter().map(|(s, e)| fold(&text[*s..*e])).collect();
        Words { text, spans, folded }
    }
}

/// How well each term matches a text: per term the best quality found (`None`: absent).
pub fn coverage(terms: &[Term], words: &Words) -> Vec<Option<u8>> {
    terms.iter().map(|t| words.folded.iter().filter_map(|w| t.matches(w)).max()).collect()
}

/// A result's score: each term counts three times in the title, once in the body, more for
/// the word itself than another form or a typo; then readers' votes and recency.
pub fn score(terms: &[Term], title: &Words, body: &Words, helpful: i64, unhelpful: i64, age_days: f64) -> f64 {
    let weight = |q: Option<u8>| q.map_or(0.0, |q| 0.5 + f64::from(q) * 0.25);
    let title_cov = coverage(terms, title);
    let body_cov = coverage(terms, body);
    let text: f64 = title_cov.iter().zip(&body_cov).map(|(t, b)| 3.0 * weight(*t) + weight(*b)).sum();
    let votes = (helpful as f64 + 1.0) / ((helpful + unhelpful) as f64 + 2.0);
    text + 0.5 * votes + 0.3 * (-age_days.max(0.0) / 365.0).exp()
}

/// A piece of a snippet: text, and whether it is a matched word (shown highlighted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// A snippet of a text around the first matched word: about `words` words, cut at word
/// boundaries, "…" where it was cut, matched words marked.
pub fn snippet(terms: &[Term], of: &Words, words: usize) -> Vec<Piece> {
    let (text, spans) = (of.text, &of.spans);
    let hits: Vec<bool> = of.folded.iter().map(|w| terms.iter().any(|t| t.matches(w).is_some())).collect();
    let first = hits.iter().position(|h| *h).unwrap_or(0);
    let from = first.saturating_sub(words / 4);
    let to = (from + words).min(spans.len());
    let mut out = Vec::new();
    if spans.is_empty() {
        return out;
    }
    let mut push = |text: &str, hit: bool| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(Piece { text: t, hit: h }) if *h == hit => t.push_str(text),
            _ => out.push(Piece { text: text.to_string(), hit }),
        }
    };
    if from > 0 {
        push("…", false);
    }
    let mut at = spans[from].0;
    for (i, (s, e)) in spans.iter().enumerate().take(to).skip(from) {
        push(&text[at..*s].replace(['\n', '\r', '\t'], " "), false);
        push(&text[*s..*e], hits[i]);
        at = *e;
    }
    if to < spans.len() {
        push("…", false);
    }
    out
}

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

    #[test]
    fn word_forms_typos_and_snippets() {
        assert_eq!(stem("objednavky").as_deref(), Some("objednavk"));
        assert_eq!(stem(&fold("zamówienia")).as_deref(), Some("zamowien"));
        assert_eq!(stem(&fold("заказы")).as_deref(), Some("заказ"));
        assert_eq!(stem("deliveries").as_deref(), Some("deliveri"));
        assert_eq!(stem("auto"), None, "a stem under four letters matches too much");
        assert_eq!(stem("order42"), None);
        assert_eq!(typo("reklamce", "reklamace", false), Some(1));
        assert_eq!(typo("dorpava", "doprava", false), Some(1), "a swapped pair is one typo");
        assert_eq!(typo("refnud", "refund", false), Some(1));
        assert_eq!(typo("rfnud", "refund", false), None, "two typos in a short word are too many");
        assert_eq!(typo("recklamacy", "reklamace", false), Some(2));
        assert_eq!(typo("reklm", "reklamace", true), Some(1), "the start of a word being typed");
        assert_eq!(typo("cat", "car", false), None, "no typos in words under four letters");
        let terms = query_terms("Objednávky platba");
        let t = &terms[0];
        assert_eq!(t.matches("objednavky"), Some(2));
        assert_eq!(t.matches("objednavka"), Some(1));
        assert_eq!(t.matches("objem"), None);
        assert_eq!(terms[1].matches("platbou"), Some(1));
        assert_eq!(query_terms("plat")[0].matches("platba"), Some(2), "the last word is a prefix");
        let text = "Jak zrušit objednávku?\nObjednávku zrušíte v účtu, dokud není odeslána.";
        let s = snippet(&terms, &Words::of(text), 6);
        let shown: String = s.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect();
        assert_eq!(shown, "…zrušit [objednávku]? [Objednávku] zrušíte v účtu…");
        let score = |title, body, helpful, unhelpful| score(&terms, &Words::of(title), &Words::of(body), helpful, unhelpful, 10.0);
        assert!(score("Objednávka", "", 0, 0) > score("Doprava", "objednávka", 0, 0), "title over body");
        assert!(score("Objednávky", "", 0, 0) > score("Objednávka", "", 0, 0), "the word over a form");
        assert!(score("Objednávka", "", 9, 0) > score("Objednávka", "", 0, 9), "helpful first");
        assert!(typo_tolerant("refund") && !typo_tolerant("cat") && !typo_tolerant("order42"));
        assert!(query_terms("plat")[0].typing() && !query_terms("plat x")[0].typing());
        assert!(trigrams("abcab") == vec!["abc", "bca", "cab"]);
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
