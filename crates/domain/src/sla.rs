//! Service-level targets and where a ticket stands against them: when its first response, its
//! next response (after the customer wrote again) and its resolution are due, in business time
//! of the policy's calendar, with the clock paused while the ticket waits on the customer; which
//! targets are breached, and which are about to be.
//!
//! A policy holds targets per channel and priority; the most specific one that sets a metric
//! wins (channel and priority, then channel, then priority, then the policy's default), so "chat:
//! first response 1 minute" and "urgent: resolution 4 hours" combine for an urgent chat.

use crate::calendar::Calendar;
use crate::{Channel, Priority};

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

/// Where a ticket stands against its targets at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Standing {
    pub first_response_due_at: Option<i64>,
    pub next_response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    /// Targets missed (met late, or due and not met).
    pub breached: Vec<Metric>,
    /// Targets not met yet that are due within the policy's warning time.
    pub warnings: Vec<Metric>,
}

impl Standing {
    /// The nearest due time still open (for sorting the inbox by time left).
    pub fn next_due_at(&self) -> Option<i64> {
        [self.first_response_due_at, self.next_response_due_at, self.resolution_due_at].into_iter().flatten().min()
    }
}

/// Where a ticket stands at `now` under a policy and its calendar. A due time is shown while its
/// target is open; a met target's due time is gone, a missed one stays breached.
pub fn standing(policy: &Policy, calendar: &Calendar, t: &TicketTimes, now: i64) -> Standing {
    let mut out = Standing::default();
    let mut judge = |m: Metric, from: i64, met_at: Option<i64>| -> Option<i64> {
        let target = policy.target(m, t.channel, t.priority)?;
        let due = calendar.due(from, target, &t.pauses);
        match (due, met_at) {
            (Some(due), Some(met)) => {
                if met > due {
                    out.breached.push(m);
                }
                None
            }
            (Some(due), None) => {
                if now > due {
                    out.breached.push(m);
                } else if due - now <= policy.warn_before_ms {
                    out.warnings.push(m);
                }
                Some(due)
            }
            // Paused (or a calendar that never opens): no due time while it stands still.
            (None, _) => None,
        }
    };
    out.first_response_due_at = judge(Metric::FirstResponse, t.created_at, t.first_response_at.or(t.solved_at));
    if t.first_response_at.is_some() && t.solved_at.is_none() {
        if let Some(since) = t.awaiting_reply_since {
            out.next_response_due_at = judge(Metric::NextResponse, since, None);
        }
    }
    out.resolution_due_at = judge(Metric::Resolution, t.created_at, t.solved_at);
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
        assert_eq!(s.first_response_due_at, Some(MON_9 + 8 * H));
        assert_eq!(s.resolution_due_at, Some(MON_9 + 56 * H));
        assert!(s.breached.is_empty() && s.warnings.is_empty());
        assert_eq!(s.next_due_at(), Some(MON_9 + 8 * H));
        // An hour before: a warning; after: breached.
        assert_eq!(standing(&p, &c, &t, MON_9 + 7 * H + 30 * MIN).warnings, vec![Metric::FirstResponse]);
        assert_eq!(standing(&p, &c, &t, MON_9 + 8 * H + 1).breached, vec![Metric::FirstResponse]);
        // Answered in time: the target is met and its due time gone; answered late: breached.
        let answered = TicketTimes { first_response_at: Some(MON_9 + 2 * H), ..t.clone() };
        let s = standing(&p, &c, &answered, MON_9 + 30 * H);
        assert_eq!((s.first_response_due_at, s.breached.clone()), (None, vec![]));
        let late = TicketTimes { first_response_at: Some(MON_9 + 9 * H), ..t.clone() };
        assert_eq!(standing(&p, &c, &late, MON_9 + 30 * H).breached, vec![Metric::FirstResponse]);
        // The customer wrote again on Tuesday 10:00: the next response is due by Wednesday 10:00.
        let again = TicketTimes { awaiting_reply_since: Some(MON_9 + 25 * H), ..answered };
        assert_eq!(standing(&p, &c, &again, MON_9 + 26 * H).next_response_due_at, Some(MON_9 + 49 * H));
    }

    #[test]
    fn waiting_on_the_customer_stops_the_clock() {
        let (p, c) = (policy(), office());
        let answered = TicketTimes { first_response_at: Some(MON_9 + H), ..ticket(Channel::Email, Priority::Urgent) };
        // Urgent: resolved within 4 business hours, Monday 13:00 — unless pending meanwhile.
        assert_eq!(standing(&p, &c, &answered, MON_9 + 2 * H).resolution_due_at, Some(MON_9 + 4 * H));
        let pending = TicketTimes { pauses: vec![(MON_9 + H, None)], ..answered.clone() };
        let s = standing(&p, &c, &pending, MON_9 + 30 * H);
        assert_eq!((s.resolution_due_at, s.breached.clone()), (None, vec![]));
        // Pending from 10:00 to 15:00 Monday: due Monday 18:00 → past closing, Tuesday 10:00.
        let resumed = TicketTimes { pauses: vec![(MON_9 + H, Some(MON_9 + 6 * H))], ..answered };
        assert_eq!(standing(&p, &c, &resumed, MON_9 + 6 * H).resolution_due_at, Some(MON_9 + 25 * H));
        // Chat's first response is due within a minute of business time.
        let chat = ticket(Channel::Chat, Priority::Normal);
        assert_eq!(standing(&p, &c, &chat, MON_9 + MIN + 1).breached, vec![Metric::FirstResponse]);
    }
}
