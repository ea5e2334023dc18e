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

use super::bootstrap::{BOOTSTRAP_LABEL, BOOTSTRAP_VALUE};
use super::finding::ObjectRef;
use super::inventory::{object_ref, Inventory};
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
pub const AUTHENTICATED: &str = "system:authenticated";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
pub const ANONYMOUS: &str = "system:anonymous";
pub const MASTERS: &str = "system:masters";

/// One policy rule, as plain lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

impl From<&PolicyRule> for Rule {
    fn from(p: &PolicyRule) -> Self {
        Rule {
            verbs: p.verbs.clone(),
            api_groups: p.api_groups.clone().unwrap_or_default(),
            resources: p.resources.clone().unwrap_or_default(),
            resource_names: p.resource_names.clone().unwrap_or_default(),
            non_resource_urls: p.non_resource_urls.clone().unwrap_or_default(),
        }
    }
}

impl Rule {
    /// Does this rule allow the resource request `req`?
    pub fn allows(&self, req: &Request) -> bool {
        self.verb_matches(req.verb)
            && self.api_group_matches(req.api_group)
            && self.resource_matches(req)
            && self.resource_name_matches(req.name)
    }

    fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    fn api_group_matches(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group)
    }

    fn resource_matches(&self, req: &Request) -> bool {
        self.resources.iter().any(|r| {
            if r == "*" {
                return true;
            }
            if req.subresource.is_empty() {
                return r == req.resource;
            }
            // `resource/subresource`, or `*/subresource`.
            r.strip_prefix(req.resource)
                .and_then(|rest| rest.strip_prefix('/'))
                == Some(req.subresource)
                || r.strip_prefix("*/") == Some(req.subresource)
        })
    }

    fn resource_name_matches(&self, name: &str) -> bool {
        self.resource_names.is_empty() || self.resource_names.iter().any(|n| n == name)
    }

    /// True when the rule is `*` verbs on `*` resources in `*` groups.
    pub fn is_full_wildcard(&self) -> bool {
        self.resource_names.is_empty()
            && self.verbs.iter().any(|v| v == "*")
            && self.api_groups.iter().any(|g| g == "*")
            && self.resources.iter().any(|r| r == "*")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|i| if i.is_empty() { "\"\"" } else { i.as_str() })
                .collect::<Vec<_>>()
                .join(",")
        };
        write!(
            f,
            "verbs [{}] resources [{}] apiGroups [{}]",
            list(&self.verbs),
            list(&self.resources),
            list(&self.api_groups)
        )?;
        if !self.resource_names.is_empty() {
            write!(f, " resourceNames [{}]", list(&self.resource_names))?;
        }
        Ok(())
    }
}

/// A resource request, as the apiserver's request info sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    pub verb: &'a str,
    pub api_group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    /// `""` for cluster-scoped requests and requests across all namespaces.
    pub namespace: &'a str,
    /// `""` for requests on a collection.
    pub name: &'a str,
}

impl<'a> Request<'a> {
    /// `verb` on `resource` in the core group, cluster-wide, no name.
    /// `resource` may name a subresource: `pods/exec`.
    pub fn new(verb: &'a str, resource: &'a str) -> Self {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        Request {
            verb,
            api_group: "",
            resource,
            subresource,
            namespace: "",
            name: "",
        }
    }

    pub fn group(mut self, api_group: &'a str) -> Self {
        self.api_group = api_group;
        self
    }

    pub fn namespace(mut self, namespace: &'a str) -> Self {
        self.namespace = namespace;
        self
    }

    pub fn name(mut self, name: &'a str) -> Self {
        self.name = name;
        self
    }
}

/// Who is asking: a user name and groups, as an authenticator hands them on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// Exactly these name and groups (as in a SubjectAccessReview).
    pub fn raw(name: &str, groups: &[&str]) -> Self {
        UserInfo {
            name: name.to_string(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    /// An authenticated user: `groups` plus `system:authenticated`.
    pub fn user(name: &str, groups: &[&str]) -> Self {
        let mut info = Self::raw(name, groups);
        if !info.groups.iter().any(|g| g == AUTHENTICATED) {
            info.groups.push(AUTHENTICATED.to_string());
        }
        info
    }

    /// A service account's token: its user name and the groups
    /// `system:serviceaccounts`, `system:serviceaccounts:<ns>`,
    /// `system:authenticated`.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        UserInfo {
            name: format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"),
            groups: vec![
                ALL_SERVICE_ACCOUNTS.to_string(),
                format!("{ALL_SERVICE_ACCOUNTS}:{namespace}"),
                AUTHENTICATED.to_string(),
            ],
        }
    }

    /// An unauthenticated request.
    pub fn anonymous() -> Self {
        Self::raw(ANONYMOUS, &[UNAUTHENTICATED])
    }
}

