//! Business hours: when a support team works — weekly hours in its time zone, minus holidays —
//! and how much working time lies between two instants or after one. The clock of SLA targets
//! ("first response within 8 business hours", paused while the ticket waits on the customer) and
//! of agents' shifts.
//!
//! Times are ms since the epoch (UTC), like every time in podpora; the calendar turns them into
//! local dates and times through the IANA time-zone database (chrono-tz), so a working day keeps
//! its local hours across daylight-saving changes: 9:00–17:00 is eight hours on the day the clocks
//! go forward too, and a 24-hour day has 23 or 25 hours then. Working hours may cross midnight
//! (Monday 22:00–06:00 is Monday 22:00–24:00 and Tuesday 0:00–6:00); a holiday closes the working
//! hours that fall on its date.
//! Public holidays of Czechia, Poland and Russia are ready to pick (`public_holidays`), and the
//! list stays editable: it is just dates.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeSet;

const DAY_MINUTES: u16 = 24 * 60;
/// How far ahead a due time is looked for: past this a calendar counts as never open.
const HORIZON_DAYS: i64 = 3 * 366;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone '{0}' (use an IANA name such as Europe/Prague)")]
    TimeZone(String),
    #[error("a working interval starts and ends at the same time ({0})")]
    Empty(String),
    #[error("working hours '{0}' are not like 'mon-fri 09:00-17:00, sat 10:00-14:00'")]
    Hours(String),
    #[error("a holiday line '{0}' does not start with a date like 2026-12-24")]
    Holiday(String),
}

/// Reads weekly hours written as people write them: entries separated by commas, semicolons or
/// lines, each days (`mon`, `mon-fri`, `sat-sun`; English three-letter names) and a time range
/// (`09:00-17:00`; `22:00-06:00` runs past midnight). Empty text: no hours.
pub fn parse_week(text: &str) -> Result<Vec<Hours>, CalendarError> {
    let day = |s: &str| -> Option<u8> {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().position(|d| s.eq_ignore_ascii_case(d)).map(|i| i as u8)
    };
    let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok().or_else(|| (s.trim() == "24:00").then(NaiveTime::default));
    let mut out = Vec::new();
    for entry in text.split([',', ';', '\n']).map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || CalendarError::Hours(entry.chars().take(60).collect());
        let (days, range) = entry.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (first, last) = days.split_once('-').unwrap_or((days, days));
        let (first, last) = (day(first).ok_or_else(bad)?, day(last).ok_or_else(bad)?);
        let (start, end) = range.trim().split_once('-').ok_or_else(bad)?;
        let (start, end) = (time(start).ok_or_else(bad)?, time(end).ok_or_else(bad)?);
        // (`fri-mon` wraps over the weekend.)
        let mut d = first;
        loop {
            out.push(Hours { day: Weekday::try_from(d).map_err(|_| bad())?, start, end });
            if d == last {
                break;
            }
            d = (d + 1) % 7;
        }
    }
    Ok(out)
}

/// One weekly working interval as given: a weekday, a local start and end. An end at or before
/// the start means the interval runs past midnight into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub day: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    tz: Tz,
    /// Working intervals per weekday (Monday first) in minutes since local midnight, `[start, end)`,
    /// sorted and merged; `end` may be 1440 (midnight at the end of the day).
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

fn minutes(t: NaiveTime) -> u16 {
    (t.num_seconds_from_midnight() / 60) as u16
}

