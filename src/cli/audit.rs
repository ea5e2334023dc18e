//! Arguments of `kvault audit`.

use crate::output::{formats, Choice, Format};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// How a report is printed and judged: the options `kvault audit` and
/// `kvault audit access` share.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short, long, default_value_t, value_parser = formats(AUDIT_FORMATS))]
    pub output: Format,

    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,

    /// YAML list of accepted findings: {id, object, reason, expires}.
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
}

const AFTER_HELP: &str = "\
Examples:
  kvault audit                        # live: the cluster of the current kubeconfig context
  kvault audit --context prod --etcd-endpoint https://10.0.0.5:2379 \
    --etcd-ca ca.crt --etcd-cert client.crt --etcd-key client.key
  kvault audit --manifests examples/manifests
  KINDS=secrets,sa,cm,pods,deploy,sts,ds,rs,jobs,cronjobs,ing
  KINDS=$KINDS,roles,rolebindings,clusterroles,clusterrolebindings
  kubectl get -A -o yaml $KINDS | kvault audit --manifests - -o sarif > audit.sarif
  kvault audit --manifests k8s/ --encryption-config /etc/kubernetes/enc.yaml --fail-on medium
  kvault audit --manifests k8s/ --ignore audit-ignore.yaml
  kvault audit --manifests k8s/ --who-can-read shop
  kvault audit --vault --fail-on medium        # the store: VAULT_ADDR, VAULT_TOKEN
  kvault audit --vault-policies vault/ -o sarif # offline: *.hcl, roles/*.json
  kvault audit --vault --context prod --who-can-read vault:secret/prod/db

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above it
  2  error

