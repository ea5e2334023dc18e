//! Arguments of `kvault sync`.

use super::parse_watch_interval;
use crate::output::{formats, Choice, Format};
use crate::store::Scheme;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

const AFTER_HELP: &str = "\
Plan (YAML; unknown fields are errors):
  secrets:
    - source: vault:secret/app/db            # the whole secret
      target: k8s:prod/app-db
      rollout: [deployment/api]              # or `auto`; rolloutOnCreate: true to roll on creation too
    - source: vault:secret/app/api#token     # one key, renamed
      target: k8s:prod/app-api#API_TOKEN
    - sources: [vault:secret/a, vault:secret/b]   # merged into one target
      target: k8s:prod/merged
    - source: vault:secret/web/tls           # shaped as ESO's target.template
      target: k8s:prod/web-tls
      decodingStrategy: Base64               # None, Base64, Base64URL, Auto
      template:
        type: kubernetes.io/tls
        labels: {app: web}
        data: {tls.crt: '{{ .cert }}', tls.key: '{{ .key }}'}   # Go templates, Sprig functions
    - source: vault:secret/team-a/           # every secret found under a folder
      find: {name: '^db-'}                   # a regex on the path under it
      target: k8s:prod/                      # one Secret each (or one target for all)
      rewrite: [{stripPrefix: DB_}, {regexp: {source: '^(.*)$', target: 'app_$1'}}]
    - issue: vault:pki/issue/web             # a dynamic engine's value, issued once
      params: {common_name: web.example.com, ttl: 72h}
      renewBefore: 24h                       # issued anew (or its lease renewed) then
      target: k8s:prod/web-cert

Any store to any store (vault:, k8s:, local:). Only changed targets are written; each
written target records kvault.dev/source, kvault.dev/source-version, kvault.dev/data-hash
and kvault.dev/synced-at (Kubernetes annotations, KV v2 custom metadata). A target whose
data no longer matches its recorded hash was edited by hand: that is reported as drift.
Rollouts set the pod-template annotation kvault.dev/secret-hash, only when a Secret's data
changed. --prune deletes only Secrets labelled app.kubernetes.io/managed-by=kvault that
carry kvault.dev/source, in the plan's namespaces, that the plan no longer names.

External Secrets Operator manifests run as a plan with --from-external-secrets PATH;
`kvault sync convert PATH` prints that plan.

Examples:
  kvault sync -f examples/sync-plan.yaml --dry-run
  kvault sync -f plan.yaml --prune -o json
  kvault sync -f plan.yaml --watch 1m --jitter 20
  kvault sync -f plan.yaml --concurrency 16 --rate-limit vault=100 --rate-limit k8s=50

Exit codes:
  0  every target, rollout and prune succeeded (drift left alone by --no-overwrite-drift is reported, not a failure)
  2  an invalid plan, or anything failed (with --watch: the last run)";

#[derive(Debug, Args)]
#[command(
    after_help = AFTER_HELP,
    subcommand_negates_reqs = true,
    args_conflicts_with_subcommands = true
)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,

    /// The sync plan (YAML); `-` reads it from stdin.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "PLAN.yaml",
        required_unless_present_any = ["from_external_secrets", "from_cluster"]
    )]
    pub file: Option<PathBuf>,

    /// Run External Secrets Operator manifests as the plan: ExternalSecrets and their Vault SecretStores/ClusterSecretStores (a file, a directory of them, or `-`); what a plan cannot say is named on stderr and left out.
    #[arg(long, value_name = "PATH", conflicts_with = "file")]
    pub from_external_secrets: Option<PathBuf>,

    /// The same with the ExternalSecrets and stores the cluster holds (every namespace, or -n's), read again before each --watch round.
    #[arg(long, conflicts_with_all = ["file", "from_external_secrets"])]
    pub from_cluster: bool,

    /// Keep running: sync again this often (e.g. 30s, 5m; from 100ms to 7 days), until SIGINT/SIGTERM.
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_interval)]
    pub watch: Option<Duration>,

    /// Vary each --watch interval randomly by up to this percentage.
    #[arg(long, value_name = "PCT", default_value_t = 10, requires = "watch",
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub jitter: u8,

    #[command(flatten)]
    pub leader: LeaderArgs,

    /// Serve Prometheus metrics on http://ADDR/metrics (and /healthz, /readyz); port 0 picks one, printed on stderr.
    #[arg(long, value_name = "ADDR", requires = "watch")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Show what would change (key names only, never values) and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Delete kvault-synced Kubernetes Secrets of the plan's namespaces that the plan no longer names.
    #[arg(long)]
    pub prune: bool,

    /// Leave targets that were edited by hand as they are (report the drift only).
    #[arg(long)]
    pub no_overwrite_drift: bool,

    /// Targets worked on at once.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// At most N store operations a second: `N` for every store, `vault=N`, `k8s=N`
    /// or `local=N` for one (repeat the flag for several).
    #[arg(long, value_name = "[STORE=]N", value_parser = parse_rate_limit)]
    pub rate_limit: Vec<RateLimit>,

    /// Output format of the summary.
    #[arg(short, long, default_value_t, value_parser = formats(SYNC_FORMATS))]
    pub output: Format,
}

