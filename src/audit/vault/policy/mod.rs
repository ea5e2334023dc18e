//! Vault/OpenBao ACL policies: parsed from HCL (or the JSON form Vault
//! also accepts) into [`Policy`] rules, and [`Acl`], which answers "which
//! capabilities do these policies give on this path" the way the server's
//! ACL does — so `kvault audit --vault` and `sys/capabilities` agree.
//!
//! Path semantics, as OpenBao's `vault/policy.go` and `vault/acl.go` apply
//! them: a leading `/` is dropped; a trailing `*` makes a prefix rule; a
//! `+` segment matches any one segment; `deny` on a path, from any policy,
//! replaces every other capability there; an exact rule beats any glob,
//! and among globs the most specific wins (see [`acl`]).

pub mod acl;
mod parse;
#[cfg(test)]
pub(crate) mod tests;

pub use acl::{Acl, Grant};

use super::PolicyText;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A set of capabilities, as the server's bitmap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(u16);

impl Capabilities {
    pub const NONE: Capabilities = Capabilities(0);
    pub const DENY: Capabilities = Capabilities(1);
    pub const CREATE: Capabilities = Capabilities(1 << 1);
    pub const READ: Capabilities = Capabilities(1 << 2);
    pub const UPDATE: Capabilities = Capabilities(1 << 3);
    pub const DELETE: Capabilities = Capabilities(1 << 4);
    pub const LIST: Capabilities = Capabilities(1 << 5);
    pub const SUDO: Capabilities = Capabilities(1 << 6);
    pub const PATCH: Capabilities = Capabilities(1 << 7);
    pub const SUBSCRIBE: Capabilities = Capabilities(1 << 8);
    pub const SCAN: Capabilities = Capabilities(1 << 9);

    /// Capabilities that change data: what "may write" means in findings.
    pub const WRITE: Capabilities =
        Capabilities(Self::CREATE.0 | Self::UPDATE.0 | Self::DELETE.0 | Self::PATCH.0);

    /// Names in the order `sys/capabilities` lists them.
    const NAMES: [(&'static str, Capabilities); 10] = [
        ("sudo", Self::SUDO),
        ("read", Self::READ),
        ("list", Self::LIST),
        ("scan", Self::SCAN),
        ("update", Self::UPDATE),
        ("delete", Self::DELETE),
        ("create", Self::CREATE),
        ("patch", Self::PATCH),
        ("subscribe", Self::SUBSCRIBE),
        ("deny", Self::DENY),
    ];

    pub fn from_name(name: &str) -> Option<Capabilities> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }

    /// What the legacy `policy = "read"` field stands for.
    fn from_legacy(policy: &str) -> Option<Capabilities> {
        let read = Self::READ | Self::LIST;
        let write = read | Self::CREATE | Self::UPDATE | Self::DELETE;
        match policy {
            "deny" => Some(Self::DENY),
            "read" => Some(read),
            "write" => Some(write),
            "sudo" => Some(write | Self::SUDO),
            _ => None,
        }
    }

    pub fn contains(self, other: Capabilities) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any capability of `other` is in the set.
    pub fn intersects(self, other: Capabilities) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_denied(self) -> bool {
        self.contains(Self::DENY)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names, in `sys/capabilities` order; `["deny"]` for an empty or
    /// denied set, as the server answers.
    pub fn names(self) -> Vec<&'static str> {
        if self.is_denied() || self.is_empty() {
            return vec!["deny"];
        }
        Self::NAMES
            .iter()
            .filter(|(_, c)| self.contains(*c) && *c != Self::DENY)
            .map(|(n, _)| *n)
            .collect()
    }
}

