//! RBAC around Secrets (`KV-RBAC-*`) and the who-can-read listing.
//!
//! Findings leave out bindings labelled `kubernetes.io/bootstrapping:
//! rbac-defaults` (the cluster's own) and the group `system:masters`; the
//! who-can-read listing shows everything. Grants restricted by
//! `resourceNames` are least privilege done right: they show in the listing
//! but raise findings only for broad groups and default service accounts.

use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::inventory::{object_ref, Inventory};
use crate::audit::rbac::{
    Access, Grant, Path, Rbac, Request, Rule, Scope, SubjectRef, ALL_SERVICE_ACCOUNTS, ANONYMOUS,
    AUTHENTICATED, MASTERS, UNAUTHENTICATED,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

pub fn check(inventory: &Inventory, rbac: &Rbac) -> Vec<Finding> {
    let mut findings = wildcard_roles(inventory);
    findings.extend(dangling_bindings(rbac));
    // One finding or two per binding and subject: tens of thousands on a
    // large cluster, each a few formatted strings; built on every core, in
    // the accesses' order.
    let per_access: Vec<Finding> = rbac
        .accesses()
        .par_iter()
        .flat_map_iter(|access| access_findings(rbac, access))
        .collect();
    findings.extend(per_access);
    findings
}

/// A group (or user) that stands for everyone of a kind.
fn broad(subject: &SubjectRef) -> bool {
    match subject {
        SubjectRef::Group(g) => matches!(
            g.as_str(),
            AUTHENTICATED | UNAUTHENTICATED | ALL_SERVICE_ACCOUNTS
        ),
        SubjectRef::User(u) => u == ANONYMOUS,
        SubjectRef::ServiceAccount { .. } => false,
    }
}

/// A namespace's default service account, or all of a namespace's.
fn default_service_account(subject: &SubjectRef) -> bool {
    match subject {
        SubjectRef::Group(g) => g
            .strip_prefix(ALL_SERVICE_ACCOUNTS)
            .is_some_and(|rest| rest.starts_with(':') && rest.len() > 1),
        _ => subject
            .service_account()
            .is_some_and(|(_, name)| name == "default"),
    }
}

fn scope_words(scope: &Scope) -> String {
    match scope {
        Scope::Cluster => "in all namespaces".to_string(),
        Scope::Namespace(ns) => format!("in namespace `{ns}`"),
    }
}

/// `get, list, watch secrets` / `create pods; exec into pods` and the rules.
fn describe_grants(grants: &[&Grant]) -> String {
    let direct: Vec<String> = grants
        .iter()
        .filter(|g| g.path.is_direct())
        .map(|g| match &g.names {
            None => g.verb.to_string(),
            Some(names) => format!("{} (names: {})", g.verb, names.join(", ")),
        })
        .collect();
    let mut parts = Vec::new();
    if !direct.is_empty() {
        parts.push(format!("{} secrets", direct.join(", ")));
    }
    parts.extend(indirect_labels(grants));
    format!("{} via {}", parts.join("; "), describe_rules(grants))
}

/// `ClusterRole/x rules 0, 2; Role/ns/y rule 1`.
fn describe_rules(grants: &[&Grant]) -> String {
    let mut by_role: Vec<(&ObjectRef, BTreeSet<usize>)> = Vec::new();
    for g in grants {
        match by_role.iter_mut().find(|(o, _)| *o == &g.rule.origin) {
            Some((_, indexes)) => {
                indexes.insert(g.rule.index);
            }
            None => by_role.push((&g.rule.origin, BTreeSet::from([g.rule.index]))),
        }
    }
    by_role
        .into_iter()
        .map(|(role, indexes)| {
            let list: Vec<String> = indexes.iter().map(ToString::to_string).collect();
            let word = if list.len() == 1 { "rule" } else { "rules" };
            format!("{role} {word} {}", list.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One label per indirect path, with its resources where there are several.
fn indirect_labels(grants: &[&Grant]) -> Vec<String> {
    let mut paths: Vec<Path> = grants
        .iter()
        .map(|g| g.path)
        .filter(|p| !p.is_direct())
        .collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let of_path: Vec<&&Grant> = grants.iter().filter(|g| g.path == path).collect();
            let named = of_path.iter().all(|g| g.names.is_some());
            let mut resources: Vec<&str> = Vec::new();
            for g in &of_path {
                if !resources.contains(&g.resource.as_str()) {
                    resources.push(&g.resource);
                }
            }
            let mut label = path.label().to_string();
            if matches!(
                path,
                Path::Workloads | Path::Impersonate | Path::Escalate | Path::Bind
            ) {
                label = format!("{label} ({})", resources.join(", "));
            }
            if named {
                let mut names: Vec<&str> = of_path
                    .iter()
                    .flat_map(|g| g.names.iter().flatten().map(String::as_str))
                    .collect();
                names.sort();
                names.dedup();
                label = format!("{label} [names: {}]", names.join(", "));
            }
            label
        })
        .collect()
}

fn access_findings(rbac: &Rbac, access: &Access) -> Vec<Finding> {
    let (subject, binding) = (access.subject, access.binding);
    if binding.bootstrap || *subject == SubjectRef::Group(MASTERS.into()) {
        return Vec::new();
    }
    if let Some(finding) = whole_access(access) {
        return vec![finding];
    }
    let mut findings: Vec<Finding> = direct_read(access).into_iter().collect();
    findings.extend(indirect_reach(rbac, access));
    findings
}

/// The objects of an access's findings: subject, binding, role.
fn access_objects(access: &Access) -> [ObjectRef; 3] {
    [
        access.subject.object_ref(),
        access.binding.object.clone(),
        access.role.object.clone(),
    ]
}

/// `binding → role: <grants>`, the evidence of an access's findings.
fn how(access: &Access, grants: &[&Grant]) -> String {
    format!(
        "{} → {}: {}",
        access.binding.object,
        access.role.object,
        describe_grants(grants)
    )
}

/// Whether any of `grants` is not restricted by `resourceNames`.
fn unrestricted(grants: &[&Grant]) -> bool {
    grants.iter().any(|g| g.names.is_none())
}

/// The one finding that stands for the whole access, when there is one:
/// a broad group (KV-RBAC-001), cluster-admin cluster-wide (KV-RBAC-002),
/// a default service account (KV-RBAC-005), in that order.
fn whole_access(access: &Access) -> Option<Finding> {
    let (subject, binding, role) = (access.subject, access.binding, access.role);
    let where_ = scope_words(&binding.scope);
    let finding = if broad(subject) {
        Finding::new(
            FindingId::Rbac001,
            format!("{subject} (everyone of its kind) can reach Secrets {where_}"),
            how(access, &access.grants),
        )
    } else if binding.scope == Scope::Cluster && role.is_full_admin() {
        Finding::new(
            FindingId::Rbac002,
            format!("{subject} is cluster-admin (`*` on `*`) in all namespaces"),
            format!(
                "{} → {}: {}",
                binding.object,
                role.object,
                role.rules
                    .iter()
                    .find(|r| r.rule.is_full_wildcard())
                    .map(|r| format!("{} ({})", r.describe(), r.rule))
                    .unwrap_or_default()
            ),
        )
    } else if default_service_account(subject) {
        Finding::new(
            FindingId::Rbac005,
            format!("{subject} can reach Secrets {where_}: every pod without its own service account can"),
            how(access, &access.grants),
        )
    } else {
        return None;
    };
    Some(finding.objects(access_objects(access)))
}

/// KV-RBAC-003 / KV-RBAC-004: direct reads not restricted by name.
fn direct_read(access: &Access) -> Option<Finding> {
    let direct: Vec<&Grant> = access.direct().collect();
    if !unrestricted(&direct) {
        return None;
    }
    let subject = access.subject;
    let (id, title) = match access.binding.scope {
        Scope::Cluster => (
            FindingId::Rbac003,
            format!("{subject} can read Secrets in all namespaces"),
        ),
        Scope::Namespace(ref ns) => (
            FindingId::Rbac004,
            format!("{subject} can read Secrets in namespace `{ns}`"),
        ),
    };
    Some(Finding::new(id, title, how(access, &direct)).objects(access_objects(access)))
}

/// KV-RBAC-007 / KV-RBAC-008 for indirect paths that can be used, or
/// KV-RBAC-010 when only escalate or bind without the writes they need
/// are there: those lead nowhere, so they are rated apart, lower, and what
/// can be used stands out.
fn indirect_reach(rbac: &Rbac, access: &Access) -> Option<Finding> {
    let (subject, binding) = (access.subject, access.binding);
    let where_ = scope_words(&binding.scope);
    let indirect: Vec<&Grant> = access.indirect().collect();
    let (alone, usable): (Vec<&Grant>, Vec<&Grant>) = indirect
        .iter()
        .partition(|g| super::escalation::unusable_alone(rbac, access, g));
    let finding = if unrestricted(&usable) {
        let id = match binding.scope {
            Scope::Cluster => FindingId::Rbac007,
            Scope::Namespace(_) => FindingId::Rbac008,
        };
        let mut evidence = how(access, &usable);
        if unrestricted(&alone) {
            evidence.push_str(&format!(
                "; also {}, unusable alone",
                indirect_labels(&alone).join("; ")
            ));
        }
        Finding::new(
            id,
            format!("{subject} can obtain Secrets indirectly {where_}"),
            evidence,
        )
    } else if unrestricted(&alone) {
        Finding::new(
            FindingId::Rbac010,
            format!(
                "{subject} may escalate or bind roles {where_} but not write the roles or bindings that would use it"
            ),
            format!(
                "{}; without create, update or patch on roles (for escalate) or rolebindings/clusterrolebindings (for bind) these verbs grant nothing",
                how(access, &alone)
            ),
        )
    } else {
        return None;
    };
    Some(finding.objects(access_objects(access)))
}

/// KV-RBAC-006: roles whose own rules reach Secrets only through `*`.
fn wildcard_roles(inventory: &Inventory) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut check = |object: ObjectRef,
                     rules: Option<&[k8s_openapi::api::rbac::v1::PolicyRule]>,
                     bootstrap: bool| {
        if bootstrap {
            return;
        }
        let hits: Vec<String> = rules
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let rule = Rule::from(p);
                let wildcard = rule.verbs.iter().any(|v| v == "*")
                    || rule.resources.iter().any(|r| r == "*")
                    || rule.api_groups.iter().any(|g| g == "*");
                let secrets_named = rule.resources.iter().any(|r| r == "secrets")
                    && !rule.verbs.iter().any(|v| v == "*");
                let reaches = [
                    "get", "list", "watch", "create", "update", "patch", "delete",
                ]
                .iter()
                .any(|verb| {
                    rule.allows(&Request::new(verb, "secrets").namespace("any"))
                        || (!rule.resource_names.is_empty()
                            && rule.allows(
                                &Request::new(verb, "secrets")
                                    .namespace("any")
                                    .name(&rule.resource_names[0]),
                            ))
                });
                (wildcard && reaches && !secrets_named).then(|| format!("rule {i} ({rule})"))
            })
            .collect();
        if !hits.is_empty() {
            findings.push(
                Finding::new(
                    FindingId::Rbac006,
                    format!("{object} grants Secret access through wildcards"),
                    hits.join("; "),
                )
                .object(object),
            );
        }
    };
    for role in inventory.roles.iter() {
        check(
            object_ref(role),
            role.rules.as_deref(),
            is_bootstrap(&role.metadata),
        );
    }
    for role in inventory.cluster_roles.iter() {
        // Aggregated roles get their rules from others, reported there.
        if role.aggregation_rule.is_none() {
            check(
                object_ref(role),
                role.rules.as_deref(),
                is_bootstrap(&role.metadata),
            );
        }
    }
    findings
}

