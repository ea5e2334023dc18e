//! A static RBAC evaluator: given Roles, ClusterRoles and their bindings,
//! does RBAC allow a user to do a verb on a resource? It follows the
//! Kubernetes RBAC authorizer (`plugin/pkg/auth/authorizer/rbac`) exactly:
//!
//! - ClusterRoleBindings apply to every request, namespaced or not;
//!   RoleBindings only to requests in their own namespace, whether they
//!   refer to a Role (of that namespace) or a ClusterRole. A
//!   ClusterRoleBinding that refers to a Role grants nothing.
//! - A subject matches by kind: `User` by user name, `Group` by group
//!   membership, `ServiceAccount` by the user name
//!   `system:serviceaccount:<ns>:<name>`, its namespace defaulting to the
//!   RoleBinding's (a ServiceAccount subject without a namespace in a
//!   ClusterRoleBinding matches nobody). Other kinds match nobody.
//! - A rule allows a request when a verb, an API group and a resource of the
//!   rule match (`*` matches anything; a resource `*/sub` matches subresource
//!   `sub` of any resource; `pods` does not match `pods/exec`) and, if the
//!   rule has `resourceNames`, the request's object name is one of them.
//!   Requests on a collection (list, watch without a name, create) carry no
//!   name, so rules with `resourceNames` never grant them.
//! - ClusterRoles with an `aggregationRule` get the union of the rules of
//!   the ClusterRoles its selectors match ([`Aggregation`]).
//! - `cluster-admin`, `admin`, `edit`, `view` and the `system:aggregate-to-*`
//!   roles are added from [`super::bootstrap`] when not defined.
//!
//! [`Rbac::allows`] also answers yes for the group `system:masters`, as the
//! apiserver's privileged-group authorizer does before RBAC runs; the
//! [`UserInfo`] constructors add the groups an authenticator would
//! (`system:authenticated`, `system:serviceaccounts[:<ns>]`).
//!
//! Not modelled: the Node authorizer, webhooks, `nonResourceURLs` requests,
//! bootstrap roles other than those above (bindings to other `system:`
//! roles resolve to nothing).
//!
//! The pieces: `rules` matches one rule against one request, `subjects`
//! maps binding subjects to the users they stand for, `aggregation` fills
//! aggregated ClusterRoles, and `paths` lists the permissions that lead to
//! Secrets and who holds them. This module ties them together into the
//! evaluator, [`Rbac`].

mod aggregation;
mod paths;
mod rules;
mod subjects;
#[cfg(test)]
mod tests;

pub use aggregation::selector_matches;
pub use paths::{Access, Grant, Path, RBAC_GROUP};
pub use rules::{EffectiveRule, Request, Rule};
pub use subjects::{SubjectRef, UserInfo};

use super::bootstrap::{BOOTSTRAP_LABEL, BOOTSTRAP_VALUE};
use super::finding::ObjectRef;
use super::inventory::{object_ref, Inventory};
use k8s_openapi::api::rbac::v1::RoleRef;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use paths::role_grants;
use rules::own_rules;
use std::collections::HashMap;

pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
pub const AUTHENTICATED: &str = "system:authenticated";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
pub const ANONYMOUS: &str = "system:anonymous";
pub const MASTERS: &str = "system:masters";

/// Where a binding applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// A ClusterRoleBinding: every namespace and cluster-scoped resources.
    Cluster,
    /// A RoleBinding: requests in this namespace.
    Namespace(String),
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Cluster => None,
            Scope::Namespace(ns) => Some(ns),
        }
    }
}

/// How aggregated ClusterRoles get their rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Aggregation {
    /// As the clusterrole-aggregation controller leaves them: the union of
    /// the rules of every other ClusterRole a selector matches, nested
    /// aggregation included; the role's own stored rules are replaced.
    #[default]
    Controller,
    /// The rules as stored (an API snapshot, or an apiserver running
    /// without kube-controller-manager).
    Stored,
    /// As stored, except aggregated roles that hold no rules while their
    /// selectors match roles that do: the controller has not filled them
    /// yet (or does not run), and will write that union as soon as it
    /// does, so they are audited with it ([`RoleInfo::pending`]).
    StoredUnlessEmpty,
}

