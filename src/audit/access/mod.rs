//! `kvault audit access`: who read which secret, when — from the
//! kube-apiserver's audit log and Vault/OpenBao's file audit devices — and
//! whether the logging itself is safe.
//!
//! The logs are streamed a line at a time ([`input`]); a line that cannot
//! hold a Secret event is skipped before JSON parsing (a byte search),
//! the rest is parsed into an [`Access`] ([`kube_log`], [`vault_log`]) and
//! folded into one [`Row`] per (target, subject) (the [`Tally`]): verbs,
//! counts allowed and denied, first and last time, source addresses and
//! user agents. Memory grows with distinct (target, subject) pairs, not
//! with the log. The findings ([`checks`]) are drawn from the rows at the
//! end; the audit policy ([`audit_policy`]) is checked on its own.

pub mod audit_policy;
pub mod checks;
pub mod input;
pub mod kube_log;
pub mod vault_log;

use crate::audit::Finding;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// Source addresses and user agents kept per row; beyond, counted.
const KEEP_PER_ROW: usize = 8;
/// The longest text from a log kept: names, agents, paths.
const MAX_TEXT: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("cannot open the audit log `{}`: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the audit log `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` holds no audit event: {why}", path.display())]
    NotALog { path: PathBuf, why: String },
    #[error("{0}")]
    Policy(String),
}

/// Which log an access comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Kubernetes,
    Vault,
}

/// Who made a request, as the logs let kvault tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    Human,
    ServiceAccount,
    Node,
    ControlPlane,
    Anonymous,
    /// A machine identity outside Kubernetes (an AppRole).
    Workload,
    /// Vault's root token.
    Root,
    /// A Vault request with a token the server did not know.
    Unknown,
}

impl SubjectKind {
    pub fn label(self) -> &'static str {
        match self {
            SubjectKind::Human => "human",
            SubjectKind::ServiceAccount => "service account",
            SubjectKind::Node => "node",
            SubjectKind::ControlPlane => "control plane",
            SubjectKind::Anonymous => "anonymous",
            SubjectKind::Workload => "workload",
            SubjectKind::Root => "root",
            SubjectKind::Unknown => "unknown token",
        }
    }
}

/// What was read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// One Secret (`namespace` empty when the log did not name one).
    Secret { namespace: String, name: String },
    /// Every Secret of a namespace (a list or watch).
    Namespace(String),
    /// Every Secret of every namespace.
    AllNamespaces,
    /// A Vault API path.
    Vault(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Secret { namespace, name } => write!(f, "Secret {namespace}/{name}"),
            Target::Namespace(ns) => write!(f, "all Secrets in {ns}"),
            Target::AllNamespaces => write!(f, "all Secrets, all namespaces"),
            Target::Vault(path) => write!(f, "vault:{path}"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One request on a secret, as a log line records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub source: Source,
    pub target: Target,
    pub subject: String,
    pub kind: SubjectKind,
    /// Who impersonated `subject`, when someone did.
    pub impersonator: Option<String>,
    pub verb: String,
    pub denied: bool,
    /// Microseconds since the epoch.
    pub time: i64,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The event holds the Secret's body (request or response object).
    pub body_logged: bool,
}

/// Everything seen for one (target, subject).
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub source: Source,
    pub target: Target,
    pub subject: String,
    pub kind: SubjectKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonator: Option<String>,
    pub verbs: BTreeSet<String>,
    /// Requests allowed.
    pub count: u64,
    /// Requests refused (401/403, Vault "permission denied").
    pub denied: u64,
    #[serde(serialize_with = "as_time")]
    pub first: i64,
    #[serde(serialize_with = "as_time")]
    pub last: i64,
    /// The first allowed request, for the baseline.
    #[serde(skip)]
    pub first_allowed: Option<i64>,
    pub source_ips: BTreeSet<String>,
    pub user_agents: BTreeSet<String>,
}

fn as_time<S: serde::Serializer>(micros: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_time(*micros))
}

/// RFC 3339 in UTC, to the second.
pub fn format_time(micros: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_micros(micros.max(0) as u64);
    humantime::format_rfc3339_seconds(time).to_string()
}

