//! The translation catalogue: every user-facing text (agent UI and customer mail) is a Fluent
//! message in `locales/<lang>.ftl`, embedded in the binary. English is complete and the fallback;
//! a message missing from another language falls back to English, never to a key.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// A language the UI and customer mail can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Cs,
    Sk,
    Pl,
    Ru,
    Uk,
    De,
}

impl Lang {
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Cs, Lang::Sk, Lang::Pl, Lang::Ru, Lang::Uk, Lang::De];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cs => "cs",
            Lang::Sk => "sk",
            Lang::Pl => "pl",
            Lang::Ru => "ru",
            Lang::Uk => "uk",
            Lang::De => "de",
        }
    }

    /// The language's own name, for pickers.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Cs => "Čeština",
            Lang::Sk => "Slovenčina",
            Lang::Pl => "Polski",
            Lang::Ru => "Русский",
            Lang::Uk => "Українська",
            Lang::De => "Deutsch",
        }
    }

    /// A language from a code such as `cs`, `cs-CZ` or `CS_cz`; unknown codes give `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Lang::ALL.iter().copied().find(|l| l.code() == primary)
    }

    /// The first of these codes that is a supported language (the customer's own, then their
    /// mailbox's, then the installation's), else English.
    pub fn first_of<'a>(codes: impl IntoIterator<Item = Option<&'a str>>) -> Lang {
        codes.into_iter().flatten().find_map(Lang::from_code).unwrap_or(Lang::En)
    }

    /// The first supported language of an `Accept-Language` or `Content-Language` header value.
    pub fn from_header(value: &str) -> Option<Lang> {
        let mut tags: Vec<(f32, &str)> = value
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        tags.into_iter().find_map(|(_, t)| Lang::from_code(t))
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

const SOURCES: &[(Lang, &str)] = &[
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::Cs, include_str!("../locales/cs.ftl")),
    (Lang::Sk, include_str!("../locales/sk.ftl")),
    (Lang::Pl, include_str!("../locales/pl.ftl")),
    (Lang::Ru, include_str!("../locales/ru.ftl")),
    (Lang::Uk, include_str!("../locales/uk.ftl")),
    (Lang::De, include_str!("../locales/de.ftl")),
];

fn bundles() -> &'static Vec<(Lang, FluentBundle<FluentResource>)> {
    static B: OnceLock<Vec<(Lang, FluentBundle<FluentResource>)>> = OnceLock::new();
    B.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(lang, src)| {
                // The catalogue is compiled in and checked by a test: a syntax error cannot reach a user.
                let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(res, _)| res);
                let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
                let mut b = FluentBundle::new_concurrent(vec![id]);
                // No Unicode isolation marks: the text goes into HTML and mail subjects.
                b.set_use_isolating(false);
                let _ = b.add_resource(res);
                (*lang, b)
            })
            .collect()
    })
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let (_, bundle) = bundles().iter().find(|(l, _)| *l == lang)?;
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    Some(bundle.format_pattern(pattern, args, &mut errors).into_owned())
}

/// The text of `key` in `lang` (English when that language lacks it; the key itself only when
/// English lacks it too, which a test forbids for every key the code uses).
pub fn t(lang: Lang, key: &str) -> String {
    format(lang, key, None).or_else(|| format(Lang::En, key, None)).unwrap_or_else(|| key.to_string())
}

/// Like `t`, with named arguments (`{ $name }` in the catalogue). Numbers select plural forms.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        match v {
            Arg::Str(s) => fa.set(*k, FluentValue::from(*s)),
            Arg::Num(n) => fa.set(*k, FluentValue::from(*n)),
        }
    }
    format(lang, key, Some(&fa)).or_else(|| format(Lang::En, key, Some(&fa))).unwrap_or_else(|| key.to_string())
}