impl Calendar {
    pub fn new(time_zone: &str, hours: &[Hours], holidays: impl IntoIterator<Item = NaiveDate>) -> Result<Calendar, CalendarError> {
        let tz: Tz = time_zone.parse().map_err(|_| CalendarError::TimeZone(time_zone.to_string()))?;
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for h in hours {
            let (s, e) = (minutes(h.start), minutes(h.end));
            let d = h.day.num_days_from_monday() as usize;
            match s.cmp(&e) {
                std::cmp::Ordering::Less => week[d].push((s, e)),
                std::cmp::Ordering::Equal if s == 0 => week[d].push((0, DAY_MINUTES)),
                std::cmp::Ordering::Equal => return Err(CalendarError::Empty(format!("{:?} {}", h.day, h.start))),
                // Past midnight: the rest of this day and the start of the next.
                std::cmp::Ordering::Greater => {
                    week[d].push((s, DAY_MINUTES));
                    if e > 0 {
                        week[(d + 1) % 7].push((0, e));
                    }
                }
            }
        }
        for day in &mut week {
            day.sort_unstable();
            let mut merged: Vec<(u16, u16)> = Vec::with_capacity(day.len());
            for &(s, e) in day.iter() {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            *day = merged;
        }
        Ok(Calendar { tz, week, holidays: holidays.into_iter().collect() })
    }

    /// A calendar as an admin writes it: a zone, weekly hours (`parse_week`) and holidays
    /// (`parse_holidays`).
    pub fn from_text(time_zone: &str, week: &str, holidays: &str) -> Result<Calendar, CalendarError> {
        let days = parse_holidays(holidays)?;
        Calendar::new(time_zone.trim(), &parse_week(week)?, days.into_iter().map(|(d, _)| d))
    }

    /// The weekly hours in words of `lang`, days with the same hours together: "Monday–Friday
    /// 09:00–17:00; Saturday 10:00–14:00 (Europe/Prague)". Holidays are not listed.
    pub fn describe_week(&self, lang: crate::Lang) -> String {
        let day = |d: usize| crate::i18n::t(lang, &format!("weekday-{}", d + 1));
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let mut groups: Vec<String> = Vec::new();
        let mut d = 0;
        while d < 7 {
            if self.week[d].is_empty() {
                d += 1;
                continue;
            }
            let mut last = d;
            while last + 1 < 7 && self.week[last + 1] == self.week[d] {
                last += 1;
            }
            let days = if last == d { day(d) } else { format!("{}–{}", day(d), day(last)) };
            let hours: Vec<String> = self.week[d].iter().map(|(s, e)| format!("{}–{}", hm(*s), hm(*e))).collect();
            groups.push(format!("{days} {}", hours.join(", ")));
            d = last + 1;
        }
        format!("{} ({})", groups.join("; "), self.tz.name())
    }

    /// Open around the clock, every day, in UTC.
    pub fn always() -> Calendar {
        Calendar { tz: chrono_tz::UTC, week: std::array::from_fn(|_| vec![(0, DAY_MINUTES)]), holidays: BTreeSet::new() }
    }

    pub fn time_zone(&self) -> &str {
        self.tz.name()
    }

    pub fn holidays(&self) -> impl Iterator<Item = &NaiveDate> {
        self.holidays.iter()
    }

    /// The local date and time of an instant in the calendar's zone.
    pub fn local(&self, at_ms: i64) -> NaiveDateTime {
        self.tz.timestamp_millis_opt(at_ms).single().map(|t| t.naive_local()).unwrap_or_default()
    }

    /// The local date of an instant in the calendar's zone.
    pub fn local_date(&self, at_ms: i64) -> NaiveDate {
        self.tz.timestamp_millis_opt(at_ms).single().map(|t| t.date_naive()).unwrap_or_default()
    }

    /// A local date and time as an instant: a time that does not exist (the hour skipped when
    /// clocks go forward) counts from the moment after the gap; a time that exists twice (the hour
    /// repeated when they go back) as its first (`late` false) or second occurrence.
    fn instant(&self, local: NaiveDateTime, late: bool) -> i64 {
        let mut t = local;
        for _ in 0..=180 {
            match self.tz.from_local_datetime(&t) {
                LocalResult::Single(x) => return x.timestamp_millis(),
                LocalResult::Ambiguous(a, b) => return if late { b } else { a }.timestamp_millis(),
                LocalResult::None => t += Duration::minutes(1),
            }
        }
        local.and_utc().timestamp_millis()
    }

    /// The working intervals (UTC ms, `[start, end)`) of one local date, in order.
    fn day_intervals(&self, date: NaiveDate) -> impl Iterator<Item = (i64, i64)> + '_ {
        let open = !self.holidays.contains(&date);
        let day = &self.week[date.weekday().num_days_from_monday() as usize];
        day.iter().filter(move |_| open).map(move |&(s, e)| {
            let at = |m: u16| date.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(i64::from(m));
            (self.instant(at(s), false), self.instant(at(e), true))
        })
    }

