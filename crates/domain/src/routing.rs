//! Who gets a ticket: the assignment policy of a mailbox or team — manual only; round robin
//! among the members who take work; least loaded against their capacity; sticky (the agent who
//! last answered the customer, within a window); account manager (B2B customers always go to
//! theirs) — preferring agents who speak the ticket's language and have the skills it needs, and
//! the reason of each decision as the activity log and the API show it.
//!
//! Plain decisions over what the caller read: the pool's members with their availability, load
//! and last turn, and what is known of the ticket's customer. The caller keeps the turns (one
//! counter per pool, taken under a lock), which makes round robin fair across instances.

use crate::i18n::{t, t_args, Arg};
use crate::ticket::string_enum;
use crate::{AgentStatus, DomainError, Lang};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// How a pool (a mailbox or a team) hands out its tickets.
    PolicyKind, "assignment policy", {
    Manual => "manual",
    RoundRobin => "round_robin",
    LeastLoaded => "least_loaded",
    Sticky => "sticky",
    AccountManager => "account_manager",
});

string_enum!(
    /// Who or what assigned a ticket (`assignment.by` in the API).
    AssignedBy, "assignment", {
    RoundRobin => "round_robin",
    LeastLoaded => "least_loaded",
    Sticky => "sticky",
    AccountManager => "account_manager",
    Rule => "rule",
    Escalation => "escalation",
    Manual => "manual",
});

/// How long a customer sticks to the agent who answered them, unless a policy says otherwise.
pub const DEFAULT_STICKY_DAYS: u32 = 14;
pub const MAX_STICKY_DAYS: u32 = 365;
const DAY_MS: i64 = 86_400_000;

/// A team's overflow: when more than `after` of its tickets wait for someone (unassigned, new or
/// open), the next one given to it goes to the team `to` instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    pub to: i64,
    pub after: u32,
}

impl Overflow {
    /// Where a ticket goes when `waiting` tickets (itself included) wait in the team's queue.
    pub fn to_team(self, waiting: i64) -> Option<i64> {
        (waiting > i64::from(self.after)).then_some(self.to)
    }
}

/// A pool's policy. The fallback decides when a sticky or account-manager choice cannot (no
/// earlier helper, the helper away, no manager): round robin, least loaded or manual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPolicy {
    kind: PolicyKind,
    fallback: PolicyKind,
    sticky_days: u32,
    by_language: bool,
    reassign_off_shift: bool,
    overflow: Option<Overflow>,
}

impl AssignmentPolicy {
    /// A policy; the fallback must itself decide without a history (round robin, least loaded or
    /// manual), and the sticky window is 1 to 365 days.
    pub fn new(
        kind: PolicyKind,
        fallback: PolicyKind,
        sticky_days: u32,
        by_language: bool,
        reassign_off_shift: bool,
    ) -> Result<AssignmentPolicy, DomainError> {
        if matches!(fallback, PolicyKind::Sticky | PolicyKind::AccountManager) {
            return Err(DomainError::UnknownValue { kind: "fallback (manual, round_robin or least_loaded)", value: fallback.to_string() });
        }
        if !(1..=MAX_STICKY_DAYS).contains(&sticky_days) {
            return Err(DomainError::UnknownValue { kind: "sticky window (1 to 365 days)", value: sticky_days.to_string() });
        }
        Ok(AssignmentPolicy { kind, fallback, sticky_days, by_language, reassign_off_shift, overflow: None })
    }

    /// Nobody is assigned automatically (every pool's policy until an admin picks one).
    pub fn manual() -> AssignmentPolicy {
        AssignmentPolicy {
            kind: PolicyKind::Manual,
            fallback: PolicyKind::RoundRobin,
            sticky_days: DEFAULT_STICKY_DAYS,
            by_language: true,
            reassign_off_shift: true,
            overflow: None,
        }
    }

