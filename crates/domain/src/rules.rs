//! Rules (automations): when a ticket is created, updated, or on a schedule, a rule whose
//! conditions all hold changes it — team, assignee, tags, priority, status — writes to the
//! customer (a canned reply), adds a note, or notifies agents.
//!
//! Rules run in their order. One pass over them per trigger: a rule sees what the rules before it
//! changed, fires at most once, and what rules change never triggers another pass — so no rule can
//! set off itself or another one endlessly. (The caller's part: changes written by rules do not
//! queue an `updated` trigger, and a scheduled rule fires on a ticket at most once until the
//! ticket changes again.)
//!
//! A rule is written as plain text fields (`ConditionSpec`, `ActionSpec`: what the admin page
//! and the API carry) and checked into typed conditions and actions here; agents, teams,
//! mailboxes and canned replies are named by id (the caller checks they exist).

use crate::search::fold;
use crate::ticket::string_enum;
use crate::{Channel, DomainError, Priority, Tag, TicketStatus};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const HOUR_MS: i64 = 3_600_000;
/// At most so many conditions and actions per rule, and so many values per condition.
pub const MAX_PARTS: usize = 50;
pub const MAX_NAME: usize = 200;
pub const MAX_NOTE: usize = 10_000;

string_enum!(
    /// When a rule runs.
    Trigger, "rule trigger", {
    Created => "created",
    Updated => "updated",
    Schedule => "schedule",
});

string_enum!(
    /// What a condition looks at.
    Field, "rule condition", {
    Channel => "channel",
    Mailbox => "mailbox",
    Sender => "sender",
    SenderDomain => "sender_domain",
    Organisation => "organisation",
    Subject => "subject",
    Body => "body",
    Language => "language",
    CustomerName => "customer_name",
    CustomerTickets => "customer_tickets",
    AccountManager => "account_manager",
    Tag => "tag",
    Priority => "priority",
    Status => "status",
    Team => "team",
    Assignee => "assignee",
    IdleHours => "idle_hours",
    AgeHours => "age_hours",
    Event => "event",
});

string_enum!(
    /// How a condition compares.
    Op, "rule operator", {
    Is => "is",
    IsNot => "is_not",
    Contains => "contains",
    NotContains => "not_contains",
    AtLeast => "at_least",
    AtMost => "at_most",
    Set => "set",
    NotSet => "not_set",
});

string_enum!(
    /// What an action does.
    ActionKind, "rule action", {
    SetTeam => "set_team",
    Assign => "assign",
    AddTag => "add_tag",
    RemoveTag => "remove_tag",
    SetPriority => "set_priority",
    SetStatus => "set_status",
    SendReply => "send_reply",
    AddNote => "add_note",
    Notify => "notify",
});

string_enum!(
    /// What happened to a ticket, for `updated` rules.
    UpdateEvent, "ticket event", {
    CustomerMessage => "customer_message",
    AgentReply => "agent_reply",
    Note => "note",
    Change => "change",
});

impl Field {
    /// The operators that make sense for the field (the first is the usual one).
    pub fn ops(self) -> &'static [Op] {
        use Field::*;
        match self {
            Channel | Mailbox | Language | Priority | Status | Event | SenderDomain => &[Op::Is, Op::IsNot],
            Tag => &[Op::Is, Op::IsNot],
            Team | Assignee | AccountManager => &[Op::Is, Op::IsNot, Op::Set, Op::NotSet],
            Sender => &[Op::Is, Op::IsNot, Op::Contains, Op::NotContains],
            Organisation | CustomerName => &[Op::Contains, Op::NotContains, Op::Is, Op::IsNot, Op::Set, Op::NotSet],
            Subject | Body => &[Op::Contains, Op::NotContains],
            CustomerTickets | IdleHours | AgeHours => &[Op::AtLeast, Op::AtMost],
        }
    }

    /// How expensive the test is: conditions are tried cheapest first.
    fn cost(self) -> u8 {
        match self {
            Field::Body => 3,
            Field::Subject | Field::Organisation | Field::CustomerName | Field::Sender => 2,
            _ => 1,
        }
    }
}

/// A condition as written: a field, an operator and its value (a list is comma-separated; any
/// of the values matches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    pub field: Field,
    pub op: Op,
    #[serde(default)]
    pub value: String,
}

/// An action as written: what, and its value (a team id or empty for none; `policy`, `nobody` or
/// an agent id; tags; a priority; a status; a canned reply's id; a note's text; `assignee`,
/// `team_lead` or agent ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub action: ActionKind,
    #[serde(default)]
    pub value: String,
}

