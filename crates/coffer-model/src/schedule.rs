//! Cron schedules of flights: parsing (5 fields, or 6 with seconds first), time zones (UTC
//! unless one is given) and which tick is due, at most one however many were missed.
//!
//! # Expressions
//!
//! Standard 5-field cron (`minute hour day-of-month month day-of-week`, e.g. `0 * * * *`), or
//! 6 fields with seconds first (`*/5 * * * * *`). Names (`MON`, `JAN`), ranges, lists, steps
//! and croner's extensions (`L`, `W`, `#`) are accepted, as are the aliases `@hourly`,
//! `@daily`, `@weekly`, `@monthly`, `@yearly` and `@annually`. When both day-of-month and
//! day-of-week are restricted, either one matching is enough (Vixie cron). A 7th (year) field
//! is refused, and so is an expression that never fires.
//!
//! # Time zones
//!
//! An expression is read on the wall clock of its time zone (an IANA name such as
//! `Europe/Berlin`, UTC when none is given), so `0 9 * * *` in `Europe/Berlin` runs at 09:00
//! Berlin time in both winter (08:00 UTC) and summer (07:00 UTC). Daylight saving time follows
//! croner: a fixed time of day that falls into a spring-forward gap runs at the first instant
//! after the gap; a fixed time of day that is repeated when the clock falls back runs once,
//! at its first occurrence; interval expressions (`*/15 * * * *`) run on both occurrences of a
//! repeated wall clock time.
//!
//! # Times
//!
//! All times are Unix milliseconds. Ticks always fall on whole seconds. No function panics on
//! any input: times outside what the calendar code supports (before year 1 or after year
//! 5000) have no ticks.

use std::str::FromStr as _;

