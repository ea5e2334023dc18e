//! Findings about auth roles (KV-VLT-006..010) and the store itself —
//! audit devices, KV mounts, secret age, HA, unreadable endpoints
//! (KV-VLT-011..017).

mod roles;
mod store;
#[cfg(test)]
mod tests;

use super::VaultInventory;
use crate::audit::Finding;
use serde_json::{Map, Value};
use std::time::Duration;

/// The server's default `max_lease_ttl` (32 days): what a role's TTL of 0
/// falls back to unless the mount or server is tuned otherwise.
pub const SYSTEM_MAX_TTL: Duration = Duration::from_secs(768 * 3600);

/// Thresholds of the store checks.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Secrets whose current version is older than this are due (KV-VLT-013).
    pub max_age: Duration,
    /// Tokens may live at most this long (KV-VLT-010).
    pub max_token_ttl: Duration,
    /// Now, in seconds since the Unix epoch.
    pub now: i64,
}

impl Default for Options {
    /// 90 days, the system maximum TTL, now.
    fn default() -> Self {
        // The same clock as the Kubernetes checks' secret ages.
        let now = crate::audit::checks::Options::now().now;
        Options {
            max_age: Duration::from_secs(90 * 86_400),
            max_token_ttl: SYSTEM_MAX_TTL,
            now,
        }
    }
}

/// Every role and store check.
pub fn check(inventory: &VaultInventory, options: &Options) -> Vec<Finding> {
    let mut findings = roles::check(&inventory.roles, options);
    findings.extend(store::check(inventory, options));
    findings
}

/// A duration field as the API gives it (seconds) or as exports write it
/// (`"1h"`, `"3600"`, `"3600s"`); `None` when absent or unreadable.
fn seconds(config: &Map<String, Value>, key: &str) -> Option<u64> {
    match config.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)),
        Value::String(s) if s.is_empty() => Some(0),
        Value::String(s) => s
            .parse::<u64>()
            .ok()
            .or_else(|| humantime::parse_duration(s).ok().map(|d| d.as_secs())),
        _ => None,
    }
}

/// A list field (the API's arrays; comma-separated strings in exports).
pub(super) fn strings(config: &Map<String, Value>, key: &str) -> Vec<String> {
    match config.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str())
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A boolean option: JSON booleans, or the strings audit device options
/// and exports use.
fn flag(options: &Map<String, Value>, key: &str) -> Option<bool> {
    match options.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a field holds anything: a non-empty list, map or string.
fn is_set(config: &Map<String, Value>, key: &str) -> bool {
    match config.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// `1h`, `32d`: a duration for evidence.
fn shown(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}