/// A checked condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    field: Field,
    op: Op,
    value: Value,
    spec: ConditionSpec,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    None,
    /// Folded (lower case, no diacritics).
    Texts(Vec<String>),
    Ids(Vec<i64>),
    Number(i64),
    Channels(Vec<Channel>),
    Priorities(Vec<Priority>),
    Statuses(Vec<TicketStatus>),
    Events(Vec<UpdateEvent>),
}

fn invalid(kind: &'static str, value: &str) -> DomainError {
    DomainError::UnknownValue { kind, value: value.chars().take(80).collect() }
}

/// The comma-separated parts of a value, trimmed, without empty ones.
fn parts(value: &str) -> Vec<&str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

fn list<T: FromStr<Err = DomainError>>(value: &str) -> Result<Vec<T>, DomainError> {
    parts(value).into_iter().map(str::parse).collect()
}

fn ids(value: &str, kind: &'static str) -> Result<Vec<i64>, DomainError> {
    parts(value).into_iter().map(|p| p.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| invalid(kind, p))).collect()
}

impl Condition {
    pub fn parse(spec: &ConditionSpec) -> Result<Condition, DomainError> {
        let (field, op) = (spec.field, spec.op);
        if !field.ops().contains(&op) {
            return Err(invalid("operator for this field", op.as_str()));
        }
        let raw = spec.value.trim();
        let value = match (field, op) {
            (_, Op::Set | Op::NotSet) => Value::None,
            (Field::Channel, _) => Value::Channels(list(raw)?),
            (Field::Priority, _) => Value::Priorities(list(raw)?),
            (Field::Status, _) => Value::Statuses(list(raw)?),
            (Field::Event, _) => Value::Events(list(raw)?),
            (Field::Mailbox, _) => Value::Ids(ids(raw, "mailbox id")?),
            (Field::Team, _) => Value::Ids(ids(raw, "team id")?),
            (Field::Assignee | Field::AccountManager, _) => Value::Ids(ids(raw, "agent id")?),
            (Field::CustomerTickets | Field::IdleHours | Field::AgeHours, _) => Value::Number(
                raw.parse::<i64>().ok().filter(|n| (0..=100_000).contains(n)).ok_or_else(|| invalid("number (0 to 100000)", raw))?,
            ),
            (Field::Tag, _) => Value::Texts(Tag::list(raw)?.into_iter().map(|t| t.as_str().to_string()).collect()),
            (Field::Language, _) => {
                let codes = parts(raw);
                if let Some(bad) = codes.iter().find(|c| !valid_language(c)) {
                    return Err(invalid("language code", bad));
                }
                Value::Texts(codes.into_iter().map(primary_language).collect())
            }
            (Field::SenderDomain, _) => {
                Value::Texts(parts(raw).into_iter().map(|d| d.trim_start_matches('@').to_ascii_lowercase()).collect())
            }
            (Field::Sender, _) => Value::Texts(parts(raw).into_iter().map(str::to_lowercase).collect()),
            (Field::Subject | Field::Body | Field::Organisation | Field::CustomerName, _) => {
                Value::Texts(parts(raw).into_iter().map(fold).filter(|s| !s.is_empty()).collect())
            }
        };
        let empty = match &value {
            Value::None | Value::Number(_) => false,
            Value::Texts(v) => v.is_empty(),
            Value::Ids(v) => v.is_empty(),
            Value::Channels(v) => v.is_empty(),
            Value::Priorities(v) => v.is_empty(),
            Value::Statuses(v) => v.is_empty(),
            Value::Events(v) => v.is_empty(),
        };
        if empty {
            return Err(invalid("value (empty)", field.as_str()));
        }
        let count = match &value {
            Value::Texts(v) => v.len(),
            Value::Ids(v) => v.len(),
            _ => 1,
        };
        if count > MAX_PARTS {
            return Err(invalid("value (too many parts)", field.as_str()));
        }
        Ok(Condition { field, op, value, spec: ConditionSpec { field, op, value: raw.to_string() } })
    }

    pub fn spec(&self) -> &ConditionSpec {
        &self.spec
    }

    pub fn field(&self) -> Field {
        self.field
    }

    /// The ids this condition names, of the kind the field refers to.
    pub fn ids(&self) -> &[i64] {
        match &self.value {
            Value::Ids(v) => v,
            _ => &[],
        }
    }