/// How the summary is printed.
const SYNC_FORMATS: &[Choice] = &[
    (
        Format::Table,
        "Changed targets as a table on stdout, a summary line on stderr",
    ),
    (
        Format::Json,
        "One JSON object (per run; with --watch one line per run)",
    ),
    (
        Format::Yaml,
        "One YAML document (per run; with --watch each starts with `---`)",
    ),
];

/// One `--rate-limit`: a store (all when `None`) and its operations a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub store: Option<Scheme>,
    pub per_second: NonZeroU32,
}

impl RateLimit {
    /// The limits per store; a limit naming its store beats a bare `N`.
    pub fn per_store(limits: &[RateLimit]) -> BTreeMap<Scheme, NonZeroU32> {
        let mut map = BTreeMap::new();
        for limit in limits.iter().filter(|l| l.store.is_none()) {
            map.extend(Scheme::ALL.map(|s| (s, limit.per_second)));
        }
        for limit in limits {
            if let Some(store) = limit.store {
                map.insert(store, limit.per_second);
            }
        }
        map
    }
}

fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    let (store, n) = match text.split_once('=') {
        Some((name, n)) => {
            let store = Scheme::ALL
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| format!("`{name}` is not a store (vault, k8s or local)"))?;
            (Some(store), n)
        }
        None => (None, text),
    };
    let per_second = n
        .parse::<NonZeroU32>()
        .map_err(|_| format!("`{n}` is not a number of operations a second (1 or more)"))?;
    Ok(RateLimit { store, per_second })
}

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    #[test]
    fn a_rate_limit_names_a_store_or_applies_to_all() {
        let n = |v| NonZeroU32::new(v).unwrap();
        let limits = [
            parse_rate_limit("vault=5").unwrap(),
            parse_rate_limit("50").unwrap(),
        ];
        let map = RateLimit::per_store(&limits);
        assert_eq!(map[&Scheme::Vault], n(5));
        assert_eq!(map[&Scheme::K8s], n(50));
        assert_eq!(map[&Scheme::Local], n(50));
        assert!(RateLimit::per_store(&[]).is_empty());
        assert!(parse_rate_limit("0").unwrap_err().contains("1 or more"));
        assert!(parse_rate_limit("consul=3")
            .unwrap_err()
            .contains("not a store"));
        assert!(parse_rate_limit("vault=x").is_err());
    }
}

/// `--leader-elect` and its Lease: several replicas, one writer.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Leader election (with --watch)")]
pub struct LeaderArgs {
    /// Run as one of several replicas: only the holder of a coordination.k8s.io Lease syncs; the others wait to take over.
    #[arg(long, requires = "watch")]
    pub leader_elect: bool,

    /// The Lease's name.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "kvault-sync",
        requires = "leader_elect"
    )]
    pub lease_name: String,

    /// The Lease's namespace [default: the Pod's, in a cluster; else the kubeconfig's].
    #[arg(long, value_name = "NS", requires = "leader_elect")]
    pub lease_namespace: Option<String>,

    /// This replica's name in the Lease [default: $POD_NAME, else HOSTNAME-PID].
    #[arg(long, value_name = "ID", requires = "leader_elect")]
    pub lease_identity: Option<String>,

    /// A leader that stops renewing loses the Lease after this long (whole seconds).
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = humantime::parse_duration, requires = "leader_elect")]
    pub lease_duration: Duration,

    /// The leader renews this long before the end and stops writing half of it before the end (the other half: clock skew tolerated).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration, requires = "leader_elect")]
    pub lease_grace: Duration,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Print the kvault plan that External Secrets Operator manifests say (ExternalSecrets with Vault SecretStores or ClusterSecretStores); what it cannot say is named on stderr, one line per field.
    #[command(after_help = CONVERT_AFTER_HELP)]
    Convert(ConvertArgs),
}

const CONVERT_AFTER_HELP: &str = "\
Translated: data[].remoteRef (key, property, version, decodingStrategy), dataFrom[].extract,
target.name, target.template (type, metadata.labels, metadata.annotations, data,
mergePolicy; engine v2). The store's server and auth become comments naming the variables
kvault reads (VAULT_ADDR, VAULT_AUTH_METHOD, VAULT_ROLE, VAULT_PATH, VAULT_NAMESPACE).

Examples:
  kvault sync convert external-secrets/ > plan.yaml
  kvault sync --from-external-secrets external-secrets/ --dry-run

Exit codes:
  0  at least one ExternalSecret was converted (fields left out are warnings)
  2  none could be, or an input is not YAML";

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The manifests: a file, a directory (every .yaml, .yml and .json under it), or `-` for stdin.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}