    /// Working intervals from the local date of `from_ms` on (and the day before, whose interval
    /// may reach into it), in order, for at most `days` days.
    fn intervals_from(&self, from_ms: i64, days: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        let first = self.local_date(from_ms) - Duration::days(1);
        (0..days + 1).flat_map(move |i| self.day_intervals(first + Duration::days(i)))
    }

    /// Working time (ms) between two instants.
    pub fn business_ms(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        // (Every local date from the one before `from_ms` up to that of `to_ms`.)
        let days = (self.local_date(to_ms) - self.local_date(from_ms)).num_days() + 1;
        self.intervals_from(from_ms, days).map(|(s, e)| (e.min(to_ms) - s.max(from_ms)).max(0)).sum()
    }

    pub fn is_open(&self, at_ms: i64) -> bool {
        self.intervals_from(at_ms, 1).any(|(s, e)| s <= at_ms && at_ms < e)
    }

    /// The instant at which `ms` of working time have passed after `from_ms` (with 0: the first
    /// working instant at or after it). None when the calendar is never open (within three years).
    pub fn add(&self, from_ms: i64, ms: i64) -> Option<i64> {
        let mut left = ms.max(0);
        for (s, e) in self.intervals_from(from_ms, HORIZON_DAYS) {
            let s = s.max(from_ms);
            if e <= s {
                continue;
            }
            if left == 0 || e - s >= left {
                return Some(s + left);
            }
            left -= e - s;
        }
        None
    }

    /// Working time between two instants that was not paused. `pauses` are `[start, end)`
    /// intervals (an open one — still paused — with `end` None); they may overlap.
    pub fn business_ms_unpaused(&self, from_ms: i64, to_ms: i64, pauses: &[(i64, Option<i64>)]) -> i64 {
        let total = self.business_ms(from_ms, to_ms);
        let paused: i64 = merge(pauses, to_ms).iter().map(|&(s, e)| self.business_ms(s.max(from_ms), e.min(to_ms))).sum();
        total - paused
    }

    /// When `target_ms` of unpaused working time after `from_ms` are reached; None while the
    /// clock is paused (an open pause) or when the calendar is never open.
    pub fn due(&self, from_ms: i64, target_ms: i64, pauses: &[(i64, Option<i64>)]) -> Option<i64> {
        if pauses.iter().any(|(_, end)| end.is_none()) {
            return None;
        }
        let holes = merge(pauses, i64::MAX);
        let mut left = target_ms.max(0);
        // The working intervals with the pauses cut out, in order, until enough time is found.
        for (s, e) in self.intervals_from(from_ms, HORIZON_DAYS) {
            let start = s.max(from_ms);
            let mut cur = start;
            for &(hs, he) in holes.iter().filter(|(hs, he)| *he > start && *hs < e) {
                if hs > cur {
                    let seg = hs - cur;
                    if seg >= left {
                        return Some(cur + left);
                    }
                    left -= seg;
                }
                cur = cur.max(he);
            }
            if cur < e {
                if e - cur >= left {
                    return Some(cur + left);
                }
                left -= e - cur;
            }
        }
        None
    }
}

/// Pauses sorted and merged, open ones closed at `until`.
fn merge(pauses: &[(i64, Option<i64>)], until: i64) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = pauses.iter().map(|&(s, e)| (s, e.unwrap_or(until).max(s))).collect();
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Reads holidays written one per line: a date (`2026-12-24`) and optionally its name. Empty
/// lines are skipped; the dates come out sorted, each once.
pub fn parse_holidays(text: &str) -> Result<Vec<(NaiveDate, String)>, CalendarError> {
    let mut out: Vec<(NaiveDate, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (date, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| CalendarError::Holiday(line.chars().take(60).collect()))?;
        if !out.iter().any(|(d, _)| *d == date) {
            out.push((date, name.trim().to_string()));
        }
    }
    out.sort();
    Ok(out)
}