    /// Whether the condition holds for the ticket, at `now`.
    pub fn holds(&self, f: &Facts, now: i64) -> bool {
        let positive = !matches!(self.op, Op::IsNot | Op::NotContains | Op::NotSet);
        let hit = match (&self.value, self.field) {
            (Value::None, field) => match field {
                Field::Team => f.team.is_some(),
                Field::Assignee => f.assignee.is_some(),
                Field::AccountManager => f.account_manager.is_some(),
                Field::Organisation => f.organisation.as_ref().is_some_and(|o| !o.is_empty()),
                Field::CustomerName => !f.customer_name.is_empty(),
                _ => false,
            },
            (Value::Number(n), field) => {
                let have = match field {
                    Field::CustomerTickets => f.customer_tickets,
                    Field::IdleHours => (now - f.updated_at).max(0) / HOUR_MS,
                    _ => (now - f.created_at).max(0) / HOUR_MS,
                };
                return if self.op == Op::AtLeast { have >= *n } else { have <= *n };
            }
            (Value::Channels(v), _) => v.contains(&f.channel),
            (Value::Priorities(v), _) => v.contains(&f.priority),
            (Value::Statuses(v), _) => v.contains(&f.status),
            (Value::Events(v), _) => f.event.is_some_and(|e| v.contains(&e)),
            (Value::Ids(v), field) => {
                let have = match field {
                    Field::Mailbox => f.mailbox,
                    Field::Team => f.team,
                    Field::Assignee => f.assignee,
                    _ => f.account_manager,
                };
                have.is_some_and(|id| v.contains(&id))
            }
            (Value::Texts(v), field) => match field {
                Field::Tag => f.tags.iter().any(|t| v.contains(t)),
                Field::Language => f.language.as_deref().is_some_and(|l| v.iter().any(|c| *c == primary_language(l))),
                Field::SenderDomain => {
                    let domain = f.sender.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
                    v.iter().any(|d| domain == d || domain.strip_suffix(d.as_str()).is_some_and(|rest| rest.ends_with('.')))
                }
                Field::Sender => match self.op {
                    Op::Is | Op::IsNot => v.contains(&f.sender),
                    _ => v.iter().any(|a| f.sender.contains(a.as_str())),
                },
                Field::Subject => v.iter().any(|w| f.subject.has(w)),
                Field::Body => v.iter().any(|w| f.body.has(w)),
                Field::Organisation | Field::CustomerName => {
                    let have = if field == Field::Organisation {
                        f.organisation.as_deref().map(fold).unwrap_or_default()
                    } else {
                        fold(&f.customer_name)
                    };
                    match self.op {
                        Op::Is | Op::IsNot => v.contains(&have),
                        _ => v.iter().any(|w| have.contains(w.as_str())),
                    }
                }
                _ => false,
            },
        };
        hit == positive
    }
}

fn valid_language(code: &str) -> bool {
    let primary = code.split(['-', '_']).next().unwrap_or_default();
    (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()) && code.len() <= 16
}

/// `cs-CZ` → `cs`.
fn primary_language(code: &str) -> String {
    code.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase()
}

/// Text a condition searches, folded once (lower case, no diacritics). A word or phrase is found
/// where it starts a word, so `faktur` finds "fakturu" and "Faktura" but `cat` not "education".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn new(s: &str) -> Text {
        Text(fold(s))
    }

    fn has(&self, word: &str) -> bool {
        let hay = self.0.as_str();
        let mut from = 0;
        while let Some(i) = hay[from..].find(word) {
            let at = from + i;
            if hay[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric()) {
                return true;
            }
            from = at + hay[at..].chars().next().map_or(1, char::len_utf8);
        }
        false
    }
}

/// Who an action assigns the ticket to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignTo {
    /// By the policy of the ticket's team or mailbox.
    Policy,
    Agent(i64),
    Nobody,
}

/// Who a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Whom {
    Assignee,
    TeamLead,
    Agent(i64),
}

/// A checked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    SetTeam(Option<i64>),
    Assign(AssignTo),
    AddTags(Vec<Tag>),
    RemoveTags(Vec<Tag>),
    SetPriority(Priority),
    SetStatus(TicketStatus),
    /// A canned reply, by id, sent to the customer.
    SendReply(i64),
    AddNote(String),
    Notify(Vec<Whom>),
}

