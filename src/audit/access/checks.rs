//! Suspicious reads, drawn from the rows once every log is read:
//! - KV-ACC-001/002: a list or watch of every Secret of the cluster, or of
//!   kube-system's, by anything but the control plane;
//! - KV-ACC-003: a burst of denied requests by one subject (probing);
//! - KV-ACC-004: with `--baseline`, a subject's first read of a target
//!   after the baseline stretch;
//! - KV-ACC-005: a Secret read by an anonymous request;
//! - KV-ACC-006: with manifests, a service account reading a Secret none
//!   of its workloads use;
//! - KV-ACC-007: a honeytoken read by anyone but its syncer;
//! - KV-ACC-008: a service account's read right after an exec session
//!   into a pod of its namespace;
//! - KV-LOG-003: events that hold a Secret's body (the log leaks values).

use super::{format_time, Denials, Row, Source, SubjectKind, Tallied, Target};
use crate::audit::catalogue::FindingId;
use crate::audit::finding::ObjectRef;
use crate::audit::Finding;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Denied requests by one subject within [`BURST_WINDOW`] that make a
/// burst.
pub const BURST: usize = 5;
pub const BURST_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
/// Objects named in one KV-LOG-003 finding.
const MAX_OBJECTS: usize = 20;

/// The Secrets each service account's workloads use, from manifests:
/// `(namespace, account)` -> Secret names.
pub type Uses = HashMap<(String, String), BTreeSet<String>>;

pub fn check(
    tallied: &Tallied,
    baseline: Option<std::time::Duration>,
    uses: Option<&Uses>,
) -> Vec<Finding> {
    let rows = &tallied.rows;
    let mut out = Vec::new();
    if let Some(uses) = uses {
        for row in rows {
            unused_read(row, uses, &mut out);
        }
    }
    for row in rows {
        wide_reads(row, &mut out);
        if row.kind == SubjectKind::Anonymous && row.count > 0 {
            out.push(
                Finding::new(
                    FindingId::Acc005,
                    format!("{} was read by an anonymous request", row.target),
                    format!("{}; {}", reads(row), origin(row)),
                )
                .objects([target_object(row), subject_object(row)]),
            );
        }
    }
    bursts(&tallied.denials, &mut out);
    if let (Some(baseline), Some((start, end))) = (baseline, tallied.window) {
        let edge = start.saturating_add(i64::try_from(baseline.as_micros()).unwrap_or(i64::MAX));
        if edge < end {
            for row in rows {
                new_reader(row, edge, &mut out);
            }
        }
    }
    bodies_logged(&tallied.bodies, &mut out);
    crate::audit::finding::sort(&mut out);
    out
}

/// KV-ACC-001/002.
fn wide_reads(row: &Row, out: &mut Vec<Finding>) {
    let listed = row.verbs.contains("list") || row.verbs.contains("watch");
    if row.source != Source::Kubernetes
        || !listed
        || row.count == 0
        || row.kind == SubjectKind::ControlPlane
    {
        return;
    }
    let (id, what) = match &row.target {
        Target::AllNamespaces => (FindingId::Acc001, "every Secret of the cluster"),
        Target::Namespace(ns) if &**ns == "kube-system" => {
            (FindingId::Acc002, "the Secrets of kube-system")
        }
        _ => return,
    };
    out.push(
        Finding::new(
            id,
            format!("{} ({}) read {what}", row.subject, row.kind.label()),
            format!("{}; {}", reads(row), origin(row)),
        )
        .objects([subject_object(row), target_object(row)]),
    );
}

