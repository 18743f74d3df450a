//! When an incoming mail is set aside, and when a new ticket gets an automatic acknowledgement.
//! Never acknowledge auto-generated mail (RFC 3834 `Auto-Submitted`, `Precedence: bulk/junk/list`,
//! mailing lists, robots, our own mail) and never more than a few per sender per window, so that
//! two auto-responders cannot loop.

use crate::template;
use crate::EmailAddress;

/// Header facts of an incoming mail that matter for loop protection.
#[derive(Debug, Clone, Default)]
pub struct MailFacts {
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list_headers: bool,
    pub auto_response_suppress: Option<String>,
    /// X-Autoreply, X-Autorespond, X-Auto-Reply-From and friends.
    pub autoreply_header: bool,
    /// `Content-Type: multipart/report; report-type=delivery-status` (or disposition-notification).
    pub delivery_report: bool,
    /// The mail carries our own loop header or comes from one of our own addresses.
    pub from_ourselves: bool,
    pub return_path_empty: bool,
}

/// What an incoming mail is, for routing it into a ticket or setting it aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundClass {
    /// A person's mail.
    Human,
    /// Vacation notice, list mail, newsletter: a ticket message, never acknowledged.
    Automatic,
    /// A delivery-status report or mailer-daemon mail: set aside, not a ticket.
    Bounce,
    /// Our own mail coming back: set aside, not a ticket.
    Loop,
}

pub fn classify(sender: &EmailAddress, f: &MailFacts) -> InboundClass {
    if f.from_ourselves {
        return InboundClass::Loop;
    }
    let local = sender.local_part();
    if f.delivery_report || local == "mailer-daemon" || (f.return_path_empty && local == "postmaster") {
        return InboundClass::Bounce;
    }
    let auto_submitted = f.auto_submitted.as_deref().map(|s| s.trim().to_ascii_lowercase());
    let precedence = f.precedence.as_deref().map(|s| s.trim().to_ascii_lowercase());
    let suppress = f.auto_response_suppress.as_deref().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    if auto_submitted.is_some_and(|a| !a.starts_with("no"))
        || precedence.is_some_and(|p| matches!(p.as_str(), "bulk" | "junk" | "list" | "auto_reply"))
        || f.list_headers
        || f.autoreply_header
        || f.return_path_empty
        || suppress.contains("all")
        || suppress.contains("autoreply")
        || sender.is_robot()
    {
        return InboundClass::Automatic;
    }
    InboundClass::Human
}

/// Per-sender rate limit for acknowledgements.
#[derive(Debug, Clone, Copy)]
pub struct AckLimit {
    pub max_per_window: u32,
    pub window_secs: i64,
}