    /// The same policy with a team's overflow.
    pub fn with_overflow(self, overflow: Option<Overflow>) -> AssignmentPolicy {
        AssignmentPolicy { overflow, ..self }
    }

    pub fn overflow(&self) -> Option<Overflow> {
        self.overflow
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }
    pub fn fallback(&self) -> PolicyKind {
        self.fallback
    }
    pub fn sticky_days(&self) -> u32 {
        self.sticky_days
    }
    /// Whether agents who speak the ticket's language are preferred.
    pub fn by_language(&self) -> bool {
        self.by_language
    }
    /// Whether an agent's tickets still waiting for a first answer go back to the pool when
    /// they go off shift.
    pub fn reassign_off_shift(&self) -> bool {
        self.reassign_off_shift
    }
    /// Whether the policy assigns at all.
    pub fn assigns(&self) -> bool {
        self.kind != PolicyKind::Manual
    }
}

/// A member of the pool as routing sees them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    pub id: i64,
    /// Their availability that counts (off shift outside their hours).
    pub status: AgentStatus,
    /// Tickets of theirs waiting for work (new or open).
    pub open: i64,
    pub capacity: i64,
    pub languages: &'a [String],
    pub skills: &'a [String],
    /// The pool's turn when they last got a ticket from it (0: never).
    pub last_turn: i64,
}

impl Member<'_> {
    /// Online and below their capacity.
    pub fn takes_work(&self) -> bool {
        self.status == AgentStatus::Online && self.open < self.capacity
    }

    fn speaks(&self, language: &str) -> bool {
        self.languages.iter().any(|l| same_language(l, language))
    }
}

/// `cs` and `cs-CZ` are one language.
fn same_language(a: &str, b: &str) -> bool {
    let primary = |s: &str| s.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    primary(a) == primary(b)
}

/// Whose the customer is: their own account manager, or their organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagerOf {
    Customer,
    Organisation,
}

/// What is known of a ticket and its customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs<'a> {
    /// The customer's language.
    pub language: Option<&'a str>,
    /// The ticket's tags that name a skill of some member.
    pub skills: Vec<&'a str>,
    /// The agent who last answered the customer, and when.
    pub last_helper: Option<(i64, i64)>,
    /// The customer's account manager.
    pub manager: Option<(i64, ManagerOf)>,
    /// The agent the ticket is taken from (gone off shift): not them again.
    pub not: Option<i64>,
}

/// What routing decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Assign {
        agent: i64,
        by: AssignedBy,
        why: Why,
    },
    /// Nobody can take it now: it waits in the queue (and is offered again when someone can).
    Wait(Why),
    /// The policy (or its fallback) leaves it to people.
    Manual,
}

