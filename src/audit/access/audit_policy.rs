//! Whether the kube-apiserver's audit policy (`--audit-policy-file`,
//! `audit.k8s.io/v1` Policy) is safe for Secrets: logged at `Request` a
//! create, update or patch writes the Secret's data into the log, at
//! `RequestResponse` every read does too (KV-LOG-001); not logged at all,
//! nobody can say who read a Secret (KV-LOG-002).
//!
//! The policy is evaluated as the apiserver does (`policy/checker.go`):
//! the first rule that matches a request decides its level, none matching
//! is `None`. kvault asks it about probe requests on `secrets`: every verb,
//! as an ordinary user and as each user and group the rules name, in an
//! ordinary namespace and in each namespace they name. Unlogged reads are
//! only reported for the ordinary user: dropping the control plane's own
//! noise (`system:kube-controller-manager`, `system:nodes`) is common and
//! deliberate.

use crate::audit::catalogue::FindingId;
use crate::audit::finding::{Location, ObjectRef};
use crate::audit::Finding;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyDoc {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    level: String,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    user_groups: Vec<String>,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    resources: Vec<GroupResources>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    non_resource_urls: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupResources {
    #[serde(default)]
    group: String,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    resource_names: Vec<String>,
}

const LEVELS: &[&str] = &["None", "Metadata", "Request", "RequestResponse"];
const VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
const ORDINARY_USER: &str = "kvault:ordinary-user";
const ORDINARY_NAMESPACE: &str = "kvault-ordinary-namespace";
const AUTHENTICATED: &str = "system:authenticated";

/// One request the policy is asked about.
struct Probe<'a> {
    user: &'a str,
    groups: Vec<&'a str>,
    verb: &'static str,
    namespace: &'a str,
    name: &'a str,
}

impl Rule {
    /// `ruleMatches` of the apiserver, for a request on core `secrets`.
    fn matches(&self, p: &Probe<'_>) -> bool {
        if !self.users.is_empty() && !self.users.iter().any(|u| u == p.user) {
            return false;
        }
        if !self.user_groups.is_empty()
            && !self
                .user_groups
                .iter()
                .any(|g| p.groups.contains(&g.as_str()))
        {
            return false;
        }
        if !self.verbs.is_empty() && !self.verbs.iter().any(|v| v == p.verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            if !self.namespaces.is_empty() && !self.namespaces.iter().any(|n| n == p.namespace) {
                return false;
            }
            if self.resources.is_empty() {
                return true;
            }
            return self.resources.iter().any(|gr| {
                gr.group.is_empty()
                    && (gr.resources.is_empty()
                        || gr.resources.iter().any(|r| {
                            (gr.resource_names.is_empty()
                                || gr.resource_names.iter().any(|n| n == p.name))
                                && (r == "secrets" || r == "*" || r == "secrets/*")
                        }))
            });
        }
        // Only non-resource URLs: never a resource request.
        self.non_resource_urls.is_empty()
    }
}

/// The level of `probe` and the rule (1-based) that decides it.
fn level<'r>(rules: &'r [Rule], probe: &Probe<'_>) -> (&'r str, Option<usize>) {
    rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.matches(probe))
        .map_or(("None", None), |(i, r)| (r.level.as_str(), Some(i + 1)))
}

/// Whether a request at `level` writes the Secret's data into the log.
fn logs_body(level: &str, verb: &str) -> bool {
    level == "RequestResponse"
        || (level == "Request" && matches!(verb, "create" | "update" | "patch"))
}

/// A parser message on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Check the policy in `path`: its findings, or an error naming the file.
pub fn check_file(path: &Path) -> Result<Vec<Finding>, super::AccessError> {
    let text = crate::yaml::read_file(path, &crate::yaml::MANIFESTS).map_err(|e| {
        super::AccessError::Policy(format!(
            "cannot read the audit policy `{}`: {e}",
            path.display()
        ))
    })?;
    check(&text, &path.display().to_string())
}

/// Check the policy `text` (YAML or JSON) read from `origin`.
pub fn check(text: &str, origin: &str) -> Result<Vec<Finding>, super::AccessError> {
    let doc = parse(text, origin)?;
    let seen = evaluate(&doc.rules);
    Ok(findings(origin, seen))
}

