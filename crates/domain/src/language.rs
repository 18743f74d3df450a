//! Which language a customer writes in, from the new text of their message (whatlang's trigram
//! model, limited to the languages our customers write: fewer candidates, fewer confusions).
//! Too little text, or text the model is unsure of, says nothing: the caller keeps what it knew.

use std::sync::OnceLock;
use whatlang::{Detector, Lang};

/// The languages told apart, with the code the helpdesk stores (ISO 639-1).
const LANGUAGES: &[(Lang, &str)] = &[
    (Lang::Ces, "cs"),
    (Lang::Slk, "sk"),
    (Lang::Pol, "pl"),
    (Lang::Rus, "ru"),
    (Lang::Ukr, "uk"),
    (Lang::Deu, "de"),
    (Lang::Eng, "en"),
    (Lang::Hun, "hu"),
];

/// Fewer letters than this say too little ("Děkuji", "OK, thanks").
const MIN_LETTERS: usize = 12;

/// What is looked at, at most: the start of a long text says as much as all of it.
const MAX_CHARS: usize = 2000;

/// How sure the model must be (whatlang's confidence, 0 to 1).
const MIN_CONFIDENCE: f64 = 0.2;

/// The language of `text` (a message's new text, without quoted history or signature), or None
/// when it is too short or unclear.
pub fn detect(text: &str) -> Option<&'static str> {
    let text = text.char_indices().nth(MAX_CHARS).map_or(text, |(at, _)| &text[..at]);
    if text.chars().filter(|c| c.is_alphabetic()).take(MIN_LETTERS).count() < MIN_LETTERS {
        return None;
    }
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    let detector = DETECTOR.get_or_init(|| Detector::with_allowlist(LANGUAGES.iter().map(|(l, _)| *l).collect()));
    let info = detector.detect(text)?;
    let lang = match info.lang() {
        Lang::Ces | Lang::Slk => czech_or_slovak(text).or((info.confidence() >= MIN_CONFIDENCE).then(|| info.lang()))?,
        l if info.confidence() >= MIN_CONFIDENCE => l,
        _ => return None,
    };
    LANGUAGES.iter().find(|(l, _)| *l == lang).map(|(_, code)| *code)
}

/// Czech or Slovak by the letters and small words only one of them has. The trigram model takes
/// a short Czech sentence ("Dobrý den, balík dorazil poškozený") for Slovak; these marks decide
/// where they are found (written by hand: no crate tells the two apart on a sentence).
fn czech_or_slovak(text: &str) -> Option<Lang> {
    const CS_LETTERS: &[char] = &['ě', 'ř', 'ů'];
    const SK_LETTERS: &[char] = &['ä', 'ľ', 'ĺ', 'ŕ', 'ô'];
    const CS_WORDS: &[&str] =
        &["den", "jsem", "jsme", "jste", "moje", "nebo", "jak", "děkuji", "dekuji", "když", "také", "není", "se", "co", "bych", "jsou"];
    const SK_WORDS: &[&str] =
        &["deň", "som", "sme", "ste", "moja", "alebo", "ako", "ďakujem", "dakujem", "keď", "tiež", "nie", "sa", "čo", "sú"];
    let lower = text.to_lowercase();
    let mut cs = lower.chars().filter(|c| CS_LETTERS.contains(c)).count();
    let mut sk = lower.chars().filter(|c| SK_LETTERS.contains(c)).count();
    for word in lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
        cs += usize::from(CS_WORDS.contains(&word));
        sk += usize::from(SK_WORDS.contains(&word));
    }
    match cs.cmp(&sk) {
        std::cmp::Ordering::Greater => Some(Lang::Ces),
        std::cmp::Ordering::Less => Some(Lang::Slk),
        std::cmp::Ordering::Equal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn customers_languages_are_told_apart() {
        for (text, lang) in [
            ("Dobrý den, balík dorazil poškozený. Můžete mi prosím poslat nový?", "cs"),
            ("Dobrý den, balík dorazil poškozený", "cs"),
            ("Kde je moje faktura? Objednávka 123", "cs"),
            ("Dobrý deň, kde je moja objednávka?", "sk"),
            ("Dobrý deň, balík prišiel poškodený. Môžete mi prosím poslať nový?", "sk"),
            ("Dzień dobry, paczka dotarła uszkodzona. Czy możecie wysłać nową?", "pl"),
            ("Здравствуйте, посылка пришла повреждённой. Можете прислать новую?", "ru"),
            ("Добрий день, посилка прийшла пошкодженою. Чи можете надіслати нову?", "uk"),
            ("Guten Tag, das Paket ist beschädigt angekommen. Können Sie ein neues schicken?", "de"),
            ("Hello, the parcel arrived damaged. Could you please send a new one?", "en"),
            ("Jó napot, a csomag sérülten érkezett. Tudnának újat küldeni?", "hu"),
        ] {
            assert_eq!(detect(text), Some(lang), "{text}");
        }
    }

    #[test]
    fn too_little_text_says_nothing() {
        for text in ["", "Děkuji", "OK, thanks", "12345 67890 !!!", "👍👍👍"] {
            assert_eq!(detect(text), None, "{text}");
        }
    }
}