/// Holidays as `parse_holidays` reads them.
pub fn holidays_text(days: &[(NaiveDate, String)]) -> String {
    days.iter().map(|(d, name)| if name.is_empty() { d.to_string() } else { format!("{d} {name}") }).collect::<Vec<_>>().join("\n")
}

/// Countries whose public holidays are ready to pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    Cz,
    Pl,
    Ru,
}

impl std::str::FromStr for Country {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Country, CalendarError> {
        match s.to_ascii_lowercase().as_str() {
            "cz" => Ok(Country::Cz),
            "pl" => Ok(Country::Pl),
            "ru" => Ok(Country::Ru),
            _ => Err(CalendarError::Holiday(s.chars().take(20).collect())),
        }
    }
}

/// Easter Sunday (Gregorian) of a year: the anonymous Gregorian computus (Meeus/Jones/Butcher).
/// (Written out: it is a dozen lines of arithmetic, not worth a dependency.)
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// Whether `name` is an IANA time zone.
pub fn is_zone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

/// The IANA time zones a calendar can be in, by name.
pub fn zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
}

impl Country {
    pub const ALL: &'static [Country] = &[Country::Cz, Country::Pl, Country::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Country::Cz => "cz",
            Country::Pl => "pl",
            Country::Ru => "ru",
        }
    }
}

