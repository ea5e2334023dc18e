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
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// What was read. Names are shared (`Arc<str>`, interned by the
/// [`Tally`]): a log names the same few thousand Secrets and subjects
/// millions of times.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// One Secret (`namespace` empty when the log did not name one).
    Secret { namespace: Arc<str>, name: Arc<str> },
    /// Every Secret of a namespace (a list or watch).
    Namespace(Arc<str>),
    /// Every Secret of every namespace.
    AllNamespaces,
    /// A Vault API path.
    Vault(Arc<str>),
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
    pub subject: Arc<str>,
    pub kind: SubjectKind,
    /// Who impersonated `subject`, when someone did.
    pub impersonator: Option<Arc<str>>,
    pub verb: Arc<str>,
    pub denied: bool,
    /// Microseconds since the epoch.
    pub time: i64,
    pub source_ip: Option<Arc<str>>,
    pub user_agent: Option<Arc<str>>,
    /// The event holds the Secret's body (request or response object).
    pub body_logged: bool,
}

/// An exec or attach session into a pod, as the Kubernetes log records
/// it: reads by the pod's service account right after may be made through
/// it (KV-ACC-008).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Exec {
    pub namespace: Arc<str>,
    pub pod: Arc<str>,
    pub user: Arc<str>,
    pub kind: SubjectKind,
    pub time: i64,
}

/// What a log line records, when kvault reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Access(Access),
    Exec(Exec),
}

/// A service account's read of a Secret right after an exec session into
/// a pod of its namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadAfterExec {
    pub subject: Arc<str>,
    pub target: Target,
    pub read: i64,
    pub exec: Exec,
}

/// How soon after an exec session a read counts as made through it.
pub const EXEC_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);
/// Reads after exec sessions kept (one per subject, target and session).
const MAX_AFTER_EXEC: usize = 1000;

/// The read verbs of both logs, as bits: a row keeps which it saw.
const READ_VERBS: [&str; 4] = ["get", "list", "watch", "read"];

/// Which read verbs a row saw (Vault's `list` shares Kubernetes' bit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verbs(u8);

impl Verbs {
    fn bit(verb: &str) -> Option<u8> {
        READ_VERBS.iter().position(|v| *v == verb).map(|i| 1 << i)
    }

    pub fn contains(self, verb: &str) -> bool {
        Verbs::bit(verb).is_some_and(|b| self.0 & b != 0)
    }

    pub fn names(self) -> Vec<&'static str> {
        READ_VERBS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, v)| *v)
            .collect()
    }
}

impl Serialize for Verbs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// Everything seen for one (target, subject).
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub source: Source,
    pub target: Target,
    pub subject: Arc<str>,
    pub kind: SubjectKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonator: Option<Arc<str>>,
    pub verbs: Verbs,
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
    /// The first few distinct, in the order seen.
    pub source_ips: Vec<Arc<str>>,
    pub user_agents: Vec<Arc<str>>,
}

fn as_time<S: serde::Serializer>(micros: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_time(*micros))
}

/// RFC 3339 in UTC, to the second.
pub fn format_time(micros: i64) -> String {
    humantime::format_rfc3339_seconds(crate::clock::from_micros(micros)).to_string()
}

/// An RFC 3339 timestamp as microseconds since the epoch.
pub fn micros(text: &str) -> Option<i64> {
    crate::clock::parse_rfc3339_micros(text)
}

/// Text from a log, safe to print: control characters (a terminal escape
/// in a user agent) replaced, length capped.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_TEXT && !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out: String = text
        .chars()
        .take(MAX_TEXT)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().count() > MAX_TEXT {
        out.push('…');
    }
    std::borrow::Cow::Owned(out)
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
    /// Exec and attach sessions into pods opened (Kubernetes).
    pub exec_sessions: u64,
}

/// Per (source, subject), the times of its denied requests.
pub type Denials = HashMap<(Source, Arc<str>), Vec<i64>>;

/// A row's identity: source, target, subject, impersonator.
type Key = (Source, Target, Arc<str>, Option<Arc<str>>);

/// What a row accumulates.
struct Counts {
    kind: SubjectKind,
    verbs: Verbs,
    count: u64,
    denied: u64,
    first: i64,
    last: i64,
    first_allowed: Option<i64>,
    source_ips: Vec<Arc<str>>,
    user_agents: Vec<Arc<str>>,
}

/// One shared copy of each name read from a log, made safe to print
/// ([`clean`]) once.
#[derive(Default)]
pub struct Interner(HashSet<Arc<str>>);

