//! Plan entries whose source is a dynamic engine (`issue:
//! vault:database/creds/app`, `issue: vault:pki/issue/web` with `params`):
//! a credential or a certificate is issued once, written to the target,
//! and kept while it lives; its lease is renewed where the engine offers
//! one, and a new one is issued before it expires (`renewBefore`, by
//! default a third of its lifetime), never on every run.
//!
//! What kvault needs to decide that, across runs and processes, it
//! records with the target (annotations, KV v2 custom metadata): when the
//! value was issued and expires, its lease, and a digest of what was asked
//! (a changed path or parameter issues anew).
//!
//! ```yaml
//! - issue: vault:pki/issue/web
//!   params: {common_name: web.example.com, ttl: 72h}
//!   renewBefore: 24h
//!   target: k8s:prod/web-tls
//!   template: {type: kubernetes.io/tls, data: {tls.crt: "{{ .certificate }}", tls.key: "{{ .private_key }}"}}
//! ```

use crate::store::vault::Lease;
use crate::store::Secret;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// When the value was issued (Unix seconds).
pub const ISSUED_AT: &str = "kvault.dev/issued-at";
/// When it expires (Unix seconds).
pub const EXPIRES: &str = "kvault.dev/expires";
/// Its renewable lease: `ID` (absent when the engine gave none).
pub const LEASE: &str = "kvault.dev/lease";
/// A digest of the path and parameters it was issued with.
pub const ISSUE: &str = "kvault.dev/issue";

/// A validated `issue` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The engine path written (`pki/issue/web`), without the mount's
    /// scheme.
    pub path: String,
    pub params: BTreeMap<String, String>,
    /// Issue anew (or renew) when less than this is left; `None`: a third
    /// of the lifetime.
    pub renew_before: Option<Duration>,
}

/// What a run does with an issued target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Due {
    /// It lives long enough: nothing.
    Keep,
    /// Renew this lease, then record the new expiry.
    Renew(Lease),
    /// Issue a new value.
    Issue,
}

impl Issue {
    /// The digest recorded with the target ([`ISSUE`]).
    pub fn digest(&self) -> String {
        let text = serde_json::json!({"path": self.path, "params": self.params}).to_string();
        let hex: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("v1:{}", &hex[..32])
    }

    /// Decide from the target as it is (`None`: absent) at `now` (Unix
    /// seconds). Anything missing, unreadable or changed issues anew.
    pub fn due(&self, current: Option<&Secret>, now: u64) -> Due {
        let Some(current) = current else {
            return Due::Issue;
        };
        let meta = |k: &str| current.metadata.get(k);
        let number = |k: &str| meta(k).and_then(|v| v.parse::<u64>().ok());
        let (Some(issued), Some(expires)) = (number(ISSUED_AT), number(EXPIRES)) else {
            return Due::Issue;
        };
        if meta(ISSUE).map(String::as_str) != Some(self.digest().as_str()) || expires <= issued {
            return Due::Issue;
        }
        let lifetime = expires - issued;
        let window = self
            .renew_before
            .map_or(lifetime / 3, |d| d.as_secs().min(lifetime));
        if now.saturating_add(window) < expires {
            return Due::Keep;
        }
        match meta(LEASE) {
            Some(id) if !id.is_empty() && now < expires => Due::Renew(Lease {
                id: id.clone(),
                duration: Duration::from_secs(lifetime),
                renewable: true,
            }),
            _ => Due::Issue,
        }
    }

    /// The record of a value issued at `now` that lives `lifetime`.
    pub fn record(
        &self,
        now: u64,
        lifetime: Duration,
        lease: Option<&Lease>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::from([
            (ISSUED_AT.to_string(), now.to_string()),
            (
                EXPIRES.to_string(),
                now.saturating_add(lifetime.as_secs()).to_string(),
            ),
            (ISSUE.to_string(), self.digest()),
        ]);
        if let Some(lease) = lease.filter(|l| l.renewable) {
            out.insert(LEASE.to_string(), lease.id.clone());
        }
        out
    }
}

/// How long an issued value lives: its lease, or a certificate's
/// `expiration` (PKI gives no lease by default). `None` when neither says.
pub fn lifetime(lease: Option<&Lease>, expiration: Option<u64>, now: u64) -> Option<Duration> {
    match (lease, expiration) {
        (Some(l), _) if !l.duration.is_zero() => Some(l.duration),
        (_, Some(at)) if at > now => Some(Duration::from_secs(at - now)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(renew_before: Option<u64>) -> Issue {
        Issue {
            path: "pki/issue/web".into(),
            params: BTreeMap::from([("common_name".into(), "web".into())]),
            renew_before: renew_before.map(Duration::from_secs),
        }
    }

    fn issued(i: &Issue, at: u64, lives: u64, lease: Option<&str>) -> Secret {
        let mut s = Secret::new(Default::default());
        let lease = lease.map(|id| Lease {
            id: id.into(),
            duration: Duration::from_secs(lives),
            renewable: true,
        });
        s.metadata = i.record(at, Duration::from_secs(lives), lease.as_ref());
        s
    }

    #[test]
    fn a_value_is_kept_until_a_third_of_its_life_is_left_then_issued_anew() {
        let i = issue(None);
        let s = issued(&i, 1000, 900, None);
        assert_eq!(i.due(Some(&s), 1000), Due::Keep);
        assert_eq!(i.due(Some(&s), 1599), Due::Keep);
        assert_eq!(i.due(Some(&s), 1600), Due::Issue);
        assert_eq!(i.due(None, 1000), Due::Issue);
    }

    #[test]
    fn a_renewable_lease_is_renewed_in_its_window_and_not_once_expired() {
        let i = issue(Some(100));
        let s = issued(&i, 1000, 900, Some("database/creds/app/abc"));
        assert_eq!(i.due(Some(&s), 1799), Due::Keep);
        assert!(matches!(i.due(Some(&s), 1800), Due::Renew(l) if l.id == "database/creds/app/abc"));
        assert_eq!(i.due(Some(&s), 1900), Due::Issue);
    }

    #[test]
    fn other_parameters_or_a_record_that_does_not_parse_issue_anew() {
        let i = issue(None);
        let s = issued(&i, 1000, 900, None);
        let mut other = issue(None);
        other.params.insert("ttl".into(), "1h".into());
        assert_eq!(other.due(Some(&s), 1000), Due::Issue);
        let mut broken = s.clone();
        broken.metadata.insert(EXPIRES.into(), "soon".into());
        assert_eq!(i.due(Some(&broken), 1000), Due::Issue);
    }

    #[test]
    fn the_lifetime_is_the_lease_or_the_certificates_expiration() {
        let lease = Lease {
            id: "x".into(),
            duration: Duration::from_secs(60),
            renewable: false,
        };
        assert_eq!(
            lifetime(Some(&lease), Some(5000), 1000),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            lifetime(None, Some(5000), 1000),
            Some(Duration::from_secs(4000))
        );
        assert_eq!(lifetime(None, None, 1000), None);
    }
}