/// Evaluator options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub aggregation: Aggregation,
    /// Add the built-in ClusterRoles that the inventory does not define.
    pub builtin_roles: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            aggregation: Aggregation::Controller,
            builtin_roles: true,
        }
    }
}

/// A Role or ClusterRole with its effective rules.
#[derive(Clone, Debug)]
pub struct RoleInfo {
    pub object: ObjectRef,
    pub rules: Vec<EffectiveRule>,
    /// Added from the built-in roles, not from the inventory.
    pub builtin: bool,
    /// Labelled `kubernetes.io/bootstrapping: rbac-defaults`.
    pub bootstrap: bool,
    pub aggregated: bool,
    /// Aggregated, stored without rules, and given the union of the roles
    /// its selectors match ([`Aggregation::StoredUnlessEmpty`]): the
    /// apiserver grants none of [`RoleInfo::rules`] until the controller
    /// writes them.
    pub pending: bool,
}

impl RoleInfo {
    /// `*` on `*` in `*`: cluster-admin or its equal.
    pub fn is_full_admin(&self) -> bool {
        self.rules.iter().any(|r| r.rule.is_full_wildcard())
    }
}

/// A RoleBinding or ClusterRoleBinding, resolved.
#[derive(Clone, Debug)]
pub struct Binding {
    pub object: ObjectRef,
    pub scope: Scope,
    /// The role it refers to (kind, namespace for Roles, name).
    pub role_ref: ObjectRef,
    /// Index into [`Rbac::roles`]; `None` when the role does not exist.
    pub role: Option<usize>,
    pub subjects: Vec<SubjectRef>,
    /// Labelled `kubernetes.io/bootstrapping: rbac-defaults`.
    pub bootstrap: bool,
}

/// Why a request is allowed.
#[derive(Clone, Copy, Debug)]
pub enum Decision<'a> {
    /// The user is in `system:masters`.
    Superuser,
    /// A binding grants it through a rule of its role.
    Rule {
        binding: &'a Binding,
        role: &'a RoleInfo,
        rule: &'a EffectiveRule,
    },
}

/// The evaluator: roles, bindings, and bindings indexed by subject.
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    roles: Vec<RoleInfo>,
    /// The grants of each role, by role index.
    grants: Vec<Vec<Grant>>,
    role_index: HashMap<ObjectRef, usize>,
    bindings: Vec<Binding>,
    by_user: HashMap<String, Vec<usize>>,
    by_group: HashMap<String, Vec<usize>>,
}

fn is_bootstrap(meta: &ObjectMeta) -> bool {
    meta.labels
        .as_ref()
        .and_then(|l| l.get(BOOTSTRAP_LABEL))
        .is_some_and(|v| v == BOOTSTRAP_VALUE)
}

impl Rbac {
    /// The evaluator for `inventory` with default options.
    pub fn new(inventory: &Inventory) -> Self {
        Self::with_options(inventory, Options::default())
    }