/// The policy, or why it is not one (naming `origin`).
fn parse(text: &str, origin: &str) -> Result<PolicyDoc, super::AccessError> {
    let bad = |why: String| {
        super::AccessError::Policy(format!("`{origin}` is not an audit policy: {why}"))
    };
    crate::yaml::check(text, &crate::yaml::MANIFESTS).map_err(|e| bad(e.to_string()))?;
    let doc: PolicyDoc = serde_yaml::from_str(text).map_err(|e| bad(one_line(&e.to_string())))?;
    if !doc.api_version.starts_with("audit.k8s.io/") || doc.kind != "Policy" {
        return Err(bad(format!(
            "apiVersion `{}` kind `{}` (want audit.k8s.io/v1 Policy)",
            doc.api_version, doc.kind
        )));
    }
    if let Some((i, rule)) = doc
        .rules
        .iter()
        .enumerate()
        .find(|(_, r)| !LEVELS.contains(&r.level.as_str()))
    {
        return Err(bad(format!("rule {} has level `{}`", i + 1, rule.level)));
    }
    Ok(doc)
}

/// Who, where and which names to ask the rules about: an ordinary user
/// in an ordinary namespace, plus every user, group, namespace and name
/// a rule mentions (so that each rule is reached by some probe).
struct Probes<'a> {
    users: Vec<(&'a str, Vec<&'a str>)>,
    namespaces: Vec<&'a str>,
    names: Vec<&'a str>,
}

fn probes(rules: &[Rule]) -> Probes<'_> {
    let mut users: Vec<(&str, Vec<&str>)> = vec![(ORDINARY_USER, vec![AUTHENTICATED])];
    users.extend(
        rules
            .iter()
            .flat_map(|r| &r.users)
            .map(|u| (u.as_str(), vec![AUTHENTICATED])),
    );
    users.extend(
        rules
            .iter()
            .flat_map(|r| &r.user_groups)
            .map(|g| (ORDINARY_USER, vec![g.as_str(), AUTHENTICATED])),
    );
    let mut namespaces = vec![ORDINARY_NAMESPACE];
    namespaces.extend(rules.iter().flat_map(|r| &r.namespaces).map(String::as_str));
    let mut names = vec!["kvault-probe"];
    names.extend(
        rules
            .iter()
            .flat_map(|r| &r.resources)
            .flat_map(|g| &g.resource_names)
            .map(String::as_str),
    );
    namespaces.sort_unstable();
    namespaces.dedup();
    names.sort_unstable();
    names.dedup();
    Probes {
        users,
        namespaces,
        names,
    }
}

