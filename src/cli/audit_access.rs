//! Arguments of `kvault audit access`.

use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

const AFTER_HELP: &str = "\
Examples:
  kvault audit access --k8s-audit-log /var/log/kubernetes/audit/audit.log*
  kvault audit access --k8s-audit-log audit.log --since 24h --baseline 7d -o json
  kvault audit access --vault-audit-log /var/log/openbao/audit.log --fail-on medium
  kvault audit access --audit-policy /etc/kubernetes/audit-policy.yaml
  kvault audit access --k8s-audit-log audit.log --manifests k8s/   # reads workloads do not make
  kvault audit access --vault-audit-log audit.log --honeytoken vault:secret/canary \
    --allow-reader 'ServiceAccount eso/external-secrets'
  zcat audit.log.*.gz | kvault audit access --k8s-audit-log -

The logs: kube-apiserver's --audit-log-path (audit.k8s.io/v1 Event JSON lines)
and Vault/OpenBao file audit devices (JSON lines); plain or gzip, rotated files
in any order, streamed (never loaded whole).

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above it
  2  error (a log or policy that cannot be read)

Finding ids: KV-ACC-001..008 (suspicious reads), KV-LOG-001..003 (logging that
leaks Secret values, or does not log reads).";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct AccessArgs {
    /// The kube-apiserver's audit log (--audit-log-path): JSON lines, plain or gzip; - for stdin. Repeatable.
    #[arg(long = "k8s-audit-log", value_name = "FILE|-", num_args = 1..)]
    pub kube_logs: Vec<PathBuf>,

    /// A Vault/OpenBao file audit device's log: JSON lines, plain or gzip; - for stdin. Repeatable.
    #[arg(long = "vault-audit-log", value_name = "FILE|-", num_args = 1..)]
    pub vault_logs: Vec<PathBuf>,

    /// Check the kube-apiserver's audit policy (--audit-policy-file): Secret values logged, reads not logged.
    #[arg(long, value_name = "FILE")]
    pub audit_policy: Option<PathBuf>,

    /// Manifests of the cluster's workloads (a file, a folder or -): a service account reading a Secret none
    /// of its workloads use is a finding (KV-ACC-006). Repeatable.
    #[arg(long = "manifests", value_name = "DIR|FILE|-")]
    pub manifests: Vec<PathBuf>,

    /// A honeytoken (kvault canary create --honeytoken): vault:PATH or k8s:NAMESPACE/NAME. Any read of it
    /// by a subject not given to --allow-reader is a critical finding (KV-ACC-007). Repeatable.
    #[arg(long, value_name = "REF")]
    pub honeytoken: Vec<String>,

    /// A subject that may read the honeytokens (the syncer): as the report names it, e.g.
    /// system:serviceaccount:eso:external-secrets or "AppRole syncer". Repeatable.
    #[arg(long, value_name = "SUBJECT", requires = "honeytoken")]
    pub allow_reader: Vec<String>,

    /// Only requests from this time on: a duration back from now (24h, 7d) or an RFC 3339 time.
    #[arg(long, value_name = "DURATION|TIME", value_parser = parse_since)]
    pub since: Option<SystemTime>,

    /// The first stretch of the logs taken as normal: a subject's first read of a secret after it is a
    /// finding (KV-ACC-004).
    #[arg(long, value_name = "DURATION", value_parser = super::parse_duration)]
    pub baseline: Option<Duration>,

    #[command(flatten)]
    pub report: super::audit::ReportArgs,
}

/// `--since`: `24h` back from now, or an RFC 3339 time.
fn parse_since(text: &str) -> Result<SystemTime, String> {
    if let Ok(ago) = humantime::parse_duration(text) {
        return SystemTime::now()
            .checked_sub(ago)
            .ok_or_else(|| format!("`{text}` reaches back before the epoch"));
    }
    humantime::parse_rfc3339_weak(text).map_err(|_| {
        format!(
            "`{text}` is neither a duration (24h, 7d) nor an RFC 3339 time (2026-12-01T00:00:00Z)"
        )
    })
}