/// KV-ACC-006: a service account whose workloads are among the manifests
/// read (allowed) a Secret none of them uses. Accounts without audited
/// workloads (a CI robot, an operator installed elsewhere) are not judged.
fn unused_read(row: &Row, uses: &Uses, out: &mut Vec<Finding>) {
    let Target::Secret { namespace, name } = &row.target else {
        return;
    };
    if row.source != Source::Kubernetes || row.kind != SubjectKind::ServiceAccount || row.count == 0
    {
        return;
    }
    let Some((ns, account)) = row
        .subject
        .strip_prefix("system:serviceaccount:")
        .and_then(|s| s.split_once(':'))
    else {
        return;
    };
    let Some(used) = uses.get(&(ns.to_string(), account.to_string())) else {
        return;
    };
    if &**namespace == ns && used.contains(&**name) {
        return;
    }
    let their: Vec<&str> = used.iter().map(String::as_str).collect();
    out.push(
        Finding::new(
            FindingId::Acc006,
            format!(
                "ServiceAccount {ns}/{account} read {}, which none of its workloads use",
                row.target
            ),
            format!(
                "{}; {}; its workloads use: {}",
                reads(row),
                origin(row),
                match their.is_empty() {
                    true => "no Secret".to_string(),
                    false => their.join(", "),
                }
            ),
        )
        .objects([subject_object(row), target_object(row)]),
    );
}

/// A honeytoken: a Vault path (as `vault:` references name it, without
/// KV v2's `data/`) or a Kubernetes Secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Honeytoken {
    Vault(String),
    Kube { namespace: String, name: String },
}

