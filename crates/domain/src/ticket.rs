//! Ticket vocabulary: numbers, statuses, message directions and kinds, roles, priorities,
//! channels, tags and snooze times. Each type holds only valid values; parsing is the one check.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A ticket's public number, shown as `#NUMBER` and tagged in subjects as `[#NUMBER]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketNumber(i64);

impl TicketNumber {
    pub fn new(n: i64) -> Result<Self, DomainError> {
        if n > 0 {
            Ok(TicketNumber(n))
        } else {
            Err(DomainError::InvalidTicketNumber(n.to_string()))
        }
    }
    pub fn get(self) -> i64 {
        self.0
    }
    /// The subject tag, `[#42]`.
    pub fn tag(self) -> String {
        format!("[#{}]", self.0)
    }
}

impl FromStr for TicketNumber {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches('#');
        if t.is_empty() || t.len() > 18 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::InvalidTicketNumber(s.chars().take(40).collect()));
        }
        TicketNumber::new(t.parse().map_err(|_| DomainError::InvalidTicketNumber(s.to_string()))?)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $kind:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok($name::$variant),)+
                    _ => Err(DomainError::UnknownValue { kind: $kind, value: s.chars().take(40).collect() }) }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Where a ticket stands. `Pending` waits on the customer; `Solved` awaits confirmation; `Closed` is final.
    TicketStatus, "status", {
    New => "new",
    Open => "open",
    Pending => "pending",
    Solved => "solved",
    Closed => "closed",
});

impl TicketStatus {
    /// The status after the customer writes again: anything but `new` goes back to `open`.
    pub fn after_customer_reply(self) -> TicketStatus {
        match self {
            TicketStatus::New => TicketStatus::New,
            _ => TicketStatus::Open,
        }
    }
}

string_enum!(
    /// Whether a message came from outside (`in`) or was written by us (`out`).
    Direction, "direction", { In => "in", Out => "out" });

string_enum!(
    /// A message to the customer, or an internal note only agents see.
    MessageKind, "kind", { Message => "message", Note => "note" });

string_enum!(
    /// What an account may do.
    Role, "role", { Admin => "admin", Agent => "agent", LightAgent => "light_agent" });

string_enum!(
    /// How urgent a ticket is; the inbox can be sorted and filtered by it.
    Priority, "priority", { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" });

string_enum!(
    /// Where an outgoing mail stands: waiting to be sent (or retried), taken by the relay, or
    /// refused for good (the server's answer is kept beside it).
    Delivery, "delivery", { Queued => "queued", Sent => "sent", Failed => "failed" });

string_enum!(
    /// Whether an agent is there to take work: online, away for a while, or off shift.
    AgentStatus, "agent status", { Online => "online", Away => "away", Off => "off" });

impl AgentStatus {
    /// The availability that counts: what the agent set, except that outside their working
    /// hours (`on_shift` false) they are off shift.
    pub fn during_shift(self, on_shift: bool) -> AgentStatus {
        if on_shift {
            self
        } else {
            AgentStatus::Off
        }
    }
}

string_enum!(
    /// How a ticket reached us.
    Channel, "channel", { Email => "email", Api => "api", Web => "web", Chat => "chat" });

/// A ticket's label: trimmed, lower case, 1 to 64 printable characters. The one rule for tags,
/// whether they come from the UI, the API, a rule or a bulk action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, min_length = 1, max_length = 64))]
#[serde(transparent)]
pub struct Tag(String);

impl Tag {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(s: &str) -> Result<Tag, DomainError> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > Tag::MAX_CHARS || t.chars().any(char::is_control) {
            return Err(DomainError::InvalidTag(t.chars().take(80).collect()));
        }
        Ok(Tag(t.to_lowercase()))
    }

    /// Tags written as one comma-separated field ("vip, refund"); empty pieces are skipped.
    pub fn list(text: &str) -> Result<Vec<Tag>, DomainError> {
        text.split(',').filter(|t| !t.trim().is_empty()).map(Tag::parse).collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Tag {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tag::parse(s)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Tag::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

string_enum!(
    /// How long an agent puts a ticket aside: it waits as pending and comes back by itself.
    Snooze, "snooze time", { Hour => "1h", Tomorrow => "tomorrow", Week => "week" });

impl Snooze {
    /// When the ticket comes back, for a snooze starting at `now` (ms since the epoch, UTC):
    /// an hour later, tomorrow at 9:00 UTC, or a week later.
    pub fn until(self, now: i64) -> i64 {
        const HOUR: i64 = 3_600_000;
        const DAY: i64 = 24 * HOUR;
        match self {
            Snooze::Hour => now + HOUR,
            Snooze::Tomorrow => now.div_euclid(DAY) * DAY + DAY + 9 * HOUR,
            Snooze::Week => now + 7 * DAY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_strictly() {
        assert_eq!("#42".parse::<TicketNumber>().unwrap().get(), 42);
        assert_eq!(" 7 ".parse::<TicketNumber>().unwrap().to_string(), "#7");
        for bad in ["", "#", "0", "-1", "1e3", "12a", "99999999999999999999"] {
            assert!(bad.parse::<TicketNumber>().is_err(), "{bad}");
        }
        assert_eq!(TicketNumber::new(5).unwrap().tag(), "[#5]");
    }

    #[test]
    fn statuses_round_trip() {
        for s in TicketStatus::ALL {
            assert_eq!(s.as_str().parse::<TicketStatus>().unwrap(), *s);
        }
        assert!("deleted".parse::<TicketStatus>().is_err());
        assert_eq!(TicketStatus::Closed.after_customer_reply(), TicketStatus::Open);
    }

    #[test]
    fn tags_have_one_rule() {
        assert_eq!(Tag::parse("  VIP ").unwrap().as_str(), "vip");
        assert_eq!(Tag::parse("Žlutý kůň").unwrap().as_str(), "žlutý kůň");
        for bad in ["", "   ", "a\u{7}b", &"x".repeat(65)] {
            assert!(matches!(Tag::parse(bad), Err(DomainError::InvalidTag(_))), "{bad:?}");
        }
        assert_eq!(Tag::parse(&"é".repeat(64)).unwrap().as_str().chars().count(), 64);
        let list = Tag::list("vip, , Refund,").unwrap();
        assert_eq!(list.iter().map(Tag::as_str).collect::<Vec<_>>(), ["vip", "refund"]);
        assert!(Tag::list("ok, bad\ttab").is_err());
        assert!(serde_json::from_str::<Tag>("\"\"").is_err());
        assert_eq!(serde_json::from_str::<Tag>("\" Sale \"").unwrap().as_str(), "sale");
    }

    #[test]
    fn snoozes_end_when_said() {
        // 2026-12-02 14:30 UTC
        let now = 1_796_221_800_000;
        assert_eq!(Snooze::Hour.until(now), now + 3_600_000);
        assert_eq!(Snooze::Tomorrow.until(now), 1_796_288_400_000, "2026-12-03 09:00 UTC");
        assert_eq!(Snooze::Week.until(now), now + 7 * 86_400_000);
        assert_eq!("tomorrow".parse::<Snooze>().unwrap(), Snooze::Tomorrow);
        assert!("forever".parse::<Snooze>().is_err());
    }
}
