//! The CIS Kubernetes Benchmark controls kvault's findings answer.
//!
//! Numbers and titles are those of kube-bench's `cfg/cis-1.12` (CIS
//! Kubernetes Benchmark v1.12, for Kubernetes 1.32–1.34), from
//! github.com/aquasecurity/kube-bench at commit a73ce378 (2026-06-09).
//! A finding carries the controls it fails (JSON `cis`, SARIF
//! `properties.tags`, the table's CIS column); `kvault audit --benchmark
//! cis` lists every control here with pass or fail.
//!
//! Most ids map to fixed controls. KV-RBAC-007/008 (indirect ways to
//! Secrets) map by the way the finding names: creating pods or workloads
//! is 5.1.4, impersonate/escalate/bind 5.1.8, `nodes/proxy` 5.1.10,
//! service-account tokens 5.1.13.

use super::catalogue::FindingId;

/// The benchmark and the source of its numbers, for output.
pub const BENCHMARK: &str = "CIS Kubernetes Benchmark v1.12 (kube-bench cfg/cis-1.12)";

/// One control kvault checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
}

const fn control(id: &'static str, title: &'static str) -> Control {
    Control { id, title }
}

/// Every control some kvault finding answers, in benchmark order.
pub const CONTROLS: &[Control] = &[
    control("1.2.16", "Ensure that the --audit-log-path argument is set"),
    control(
        "1.2.27",
        "Ensure that the --encryption-provider-config argument is set as appropriate",
    ),
    control(
        "1.2.28",
        "Ensure that encryption providers are appropriately configured",
    ),
    control("3.2.1", "Ensure that a minimal audit policy is created"),
    control(
        "3.2.2",
        "Ensure that the audit policy covers key security concerns",
    ),
    control(
        "5.1.1",
        "Ensure that the cluster-admin role is only used where required",
    ),
    control("5.1.2", "Minimize access to secrets"),
    control("5.1.3", "Minimize wildcard use in Roles and ClusterRoles"),
    control("5.1.4", "Minimize access to create pods"),
    control(
        "5.1.5",
        "Ensure that default service accounts are not actively used",
    ),
    control(
        "5.1.6",
        "Ensure that Service Account Tokens are only mounted where necessary",
    ),
    control(
        "5.1.8",
        "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
    ),
    control(
        "5.1.10",
        "Minimize access to the proxy sub-resource of nodes",
    ),
    control(
        "5.1.13",
        "Minimize access to the service account token creation",
    ),
    control(
        "5.4.1",
        "Prefer using Secrets as files over Secrets as environment variables",
    ),
];

/// Evidence naming every indirect way: the controls a rule may fail.
pub const EVERY_WAY: &str = "create pods, impersonate, nodes/proxy, create service account tokens";

/// The controls a finding of `id` with `evidence` fails.
pub fn controls(id: FindingId, evidence: &str) -> Vec<&'static str> {
    use FindingId::*;
    match id {
        Enc001 | Enc002 => vec!["1.2.27"],
        Enc003 | Enc004 | Enc005 | Enc006 | Enc007 | Enc008 | Enc009 | Enc010 | Enc011 => {
            vec!["1.2.28"]
        }
        Rbac001 | Rbac003 | Rbac004 => vec!["5.1.2"],
        Rbac002 => vec!["5.1.1"],
        Rbac005 => vec!["5.1.2", "5.1.5"],
        Rbac006 => vec!["5.1.3"],
        Rbac007 | Rbac008 => indirect(evidence),
        Rbac010 => vec!["5.1.8"],
        Wl001 => vec!["5.4.1"],
        Wl004 => vec!["5.1.5"],
        Wl005 => vec!["5.1.6"],
        Log001 | Log002 => vec!["3.2.1", "3.2.2"],
        Log003 => vec!["3.2.2"],
        Log004 => vec!["1.2.16"],
        _ => Vec::new(),
    }
}

/// Whether a finding of `id` says the input could not show the control
/// (not a failure: an unknown).
pub fn is_unknown(id: FindingId) -> bool {
    matches!(id, FindingId::Enc002 | FindingId::Enc009)
}

/// The controls of an indirect-access finding, by the ways its evidence
/// names (the RBAC engine's path labels).
fn indirect(evidence: &str) -> Vec<&'static str> {
    let ways: [(&[&str], &str); 4] = [
        (&["create pods", "create or change workloads"], "5.1.4"),
        (&["impersonate", "escalate roles", "bind roles"], "5.1.8"),
        (&["nodes/proxy"], "5.1.10"),
        (&["create service account tokens"], "5.1.13"),
    ];
    let mut out: Vec<&str> = ways
        .iter()
        .filter(|(labels, _)| labels.iter().any(|l| evidence.contains(l)))
        .map(|(_, control)| *control)
        .collect();
    if out.is_empty() {
        // exec/attach/ephemeral containers: access to Secrets all the same.
        out.push("5.1.2");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::catalogue::RULES;

    #[test]
    fn every_control_a_finding_names_is_listed() {
        for rule in RULES {
            for control in controls(rule.id, EVERY_WAY) {
                assert!(
                    CONTROLS.iter().any(|c| c.id == control),
                    "{control} of {}",
                    rule.id.as_str()
                );
            }
        }
    }

    #[test]
    fn indirect_access_maps_by_the_ways_it_names() {
        assert_eq!(indirect("may create pods in team-a"), ["5.1.4"]);
        assert_eq!(
            indirect("may impersonate and create service account tokens"),
            ["5.1.8", "5.1.13"]
        );
        assert_eq!(indirect("may exec into pods"), ["5.1.2"]);
    }
}
