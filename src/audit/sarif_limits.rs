//! Fitting findings into what GitHub code scanning accepts from one SARIF
//! run. GitHub rejects an upload with more than 25,000 results in a run
//! (and shows only the 5,000 most severe), more than 1,000 locations in a
//! result, or over 10 MB gzipped; a large cluster gives more findings than
//! that. So SARIF output has one result per rule and main object (the
//! subject, workload or Secret a finding is about), its repetitions
//! counted, and at most [`MAX_RESULTS`] results: the most severe are kept
//! (findings come in report order) and a last result says how many were
//! left out. `-o json` always lists every finding.

use super::finding::{Finding, FindingId, ObjectRef, Severity};
use std::collections::HashMap;

/// GitHub code scanning's limit on results per run.
pub const MAX_RESULTS: usize = 25_000;

/// Occurrences of a group quoted in its message; the others are counted.
pub const QUOTED_OCCURRENCES: usize = 10;

/// The findings of one rule about one main object, in report order.
#[derive(Debug)]
pub struct Group<'a> {
    pub findings: Vec<&'a Finding>,
}

impl<'a> Group<'a> {
    /// The most severe finding of the group (report order puts it first).
    pub fn first(&self) -> &'a Finding {
        self.findings[0]
    }

    /// Every object of every finding, once, the main object first.
    pub fn objects(&self) -> Vec<&'a ObjectRef> {
        let mut seen = std::collections::HashSet::new();
        self.findings
            .iter()
            .flat_map(|f| f.objects.iter())
            .filter(|o| seen.insert(*o))
            .collect()
    }

    /// The message: the finding's own for one occurrence; otherwise how
    /// many, and the first [`QUOTED_OCCURRENCES`] of them.
    pub fn message(&self) -> String {
        let first = self.first();
        if self.findings.len() == 1 {
            return format!("{}. {}", first.title, first.evidence);
        }
        let quoted: Vec<String> = self
            .findings
            .iter()
            .take(QUOTED_OCCURRENCES)
            .enumerate()
            .map(|(i, f)| format!("({}) {}: {}", i + 1, f.title, f.evidence))
            .collect();
        let mut text = format!(
            "{} occurrences of {} about the same object. {}",
            self.findings.len(),
            first.id,
            quoted.join(" ")
        );
        if self.findings.len() > QUOTED_OCCURRENCES {
            text.push_str(&format!(
                " ({} more; `kvault audit -o json` lists every one)",
                self.findings.len() - QUOTED_OCCURRENCES
            ));
        }
        text
    }
}

/// Findings grouped by rule and main object, in the order of each group's
/// first finding.
pub fn group(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(FindingId, Option<&ObjectRef>), usize> = HashMap::new();
    for f in findings {
        let key = (f.id, f.objects.first());
        match index.get(&key) {
            Some(&i) => groups[i].findings.push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(Group { findings: vec![f] });
            }
        }
    }
    groups
}

/// What [`limit`] left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncated {
    /// Results (groups) left out.
    pub results: usize,
    /// Findings in them.
    pub findings: usize,
    /// Their severities, most severe first, with counts.
    pub severities: Vec<(Severity, usize)>,
}

impl Truncated {
    /// `1,200 low, 300 info`.
    pub fn describe_severities(&self) -> String {
        self.severities
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The text of the summary result, and of the warning on stderr.
    pub fn message(&self) -> String {
        format!(
            "{} more results ({} findings: {}) are left out: GitHub code scanning accepts at most {MAX_RESULTS} results per run. The most severe are kept; `kvault audit -o json` lists every finding.",
            self.results,
            self.findings,
            self.describe_severities()
        )
    }
}

/// Keep at most [`MAX_RESULTS`] − 1 groups when there are more than
/// [`MAX_RESULTS`], leaving room for the summary result; say what went.
pub fn limit(mut groups: Vec<Group<'_>>) -> (Vec<Group<'_>>, Option<Truncated>) {
    if groups.len() <= MAX_RESULTS {
        return (groups, None);
    }
    let left: Vec<Group> = groups.split_off(MAX_RESULTS - 1);
    let mut severities: Vec<(Severity, usize)> = Vec::new();
    for f in left.iter().flat_map(|g| &g.findings) {
        match severities.iter_mut().find(|(s, _)| *s == f.severity) {
            Some((_, n)) => *n += 1,
            None => severities.push((f.severity, 1)),
        }
    }
    severities.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    let truncated = Truncated {
        results: left.len(),
        findings: left.iter().map(|g| g.findings.len()).sum(),
        severities,
    };
    (groups, Some(truncated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: FindingId, main: &str, other: &str) -> Finding {
        Finding::new(id, format!("t {other}"), format!("e {other}"))
            .object(ObjectRef::namespaced("Pod", "a", main))
            .object(ObjectRef::namespaced("Secret", "a", other))
    }

    #[test]
    fn findings_of_one_rule_about_one_object_make_one_group() {
        let findings = vec![
            finding(FindingId::Wl007, "p", "s1"),
            finding(FindingId::Wl007, "p", "s2"),
            finding(FindingId::Wl007, "q", "s1"),
            finding(FindingId::Wl001, "p", "s1"),
        ];
        let groups = group(&findings);
        let sizes: Vec<usize> = groups.iter().map(|g| g.findings.len()).collect();
        assert_eq!(sizes, [2, 1, 1]);
        assert_eq!(groups[0].objects().len(), 3);
        let message = groups[0].message();
        assert!(
            message.starts_with("2 occurrences of KV-WL-007"),
            "{message}"
        );
        assert!(
            message.contains("(1) t s1: e s1 (2) t s2: e s2"),
            "{message}"
        );
        assert_eq!(groups[1].message(), "t s1. e s1");
    }

    #[test]
    fn more_groups_than_github_takes_keep_the_first_and_count_the_rest() {
        let findings: Vec<Finding> = (0..MAX_RESULTS + 2)
            .map(|i| {
                let id = if i < 10 {
                    FindingId::Rbac003
                } else {
                    FindingId::Wl008
                };
                Finding::new(id, "t", "e").object(ObjectRef::namespaced(
                    "Secret",
                    "a",
                    format!("s{i}"),
                ))
            })
            .collect();
        let (kept, truncated) = limit(group(&findings));
        assert_eq!(kept.len(), MAX_RESULTS - 1);
        let truncated = truncated.unwrap();
        assert_eq!(truncated.results, 3);
        assert_eq!(truncated.findings, 3);
        assert_eq!(truncated.describe_severities(), "3 low");
        let (all, none) = limit(group(&findings[..MAX_RESULTS]));
        assert_eq!((all.len(), none), (MAX_RESULTS, None));
    }
}