impl Action {
    pub fn parse(spec: &ActionSpec) -> Result<Action, DomainError> {
        let raw = spec.value.trim();
        let one_id = |kind| ids(raw, kind).ok().filter(|v| v.len() == 1).map(|v| v[0]).ok_or_else(|| invalid(kind, raw));
        Ok(match spec.action {
            ActionKind::SetTeam if raw.is_empty() => Action::SetTeam(None),
            ActionKind::SetTeam => Action::SetTeam(Some(one_id("team id")?)),
            ActionKind::Assign => Action::Assign(match raw {
                "policy" => AssignTo::Policy,
                "nobody" => AssignTo::Nobody,
                _ => AssignTo::Agent(one_id("assignee (policy, nobody or an agent id)")?),
            }),
            ActionKind::AddTag | ActionKind::RemoveTag => {
                let tags = Tag::list(raw)?;
                if tags.is_empty() || tags.len() > MAX_PARTS {
                    return Err(invalid("tags", raw));
                }
                if spec.action == ActionKind::AddTag {
                    Action::AddTags(tags)
                } else {
                    Action::RemoveTags(tags)
                }
            }
            ActionKind::SetPriority => Action::SetPriority(raw.parse()?),
            ActionKind::SetStatus => Action::SetStatus(raw.parse()?),
            ActionKind::SendReply => Action::SendReply(one_id("canned reply id")?),
            ActionKind::AddNote => {
                if raw.is_empty() || raw.chars().count() > MAX_NOTE || raw.contains('\0') {
                    return Err(invalid("note (1 to 10000 characters)", raw));
                }
                Action::AddNote(raw.to_string())
            }
            ActionKind::Notify => {
                let whom: Vec<Whom> = parts(raw)
                    .into_iter()
                    .map(|p| match p {
                        "assignee" => Ok(Whom::Assignee),
                        "team_lead" => Ok(Whom::TeamLead),
                        id => id
                            .parse::<i64>()
                            .ok()
                            .filter(|n| *n > 0)
                            .map(Whom::Agent)
                            .ok_or_else(|| invalid("whom (assignee, team_lead or agent ids)", id)),
                    })
                    .collect::<Result<_, _>>()?;
                if whom.is_empty() || whom.len() > MAX_PARTS {
                    return Err(invalid("whom (assignee, team_lead or agent ids)", raw));
                }
                Action::Notify(whom)
            }
        })
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            Action::SetTeam(_) => ActionKind::SetTeam,
            Action::Assign(_) => ActionKind::Assign,
            Action::AddTags(_) => ActionKind::AddTag,
            Action::RemoveTags(_) => ActionKind::RemoveTag,
            Action::SetPriority(_) => ActionKind::SetPriority,
            Action::SetStatus(_) => ActionKind::SetStatus,
            Action::SendReply(_) => ActionKind::SendReply,
            Action::AddNote(_) => ActionKind::AddNote,
            Action::Notify(_) => ActionKind::Notify,
        }
    }

    /// The action as written (what `parse` reads back).
    pub fn spec(&self) -> ActionSpec {
        let join = |v: &[Tag]| v.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ");
        let value = match self {
            Action::SetTeam(t) => t.map(|t| t.to_string()).unwrap_or_default(),
            Action::Assign(AssignTo::Policy) => "policy".into(),
            Action::Assign(AssignTo::Nobody) => "nobody".into(),
            Action::Assign(AssignTo::Agent(id)) => id.to_string(),
            Action::AddTags(v) | Action::RemoveTags(v) => join(v),
            Action::SetPriority(p) => p.to_string(),
            Action::SetStatus(s) => s.to_string(),
            Action::SendReply(id) => id.to_string(),
            Action::AddNote(text) => text.clone(),
            Action::Notify(whom) => whom
                .iter()
                .map(|w| match w {
                    Whom::Assignee => "assignee".to_string(),
                    Whom::TeamLead => "team_lead".to_string(),
                    Whom::Agent(id) => id.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        ActionSpec { action: self.kind(), value }
    }
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub trigger: Trigger,
    /// All must hold (none: every ticket).
    conditions: Vec<Condition>,
    actions: Vec<Action>,
    /// When it fires, the rules after it do not run for this trigger.
    pub stop: bool,
}

impl Rule {
    /// Checks a rule as written: a name, at least one action; a scheduled rule needs a time
    /// condition (`idle_hours` or `age_hours` at least), and only `updated` rules can ask what
    /// happened (`event`).
    pub fn new(
        id: i64,
        name: &str,
        trigger: Trigger,
        conditions: &[ConditionSpec],
        actions: &[ActionSpec],
        stop: bool,
    ) -> Result<Rule, DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
            return Err(invalid("rule name (1 to 200 characters)", name));
        }
        if conditions.len() > MAX_PARTS || actions.len() > MAX_PARTS {
            return Err(invalid("rule (at most 50 conditions and 50 actions)", name));
        }
        let mut conditions = conditions.iter().map(Condition::parse).collect::<Result<Vec<_>, _>>()?;
        let actions = actions.iter().map(Action::parse).collect::<Result<Vec<_>, _>>()?;
        if actions.is_empty() {
            return Err(invalid("rule (it needs an action)", name));
        }
        if trigger != Trigger::Updated && conditions.iter().any(|c| c.field == Field::Event) {
            return Err(invalid("condition (event is for rules on update)", "event"));
        }
        if trigger == Trigger::Schedule
            && !conditions.iter().any(|c| matches!(c.field, Field::IdleHours | Field::AgeHours) && c.op == Op::AtLeast)
        {
            return Err(invalid("scheduled rule (it needs idle_hours or age_hours at least)", name));
        }
        conditions.sort_by_key(|c| c.field.cost());
        Ok(Rule { id, name: name.to_string(), trigger, conditions, actions, stop })
    }

    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Whether every condition holds for the ticket at `now`.
    pub fn matches(&self, f: &Facts, now: i64) -> bool {
        self.conditions.iter().all(|c| c.holds(f, now))
    }

    /// For a scheduled rule: how long a ticket must have been unchanged, and open, at least
    /// before the rule can match (ms) — what the caller narrows its search with.
    pub fn waits_ms(&self) -> (i64, i64) {
        let least = |field: Field| {
            self.conditions
                .iter()
                .filter(|c| c.field == field && c.op == Op::AtLeast)
                .filter_map(|c| match c.value {
                    Value::Number(n) => Some(n * HOUR_MS),
                    _ => None,
                })
                .max()
                .unwrap_or(0)
        };
        (least(Field::IdleHours), least(Field::AgeHours))
    }
}

