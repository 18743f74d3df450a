//! Ticket vocabulary: numbers, statuses, message directions and kinds, roles, channels.

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
    /// How a ticket reached us.
    Channel, "channel", { Email => "email", Api => "api", Web => "web", Chat => "chat" });

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
}