/// The reason of a decision, kept with the ticket and shown in its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    pub how: How,
    /// The ticket's language, when it narrowed the choice to those who speak it.
    pub language: Option<String>,
    /// The skills that narrowed the choice.
    pub skills: Vec<String>,
    /// Why the policy's own choice did not decide (the fallback decided).
    pub missed: Option<Missed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// Round robin: the next of so many who take work.
    Turn {
        available: u32,
    },
    /// The lowest load against capacity.
    Load {
        open: i64,
        capacity: i64,
    },
    /// The agent who answered the customer so many days ago.
    Sticky {
        days: i64,
    },
    Manager {
        of: ManagerOf,
    },
    NobodyAvailable,
    /// A rule (by id and name) chose the agent.
    Rule {
        id: i64,
        name: String,
    },
    /// The SLA policy escalated it to the team's lead: a target about to be missed (or missed).
    Escalated {
        metric: crate::sla::Metric,
        breached: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missed {
    /// The agent who answered last does not take work now.
    HelperAway {
        agent: i64,
    },
    /// Nobody answered the customer within the window.
    NoHelper {
        days: u32,
    },
    NoManager,
    /// The manager does not work in this pool.
    ManagerElsewhere {
        agent: i64,
    },
}

/// Decides who gets a ticket (see the module's comment). Among equals, round robin takes the one
/// whose turn is longest ago, least loaded the lowest share of capacity and then the longest ago,
/// so nobody gets two in a row while another who takes work waits.
pub fn decide(policy: &AssignmentPolicy, members: &[Member<'_>], needs: &Needs<'_>, now_ms: i64) -> Decision {
    let takes = |m: &&Member<'_>| m.takes_work() && Some(m.id) != needs.not;
    let missed = match policy.kind {
        PolicyKind::Manual => return Decision::Manual,
        PolicyKind::RoundRobin | PolicyKind::LeastLoaded => None,
        PolicyKind::AccountManager => match needs.manager {
            // Always theirs, whatever their availability: the customer's ticket waits for them.
            Some((agent, of)) if Some(agent) != needs.not && members.iter().any(|m| m.id == agent) => {
                let why = Why { how: How::Manager { of }, language: None, skills: Vec::new(), missed: None };
                return Decision::Assign { agent, by: AssignedBy::AccountManager, why };
            }
            Some((agent, _)) => Some(Missed::ManagerElsewhere { agent }),
            None => Some(Missed::NoManager),
        },
        PolicyKind::Sticky => {
            let window = i64::from(policy.sticky_days) * DAY_MS;
            match needs.last_helper.filter(|(_, at)| now_ms - at <= window) {
                Some((agent, at)) => match members.iter().filter(takes).find(|m| m.id == agent) {
                    Some(m) => {
                        let why = Why {
                            how: How::Sticky { days: (now_ms - at).max(0) / DAY_MS },
                            language: None,
                            skills: Vec::new(),
                            missed: None,
                        };
                        return Decision::Assign { agent: m.id, by: AssignedBy::Sticky, why };
                    }
                    None => Some(Missed::HelperAway { agent }),
                },
                None => Some(Missed::NoHelper { days: policy.sticky_days }),
            }
        }
    };
    let kind = if missed.is_some() { policy.fallback } else { policy.kind };
    if kind == PolicyKind::Manual {
        return Decision::Manual;
    }
    let mut pool: Vec<&Member<'_>> = members.iter().filter(takes).collect();
    let mut why = Why { how: How::NobodyAvailable, language: None, skills: Vec::new(), missed };
    if pool.is_empty() {
        return Decision::Wait(why);
    }
    if let Some(language) = needs.language.filter(|_| policy.by_language) {
        let speakers: Vec<&Member<'_>> = pool.iter().copied().filter(|m| m.speaks(language)).collect();
        if !speakers.is_empty() {
            pool = speakers;
            why.language = Some(language.to_string());
        }
    }
    if !needs.skills.is_empty() {
        let skilled: Vec<&Member<'_>> =
            pool.iter().copied().filter(|m| needs.skills.iter().all(|s| m.skills.iter().any(|k| k == s))).collect();
        if !skilled.is_empty() {
            pool = skilled;
            why.skills = needs.skills.iter().map(|s| s.to_string()).collect();
        }
    }
    let (chosen, by) = if kind == PolicyKind::LeastLoaded {
        // open/capacity compared without division (capacity > open >= 0 for anyone who takes work).
        let m = pool
            .iter()
            .min_by(|a, b| (a.open * b.capacity).cmp(&(b.open * a.capacity)).then(a.last_turn.cmp(&b.last_turn)).then(a.id.cmp(&b.id)));
        (m.copied(), AssignedBy::LeastLoaded)
    } else {
        (pool.iter().min_by_key(|m| (m.last_turn, m.id)).copied(), AssignedBy::RoundRobin)
    };
    let Some(chosen) = chosen else { return Decision::Wait(why) };
    why.how = match by {
        AssignedBy::LeastLoaded => How::Load { open: chosen.open, capacity: chosen.capacity },
        _ => How::Turn { available: pool.len() as u32 },
    };
    Decision::Assign { agent: chosen.id, by, why }
}

impl Why {
    /// The reason as one line of plain text in `lang`, with agents named by `name`.
    pub fn describe(&self, lang: Lang, name: &dyn Fn(i64) -> String) -> String {
        let mut text = match &self.how {
            How::Turn { available } => t_args(lang, "routing-turn", &[("available", Arg::Num(i64::from(*available)))]),
            How::Load { open, capacity } => t_args(lang, "routing-load", &[("open", Arg::Num(*open)), ("capacity", Arg::Num(*capacity))]),
            How::Sticky { days } => t_args(lang, "routing-sticky", &[("days", Arg::Num(*days))]),
            How::Manager { of: ManagerOf::Customer } => t(lang, "routing-manager-customer"),
            How::Manager { of: ManagerOf::Organisation } => t(lang, "routing-manager-organisation"),
            How::NobodyAvailable => t(lang, "routing-nobody"),
            How::Rule { name, .. } => t_args(lang, "routing-rule", &[("rule", Arg::Str(name))]),
            How::Escalated { metric, breached } => t_args(
                lang,
                if *breached { "routing-escalated-breach" } else { "routing-escalated-warning" },
                &[("metric", Arg::Str(&t(lang, metric.label_key())))],
            ),
        };
        if let Some(l) = &self.language {
            text.push_str(", ");
            text.push_str(&t_args(lang, "routing-language", &[("language", Arg::Str(l))]));
        }
        if !self.skills.is_empty() {
            text.push_str(", ");
            text.push_str(&t_args(lang, "routing-skills", &[("skills", Arg::Str(&self.skills.join(", ")))]));
        }
        if let Some(m) = &self.missed {
            let missed = match m {
                Missed::HelperAway { agent } => t_args(lang, "routing-missed-helper", &[("agent", Arg::Str(&name(*agent)))]),
                Missed::NoHelper { days } => t_args(lang, "routing-missed-no-helper", &[("days", Arg::Num(i64::from(*days)))]),
                Missed::NoManager => t(lang, "routing-missed-no-manager"),
                Missed::ManagerElsewhere { agent } => {
                    t_args(lang, "routing-missed-manager-elsewhere", &[("agent", Arg::Str(&name(*agent)))])
                }
            };
            text.push_str(" (");
            text.push_str(&missed);
            text.push(')');
        }
        text
    }
}

/// Stored as a line of words (`turn 4 lang cs missed helper 7`): readable in the database,
/// read back by `FromStr`.
impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.how {
            How::Turn { available } => write!(f, "turn {available}")?,
            How::Load { open, capacity } => write!(f, "load {open} {capacity}")?,
            How::Sticky { days } => write!(f, "sticky {days}")?,
            How::Manager { of: ManagerOf::Customer } => f.write_str("manager customer")?,
            How::Manager { of: ManagerOf::Organisation } => f.write_str("manager organisation")?,
            How::NobodyAvailable => f.write_str("nobody")?,
            // The name is the rest of the line.
            How::Rule { id, name } => return write!(f, "rule {id} {}", name.split_whitespace().collect::<Vec<_>>().join(" ")),
            How::Escalated { metric, breached } => {
                write!(f, "escalated {} {}", metric.as_str(), if *breached { "breach" } else { "warning" })?
            }
        }
        if let Some(l) = &self.language {
            write!(f, " lang {l}")?;
        }
        if !self.skills.is_empty() {
            write!(f, " skills {}", self.skills.join(","))?;
        }
        match &self.missed {
            None => Ok(()),
            Some(Missed::HelperAway { agent }) => write!(f, " missed helper {agent}"),
            Some(Missed::NoHelper { days }) => write!(f, " missed nohelper {days}"),
            Some(Missed::NoManager) => f.write_str(" missed nomanager"),
            Some(Missed::ManagerElsewhere { agent }) => write!(f, " missed manager {agent}"),
        }
    }
}

