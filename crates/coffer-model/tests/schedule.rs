//! Cron schedules: next tick, the one due tick after downtime, seconds, time zones and errors.
//! The clock is explicit: every time is a Unix millisecond timestamp built from a UTC date.

use chrono::{TimeZone as _, Utc};
use coffer_model::schedule::Schedule;
use coffer_model::ModelError;
use proptest::prelude::*;

/// Unix milliseconds of a UTC wall clock time.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("valid UTC time")
        .timestamp_millis()
}

fn sched(expr: &str) -> Schedule {
    Schedule::parse(expr, None).expect("valid schedule")
}

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

#[test]
fn hourly_next_after() {
    let s = sched("0 * * * *");
    let t = utc(2024, 3, 5, 10, 17, 42);
    assert_eq!(s.next_after(t), Some(utc(2024, 3, 5, 11, 0, 0)));
    // Strictly after: a time on a tick gives the following tick.
    assert_eq!(s.next_after(utc(2024, 3, 5, 11, 0, 0)), Some(utc(2024, 3, 5, 12, 0, 0)));
    // A millisecond before a tick gives that tick.
    assert_eq!(
        s.next_after(utc(2024, 3, 5, 11, 0, 0) - 1),
        Some(utc(2024, 3, 5, 11, 0, 0))
    );
    // Day rollover.
    assert_eq!(
        s.next_after(utc(2024, 12, 31, 23, 30, 0)),
        Some(utc(2025, 1, 1, 0, 0, 0))
    );
    assert_eq!(s.expr(), "0 * * * *");
    assert_eq!(s.timezone_name(), "UTC");
}

#[test]
fn due_with_nothing_in_window_is_none() {
    let s = sched("0 * * * *");
    let since = utc(2024, 3, 5, 10, 0, 0);
    assert_eq!(s.due(since, since + 59 * MIN), None);
    assert_eq!(s.due(since, since), None);
    // A window that runs backwards has nothing in it.
    assert_eq!(s.due(since, since - HOUR), None);
}

#[test]
fn due_after_three_missed_ticks_is_only_the_latest() {
    let s = sched("0 * * * *");
    let since = utc(2024, 3, 5, 10, 0, 0);
    // Ticks at 11:00, 12:00 and 13:00 were missed; it is 13:25.
    let now = utc(2024, 3, 5, 13, 25, 0);
    assert_eq!(s.due(since, now), Some(utc(2024, 3, 5, 13, 0, 0)));
    // After running it, nothing is due until 14:00.
    let ran = utc(2024, 3, 5, 13, 0, 0);
    assert_eq!(s.due(ran, now), None);
    assert_eq!(s.due(ran, utc(2024, 3, 5, 14, 0, 0)), Some(utc(2024, 3, 5, 14, 0, 0)));
}

#[test]
fn due_boundaries_exclude_since_and_include_now() {
    let s = sched("0 * * * *");
    let tick = utc(2024, 3, 5, 11, 0, 0);
    // since == tick: already handled.
    assert_eq!(s.due(tick, tick + 30 * MIN), None);
    // now == tick: due.
    assert_eq!(s.due(tick - 30 * MIN, tick), Some(tick));
    // One millisecond either side.
    assert_eq!(s.due(tick - 1, tick), Some(tick));
    assert_eq!(s.due(tick - 30 * MIN, tick - 1), None);
    assert_eq!(s.due(tick - 1, tick + 1), Some(tick));
}

#[test]
fn seconds_field() {
    let s = sched("*/5 * * * * *");
    let t = utc(2024, 3, 5, 10, 0, 3);
    assert_eq!(s.next_after(t), Some(utc(2024, 3, 5, 10, 0, 5)));
    assert_eq!(
        s.next_after(utc(2024, 3, 5, 10, 0, 5)),
        Some(utc(2024, 3, 5, 10, 0, 10))
    );
    assert_eq!(
        s.next_after(utc(2024, 3, 5, 10, 0, 55)),
        Some(utc(2024, 3, 5, 10, 1, 0))
    );
    // Sub-second times.
    assert_eq!(
        s.next_after(utc(2024, 3, 5, 10, 0, 5) + 999),
        Some(utc(2024, 3, 5, 10, 0, 10))
    );
    assert_eq!(
        s.due(t, utc(2024, 3, 5, 10, 0, 27) + 500),
        Some(utc(2024, 3, 5, 10, 0, 25))
    );
}