/// An RFC 3339 timestamp as microseconds since the epoch.
pub fn micros(text: &str) -> Option<i64> {
    let time = humantime::parse_rfc3339_weak(text).ok()?;
    let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_micros()).ok()
}

/// Text from a log, safe to print: control characters (a terminal escape
/// in a user agent) replaced, length capped.
pub fn clean(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_TEXT)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().count() > MAX_TEXT {
        out.push('…');
    }
    out
}

/// How many lines of what kind were read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub lines: u64,
    /// Reads of secrets counted (allowed or denied).
    pub accesses: u64,
    /// Lines that looked like events on secrets but did not parse.
    pub malformed: u64,
    /// Lines longer than the limit, skipped.
    pub oversized: u64,
    /// Accesses before `--since`, left out.
    pub before_since: u64,
}

/// Per (source, subject), the times of its denied requests.
pub type Denials = HashMap<(Source, String), Vec<i64>>;

/// The rows, and per subject the times of its denied requests.
#[derive(Default)]
pub struct Tally {
    rows: Vec<Row>,
    index: HashMap<String, usize>,
    key: String,
    /// (source, subject) -> times of denied requests, for bursts.
    pub denials: Denials,
    /// Events (reads or writes) that hold a Secret's body, per target.
    pub bodies: BTreeMap<Target, u64>,
    pub stats: Stats,
    /// Earliest and latest access counted.
    pub window: Option<(i64, i64)>,
}

/// A [`Tally`] once every log is read.
pub struct Tallied {
    /// By source, target, then subject.
    pub rows: Vec<Row>,
    pub denials: Denials,
    pub bodies: BTreeMap<Target, u64>,
    pub stats: Stats,
    pub window: Option<(i64, i64)>,
}

/// Verbs that read a secret: Kubernetes' and Vault's.
fn is_read(verb: &str) -> bool {
    matches!(verb, "get" | "list" | "watch" | "read")
}

impl Tally {
    pub fn add(&mut self, access: Access) {
        use std::fmt::Write as _;
        if access.body_logged {
            *self.bodies.entry(access.target.clone()).or_default() += 1;
        }
        // Writes only matter for their logged bodies: the rows are reads.
        if !is_read(&access.verb) {
            return;
        }
        self.stats.accesses += 1;
        self.window = Some(match self.window {
            None => (access.time, access.time),
            Some((a, b)) => (a.min(access.time), b.max(access.time)),
        });
        if access.denied {
            self.denials
                .entry((access.source, access.subject.clone()))
                .or_default()
                .push(access.time);
        }
        self.key.clear();
        let _ = write!(
            self.key,
            "{:?}\u{1f}{}\u{1f}{}\u{1f}{}",
            access.source,
            access.target,
            access.subject,
            access.impersonator.as_deref().unwrap_or("")
        );
        let at = match self.index.get(self.key.as_str()) {
            Some(&at) => at,
            None => {
                self.index.insert(self.key.clone(), self.rows.len());
                self.rows.push(Row {
                    source: access.source,
                    target: access.target.clone(),
                    subject: access.subject.clone(),
                    kind: access.kind,
                    impersonator: access.impersonator.clone(),
                    verbs: BTreeSet::new(),
                    count: 0,
                    denied: 0,
                    first: access.time,
                    last: access.time,
                    first_allowed: None,
                    source_ips: BTreeSet::new(),
                    user_agents: BTreeSet::new(),
                });
                self.rows.len() - 1
            }
        };
        let row = &mut self.rows[at];
        if !row.verbs.contains(&access.verb) {
            row.verbs.insert(access.verb);
        }
        if access.denied {
            row.denied += 1;
        } else {
            row.count += 1;
            row.first_allowed = Some(
                row.first_allowed
                    .map_or(access.time, |t| t.min(access.time)),
            );
        }
        row.first = row.first.min(access.time);
        row.last = row.last.max(access.time);
        keep(&mut row.source_ips, access.source_ip);
        keep(&mut row.user_agents, access.user_agent);
    }