/// What the probes found: rule -> (its level, the verbs whose bodies it
/// logs), and the ordinary reads no rule logs (with the rule that
/// matched them at level None, if one did).
#[derive(Default)]
struct Seen {
    leaks: std::collections::BTreeMap<usize, (String, Vec<&'static str>)>,
    unlogged: Vec<(String, Option<usize>)>,
}

fn evaluate(rules: &[Rule]) -> Seen {
    let probes = probes(rules);
    let mut seen = Seen::default();
    for (user, groups) in &probes.users {
        for verb in VERBS {
            for namespace in &probes.namespaces {
                for name in &probes.names {
                    let name = if matches!(*verb, "list" | "watch") {
                        ""
                    } else {
                        name
                    };
                    let probe = Probe {
                        user,
                        groups: groups.clone(),
                        verb,
                        namespace,
                        name,
                    };
                    seen.add(rules, &probe);
                }
            }
        }
    }
    seen
}

impl Seen {
    fn add(&mut self, rules: &[Rule], probe: &Probe<'_>) {
        let verb = probe.verb;
        let (level, rule) = level(rules, probe);
        if let (Some(rule), true) = (rule, logs_body(level, verb)) {
            let entry = self
                .leaks
                .entry(rule)
                .or_insert_with(|| (level.to_string(), Vec::new()));
            if !entry.1.contains(&verb) {
                entry.1.push(verb);
            }
        }
        let ordinary = probe.user == ORDINARY_USER && probe.groups.len() == 1;
        if ordinary && level == "None" && matches!(verb, "get" | "list" | "watch") {
            let place = match probe.namespace == ORDINARY_NAMESPACE {
                true => "in any namespace".to_string(),
                false => format!("in {}", probe.namespace),
            };
            let what = format!("{verb} {place}");
            if !self.unlogged.iter().any(|(w, _)| *w == what) {
                self.unlogged.push((what, rule));
            }
        }
    }
}

/// KV-LOG-001 per rule that logs Secret bodies, KV-LOG-002 for reads
/// that go unlogged.
fn findings(origin: &str, seen: Seen) -> Vec<Finding> {
    let object = || ObjectRef::cluster("AuditPolicy", origin);
    let location = || Location {
        file: origin.to_string(),
        line: None,
    };
    let mut out = Vec::new();
    for (rule, (level, verbs)) in seen.leaks {
        out.push(
            Finding::new(
                FindingId::Log001,
                format!("audit policy rule {rule} logs Secrets at {level}: their data goes into the audit log"),
                format!("rule {rule} (level {level}) matches Secret {} requests", verbs.join(", ")),
            )
            .object(object())
            .location(location()),
        );
    }
    if !seen.unlogged.is_empty() {
        let how: Vec<String> = seen
            .unlogged
            .iter()
            .map(|(what, rule)| match rule {
                Some(r) => format!("{what} (rule {r}, level None)"),
                None => format!("{what} (no rule matches)"),
            })
            .collect();
        out.push(
            Finding::new(
                FindingId::Log002,
                "the audit policy does not log reads of Secrets",
                format!("not logged for an ordinary user: {}", how.join("; ")),
            )
            .object(object())
            .location(location()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(policy: &str) -> Vec<(String, String)> {
        check(policy, "policy.yaml")
            .unwrap()
            .into_iter()
            .map(|f| (f.id.as_str().to_string(), f.evidence))
            .collect()
    }

    const HEAD: &str = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n";

    #[test]
    fn secrets_at_metadata_before_a_catch_all_request_response_is_safe() {
        let policy = format!(
            "{HEAD}- level: None\n  users: [system:kube-controller-manager]\n\
             - level: Metadata\n  resources: [{{group: \"\", resources: [secrets, configmaps]}}]\n\
             - level: RequestResponse\n"
        );
        assert_eq!(ids(&policy), vec![]);
    }

    #[test]
    fn a_catch_all_request_response_logs_every_secret_body() {
        let found = ids(&format!("{HEAD}- level: RequestResponse\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "KV-LOG-001");
        assert!(
            found[0]
                .1
                .contains("get, list, watch, create, update, patch, delete"),
            "{found:?}"
        );
        // Request logs bodies only of writes.
        let found = ids(&format!(
            "{HEAD}- level: Request\n  resources: [{{group: \"\"}}]\n"
        ));
        assert_eq!(
            found[0].1,
            "rule 1 (level Request) matches Secret create, update, patch requests"
        );
    }

    #[test]
    fn secrets_left_out_or_dropped_in_a_namespace_are_unlogged_reads() {
        let found = ids(&format!(
            "{HEAD}- level: Metadata\n  resources: [{{group: \"\", resources: [pods]}}]\n"
        ));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "KV-LOG-002");
        assert!(
            found[0]
                .1
                .contains("get in any namespace (no rule matches)"),
            "{found:?}"
        );
        let found = ids(&format!(
            "{HEAD}- level: None\n  namespaces: [kube-system]\n  resources: [{{group: \"\", resources: [secrets]}}]\n- level: Metadata\n"
        ));
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .contains("get in kube-system (rule 1, level None)"),
            "{found:?}"
        );
        assert!(!found[0].1.contains("any namespace"), "{found:?}");
    }

    #[test]
    fn a_rule_for_named_users_or_other_groups_does_not_decide_for_everyone() {
        // Only bob's requests are logged with bodies.
        let policy = format!(
            "{HEAD}- level: RequestResponse\n  users: [bob]\n- level: None\n  userGroups: [system:nodes]\n- level: Metadata\n"
        );
        let found = ids(&policy);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "KV-LOG-001");
        // Non-resource rules never match a Secret request.
        let found = ids(&format!(
            "{HEAD}- level: None\n  nonResourceURLs: [\"/healthz*\"]\n- level: Metadata\n"
        ));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn not_a_policy_is_an_error_naming_the_file() {
        for text in [
            "kind: Pod\napiVersion: v1\n",
            "rules: [",
            &format!("{HEAD}- level: Loud\n"),
        ] {
            let err = check(text, "policy.yaml").err().unwrap().to_string();
            assert!(
                err.contains("`policy.yaml` is not an audit policy"),
                "{err}"
            );
        }
    }
}
