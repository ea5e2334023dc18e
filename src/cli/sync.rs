//! Arguments of `kvault sync`.

use super::parse_watch_interval;
use crate::output::{formats, Choice, Format};
use crate::store::Scheme;
use clap::Args;
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

Any store to any store (vault:, k8s:, local:). Only changed targets are written; each
written target records kvault.dev/source, kvault.dev/source-version, kvault.dev/data-hash
and kvault.dev/synced-at (Kubernetes annotations, KV v2 custom metadata). A target whose
data no longer matches its recorded hash was edited by hand: that is reported as drift.
Rollouts set the pod-template annotation kvault.dev/secret-hash, only when a Secret's data
changed. --prune deletes only Secrets labelled app.kubernetes.io/managed-by=kvault that
carry kvault.dev/source, in the plan's namespaces, that the plan no longer names.

Examples:
  kvault sync -f examples/sync-plan.yaml --dry-run
  kvault sync -f plan.yaml --prune -o json
  kvault sync -f plan.yaml --watch 1m --jitter 20
  kvault sync -f plan.yaml --concurrency 16 --rate-limit vault=100 --rate-limit k8s=50

Exit codes:
  0  every target, rollout and prune succeeded (drift left alone by --no-overwrite-drift is reported, not a failure)
  2  an invalid plan, or anything failed (with --watch: the last run)";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct SyncArgs {
    /// The sync plan (YAML); `-` reads it from stdin.
    #[arg(short = 'f', long = "file", value_name = "PLAN.yaml")]
    pub file: PathBuf,

    /// Keep running: sync again this often (e.g. 30s, 5m; from 100ms to 7 days), until SIGINT/SIGTERM.
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_interval)]
    pub watch: Option<Duration>,

    /// Vary each --watch interval randomly by up to this percentage.
    #[arg(long, value_name = "PCT", default_value_t = 10, requires = "watch",
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub jitter: u8,

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