/// A subject of a binding, its ServiceAccount namespace resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectRef {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

impl SubjectRef {
    /// `binding_namespace` is the RoleBinding's namespace (`None` for a
    /// ClusterRoleBinding). `None` for subjects that match nobody.
    pub fn from_subject(subject: &Subject, binding_namespace: Option<&str>) -> Option<Self> {
        match subject.kind.as_str() {
            "User" => Some(SubjectRef::User(subject.name.clone())),
            "Group" => Some(SubjectRef::Group(subject.name.clone())),
            "ServiceAccount" => {
                let namespace = subject
                    .namespace
                    .as_deref()
                    .filter(|ns| !ns.is_empty())
                    .or(binding_namespace.filter(|ns| !ns.is_empty()))?;
                Some(SubjectRef::ServiceAccount {
                    namespace: namespace.to_string(),
                    name: subject.name.clone(),
                })
            }
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            SubjectRef::User(_) => "User",
            SubjectRef::Group(_) => "Group",
            SubjectRef::ServiceAccount { .. } => "ServiceAccount",
        }
    }

    /// The name as RBAC sees it: user name, group name, or
    /// `system:serviceaccount:<ns>:<name>`.
    pub fn rbac_name(&self) -> String {
        match self {
            SubjectRef::User(n) | SubjectRef::Group(n) => n.clone(),
            SubjectRef::ServiceAccount { namespace, name } => {
                format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}")
            }
        }
    }

    /// The service account this subject is (also for a `User` spelled
    /// `system:serviceaccount:<ns>:<name>`).
    pub fn service_account(&self) -> Option<(&str, &str)> {
        match self {
            SubjectRef::ServiceAccount { namespace, name } => Some((namespace, name)),
            SubjectRef::User(user) => user
                .strip_prefix(SERVICE_ACCOUNT_PREFIX)
                .and_then(|rest| rest.split_once(':')),
            SubjectRef::Group(_) => None,
        }
    }

    /// Whom this subject stands for, as an authenticator would hand it on:
    /// a group is asked about as one member that is in no other group.
    pub fn user_info(&self) -> UserInfo {
        match self {
            SubjectRef::Group(g) if g == UNAUTHENTICATED => UserInfo::raw(ANONYMOUS, &[g]),
            SubjectRef::Group(g) => UserInfo::user("", &[g]),
            _ => match self.service_account() {
                Some((namespace, name)) => UserInfo::service_account(namespace, name),
                None => UserInfo::user(&self.rbac_name(), &[]),
            },
        }
    }

    /// As an object reference for findings.
    pub fn object_ref(&self) -> ObjectRef {
        match self {
            SubjectRef::User(n) => ObjectRef::cluster("User", n),
            SubjectRef::Group(n) => ObjectRef::cluster("Group", n),
            SubjectRef::ServiceAccount { namespace, name } => {
                ObjectRef::namespaced("ServiceAccount", namespace, name)
            }
        }
    }
}

impl fmt::Display for SubjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectRef::User(n) => write!(f, "User `{n}`"),
            SubjectRef::Group(n) => write!(f, "Group `{n}`"),
            SubjectRef::ServiceAccount { namespace, name } => {
                write!(f, "ServiceAccount `{namespace}/{name}`")
            }
        }
    }
}

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

/// A rule of a role as evaluated, and where it came from (another
/// ClusterRole for aggregated roles).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectiveRule {
    pub rule: Rule,
    /// The role that defines the rule.
    pub origin: ObjectRef,
    /// Its index in that role's `rules`.
    pub index: usize,
}