/// What is known of a ticket when rules look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub channel: Channel,
    pub mailbox: Option<i64>,
    /// The customer's address, lower case.
    pub sender: String,
    pub organisation: Option<String>,
    pub customer_name: String,
    /// The customer's tickets so far, this one included.
    pub customer_tickets: i64,
    pub account_manager: Option<i64>,
    pub subject: Text,
    /// The customer's latest message.
    pub body: Text,
    /// The customer's language.
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub priority: Priority,
    pub status: TicketStatus,
    pub team: Option<i64>,
    pub assignee: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// What happened, for `updated` rules.
    pub event: Option<UpdateEvent>,
}

impl Default for Facts {
    fn default() -> Facts {
        Facts {
            channel: Channel::Email,
            mailbox: None,
            sender: String::new(),
            organisation: None,
            customer_name: String::new(),
            customer_tickets: 1,
            account_manager: None,
            subject: Text::default(),
            body: Text::default(),
            language: None,
            tags: Vec::new(),
            priority: Priority::Normal,
            status: TicketStatus::New,
            team: None,
            assignee: None,
            created_at: 0,
            updated_at: 0,
            event: None,
        }
    }
}

/// What the rules that fired decided, merged in their order (a later rule's choice wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The rules that fired, by id and name, in order.
    pub fired: Vec<(i64, String)>,
    pub team: Option<Option<i64>>,
    /// Who to assign it to, and the rule that said so.
    pub assign: Option<(AssignTo, i64)>,
    pub priority: Option<Priority>,
    pub status: Option<TicketStatus>,
    /// The ticket's tags afterwards, when a rule changed them.
    pub tags: Option<Vec<String>>,
    /// Canned replies to send, by id, with the rule that asked.
    pub replies: Vec<(i64, i64)>,
    /// Notes to add, with the rule that asked.
    pub notes: Vec<(String, i64)>,
    /// Who to notify, with the rule that asked.
    pub notify: Vec<(Whom, i64)>,
}

impl Outcome {
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }
}