impl Interner {
    pub fn get(&mut self, text: &str) -> Arc<str> {
        let text = clean(text);
        if let Some(found) = self.0.get(&*text) {
            return found.clone();
        }
        let new: Arc<str> = Arc::from(&*text);
        self.0.insert(new.clone());
        new
    }
}

/// The rows as the logs are read, and per subject the times of its
/// denied requests.
#[derive(Default)]
pub struct Tally {
    rows: HashMap<Key, Counts>,
    /// The names of every access the parsers make.
    pub names: Interner,
    denials: Denials,
    /// Events (reads or writes) that hold a Secret's body, per target.
    bodies: BTreeMap<Target, u64>,
    pub stats: Stats,
    /// Earliest and latest access counted.
    window: Option<(i64, i64)>,
    /// Exec sessions by namespace, in the order read, without repeats.
    execs: HashMap<Arc<str>, Vec<Exec>>,
    exec_seen: HashSet<Exec>,
    after_exec: Vec<ReadAfterExec>,
}

/// A [`Tally`] once every log is read.
pub struct Tallied {
    /// By source, target, then subject.
    pub rows: Vec<Row>,
    pub denials: Denials,
    pub bodies: BTreeMap<Target, u64>,
    pub stats: Stats,
    pub window: Option<(i64, i64)>,
    pub after_exec: Vec<ReadAfterExec>,
}

impl Tally {
    /// Fold one record in.
    pub fn record(&mut self, record: Record) {
        match record {
            Record::Access(access) => self.add(access),
            Record::Exec(exec) => self.add_exec(exec),
        }
    }

    fn add_exec(&mut self, exec: Exec) {
        // A session logs ResponseStarted and ResponseComplete: one session.
        if !self.exec_seen.insert(exec.clone()) {
            return;
        }
        self.stats.exec_sessions += 1;
        if exec.kind == SubjectKind::ControlPlane {
            return;
        }
        self.execs
            .entry(exec.namespace.clone())
            .or_default()
            .push(exec);
    }

    /// A service account's allowed read soon after an exec session into a
    /// pod of its namespace (the logs read in time order, see [`analyze`]).
    fn check_after_exec(&mut self, access: &Access) {
        if access.source != Source::Kubernetes
            || access.kind != SubjectKind::ServiceAccount
            || access.denied
            || self.after_exec.len() >= MAX_AFTER_EXEC
        {
            return;
        }
        let Some((ns, _)) = access
            .subject
            .strip_prefix("system:serviceaccount:")
            .and_then(|s| s.split_once(':'))
        else {
            return;
        };
        let window = i64::try_from(EXEC_WINDOW.as_micros()).unwrap_or(i64::MAX);
        let Some(exec) = self.execs.get(ns).and_then(|execs| {
            execs
                .iter()
                .rev()
                .find(|e| e.time <= access.time && access.time - e.time <= window)
        }) else {
            return;
        };
        let known = self
            .after_exec
            .iter()
            .any(|r| r.subject == access.subject && r.target == access.target && r.exec == *exec);
        if !known {
            self.after_exec.push(ReadAfterExec {
                subject: access.subject.clone(),
                target: access.target.clone(),
                read: access.time,
                exec: exec.clone(),
            });
        }
    }

    pub fn add(&mut self, access: Access) {
        if access.body_logged {
            *self.bodies.entry(access.target.clone()).or_default() += 1;
        }
        // Writes only matter for their logged bodies: the rows are reads.
        let Some(bit) = Verbs::bit(&access.verb) else {
            return;
        };
        self.stats.accesses += 1;
        if !self.execs.is_empty() {
            self.check_after_exec(&access);
        }
        let target = access.target;
        self.window = Some(match self.window {
            None => (access.time, access.time),
            Some((a, b)) => (a.min(access.time), b.max(access.time)),
        });
        let subject = access.subject;
        if access.denied {
            self.denials
                .entry((access.source, subject.clone()))
                .or_default()
                .push(access.time);
        }
        let row = self
            .rows
            .entry((access.source, target, subject, access.impersonator))
            .or_insert_with(|| Counts {
                kind: access.kind,
                verbs: Verbs::default(),
                count: 0,
                denied: 0,
                first: access.time,
                last: access.time,
                first_allowed: None,
                source_ips: Vec::new(),
                user_agents: Vec::new(),
            });
        row.verbs.0 |= bit;
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

    pub fn finish(self) -> Tallied {
        let mut rows: Vec<Row> = self
            .rows
            .into_iter()
            .map(|((source, target, subject, impersonator), c)| Row {
                source,
                target,
                subject,
                kind: c.kind,
                impersonator,
                verbs: c.verbs,
                count: c.count,
                denied: c.denied,
                first: c.first,
                last: c.last,
                first_allowed: c.first_allowed,
                source_ips: c.source_ips,
                user_agents: c.user_agents,
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.source, &a.target, &a.subject, &a.impersonator).cmp(&(
                b.source,
                &b.target,
                &b.subject,
                &b.impersonator,
            ))
        });
        Tallied {
            rows,
            denials: self.denials,
            bodies: self.bodies,
            stats: self.stats,
            window: self.window,
            after_exec: self.after_exec,
        }
    }
}

