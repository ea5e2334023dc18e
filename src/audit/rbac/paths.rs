//! The ways to Secrets: which permissions of a role lead to Secret
//! values, directly (reading them) or indirectly (running a pod that
//! mounts them, exec, tokens, impersonation, escalation, the kubelet API).
//! Each [`Path`] is probed with the request shapes in `PROBES`; what a
//! role's rules allow of them are its [`Grant`]s, and [`Rbac::accesses`]
//! pairs them with the subjects bound to the role.

use super::rules::{EffectiveRule, Request};
use super::subjects::SubjectRef;
use super::{Binding, Rbac, RoleInfo, Scope};

/// A way to Secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Path {
    /// get, list or watch on `secrets`.
    ReadSecrets,
    /// Create a pod that mounts any Secret of the namespace.
    CreatePods,
    /// Create or change a workload whose pod template mounts any Secret.
    Workloads,
    /// Run commands in pods that hold Secrets (`get` suffices over websockets).
    ExecPods,
    AttachPods,
    /// Add a debug container to a pod, with its volumes.
    EphemeralContainers,
    /// Mint a token for any service account, then act as it.
    ServiceAccountToken,
    /// Act as another user, group or service account.
    Impersonate,
    /// Create roles with permissions one lacks.
    Escalate,
    /// Bind roles one lacks.
    Bind,
    /// The kubelet API (exec into any pod on the node).
    NodesProxy,
}

impl Path {
    pub fn is_direct(self) -> bool {
        self == Path::ReadSecrets
    }

    /// Short words for reports.
    pub fn label(self) -> &'static str {
        match self {
            Path::ReadSecrets => "read secrets",
            Path::CreatePods => "create pods",
            Path::Workloads => "create or change workloads",
            Path::ExecPods => "exec into pods",
            Path::AttachPods => "attach to pods",
            Path::EphemeralContainers => "add ephemeral containers",
            Path::ServiceAccountToken => "create service account tokens",
            Path::Impersonate => "impersonate",
            Path::Escalate => "escalate roles",
            Path::Bind => "bind roles",
            Path::NodesProxy => "kubelet API (nodes/proxy)",
        }
    }
}

/// One request shape that leads to Secrets.
struct Probe {
    path: Path,
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    /// Only meaningful cluster-wide (a cluster-scoped resource).
    cluster_only: bool,
    /// The request names an object (so `resourceNames` can grant it).
    named: bool,
}

const fn probe(
    path: Path,
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    cluster_only: bool,
    named: bool,
) -> Probe {
    Probe {
        path,
        verb,
        group,
        resource,
        cluster_only,
        named,
    }
}

pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

const PROBES: &[Probe] = {
    use Path::*;
    &[
        probe(ReadSecrets, "get", "", "secrets", false, true),
        probe(ReadSecrets, "list", "", "secrets", false, true),
        probe(ReadSecrets, "watch", "", "secrets", false, true),
        probe(CreatePods, "create", "", "pods", false, false),
        probe(Workloads, "create", "apps", "deployments", false, false),
        probe(Workloads, "create", "apps", "statefulsets", false, false),
        probe(Workloads, "create", "apps", "daemonsets", false, false),
        probe(Workloads, "create", "apps", "replicasets", false, false),
        probe(Workloads, "create", "batch", "jobs", false, false),
        probe(Workloads, "create", "batch", "cronjobs", false, false),
        probe(
            Workloads,
            "create",
            "",
            "replicationcontrollers",
            false,
            false,
        ),
        probe(Workloads, "update", "apps", "deployments", false, true),
        probe(Workloads, "patch", "apps", "deployments", false, true),
        probe(Workloads, "update", "apps", "statefulsets", false, true),
        probe(Workloads, "patch", "apps", "statefulsets", false, true),
        probe(Workloads, "update", "apps", "daemonsets", false, true),
        probe(Workloads, "patch", "apps", "daemonsets", false, true),
        probe(Workloads, "update", "batch", "cronjobs", false, true),
        probe(Workloads, "patch", "batch", "cronjobs", false, true),
        probe(ExecPods, "create", "", "pods/exec", false, true),
        probe(ExecPods, "get", "", "pods/exec", false, true),
        probe(AttachPods, "create", "", "pods/attach", false, true),
        probe(AttachPods, "get", "", "pods/attach", false, true),
        probe(
            EphemeralContainers,
            "update",
            "",
            "pods/ephemeralcontainers",
            false,
            true,
        ),
        probe(
            EphemeralContainers,
            "patch",
            "",
            "pods/ephemeralcontainers",
            false,
            true,
        ),
        probe(
            ServiceAccountToken,
            "create",
            "",
            "serviceaccounts/token",
            false,
            true,
        ),
        probe(
            Impersonate,
            "impersonate",
            "",
            "serviceaccounts",
            false,
            true,
        ),
        probe(Impersonate, "impersonate", "", "users", true, true),
        probe(Impersonate, "impersonate", "", "groups", true, true),
        probe(Escalate, "escalate", RBAC_GROUP, "roles", false, true),
        probe(Escalate, "escalate", RBAC_GROUP, "clusterroles", true, true),
        probe(Bind, "bind", RBAC_GROUP, "roles", false, true),
        probe(Bind, "bind", RBAC_GROUP, "clusterroles", false, true),
        probe(NodesProxy, "get", "", "nodes/proxy", true, true),
        probe(NodesProxy, "create", "", "nodes/proxy", true, true),
    ]
};

