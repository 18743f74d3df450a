//! Service-level targets and where a ticket stands against them: when its first response, its
//! next response (after the customer wrote again) and its resolution are due, in business time
//! of the policy's calendar, with the clock paused while the ticket waits on the customer; which
//! targets are breached, and which are about to be.
//!
//! A policy holds targets per channel and priority; the most specific one that sets a metric
//! wins (channel and priority, then channel, then priority, then the policy's default), so "chat:
//! first response 1 minute" and "urgent: resolution 4 hours" combine for an urgent chat.

use crate::calendar::Calendar;
use crate::ticket::string_enum;
use crate::{Channel, DomainError, Priority};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// Whether a policy hands a ticket to its team's lead when a target is about to be missed
    /// (`Warning`) or missed (`Breach`).
    Escalate, "escalation", {
    Off => "off",
    Warning => "warning",
    Breach => "breach",
});

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextResponse => "next_response",
            Metric::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        [Metric::FirstResponse, Metric::NextResponse, Metric::Resolution].into_iter().find(|m| m.as_str() == s)
    }

    /// Its name in the catalogues.
    pub fn label_key(self) -> &'static str {
        match self {
            Metric::FirstResponse => "sla-first-response",
            Metric::NextResponse => "sla-next-response",
            Metric::Resolution => "sla-resolution",
        }
    }
}

/// Targets (business ms) for tickets of a channel and/or priority (None: any).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    pub channel: Option<Channel>,
    pub priority: Option<Priority>,
    pub first_response_ms: Option<i64>,
    pub next_response_ms: Option<i64>,
    pub resolution_ms: Option<i64>,
}

impl Target {
    fn get(&self, m: Metric) -> Option<i64> {
        match m {
            Metric::FirstResponse => self.first_response_ms,
            Metric::NextResponse => self.next_response_ms,
            Metric::Resolution => self.resolution_ms,
        }
    }

    /// How specific the target is for a ticket (higher wins), or None if it does not apply.
    fn fit(&self, channel: Channel, priority: Priority) -> Option<u8> {
        match (self.channel, self.priority) {
            (Some(c), _) if c != channel => None,
            (_, Some(p)) if p != priority => None,
            (Some(_), Some(_)) => Some(3),
            (Some(_), None) => Some(2),
            (None, Some(_)) => Some(1),
            (None, None) => Some(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub targets: Vec<Target>,
    /// How long (wall time) before a due time the assignee and team lead are warned.
    pub warn_before_ms: i64,
    pub escalate: Escalate,
}

impl Policy {
    /// The target of one metric for a ticket: the most specific target that sets it.
    pub fn target(&self, m: Metric, channel: Channel, priority: Priority) -> Option<i64> {
        self.targets.iter().filter_map(|t| Some((t.fit(channel, priority)?, t.get(m)?))).max_by_key(|(fit, _)| *fit).map(|(_, ms)| ms)
    }
}

/// A duration in business time as people write it: `30m`, `8h`, `1h30m` (minutes and hours;
/// "3 business days" is their hours, e.g. `24h` for 8-hour days). At most a year.
pub fn parse_duration(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut any = false;
    for c in text.trim().chars().filter(|c| !c.is_whitespace()) {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' if !number.is_empty() => {
                let n: i64 = number.parse().ok()?;
                total = total.checked_add(n.checked_mul(if c == 'h' { 3_600_000 } else { 60_000 })?)?;
                number.clear();
                any = true;
            }
            _ => return None,
        }
    }
    (any && number.is_empty() && total > 0 && total <= 366 * 24 * 3_600_000).then_some(total)
}

/// A duration as `parse_duration` reads it.
pub fn duration_text(ms: i64) -> String {
    let (h, m) = (ms / 3_600_000, ms % 3_600_000 / 60_000);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// What the clock of a ticket needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketTimes {
    pub channel: Channel,
    pub priority: Priority,
    pub created_at: i64,
    /// Our first reply to the customer.
    pub first_response_at: Option<i64>,
    /// Since when the customer waits for our answer to a later message (None: not waiting, or
    /// still waiting for the first response).
    pub awaiting_reply_since: Option<i64>,
    pub solved_at: Option<i64>,
    /// While the ticket waited on the customer (pending): the clock stands still.
    pub pauses: Vec<(i64, Option<i64>)>,
}

/// Where one target of a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Running, due later than the warning time.
    Running,
    /// Running, due within the policy's warning time.
    Warning,
    /// Due and not met, or met late.
    Breached,
    /// Met in time.
    Met,
    /// Not running: the ticket waits on the customer (or the calendar never opens).
    Paused,
}