    pub fn with_options(inventory: &Inventory, options: Options) -> Self {
        let mut rbac = Rbac::default();
        for role in inventory.roles.iter() {
            let object = object_ref(role);
            rbac.add_role(RoleInfo {
                rules: own_rules(&object, role.rules.as_deref()),
                object,
                builtin: false,
                bootstrap: is_bootstrap(&role.metadata),
                aggregated: false,
                pending: false,
            });
        }
        rbac.add_cluster_roles(inventory, options);
        rbac.grants = rbac.roles.iter().map(role_grants).collect();
        for binding in inventory.role_bindings.iter() {
            let namespace = binding.metadata.namespace.clone().unwrap_or_default();
            let role_ref = role_ref_object(&binding.role_ref, Some(&namespace));
            let subjects = binding
                .subjects
                .iter()
                .flatten()
                .filter_map(|s| SubjectRef::from_subject(s, Some(&namespace)))
                .collect();
            rbac.add_binding(Binding {
                object: object_ref(binding),
                scope: Scope::Namespace(namespace),
                role: rbac.role_index.get(&role_ref).copied(),
                role_ref,
                subjects,
                bootstrap: is_bootstrap(&binding.metadata),
            });
        }
        for binding in inventory.cluster_role_bindings.iter() {
            let role_ref = role_ref_object(&binding.role_ref, None);
            let subjects = binding
                .subjects
                .iter()
                .flatten()
                .filter_map(|s| SubjectRef::from_subject(s, None))
                .collect();
            rbac.add_binding(Binding {
                object: object_ref(binding),
                scope: Scope::Cluster,
                role: rbac.role_index.get(&role_ref).copied(),
                role_ref,
                subjects,
                bootstrap: is_bootstrap(&binding.metadata),
            });
        }
        rbac
    }

    fn add_role(&mut self, role: RoleInfo) {
        self.role_index
            .insert(role.object.clone(), self.roles.len());
        self.roles.push(role);
    }

    fn add_binding(&mut self, binding: Binding) {
        let id = self.bindings.len();
        for subject in &binding.subjects {
            let map = match subject {
                SubjectRef::Group(_) => &mut self.by_group,
                _ => &mut self.by_user,
            };
            let ids = map.entry(subject.rbac_name()).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        self.bindings.push(binding);
    }

    pub fn roles(&self) -> &[RoleInfo] {
        &self.roles
    }

    /// Aggregated roles audited with rules the apiserver does not hold yet
    /// ([`RoleInfo::pending`]).
    pub fn pending_aggregations(&self) -> impl Iterator<Item = &RoleInfo> {
        self.roles.iter().filter(|r| r.pending)
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The role `Role/ns/name` or `ClusterRole/name`.
    pub fn role(&self, object: &ObjectRef) -> Option<&RoleInfo> {
        self.role_index.get(object).map(|&i| &self.roles[i])
    }

    /// The bindings that may apply to `user` (by name or group).
    fn candidate_bindings<'a>(&'a self, user: &'a UserInfo) -> impl Iterator<Item = usize> + 'a {
        self.by_user
            .get(&user.name)
            .into_iter()
            .flatten()
            .chain(
                user.groups
                    .iter()
                    .filter_map(|g| self.by_group.get(g))
                    .flatten(),
            )
            .copied()
    }

    /// Does RBAC (plus the `system:masters` short cut) allow `req` for
    /// `user`? The answer names the binding and rule that allow it.
    pub fn allows(&self, user: &UserInfo, req: &Request) -> Option<Decision<'_>> {
        if user.groups.iter().any(|g| g == MASTERS) {
            return Some(Decision::Superuser);
        }
        for id in self.candidate_bindings(user) {
            let binding = &self.bindings[id];
            if let Scope::Namespace(ns) = &binding.scope {
                if ns != req.namespace {
                    continue;
                }
            }
            let Some(role) = binding.role.map(|r| &self.roles[r]) else {
                continue;
            };
            if let Some(rule) = role.rules.iter().find(|r| r.rule.allows(req)) {
                return Some(Decision::Rule {
                    binding,
                    role,
                    rule,
                });
            }
        }
        None
    }
}

fn role_ref_object(role_ref: &RoleRef, binding_namespace: Option<&str>) -> ObjectRef {
    match (role_ref.kind.as_str(), binding_namespace) {
        ("Role", Some(ns)) => ObjectRef::namespaced("Role", ns, &role_ref.name),
        // A ClusterRoleBinding cannot refer to a Role: it resolves to none.
        ("Role", None) => ObjectRef::cluster("Role", &role_ref.name),
        (kind, _) => ObjectRef::cluster(kind, &role_ref.name),
    }
}
