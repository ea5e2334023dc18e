//! KV-LOG-004: a kube-apiserver whose flags are known (its static Pod
//! among the manifests, or its mirror Pod live) that keeps no audit log —
//! neither `--audit-log-path` nor `--audit-webhook-config-file` — so
//! nobody can say who read a Secret (`kvault audit access` has nothing to
//! read).

use crate::audit::finding::{Finding, FindingId};
use crate::audit::inventory::Inventory;

pub fn check(inventory: &Inventory) -> Vec<Finding> {
    let Some(apiserver) = &inventory.apiserver else {
        return Vec::new();
    };
    let set = |name: &str| {
        apiserver
            .get(name)
            .is_some_and(|v| !v.is_empty() && v != "-")
    };
    if set("audit-log-path") || set("audit-webhook-config-file") {
        return Vec::new();
    }
    vec![Finding::new(
        FindingId::Log004,
        "kube-apiserver keeps no audit log: nobody can say who read a Secret",
        "no --audit-log-path (a file) and no --audit-webhook-config-file among its flags",
    )
    .object(apiserver.object.clone())]
}