impl EffectiveRule {
    /// `ClusterRole/x rule 2`.
    pub fn describe(&self) -> String {
        format!("{} rule {}", self.origin, self.index)
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

/// Does `selector` match `labels`? An empty selector matches everything; an
/// invalid one (unknown operator, `In`/`NotIn` without values) nothing.
pub fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_ok = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let expressions_ok = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        let value = labels.get(&e.key);
        match e.operator.as_str() {
            "In" => !values.is_empty() && value.is_some_and(|v| values.contains(v)),
            "NotIn" => !values.is_empty() && value.is_none_or(|v| !values.contains(v)),
            "Exists" => values.is_empty() && value.is_some(),
            "DoesNotExist" => values.is_empty() && value.is_none(),
            _ => false,
        }
    });
    labels_ok && expressions_ok
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

    /// ClusterRoles (inventory first, then missing built-ins) with the
    /// rules of aggregated roles resolved.
    fn add_cluster_roles(&mut self, inventory: &Inventory, options: Options) {
        let builtins = if options.builtin_roles {
            super::bootstrap::cluster_roles()
        } else {
            Vec::new()
        };
        let defined: Vec<(&ClusterRole, bool)> = inventory
            .cluster_roles
            .iter()
            .map(|r| (r, false))
            .chain(
                builtins
                    .iter()
                    .filter(|b| {
                        !inventory
                            .cluster_roles
                            .contains("", b.metadata.name.as_deref().unwrap_or_default())
                    })
                    .map(|r| (r, true)),
            )
            .collect();
        let empty = BTreeMap::new();
        let objects: Vec<ObjectRef> = defined
            .iter()
            .map(|(r, _)| {
                ObjectRef::cluster("ClusterRole", r.metadata.name.clone().unwrap_or_default())
            })
            .collect();
        let mut effective: Vec<Vec<EffectiveRule>> = defined
            .iter()
            .zip(&objects)
            .map(|((r, _), object)| own_rules(object, r.rules.as_deref()))
            .collect();
        // For each aggregated role: the roles its selectors match, by name
        // (the controller's order), itself excluded.
        let mut order: Vec<usize> = (0..defined.len()).collect();
        order.sort_by(|&a, &b| objects[a].name.cmp(&objects[b].name));
        let aggregated: Vec<(usize, Vec<usize>)> = defined
            .iter()
            .enumerate()
            .filter_map(|(i, (r, _))| {
                let selectors = r
                    .aggregation_rule
                    .as_ref()?
                    .cluster_role_selectors
                    .as_deref();
                let mut matched = Vec::new();
                for selector in selectors.unwrap_or_default() {
                    for &j in &order {
                        let labels = defined[j].0.metadata.labels.as_ref().unwrap_or(&empty);
                        if j != i && !matched.contains(&j) && selector_matches(selector, labels) {
                            matched.push(j);
                        }
                    }
                }
                Some((i, matched))
            })
            .collect();
        // The roles whose rules come from their selectors.
        let computed: HashSet<usize> = aggregated
            .iter()
            .map(|(i, _)| *i)
            .filter(|&i| match options.aggregation {
                Aggregation::Controller => true,
                Aggregation::Stored => false,
                Aggregation::StoredUnlessEmpty => effective[i].is_empty(),
            })
            .collect();
        if !computed.is_empty() {
            for &i in &computed {
                effective[i].clear();
            }
            // Least fixpoint: rule sets only grow, so this ends; the bound
            // is a guard.
            for _ in 0..=aggregated.len() {
                let mut changed = false;
                for (i, matched) in aggregated.iter().filter(|a| computed.contains(&a.0)) {
                    let mut seen: HashSet<&Rule> = HashSet::new();
                    let mut union: Vec<EffectiveRule> = Vec::new();
                    for &m in matched {
                        for r in &effective[m] {
                            if seen.insert(&r.rule) {
                                union.push(r.clone());
                            }
                        }
                    }
                    if union != effective[*i] {
                        drop(seen);
                        effective[*i] = union;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        let is_aggregated: HashSet<usize> = aggregated.iter().map(|(i, _)| *i).collect();
        for (i, ((role, builtin), rules)) in defined.iter().zip(effective).enumerate() {
            self.add_role(RoleInfo {
                // Built-ins are templates, not stored objects.
                pending: options.aggregation == Aggregation::StoredUnlessEmpty
                    && !*builtin
                    && computed.contains(&i)
                    && !rules.is_empty(),
                object: objects[i].clone(),
                rules,
                builtin: *builtin,
                bootstrap: is_bootstrap(&role.metadata),
                aggregated: is_aggregated.contains(&i),
            });
        }
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

fn own_rules(object: &ObjectRef, rules: Option<&[PolicyRule]>) -> Vec<EffectiveRule> {
    rules
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, r)| EffectiveRule {
            rule: Rule::from(r),
            origin: object.clone(),
            index,
        })
        .collect()
}

fn role_ref_object(role_ref: &RoleRef, binding_namespace: Option<&str>) -> ObjectRef {
    match (role_ref.kind.as_str(), binding_namespace) {
        ("Role", Some(ns)) => ObjectRef::namespaced("Role", ns, &role_ref.name),
        // A ClusterRoleBinding cannot refer to a Role: it resolves to none.
        ("Role", None) => ObjectRef::cluster("Role", &role_ref.name),
        (kind, _) => ObjectRef::cluster(kind, &role_ref.name),
    }
}

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
fn role_grants(role: &RoleInfo) -> Vec<Grant> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::load::add_text;

    fn rbac_with(yaml: &str, options: Options) -> Rbac {
        let mut inv = Inventory::default();
        add_text(&mut inv, "rbac.yaml", yaml, false).unwrap();
        Rbac::with_options(&inv, options)
    }

    fn rbac(yaml: &str) -> Rbac {
        rbac_with(yaml, Options::default())
    }

    fn alice() -> UserInfo {
        UserInfo::user("alice", &[])
    }

    fn can(rbac: &Rbac, user: &UserInfo, req: Request) -> bool {
        rbac.allows(user, &req).is_some()
    }

    const ROLE_READ_SECRETS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: a}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]
"#;

    fn rb(ns: &str, kind: &str, role: &str, subjects: &str) -> String {
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: rb-{role}, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role}}}\nsubjects: {subjects}\n"
        )
    }

    fn crb(name: &str, role: &str, subjects: &str) -> String {
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {name}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects: {subjects}\n"
        )
    }

    fn cluster_role(name: &str, rules: &str) -> String {
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {name}}}\nrules: {rules}\n"
        )
    }

    const ALICE: &str = "[{kind: User, name: alice}]";

    #[test]
    fn role_rules_apply_only_in_their_namespace() {
        let r = rbac(&format!(
            "{ROLE_READ_SECRETS}{}",
            rb("a", "Role", "reader", ALICE)
        ));
        assert!(can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("a").name("x")
        ));
        assert!(can(
            &r,
            &alice(),
            Request::new("list", "secrets").namespace("a")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("b").name("x")
        ));
        // Across all namespaces: only ClusterRoleBindings count.
        assert!(!can(&r, &alice(), Request::new("list", "secrets")));
        assert!(!can(
            &r,
            &UserInfo::user("bob", &[]),
            Request::new("get", "secrets").namespace("a")
        ));
    }

    #[test]
    fn a_rolebinding_to_a_role_of_another_namespace_grants_nothing() {
        // RoleBinding in `b` naming Role `reader`: resolves to Role b/reader, absent.
        let r = rbac(&format!(
            "{ROLE_READ_SECRETS}{}",
            rb("b", "Role", "reader", ALICE)
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("b")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("a")
        ));
        assert_eq!(r.bindings()[0].role, None);
    }

    #[test]
    fn cluster_role_via_rolebinding_applies_in_that_namespace_only() {
        let yaml = format!(
            "{}{}",
            cluster_role(
                "sr",
                r#"[{apiGroups: [""], resources: [secrets], verbs: [get, list]}]"#
            ),
            rb("a", "ClusterRole", "sr", ALICE)
        );
        let r = rbac(&yaml);
        assert!(can(
            &r,
            &alice(),
            Request::new("list", "secrets").namespace("a")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("list", "secrets").namespace("b")
        ));
        assert!(!can(&r, &alice(), Request::new("list", "secrets")));
    }

    #[test]
    fn cluster_role_via_clusterrolebinding_applies_everywhere() {
        let yaml = format!(
            "{}{}",
            cluster_role(
                "sr",
                r#"[{apiGroups: [""], resources: [secrets], verbs: [list]}]"#
            ),
            crb("all", "sr", ALICE)
        );
        let r = rbac(&yaml);
        assert!(can(&r, &alice(), Request::new("list", "secrets")));
        assert!(can(
            &r,
            &alice(),
            Request::new("list", "secrets").namespace("z")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("z").name("s")
        ));
    }

    #[test]
    fn a_clusterrolebinding_to_a_role_grants_nothing() {
        let yaml = format!(
            "{ROLE_READ_SECRETS}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: odd}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}\nsubjects: {ALICE}\n"
        );
        let r = rbac(&yaml);
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("a")
        ));
    }

    #[test]
    fn wildcards_in_verbs_resources_and_groups() {
        let yaml = format!(
            "{}{}{}{}",
            cluster_role(
                "verbs",
                r#"[{apiGroups: [""], resources: [secrets], verbs: ["*"]}]"#
            ),
            cluster_role(
                "res",
                r#"[{apiGroups: [""], resources: ["*"], verbs: [get]}]"#
            ),
            cluster_role(
                "groups",
                r#"[{apiGroups: ["*"], resources: [deployments], verbs: [create]}]"#
            ),
            crb("b", "verbs", "[{kind: User, name: v}]")
                + &crb("c", "res", "[{kind: User, name: r}]")
                + &crb("d", "groups", "[{kind: User, name: g}]"),
        );
        let r = rbac(&yaml);
        let v = UserInfo::user("v", &[]);
        let res = UserInfo::user("r", &[]);
        let g = UserInfo::user("g", &[]);
        assert!(can(
            &r,
            &v,
            Request::new("deletecollection", "secrets").namespace("x")
        ));
        assert!(!can(
            &r,
            &v,
            Request::new("get", "configmaps").namespace("x")
        ));
        assert!(can(
            &r,
            &res,
            Request::new("get", "secrets").namespace("x").name("s")
        ));
        // `*` resources include subresources.
        assert!(can(
            &r,
            &res,
            Request::new("get", "pods/exec").namespace("x").name("p")
        ));
        assert!(!can(
            &r,
            &res,
            Request::new("get", "deployments")
                .group("apps")
                .namespace("x")
        ));
        assert!(can(
            &r,
            &g,
            Request::new("create", "deployments")
                .group("apps")
                .namespace("x")
        ));
        assert!(can(
            &r,
            &g,
            Request::new("create", "deployments")
                .group("extensions")
                .namespace("x")
        ));
        assert!(!can(
            &r,
            &g,
            Request::new("create", "deployments/scale")
                .group("apps")
                .namespace("x")
        ));
    }

    #[test]
    fn subresources_match_exactly_or_by_star_slash() {
        let yaml = format!(
            "{}{}{}{}",
            cluster_role(
                "pods",
                r#"[{apiGroups: [""], resources: [pods], verbs: [create, get]}]"#
            ),
            cluster_role(
                "exec",
                r#"[{apiGroups: [""], resources: ["*/exec"], verbs: [create]}]"#
            ),
            crb("p", "pods", "[{kind: User, name: p}]"),
            crb("e", "exec", "[{kind: User, name: e}]"),
        );
        let r = rbac(&yaml);
        let p = UserInfo::user("p", &[]);
        let e = UserInfo::user("e", &[]);
        assert!(can(&r, &p, Request::new("create", "pods").namespace("x")));
        assert!(!can(
            &r,
            &p,
            Request::new("create", "pods/exec").namespace("x").name("y")
        ));
        assert!(can(
            &r,
            &e,
            Request::new("create", "pods/exec").namespace("x").name("y")
        ));
        assert!(!can(&r, &e, Request::new("create", "pods").namespace("x")));
        assert!(!can(
            &r,
            &e,
            Request::new("create", "pods/attach")
                .namespace("x")
                .name("y")
        ));
    }

    #[test]
    fn resource_names_restrict_to_named_requests() {
        let yaml = format!(
            "{}{}",
            cluster_role(
                "one",
                r#"[{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get, list, watch, create]}]"#
            ),
            crb("one", "one", ALICE),
        );
        let r = rbac(&yaml);
        assert!(can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("x").name("db")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("x").name("other")
        ));
        // The collection is not granted...
        assert!(!can(
            &r,
            &alice(),
            Request::new("list", "secrets").namespace("x")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("watch", "secrets").namespace("x")
        ));
        // ...but a list or watch narrowed to the name (fieldSelector) is.
        assert!(can(
            &r,
            &alice(),
            Request::new("watch", "secrets").namespace("x").name("db")
        ));
        // create carries no name: never granted by resourceNames.
        assert!(!can(
            &r,
            &alice(),
            Request::new("create", "secrets").namespace("x")
        ));
    }

    #[test]
    fn verbs_and_kinds_are_case_sensitive() {
        let yaml = format!(
            "{}{}{}",
            cluster_role(
                "upper",
                r#"[{apiGroups: [""], resources: [secrets], verbs: [GET]}]"#
            ),
            crb("u", "upper", ALICE),
            crb("lower-kind", "view", "[{kind: user, name: alice}]"),
        );
        let r = rbac(&yaml);
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("x").name("s")
        ));
        assert!(!can(
            &r,
            &alice(),
            Request::new("list", "pods").namespace("x")
        ));
    }

    #[test]
    fn service_account_subjects_and_groups() {
        let yaml = format!(
            "{ROLE_READ_SECRETS}{}{}{}",
            // No namespace: defaults to the RoleBinding's.
            rb(
                "a",
                "Role",
                "reader",
                "[{kind: ServiceAccount, name: default}]"
            ),
            crb(
                "ns-sas",
                "view",
                "[{kind: Group, name: \"system:serviceaccounts:b\"}]"
            ),
            crb(
                "no-ns",
                "cluster-admin",
                "[{kind: ServiceAccount, name: root}]"
            ),
        );
        let r = rbac(&yaml);
        let default_a = UserInfo::service_account("a", "default");
        let default_c = UserInfo::service_account("c", "default");
        assert!(can(
            &r,
            &default_a,
            Request::new("list", "secrets").namespace("a")
        ));
        assert!(!can(
            &r,
            &default_c,
            Request::new("list", "secrets").namespace("a")
        ));
        // Group system:serviceaccounts:b: every SA of b, in every namespace (CRB).
        let sa_b = UserInfo::service_account("b", "worker");
        assert!(can(
            &r,
            &sa_b,
            Request::new("list", "pods").namespace("zzz")
        ));
        assert!(!can(
            &r,
            &default_c,
            Request::new("list", "pods").namespace("zzz")
        ));
        // A ServiceAccount subject without namespace in a CRB matches nobody.
        for ns in ["", "default", "kube-system"] {
            let root = UserInfo::service_account(ns, "root");
            assert!(!can(
                &r,
                &root,
                Request::new("get", "secrets").namespace("a").name("x")
            ));
        }
    }

    #[test]
    fn service_account_subject_in_another_namespace() {
        let yaml = format!(
            "{ROLE_READ_SECRETS}{}",
            rb(
                "a",
                "Role",
                "reader",
                "[{kind: ServiceAccount, name: ci, namespace: tools}]"
            ),
        );
        let r = rbac(&yaml);
        let ci = UserInfo::service_account("tools", "ci");
        assert!(can(
            &r,
            &ci,
            Request::new("get", "secrets").namespace("a").name("x")
        ));
        assert!(!can(
            &r,
            &ci,
            Request::new("get", "secrets").namespace("tools").name("x")
        ));
    }

    #[test]
    fn user_subject_spelled_as_service_account_user_name() {
        let yaml = format!(
            "{ROLE_READ_SECRETS}{}",
            rb(
                "a",
                "Role",
                "reader",
                "[{kind: User, name: \"system:serviceaccount:a:app\"}]"
            ),
        );
        let r = rbac(&yaml);
        let app = UserInfo::service_account("a", "app");
        assert!(can(
            &r,
            &app,
            Request::new("get", "secrets").namespace("a").name("x")
        ));
    }

    #[test]
    fn broad_groups() {
        let yaml = format!(
            "{}{}{}",
            crb(
                "authn",
                "view",
                "[{kind: Group, name: \"system:authenticated\"}]"
            ),
            crb(
                "all-sa",
                "edit",
                "[{kind: Group, name: \"system:serviceaccounts\"}]"
            ),
            crb(
                "anon",
                "cluster-admin",
                "[{kind: Group, name: \"system:unauthenticated\"}]"
            ),
        );
        let r = rbac(&yaml);
        let list_pods = Request::new("list", "pods").namespace("x");
        let get_secret = Request::new("get", "secrets").namespace("x").name("s");
        assert!(can(&r, &alice(), list_pods));
        assert!(!can(&r, &alice(), get_secret));
        assert!(!can(&r, &UserInfo::raw("alice", &[]), list_pods));
        assert!(can(
            &r,
            &UserInfo::service_account("q", "default"),
            get_secret
        ));
        assert!(can(
            &r,
            &UserInfo::anonymous(),
            Request::new("delete", "nodes")
        ));
        assert!(!can(
            &r,
            &UserInfo::user(ANONYMOUS, &[]),
            Request::new("delete", "nodes")
        ));
    }

    #[test]
    fn system_masters_is_a_superuser() {
        let r = rbac("");
        let root = UserInfo::user("root", &[MASTERS]);
        assert!(matches!(
            r.allows(&root, &Request::new("get", "secrets")),
            Some(Decision::Superuser)
        ));
        assert!(!can(&r, &alice(), Request::new("get", "secrets")));
    }

    #[test]
    fn bootstrap_roles_when_bound_but_not_defined() {
        let yaml = format!(
            "{}{}{}{}",
            rb("a", "ClusterRole", "admin", "[{kind: User, name: adm}]"),
            rb("a", "ClusterRole", "edit", "[{kind: User, name: ed}]"),
            rb("a", "ClusterRole", "view", "[{kind: User, name: vi}]"),
            crb("root", "cluster-admin", "[{kind: User, name: root}]"),
        );
        let r = rbac(&yaml);
        let (adm, ed, vi, root) = (
            UserInfo::user("adm", &[]),
            UserInfo::user("ed", &[]),
            UserInfo::user("vi", &[]),
            UserInfo::user("root", &[]),
        );
        for verb in ["get", "list", "watch"] {
            let req = Request::new(verb, "secrets").namespace("a").name("s");
            assert!(can(&r, &adm, req), "admin {verb}");
            assert!(can(&r, &ed, req), "edit {verb}");
            assert!(!can(&r, &vi, req), "view {verb}");
        }
        let create_pod = Request::new("create", "pods").namespace("a");
        assert!(can(&r, &adm, create_pod));
        assert!(can(&r, &ed, create_pod));
        assert!(!can(&r, &vi, create_pod));
        assert!(can(&r, &vi, Request::new("list", "pods").namespace("a")));
        assert!(!can(&r, &vi, Request::new("list", "pods").namespace("b")));
        assert!(can(
            &r,
            &ed,
            Request::new("create", "serviceaccounts/token")
                .namespace("a")
                .name("x")
        ));
        assert!(can(
            &r,
            &ed,
            Request::new("create", "pods/exec").namespace("a").name("x")
        ));
        // Only admin manages RBAC in the namespace.
        let roles = Request::new("create", "rolebindings")
            .group(RBAC_GROUP)
            .namespace("a");
        assert!(can(&r, &adm, roles));
        assert!(!can(&r, &ed, roles));
        assert!(can(
            &r,
            &root,
            Request::new("escalate", "clusterroles").group(RBAC_GROUP)
        ));
        let admin = r.role(&ObjectRef::cluster("ClusterRole", "admin")).unwrap();
        assert!(admin.builtin && admin.aggregated && !admin.is_full_admin());
        assert!(r
            .role(&ObjectRef::cluster("ClusterRole", "cluster-admin"))
            .unwrap()
            .is_full_admin());
    }

    #[test]
    fn custom_roles_extend_builtin_aggregates_by_label() {
        let yaml = format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: view-secrets\n  labels: {{rbac.authorization.k8s.io/aggregate-to-view: \"true\"}}\nrules: [{{apiGroups: [\"\"], resources: [secrets], verbs: [list]}}]\n{}{}",
            rb("a", "ClusterRole", "view", "[{kind: User, name: vi}]"),
            rb("a", "ClusterRole", "admin", "[{kind: User, name: adm}]"),
        );
        let r = rbac(&yaml);
        // view aggregates view-secrets; edit aggregates view; admin aggregates edit.
        let list = Request::new("list", "secrets").namespace("a");
        assert!(can(&r, &UserInfo::user("vi", &[]), list));
        assert!(can(&r, &UserInfo::user("adm", &[]), list));
        match r.allows(&UserInfo::user("vi", &[]), &list) {
            Some(Decision::Rule { rule, .. }) => {
                assert_eq!(
                    rule.origin,
                    ObjectRef::cluster("ClusterRole", "view-secrets")
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_defined_role_replaces_the_builtin() {
        let yaml = format!(
            "{}{}",
            cluster_role("edit", "[]"),
            rb("a", "ClusterRole", "edit", ALICE)
        );
        let r = rbac(&yaml);
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("a").name("s")
        ));
        let edit = r.role(&ObjectRef::cluster("ClusterRole", "edit")).unwrap();
        assert!(!edit.builtin);
    }

    #[test]
    fn no_builtins_when_disabled() {
        let r = rbac_with(
            &crb("root", "cluster-admin", ALICE),
            Options {
                builtin_roles: false,
                ..Options::default()
            },
        );
        assert!(!can(&r, &alice(), Request::new("get", "secrets")));
        assert_eq!(r.bindings()[0].role, None);
    }

    const AGGREGATES: &str = r#"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {tier: mid}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mid, labels: {tier: mid}}
aggregationRule:
  clusterRoleSelectors:
    - matchExpressions: [{key: tier, operator: In, values: [low, lower]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: low, labels: {tier: low}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: lower, labels: {tier: lower}}
rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
"#;

    #[test]
    fn nested_aggregation_replaces_stored_rules() {
        let yaml = format!("{AGGREGATES}{}", crb("t", "top", ALICE));
        let r = rbac(&yaml);
        let get_secret = Request::new("get", "secrets").namespace("x").name("s");
        assert!(can(&r, &alice(), get_secret));
        assert!(can(
            &r,
            &alice(),
            Request::new("create", "pods").namespace("x")
        ));
        // The controller overwrites `top`'s own rules with the aggregate.
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "configmaps").namespace("x").name("c")
        ));

        let stored = rbac_with(
            &yaml,
            Options {
                aggregation: Aggregation::Stored,
                ..Options::default()
            },
        );
        assert!(!can(&stored, &alice(), get_secret));
        assert!(can(
            &stored,
            &alice(),
            Request::new("get", "configmaps").namespace("x").name("c")
        ));
    }

    #[test]
    fn unfilled_aggregated_roles_get_their_selectors_union_and_filled_ones_keep_theirs() {
        // `mid` is stored without rules (no controller ran); `top` with its own.
        let yaml = format!(
            "{AGGREGATES}{}{}",
            crb("t", "top", ALICE),
            crb("m", "mid", "[{kind: User, name: bob}]")
        );
        let r = rbac_with(
            &yaml,
            Options {
                aggregation: Aggregation::StoredUnlessEmpty,
                ..Options::default()
            },
        );
        let get_secret = Request::new("get", "secrets").namespace("x").name("s");
        let bob = UserInfo::user("bob", &[]);
        assert!(can(&r, &bob, get_secret), "mid: the union of low and lower");
        assert!(can(&r, &bob, Request::new("create", "pods").namespace("x")));
        assert!(!can(&r, &alice(), get_secret), "top: as stored");
        assert!(can(
            &r,
            &alice(),
            Request::new("get", "configmaps").namespace("x").name("c")
        ));
        let pending: Vec<&str> = r
            .pending_aggregations()
            .map(|p| p.object.name.as_str())
            .collect();
        assert_eq!(pending, ["mid"]);
        let line = crate::audit::warnings::pending_aggregations(&r).unwrap();
        assert!(
            line.starts_with("1 aggregated ClusterRole holds no rules"),
            "{line}"
        );
        assert!(line.contains("mid (2 rules)"), "{line}");
        // As stored, nothing is pending and nobody gets more.
        let stored = rbac_with(
            &yaml,
            Options {
                aggregation: Aggregation::Stored,
                ..Options::default()
            },
        );
        assert!(!can(&stored, &bob, get_secret));
        assert_eq!(crate::audit::warnings::pending_aggregations(&stored), None);
    }

    #[test]
    fn aggregation_selectors() {
        let mut labels = BTreeMap::new();
        labels.insert("a".to_string(), "1".to_string());
        let sel = |yaml: &str| -> LabelSelector { serde_yaml::from_str(yaml).unwrap() };
        assert!(selector_matches(&sel("{}"), &labels));
        assert!(selector_matches(&sel("{matchLabels: {a: '1'}}"), &labels));
        assert!(!selector_matches(&sel("{matchLabels: {a: '2'}}"), &labels));
        assert!(selector_matches(
            &sel("{matchExpressions: [{key: a, operator: Exists}]}"),
            &labels
        ));
        assert!(!selector_matches(
            &sel("{matchExpressions: [{key: a, operator: DoesNotExist}]}"),
            &labels
        ));
        assert!(selector_matches(
            &sel("{matchExpressions: [{key: b, operator: NotIn, values: [x]}]}"),
            &labels
        ));
        assert!(!selector_matches(
            &sel("{matchExpressions: [{key: a, operator: NotIn, values: ['1']}]}"),
            &labels
        ));
        assert!(!selector_matches(
            &sel("{matchExpressions: [{key: a, operator: In, values: []}]}"),
            &labels
        ));
        assert!(!selector_matches(
            &sel("{matchExpressions: [{key: a, operator: Gt, values: ['0']}]}"),
            &labels
        ));
    }

    #[test]
    fn aggregation_cycles_terminate() {
        let yaml = r#"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: x, labels: {ring: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {ring: "true"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: y, labels: {ring: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {ring: "true"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: z, labels: {ring: "true"}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
"#;
        let r = rbac(&format!("{yaml}{}", crb("b", "x", ALICE)));
        assert!(can(&r, &alice(), Request::new("list", "secrets")));
        let x = r.role(&ObjectRef::cluster("ClusterRole", "x")).unwrap();
        assert_eq!(x.rules.len(), 1);
    }

    #[test]
    fn non_resource_rules_grant_no_resources() {
        let yaml = format!(
            "{}{}",
            cluster_role("nr", r#"[{nonResourceURLs: ["*"], verbs: ["*"]}]"#),
            crb("nr", "nr", ALICE)
        );
        let r = rbac(&yaml);
        assert!(!can(
            &r,
            &alice(),
            Request::new("get", "secrets").namespace("a").name("s")
        ));
    }

    #[test]
    fn accesses_list_direct_and_indirect_grants_by_scope() {
        let yaml = format!(
            "{}{}{}{}",
            cluster_role(
                "ops",
                r#"[{apiGroups: ["", apps], resources: ["*"], verbs: ["*"]}]"#
            ),
            crb("ops", "ops", "[{kind: Group, name: ops}]"),
            rb(
                "a",
                "ClusterRole",
                "ops",
                "[{kind: ServiceAccount, name: deployer}]"
            ),
            cluster_role(
                "named",
                r#"[{apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}]"#
            ) + &rb("a", "ClusterRole", "named", ALICE),
        );
        let r = rbac(&yaml);
        let accesses = r.accesses();
        let ops = accesses
            .iter()
            .find(|a| *a.subject == SubjectRef::Group("ops".into()))
            .unwrap();
        let direct: Vec<String> = ops.direct().map(Grant::describe).collect();
        assert_eq!(direct, ["get secrets", "list secrets", "watch secrets"]);
        let indirect: Vec<Path> = ops.indirect().map(|g| g.path).collect();
        for p in [
            Path::CreatePods,
            Path::Workloads,
            Path::ExecPods,
            Path::AttachPods,
            Path::EphemeralContainers,
            Path::ServiceAccountToken,
            Path::Impersonate,
            Path::NodesProxy,
        ] {
            assert!(indirect.contains(&p), "{p:?}");
        }
        assert!(
            !indirect.contains(&Path::Escalate),
            "rbac group not granted"
        );
        let deployer = accesses
            .iter()
            .find(|a| matches!(a.subject, SubjectRef::ServiceAccount { name, .. } if name == "deployer"))
            .unwrap();
        assert!(deployer.grants.iter().all(|g| !g.cluster_only));
        assert!(!deployer.indirect().any(|g| g.path == Path::NodesProxy));
        let named = accesses
            .iter()
            .find(|a| *a.subject == SubjectRef::User("alice".into()))
            .unwrap();
        let described: Vec<String> = named.grants.iter().map(|g| g.describe()).collect();
        assert_eq!(described, ["get secrets (names: tls)"]);
    }
}