/// One measured target of a ticket: when its clock started, when it is (or was) due, and when it
/// was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub metric: Metric,
    /// When the clock started: the ticket's creation, or the customer's message waiting for an answer.
    pub started_at: i64,
    /// None while paused.
    pub due_at: Option<i64>,
    pub met_at: Option<i64>,
    pub state: State,
}

impl Measure {
    /// Not met yet (running, warning, breached and open, or paused).
    pub fn is_open(&self) -> bool {
        self.met_at.is_none()
    }

    /// When this target warns (None: paused or met).
    pub fn warn_at(&self, warn_before_ms: i64) -> Option<i64> {
        self.due_at.filter(|_| self.is_open()).map(|d| d - warn_before_ms)
    }
}

/// Where a ticket stands against its targets at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Standing {
    /// The targets that apply, in the order first response, next response, resolution.
    pub measures: Vec<Measure>,
    pub warn_before_ms: i64,
}

impl Standing {
    pub fn measure(&self, m: Metric) -> Option<&Measure> {
        self.measures.iter().find(|x| x.metric == m)
    }

    /// The due time of a target still open (None: met, paused, or no target).
    pub fn due_at(&self, m: Metric) -> Option<i64> {
        self.measure(m).filter(|x| x.is_open()).and_then(|x| x.due_at)
    }

    /// The nearest due time still open (for sorting the inbox by time left); a missed one is in the past.
    pub fn next_due_at(&self) -> Option<i64> {
        self.measures.iter().filter(|x| x.is_open()).filter_map(|x| x.due_at).min()
    }

    /// Targets missed (met late, or due and not met).
    pub fn breached(&self) -> Vec<Metric> {
        self.measures.iter().filter(|x| x.state == State::Breached).map(|x| x.metric).collect()
    }

    /// Targets not met yet that are due within the policy's warning time.
    pub fn warnings(&self) -> Vec<Metric> {
        self.measures.iter().filter(|x| x.state == State::Warning).map(|x| x.metric).collect()
    }

    /// The next moment after `now` at which a target starts warning or is missed (None: nothing
    /// will happen until the ticket changes).
    pub fn next_change_after(&self, now: i64) -> Option<i64> {
        self.measures
            .iter()
            .filter(|x| x.is_open())
            .filter_map(|x| Some((x.due_at?, x.warn_at(self.warn_before_ms)?)))
            .flat_map(|(due, warn)| [warn, due + 1])
            .filter(|t| *t > now)
            .min()
    }
}

