//! Mutating admission webhooks that intercept Pods, each a possible single
//! point of failure for the cluster (the risk `kvault webhook manifests`
//! is written against):
//!
//! - KV-ADM-001: `failurePolicy: Fail` (the v1 default when unset) while
//!   kube-system, or the webhook's own namespace, is not excluded: with the
//!   webhook down, control-plane Pods and the webhook's own Pods cannot be
//!   created, and the cluster cannot heal itself.
//! - KV-ADM-002: `timeoutSeconds` above 10: every Pod creation may wait
//!   that long on a hung webhook (the apiserver allows up to 30).
//! - KV-ADM-003: no `namespaceSelector`: every namespace's Pods go through
//!   the webhook, kube-system's included.
//!
//! A namespace counts as excluded when the selector names it in a
//! `kubernetes.io/metadata.name` `NotIn` (or leaves it out of an `In`), or
//! when the selector is opt-in (matchLabels, `In`/`Exists` on another
//! label): kube-system carries no such label unless someone put it there.

use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::inventory::Inventory;
use k8s_openapi::api::admissionregistration::v1::{MutatingWebhook, RuleWithOperations};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

const NAME_LABEL: &str = "kubernetes.io/metadata.name";
const KIND: &str = "MutatingWebhookConfiguration";

pub fn check(inventory: &Inventory) -> Vec<Finding> {
    let mut findings = Vec::new();
    for config in inventory.mutating_webhooks.iter() {
        let name = config.metadata.name.clone().unwrap_or_default();
        let object = || ObjectRef::cluster(KIND, name.clone());
        for hook in config.webhooks.iter().flatten() {
            if !intercepts_pods(hook) {
                continue;
            }
            let policy = hook.failure_policy.as_deref().unwrap_or("Fail");
            let own = hook
                .client_config
                .service
                .as_ref()
                .map(|s| s.namespace.as_str());
            let not_excluded: Vec<&str> = ["kube-system"]
                .into_iter()
                .chain(own)
                .filter(|ns| !excludes(hook.namespace_selector.as_ref(), ns))
                .collect();
            if policy == "Fail" && !not_excluded.is_empty() {
                findings.push(
                    Finding::new(
                        FindingId::Adm001,
                        format!("webhook `{}` can block Pod creation in {}", hook.name, not_excluded.join(" and ")),
                        format!(
                            "failurePolicy {} and its namespaceSelector does not exclude {}: while the webhook is down, those Pods cannot be created",
                            if hook.failure_policy.is_some() { "Fail" } else { "unset (Fail)" },
                            not_excluded.join(", ")
                        ),
                    )
                    .object(object()),
                );
            }
            let timeout = hook.timeout_seconds.unwrap_or(10);
            if timeout > 10 {
                findings.push(
                    Finding::new(
                        FindingId::Adm002,
                        format!(
                            "webhook `{}` may hold each Pod creation for {timeout} s",
                            hook.name
                        ),
                        format!("timeoutSeconds {timeout} (more than 10)"),
                    )
                    .object(object()),
                );
            }
            if hook.namespace_selector.as_ref().is_none_or(is_everything) {
                findings.push(
                    Finding::new(
                        FindingId::Adm003,
                        format!("webhook `{}` intercepts Pods in every namespace", hook.name),
                        "no namespaceSelector: kube-system's Pods go through it too".to_string(),
                    )
                    .object(object()),
                );
            }
        }
    }
    findings
}

fn intercepts_pods(hook: &MutatingWebhook) -> bool {
    hook.rules
        .iter()
        .flatten()
        .any(|rule: &RuleWithOperations| {
            let has = |list: &Option<Vec<String>>, wanted: &[&str]| {
                list.iter().flatten().any(|v| wanted.contains(&v.as_str()))
            };
            has(&rule.api_groups, &["", "*"])
                && has(&rule.resources, &["pods", "*", "*/*"])
                && has(&rule.operations, &["CREATE", "*"])
        })
}