fn is_bootstrap(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> bool {
    meta.labels
        .as_ref()
        .and_then(|l| l.get(crate::audit::bootstrap::BOOTSTRAP_LABEL))
        .is_some_and(|v| v == crate::audit::bootstrap::BOOTSTRAP_VALUE)
}

/// KV-RBAC-009: bindings to roles that do not exist (other than the
/// cluster's own `system:` roles, which the audit does not model).
fn dangling_bindings(rbac: &Rbac) -> Vec<Finding> {
    rbac.bindings()
        .iter()
        .filter(|b| b.role.is_none() && !b.role_ref.name.starts_with("system:") && !b.bootstrap)
        .map(|b| {
            let why = if b.scope == Scope::Cluster && b.role_ref.kind == "Role" {
                "a ClusterRoleBinding cannot refer to a Role".to_string()
            } else {
                format!("{} is not among the audited objects", b.role_ref)
            };
            Finding::new(
                FindingId::Rbac009,
                format!(
                    "{} refers to {}, which does not exist",
                    b.object, b.role_ref
                ),
                format!(
                    "{why}; subjects: {}",
                    b.subjects
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .object(b.object.clone())
            .object(b.role_ref.clone())
        })
        .collect()
}

/// One line of `--who-can-read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessRow {
    /// `User`, `Group` or `ServiceAccount` and its name.
    pub subject: ObjectRef,
    /// Where: a namespace, or `*` for all namespaces.
    pub namespace: String,
    /// `direct` (get/list/watch), `indirect` or `superuser`.
    pub access: &'static str,
    /// What the subject can do: verbs on secrets, or indirect paths.
    pub verbs: Vec<String>,
    /// Every permission behind it: `get secrets`, `create pods/exec`, ...
    pub grants: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<ObjectRef>,
    /// The rules that give it: `ClusterRole/x rule 0`.
    pub rules: Vec<String>,
}

impl AccessRow {
    /// `ns/name` for service accounts, the name otherwise.
    pub fn subject_name(&self) -> String {
        match &self.subject.namespace {
            Some(ns) => format!("{ns}/{}", self.subject.name),
            None => self.subject.name.clone(),
        }
    }

    /// `ClusterRoleBinding/x → ClusterRole/y (ClusterRole/y rules 0, 2)`.
    pub fn how(&self) -> String {
        match (&self.binding, &self.role) {
            (Some(b), Some(r)) => {
                // "ClusterRole/y rule 0", "ClusterRole/y rule 2" → "ClusterRole/y rules 0, 2"
                let mut by_role: Vec<(&str, Vec<&str>)> = Vec::new();
                for rule in &self.rules {
                    let (role, index) = rule.rsplit_once(" rule ").unwrap_or((rule, ""));
                    match by_role.iter_mut().find(|(r, _)| *r == role) {
                        Some((_, indexes)) => indexes.push(index),
                        None => by_role.push((role, vec![index])),
                    }
                }
                let rules: Vec<String> = by_role
                    .into_iter()
                    .map(|(role, indexes)| {
                        let word = if indexes.len() == 1 { "rule" } else { "rules" };
                        format!("{role} {word} {}", indexes.join(", "))
                    })
                    .collect();
                format!("{b} → {r} ({})", rules.join("; "))
            }
            _ => "member of system:masters: bypasses RBAC".to_string(),
        }
    }
}

/// Every subject that can read Secrets, directly or indirectly, in
/// `namespace` (every namespace when `None`), plus `system:masters`.
pub fn who_can_read(rbac: &Rbac, namespace: Option<&str>) -> Vec<AccessRow> {
    let mut rows = vec![AccessRow {
        subject: ObjectRef::cluster("Group", MASTERS),
        namespace: "*".into(),
        access: "superuser",
        verbs: vec!["*".into()],
        grants: vec!["* on everything".into()],
        binding: None,
        role: None,
        rules: Vec::new(),
    }];
    for access in rbac.accesses() {
        let scope_ns = access.binding.scope.namespace();
        if let (Some(want), Some(have)) = (namespace, scope_ns) {
            if want != have {
                continue;
            }
        }
        let base = |kind: &'static str, grants: &[&Grant], verbs: Vec<String>| AccessRow {
            subject: access.subject.object_ref(),
            namespace: scope_ns.unwrap_or("*").to_string(),
            access: kind,
            verbs,
            grants: grants.iter().map(|g| g.describe()).collect(),
            binding: Some(access.binding.object.clone()),
            role: Some(access.role.object.clone()),
            rules: grants
                .iter()
                .map(|g| g.rule.describe())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        let direct: Vec<&Grant> = access.direct().collect();
        if !direct.is_empty() {
            let verbs = direct
                .iter()
                .map(|g| match &g.names {
                    None => g.verb.to_string(),
                    Some(names) => format!("{} (names: {})", g.verb, names.join(", ")),
                })
                .collect();
            rows.push(base("direct", &direct, verbs));
        }
        let indirect: Vec<&Grant> = access.indirect().collect();
        if !indirect.is_empty() {
            rows.push(base("indirect", &indirect, indirect_labels(&indirect)));
        }
    }
    fn key(r: &AccessRow) -> (bool, &str, u8, &ObjectRef, &Option<ObjectRef>) {
        let order = match r.access {
            "superuser" => 0,
            "direct" => 1,
            _ => 2,
        };
        (
            r.namespace != "*",
            &r.namespace,
            order,
            &r.subject,
            &r.binding,
        )
    }
    rows.sort_by(|a, b| key(a).cmp(&key(b)));
    rows
}

#[cfg(test)]
mod tests;
