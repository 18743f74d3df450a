//! The helpdesk's own vocabulary and rules: tickets, addresses, threading decisions,
//! signed reply tokens, auto-acknowledgement rules and template rendering.
//! Plain Rust: no I/O, no SQL, no HTTP. Everything here is unit-tested without a database.

pub mod access;
pub mod address;
pub mod article;
pub mod autoack;
pub mod calendar;
pub mod greeting;
pub mod i18n;
pub mod language;
pub mod media;
pub mod mention;
pub mod routing;
pub mod rules;
pub mod search;
pub mod sla;
pub mod subject;
pub mod template;
pub mod threading;
pub mod ticket;
pub mod token;

pub use access::Access;
pub use address::EmailAddress;
pub use i18n::Lang;
pub use ticket::{AgentStatus, Channel, Delivery, Direction, MessageKind, Priority, Role, Snooze, Tag, TicketNumber, TicketStatus};

/// Errors for values rejected at the edge. The message is meant for a person.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("invalid email address: {0}")]
    InvalidAddress(String),
    #[error("invalid ticket number: {0}")]
    InvalidTicketNumber(String),
    #[error("unknown {kind}: {value}")]
    UnknownValue { kind: &'static str, value: String },
    #[error("template error: {0}")]
    Template(String),
    #[error("a tag must be 1 to 64 printable characters, not \"{0}\"")]
    InvalidTag(String),
}