Finding ids: KV-ENC-001..011 (encryption at rest), KV-RBAC-001..010 (RBAC),
KV-WL-001..009 (workloads, unused/stale Secrets), KV-ADM-001..003 (mutating webhooks on
Pods that can block the cluster), KV-VLT-001..017 (Vault:
policies, auth roles, audit devices, KV mounts, secret age, HA, unreadable
endpoints), KV-AUD-001 (live: a kind could not be listed), KV-AUD-002 (sarif: results beyond GitHub's 25,000 left out),
KV-LOG-004 (kube-apiserver keeps no audit log), KV-LOG-001..002 (with --audit-policy),
KV-IGN-001 (expired ignore entry). Findings that fail a CIS Kubernetes Benchmark
v1.12 control name it (the table's ID column, JSON `cis`, SARIF tags);
--benchmark cis lists every such control with its result.
`kvault audit access` reads the audit logs: KV-ACC-*, KV-LOG-*.
The JSON and SARIF outputs name each id's severity, title and fix.";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    /// Audit manifests offline: a file, a folder (recursive: *.yaml, *.yml, *.json) or - for stdin. Repeatable.
    #[arg(long = "manifests", value_name = "DIR|FILE|-")]
    pub manifests: Vec<PathBuf>,

    /// Kubeconfig context to audit (live mode).
    #[arg(long, value_name = "CONTEXT", conflicts_with = "manifests")]
    pub context: Option<String>,

    /// Objects per list page when the API server pages a list (live mode). It
    /// serves first pages from its watch cache, usually whole; kinds it does
    /// not cache (e.g. --watch-cache-sizes=secrets#0) come from etcd in pages.
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::audit::live::PAGE_SIZE,
        value_parser = clap::value_parser!(u32).range(1..),
        conflicts_with = "manifests"
    )]
    pub chunk_size: u32,

    /// The EncryptionConfiguration kube-apiserver uses (its --encryption-provider-config).
    #[arg(long, value_name = "FILE")]
    pub encryption_config: Option<PathBuf>,

    /// Read Secrets straight from etcd to see how they are stored (live mode).
    #[arg(long, value_name = "URL")]
    pub etcd_endpoint: Option<String>,

    /// CA certificate for --etcd-endpoint.
    #[arg(long, value_name = "FILE", requires = "etcd_endpoint")]
    pub etcd_ca: Option<PathBuf>,

    /// Client certificate for --etcd-endpoint.
    #[arg(long, value_name = "FILE", requires = "etcd_endpoint")]
    pub etcd_cert: Option<PathBuf>,

    /// Client key for --etcd-endpoint.
    #[arg(long, value_name = "FILE", requires = "etcd_endpoint")]
    pub etcd_key: Option<PathBuf>,

    /// kube-apiserver's --etcd-prefix: Secrets are read under PREFIX/secrets/.
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "/registry",
        requires = "etcd_endpoint"
    )]
    pub etcd_prefix: String,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Audit the Vault/OpenBao store (--vault-addr or VAULT_ADDR, and its token):
    /// policies, auth roles, audit devices, KV mounts and secret age, HA. Alone,
    /// only the store is audited; with --manifests or --context, both halves.
    #[arg(long)]
    pub vault: bool,

    /// Audit Vault policies offline: a folder of *.hcl policies (and policies/,
    /// roles/*.json, audit.json, mounts.json exported from the API).
    #[arg(long, value_name = "DIR", conflicts_with = "vault")]
    pub vault_policies: Option<PathBuf>,

    /// Vault: KV secrets whose current version is older than this are due for rotation.
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = crate::cli::parse_duration)]
    pub max_age: std::time::Duration,

    /// Vault: auth roles whose tokens may live longer than this are flagged.
    #[arg(long, value_name = "DURATION", default_value = "768h", value_parser = crate::cli::parse_duration)]
    pub max_token_ttl: std::time::Duration,

    /// List who can read Secrets (directly or indirectly) instead of the findings; all namespaces without a value.
    /// vault:PATH (with --vault or --vault-policies): every way to that Vault secret, through auth roles and
    /// policies, and from Kubernetes subjects when --manifests or --context is given too.
    #[arg(long, value_name = "NAMESPACE|vault:PATH", num_args = 0..=1, default_missing_value = "")]
    pub who_can_read: Option<String>,

    /// Check the kube-apiserver's audit policy (--audit-policy-file) too: Secret values logged, reads not
    /// logged (KV-LOG-001/002).
    #[arg(long, value_name = "FILE")]
    pub audit_policy: Option<PathBuf>,

    /// Print the CIS Kubernetes Benchmark (v1.12) controls the checks answer, each PASS, FAIL or NOT CHECKED,
    /// instead of the findings.
    #[arg(long, value_enum, value_name = "BENCHMARK")]
    pub benchmark: Option<Benchmark>,

    /// List everything one subject can read in Vault, and how (with --vault or --vault-policies; Kubernetes
    /// users and groups need --manifests or --context too): serviceaccount:NS/NAME, user:NAME, group:NAME,
    /// policy:NAME, role:MOUNT/NAME (a userpass user: role:userpass/NAME) or entity:NAME (an identity entity).
    #[arg(long, value_name = "SUBJECT", conflicts_with = "who_can_read")]
    pub what_can_read: Option<crate::audit::vault::reach::Subject>,
}

/// `kvault audit`'s subcommands; without one it audits the configuration.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Who read which secret, when: from the kube-apiserver's and Vault's audit logs; suspicious reads and
    /// an audit policy that logs Secret values.
    Access(super::audit_access::AccessArgs),
}

/// How audit results are printed.
pub(super) const AUDIT_FORMATS: &[Choice] = &[
    (Format::Table, ""),
    (Format::Json, ""),
    (Format::Yaml, ""),
    (Format::Sarif, "SARIF 2.1.0, for code scanning"),
];

/// A benchmark whose controls `--benchmark` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Benchmark {
    /// CIS Kubernetes Benchmark v1.12 (kube-bench cfg/cis-1.12)
    Cis,
}

/// The lowest severity that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
}

impl AuditArgs {
    /// Whether the Kubernetes half is audited: always, unless only a Vault
    /// audit was asked for.
    pub fn audits_kubernetes(&self) -> bool {
        !self.manifests.is_empty() || self.context.is_some() || !self.audits_vault()
    }

    pub fn audits_vault(&self) -> bool {
        self.vault || self.vault_policies.is_some()
    }
}

impl From<FailOn> for crate::audit::Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Critical => Self::Critical,
            FailOn::High => Self::High,
            FailOn::Medium => Self::Medium,
            FailOn::Low => Self::Low,
        }
    }
}