impl FromStr for Why {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Why, DomainError> {
        let bad = || DomainError::UnknownValue { kind: "assignment reason", value: s.chars().take(80).collect() };
        let words: Vec<&str> = s.split_whitespace().collect();
        let num = |i: usize| words.get(i).and_then(|w| w.parse::<i64>().ok()).ok_or_else(bad);
        let small = |i: usize| num(i).and_then(|n| u32::try_from(n).map_err(|_| bad()));
        if words.first() == Some(&"rule") {
            let how = How::Rule { id: num(1)?, name: words[2..].join(" ") };
            return Ok(Why { how, language: None, skills: Vec::new(), missed: None });
        }
        let (how, mut i) = match (words.first().copied(), words.get(1).copied()) {
            (Some("turn"), _) => (How::Turn { available: small(1)? }, 2),
            (Some("load"), _) => (How::Load { open: num(1)?, capacity: num(2)? }, 3),
            (Some("sticky"), _) => (How::Sticky { days: num(1)? }, 2),
            (Some("manager"), Some("customer")) => (How::Manager { of: ManagerOf::Customer }, 2),
            (Some("manager"), Some("organisation")) => (How::Manager { of: ManagerOf::Organisation }, 2),
            (Some("nobody"), _) => (How::NobodyAvailable, 1),
            (Some("escalated"), Some(m)) => {
                let metric = crate::sla::Metric::parse(m).ok_or_else(bad)?;
                (How::Escalated { metric, breached: words.get(2) == Some(&"breach") }, 3)
            }
            _ => return Err(bad()),
        };
        let mut why = Why { how, language: None, skills: Vec::new(), missed: None };
        while i < words.len() {
            i += match (words[i], words.get(i + 1).copied()) {
                ("lang", Some(l)) => {
                    why.language = Some(l.to_string());
                    2
                }
                ("skills", Some(list)) => {
                    why.skills = list.split(',').map(str::to_string).collect();
                    2
                }
                ("missed", Some("nomanager")) => {
                    why.missed = Some(Missed::NoManager);
                    2
                }
                ("missed", Some(what)) => {
                    why.missed = Some(match what {
                        "helper" => Missed::HelperAway { agent: num(i + 2)? },
                        "nohelper" => Missed::NoHelper { days: small(i + 2)? },
                        "manager" => Missed::ManagerElsewhere { agent: num(i + 2)? },
                        _ => return Err(bad()),
                    });
                    3
                }
                _ => return Err(bad()),
            };
        }
        Ok(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_800_000_000_000;

    fn member(id: i64, status: AgentStatus, open: i64, last_turn: i64) -> Member<'static> {
        Member { id, status, open, capacity: 10, languages: &[], skills: &[], last_turn }
    }

