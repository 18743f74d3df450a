//! What a command answers when it does not do what was asked: one typed error, mapped once to
//! HTTP/JSON by the API, to a page in the agent's language by the UI, to an exit code by the CLI.

use podpora_domain::i18n::{t_args, Arg};
use podpora_domain::{DomainError, Lang};
use podpora_mail::MailError;
use podpora_store::StoreError;

/// What was not found (or is outside the actor's rights: the same answer, so ids cannot be probed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Ticket,
    Message,
    Attachment,
    Agent,
    Team,
    Mailbox,
    CannedReply,
    Rule,
    Organisation,
    Calendar,
    SlaPolicy,
    Article,
    Category,
    /// Something a lower layer did not find (its kind is not known here).
    Record,
}

impl Thing {
    pub fn as_str(self) -> &'static str {
        match self {
            Thing::Ticket => "ticket",
            Thing::Message => "message",
            Thing::Attachment => "attachment",
            Thing::Agent => "agent",
            Thing::Team => "team",
            Thing::Mailbox => "mailbox",
            Thing::CannedReply => "canned reply",
            Thing::Rule => "rule",
            Thing::Organisation => "organisation",
            Thing::Calendar => "calendar",
            Thing::SlaPolicy => "SLA policy",
            Thing::Article => "article",
            Thing::Category => "category",
            Thing::Record => "object",
        }
    }
}

/// Why a command refused: a key of the translation catalogue and its arguments, so that the UI
/// says it in the agent's language and the API in English, from one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Reason {
    pub fn new(key: &'static str) -> Reason {
        Reason { key, args: Vec::new() }
    }

    pub fn with(key: &'static str, args: Vec<(&'static str, String)>) -> Reason {
        Reason { key, args }
    }

    /// The same reason, naming the field of the form or request it is about.
    pub fn at(mut self, field: impl Into<String>) -> Reason {
        self.args.push(("field", field.into()));
        self
    }

    /// A lower layer's own words (English), shown as they are.
    pub fn detail(text: impl Into<String>) -> Reason {
        Reason::with("error-detail", vec![("detail", text.into())])
    }

    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&str, Arg<'_>)> = self.args.iter().map(|(k, v)| (*k, Arg::Str(v))).collect();
        t_args(lang, self.key, &args)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Does not exist, or the actor may not see it.
    #[error("{} not found", .0.as_str())]
    NotFound(Thing),
    /// The actor's role does not allow it.
    #[error("{0}")]
    Forbidden(Reason),
    /// The input breaks a rule (a bad tag, an empty reply, an unknown agent).
    #[error("{0}")]
    Invalid(Reason),
    /// The ticket's state does not allow it (merging a ticket into itself, splitting off the first message).
    #[error("{0}")]
    Conflict(Reason),
    /// A colleague answered the customer since the actor last looked: nothing was sent.
    #[error("{name} replied to this ticket after you opened it")]
    Collision { name: String },
    /// The database or blob store failed; trying again may work. Logged by the edge, not shown.
    #[error("storage: {0}")]
    Storage(StoreError),
    /// A temporary failure with words for the user (the mail layer's).
    #[error("temporary failure: {0}")]
    Temporary(String),
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CommandError::NotFound(Thing::Record),
            StoreError::Conflict(m) => CommandError::Conflict(Reason::detail(m)),
            other => CommandError::Storage(other),
        }
    }
}

impl From<MailError> for CommandError {
    fn from(e: MailError) -> Self {
        match e {
            MailError::Store(s) => s.into(),
            MailError::Rejected(m) => CommandError::Invalid(Reason::detail(m)),
            MailError::Temporary(m) => CommandError::Temporary(m),
        }
    }
}

impl From<DomainError> for CommandError {
    fn from(e: DomainError) -> Self {
        CommandError::Invalid(match e {
            DomainError::InvalidAddress(v) => Reason::with("error-invalid-address", vec![("value", v)]),
            DomainError::InvalidTicketNumber(v) => Reason::with("error-invalid-number", vec![("value", v)]),
            DomainError::UnknownValue { kind, value } => {
                Reason::with("error-unknown-value", vec![("kind", kind.to_string()), ("value", value)])
            }
            DomainError::Template(m) => Reason::with("error-template", vec![("detail", m)]),
            DomainError::InvalidTag(_) => Reason::new("error-tag"),
        })
    }
}
