//! Renderers for audit results: table rows, JSON and SARIF 2.1.0. They build
//! values; `commands::audit` prints them.
//!
//! JSON (`-o json`), version 1:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {"id": "KV-RBAC-002", "severity": "high", "title": "...",
//!      "objects": [{"kind": "ClusterRoleBinding", "name": "admins"},
//!                  {"kind": "Secret", "namespace": "shop", "name": "db"}],
//!      "evidence": "...", "fix": "...",
//!      "locations": [{"file": "manifests/rbac.yaml", "line": 12}]}
//!   ],
//!   "summary": {"total": 1, "critical": 0, "high": 1, "medium": 0, "low": 0, "info": 0,
//!               "suppressed": 0, "objects": 42, "fail_on": "high", "failed": true}
//! }
//! ```
//!
//! `namespace`, `locations` and a location's `line` are left out when
//! unknown. Findings are sorted: severity (most severe first), id, objects.
//!
//! `--who-can-read -o json`: `{"version": 1, "namespace": "shop" | null,
//! "subjects": [AccessRow...]}` (see [`AccessRow`]).

use super::catalogue::RULES;
use super::checks::rbac::AccessRow;
use super::finding::{Finding, FindingId, Severity};
use super::sarif_limits;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The outcome of an audit.
#[derive(Clone, Debug)]
pub struct Report {
    /// Sorted, ignore file applied.
    pub findings: Vec<Finding>,
    /// Findings an ignore file suppressed.
    pub suppressed: usize,
    pub fail_on: Severity,
    /// Objects audited.
    pub objects: usize,
    /// Lines for stderr about how the input was read (not findings).
    pub warnings: Vec<String>,
    /// kube-apiserver's flags were among the inputs (its static Pod).
    pub apiserver_flags: bool,
}

impl Report {
    /// Any finding at or above `fail_on`?
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| f.severity >= self.fail_on)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// `5 findings: 1 critical, 2 high, 2 low; 1 suppressed`.
    pub fn summary_line(&self) -> String {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .map(|&s| (s, self.count(s)))
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        if parts.is_empty() {
            return format!("no findings in {} objects", self.objects);
        }
        let mut line = format!(
            "{} finding{} in {} objects: {}",
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" },
            self.objects,
            parts.join(", ")
        );
        if self.suppressed > 0 {
            line.push_str(&format!(
                "; {} suppressed by the ignore file",
                self.suppressed
            ));
        }
        let failing = self
            .findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
            .count();
        if failing > 0 {
            line.push_str(&format!(
                "; {failing} at or above --fail-on {}",
                self.fail_on
            ));
        }
        line
    }
}

/// The `-o json` document; fields serialize in the documented order.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub findings: &'a [Finding],
    pub summary: Summary,
}

/// Counts by severity and the verdict.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub total: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub suppressed: usize,
    pub objects: usize,
    pub fail_on: Severity,
    pub failed: bool,
}

/// The `-o json` document.
pub fn json(report: &Report) -> JsonReport<'_> {
    JsonReport {
        version: 1,
        findings: &report.findings,
        summary: Summary {
            total: report.findings.len(),
            critical: report.count(Severity::Critical),
            high: report.count(Severity::High),
            medium: report.count(Severity::Medium),
            low: report.count(Severity::Low),
            info: report.count(Severity::Info),
            suppressed: report.suppressed,
            objects: report.objects,
            fail_on: report.fail_on,
            failed: report.failed(),
        },
    }
}

/// Header and rows for `-o table`.
pub fn table(report: &Report) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = report
        .findings
        .iter()
        .map(|f| {
            vec![
                f.severity.to_string().to_uppercase(),
                match f.cis.is_empty() {
                    true => f.id.to_string(),
                    false => format!("{}\nCIS {}", f.id, f.cis.join(", ")),
                },
                f.objects
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
                format!("{}\n{}\nfix: {}", f.title, f.evidence, f.fix),
            ]
        })
        .collect();
    (vec!["SEVERITY", "ID", "OBJECTS", "FINDING"], rows)
}