    fn policy(kind: PolicyKind, fallback: PolicyKind) -> AssignmentPolicy {
        AssignmentPolicy::new(kind, fallback, 14, true, true).unwrap()
    }

    fn assigned(d: &Decision) -> Option<(i64, AssignedBy)> {
        match d {
            Decision::Assign { agent, by, .. } => Some((*agent, *by)),
            _ => None,
        }
    }

    #[test]
    fn policies_are_checked() {
        assert!(AssignmentPolicy::new(PolicyKind::Sticky, PolicyKind::Sticky, 14, true, true).is_err());
        assert!(AssignmentPolicy::new(PolicyKind::Sticky, PolicyKind::AccountManager, 14, true, true).is_err());
        assert!(AssignmentPolicy::new(PolicyKind::Sticky, PolicyKind::RoundRobin, 0, true, true).is_err());
        assert!(AssignmentPolicy::new(PolicyKind::Sticky, PolicyKind::RoundRobin, 366, true, true).is_err());
        assert!(!AssignmentPolicy::manual().assigns());
        assert_eq!("least_loaded".parse::<PolicyKind>().unwrap(), PolicyKind::LeastLoaded);
        assert!("random".parse::<PolicyKind>().is_err());
    }

    #[test]
    fn round_robin_takes_the_longest_waiting_who_takes_work() {
        let members = [
            member(1, AgentStatus::Online, 0, 5),
            member(2, AgentStatus::Away, 0, 0),
            member(3, AgentStatus::Online, 0, 3),
            member(4, AgentStatus::Online, 10, 0), // full
            member(5, AgentStatus::Off, 0, 0),
        ];
        let d = decide(&policy(PolicyKind::RoundRobin, PolicyKind::Manual), &members, &Needs::default(), NOW);
        assert_eq!(assigned(&d), Some((3, AssignedBy::RoundRobin)));
        let Decision::Assign { why, .. } = d else { unreachable!() };
        assert_eq!(why.how, How::Turn { available: 2 });
        assert_eq!(why.describe(Lang::En, &|_| String::new()), "round-robin: next of 2 available");
        let nobody = [member(1, AgentStatus::Away, 0, 0)];
        assert!(matches!(decide(&policy(PolicyKind::RoundRobin, PolicyKind::Manual), &nobody, &Needs::default(), NOW), Decision::Wait(_)));
        assert_eq!(decide(&AssignmentPolicy::manual(), &members, &Needs::default(), NOW), Decision::Manual);
    }

