//! The built-in ClusterRoles every cluster has (the apiserver creates them at
//! start), as far as they matter for Secrets: `cluster-admin`, the
//! aggregated `admin`, `edit` and `view`, and the `system:aggregate-to-*`
//! roles that feed them. The RBAC evaluator adds these when the audited
//! objects bind them without defining them. Rules as in Kubernetes 1.34's
//! bootstrap policy.

use k8s_openapi::api::rbac::v1::{AggregationRule, ClusterRole, PolicyRule};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The label of every bootstrap RBAC object.
pub const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";
pub const BOOTSTRAP_VALUE: &str = "rbac-defaults";
const TO_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
const TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
const TO_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..Default::default()
    }
}

fn role(
    name: &str,
    labels: &[&str],
    aggregate: Option<&str>,
    rules: Option<Vec<PolicyRule>>,
) -> ClusterRole {
    let mut label_map =
        BTreeMap::from([(BOOTSTRAP_LABEL.to_string(), BOOTSTRAP_VALUE.to_string())]);
    for l in labels {
        label_map.insert(l.to_string(), "true".to_string());
    }
    ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(label_map),
            ..Default::default()
        },
        aggregation_rule: aggregate.map(|label| AggregationRule {
            cluster_role_selectors: Some(vec![LabelSelector {
                match_labels: Some(BTreeMap::from([(label.to_string(), "true".to_string())])),
                ..Default::default()
            }]),
        }),
        rules,
    }
}

/// The built-in ClusterRoles, each labelled `kubernetes.io/bootstrapping:
/// rbac-defaults`.
pub fn cluster_roles() -> Vec<ClusterRole> {
    const CORE: &[&str] = &[""];
    vec![
        role(
            "cluster-admin",
            &[],
            None,
            Some(vec![
                rule(&["*"], &["*"], &["*"]),
                PolicyRule {
                    non_resource_urls: Some(strings(&["*"])),
                    verbs: strings(&["*"]),
                    ..Default::default()
                },
            ]),
        ),
        role("admin", &[], Some(TO_ADMIN), None),
        role("edit", &[TO_ADMIN], Some(TO_EDIT), None),
        role("view", &[TO_EDIT], Some(TO_VIEW), None),
        role(
            "system:aggregate-to-admin",
            &[TO_ADMIN],
            None,
            Some(vec![
                rule(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"],
                ),
                rule(
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "roles"],
                    READ_WRITE,
                ),
            ]),
        ),
        role(
            "system:aggregate-to-edit",
            &[TO_EDIT],
            None,
            Some(vec![
                rule(
                    CORE,
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                    READ,
                ),
                rule(CORE, &["serviceaccounts"], &["impersonate"]),
                rule(
                    CORE,
                    &[
                        "pods",
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                    ],
                    WRITE,
                ),
                rule(CORE, &["pods/eviction"], &["create"]),
                rule(
                    CORE,
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "secrets",
                        "serviceaccounts",
                        "services",
                        "services/proxy",
                    ],
                    WRITE,
                ),
                rule(CORE, &["serviceaccounts/token"], &["create"]),
                rule(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                    WRITE,
                ),
                rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
                rule(&["batch"], &["cronjobs", "jobs"], WRITE),
                rule(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "ingresses",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicationcontrollers/scale",
                    ],
                    WRITE,
                ),
                rule(&["policy"], &["poddisruptionbudgets"], WRITE),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                    WRITE,
                ),
                rule(&["coordination.k8s.io"], &["leases"], READ_WRITE),
            ]),
        ),
        role(
            "system:aggregate-to-view",
            &[TO_VIEW],
            None,
            Some(vec![
                rule(
                    CORE,
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "persistentvolumeclaims/status",
                        "pods",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "serviceaccounts",
                        "services",
                        "services/status",
                    ],
                    READ,
                ),
                rule(
                    CORE,
                    &[
                        "bindings",
                        "events",
                        "limitranges",
                        "namespaces/status",
                        "pods/log",
                        "pods/status",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "resourcequotas/status",
                    ],
                    READ,
                ),
                rule(CORE, &["namespaces"], READ),
                rule(&["discovery.k8s.io"], &["endpointslices"], READ),
                rule(
                    &["apps"],
                    &[
                        "controllerrevisions",
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "statefulsets",
                        "statefulsets/scale",
                        "statefulsets/status",
                    ],
                    READ,
                ),
                rule(
                    &["autoscaling"],
                    &[
                        "horizontalpodautoscalers",
                        "horizontalpodautoscalers/status",
                    ],
                    READ,
                ),
                rule(
                    &["batch"],
                    &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                    READ,
                ),
                rule(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "ingresses",
                        "ingresses/status",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "replicationcontrollers/scale",
                    ],
                    READ,
                ),
                rule(
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                    READ,
                ),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "ingresses/status", "networkpolicies"],
                    READ,
                ),
            ]),
        ),
    ]
}
