//! `VAULT_ENV_DELAY` as vault-env reads it: spf13/cast's `ToDuration`,
//! which is Go's `time.ParseDuration` (`2s`, `150ms`, `1m30s`, `1.5h`;
//! units ns, us, µs, μs, ms, s, m, h) for any text holding a unit letter,
//! and a bare number taken as nanoseconds.
//!
//! kvault differs on purpose where cast is silent: a bare number other than
//! `0` is refused (`VAULT_ENV_DELAY=5` would be 5 nanoseconds in vault-env,
//! surely not what was meant), and so are text Go cannot parse (cast gives 0,
//! no delay) and a negative duration (no delay in vault-env either).
//! Each is a one-line error naming the variable.

use std::time::Duration;

/// Nanoseconds per unit, as Go's `time` package names them.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),  // µ, the micro sign
    ("\u{3bc}s", 1_000), // μ, Greek mu
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// `VAULT_ENV_DELAY`'s value (`name` is the variable, for the message).
pub fn parse_delay(name: &str, text: &str) -> Result<Duration, String> {
    let bad = |why: &str| format!("{name}=`{text}` {why}");
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return if text.bytes().all(|b| b == b'0') {
            Ok(Duration::ZERO)
        } else {
            Err(bad(&format!(
                "has no unit (vault-env would read {text} nanoseconds); write a Go duration such as {text}s or {text}ms"
            )))
        };
    }
    let (negative, nanos) = parse_go(text).map_err(|why| {
        bad(&format!(
            "is not a Go duration such as 2s, 150ms or 1m30s: {why}"
        ))
    })?;
    if negative && nanos > 0 {
        return Err(bad("is negative"));
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or `0`.
/// Returns the sign and the magnitude in nanoseconds (at most i64::MAX).
fn parse_go(text: &str) -> Result<(bool, u128), &'static str> {
    let mut s = text;
    let mut negative = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            negative = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok((negative, 0));
    }
    if s.is_empty() {
        return Err("it is empty");
    }
    const MAX: u128 = i64::MAX as u128;
    let mut total: u128 = 0;
    while !s.is_empty() {
        if !(s.starts_with('.') || s.starts_with(|c: char| c.is_ascii_digit())) {
            return Err("a number is missing");
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let whole: u128 = if digits == 0 {
            0
        } else {
            s[..digits].parse().map_err(|_| "it overflows")?
        };
        s = &s[digits..];
        let (mut fraction, mut scale, mut fraction_digits) = (0u128, 1u128, 0);
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            fraction_digits = s.bytes().take_while(u8::is_ascii_digit).count();
            // Digits past what a nanosecond count can hold change nothing.
            for b in s[..fraction_digits].bytes().take(20) {
                fraction = fraction * 10 + u128::from(b - b'0');
                scale *= 10;
            }
            s = &s[fraction_digits..];
        }
        if digits == 0 && fraction_digits == 0 {
            return Err("a number is missing");
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err("a unit is missing (ns, us, ms, s, m, h)");
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let per = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, n)| *n)
            .ok_or("an unknown unit (ns, us, ms, s, m, h)")?;
        if whole > MAX / per {
            return Err("it overflows");
        }
        total += whole * per + fraction * per / scale;
        if total > MAX {
            return Err("it overflows");
        }
    }
    Ok((negative, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Duration {
        parse_delay("VAULT_ENV_DELAY", text).unwrap()
    }

    #[test]
    fn go_durations_are_read_as_time_parse_duration_reads_them() {
        assert_eq!(ok("2s"), Duration::from_secs(2));
        assert_eq!(ok("150ms"), Duration::from_millis(150));
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1.s"), Duration::from_secs(1));
        assert_eq!(ok("+3us"), Duration::from_micros(3));
        assert_eq!(ok("3µs"), Duration::from_micros(3));
        assert_eq!(ok("3μs"), Duration::from_micros(3));
        assert_eq!(ok("10ns"), Duration::from_nanos(10));
        assert_eq!(ok("1h2m3s4ms"), Duration::from_millis(3_723_004));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("-0"), Duration::ZERO);
        assert_eq!(ok("0s"), Duration::ZERO);
    }

    #[test]
    fn a_bare_number_a_bad_duration_and_a_negative_one_are_refused() {
        let e = parse_delay("VAULT_ENV_DELAY", "5").unwrap_err();
        assert!(
            e.starts_with("VAULT_ENV_DELAY=`5` has no unit (vault-env would read 5 nanoseconds)"),
            "{e}"
        );
        for bad in ["5 s", "5sec", "s", "1.5", "", ".s", "2d", "1e3s"] {
            let e = parse_delay("VAULT_ENV_DELAY", bad).unwrap_err();
            assert!(e.starts_with(&format!("VAULT_ENV_DELAY=`{bad}`")), "{e}");
        }
        assert!(parse_delay("VAULT_ENV_DELAY", "-2s")
            .unwrap_err()
            .contains("is negative"));
        assert!(parse_delay("VAULT_ENV_DELAY", "9999999999999h")
            .unwrap_err()
            .contains("overflows"));
        assert!(parse_delay("VAULT_ENV_DELAY", "2562047h").is_ok());
    }
}