/// Add `value` to a capped list of distinct values.
fn keep(list: &mut Vec<Arc<str>>, value: Option<Arc<str>>) {
    if let Some(value) = value {
        if list.len() < KEEP_PER_ROW && !list.contains(&value) {
            list.push(value);
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
    /// The Secrets each service account's workloads use (from manifests).
    pub uses: Option<checks::Uses>,
    /// Secrets nobody but `allowed_readers` should read.
    pub honeytokens: Vec<checks::Honeytoken>,
    pub allowed_readers: Vec<String>,
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
    // Rotated files in time order, so that an exec session is read before
    // the reads that follow it.
    let mut kube_logs: Vec<(i64, &PathBuf)> = Vec::new();
    for path in &options.kube_logs {
        kube_logs.push((first_time(path)?, path));
    }
    kube_logs.sort_by_key(|(time, _)| *time);
    let kube = LogKind::new(kube_log::NEEDLES, kube_log::parse);
    for (_, path) in kube_logs {
        read_log(path, &mut tally, options.since, &kube)?;
    }
    let vault = LogKind::new(&[vault_log::NEEDLE], vault_log::parse);
    for path in &options.vault_logs {
        read_log(path, &mut tally, options.since, &vault)?;
    }
    let tallied = tally.finish();
    let mut findings = checks::check(&tallied, options.baseline, options.uses.as_ref());
    findings.extend(checks::reads_after_exec(&tallied.after_exec));
    findings.extend(checks::honeytoken_reads(
        &tallied.rows,
        &options.honeytokens,
        &options.allowed_readers,
    ));
    crate::audit::finding::sort(&mut findings);
    Ok(AccessReport {
        rows: tallied.rows,
        findings,
        stats: tallied.stats,
        window: tallied.window,
    })
}

type Parser = fn(&[u8], &mut Interner) -> Result<Record, kube_log::Skip>;

/// How one kind of log is read: the bytes a line must hold to be parsed
/// (one pass over each line for all of them, SIMD where it can), and the
/// parser. Built once per run, not per file.
struct LogKind {
    finder: aho_corasick::AhoCorasick,
    parse: Parser,
}

impl LogKind {
    fn new(needles: &[&[u8]], parse: Parser) -> LogKind {
        // A handful of constant needles: building cannot fail.
        let finder = aho_corasick::AhoCorasick::new(needles).expect("constant needles");
        LogKind { finder, parse }
    }
}

/// The time of the first Kubernetes event of a file (stdin: none, read
/// first), to read rotated files in order.
fn first_time(path: &Path) -> Result<i64, AccessError> {
    if path == Path::new("-") {
        return Ok(i64::MIN);
    }
    let mut lines = input::Lines::open(path)?;
    for _ in 0..100 {
        let Some(line) = lines.next_line()? else {
            break;
        };
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Stamp<'a> {
            #[serde(borrow)]
            request_received_timestamp: std::borrow::Cow<'a, str>,
        }
        if let Some(time) = serde_json::from_slice::<Stamp<'_>>(line)
            .ok()
            .and_then(|s| micros(&s.request_received_timestamp))
        {
            return Ok(time);
        }
    }
    Ok(i64::MAX)
}

/// Fold one file into `tally`. A file none of whose first lines is JSON
/// is refused (a wrong file named by mistake), naming it.
fn read_log(
    path: &Path,
    tally: &mut Tally,
    since: Option<i64>,
    log: &LogKind,
) -> Result<(), AccessError> {
    let (finder, parse) = (&log.finder, log.parse);
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
        if !finder.is_match(line) {
            continue;
        }
        match parse(line, &mut tally.names) {
            Ok(Record::Access(access)) if since.is_some_and(|s| access.time < s) => {
                tally.stats.before_since += 1
            }
            Ok(record) => tally.record(record),
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
        assert!(matches!(
            clean("kubectl/v1.34"),
            std::borrow::Cow::Borrowed(_)
        ));
        let long = "x".repeat(1000);
        assert_eq!(clean(&long).chars().count(), MAX_TEXT + 1);
    }
}