impl Honeytoken {
    /// `vault:secret/canary` or `k8s:prod/canary` (a `#key` is ignored).
    pub fn parse(text: &str) -> Result<Honeytoken, String> {
        let bad =
            || format!("`{text}` is not a honeytoken: write vault:PATH or k8s:NAMESPACE/NAME");
        let text = text.split('#').next().unwrap_or_default();
        if let Some(path) = text.strip_prefix("vault:") {
            let path = path.trim_matches('/');
            return match path.contains('/') {
                true => Ok(Honeytoken::Vault(path.to_string())),
                false => Err(bad()),
            };
        }
        let (namespace, name) = text
            .strip_prefix("k8s:")
            .and_then(|p| p.split_once('/'))
            .filter(|(ns, n)| !ns.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(bad)?;
        Ok(Honeytoken::Kube {
            namespace: namespace.into(),
            name: name.into(),
        })
    }

    /// Whether reading `target` reads the honeytoken: its own path (on KV
    /// v2 under `data/`), or a list of its namespace or of all.
    fn read_by(&self, target: &Target) -> bool {
        match (self, target) {
            (Honeytoken::Vault(path), Target::Vault(read)) => {
                let (mount, rest) = path.split_once('/').unwrap_or((path, ""));
                **read == **path || **read == *format!("{mount}/data/{rest}")
            }
            (
                Honeytoken::Kube { namespace, name },
                Target::Secret {
                    namespace: ns,
                    name: n,
                },
            ) => **ns == **namespace && **n == **name,
            (Honeytoken::Kube { namespace, .. }, Target::Namespace(ns)) => **ns == **namespace,
            (Honeytoken::Kube { .. }, Target::AllNamespaces) => true,
            _ => false,
        }
    }
}

/// KV-ACC-007: a honeytoken read (allowed) by anyone but the control
/// plane and the allowed readers (a subject as the report names it; a
/// Vault subject also by its name before ` (role ...)`).
pub fn honeytoken_reads(
    rows: &[Row],
    honeytokens: &[Honeytoken],
    allowed: &[String],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in rows {
        if row.count == 0 || row.kind == SubjectKind::ControlPlane {
            continue;
        }
        let subject = &*row.subject;
        let permitted = allowed.iter().any(|a| {
            subject == a
                || subject
                    .strip_prefix(a.as_str())
                    .is_some_and(|rest| rest.starts_with(" ("))
        });
        if permitted {
            continue;
        }
        for token in honeytokens.iter().filter(|t| t.read_by(&row.target)) {
            let name = match token {
                Honeytoken::Vault(path) => format!("vault:{path}"),
                Honeytoken::Kube { namespace, name } => format!("k8s:{namespace}/{name}"),
            };
            out.push(
                Finding::new(
                    FindingId::Acc007,
                    format!(
                        "honeytoken {name} was read by {} ({})",
                        row.subject,
                        row.kind.label()
                    ),
                    format!("{} ({}); {}", reads(row), row.target, origin(row)),
                )
                .objects([subject_object(row), target_object(row)]),
            );
        }
    }
    out
}

/// KV-ACC-008: a service account's read of a Secret right after an exec
/// or attach session into a pod of its namespace: the session may have
/// used the pod's token. One finding per account, target and session.
pub fn reads_after_exec(reads: &[super::ReadAfterExec]) -> Vec<Finding> {
    reads
        .iter()
        .map(|r| {
            let after = (r.read - r.exec.time) / 1_000_000;
            Finding::new(
                FindingId::Acc008,
                format!(
                    "{} read {} {after}s after {} opened a session into pod {}/{}",
                    r.subject, r.target, r.exec.user, r.exec.namespace, r.exec.pod
                ),
                format!(
                    "exec/attach at {}, read at {} (within {}s)",
                    format_time(r.exec.time),
                    format_time(r.read),
                    super::EXEC_WINDOW.as_secs()
                ),
            )
            .objects([
                subject_ref(Source::Kubernetes, &r.subject),
                target_ref(&r.target),
                subject_ref(Source::Kubernetes, &r.exec.user),
            ])
        })
        .collect()
}

/// KV-ACC-003: the densest minute of each subject's denials.
fn bursts(denials: &Denials, out: &mut Vec<Finding>) {
    let window = i64::try_from(BURST_WINDOW.as_micros()).unwrap_or(i64::MAX);
    let mut subjects: Vec<_> = denials.iter().collect();
    subjects.sort_by(|a, b| a.0.cmp(b.0));
    for ((source, subject), times) in subjects {
        if times.len() < BURST {
            continue;
        }
        let mut times = times.clone();
        times.sort_unstable();
        let (mut best, mut at, mut lo) = (0, 0, 0);
        for hi in 0..times.len() {
            while times[hi] - times[lo] > window {
                lo += 1;
            }
            if hi - lo + 1 > best {
                (best, at) = (hi - lo + 1, lo);
            }
        }
        if best < BURST {
            continue;
        }
        let log = match source {
            Source::Kubernetes => "Kubernetes",
            Source::Vault => "Vault",
        };
        out.push(
            Finding::new(
                FindingId::Acc003,
                format!("{subject} was denied {best} secret requests within a minute ({log})"),
                format!(
                    "{best} denied from {}; {} denied in all",
                    format_time(times[at]),
                    times.len()
                ),
            )
            .object(subject_ref(*source, subject)),
        );
    }
}

/// KV-ACC-004.
fn new_reader(row: &Row, edge: i64, out: &mut Vec<Finding>) {
    let Some(first) = row.first_allowed.filter(|t| *t >= edge) else {
        return;
    };
    if row.kind == SubjectKind::ControlPlane {
        return;
    }
    out.push(
        Finding::new(
            FindingId::Acc004,
            format!(
                "{} ({}) first read {} after the baseline",
                row.subject,
                row.kind.label(),
                row.target
            ),
            format!(
                "first read {}, after the baseline ending {}; {}; {}",
                format_time(first),
                format_time(edge),
                reads(row),
                origin(row)
            ),
        )
        .objects([target_object(row), subject_object(row)]),
    );
}

/// KV-LOG-003: one finding naming the Secrets whose bodies are logged.
fn bodies_logged(bodies: &BTreeMap<Target, u64>, out: &mut Vec<Finding>) {
    if bodies.is_empty() {
        return;
    }
    let events: u64 = bodies.values().sum();
    let mut objects: Vec<ObjectRef> = bodies.keys().map(target_ref).collect();
    objects.sort();
    objects.dedup();
    let named = objects.len();
    objects.truncate(MAX_OBJECTS);
    out.push(
        Finding::new(
            FindingId::Log003,
            format!("the Kubernetes audit log holds Secret bodies ({named} targets)"),
            format!(
                "{events} events on Secrets were logged at Request or RequestResponse level, with the Secret's data"
            ),
        )
        .objects(objects),
    );
}

/// `3 list, watch (1 denied) from 2026-... to 2026-...`.
fn reads(row: &Row) -> String {
    let verbs = row.verbs.names();
    let mut text = format!("{} {}", row.count, verbs.join(", "));
    if row.denied > 0 {
        text.push_str(&format!(" ({} denied)", row.denied));
    }
    text.push_str(&format!(
        " from {} to {}",
        format_time(row.first),
        format_time(row.last)
    ));
    text
}

/// `from 10.0.0.7, user agent kubectl/v1.34`.
fn origin(row: &Row) -> String {
    let ips: Vec<&str> = row.source_ips.iter().map(|s| &**s).collect();
    let mut text = match ips.is_empty() {
        true => "from an unknown address".to_string(),
        false => format!("from {}", ips.join(", ")),
    };
    if !row.user_agents.is_empty() {
        let agents: Vec<&str> = row.user_agents.iter().map(|s| &**s).collect();
        text.push_str(&format!(", user agent {}", agents.join(", ")));
    }
    if let Some(by) = &row.impersonator {
        text.push_str(&format!(", impersonated by {by}"));
    }
    text
}

fn target_object(row: &Row) -> ObjectRef {
    target_ref(&row.target)
}

fn target_ref(target: &Target) -> ObjectRef {
    match target {
        Target::Secret { namespace, name } if namespace.is_empty() => {
            ObjectRef::cluster("Secret", name.to_string())
        }
        Target::Secret { namespace, name } => {
            ObjectRef::namespaced("Secret", namespace, name.to_string())
        }
        Target::Namespace(ns) => ObjectRef::cluster("Namespace", ns.to_string()),
        Target::AllNamespaces => ObjectRef::cluster("Namespace", "(all)"),
        Target::Vault(path) => ObjectRef::cluster("VaultSecret", path.to_string()),
    }
}

fn subject_object(row: &Row) -> ObjectRef {
    subject_ref(row.source, &row.subject)
}

/// A subject as an object: a ServiceAccount, a Node or a User of
/// Kubernetes; a Vault token's owner.
fn subject_ref(source: Source, subject: &str) -> ObjectRef {
    if source == Source::Vault {
        return ObjectRef::cluster("VaultToken", subject);
    }
    if let Some((ns, name)) = subject
        .strip_prefix("system:serviceaccount:")
        .and_then(|s| s.split_once(':'))
    {
        return ObjectRef::namespaced("ServiceAccount", ns, name);
    }
    if let Some(node) = subject.strip_prefix("system:node:") {
        return ObjectRef::cluster("Node", node);
    }
    ObjectRef::cluster("User", subject)
}

#[cfg(test)]
mod tests {
    use super::super::{Access, Tally};
    use super::*;

