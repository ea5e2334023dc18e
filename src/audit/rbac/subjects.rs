//! Who a request comes from and whom a binding names: [`UserInfo`] as an
//! authenticator hands it on, [`SubjectRef`] as a binding's subject with
//! its ServiceAccount namespace resolved. Kept apart from the evaluator
//! because the mapping between the two (service account user names, the
//! groups every token carries) is where most RBAC surprises live.

use super::{
    ALL_SERVICE_ACCOUNTS, ANONYMOUS, AUTHENTICATED, SERVICE_ACCOUNT_PREFIX, UNAUTHENTICATED,
};
use crate::audit::finding::ObjectRef;
use k8s_openapi::api::rbac::v1::Subject;
use std::fmt;

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