use chrono::{DateTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

use crate::error::{ModelError, Result};

/// The longest expression accepted; real ones are far shorter.
const MAX_EXPR_LEN: usize = 512;

/// How to write an expression, appended to every parse error.
const EXPR_HINT: &str = "use 5 fields: minute hour day-of-month month day-of-week, e.g. '0 * * * *'";

/// 4999-12-31T23:59:59Z: the latest start for croner's backward search.
const LAST_SEARCHABLE_MS: i64 = 95_617_583_999_000;

/// How many extra ticks [`Schedule::due`] walks forward when croner's backward search and its
/// forward search disagree (they should not; this only bounds the safety net).
const MAX_FORWARD_FIXUP: usize = 1_000;

/// A parsed cron schedule in a time zone.
///
/// - [`Schedule::next_after`] is the first tick strictly after a time: when to wake up next.
/// - [`Schedule::due`] is the latest tick in `(since, now]`: what to run now. A server that was
///   down across several ticks runs the flight once when it comes back (for the latest missed
///   tick), not once per missed tick.
#[derive(Debug, Clone)]
pub struct Schedule {
    expr: String,
    tz: Tz,
    cron: Cron,
}

fn schedule_error(reason: impl std::fmt::Display) -> ModelError {
    ModelError::InvalidFlight {
        field: "schedule".into(),
        input: Some("schedule"),
        hint: None,
        rule: format!("{reason}; {EXPR_HINT}"),
    }
}

fn parse_zone(tz: Option<&str>) -> Result<Tz> {
    match tz {
        None => Ok(Tz::UTC),
        Some(name) => Tz::from_str(name.trim()).map_err(|_| ModelError::InvalidFlight {
            field: "timezone".into(),
            input: Some("timezone"),
            hint: None,
            rule: format!("unknown time zone '{name}'; use an IANA name such as Europe/Berlin or UTC"),
        }),
    }
}

/// Whether plain days of month (no `L`/`W`, any weekday) fall in none of the months, such as
/// `30 2` (30 February).
fn impossible_day(cron: &Cron) -> bool {
    let p = &cron.pattern;
    if !p.is_dow_wildcard() || p.is_dom_wildcard() || p.days.has_modifiers() {
        return false;
    }
    let days = p.days.values();
    let months = p.months.values();
    let longest = |m: u16| match m {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    !months.iter().any(|&m| days.iter().any(|&d| d <= longest(m)))
}

impl Schedule {
    /// Parses `expr` in time zone `tz` (IANA name; UTC when `None`).
    ///
    /// # Errors
    /// [`ModelError::InvalidFlight`] naming `schedule` or `timezone` and the rule.
    pub fn parse(expr: &str, tz: Option<&str>) -> Result<Schedule> {
        let zone = parse_zone(tz)?;
        let trimmed = expr.trim();
        if trimmed.is_empty() {
            return Err(schedule_error("the schedule is empty"));
        }
        if trimmed.len() > MAX_EXPR_LEN {
            return Err(schedule_error(format!("longer than {MAX_EXPR_LEN} characters")));
        }
        let fields = trimmed.split_whitespace().count();
        if !trimmed.starts_with('@') && !(5..=6).contains(&fields) {
            return Err(schedule_error(format!("expected 5 or 6 fields, got {fields}")));
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(trimmed).map_err(schedule_error)?;
        let schedule = Schedule {
            expr: trimmed.to_string(),
            tz: zone,
            cron,
        };
        if impossible_day(&schedule.cron) {
            return Err(schedule_error("the schedule never fires (no month has that day)"));
        }
        // Without a year field the set of ticks repeats every 400 years (the Gregorian cycle),
        // so an expression with any tick at all has one in the 400 years after any start.
        // (croner searches on to the year 5000 before giving up; `impossible_day` answers the
        // common case, `0 0 30 2 *`, without that search.)
        let start = Utc
            .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
            .single()
            .map(|t| t.timestamp_millis());
        let fires = start.and_then(|s| schedule.next_after(s));
        if fires.is_none() {
            return Err(schedule_error("the schedule never fires (no date matches every field)"));
        }
        Ok(schedule)
    }

    /// The expression as given (trimmed).
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The schedule in words, with its time zone: "At 09:00 AM, Monday through Friday (UTC)".
    /// croner's own reading where cronspeak does not read an expression (croner's `L`, `W`, `#`
    /// and seconds).
    pub fn describe(&self) -> String {
        let words = cronspeak::describe(&self.expr).unwrap_or_else(|_| self.cron.describe());
        format!("{words} ({})", self.timezone_name())
    }

    /// The IANA name of the schedule's time zone (`UTC` when none was given).
    pub fn timezone_name(&self) -> &'static str {
        self.tz.name()
    }

    fn to_zoned(&self, ms: i64) -> Option<DateTime<Tz>> {
        DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&self.tz))
    }

    /// The first tick strictly after `after_ms` (Unix milliseconds), if any.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let mut from = after_ms;
        // croner answers a tick strictly after its start; the loop only guards the contract
        // `result > after_ms` should a search land on or before it.
        for _ in 0..4 {
            let start = self.to_zoned(from)?;
            let tick = self.cron.find_next_occurrence(&start, false).ok()?.timestamp_millis();
            if tick > after_ms {
                return Some(tick);
            }
            from = from.max(tick).checked_add(1)?;
        }
        None
    }

    /// The tick to run now: the latest tick `t` with `since_ms < t <= now_ms`, one even when
    /// several were missed; `None` when no tick fell in that window.
    ///
    /// `since_ms` is the last tick already handled (or when the schedule was set), `now_ms` the
    /// current time. A tick exactly at `since_ms` is not due again; a tick exactly at `now_ms`
    /// is. The cost does not depend on how long the window is: the latest tick is found by
    /// searching backwards from `now_ms` (croner jumps whole fields, so a yearly schedule
    /// missed for years costs a handful of steps), and then checked against the forward
    /// search, so `due` always agrees with [`Schedule::next_after`]: the answer `t` satisfies
    /// `next_after(since_ms) <= t` and `next_after(t) > now_ms`.
    pub fn due(&self, since_ms: i64, now_ms: i64) -> Option<i64> {
        if now_ms <= since_ms {
            return None;
        }
        let first = self.next_after(since_ms)?;
        if first > now_ms {
            return None;
        }
        // croner's calendar ends in the year 5000: search backwards from no later than the end
        // of 4999 (the forward walk below adds any tick after that point).
        let end = now_ms.min(LAST_SEARCHABLE_MS);
        let backward = self
            .to_zoned(end)
            .and_then(|now| self.cron.find_previous_occurrence(&now, true).ok())
            .map(|t| t.timestamp_millis())
            .filter(|&t| t >= first && t <= now_ms);
        let mut latest = backward.unwrap_or(first);
        // Safety net: walk forward from the candidate until the next tick is past `now_ms`.
        for _ in 0..MAX_FORWARD_FIXUP {
            match self.next_after(latest) {
                Some(next) if next <= now_ms => latest = next,
                _ => return Some(latest),
            }
        }
        Some(latest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_parse() {
        for alias in ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"] {
            assert!(Schedule::parse(alias, None).is_ok(), "{alias}");
        }
    }

    #[test]
    fn never_firing_is_refused() {
        let err = Schedule::parse("0 0 30 2 *", None).expect_err("feb 30");
        assert!(err.to_string().contains("never fires"), "{err}");
    }

    #[test]
    fn schedules_read_in_words_with_their_zone() {
        let s = Schedule::parse("0 9 * * 1-5", Some("Europe/Paris")).expect("parse");
        assert_eq!(s.describe(), "At 09:00 AM, Monday through Friday (Europe/Paris)");
        let s = Schedule::parse("*/15 * * * *", None).expect("parse");
        assert_eq!(s.describe(), "Every 15 minutes (UTC)");
        // croner's extensions, which cronspeak does not read, still get words.
        let s = Schedule::parse("0 0 L * *", None).expect("parse");
        assert!(
            s.describe().ends_with("(UTC)") && s.describe().len() > 10,
            "{}",
            s.describe()
        );
    }
}