#[test]
fn aliases() {
    let daily = sched("@daily");
    assert_eq!(
        daily.next_after(utc(2024, 3, 5, 10, 0, 0)),
        Some(utc(2024, 3, 6, 0, 0, 0))
    );
    let hourly = sched("@hourly");
    assert_eq!(
        hourly.next_after(utc(2024, 3, 5, 10, 0, 0)),
        Some(utc(2024, 3, 5, 11, 0, 0))
    );
    let yearly = sched("@yearly");
    assert_eq!(
        yearly.next_after(utc(2024, 3, 5, 10, 0, 0)),
        Some(utc(2025, 1, 1, 0, 0, 0))
    );
}

#[test]
fn berlin_daily_nine_follows_daylight_saving() {
    let s = Schedule::parse("0 9 * * *", Some("Europe/Berlin")).expect("valid");
    assert_eq!(s.timezone_name(), "Europe/Berlin");
    // Winter (CET, UTC+1): 09:00 Berlin is 08:00 UTC.
    assert_eq!(s.next_after(utc(2024, 1, 15, 0, 0, 0)), Some(utc(2024, 1, 15, 8, 0, 0)));
    // Summer (CEST, UTC+2): 09:00 Berlin is 07:00 UTC.
    assert_eq!(s.next_after(utc(2024, 7, 15, 0, 0, 0)), Some(utc(2024, 7, 15, 7, 0, 0)));
    // due agrees.
    assert_eq!(
        s.due(utc(2024, 7, 10, 0, 0, 0), utc(2024, 7, 15, 12, 0, 0)),
        Some(utc(2024, 7, 15, 7, 0, 0))
    );
    // Across the spring change (31 March 2024): Saturday 08:00 UTC, Sunday 07:00 UTC.
    assert_eq!(s.next_after(utc(2024, 3, 30, 0, 0, 0)), Some(utc(2024, 3, 30, 8, 0, 0)));
    assert_eq!(s.next_after(utc(2024, 3, 30, 8, 0, 0)), Some(utc(2024, 3, 31, 7, 0, 0)));
}

#[test]
fn berlin_spring_gap_and_autumn_repeat() {
    // 02:30 does not exist on 31 March 2024 in Berlin: it runs right after the gap (03:00 CEST).
    let s = Schedule::parse("30 2 * * *", Some("Europe/Berlin")).expect("valid");
    assert_eq!(
        s.next_after(utc(2024, 3, 30, 12, 0, 0)),
        Some(utc(2024, 3, 31, 1, 0, 0))
    );
    // 02:30 happens twice on 27 October 2024: a fixed time runs once, at the first.
    assert_eq!(
        s.next_after(utc(2024, 10, 26, 12, 0, 0)),
        Some(utc(2024, 10, 27, 0, 30, 0))
    );
    assert_eq!(
        s.next_after(utc(2024, 10, 27, 0, 30, 0)),
        Some(utc(2024, 10, 28, 1, 30, 0))
    );
    assert_eq!(
        s.due(utc(2024, 10, 26, 12, 0, 0), utc(2024, 10, 27, 3, 0, 0)),
        Some(utc(2024, 10, 27, 0, 30, 0))
    );
}

