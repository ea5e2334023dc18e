//! Wall-clock time as kvault records and compares it: counts since the Unix
//! epoch (a clock set before 1970 counts as 0, never a panic) and RFC 3339
//! text. One place, so that audit ages, canary stamps, access-log windows
//! and metrics timestamps agree on how a time is read.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Whole seconds since the epoch of `t`.
pub fn unix_seconds(t: SystemTime) -> i64 {
    i64::try_from(since_epoch(t).as_secs()).unwrap_or(i64::MAX)
}

/// Microseconds since the epoch of `t`.
pub fn unix_micros(t: SystemTime) -> i64 {
    i64::try_from(since_epoch(t).as_micros()).unwrap_or(i64::MAX)
}

/// Now, in whole seconds since the epoch.
pub fn now_seconds() -> i64 {
    unix_seconds(SystemTime::now())
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> u64 {
    u64::try_from(since_epoch(SystemTime::now()).as_millis()).unwrap_or(u64::MAX)
}

/// Now, in (fractional) seconds since the epoch, as Prometheus shows times.
pub fn now_seconds_f64() -> f64 {
    since_epoch(SystemTime::now()).as_secs_f64()
}

/// The time `micros` microseconds after the epoch (0 before it).
pub fn from_micros(micros: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

/// An RFC 3339 time (`2026-12-03T15:49:11Z`, fractions and offsets
/// allowed) as microseconds since the epoch; `None` when it is not one.
pub fn parse_rfc3339_micros(text: &str) -> Option<i64> {
    humantime::parse_rfc3339_weak(text).ok().map(unix_micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_before_the_epoch_count_as_zero_and_text_round_trips() {
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(5)), 0);
        assert_eq!(from_micros(-3), UNIX_EPOCH);
        let micros = parse_rfc3339_micros("2026-12-03T15:49:11.5Z").unwrap();
        assert_eq!(micros, 1_796_312_951_500_000);
        assert_eq!(unix_seconds(from_micros(micros)), 1_796_312_951);
        assert_eq!(parse_rfc3339_micros("yesterday"), None);
    }
}
