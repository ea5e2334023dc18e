//! Whether an `escalate` or `bind` grant leads anywhere. The apiserver
//! checks `escalate` when a role is created or changed with permissions its
//! author lacks, and `bind` when a binding is created to a role its author
//! lacks; neither verb creates anything. Alone, without create, update or
//! patch on roles (for `escalate`) or on bindings (for `bind`), they give no
//! way to Secrets, and a SubjectAccessReview for the write they need says no.

use crate::audit::rbac::{Access, Grant, Path, Rbac, Request, Scope, RBAC_GROUP};

const WRITES: [&str; 3] = ["create", "update", "patch"];

/// True when `grant` is `escalate` or `bind` and the subject of `access`
/// (by any of its bindings) may not write what the verb needs where the
/// grant applies.
pub fn unusable_alone(rbac: &Rbac, access: &Access, grant: &Grant) -> bool {
    let needs: &[&str] = match grant.path {
        // Escalating a Role needs writing Roles, a ClusterRole ClusterRoles.
        Path::Escalate if grant.resource.starts_with("clusterroles.") => &["clusterroles"],
        Path::Escalate => &["roles"],
        // Binding a Role or a ClusterRole: writing a binding that names it.
        Path::Bind => &["rolebindings", "clusterrolebindings"],
        _ => return false,
    };
    let user = access.subject.user_info();
    let namespaces = where_applies(rbac, &access.binding.scope);
    let may_write = needs.iter().any(|resource| {
        // Cluster-scoped kinds are written outside any namespace.
        let in_namespaces: &[&str] = if resource.starts_with("cluster") {
            &[""]
        } else {
            &namespaces
        };
        WRITES.iter().any(|verb| {
            in_namespaces.iter().any(|ns| {
                let req = Request::new(verb, resource).group(RBAC_GROUP).namespace(ns);
                rbac.allows(&user, &req).is_some()
            })
        })
    });
    !may_write
}

/// The namespaces a grant of a binding with `scope` applies in: its own,
/// or (cluster-wide) requests across all namespaces and each namespace a
/// RoleBinding could add a write in.
fn where_applies<'a>(rbac: &'a Rbac, scope: &'a Scope) -> Vec<&'a str> {
    match scope {
        Scope::Namespace(ns) => vec![ns.as_str()],
        Scope::Cluster => {
            let mut namespaces = vec![""];
            for b in rbac.bindings() {
                if let Some(ns) = b.scope.namespace() {
                    if !namespaces.contains(&ns) {
                        namespaces.push(ns);
                    }
                }
            }
            namespaces
        }
    }
}
