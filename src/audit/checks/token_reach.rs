//! A mounted service account token is worth what its account may do: a pod
//! whose token can read Secrets gives that reach to anyone who runs code
//! in it. So `KV-WL-005` (token mounted) takes the severity of the most
//! severe RBAC finding about the account, or about a group every token of
//! it belongs to (`system:serviceaccounts`, `system:serviceaccounts:<ns>`,
//! `system:authenticated`), when that is above its own.

use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::rbac::{ALL_SERVICE_ACCOUNTS, AUTHENTICATED, SERVICE_ACCOUNT_PREFIX};
use std::collections::HashMap;

/// RBAC findings whose first object is a subject that reaches Secrets.
const REACH: &[FindingId] = &[
    FindingId::Rbac001,
    FindingId::Rbac002,
    FindingId::Rbac003,
    FindingId::Rbac004,
    FindingId::Rbac005,
    FindingId::Rbac007,
    FindingId::Rbac008,
];

/// Raise each `KV-WL-005` in `workload` to the reach of its service
/// account (its second object) as `rbac` (the RBAC findings) tells it.
pub fn raise(workload: &mut [Finding], rbac: &[Finding]) {
    let mut worst: HashMap<&ObjectRef, &Finding> = HashMap::new();
    for f in rbac.iter().filter(|f| REACH.contains(&f.id)) {
        if let Some(subject) = f.objects.first() {
            let entry = worst.entry(subject).or_insert(f);
            if f.severity > entry.severity {
                *entry = f;
            }
        }
    }
    if worst.is_empty() {
        return;
    }
    for f in workload.iter_mut().filter(|f| f.id == FindingId::Wl005) {
        let Some(account) = f.objects.get(1).filter(|o| o.kind == "ServiceAccount") else {
            continue;
        };
        let Some(reach) = identities(account)
            .iter()
            .filter_map(|i| worst.get(i))
            .max_by_key(|r| r.severity)
        else {
            continue;
        };
        if reach.severity <= f.severity {
            continue;
        }
        f.severity = reach.severity;
        f.title = format!(
            "{} mounts the token of {account}, which can reach Secrets ({})",
            f.objects[0], reach.id
        );
        f.evidence = format!(
            "{}; the token carries the account's reach: {} ({})",
            f.evidence, reach.title, reach.id
        );
    }
}

/// Every subject a token of `account` matches in a binding.
fn identities(account: &ObjectRef) -> Vec<ObjectRef> {
    let namespace = account.namespace.as_deref().unwrap_or_default();
    vec![
        account.clone(),
        ObjectRef::cluster(
            "User",
            format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{}", account.name),
        ),
        ObjectRef::cluster("Group", format!("{ALL_SERVICE_ACCOUNTS}:{namespace}")),
        ObjectRef::cluster("Group", ALL_SERVICE_ACCOUNTS),
        ObjectRef::cluster("Group", AUTHENTICATED),
    ]
}

#[cfg(test)]
mod tests {
    use crate::audit::checks::{objects, Options};
    use crate::audit::finding::Severity;
    use crate::audit::load::add_text;
    use crate::audit::rbac::Rbac;
    use crate::audit::Inventory;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  serviceAccountName: api\n  containers: [{name: c, image: x}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: shop}\n";
    const READER: &str = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: [{apiGroups: [\"\"], resources: [secrets], verbs: [get, list]}]\n";

    fn binding(kind: &str, ns: &str, subject: &str) -> String {
        format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {{name: b, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}}\nsubjects: [{subject}]\n")
    }

    /// The token finding of the pod: its severity and title.
    fn token(yaml: &str) -> Option<(Severity, String)> {
        let mut inv = Inventory::default();
        add_text(&mut inv, "t.yaml", yaml, false).unwrap();
        let rbac = Rbac::new(&inv);
        objects(&inv, &rbac, &Options::now())
            .into_iter()
            .find(|f| f.id.as_str() == "KV-WL-005")
            .map(|f| (f.severity, f.title))
    }

    const API: &str = "{kind: ServiceAccount, name: api, namespace: shop}";

    #[test]
    fn a_token_without_rights_stays_low() {
        assert_eq!(token(POD).unwrap().0, Severity::Low);
        let elsewhere = format!(
            "{POD}{READER}{}",
            binding("RoleBinding", "shop", "{kind: ServiceAccount, name: other}")
        );
        assert_eq!(token(&elsewhere).unwrap().0, Severity::Low);
    }

    #[test]
    fn a_token_that_reads_secrets_takes_the_accounts_severity() {
        let in_namespace = format!("{POD}{READER}{}", binding("RoleBinding", "shop", API));
        let (severity, title) = token(&in_namespace).unwrap();
        assert_eq!(severity, Severity::Medium);
        assert_eq!(
            title,
            "Pod/shop/p mounts the token of ServiceAccount/shop/api, which can reach Secrets (KV-RBAC-004)"
        );
        let cluster = format!("{POD}{READER}{}", binding("ClusterRoleBinding", "x", API));
        assert_eq!(token(&cluster).unwrap().0, Severity::High);
        // Through a group every token of the namespace, or of the cluster, is in.
        let namespace_group = format!(
            "{POD}{READER}{}",
            binding(
                "RoleBinding",
                "shop",
                "{kind: Group, name: \"system:serviceaccounts:shop\"}"
            )
        );
        assert_eq!(token(&namespace_group).unwrap().0, Severity::High);
        let all = format!(
            "{POD}{READER}{}",
            binding(
                "ClusterRoleBinding",
                "x",
                "{kind: Group, name: \"system:serviceaccounts\"}"
            )
        );
        assert_eq!(token(&all).unwrap().0, Severity::Critical);
    }

    #[test]
    fn no_token_mounted_no_finding_whatever_the_account_may_do() {
        let off = format!(
            "{}{READER}{}",
            POD.replace(
                "  serviceAccountName: api\n",
                "  serviceAccountName: api\n  automountServiceAccountToken: false\n"
            ),
            binding("ClusterRoleBinding", "x", API)
        );
        assert_eq!(token(&off), None);
    }
}