    #[test]
    fn least_loaded_compares_shares_of_capacity() {
        let mut a = member(1, AgentStatus::Online, 3, 0);
        a.capacity = 4; // 75 %
        let mut b = member(2, AgentStatus::Online, 5, 9);
        b.capacity = 20; // 25 %
        let d = decide(&policy(PolicyKind::LeastLoaded, PolicyKind::Manual), &[a, b], &Needs::default(), NOW);
        assert_eq!(assigned(&d), Some((2, AssignedBy::LeastLoaded)));
        let Decision::Assign { why, .. } = d else { unreachable!() };
        assert_eq!(why.describe(Lang::En, &|_| String::new()), "least loaded: 5 of 20 open tickets");
    }

    #[test]
    fn sticky_returns_to_the_last_helper_within_the_window() {
        let members = [member(1, AgentStatus::Online, 0, 0), member(7, AgentStatus::Online, 2, 9)];
        let p = policy(PolicyKind::Sticky, PolicyKind::RoundRobin);
        let needs = Needs { last_helper: Some((7, NOW - 3 * DAY_MS - 5)), ..Needs::default() };
        let d = decide(&p, &members, &needs, NOW);
        let Decision::Assign { agent: 7, by: AssignedBy::Sticky, why } = d else { panic!("{d:?}") };
        assert_eq!(why.describe(Lang::En, &|_| "Jana".into()), "sticky: answered them 3 days ago");
        // Past the window: the fallback, saying why.
        let old = Needs { last_helper: Some((7, NOW - 15 * DAY_MS)), ..Needs::default() };
        let Decision::Assign { agent: 1, by: AssignedBy::RoundRobin, why } = decide(&p, &members, &old, NOW) else { panic!() };
        assert_eq!(why.missed, Some(Missed::NoHelper { days: 14 }));
        // The helper away: the fallback, naming them.
        let away = [member(1, AgentStatus::Online, 0, 0), member(7, AgentStatus::Away, 0, 0)];
        let Decision::Assign { agent: 1, why, .. } = decide(&p, &away, &needs, NOW) else { panic!() };
        assert_eq!(
            why.describe(Lang::En, &|id| if id == 7 { "Jana".into() } else { "?".into() }),
            "round-robin: next of 1 available (Jana, who answered last, is not available)"
        );
        // A manual fallback leaves it.
        assert_eq!(decide(&policy(PolicyKind::Sticky, PolicyKind::Manual), &away, &needs, NOW), Decision::Manual);
    }

