//! The one clock of the application layer.

/// Now, in Unix milliseconds (the unit of every time coffer stores).
pub(crate) fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