/// A file path as a SARIF `uri`: forward slashes, reserved characters
/// percent-encoded, `file://` for absolute paths.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::new();
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The SARIF `uri` of a finding read from no file: `kubernetes/<Kind>/<namespace>/<name>`
/// (`vault/<Kind>/<name>` for the store's objects)
/// (`kubernetes/<Kind>/<name>` when cluster-scoped) for its main object,
/// `stdin` for a finding about stdin input as a whole, `kubernetes/cluster`
/// otherwise (live mode, or no input file at all).
pub fn placeholder_uri(f: &Finding) -> String {
    if let Some(o) = f.objects.first() {
        // Vault objects (KV-VLT-*) live in the store, not in the cluster.
        let home = if o.kind.starts_with("Vault") {
            "vault"
        } else {
            "kubernetes"
        };
        let mut uri = format!("{home}/{}", path_to_uri(&o.kind));
        if let Some(ns) = &o.namespace {
            uri.push('/');
            uri.push_str(&path_to_uri(ns));
        }
        uri.push('/');
        uri.push_str(&path_to_uri(&o.name).replace('/', "%2F"));
        return uri;
    }
    if f.locations.iter().any(|l| l.file == super::load::STDIN) {
        return "stdin".into();
    }
    "kubernetes/cluster".into()
}

fn fingerprint(f: &Finding) -> String {
    use std::fmt::Write;
    let mut hasher = Sha256::new();
    hasher.update(f.id.as_str().as_bytes());
    for o in &f.objects {
        hasher.update([0]);
        hasher.update(o.to_string().as_bytes());
    }
    let mut hex = String::with_capacity(64);
    for b in hasher.finalize() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// `{"text": ...}`
#[derive(Debug, Serialize)]
pub struct Text<T> {
    pub text: T,
}

/// A SARIF 2.1.0 log with one run.
#[derive(Debug, Serialize)]
pub struct Sarif<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: [SarifRun<'a>; 1],
    /// What was left out to stay within GitHub's limits, for a warning.
    #[serde(skip)]
    pub truncated: Option<super::sarif_limits::Truncated>,
}

#[derive(Debug, Serialize)]
pub struct SarifRun<'a> {
    pub tool: SarifTool,
    pub results: Vec<SarifResult<'a>>,
}

