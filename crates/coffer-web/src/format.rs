//! How values read on the page: times, durations, URL parts, errors with their hint worded for
//! the page.

use coffer_core::Hint;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What stays as it is in a URL part: letters, digits, `-`, `.`, `_`, `~`.
const PART: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `s` percent-encoded for a path segment or a query value.
pub(crate) fn enc(s: &str) -> String {
    utf8_percent_encode(s, PART).to_string()
}

/// A time as `2026-12-06 09:12:03 UTC`.
pub(crate) fn time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.format(&f).unwrap_or_default()
}

/// A time as RFC 3339 (for `<time datetime>`).
pub(crate) fn iso(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A duration as `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 10 min`.
pub(crate) fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} min {:02} s", ms / 60_000, (ms / 1000) % 60)
    } else {
        format!("{} h {:02} min", ms / 3_600_000, (ms / 60_000) % 60)
    }
}

/// An API error as the page says it: the message, and what to do about it in the page's terms.
pub(crate) fn error_text(e: &coffer_api::Error) -> String {
    let message = e.generic_message().map_or_else(|| e.to_string(), str::to_string);
    match e.hint() {
        Some(h) => format!("{message}. {}", words(&h)),
        None => message,
    }
}

/// What to do, in the web page's terms.
pub(crate) fn words(hint: &Hint) -> String {
    match hint {
        Hint::ReplaceOrKeep => {
            "Open the secret and use \u{201c}New version\u{201d} to replace its value, or choose another name.".into()
        }
        Hint::NameStorage => "Choose the storage (temporary or persistent) you mean.".into(),
        Hint::GrantRole {
            role,
            identity,
            project,
        } => format!("An admin of project {project} can grant {identity} the role {role} on the Members page."),
        Hint::CreateProject { project } => format!("A superuser can create project {project} on the Projects page."),
        Hint::CreateSecret { name } => format!("Create the secret {name} first, on the Secrets page."),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_people_read_them() {
        assert_eq!(time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(iso(1_000), "1970-01-01T00:00:01Z");
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_400), "12.4 s");
        assert_eq!(duration(185_000), "3 min 05 s");
        assert_eq!(duration(7_800_000), "2 h 10 min");
        assert_eq!(enc("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
    }
}
