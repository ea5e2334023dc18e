//! KV-LOG-004: a kube-apiserver whose flags are known (its static Pod
//! among the manifests, or its mirror Pod live) that keeps no audit log —
//! neither `--audit-log-path` nor `--audit-webhook-config-file`, or one of
//! them without `--audit-policy-file` (no policy, no events) — so nobody
//! can say who read a Secret (`kvault audit access` has nothing to read).

use crate::audit::finding::{Finding, FindingId};
use crate::audit::inventory::Inventory;

pub fn check(inventory: &Inventory) -> Vec<Finding> {
    let Some(apiserver) = &inventory.apiserver else {
        return Vec::new();
    };
    // `-` is stdout: not a log anyone keeps.
    let set = |name: &str| {
        apiserver
            .get(name)
            .is_some_and(|v| !v.is_empty() && v != "-")
    };
    let backend = set("audit-log-path") || set("audit-webhook-config-file");
    let evidence = match (backend, set("audit-policy-file")) {
        (true, true) => return Vec::new(),
        (false, _) => {
            "no --audit-log-path (a file) and no --audit-webhook-config-file among its flags"
        }
        // Without a policy the apiserver records no event at all.
        (true, false) => {
            "an audit backend is set but no --audit-policy-file: without a policy no event is recorded"
        }
    };
    vec![Finding::new(
        FindingId::Log004,
        "kube-apiserver keeps no audit log: nobody can say who read a Secret",
        evidence,
    )
    .object(apiserver.object.clone())]
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::audit::finding::ObjectRef;
    use crate::audit::inventory::{ApiserverFlags, Inventory};

    fn findings(args: &[&str]) -> Vec<String> {
        let mut inventory = Inventory::default();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        inventory.apiserver = Some(ApiserverFlags::parse(
            ObjectRef::namespaced("Pod", "kube-system", "kube-apiserver"),
            &args,
        ));
        check(&inventory).into_iter().map(|f| f.evidence).collect()
    }

    #[test]
    fn an_apiserver_needs_a_backend_and_a_policy_to_record_reads() {
        let policy = "--audit-policy-file=/etc/kubernetes/audit-policy.yaml";
        let log = "--audit-log-path=/var/log/audit.log";
        assert!(findings(&["kube-apiserver", policy, log]).is_empty());
        let webhook = "--audit-webhook-config-file=/etc/wh.yaml";
        assert!(findings(&["kube-apiserver", policy, webhook]).is_empty());
        assert!(findings(&["kube-apiserver", policy])[0].contains("no --audit-log-path"));
        assert!(findings(&["kube-apiserver", log])[0].contains("no --audit-policy-file"));
        assert!(!findings(&["kube-apiserver", policy, "--audit-log-path=-"]).is_empty());
    }
}
