//! The command layer: one function per action on a ticket (list, open, reply, note, change
//! properties, snooze, merge, split, hand over, edit the customer, bulk actions, canned replies).
//! Each takes the acting user (`Actor`) and typed input, checks rights and business rules, writes
//! the change with its activity entry and its live event in one transaction, and returns a typed
//! result or a `CommandError`. The agent UI, the REST API and the CLI only parse, call one
//! command and render; none of them writes a ticket by itself.
//!
//! Knows nothing of HTTP or HTML; holds no SQL (that is `podpora_store`'s).

pub mod accounts;
mod actor;
pub mod admin;
mod audience;
pub mod canned;
pub mod customers;
pub mod directory;
mod error;
pub mod intake;
pub mod kb;
pub mod messages;
pub mod organisations;
pub mod routing;
pub mod rules;
pub mod sla;
pub mod tickets;

pub use actor::Actor;
pub use error::{CommandError, Reason, Thing};

/// The result of every command.
pub type Result<T, E = CommandError> = std::result::Result<T, E>;