    pub fn finish(mut self) -> Tallied {
        self.rows.sort_by(|a, b| {
            (a.source, &a.target, &a.subject, &a.impersonator).cmp(&(
                b.source,
                &b.target,
                &b.subject,
                &b.impersonator,
            ))
        });
        Tallied {
            rows: self.rows,
            denials: self.denials,
            bodies: self.bodies,
            stats: self.stats,
            window: self.window,
        }
    }
}

/// Add `value` to a capped set.
fn keep(set: &mut BTreeSet<String>, value: Option<String>) {
    if let Some(value) = value {
        if set.len() < KEEP_PER_ROW && !set.contains(&value) {
            set.insert(value);
        }
    }
}

/// What `kvault audit access` reads and how it judges.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub kube_logs: Vec<PathBuf>,
    pub vault_logs: Vec<PathBuf>,
    /// Accesses before this time (microseconds) are left out.
    pub since: Option<i64>,
    /// The first stretch of the logs that is "normal": later first reads
    /// of a target by a subject are findings.
    pub baseline: Option<std::time::Duration>,
}

/// The answer: rows, findings, and what was read.
pub struct AccessReport {
    pub rows: Vec<Row>,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    pub window: Option<(i64, i64)>,
}

/// Read every log of `options` and draw the report.
pub fn analyze(options: &Options) -> Result<AccessReport, AccessError> {
    let mut tally = Tally::default();
    for path in &options.kube_logs {
        read_log(
            path,
            &mut tally,
            options.since,
            kube_log::NEEDLE,
            kube_log::parse,
        )?;
    }
    for path in &options.vault_logs {
        read_log(
            path,
            &mut tally,
            options.since,
            vault_log::NEEDLE,
            vault_log::parse,
        )?;
    }
    let tallied = tally.finish();
    let findings = checks::check(&tallied, options.baseline);
    Ok(AccessReport {
        rows: tallied.rows,
        findings,
        stats: tallied.stats,
        window: tallied.window,
    })
}

type Parser = fn(&[u8]) -> Result<Access, kube_log::Skip>;

/// Fold one file into `tally`. A file none of whose first lines is JSON
/// is refused (a wrong file named by mistake), naming it.
fn read_log(
    path: &Path,
    tally: &mut Tally,
    since: Option<i64>,
    needle: &[u8],
    parse: Parser,
) -> Result<(), AccessError> {
    let finder = memchr::memmem::Finder::new(needle);
    let mut lines = input::Lines::open(path)?;
    tally.stats.files += 1;
    let (mut seen, mut json) = (0u64, 0u64);
    while let Some(line) = lines.next_line()? {
        tally.stats.lines += 1;
        seen += 1;
        let trimmed = line.trim_ascii_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.first() == Some(&b'{') {
            json += 1;
        }
        if seen == 1000 && json == 0 {
            break;
        }
        if finder.find(line).is_none() {
            continue;
        }
        match parse(line) {
            Ok(access) if since.is_some_and(|s| access.time < s) => tally.stats.before_since += 1,
            Ok(access) => tally.add(access),
            Err(kube_log::Skip::Malformed) => tally.stats.malformed += 1,
            Err(kube_log::Skip::Other) => {}
        }
    }
    tally.stats.oversized += lines.oversized as u64;
    if json == 0 && seen > 0 {
        return Err(AccessError::NotALog {
            path: path.to_path_buf(),
            why: "no line is a JSON object".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_both_logs_parse_to_microseconds() {
        let k8s = micros("2026-12-03T09:00:00.000001Z").unwrap();
        let vault = micros("2026-12-03T09:00:00.000001999Z").unwrap();
        assert_eq!(k8s, vault);
        assert_eq!(micros("2026-12-03T09:00:01Z").unwrap() - k8s, 999_999);
        assert_eq!(format_time(k8s), "2026-12-03T09:00:00Z");
        assert_eq!(micros("yesterday"), None);
    }

    #[test]
    fn text_from_a_log_loses_control_characters_and_length() {
        assert_eq!(clean("kubectl\u{1b}[31m"), "kubectl\u{fffd}[31m");
        let long = "x".repeat(1000);
        assert_eq!(clean(&long).chars().count(), MAX_TEXT + 1);
    }
}