    #[test]
    fn account_manager_always_gets_their_customers() {
        let members = [member(1, AgentStatus::Online, 0, 0), member(9, AgentStatus::Off, 10, 0)];
        let p = policy(PolicyKind::AccountManager, PolicyKind::LeastLoaded);
        let needs = Needs { manager: Some((9, ManagerOf::Organisation)), ..Needs::default() };
        assert_eq!(assigned(&decide(&p, &members, &needs, NOW)), Some((9, AssignedBy::AccountManager)));
        // Not a member of the pool, or the one it is taken from: the fallback.
        let elsewhere = Needs { manager: Some((5, ManagerOf::Customer)), ..Needs::default() };
        let Decision::Assign { agent: 1, why, .. } = decide(&p, &members, &elsewhere, NOW) else { panic!() };
        assert_eq!(why.missed, Some(Missed::ManagerElsewhere { agent: 5 }));
        let taken = Needs { not: Some(9), ..needs };
        assert_eq!(assigned(&decide(&p, &members, &taken, NOW)), Some((1, AssignedBy::LeastLoaded)));
        let Decision::Assign { why, .. } = decide(&p, &members, &Needs::default(), NOW) else { panic!() };
        assert_eq!(why.missed, Some(Missed::NoManager));
    }

    #[test]
    fn language_and_skills_narrow_the_choice_when_someone_has_them() {
        let cs = ["cs".to_string(), "sk".to_string()];
        let returns = ["returns".to_string()];
        let members = [
            Member { languages: &cs, ..member(1, AgentStatus::Online, 0, 9) },
            Member { skills: &returns, ..member(2, AgentStatus::Online, 0, 8) },
            Member { languages: &cs, skills: &returns, ..member(3, AgentStatus::Online, 0, 7) },
            member(4, AgentStatus::Online, 0, 0),
        ];
        let p = policy(PolicyKind::RoundRobin, PolicyKind::Manual);
        let czech = Needs { language: Some("cs-CZ"), ..Needs::default() };
        let Decision::Assign { agent: 3, why, .. } = decide(&p, &members, &czech, NOW) else { panic!() };
        assert_eq!(why.language.as_deref(), Some("cs-CZ"));
        let both = Needs { language: Some("cs"), skills: vec!["returns"], ..Needs::default() };
        assert_eq!(assigned(&decide(&p, &members, &both, NOW)), Some((3, AssignedBy::RoundRobin)));
        // Nobody speaks Polish: anyone, without the language in the reason.
        let polish = Needs { language: Some("pl"), ..Needs::default() };
        let Decision::Assign { agent: 4, why, .. } = decide(&p, &members, &polish, NOW) else { panic!() };
        assert_eq!(why.language, None);
        // A policy that ignores languages.
        let blind = AssignmentPolicy::new(PolicyKind::RoundRobin, PolicyKind::Manual, 14, false, true).unwrap();
        assert_eq!(assigned(&decide(&blind, &members, &czech, NOW)), Some((4, AssignedBy::RoundRobin)));
    }