#[test]
fn bad_expression_names_the_schedule_field() {
    let bad_ones = [
        "",
        "   ",
        "not a cron",
        "61 * * * *",
        "* * * *",
        "0 0 1 1 * 2024",
        "* * * * * * *",
        "@sometimes",
        "*/0 * * * *",
        "0 0 30 2 *",
        "0 0 31 4,6,9,11 *",
    ];
    for bad in bad_ones {
        match Schedule::parse(bad, None) {
            Err(ModelError::InvalidFlight { field, rule, .. }) => {
                assert_eq!(field, "schedule", "{bad:?}");
                assert!(rule.contains("use 5 fields"), "{bad:?}: {rule}");
            }
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    let err = Schedule::parse("61 * * * *", None).expect_err("bad minute");
    assert!(err.to_string().starts_with("invalid schedule: "), "{err}");
}

#[test]
fn bad_zone_names_the_timezone_field() {
    match Schedule::parse("0 * * * *", Some("Mars/Olympus_Mons")) {
        Err(ModelError::InvalidFlight { field, rule, .. }) => {
            assert_eq!(field, "timezone");
            assert_eq!(
                rule,
                "unknown time zone 'Mars/Olympus_Mons'; use an IANA name such as Europe/Berlin or UTC"
            );
        }
        other => panic!("gave {other:?}"),
    }
    assert!(Schedule::parse("0 * * * *", Some("")).is_err());
    assert!(Schedule::parse("0 * * * *", Some("UTC")).is_ok());
}

#[test]
fn yearly_schedule_down_for_three_years_returns_the_latest() {
    let s = sched("0 0 1 1 *");
    let since = utc(2021, 1, 1, 0, 0, 0);
    let now = utc(2024, 6, 1, 12, 0, 0);
    let started = std::time::Instant::now();
    assert_eq!(s.due(since, now), Some(utc(2024, 1, 1, 0, 0, 0)));
    // Ten years down, every minute schedule: still one search, not millions of steps.
    let every_minute = sched("* * * * *");
    assert_eq!(
        every_minute.due(utc(2014, 1, 1, 0, 0, 0), now),
        Some(utc(2024, 6, 1, 12, 0, 0))
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn rare_schedule_far_back() {
    // Friday the 13th in February at noon: rare, and several were missed.
    let s = sched("0 12 13 2 FRI");
    // OR semantics (Vixie): day 13 OR Friday, in February.
    assert_eq!(
        s.due(utc(2015, 1, 1, 0, 0, 0), utc(2024, 1, 1, 0, 0, 0)),
        Some(utc(2023, 2, 24, 12, 0, 0))
    );
    // Leap day only.
    let leap = sched("0 0 29 2 *");
    assert_eq!(
        leap.due(utc(2010, 1, 1, 0, 0, 0), utc(2023, 12, 31, 0, 0, 0)),
        Some(utc(2020, 2, 29, 0, 0, 0))
    );
}

#[test]
fn extreme_times_do_not_panic() {
    let s = sched("*/5 * * * * *");
    for t in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
        let _ = s.next_after(t);
        let _ = s.due(i64::MIN, t);
        let _ = s.due(t, i64::MAX);
    }
    assert_eq!(s.next_after(-1), Some(0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary text never panics the parser.
    #[test]
    fn parse_never_panics(expr in "\\PC{0,40}", tz in proptest::option::of("\\PC{0,20}")) {
        let _ = Schedule::parse(&expr, tz.as_deref());
    }

    /// Cron-shaped text never panics, and a parsed schedule never panics on any time.
    #[test]
    fn cron_shaped_never_panics(
        fields in proptest::collection::vec("[0-9*/,LW#?A-Z-]{1,6}", 0..8),
        at in prop_oneof![any::<i64>(), -62_000_000_000_000_i64..200_000_000_000_000],
        now in prop_oneof![any::<i64>(), -62_000_000_000_000_i64..200_000_000_000_000],
    ) {
        let expr = fields.join(" ");
        if let Ok(s) = Schedule::parse(&expr, Some("Europe/Berlin")) {
            let _ = s.next_after(at);
            let _ = s.due(at, now);
        }
    }

    /// `due` is the last tick of the forward walk through a window (checked on short windows,
    /// in a zone with daylight saving time).
    #[test]
    fn due_matches_forward_walk(
        expr in prop_oneof![
            Just("*/7 * * * *"), Just("0 * * * *"), Just("30 2 * * *"), Just("15,45 1-3 * * *"),
            Just("*/20 * * * * *"), Just("0 9 * * MON-FRI"), Just("0 0 L * *"),
        ],
        zone in prop_oneof![Just("UTC"), Just("Europe/Berlin"), Just("America/New_York")],
        // Around the 2024 DST changes in Europe and the US.
        base in prop_oneof![
            Just(1_711_843_200_000_i64), Just(1_729_987_200_000_i64),
            Just(1_710_050_400_000_i64), Just(1_730_613_600_000_i64),
        ],
        offset in -6 * HOUR..6 * HOUR,
        len in 0..4 * HOUR,
    ) {
        let s = Schedule::parse(expr, Some(zone)).expect("valid");
        let since = base + offset;
        let now = since + len;
        let mut expected = None;
        let mut t = since;
        while let Some(next) = s.next_after(t) {
            if next > now {
                break;
            }
            prop_assert!(next > t);
            expected = Some(next);
            t = next;
        }
        prop_assert_eq!(s.due(since, now), expected);
    }
}