fn is_everything(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(|e| e.is_empty())
}

/// Whether a namespace named `namespace` (with no labels but its name's)
/// falls outside `selector`.
fn excludes(selector: Option<&LabelSelector>, namespace: &str) -> bool {
    let Some(selector) = selector else {
        return false;
    };
    if selector
        .match_labels
        .iter()
        .flatten()
        .any(|(k, v)| k != NAME_LABEL || v != namespace)
    {
        return true;
    }
    selector.match_expressions.iter().flatten().any(|e| {
        let values = e.values.iter().flatten();
        let named = values.clone().any(|v| v == namespace);
        match (e.key == NAME_LABEL, e.operator.as_str()) {
            (true, "NotIn") => named,
            (true, "In") => !named,
            (true, "DoesNotExist") => true,
            (true, _) => false,
            // Another label: the namespace has none of its own.
            (false, "In" | "Exists") => true,
            (false, _) => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::inventory::Inventory;
    use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;

    fn findings(yaml: &str) -> Vec<(String, String)> {
        let mut inventory = Inventory::default();
        let config: MutatingWebhookConfiguration = serde_yaml::from_str(yaml).unwrap();
        inventory.mutating_webhooks.insert(config);
        check(&inventory)
            .into_iter()
            .map(|f| (f.id.to_string(), f.evidence))
            .collect()
    }

    const BASE: &str = "
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: injector}
webhooks:
  - name: pods.example.com
    admissionReviewVersions: [v1]
    sideEffects: None
    clientConfig: {service: {name: injector, namespace: injector}}
    rules: [{operations: [CREATE], apiGroups: [''], apiVersions: [v1], resources: [pods]}]
";

    #[test]
    fn kvaults_own_registration_raises_nothing() {
        let r = crate::webhook::config::Registration {
            name: "kvault".into(),
            namespace: "kvault".into(),
            endpoint: crate::webhook::config::Endpoint::Service {
                name: "kvault-webhook".into(),
            },
            ca_bundle: None,
            failure_policy: crate::webhook::config::FailurePolicy::Fail,
            timeout_seconds: 5,
        };
        assert_eq!(findings(&crate::webhook::config::configuration(&r)), []);
    }

    #[test]
    fn fail_without_excluding_kube_system_or_its_own_namespace_is_high() {
        let found = findings(BASE);
        let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["KV-ADM-001", "KV-ADM-003"]);
        assert!(found[0].1.contains("unset (Fail)"), "{}", found[0].1);
        assert!(
            found[0].1.contains("kube-system, injector"),
            "{}",
            found[0].1
        );
        // Excluding kube-system alone still leaves the webhook unable to restart itself.
        let partly = format!("{BASE}    failurePolicy: Fail\n    namespaceSelector:\n      matchExpressions: [{{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]}}]\n");
        let found = findings(&partly);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.ends_with("does not exclude injector: while the webhook is down, those Pods cannot be created"), "{}", found[0].1);
        // Opt-in namespaces exclude both; Ignore needs no exclusion.
        let opt_in =
            format!("{BASE}    namespaceSelector: {{matchLabels: {{injection: enabled}}}}\n");
        assert_eq!(findings(&opt_in), []);
        let ignore = format!("{BASE}    failurePolicy: Ignore\n    namespaceSelector: {{matchLabels: {{injection: enabled}}}}\n");
        assert_eq!(findings(&ignore), []);
    }

    #[test]
    fn long_timeouts_and_missing_selectors_are_flagged_on_pod_webhooks_only() {
        let slow = format!("{BASE}    failurePolicy: Ignore\n    timeoutSeconds: 30\n");
        let ids: Vec<String> = findings(&slow).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["KV-ADM-002", "KV-ADM-003"]);
        let services = slow.replace("resources: [pods]", "resources: [services]");
        assert_eq!(findings(&services), []);
        let everything = slow.replace("resources: [pods]", "resources: ['*']");
        assert_eq!(findings(&everything).len(), 2);
    }
}