    #[test]
    fn reasons_are_stored_and_read_back() {
        let all = [
            Why {
                how: How::Turn { available: 4 },
                language: Some("cs".into()),
                skills: vec!["b2b".into(), "returns".into()],
                missed: Some(Missed::HelperAway { agent: 7 }),
            },
            Why { how: How::Load { open: 3, capacity: 20 }, language: None, skills: vec![], missed: Some(Missed::NoManager) },
            Why { how: How::Sticky { days: 0 }, language: None, skills: vec![], missed: None },
            Why { how: How::Manager { of: ManagerOf::Organisation }, language: None, skills: vec![], missed: None },
            Why { how: How::NobodyAvailable, language: Some("pl".into()), skills: vec![], missed: Some(Missed::NoHelper { days: 14 }) },
            Why { how: How::Turn { available: 1 }, language: None, skills: vec![], missed: Some(Missed::ManagerElsewhere { agent: 3 }) },
            Why { how: How::Turn { available: 2 }, language: None, skills: vec![], missed: Some(Missed::NoManager) },
            Why { how: How::Rule { id: 7, name: "VIP to Jana".into() }, language: None, skills: vec![], missed: None },
            Why {
                how: How::Escalated { metric: crate::sla::Metric::FirstResponse, breached: true },
                language: None,
                skills: vec![],
                missed: None,
            },
            Why {
                how: How::Escalated { metric: crate::sla::Metric::Resolution, breached: false },
                language: None,
                skills: vec![],
                missed: None,
            },
        ];
        for w in all {
            assert_eq!(w.to_string().parse::<Why>(), Ok(w.clone()), "{w}");
            assert!(!w.describe(Lang::Cs, &|_| "Jana".into()).contains("routing-"));
        }
        for bad in [
            "",
            "turn",
            "turn x",
            "load 3",
            "sticky",
            "manager boss",
            "turn 3 lang",
            "turn 3 missed helper",
            "turn 3 what 4",
            "escalated",
            "escalated lunch breach",
        ] {
            assert!(bad.parse::<Why>().is_err(), "{bad}");
        }
    }

    proptest! {
        /// Round robin over a changing team: with equal needs, nobody gets two in a row while
        /// another who takes work waits, and whoever is chosen waited longest.
        #[test]
        fn round_robin_is_fair(steps in proptest::collection::vec((0usize..6, proptest::bool::ANY), 1..200)) {
            let mut online = [true; 6];
            let mut turns = [0i64; 6];
            let mut last: Option<i64> = None;
            let p = policy(PolicyKind::RoundRobin, PolicyKind::Manual);
            for (turn, (who, flip)) in steps.into_iter().enumerate() {
                if flip {
                    online[who] = !online[who];
                }
                let members: Vec<Member<'_>> = (0..6)
                    .map(|i| member(i as i64 + 1, if online[i] { AgentStatus::Online } else { AgentStatus::Away }, 0, turns[i]))
                    .collect();
                let available = online.iter().filter(|o| **o).count();
                match decide(&p, &members, &Needs::default(), NOW) {
                    Decision::Assign { agent, .. } => {
                        let i = (agent - 1) as usize;
                        prop_assert!(online[i]);
                        prop_assert!(members.iter().filter(|m| m.takes_work()).all(|m| m.last_turn >= turns[i]));
                        if available > 1 {
                            prop_assert_ne!(Some(agent), last);
                        }
                        turns[i] = turn as i64 + 1;
                        last = Some(agent);
                    }
                    Decision::Wait(_) => prop_assert_eq!(available, 0),
                    Decision::Manual => prop_assert!(false, "round robin left a ticket to people"),
                }
            }
        }

        /// Least loaded never picks someone with a larger share of their capacity than another
        /// who takes work, and never anyone at capacity.
        #[test]
        fn least_loaded_picks_a_lowest_share(loads in proptest::collection::vec((0i64..12, 1i64..12, proptest::bool::ANY), 1..12)) {
            let members: Vec<Member<'_>> = loads
                .iter()
                .enumerate()
                .map(|(i, (open, cap, on))| Member { capacity: *cap, ..member(i as i64, if *on { AgentStatus::Online } else { AgentStatus::Off }, *open, 0) })
                .collect();
            match decide(&policy(PolicyKind::LeastLoaded, PolicyKind::Manual), &members, &Needs::default(), NOW) {
                Decision::Assign { agent, .. } => {
                    let c = &members[agent as usize];
                    prop_assert!(c.takes_work());
                    for m in members.iter().filter(|m| m.takes_work()) {
                        prop_assert!(c.open * m.capacity <= m.open * c.capacity);
                    }
                }
                Decision::Wait(_) => prop_assert!(members.iter().all(|m| !m.takes_work())),
                Decision::Manual => prop_assert!(false),
            }
        }
    }
}