    fn access(
        subject: &str,
        kind: SubjectKind,
        verb: &str,
        target: Target,
        second: i64,
        denied: bool,
    ) -> Access {
        Access {
            source: Source::Kubernetes,
            target,
            subject: subject.into(),
            kind,
            impersonator: None,
            verb: verb.into(),
            denied,
            time: 1_800_000_000_000_000 + second * 1_000_000,
            source_ip: Some("10.0.0.1".into()),
            user_agent: None,
            body_logged: false,
        }
    }

    fn ids(accesses: Vec<Access>, baseline: Option<u64>) -> Vec<(String, String)> {
        let mut tally = Tally::default();
        for a in accesses {
            tally.add(a);
        }
        check(
            &tally.finish(),
            baseline.map(std::time::Duration::from_secs),
            None,
        )
        .into_iter()
        .map(|f| (f.id.as_str().to_string(), f.title))
        .collect()
    }

    fn secret(ns: &str, name: &str) -> Target {
        Target::Secret {
            namespace: ns.into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_honeytoken_is_a_vault_path_or_a_kubernetes_secret_and_a_list_reads_it() {
        let vault = Honeytoken::parse("vault:secret/canary#canary").unwrap();
        assert_eq!(vault, Honeytoken::Vault("secret/canary".into()));
        assert!(vault.read_by(&Target::Vault("secret/data/canary".into())));
        assert!(vault.read_by(&Target::Vault("secret/canary".into())));
        assert!(!vault.read_by(&Target::Vault("secret/metadata/canary".into())));
        let kube = Honeytoken::parse("k8s:prod/canary").unwrap();
        assert!(kube.read_by(&secret("prod", "canary")));
        assert!(kube.read_by(&Target::Namespace("prod".into())));
        assert!(kube.read_by(&Target::AllNamespaces));
        assert!(!kube.read_by(&secret("prod", "other")));
        for bad in [
            "secret/canary",
            "vault:canary",
            "k8s:canary",
            "k8s:a/b/c",
            "local:x/y",
        ] {
            assert!(Honeytoken::parse(bad).unwrap_err().contains(bad), "{bad}");
        }
    }

    #[test]
    fn wide_lists_outside_the_control_plane_are_findings() {
        use SubjectKind::*;
        let found = ids(
            vec![
                access("alice", Human, "list", Target::AllNamespaces, 0, false),
                access(
                    "system:kube-controller-manager",
                    ControlPlane,
                    "list",
                    Target::AllNamespaces,
                    0,
                    false,
                ),
                access(
                    "bob",
                    Human,
                    "watch",
                    Target::Namespace("kube-system".into()),
                    0,
                    false,
                ),
                access(
                    "carol",
                    Human,
                    "list",
                    Target::Namespace("team-a".into()),
                    0,
                    false,
                ),
                // Denied: probing, not a read.
                access("dave", Human, "list", Target::AllNamespaces, 0, true),
            ],
            None,
        );
        assert_eq!(
            found,
            vec![
                (
                    "KV-ACC-001".into(),
                    "alice (human) read every Secret of the cluster".into()
                ),
                (
                    "KV-ACC-002".into(),
                    "bob (human) read the Secrets of kube-system".into()
                ),
            ]
        );
    }

    #[test]
    fn five_denials_within_a_minute_are_a_burst_four_are_not() {
        let denied =
            |who: &str, s| access(who, SubjectKind::Human, "get", secret("a", "x"), s, true);
        let found = ids(
            vec![
                denied("mallory", 0),
                denied("mallory", 10),
                denied("mallory", 20),
                denied("mallory", 30),
                denied("mallory", 59),
                denied("slow", 0),
                denied("slow", 30),
                denied("slow", 61),
                denied("slow", 100),
                denied("slow", 200),
            ],
            None,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "KV-ACC-003");
        assert!(found[0].1.starts_with("mallory was denied 5"), "{found:?}");
    }

    #[test]
    fn a_first_read_after_the_baseline_is_a_finding_one_during_it_is_not() {
        let read = |who: &str, name: &str, s| {
            access(
                who,
                SubjectKind::ServiceAccount,
                "get",
                secret("a", name),
                s,
                false,
            )
        };
        let found = ids(
            vec![
                read("app", "db", 0),
                read("app", "db", 7200),
                read("app", "api", 7200),
                read("other", "db", 100),
            ],
            Some(3600),
        );
        assert_eq!(
            found,
            vec![(
                "KV-ACC-004".into(),
                "app (service account) first read Secret a/api after the baseline".into()
            )]
        );
        // A log shorter than the baseline says nothing.
        assert!(ids(
            vec![read("app", "db", 0), read("app", "api", 60)],
            Some(3600)
        )
        .is_empty());
    }
}