/// A moment (milliseconds since the epoch) as `lang` writes a date and time, in the time zone
/// `zone` (an IANA name; UTC when it is not one): "30 November 2026, 16:00", "30. 11. 2026 16:00",
/// "30.11.2026, 16:00".
pub fn date_time(lang: Lang, ms: i64, zone: &str) -> String {
    use chrono::{Datelike, Timelike};
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let Some(at) = chrono::DateTime::from_timestamp_millis(ms) else { return String::new() };
    let local = at.with_timezone(&tz);
    let month_name = t(lang, &format!("month-of-{}", local.month()));
    let (day, month) = (local.day().to_string(), local.month().to_string());
    let (day2, month2) = (format!("{:02}", local.day()), format!("{:02}", local.month()));
    let (year, time) = (local.year().to_string(), format!("{:02}:{:02}", local.hour(), local.minute()));
    let time_short = format!("{}:{:02}", local.hour(), local.minute());
    t_args(
        lang,
        "date-time",
        &[
            ("day", Arg::Str(&day)),
            ("day2", Arg::Str(&day2)),
            ("month", Arg::Str(&month)),
            ("month2", Arg::Str(&month2)),
            ("month_name", Arg::Str(&month_name)),
            ("year", Arg::Str(&year)),
            ("time", Arg::Str(&time)),
            ("time_short", Arg::Str(&time_short)),
        ],
    )
}

/// An argument of a translated message.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

/// Every message id in a language's catalogue (for completeness checks).
pub fn keys(lang: Lang) -> Vec<String> {
    let src = SOURCES.iter().find(|(l, _)| *l == lang).map(|(_, s)| *s).unwrap_or_default();
    let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(res, _)| res);
    res.entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_and_are_complete() {
        for (lang, src) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(src.to_string()) {
                panic!("{lang}.ftl does not parse: {errors:?}");
            }
        }
        let en = keys(Lang::En);
        assert!(en.len() > 50);
        for lang in Lang::ALL {
            let have = keys(*lang);
            let missing: Vec<_> = en.iter().filter(|k| !have.contains(k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }

    #[test]
    fn formats_with_arguments_and_falls_back() {
        assert_eq!(t(Lang::En, "nav-inbox"), "Inbox");
        assert_eq!(t(Lang::Cs, "nav-inbox"), "Schránka");
        assert_eq!(t(Lang::Cs, "no-such-key"), "no-such-key");
        assert!(t_args(Lang::En, "tickets-count", &[("count", Arg::Num(1))]).contains("1 ticket"));
        assert!(t_args(Lang::Cs, "tickets-count", &[("count", Arg::Num(3))]).contains("3 tikety"));
        assert!(t_args(Lang::Cs, "tickets-count", &[("count", Arg::Num(5))]).contains("5 tiketů"));
    }

    #[test]
    fn dates_and_times_as_each_language_writes_them() {
        // 2026-12-02 08:05 UTC: 09:05 in Prague, 11:05 in Moscow.
        let ms = 1_796_198_700_000;
        assert_eq!(date_time(Lang::En, ms, "Europe/Prague"), "2 December 2026, 09:05");
        assert_eq!(date_time(Lang::Cs, ms, "Europe/Prague"), "2. prosince 2026 9:05");
        assert_eq!(date_time(Lang::Sk, ms, "Europe/Bratislava"), "2. decembra 2026 9:05");
        assert_eq!(date_time(Lang::Pl, ms, "Europe/Warsaw"), "2 grudnia 2026, 09:05");
        assert_eq!(date_time(Lang::Ru, ms, "Europe/Moscow"), "2 декабря 2026 г., 11:05");
        assert_eq!(date_time(Lang::Uk, ms, "Europe/Kyiv"), "2 грудня 2026 р., 10:05");
        assert_eq!(date_time(Lang::De, ms, "Europe/Berlin"), "2. Dezember 2026, 09:05");
        assert_eq!(date_time(Lang::En, ms, "no/such zone"), "2 December 2026, 08:05");
    }

    #[test]
    fn languages_from_headers() {
        assert_eq!(Lang::from_header("cs-CZ,cs;q=0.9,en;q=0.8"), Some(Lang::Cs));
        assert_eq!(Lang::from_header("fr;q=0.9, en;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::from_header("de-AT,de;q=0.9"), Some(Lang::De));
        assert_eq!(Lang::from_header("uk-UA, ru;q=0.5"), Some(Lang::Uk));
        assert_eq!(Lang::from_header("en;q=0.1, cs;q=0.8"), Some(Lang::Cs));
        assert_eq!(Lang::from_header("fr"), None);
        assert_eq!(Lang::from_code("CS_cz"), Some(Lang::Cs));
        assert_eq!(Lang::first_of([None, Some("hu"), Some("pl"), Some("cs")]), Lang::Pl);
        assert_eq!(Lang::first_of([None, None]), Lang::En);
    }
}
