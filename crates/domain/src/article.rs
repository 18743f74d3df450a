//! Knowledge-base articles as text: a title's slug (the stable part of its URL), Markdown
//! rendered to HTML that is safe to serve on our own pages, the plain text that search and page
//! descriptions read, and which articles are related by their words.

use crate::search::fold;

/// Longest slug, in bytes (ASCII).
pub const MAX_SLUG: usize = 80;

/// Where an article's uploaded images are served; an image elsewhere is dropped (the help
/// centre's CSP would block it anyway, and a remote image tells a third party who reads).
pub const FILES_PATH: &str = "/help/files/";

/// A slug from a title (or from a slug as someone typed it, by the same rules): folded (no diacritics, lower case), words joined by hyphens, at most
/// `MAX_SLUG` bytes, cut at a word; a title without letters or digits gives "article".
/// "Jak vrátit zboží?" → "jak-vratit-zbozi"; Cyrillic is transliterated ("Доставка" → "dostavka").
pub fn slug(title: &str) -> String {
    let folded = fold(title);
    let mut out = String::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word: String = word.chars().map(translit).collect();
        let word: String = word.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if word.is_empty() {
            continue;
        }
        if out.len() + word.len() + 1 > MAX_SLUG {
            if out.is_empty() {
                out.push_str(&word[..MAX_SLUG]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    match out.as_str() {
        "" => "article".into(),
        // The help centre's own page of a language (`/help/{lang}/search`).
        "search" => "search-article".into(),
        _ => out,
    }
}

/// A file name as one part of a URL path (everything but letters, digits, `-`, `_` and `.`
/// percent-encoded).
pub fn url_part(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Cyrillic letters of Russian and Ukrainian in Latin letters (a simple scientific-style
/// scheme without diacritics, for URLs only); other characters as they are.
fn translit(c: char) -> String {
    let s = match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' | 'э' | 'є' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        other => return other.to_string(),
    };
    s.to_string()
}

/// An article's body, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitised HTML: no script, style, event handlers or foreign images; links to other sites
    /// open without a referrer.
    pub html: String,
    /// The words a reader sees, paragraphs on their own lines (search, snippets, descriptions).
    pub text: String,
}

/// Renders Markdown (CommonMark with tables, strikethrough and task lists) to safe HTML.
/// Raw HTML in the Markdown is allowed only as far as the sanitiser keeps it.
pub fn render(markdown: &str) -> Rendered {
    use pulldown_cmark::{Event, Options, Parser, TagEnd};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events.iter().cloned());
    let mut text = String::with_capacity(markdown.len());
    for e in &events {
        match e {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableRow | TagEnd::CodeBlock) => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push(' '),
            _ => {}
        }
    }
    let text = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
    Rendered { html: sanitize(&unsafe_html), text }
}

fn sanitize(html: &str) -> String {
    use std::collections::HashSet;
    let mut b = ammonia::Builder::default();
    b.add_tags(["input", "figure", "figcaption"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .add_tag_attributes("img", ["loading"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Only our own uploads (served under the help centre's rights checks).
            ("img", "src") => value.starts_with(FILES_PATH).then(|| value.into()),
            // Task-list boxes only, and never editable.
            ("input", "type") => (value == "checkbox").then(|| value.into()),
            _ => Some(value.into()),
        });
    b.clean(html).to_string()
}

/// The start of a text for a page's description or a result's snippet: at most `max` chars,
/// cut at a word, with "…" when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// The words of a title that tell articles apart (folded, at least 4 letters: short words are
/// mostly the language's little words).
fn keywords(title: &str) -> Vec<String> {
    let mut w: Vec<String> = fold(title).split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4).map(stem).collect();
    w.sort();
    w.dedup();
    w
}

/// A word without its ending, roughly (the first five letters: enough for "vrácení"/"vrátit"
/// to part, "objednávka"/"objednávky" to meet), for comparing titles only.
fn stem(word: &str) -> String {
    word.chars().take(5).collect()
}

/// Which candidates are related to an article, best first, at most `max`: those sharing most
/// title words with it, then those of its category; never itself. Each candidate is its id,
/// title and whether it is in the same category.
pub fn related(title: &str, id: i64, candidates: &[(i64, &str, bool)], max: usize) -> Vec<i64> {
    let own = keywords(title);
    let mut scored: Vec<(usize, bool, i64)> = candidates
        .iter()
        .filter(|(c, _, _)| *c != id)
        .map(|(c, t, same)| (keywords(t).iter().filter(|w| own.contains(w)).count(), *same, *c))
        .filter(|(shared, same, _)| *shared > 0 || *same)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    scored.into_iter().take(max).map(|(_, _, c)| c).collect()
}

/// A help centre's colour as an admin typed it (`#1a56b0`, `1A56B0`, `#15b`), as `#rrggbb`.
pub fn colour(typed: &str) -> Option<String> {
    let hex = typed.trim().trim_start_matches('#').to_ascii_lowercase();
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{hex}")),
        3 => Some(hex.chars().fold(String::from("#"), |mut s, c| {
            s.push(c);
            s.push(c);
            s
        })),
        _ => None,
    }
}

/// The contrast ratio of white against a `#rrggbb` colour (WCAG 2: 1 to 21). The help centre
/// writes its name in white on its colour and its links in the colour on white, so both read
/// well from 4.5 (AA) up.
pub fn contrast_with_white(colour: &str) -> f64 {
    let channel = |i: usize| {
        let v = u8::from_str_radix(colour.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    1.05 / (luminance + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read_and_their_contrast_known() {
        assert_eq!(colour("#1A56B0").as_deref(), Some("#1a56b0"));
        assert_eq!(colour("15b").as_deref(), Some("#1155bb"));
        assert_eq!(colour("red"), None);
        assert_eq!(colour("#12345"), None);
        assert!((contrast_with_white("#000000") - 21.0).abs() < 0.01);
        assert!((contrast_with_white("#ffffff") - 1.0).abs() < 0.01);
        assert!(contrast_with_white("#1a56b0") >= 4.5);
        assert!(contrast_with_white("#ffcc00") < 4.5);
    }

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(slug("Jak vrátit zboží?"), "jak-vratit-zbozi");
        assert_eq!(slug("Zwrot towaru — żółty formularz"), "zwrot-towaru-zolty-formularz");
        assert_eq!(slug("Доставка и оплата"), "dostavka-i-oplata");
        assert_eq!(slug("Щастя є"), "shchastya-e");
        assert_eq!(slug("Größe & Passform"), "grosse-passform");
        assert_eq!(slug("  ?!  "), "article");
        let long = slug(&"slovo ".repeat(40));
        assert!(long.len() <= MAX_SLUG && !long.ends_with('-'), "{long}");
        assert_eq!(slug(&"a".repeat(200)).len(), MAX_SLUG);
    }

    #[test]
    fn markdown_is_rendered_and_made_safe() {
        let r = render(
            "# Vrácení\n\nPošlete **zboží** do 14 dnů. <script>alert(1)</script>\n\n\
             <img src=\"https://tracker.example/x.gif\"> ![plán](/help/files/3/plan.png)\n\n\
             [web](https://example.com) [bad](javascript:alert(1)) <a href=\"#\" onclick=\"x()\">x</a>\n\n\
             | a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] hotovo\n",
        );
        assert!(r.html.contains("<h1>Vrácení</h1>"), "{}", r.html);
        assert!(r.html.contains("<strong>zboží</strong>"));
        assert!(!r.html.contains("<script") && !r.html.contains("alert(1)</"), "{}", r.html);
        assert!(!r.html.contains("tracker.example"), "{}", r.html);
        assert!(r.html.contains("src=\"/help/files/3/plan.png\""), "{}", r.html);
        assert!(r.html.contains("rel=\"noopener noreferrer\""));
        assert!(!r.html.contains("javascript:") && !r.html.contains("onclick"), "{}", r.html);
        assert!(r.html.contains("<table>") && r.html.contains("type=\"checkbox\""), "{}", r.html);
        assert!(r.text.starts_with("Vrácení\nPošlete zboží do 14 dnů."), "{}", r.text);
        assert!(!r.text.contains('#') && !r.text.contains("**"));
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("Krátký text.", 50), "Krátký text.");
        assert_eq!(excerpt("Pošlete zboží zpět do čtrnácti dnů od převzetí", 30), "Pošlete zboží zpět do…");
        assert_eq!(excerpt("a\n\n  b", 10), "a b");
    }

    #[test]
    fn related_articles_share_words_or_a_category() {
        let c = [
            (1, "Vrácení zboží do 14 dnů", true),
            (2, "Stav objednávky", false),
            (3, "Vrácení peněz za zboží", false),
            (4, "Platba kartou", false),
            (5, "Doprava zdarma", true),
        ];
        assert_eq!(related("Jak probíhá vrácení zboží", 1, &c, 3), vec![3, 5]);
        // (Another category's article: only the shared word relates them.)
        let other: Vec<(i64, &str, bool)> = c.iter().map(|(i, t, _)| (*i, *t, false)).collect();
        assert_eq!(related("Kde je moje objednávka?", 9, &other, 3), vec![2]);
        assert!(related("Něco jiného", 9, &c[1..2], 3).is_empty());
    }
}