impl Default for AckLimit {
    fn default() -> Self {
        AckLimit { max_per_window: 3, window_secs: 3600 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckDecision {
    Send,
    NotHuman,
    RateLimited,
    Disabled,
}

pub fn decide_ack(class: InboundClass, enabled: bool, recent_acks_to_sender: u32, limit: AckLimit) -> AckDecision {
    if !enabled {
        AckDecision::Disabled
    } else if class != InboundClass::Human {
        AckDecision::NotHuman
    } else if recent_acks_to_sender >= limit.max_per_window {
        AckDecision::RateLimited
    } else {
        AckDecision::Send
    }
}

/// Variables an acknowledgement template may use.
pub const ACK_VARIABLES: &[&str] = &[
    "greeting",
    "greeting_informal",
    "customer_name",
    "ticket_number",
    "ticket_tag",
    "subject",
    "mailbox_name",
    "support_hours",
    "response_time",
    "answer_by",
    "alternative_contacts",
    "help_articles",
    "portal_url",
];

// The default texts are the catalogue's `ack-subject` and `ack-body` (see `i18n`), in the
// customer's language; a mailbox's own templates replace them.

/// The filled-in values for one acknowledgement.
#[derive(Debug, Clone)]
pub struct AckContext<'a> {
    pub customer_name: &'a str,
    pub ticket_number: crate::TicketNumber,
    pub subject: &'a str,
    pub mailbox_name: &'a str,
    pub support_hours: &'a str,
    pub response_time: &'a str,
    /// When the first answer is due by the mailbox's SLA, in words (`answer_by_text`); None
    /// without one (the text then says how soon we usually answer).
    pub answer_by: Option<&'a str>,
    pub alternative_contacts: &'a str,
    pub help_articles: &'a [String],
    pub portal_url: &'a str,
}

/// When the first answer is due, as the acknowledgement says it in `lang`: the local date and time
/// in the calendar's zone, named.
pub fn answer_by_text(lang: crate::Lang, local: chrono::NaiveDateTime, zone: &str) -> String {
    use chrono::{Datelike, Timelike};
    let weekday = crate::i18n::t(lang, &format!("weekday-{}", local.weekday().number_from_monday()));
    let weekday_on = crate::i18n::t(lang, &format!("weekday-on-{}", local.weekday().number_from_monday()));
    let month = crate::i18n::t(lang, &format!("month-{}", local.month()));
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    use crate::i18n::Arg;
    crate::i18n::t_args(
        lang,
        "ack-answer-by",
        &[
            ("weekday", Arg::Str(&weekday)),
            ("weekday_on", Arg::Str(&weekday_on)),
            ("day", Arg::Str(&local.day().to_string())),
            ("month", Arg::Str(&local.month().to_string())),
            ("month_name", Arg::Str(&month)),
            ("year", Arg::Str(&local.year().to_string())),
            ("time", Arg::Str(&time)),
            ("zone", Arg::Str(zone)),
        ],
    )
}

/// Renders an acknowledgement (subject, body) from the mailbox's templates or, without them, the
/// catalogue's default texts in `lang`.
pub fn render_ack(subject_tpl: Option<&str>, body_tpl: Option<&str>, lang: crate::Lang, c: &AckContext<'_>) -> (String, String) {
    let number = c.ticket_number.to_string();
    let tag = c.ticket_number.tag();
    let subject = crate::subject::strip_prefixes(c.subject);
    let articles = if c.help_articles.is_empty() {
        crate::i18n::t(lang, "ack-no-articles")
    } else {
        c.help_articles.iter().map(|a| format!("- {a}")).collect::<Vec<_>>().join("\n")
    };
    let fallback_name = crate::i18n::t(lang, "ack-customer");
    let name = if c.customer_name.trim().is_empty() { fallback_name.as_str() } else { c.customer_name };
    let greeting = crate::greeting::greeting(lang, c.customer_name, crate::greeting::Style::Formal);
    let greeting_informal = crate::greeting::greeting(lang, c.customer_name, crate::greeting::Style::Informal);
    let vars: [(&str, &str); 13] = [
        ("greeting", &greeting),
        ("greeting_informal", &greeting_informal),
        ("customer_name", name),
        ("ticket_number", &number),
        ("ticket_tag", &tag),
        ("subject", &subject),
        ("mailbox_name", c.mailbox_name),
        ("support_hours", c.support_hours),
        ("response_time", c.response_time),
        ("answer_by", c.answer_by.unwrap_or_default()),
        ("alternative_contacts", c.alternative_contacts),
        ("help_articles", &articles),
        ("portal_url", c.portal_url),
    ];
    let expected = match c.answer_by {
        Some(by) => crate::i18n::t_args(lang, "ack-expected-by", &[("answer_by", crate::i18n::Arg::Str(by))]),
        None => crate::i18n::t_args(lang, "ack-expected-within", &[("response_time", crate::i18n::Arg::Str(c.response_time))]),
    };
    let from_catalogue = |key: &str| {
        let mut args: Vec<(&str, crate::i18n::Arg<'_>)> = vars.iter().map(|(k, v)| (*k, crate::i18n::Arg::Str(v))).collect();
        args.push(("expected", crate::i18n::Arg::Str(&expected)));
        crate::i18n::t_args(lang, key, &args)
    };
    let mut subj = match subject_tpl {
        Some(t) => template::render(t, &vars),
        None => from_catalogue("ack-subject"),
    };
    if !subj.contains(&tag) {
        // Replies must find their way back even when an admin drops the tag from the template.
        subj = format!("{tag} {subj}");
    }
    let subj: String = subj.chars().filter(|c| !c.is_control()).collect();
    let body = match body_tpl {
        Some(t) => template::render(t, &vars),
        None => from_catalogue("ack-body"),
    };
    (subj, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[test]
    fn classifies() {
        let jan = a("jan@c.cz");
        assert_eq!(classify(&jan, &MailFacts::default()), InboundClass::Human);
        let auto = MailFacts { auto_submitted: Some("auto-replied".into()), ..Default::default() };
        assert_eq!(classify(&jan, &auto), InboundClass::Automatic);
        let no = MailFacts { auto_submitted: Some("No".into()), ..Default::default() };
        assert_eq!(classify(&jan, &no), InboundClass::Human);
        for p in ["bulk", "Junk", "list"] {
            assert_eq!(classify(&jan, &MailFacts { precedence: Some(p.into()), ..Default::default() }), InboundClass::Automatic);
        }
        assert_eq!(classify(&jan, &MailFacts { list_headers: true, ..Default::default() }), InboundClass::Automatic);
        assert_eq!(classify(&a("noreply@shop.cz"), &MailFacts::default()), InboundClass::Automatic);
        assert_eq!(classify(&a("MAILER-DAEMON@mx.cz"), &MailFacts::default()), InboundClass::Bounce);
        assert_eq!(classify(&jan, &MailFacts { delivery_report: true, ..Default::default() }), InboundClass::Bounce);
        assert_eq!(classify(&jan, &MailFacts { from_ourselves: true, ..Default::default() }), InboundClass::Loop);
    }

    #[test]
    fn ack_decisions() {
        let l = AckLimit::default();
        assert_eq!(decide_ack(InboundClass::Human, true, 0, l), AckDecision::Send);
        assert_eq!(decide_ack(InboundClass::Human, true, 3, l), AckDecision::RateLimited);
        assert_eq!(decide_ack(InboundClass::Automatic, true, 0, l), AckDecision::NotHuman);
        assert_eq!(decide_ack(InboundClass::Human, false, 0, l), AckDecision::Disabled);
    }

    #[test]
    fn default_template_uses_only_known_variables_and_keeps_tag() {
        let c = AckContext {
            customer_name: "Jan",
            ticket_number: crate::TicketNumber::new(12).unwrap(),
            subject: "Re: Broken\r\nBcc: x@y",
            mailbox_name: "Shop support",
            support_hours: "Mon–Fri 8–16",
            response_time: "4 hours",
            answer_by: None,
            alternative_contacts: "+420 123",
            help_articles: &["Returns: https://x/kb/1".to_string()],
            portal_url: "",
        };
        let (s, b) = render_ack(None, None, crate::Lang::En, &c);
        assert!(s.starts_with("[#12] We have received"), "{s}");
        assert!(!s.contains('\n') && !s.contains('\r'));
        assert!(b.contains("#12") && b.contains("Mon–Fri 8–16") && b.contains("4 hours") && b.contains("Returns:"), "{b}");
        assert!(!b.contains('{') && !b.contains('$'), "an unfilled variable: {b}");
        let (s, b) = render_ack(None, None, crate::Lang::Cs, &c);
        assert!(s.starts_with("[#12] Vaši zprávu jsme přijali"), "{s}");
        assert!(b.starts_with("Dobrý den,\n\nděkujeme") && b.contains("#12") && b.contains("4 hours"), "{b}");
        let (_, b) = render_ack(None, None, crate::Lang::Cs, &AckContext { customer_name: "Jana Dvořáková", ..c.clone() });
        assert!(b.starts_with("Dobrý den, paní Dvořáková,\n\nděkujeme"), "{b}");
        let (_, b) = render_ack(
            None,
            Some("{{greeting_informal}} {{ticket_number}}"),
            crate::Lang::Pl,
            &AckContext { customer_name: "Marek Nowak", ..c.clone() },
        );
        assert_eq!(b, "Cześć Marku, #12");
        let (s2, _) = render_ack(Some("Thanks"), Some("x"), crate::Lang::Cs, &c);
        assert_eq!(s2, "[#12] Thanks");
        // With an SLA: the due time instead of the usual answer time.
        let when = answer_by_text(
            crate::Lang::Cs,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(16, 0, 0).unwrap(),
            "Europe/Prague",
        );
        assert_eq!(when, "v pondělí 30. 11. 2026 v 16:00 (Europe/Prague)");
        let by = AckContext { answer_by: Some(&when), ..c.clone() };
        let (_, b) = render_ack(None, None, crate::Lang::Cs, &by);
        assert!(b.contains("Odpovíme nejpozději v pondělí 30. 11. 2026 v 16:00") && !b.contains("4 hours"), "{b}");
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap().and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(answer_by_text(crate::Lang::Pl, at, "Europe/Warsaw"), "w środę 2.12.2026 o 09:00 (Europe/Warsaw)");
        assert_eq!(answer_by_text(crate::Lang::Ru, at, "Europe/Moscow"), "в среду, 2.12.2026, в 09:00 (Europe/Moscow)");
        assert_eq!(answer_by_text(crate::Lang::De, at, "Europe/Berlin"), "am Mittwoch, 2.12.2026, um 09:00 Uhr (Europe/Berlin)");
        let en = answer_by_text(
            crate::Lang::En,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(9, 5, 0).unwrap(),
            "Europe/Prague",
        );
        assert_eq!(en, "Monday 30 November 2026, 09:05 (Europe/Prague time)");
        let (_, b) = render_ack(None, Some("By {{answer_by}}."), crate::Lang::En, &AckContext { answer_by: Some(&en), ..c });
        assert_eq!(b, format!("By {en}."));
    }
}
