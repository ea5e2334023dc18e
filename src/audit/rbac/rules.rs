//! Rules and requests: what one policy rule allows. This is the matching
//! the authorizer does per rule (verbs, API groups, resources and
//! subresources, `resourceNames`), apart from who is bound to the rule,
//! so that it can be read and tested on its own.

use crate::audit::finding::ObjectRef;
use k8s_openapi::api::rbac::v1::PolicyRule;
use std::fmt;

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

pub(super) fn own_rules(object: &ObjectRef, rules: Option<&[PolicyRule]>) -> Vec<EffectiveRule> {
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