/// A permission of a role that leads to Secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub path: Path,
    pub verb: &'static str,
    /// `secrets`, `pods/exec`, `deployments.apps`, ...
    pub resource: String,
    /// `Some`: only the objects of these names (`resourceNames`).
    pub names: Option<Vec<String>>,
    /// The rule that grants it.
    pub rule: EffectiveRule,
    /// Only through a ClusterRoleBinding.
    pub cluster_only: bool,
}

impl Grant {
    /// `get secrets`, `create pods/exec`, `get secrets (names: a, b)`.
    pub fn describe(&self) -> String {
        match &self.names {
            None => format!("{} {}", self.verb, self.resource),
            Some(names) => format!(
                "{} {} (names: {})",
                self.verb,
                self.resource,
                names.join(", ")
            ),
        }
    }
}

/// The grants of one role, at most one per (verb, resource): a grant
/// without names wins over named ones, whose names are merged.
pub(super) fn role_grants(role: &RoleInfo) -> Vec<Grant> {
    let mut grants: Vec<Grant> = Vec::new();
    for rule in &role.rules {
        for p in PROBES {
            let req = Request::new(p.verb, p.resource)
                .group(p.group)
                .namespace(if p.cluster_only { "" } else { "any" });
            let names = if rule.rule.allows(&req) {
                None
            } else if p.named
                && !rule.rule.resource_names.is_empty()
                && rule.rule.allows(&req.name(&rule.rule.resource_names[0]))
            {
                Some(rule.rule.resource_names.clone())
            } else {
                continue;
            };
            let resource = if p.group.is_empty() {
                p.resource.to_string()
            } else {
                let (res, sub) = p.resource.split_once('/').unwrap_or((p.resource, ""));
                let sub = if sub.is_empty() {
                    String::new()
                } else {
                    format!("/{sub}")
                };
                format!("{res}.{}{sub}", p.group)
            };
            match grants
                .iter_mut()
                .find(|g| g.verb == p.verb && g.resource == resource)
            {
                Some(existing) => {
                    if let (Some(have), Some(new)) = (&mut existing.names, &names) {
                        for n in new {
                            if !have.contains(n) {
                                have.push(n.clone());
                            }
                        }
                    } else if names.is_none() && existing.names.is_some() {
                        existing.names = None;
                        existing.rule = rule.clone();
                    }
                }
                None => grants.push(Grant {
                    path: p.path,
                    verb: p.verb,
                    resource,
                    names,
                    rule: rule.clone(),
                    cluster_only: p.cluster_only,
                }),
            }
        }
    }
    grants
}

/// A subject that some binding gives a way to Secrets.
#[derive(Clone, Debug)]
pub struct Access<'a> {
    pub subject: &'a SubjectRef,
    pub binding: &'a Binding,
    pub role: &'a RoleInfo,
    pub grants: Vec<&'a Grant>,
}

impl Access<'_> {
    pub fn direct(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter().copied().filter(|g| g.path.is_direct())
    }

    pub fn indirect(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter().copied().filter(|g| !g.path.is_direct())
    }
}

impl Rbac {
    /// Every (binding, subject) whose role gives some way to Secrets:
    /// direct reads and indirect paths. Grants on cluster-scoped resources
    /// are left out for RoleBindings.
    pub fn accesses(&self) -> Vec<Access<'_>> {
        let mut out = Vec::new();
        for binding in &self.bindings {
            let Some(role) = binding.role else { continue };
            let usable: Vec<&Grant> = self.grants[role]
                .iter()
                .filter(|g| binding.scope == Scope::Cluster || !g.cluster_only)
                .collect();
            if usable.is_empty() {
                continue;
            }
            for subject in &binding.subjects {
                out.push(Access {
                    subject,
                    binding,
                    role: &self.roles[role],
                    grants: usable.clone(),
                });
            }
        }
        out
    }
}