impl std::ops::BitOr for Capabilities {
    type Output = Capabilities;
    fn bitor(self, rhs: Capabilities) -> Capabilities {
        Capabilities(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Capabilities {
    fn bitor_assign(&mut self, rhs: Capabilities) {
        self.0 |= rhs.0;
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

/// `allowed_parameters` / `denied_parameters` / `required_parameters` of
/// a path rule, keys lower-cased as the server does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parameters {
    pub allowed: BTreeMap<String, Vec<Value>>,
    pub denied: BTreeMap<String, Vec<Value>>,
    pub required: Vec<String>,
}

impl Parameters {
    /// Whether the rule restricts parameter `name` to a list of values (an
    /// empty list or `*` allows anything): `policies = ["app"]` pins which
    /// policies a token may carry.
    pub fn pins(&self, name: &str) -> bool {
        let denied_all = self.denied.get(name).is_some_and(Vec::is_empty)
            || self.denied.get("*").is_some_and(Vec::is_empty);
        let allowed = self
            .allowed
            .get(name)
            .is_some_and(|v| !v.is_empty() && !v.iter().any(|v| v == "*"));
        let others_closed = !self.allowed.is_empty() && !self.allowed.contains_key("*");
        denied_all || allowed || (others_closed && !self.allowed.contains_key(name))
    }
}

/// How a rule's path matches request paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// The path itself.
    Exact,
    /// Every path starting with the text before the trailing `*`.
    Prefix,
    /// `+` segments; `prefix` when it ends in `*`.
    Segments { prefix: bool },
}

/// One `path "..." { ... }` stanza.
#[derive(Clone, Debug, PartialEq)]
pub struct PathRule {
    /// As the server stores it: leading `/` dropped; a prefix rule without
    /// its trailing `*`, a segment rule with it.
    pub path: String,
    pub kind: PathKind,
    pub capabilities: Capabilities,
    pub parameters: Parameters,
}

impl PathRule {
    /// The path as the policy wrote it (with its trailing `*`).
    pub fn pattern(&self) -> String {
        match self.kind {
            PathKind::Prefix => format!("{}*", self.path),
            _ => self.path.clone(),
        }
    }

    /// Whether a request on `path` is governed by this rule when no more
    /// specific one applies (`acl.go`'s matching, without the priority).
    pub fn matches(&self, path: &str) -> bool {
        match self.kind {
            PathKind::Exact => self.path == path,
            PathKind::Prefix => path.starts_with(&self.path),
            PathKind::Segments { prefix } => segments_match(&self.path, prefix, path),
        }
    }

    /// Whether the rule matches every path under `area` (which ends in
    /// `/`): `secret/*`, `secret/+/*` and `*` cover `secret/data/`.
    pub fn covers(&self, area: &str) -> bool {
        match self.kind {
            PathKind::Exact => false,
            PathKind::Prefix => area.starts_with(&self.path),
            PathKind::Segments { prefix: false } => false,
            PathKind::Segments { prefix: true } => {
                let pattern = without_glob(&self.path);
                let rule: Vec<&str> = pattern.split('/').collect();
                let fixed: Vec<&str> = area.split('/').collect();
                let last = rule.len() - 1;
                rule.len() <= fixed.len()
                    && rule.iter().enumerate().all(|(i, seg)| {
                        let free = i == fixed.len() - 1;
                        match (i == last, free) {
                            (_, true) => seg.is_empty() || *seg == "+",
                            (false, false) => *seg == "+" || *seg == fixed[i],
                            (true, false) => *seg == "+" || fixed[i].starts_with(seg),
                        }
                    })
            }
        }
    }

    /// Whether the rule matches the path `area` names (without its `/`) or
    /// some path under it.
    pub fn reaches(&self, area: &str) -> bool {
        self.example_under(area).is_some()
    }

    /// A path this rule matches that is `area` (without its `/`) or under
    /// it, if there is one: the rule's own path when exact, else a path
    /// shaped like the rule, with `x` for its wildcards.
    pub fn example_under(&self, area: &str) -> Option<String> {
        let bare = area.trim_end_matches('/');
        let example = match self.kind {
            _ if self.matches(bare) => bare.to_string(),
            PathKind::Exact => self.path.clone(),
            PathKind::Prefix if self.path.starts_with(area) => format!("{}x", self.path),
            PathKind::Prefix => format!("{area}x"),
            PathKind::Segments { .. } => witness(&self.path, area),
        };
        (self.matches(&example) && example.starts_with(area) || example == bare).then_some(example)
    }
}

/// A path under `area` shaped like segment pattern `pattern`: area's
/// segments where it has them, the pattern's (a `+` as `x`) beyond.
fn witness(pattern: &str, area: &str) -> String {
    let rule: Vec<&str> = without_glob(pattern).split('/').collect();
    let fixed: Vec<&str> = area.trim_end_matches('/').split('/').collect();
    let len = rule.len().max(fixed.len() + 1);
    (0..len)
        .map(|i| match (fixed.get(i), rule.get(i)) {
            (Some(f), _) => *f,
            (None, Some(r)) if *r != "+" && !r.is_empty() => r,
            _ => "x",
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `acl.go`'s segment matching: `+` takes any one segment; the last
/// segment of a prefix rule matches by prefix and takes the rest.
fn segments_match(pattern: &str, prefix: bool, path: &str) -> bool {
    let rule: Vec<&str> = without_glob(pattern).split('/').collect();
    let parts: Vec<&str> = path.split('/').collect();
    segments_fit(&rule, prefix, &parts)
}

/// [`segments_match`] on split paths (`rule` without the trailing `*`).
pub(super) fn segments_fit<S: AsRef<str>>(rule: &[S], prefix: bool, parts: &[&str]) -> bool {
    let len = rule.len();
    if parts.len() < len || (!prefix && parts.len() != len) {
        return false;
    }
    rule.iter().enumerate().all(|(i, seg)| {
        let seg = seg.as_ref();
        seg == "+" || seg == parts[i] || (prefix && i == len - 1 && parts[i].starts_with(seg))
    })
}

/// A parsed policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub name: String,
    /// Where it came from (file or API path), for messages.
    pub source: String,
    pub rules: Vec<PathRule>,
}

impl Policy {
    /// Parse a policy's HCL (or JSON) text. Errors name the policy and the
    /// path stanza; they never quote more than the offending path.
    pub fn parse(text: &PolicyText) -> Result<Policy, PolicyError> {
        parse::policy(text)
    }

    /// The rules that may touch `area` (a path prefix ending in `/`).
    pub fn rules_reaching<'a>(&'a self, area: &'a str) -> impl Iterator<Item = &'a PathRule> + 'a {
        self.rules.iter().filter(move |r| r.reaches(area))
    }
}

/// Why a policy could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("{origin}: policy {name:?} is not valid HCL: {message}")]
    Syntax {
        name: String,
        origin: String,
        message: String,
    },
    #[error("{origin}: policy {name:?}, path {path:?}: {message}")]
    Rule {
        name: String,
        origin: String,
        path: String,
        message: String,
    },
}

/// A segment rule's path without its one trailing `*`.
pub(super) fn without_glob(path: &str) -> &str {
    path.strip_suffix('*').unwrap_or(path)
}