/// Runs the rules of `trigger`, in order, on a ticket: each sees what the ones before it changed
/// (`facts` is updated), each fires at most once, a firing rule with `stop` ends the pass.
pub fn run<'r>(rules: impl IntoIterator<Item = &'r Rule>, trigger: Trigger, facts: &mut Facts, now: i64) -> Outcome {
    let mut out = Outcome::default();
    for rule in rules.into_iter().filter(|r| r.trigger == trigger) {
        if !rule.matches(facts, now) {
            continue;
        }
        out.fired.push((rule.id, rule.name.clone()));
        // A rule that changes the ticket makes it fresh for the rules after it (a reminder just
        // sent does not leave it idle).
        if rule.actions.iter().any(|a| !matches!(a, Action::Notify(_))) {
            facts.updated_at = now;
        }
        for action in &rule.actions {
            match action {
                Action::SetTeam(t) => {
                    facts.team = *t;
                    out.team = Some(*t);
                }
                Action::Assign(to) => {
                    facts.assignee = match to {
                        AssignTo::Agent(id) => Some(*id),
                        AssignTo::Nobody | AssignTo::Policy => None,
                    };
                    out.assign = Some((*to, rule.id));
                }
                Action::AddTags(tags) => {
                    for t in tags {
                        if !facts.tags.iter().any(|x| x == t.as_str()) {
                            facts.tags.push(t.as_str().to_string());
                        }
                    }
                    out.tags = Some(facts.tags.clone());
                }
                Action::RemoveTags(tags) => {
                    facts.tags.retain(|x| !tags.iter().any(|t| t.as_str() == x));
                    out.tags = Some(facts.tags.clone());
                }
                Action::SetPriority(p) => {
                    facts.priority = *p;
                    out.priority = Some(*p);
                }
                Action::SetStatus(s) => {
                    facts.status = *s;
                    out.status = Some(*s);
                }
                Action::SendReply(id) => out.replies.push((*id, rule.id)),
                Action::AddNote(text) => out.notes.push((text.clone(), rule.id)),
                Action::Notify(whom) => out.notify.extend(whom.iter().map(|w| (*w, rule.id))),
            }
        }
        if rule.stop {
            break;
        }
    }
    out
}

