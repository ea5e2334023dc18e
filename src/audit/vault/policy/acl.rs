//! The ACL a token's policies add up to, as OpenBao's `vault/acl.go`
//! builds and consults it.
//!
//! Building: rules for the same path (from any policy) merge — their
//! capabilities add up, except that `deny` from any of them leaves only
//! `deny`. Exact, prefix and segment (`+`) rules are kept apart.
//!
//! Looking up a path: an exact rule wins (for a list, also the path
//! without its trailing `/`). Otherwise every prefix and segment rule that
//! matches competes and the most specific wins: the later its first glob
//! or `+`, then a non-prefix rule over a prefix one, then fewer `+`
//! segments, then the longer path, then the lexically greater.

use super::{Capabilities, PathKind, Policy};
use std::collections::{BTreeSet, HashMap};

/// What one path's rules add up to, and which policies contributed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grant {
    /// The rule's path as stored (see [`super::PathRule::path`]).
    pub path: String,
    /// The path as policies write it (a prefix rule with its `*`).
    pub pattern: String,
    pub capabilities: Capabilities,
    /// Policies whose rules for this path granted (or denied) something.
    pub policies: BTreeSet<String>,
}

impl Grant {
    fn merge(&mut self, capabilities: Capabilities, policy: &str) {
        if self.capabilities.is_denied() {
            return;
        }
        if capabilities.is_denied() {
            self.capabilities = Capabilities::DENY;
            self.policies.clear();
        } else {
            self.capabilities |= capabilities;
        }
        self.policies.insert(policy.to_string());
    }
}

/// A segment rule, pre-split for matching.
#[derive(Debug)]
struct SegmentRule {
    grant: Grant,
    /// Segments without the trailing `*`.
    parts: Vec<String>,
    prefix: bool,
    /// Where the first `+` is (the priority's first key).
    first_wildcard: usize,
    wildcards: usize,
    /// The path without the trailing `*` (the priority's length key).
    bare: String,
}

/// The ACL of a set of policies.
#[derive(Debug, Default)]
pub struct Acl {
    root: bool,
    exact: HashMap<String, Grant>,
    prefix: HashMap<String, Grant>,
    /// The lengths of the prefix rules, longest first, for longest-prefix.
    prefix_lengths: Vec<usize>,
    segments: Vec<SegmentRule>,
}

/// A matching candidate in the non-exact lookup.
struct Candidate<'a> {
    first_wildcard: usize,
    prefix: bool,
    wildcards: usize,
    bare: &'a str,
    grant: &'a Grant,
}

impl Candidate<'_> {
    /// `acl.go`'s priority, as a key: greater is more specific.
    fn key(&self) -> (usize, bool, std::cmp::Reverse<usize>, usize, &str) {
        (
            self.first_wildcard,
            !self.prefix,
            std::cmp::Reverse(self.wildcards),
            self.bare.len(),
            self.bare,
        )
    }
}

impl Acl {
    /// The ACL of `policies` together. The policy named `root` grants
    /// everything, as on the server.
    pub fn new<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Acl {
        let mut acl = Acl::default();
        let mut segments: HashMap<String, Grant> = HashMap::new();
        for policy in policies {
            if policy.name == "root" {
                acl.root = true;
            }
            for rule in &policy.rules {
                let table = match rule.kind {
                    PathKind::Exact => &mut acl.exact,
                    PathKind::Prefix => &mut acl.prefix,
                    PathKind::Segments { .. } => &mut segments,
                };
                table
                    .entry(rule.path.clone())
                    .or_insert_with(|| Grant {
                        path: rule.path.clone(),
                        pattern: rule.pattern(),
                        ..Grant::default()
                    })
                    .merge(rule.capabilities, &policy.name);
            }
        }
        let mut lengths: Vec<usize> = acl.prefix.keys().map(String::len).collect();
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        lengths.dedup();
        acl.prefix_lengths = lengths;
        acl.segments = segments
            .into_values()
            .map(|grant| {
                let prefix = grant.path.ends_with('*');
                let bare = super::without_glob(&grant.path).to_string();
                let parts: Vec<String> = bare.split('/').map(str::to_string).collect();
                SegmentRule {
                    first_wildcard: grant.path.find('+').unwrap_or(usize::MAX),
                    wildcards: parts.iter().filter(|p| *p == "+").count(),
                    parts,
                    prefix,
                    bare,
                    grant,
                }
            })
            .collect();
        acl
    }

    /// Whether the policies include `root`.
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// The rule that governs `path` (a list request, as `sys/capabilities`
    /// asks), or `None` when none does.
    pub fn lookup(&self, path: &str) -> Option<&Grant> {
        let path = path.trim_start_matches('/');
        if let Some(grant) = self.exact.get(path) {
            return Some(grant);
        }
        if let Some(grant) = path.strip_suffix('/').and_then(|p| self.exact.get(p)) {
            return Some(grant);
        }
        self.non_exact(path)
    }

    fn longest_prefix(&self, path: &str) -> Option<&Grant> {
        self.prefix_lengths
            .iter()
            .filter(|&&len| len <= path.len() && path.is_char_boundary(len))
            .find_map(|&len| self.prefix.get(&path[..len]))
    }

    fn non_exact(&self, path: &str) -> Option<&Grant> {
        let prefix = self.longest_prefix(path);
        if self.segments.is_empty() {
            return prefix;
        }
        let mut best: Option<Candidate> = prefix.map(|grant| Candidate {
            first_wildcard: grant.path.len(),
            prefix: true,
            wildcards: 0,
            bare: &grant.path,
            grant,
        });
        let parts: Vec<&str> = path.split('/').collect();
        for rule in &self.segments {
            if !super::segments_fit(&rule.parts, rule.prefix, &parts) {
                continue;
            }
            let candidate = Candidate {
                first_wildcard: rule.first_wildcard,
                prefix: rule.prefix,
                wildcards: rule.wildcards,
                bare: &rule.bare,
                grant: &rule.grant,
            };
            if best.as_ref().is_none_or(|b| candidate.key() > b.key()) {
                best = Some(candidate);
            }
        }
        best.map(|c| c.grant)
    }

    /// What `sys/capabilities` answers for `path`: `["root"]` for root,
    /// `["deny"]` when nothing (or a deny) governs it.
    pub fn capabilities(&self, path: &str) -> Vec<&'static str> {
        if self.root {
            return vec!["root"];
        }
        self.lookup(path)
            .map(|g| g.capabilities)
            .unwrap_or_default()
            .names()
    }

    /// Whether a token with these policies may do any of `wanted` on `path`.
    pub fn allows(&self, path: &str, wanted: Capabilities) -> bool {
        self.root
            || self
                .lookup(path)
                .is_some_and(|g| !g.capabilities.is_denied() && g.capabilities.intersects(wanted))
    }
}