/// A country's public holidays in a year, with their names. Russia's moved days off, set by
/// decree each year, are not known in advance: add them by hand.
pub fn public_holidays(country: Country, year: i32) -> Vec<(NaiveDate, &'static str)> {
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(year, m, day).unwrap_or_default();
    let e = easter(year);
    let mut v = match country {
        Country::Cz => vec![
            (d(1, 1), "Restoration Day of the Independent Czech State; New Year's Day"),
            (e - Duration::days(2), "Good Friday"),
            (e + Duration::days(1), "Easter Monday"),
            (d(5, 1), "Labour Day"),
            (d(5, 8), "Liberation Day"),
            (d(7, 5), "Saints Cyril and Methodius Day"),
            (d(7, 6), "Jan Hus Day"),
            (d(9, 28), "St. Wenceslas Day"),
            (d(10, 28), "Independent Czechoslovak State Day"),
            (d(11, 17), "Struggle for Freedom and Democracy Day"),
            (d(12, 24), "Christmas Eve"),
            (d(12, 25), "Christmas Day"),
            (d(12, 26), "St. Stephen's Day"),
        ],
        Country::Pl => {
            let mut v = vec![
                (d(1, 1), "New Year's Day"),
                (d(1, 6), "Epiphany"),
                (e, "Easter Sunday"),
                (e + Duration::days(1), "Easter Monday"),
                (d(5, 1), "Labour Day"),
                (d(5, 3), "Constitution Day"),
                (e + Duration::days(49), "Pentecost Sunday"),
                (e + Duration::days(60), "Corpus Christi"),
                (d(8, 15), "Assumption Day"),
                (d(11, 1), "All Saints' Day"),
                (d(11, 11), "Independence Day"),
                (d(12, 25), "Christmas Day"),
                (d(12, 26), "Second Day of Christmas"),
            ];
            if year >= 2025 {
                v.push((d(12, 24), "Christmas Eve"));
            }
            v
        }
        Country::Ru => {
            let mut v: Vec<(NaiveDate, &'static str)> = (1..=6).map(|day| (d(1, day), "New Year Holidays")).collect();
            v.extend([
                (d(1, 7), "Orthodox Christmas"),
                (d(1, 8), "New Year Holidays"),
                (d(2, 23), "Defender of the Fatherland Day"),
                (d(3, 8), "International Women's Day"),
                (d(5, 1), "Spring and Labour Day"),
                (d(5, 9), "Victory Day"),
                (d(6, 12), "Russia Day"),
                (d(11, 4), "Unity Day"),
            ]);
            v
        }
    };
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000;

    fn at(cal: &Calendar, local: &str) -> i64 {
        cal.instant(NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap(), false)
    }

    fn hours(days: &[Weekday], start: &str, end: &str) -> Vec<Hours> {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        days.iter().map(|&day| Hours { day, start: t(start), end: t(end) }).collect()
    }

    const WEEK: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    const ALL: [Weekday; 7] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

    fn office(tz: &str) -> Calendar {
        Calendar::new(tz, &hours(&WEEK, "09:00", "17:00"), public_holidays(Country::Cz, 2026).into_iter().map(|(d, _)| d)).unwrap()
    }

    #[test]
    fn a_working_week() {
        let c = office("Europe/Prague");
        // Friday 16:00 + 2 business hours = Monday 10:00.
        assert_eq!(c.add(at(&c, "2026-11-20 16:00"), 2 * H), Some(at(&c, "2026-11-23 10:00")));
        // Received on Saturday: the clock starts on Monday at 9:00.
        assert_eq!(c.add(at(&c, "2026-11-21 12:00"), 0), Some(at(&c, "2026-11-23 09:00")));
        assert_eq!(c.business_ms(at(&c, "2026-11-20 16:00"), at(&c, "2026-11-23 10:00")), 2 * H);
        assert!(c.is_open(at(&c, "2026-11-23 09:00")) && !c.is_open(at(&c, "2026-11-23 17:00")));
        // 17 November is a Czech holiday (a Tuesday in 2026): Monday 16:00 + 2 h = Wednesday 10:00.
        assert_eq!(c.add(at(&c, "2026-11-16 16:00"), 2 * H), Some(at(&c, "2026-11-18 10:00")));
        // Christmas: 24–26 December closed; 23 Dec 16:00 + 2 h = 28 Dec (Monday) 10:00.
        assert_eq!(c.add(at(&c, "2026-12-23 16:00"), 2 * H), Some(at(&c, "2026-12-28 10:00")));
    }

    #[test]
    fn daylight_saving_changes_keep_local_hours() {
        // Europe/Prague: clocks forward on Sunday 29 March 2026 at 2:00, back on 25 October at 3:00.
        for day in ["2026-03-29", "2026-10-25"] {
            let c = Calendar::new("Europe/Prague", &hours(&ALL, "09:00", "17:00"), []).unwrap();
            let (s, e) = (at(&c, &format!("{day} 00:00")), at(&c, &format!("{day} 23:59")) + 60_000);
            assert_eq!(c.business_ms(s, e), 8 * H, "{day}: 9–17 is eight hours");
            // Around the clock, the day has 23 or 25 hours.
            let c = Calendar::new("Europe/Prague", &hours(&ALL, "00:00", "00:00"), []).unwrap();
            let expected = if day.contains("-03-") { 23 * H } else { 25 * H };
            assert_eq!(c.business_ms(s, e), expected, "{day}");
        }
        // Moscow has kept UTC+3 since 2014: a working day is eight hours all year.
        let c = Calendar::new("Europe/Moscow", &hours(&WEEK, "10:00", "18:00"), []).unwrap();
        assert_eq!(c.business_ms(at(&c, "2026-03-30 00:00"), at(&c, "2026-03-31 00:00")), 8 * H);
        assert_eq!(at(&c, "2026-07-01 10:00") - at(&c, "2026-07-01 00:00"), 10 * H);
        // A shift that starts inside the skipped hour starts when the clocks have moved on.
        let c = Calendar::new("Europe/Prague", &hours(&[Weekday::Sun], "02:30", "06:00"), []).unwrap();
        assert_eq!(c.business_ms(at(&c, "2026-03-29 00:00"), at(&c, "2026-03-30 00:00")), 3 * H);
    }

    #[test]
    fn hours_across_midnight() {
        let c = Calendar::new("Europe/Warsaw", &hours(&WEEK, "22:00", "06:00"), []).unwrap();
        // Monday night: 22:00–06:00 is eight hours, belonging to Monday.
        assert_eq!(c.business_ms(at(&c, "2026-11-23 12:00"), at(&c, "2026-11-24 12:00")), 8 * H);
        assert!(c.is_open(at(&c, "2026-11-24 03:00")));
        // Friday's night shift runs into Saturday morning; nothing starts on Saturday.
        assert!(c.is_open(at(&c, "2026-11-28 05:00")) && !c.is_open(at(&c, "2026-11-28 23:00")));
        // A holiday (Wednesday 11 November) closes the hours on its date: Tuesday night's shift
        // ends at midnight, Wednesday's does not start; Thursday 0:00–6:00 is open.
        let c = Calendar::new("Europe/Warsaw", &hours(&WEEK, "22:00", "06:00"), [NaiveDate::from_ymd_opt(2026, 11, 11).unwrap()]).unwrap();
        assert_eq!(c.business_ms(at(&c, "2026-11-10 12:00"), at(&c, "2026-11-12 12:00")), 2 * H + 6 * H);
    }

    #[test]
    fn pauses_stop_the_clock() {
        let c = office("Europe/Prague");
        let start = at(&c, "2026-11-23 09:00");
        // Eight business hours: Monday 17:00 without pauses.
        assert_eq!(c.due(start, 8 * H, &[]), Some(at(&c, "2026-11-23 17:00")));
        // Pending on the customer from 10:00 to 13:00: three hours later.
        let pause = [(at(&c, "2026-11-23 10:00"), Some(at(&c, "2026-11-23 13:00")))];
        assert_eq!(c.due(start, 8 * H, &pause), Some(at(&c, "2026-11-24 12:00")));
        assert_eq!(c.business_ms_unpaused(start, at(&c, "2026-11-23 17:00"), &pause), 5 * H);
        // Still pending: no due time.
        assert_eq!(c.due(start, 8 * H, &[(at(&c, "2026-11-23 10:00"), None)]), None);
        // A calendar that is never open has no due time either.
        let closed = Calendar::new("UTC", &[], []).unwrap();
        assert_eq!(closed.add(0, H), None);
    }

    #[test]
    fn weekly_hours_as_written() {
        let h = parse_week("mon-fri 09:00-17:00, sat 10:00-14:00\nfri-mon 22:00-06:00").unwrap();
        assert_eq!(h.len(), 5 + 1 + 4);
        assert_eq!(
            h[5],
            Hours { day: Weekday::Sat, start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(14, 0, 0).unwrap() }
        );
        assert_eq!(h[6].day, Weekday::Fri);
        assert_eq!(h[9].day, Weekday::Mon);
        assert!(parse_week("").unwrap().is_empty());
        assert_eq!(parse_week("sun 00:00-24:00").unwrap()[0].end, NaiveTime::default());
        for bad in ["monday 9-17", "mon 09:00", "xyz 09:00-10:00", "mon-fri 9am-5pm"] {
            assert!(matches!(parse_week(bad), Err(CalendarError::Hours(_))), "{bad}");
        }
    }

    #[test]
    fn holidays_and_easter() {
        assert_eq!(easter(2026), NaiveDate::from_ymd_opt(2026, 4, 5).unwrap());
        assert_eq!(easter(2027), NaiveDate::from_ymd_opt(2027, 3, 28).unwrap());
        assert_eq!(easter(2000), NaiveDate::from_ymd_opt(2000, 4, 23).unwrap());
        let cz = public_holidays(Country::Cz, 2026);
        assert!(cz.contains(&(NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(), "Good Friday")));
        assert_eq!(cz.len(), 13);
        let pl = public_holidays(Country::Pl, 2026);
        assert!(pl.contains(&(NaiveDate::from_ymd_opt(2026, 6, 4).unwrap(), "Corpus Christi")));
        assert!(pl.iter().any(|(d, _)| *d == NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()));
        assert_eq!(public_holidays(Country::Ru, 2026).len(), 14);
        assert!(matches!(Calendar::new("Mars/Olympus", &[], []), Err(CalendarError::TimeZone(_))));
    }

    #[test]
    fn holidays_read_as_written() {
        let text = "2026-12-25 Christmas Day\n\n 2026-12-24 Christmas Eve \n2026-12-24 twice\n2027-01-01";
        let days = parse_holidays(text).unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(if m == 1 { 2027 } else { 2026 }, m, day).unwrap();
        assert_eq!(days, vec![(d(12, 24), "Christmas Eve".to_string()), (d(12, 25), "Christmas Day".into()), (d(1, 1), String::new())]);
        assert_eq!(parse_holidays(&holidays_text(&days)).unwrap(), days);
        assert!(matches!(parse_holidays("24.12.2026 Štědrý den"), Err(CalendarError::Holiday(_))));
        assert_eq!("CZ".parse::<Country>(), Ok(Country::Cz));
    }

    #[test]
    fn weeks_in_words() {
        let c = Calendar::from_text("Europe/Prague", "mon-fri 09:00-17:00, sat 10:00-14:00", "").unwrap();
        assert_eq!(c.describe_week(crate::Lang::En), "Monday–Friday 09:00–17:00; Saturday 10:00–14:00 (Europe/Prague)");
        assert_eq!(c.describe_week(crate::Lang::Cs), "pondělí–pátek 09:00–17:00; sobota 10:00–14:00 (Europe/Prague)");
        let split = Calendar::from_text("UTC", "mon 08:00-12:00, mon 13:00-17:00, wed 09:00-10:00", "").unwrap();
        assert_eq!(split.describe_week(crate::Lang::En), "Monday 08:00–12:00, 13:00–17:00; Wednesday 09:00–10:00 (UTC)");
    }

    fn calendars() -> impl Strategy<Value = Calendar> {
        let zones = prop::sample::select(vec!["Europe/Prague", "Europe/Moscow", "Europe/Warsaw", "America/New_York", "UTC"]);
        let interval = (0u32..7, 0u32..48, 1u32..48).prop_map(|(d, s, len)| {
            let start = NaiveTime::from_hms_opt(s / 2, (s % 2) * 30, 0).unwrap();
            let end = start + Duration::minutes(i64::from(len) * 30);
            Hours { day: Weekday::try_from(d as u8).unwrap(), start, end }
        });
        let holidays = prop::collection::vec(0i64..730, 0..20)
            .prop_map(|v| v.into_iter().map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d)).collect::<Vec<_>>());
        (zones, prop::collection::vec(interval, 1..6), holidays).prop_map(|(z, h, hol)| Calendar::new(z, &h, hol).unwrap())
    }

    // Instants across 2026–2027, both DST changes included.
    const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    const SPAN: i64 = 2 * 365 * 86_400_000;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Adding working time and measuring it back agree, across DST changes and holidays.
        #[test]
        fn add_and_measure_agree(c in calendars(), from in 0..SPAN, ms in 0i64..(200 * H)) {
            let from = T0 + from;
            if let Some(due) = c.add(from, ms) {
                prop_assert!(due >= from);
                prop_assert_eq!(c.business_ms(from, due), ms);
                // The due time of a positive duration is a working instant or an interval's end.
                if ms > 0 {
                    prop_assert!(c.is_open(due - 1));
                }
            }
        }

        /// Working time is additive and never more than the time itself.
        #[test]
        fn business_time_adds_up(c in calendars(), a in 0..SPAN, b in 0..(30 * 86_400_000i64), d in 0..(30 * 86_400_000i64)) {
            let (a, b, d) = (T0 + a, T0 + a + b, T0 + a + b + d);
            prop_assert_eq!(c.business_ms(a, d), c.business_ms(a, b) + c.business_ms(b, d));
            prop_assert!(c.business_ms(a, b) <= b - a);
        }

        /// A closed pause pushes the due time on by exactly the working time it covered.
        #[test]
        fn a_pause_costs_its_working_time(c in calendars(), from in 0..SPAN, ms in 1i64..(40 * H), p0 in 0i64..(20 * 86_400_000), plen in 0i64..(5 * 86_400_000)) {
            let from = T0 + from;
            let pause = (from + p0, Some(from + p0 + plen));
            if let (Some(plain), Some(paused)) = (c.due(from, ms, &[]), c.due(from, ms, &[pause])) {
                prop_assert!(paused >= plain);
                prop_assert_eq!(c.business_ms_unpaused(from, paused, &[pause]), ms);
            }
        }
    }
}