impl fmt::Display for ConditionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.field, self.op, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(field: Field, op: Op, value: &str) -> ConditionSpec {
        ConditionSpec { field, op, value: value.into() }
    }
    fn a(action: ActionKind, value: &str) -> ActionSpec {
        ActionSpec { action, value: value.into() }
    }
    fn facts() -> Facts {
        Facts {
            channel: Channel::Email,
            mailbox: Some(1),
            sender: "jana@obchod.firma.cz".into(),
            organisation: Some("Firma s.r.o.".into()),
            customer_name: "Jana Nováková".into(),
            customer_tickets: 3,
            subject: Text::new("Reklamace: Fakturu jsem nedostala"),
            body: Text::new("Dobrý den, kde je moje objednávka?"),
            language: Some("cs-CZ".into()),
            tags: vec!["vip".into()],
            created_at: 0,
            updated_at: 0,
            ..Facts::default()
        }
    }
    fn holds(spec: ConditionSpec, f: &Facts, now: i64) -> bool {
        Condition::parse(&spec).unwrap().holds(f, now)
    }

    #[test]
    fn conditions_compare_what_they_name() {
        let f = facts();
        assert!(holds(c(Field::Channel, Op::Is, "chat, email"), &f, 0));
        assert!(!holds(c(Field::Channel, Op::IsNot, "email"), &f, 0));
        assert!(holds(c(Field::Mailbox, Op::Is, "2, 1"), &f, 0));
        // A domain matches its subdomains, not a longer name ending the same way.
        assert!(holds(c(Field::SenderDomain, Op::Is, "@firma.cz"), &f, 0));
        assert!(!holds(c(Field::SenderDomain, Op::Is, "rma.cz"), &f, 0));
        assert!(holds(c(Field::Sender, Op::Is, "Jana@Obchod.Firma.cz"), &f, 0));
        assert!(holds(c(Field::Sender, Op::Contains, "jana@"), &f, 0));
        // Words from the start of a word, without case or diacritics.
        assert!(holds(c(Field::Subject, Op::Contains, "faktur"), &f, 0));
        assert!(holds(c(Field::Subject, Op::Contains, "zaruka, REKLAMACE"), &f, 0));
        assert!(!holds(c(Field::Subject, Op::Contains, "aktur"), &f, 0));
        assert!(holds(c(Field::Body, Op::Contains, "objednavka"), &f, 0));
        assert!(holds(c(Field::Body, Op::NotContains, "vraceni"), &f, 0));
        assert!(holds(c(Field::Organisation, Op::Contains, "firma"), &f, 0));
        assert!(holds(c(Field::Organisation, Op::Is, "firma s.r.o."), &f, 0));
        assert!(holds(c(Field::Organisation, Op::Set, ""), &f, 0));
        assert!(holds(c(Field::CustomerName, Op::Contains, "novak"), &f, 0));
        assert!(holds(c(Field::Language, Op::Is, "cs"), &f, 0));
        assert!(holds(c(Field::Language, Op::IsNot, "en, de"), &f, 0));
        assert!(holds(c(Field::CustomerTickets, Op::AtLeast, "3"), &f, 0));
        assert!(!holds(c(Field::CustomerTickets, Op::AtMost, "2"), &f, 0));
        assert!(holds(c(Field::Tag, Op::Is, "vip, b2b"), &f, 0));
        assert!(holds(c(Field::Tag, Op::IsNot, "spam"), &f, 0));
        assert!(holds(c(Field::Priority, Op::Is, "normal"), &f, 0));
        assert!(holds(c(Field::Status, Op::Is, "new"), &f, 0));
        assert!(holds(c(Field::Team, Op::NotSet, ""), &f, 0));
        assert!(!holds(c(Field::Assignee, Op::Set, ""), &f, 0));
        assert!(!holds(c(Field::AccountManager, Op::Is, "4"), &f, 0));
        assert!(!holds(c(Field::Event, Op::Is, "customer_message"), &f, 0));
        // Whole hours since the last change and since it was opened.
        assert!(!holds(c(Field::IdleHours, Op::AtLeast, "5"), &f, 5 * HOUR_MS - 1));
        assert!(holds(c(Field::IdleHours, Op::AtLeast, "5"), &f, 5 * HOUR_MS));
        assert!(holds(c(Field::AgeHours, Op::AtMost, "1"), &f, HOUR_MS));
    }

    #[test]
    fn bad_conditions_and_actions_are_refused() {
        for spec in [
            c(Field::Subject, Op::AtLeast, "3"),
            c(Field::Channel, Op::Is, "fax"),
            c(Field::Channel, Op::Is, " , "),
            c(Field::Mailbox, Op::Is, "one"),
            c(Field::Team, Op::Is, "0"),
            c(Field::IdleHours, Op::AtLeast, "-1"),
            c(Field::Language, Op::Is, "czech"),
            c(Field::Tag, Op::Is, "a\u{7}b"),
        ] {
            assert!(Condition::parse(&spec).is_err(), "{spec}");
        }
        for spec in [
            a(ActionKind::SetTeam, "x"),
            a(ActionKind::Assign, "someone"),
            a(ActionKind::AddTag, ""),
            a(ActionKind::SetPriority, "asap"),
            a(ActionKind::SetStatus, "done"),
            a(ActionKind::SendReply, "1, 2"),
            a(ActionKind::AddNote, "  "),
            a(ActionKind::Notify, "everyone"),
        ] {
            assert!(Action::parse(&spec).is_err(), "{spec:?}");
        }
        let tag = [a(ActionKind::AddTag, "x")];
        assert!(Rule::new(1, " ", Trigger::Created, &[], &tag, false).is_err());
        assert!(Rule::new(1, "no action", Trigger::Created, &[], &[], false).is_err());
        assert!(Rule::new(1, "event on create", Trigger::Created, &[c(Field::Event, Op::Is, "note")], &tag, false).is_err());
        assert!(Rule::new(1, "no time", Trigger::Schedule, &[c(Field::Status, Op::Is, "pending")], &tag, false).is_err());
        assert!(Rule::new(1, "time", Trigger::Schedule, &[c(Field::IdleHours, Op::AtLeast, "120")], &tag, false).is_ok());
    }

    #[test]
    fn actions_read_back_as_written() {
        for spec in [
            a(ActionKind::SetTeam, "3"),
            a(ActionKind::SetTeam, ""),
            a(ActionKind::Assign, "policy"),
            a(ActionKind::Assign, "nobody"),
            a(ActionKind::Assign, "7"),
            a(ActionKind::AddTag, "b2b, vip"),
            a(ActionKind::RemoveTag, "new"),
            a(ActionKind::SetPriority, "urgent"),
            a(ActionKind::SetStatus, "closed"),
            a(ActionKind::SendReply, "2"),
            a(ActionKind::AddNote, "Check the contract."),
            a(ActionKind::Notify, "assignee, team_lead, 9"),
        ] {
            assert_eq!(Action::parse(&spec).unwrap().spec(), spec);
        }
    }

    #[test]
    fn rules_run_in_order_and_see_what_earlier_ones_changed() {
        let rules = vec![
            Rule::new(
                1,
                "B2B",
                Trigger::Created,
                &[c(Field::SenderDomain, Op::Is, "firma.cz")],
                &[a(ActionKind::AddTag, "b2b"), a(ActionKind::SetTeam, "5")],
                false,
            )
            .unwrap(),
            Rule::new(
                2,
                "B2B urgent",
                Trigger::Created,
                &[c(Field::Tag, Op::Is, "b2b"), c(Field::Subject, Op::Contains, "reklamace")],
                &[a(ActionKind::SetPriority, "high")],
                false,
            )
            .unwrap(),
            Rule::new(3, "on update only", Trigger::Updated, &[], &[a(ActionKind::SetPriority, "low")], false).unwrap(),
            Rule::new(
                4,
                "team 5 to Ann",
                Trigger::Created,
                &[c(Field::Team, Op::Is, "5")],
                &[a(ActionKind::Assign, "11"), a(ActionKind::Notify, "assignee")],
                true,
            )
            .unwrap(),
            Rule::new(5, "after the stop", Trigger::Created, &[], &[a(ActionKind::SetStatus, "closed")], false).unwrap(),
        ];
        let mut f = facts();
        let out = run(&rules, Trigger::Created, &mut f, 0);
        assert_eq!(out.fired.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![1, 2, 4]);
        assert_eq!(out.tags, Some(vec!["vip".to_string(), "b2b".to_string()]));
        assert_eq!(
            (out.team, out.priority, out.assign, out.status),
            (Some(Some(5)), Some(Priority::High), Some((AssignTo::Agent(11), 4)), None)
        );
        assert_eq!(out.notify, vec![(Whom::Assignee, 4)]);
        assert_eq!(f.assignee, Some(11));
        // Run again over what they changed: the same rules, once each — nothing feeds back.
        let again = run(&rules, Trigger::Created, &mut f, 0);
        assert_eq!(again.fired.len(), 3);
        assert_eq!(again.tags, Some(vec!["vip".to_string(), "b2b".to_string()]));
    }

    #[test]
    fn a_rule_that_undoes_another_does_not_loop() {
        // Two rules that flip a tag: one pass each, the later one wins.
        let rules = vec![
            Rule::new(1, "add", Trigger::Updated, &[c(Field::Tag, Op::IsNot, "x")], &[a(ActionKind::AddTag, "x")], false).unwrap(),
            Rule::new(2, "remove", Trigger::Updated, &[c(Field::Tag, Op::Is, "x")], &[a(ActionKind::RemoveTag, "x")], false).unwrap(),
        ];
        let mut f = Facts::default();
        let out = run(&rules, Trigger::Updated, &mut f, 0);
        assert_eq!(out.fired.len(), 2);
        assert_eq!(out.tags, Some(vec![]));
    }

    #[test]
    fn scheduled_rules_say_how_long_they_wait() {
        let remind = Rule::new(
            1,
            "remind",
            Trigger::Schedule,
            &[c(Field::Status, Op::Is, "pending"), c(Field::IdleHours, Op::AtLeast, "120"), c(Field::Tag, Op::IsNot, "reminded")],
            &[a(ActionKind::SendReply, "1"), a(ActionKind::AddTag, "reminded")],
            false,
        )
        .unwrap();
        assert_eq!(remind.waits_ms(), (120 * HOUR_MS, 0));
        let f = Facts { status: TicketStatus::Pending, updated_at: 0, ..Facts::default() };
        assert!(!remind.matches(&f, 119 * HOUR_MS));
        assert!(remind.matches(&f, 120 * HOUR_MS));
        let reminded = Facts { tags: vec!["reminded".into()], ..f.clone() };
        assert!(!remind.matches(&reminded, 200 * HOUR_MS));
        // The rule after it in the same pass sees the ticket changed just now, not idle.
        let close = Rule::new(
            2,
            "close",
            Trigger::Schedule,
            &[c(Field::Tag, Op::Is, "reminded"), c(Field::IdleHours, Op::AtLeast, "48")],
            &[a(ActionKind::SetStatus, "closed")],
            false,
        )
        .unwrap();
        let mut f = f;
        let out = run([&remind, &close], Trigger::Schedule, &mut f, 200 * HOUR_MS);
        assert_eq!(out.fired.len(), 1);
        assert_eq!(f.updated_at, 200 * HOUR_MS);
    }

    #[test]
    fn words_never_panic_on_any_text() {
        let t = Text::new("Žluťoučký kůň úpěl ďábelské ódy — 🐴 x");
        assert!(t.has("kun"));
        assert!(t.has("ody"));
        assert!(!t.has("oucky"));
        assert!(t.has("x"));
        assert!(!Text::new("").has("a"));
    }
}