/// Where a ticket stands at `now` under a policy and its calendar. A met target keeps its due
/// time (it tells whether it was met late); a missed one stays breached.
pub fn standing(policy: &Policy, calendar: &Calendar, t: &TicketTimes, now: i64) -> Standing {
    let mut out = Standing { measures: Vec::new(), warn_before_ms: policy.warn_before_ms };
    let mut judge = |metric: Metric, from: i64, met_at: Option<i64>| {
        let Some(target) = policy.target(metric, t.channel, t.priority) else { return };
        let (due_at, state) = match met_at {
            Some(met) => {
                // What happened after it was met does not move its due time (a ticket solved
                // stands paused from then on).
                let pauses: Vec<(i64, Option<i64>)> = t.pauses.iter().map(|&(s, e)| (s, Some(e.unwrap_or(s.max(met))))).collect();
                let due = calendar.due(from, target, &pauses);
                (due, if due.is_some_and(|d| met > d) { State::Breached } else { State::Met })
            }
            None => match calendar.due(from, target, &t.pauses) {
                Some(due) if now > due => (Some(due), State::Breached),
                Some(due) if due - now <= policy.warn_before_ms => (Some(due), State::Warning),
                Some(due) => (Some(due), State::Running),
                // Paused (or a calendar that never opens): no due time while it stands still.
                None => (None, State::Paused),
            },
        };
        out.measures.push(Measure { metric, started_at: from, due_at, met_at, state });
    };
    judge(Metric::FirstResponse, t.created_at, t.first_response_at.or(t.solved_at));
    if t.first_response_at.is_some() && t.solved_at.is_none() {
        if let Some(since) = t.awaiting_reply_since {
            judge(Metric::NextResponse, since, None);
        }
    }
    judge(Metric::Resolution, t.created_at, t.solved_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Hours;
    use chrono::{NaiveTime, Weekday};

    const H: i64 = 3_600_000;
    const MIN: i64 = 60_000;
    // Monday 23 November 2026, 08:00 UTC = 09:00 in Prague.
    const MON_9: i64 = 1_795_420_800_000;

    fn office() -> Calendar {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
        Calendar::new("Europe/Prague", &days.map(|day| Hours { day, start: t(9), end: t(17) }), []).unwrap()
    }

    fn policy() -> Policy {
        Policy {
            targets: vec![
                Target { first_response_ms: Some(8 * H), next_response_ms: Some(8 * H), resolution_ms: Some(24 * H), ..Default::default() },
                Target { channel: Some(Channel::Chat), first_response_ms: Some(MIN), ..Default::default() },
                Target { priority: Some(Priority::Urgent), resolution_ms: Some(4 * H), ..Default::default() },
                Target {
                    channel: Some(Channel::Chat),
                    priority: Some(Priority::Urgent),
                    first_response_ms: Some(30_000),
                    ..Default::default()
                },
            ],
            warn_before_ms: H,
            escalate: Escalate::Off,
        }
    }

    fn ticket(channel: Channel, priority: Priority) -> TicketTimes {
        TicketTimes {
            channel,
            priority,
            created_at: MON_9,
            first_response_at: None,
            awaiting_reply_since: None,
            solved_at: None,
            pauses: vec![],
        }
    }

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("8h"), Some(8 * H));
        assert_eq!(parse_duration("1h 30m"), Some(90 * MIN));
        assert_eq!(parse_duration("1m"), Some(MIN));
        for bad in ["", "8", "h", "8x", "-1h", "0m", "9000h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        for ms in [MIN, 8 * H, 90 * MIN, 24 * H] {
            assert_eq!(parse_duration(&duration_text(ms)), Some(ms));
        }
    }

    #[test]
    fn the_most_specific_target_wins() {
        let p = policy();
        assert_eq!(p.target(Metric::FirstResponse, Channel::Email, Priority::Normal), Some(8 * H));
        assert_eq!(p.target(Metric::FirstResponse, Channel::Chat, Priority::Normal), Some(MIN));
        assert_eq!(p.target(Metric::FirstResponse, Channel::Chat, Priority::Urgent), Some(30_000));
        assert_eq!(p.target(Metric::Resolution, Channel::Chat, Priority::Urgent), Some(4 * H));
        assert_eq!(p.target(Metric::Resolution, Channel::Email, Priority::Low), Some(24 * H));
    }

    #[test]
    fn due_times_warnings_and_breaches() {
        let (p, c) = (policy(), office());
        let t = ticket(Channel::Email, Priority::Normal);
        // Eight business hours: Monday 17:00; resolution in three working days: Wednesday 17:00.
        let s = standing(&p, &c, &t, MON_9 + H);
        assert_eq!(s.due_at(Metric::FirstResponse), Some(MON_9 + 8 * H));
        assert_eq!(s.due_at(Metric::Resolution), Some(MON_9 + 56 * H));
        assert!(s.breached().is_empty() && s.warnings().is_empty());
        assert_eq!(s.next_due_at(), Some(MON_9 + 8 * H));
        // An hour before: a warning; after: breached.
        assert_eq!(standing(&p, &c, &t, MON_9 + 7 * H + 30 * MIN).warnings(), vec![Metric::FirstResponse]);
        assert_eq!(standing(&p, &c, &t, MON_9 + 8 * H + 1).breached(), vec![Metric::FirstResponse]);
        // Answered in time: the target is met and its due time gone; answered late: breached.
        let answered = TicketTimes { first_response_at: Some(MON_9 + 2 * H), ..t.clone() };
        let s = standing(&p, &c, &answered, MON_9 + 30 * H);
        assert_eq!((s.due_at(Metric::FirstResponse), s.breached()), (None, vec![]));
        let late = TicketTimes { first_response_at: Some(MON_9 + 9 * H), ..t.clone() };
        assert_eq!(standing(&p, &c, &late, MON_9 + 30 * H).breached(), vec![Metric::FirstResponse]);
        // The customer wrote again on Tuesday 10:00: the next response is due by Wednesday 10:00.
        let again = TicketTimes { awaiting_reply_since: Some(MON_9 + 25 * H), ..answered };
        assert_eq!(standing(&p, &c, &again, MON_9 + 26 * H).due_at(Metric::NextResponse), Some(MON_9 + 49 * H));
    }

    #[test]
    fn waiting_on_the_customer_stops_the_clock() {
        let (p, c) = (policy(), office());
        let answered = TicketTimes { first_response_at: Some(MON_9 + H), ..ticket(Channel::Email, Priority::Urgent) };
        // Urgent: resolved within 4 business hours, Monday 13:00 — unless pending meanwhile.
        assert_eq!(standing(&p, &c, &answered, MON_9 + 2 * H).due_at(Metric::Resolution), Some(MON_9 + 4 * H));
        let pending = TicketTimes { pauses: vec![(MON_9 + H, None)], ..answered.clone() };
        let s = standing(&p, &c, &pending, MON_9 + 30 * H);
        assert_eq!((s.due_at(Metric::Resolution), s.breached()), (None, vec![]));
        // Pending from 10:00 to 15:00 Monday: due Monday 18:00 → past closing, Tuesday 10:00.
        let resumed = TicketTimes { pauses: vec![(MON_9 + H, Some(MON_9 + 6 * H))], ..answered };
        assert_eq!(standing(&p, &c, &resumed, MON_9 + 6 * H).due_at(Metric::Resolution), Some(MON_9 + 25 * H));
        // Chat's first response is due within a minute of business time.
        let chat = ticket(Channel::Chat, Priority::Normal);
        assert_eq!(standing(&p, &c, &chat, MON_9 + MIN + 1).breached(), vec![Metric::FirstResponse]);
    }

    #[test]
    fn the_next_moment_to_look_again() {
        let (p, c) = (policy(), office());
        let t = ticket(Channel::Email, Priority::Normal);
        // First response due Monday 17:00 warns at 16:00; at 16:30 the next moment is its breach.
        assert_eq!(standing(&p, &c, &t, MON_9).next_change_after(MON_9), Some(MON_9 + 7 * H));
        assert_eq!(standing(&p, &c, &t, MON_9 + 7 * H + 30 * MIN).next_change_after(MON_9 + 7 * H + 30 * MIN), Some(MON_9 + 8 * H + 1));
        // Past it: the resolution's warning (Wednesday 16:00) is next.
        let late = MON_9 + 9 * H;
        assert_eq!(standing(&p, &c, &t, late).next_change_after(late), Some(MON_9 + 55 * H));
        // Paused: nothing happens until the ticket changes.
        let pending = TicketTimes { first_response_at: Some(MON_9 + H), pauses: vec![(MON_9 + H, None)], ..t };
        assert_eq!(standing(&p, &c, &pending, late).next_change_after(late), None);
    }

    #[test]
    fn a_solved_ticket_keeps_its_verdict_and_a_reopened_one_resumes() {
        let (p, c) = (policy(), office());
        let t = TicketTimes { first_response_at: Some(MON_9 + H), ..ticket(Channel::Email, Priority::Normal) };
        // Solved Monday 12:00 and standing solved since (an open pause): met, its due time kept.
        let solved = TicketTimes { solved_at: Some(MON_9 + 3 * H), pauses: vec![(MON_9 + 3 * H, None)], ..t.clone() };
        let s = standing(&p, &c, &solved, MON_9 + 200 * H);
        let r = *s.measure(Metric::Resolution).unwrap();
        assert_eq!((r.state, r.due_at, r.met_at), (State::Met, Some(MON_9 + 56 * H), Some(MON_9 + 3 * H)));
        assert_eq!((s.next_due_at(), s.next_change_after(MON_9 + 200 * H)), (None, None));
        // Reopened on Tuesday 12:00: the day it stood solved does not count.
        let reopened = TicketTimes { pauses: vec![(MON_9 + 3 * H, Some(MON_9 + 27 * H))], ..t };
        assert_eq!(standing(&p, &c, &reopened, MON_9 + 27 * H).due_at(Metric::Resolution), Some(MON_9 + 80 * H));
    }
}