#[derive(Debug, Serialize)]
pub struct SarifTool {
    pub driver: SarifDriver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifDriver {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    pub rules: Vec<SarifRule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifRule {
    pub id: &'static str,
    pub name: String,
    pub short_description: Text<&'static str>,
    pub full_description: Text<String>,
    pub help: Text<&'static str>,
    pub default_configuration: SarifLevel,
    pub properties: SarifRuleProperties,
}

#[derive(Debug, Serialize)]
pub struct SarifLevel {
    pub level: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SarifRuleProperties {
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    pub severity: Severity,
    /// `security`, `kubernetes`, `secrets`, and `CIS-1.12/<control>` for
    /// each CIS control the rule's findings may fail.
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    pub rule_id: &'static str,
    pub rule_index: usize,
    pub level: &'static str,
    pub message: Text<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<SarifLocation>,
    pub partial_fingerprints: SarifFingerprints,
    pub properties: SarifResultProperties<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_location: Option<SarifPhysical>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logical_locations: Vec<SarifLogical>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifPhysical {
    pub artifact_location: SarifArtifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<SarifRegion>,
}

#[derive(Debug, Serialize)]
pub struct SarifArtifact {
    pub uri: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifRegion {
    pub start_line: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifLogical {
    pub fully_qualified_name: String,
    pub kind: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SarifFingerprints {
    #[serde(rename = "kvaultFinding/v1")]
    pub v1: String,
}

#[derive(Debug, Serialize)]
pub struct SarifResultProperties<'a> {
    pub severity: Severity,
    pub fix: &'a str,
    /// Findings of this rule about this object that the result stands for.
    pub occurrences: usize,
    /// `CIS-1.12/<control>` for each CIS control the finding fails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// SARIF tags for CIS controls.
fn cis_tags(controls: &[&str]) -> Vec<String> {
    controls.iter().map(|c| format!("CIS-1.12/{c}")).collect()
}

/// The `-o sarif` document (SARIF 2.1.0): every catalogue entry as a rule,
/// one result per rule and main object, within GitHub code scanning's
/// limits ([`super::sarif_limits`]).
pub fn sarif(report: &Report) -> Sarif<'_> {
    let rules = RULES
        .iter()
        .map(|r| SarifRule {
            id: r.id.as_str(),
            name: r.id.as_str().replace('-', ""),
            short_description: Text { text: r.title },
            full_description: Text {
                text: format!("{} (severity {}).", r.title, r.severity),
            },
            help: Text { text: r.fix },
            default_configuration: SarifLevel {
                level: r.severity.sarif_level(),
            },
            properties: SarifRuleProperties {
                security_severity: r.severity.security_severity(),
                severity: r.severity,
                tags: ["security", "kubernetes", "secrets"]
                    .into_iter()
                    .map(String::from)
                    .chain(cis_tags(&super::cis::controls(r.id, super::cis::EVERY_WAY)))
                    .collect(),
            },
        })
        .collect();
    let (groups, truncated) = sarif_limits::limit(sarif_limits::group(&report.findings));
    let mut results: Vec<SarifResult> = groups.iter().map(group_result).collect();
    if let Some(t) = &truncated {
        results.push(truncated_result(t));
    }
    Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun {
            tool: SarifTool {
                driver: SarifDriver {
                    name: "kvault",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
        truncated,
    }
}

fn rule_index(id: FindingId) -> usize {
    id.index()
}

/// One result for a group of findings of one rule about one main object.
fn group_result<'a>(group: &sarif_limits::Group<'a>) -> SarifResult<'a> {
    let f = group.first();
    let physical_location = f
        .locations
        .iter()
        .find(|l| l.file != super::load::STDIN)
        .map(|l| SarifPhysical {
            artifact_location: SarifArtifact {
                uri: path_to_uri(&l.file),
            },
            region: l.line.map(|start_line| SarifRegion { start_line }),
        });
    // GitHub code scanning rejects a result without a physical location:
    // objects read from stdin or a live cluster get a placeholder URI (see
    // [`placeholder_uri`]).
    let physical_location = physical_location.unwrap_or_else(|| SarifPhysical {
        artifact_location: SarifArtifact {
            uri: placeholder_uri(f),
        },
        region: None,
    });
    let logical_locations = group
        .objects()
        .into_iter()
        .map(|o| SarifLogical {
            fully_qualified_name: o.to_string(),
            kind: "resource",
        })
        .collect();
    SarifResult {
        rule_id: f.id.as_str(),
        rule_index: rule_index(f.id),
        level: f.severity.sarif_level(),
        message: Text {
            text: group.message(),
        },
        locations: vec![SarifLocation {
            physical_location: Some(physical_location),
            logical_locations,
        }],
        partial_fingerprints: SarifFingerprints { v1: fingerprint(f) },
        properties: SarifResultProperties {
            severity: f.severity,
            fix: f.fix,
            occurrences: group.findings.len(),
            tags: cis_tags(&f.cis),
        },
    }
}

/// The last result when some were left out: how many, and where to see them.
fn truncated_result(t: &sarif_limits::Truncated) -> SarifResult<'static> {
    let rule = FindingId::Aud002.rule();
    SarifResult {
        rule_id: rule.id.as_str(),
        rule_index: rule_index(rule.id),
        level: rule.severity.sarif_level(),
        message: Text { text: t.message() },
        locations: vec![SarifLocation {
            physical_location: Some(SarifPhysical {
                artifact_location: SarifArtifact {
                    uri: "kubernetes/cluster".into(),
                },
                region: None,
            }),
            logical_locations: Vec::new(),
        }],
        partial_fingerprints: SarifFingerprints {
            v1: "kvault-sarif-results-left-out".into(),
        },
        properties: SarifResultProperties {
            severity: rule.severity,
            fix: rule.fix,
            occurrences: t.findings,
            tags: Vec::new(),
        },
    }
}

/// Header and rows for `--who-can-read`.
pub fn who_can_read_table(rows: &[AccessRow]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = rows
        .iter()
        .map(|r| {
            vec![
                r.subject_name(),
                r.subject.kind.clone(),
                r.namespace.clone(),
                match r.access {
                    "indirect" => format!("indirect: {}", r.verbs.join("; ")),
                    _ => r.verbs.join(", "),
                },
                r.how(),
            ]
        })
        .collect();
    (vec!["SUBJECT", "KIND", "NAMESPACE", "VERBS", "HOW"], rows)
}

/// The `--who-can-read -o json` document.
pub fn who_can_read_json<'a>(rows: &'a [AccessRow], namespace: Option<&'a str>) -> WhoCanRead<'a> {
    WhoCanRead {
        version: 1,
        namespace,
        subjects: rows,
    }
}

/// The `--who-can-read -o json` document.
#[derive(Debug, Serialize)]
pub struct WhoCanRead<'a> {
    pub version: u32,
    /// The namespace asked about; `null` for all.
    pub namespace: Option<&'a str>,
    pub subjects: &'a [AccessRow],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::finding::{Location, ObjectRef};

    fn report(findings: Vec<Finding>, fail_on: Severity) -> Report {
        Report {
            findings,
            suppressed: 0,
            fail_on,
            objects: 3,
            warnings: Vec::new(),
            apiserver_flags: false,
        }
    }

    #[test]
    fn fail_on_threshold() {
        let f = vec![Finding::new(FindingId::Rbac004, "t", "e")];
        assert!(report(f.clone(), Severity::Medium).failed());
        assert!(report(f.clone(), Severity::Low).failed());
        assert!(!report(f, Severity::High).failed());
    }

    #[test]
    fn uris() {
        assert_eq!(path_to_uri("examples/m a/x.yaml"), "examples/m%20a/x.yaml");
        assert_eq!(path_to_uri("/tmp/x#1.yaml"), "file:///tmp/x%231.yaml");
    }

    #[test]
    fn sarif_results_point_at_rules_and_files() {
        let f = Finding::new(FindingId::Wl008, "Secret unused", "nothing refers to it")
            .object(ObjectRef::namespaced("Secret", "a", "b"))
            .location(Location {
                file: "m/s.yaml".into(),
                line: Some(4),
            });
        let doc = serde_json::to_value(sarif(&report(vec![f], Severity::High))).unwrap();
        let run = &doc["runs"][0];
        let result = &run["results"][0];
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "KV-WL-008");
        assert_eq!(result["level"], "note");
        let loc = &result["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "m/s.yaml"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], 4);
        assert_eq!(
            loc["logicalLocations"][0]["fullyQualifiedName"],
            "Secret/a/b"
        );
    }

    #[test]
    fn every_sarif_result_has_a_physical_location_even_without_a_file() {
        let from_stdin = Finding::new(FindingId::Wl008, "t", "e")
            .object(ObjectRef::namespaced("Secret", "a", "b"))
            .location(Location {
                file: crate::audit::load::STDIN.into(),
                line: Some(2),
            });
        let live =
            Finding::new(FindingId::Rbac002, "t", "e").object(ObjectRef::cluster("User", "root"));
        let nothing = Finding::new(FindingId::Enc002, "t", "e");
        let doc = serde_json::to_value(sarif(&report(
            vec![from_stdin, live, nothing],
            Severity::High,
        )))
        .unwrap();
        let uris: Vec<&str> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            uris,
            [
                "kubernetes/Secret/a/b",
                "kubernetes/User/root",
                "kubernetes/cluster"
            ]
        );
    }

    #[test]
    fn json_summary_counts() {
        let f = vec![
            Finding::new(FindingId::Rbac001, "t", "e"),
            Finding::new(FindingId::Wl008, "t", "e"),
        ];
        let doc = serde_json::to_value(json(&report(f, Severity::High))).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["summary"]["total"], 2);
        assert_eq!(doc["summary"]["critical"], 1);
        assert_eq!(doc["summary"]["low"], 1);
        assert_eq!(doc["summary"]["failed"], true);
        assert_eq!(doc["findings"][0]["id"], "KV-RBAC-001");
        assert!(doc["findings"][0].get("locations").is_none());
    }
}
