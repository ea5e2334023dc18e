//! Arguments of `kvault delete`.

use clap::Args;

const AFTER_HELP: &str = "\
What is deleted:
  KV v2 (vault:)    the latest version, recoverably (as `bao kv delete`); --versions N,M
                    soft-deletes those; --destroy destroys them for good (the latest when no
                    --versions, as `bao kv destroy`); --all-versions removes the metadata and
                    every version (as `bao kv metadata delete`)
  KV v1 (vault:)    the secret (KV v1 keeps no versions)
  k8s:NS/NAME       the Secret (as `kubectl delete secret`)
  local:PATH        the latest version, recoverably; --versions soft-deletes those;
                    --all-versions removes the secret's file with its history
  REF#KEY           only that key: the secret is written again without it, with
                    check-and-set on the version read (a new version where the store keeps
                    versions); the last key of a secret cannot be removed this way

Confirmation: unlike `kubectl delete` and `bao kv delete`, kvault asks on a terminal before
deleting (stdin and stderr a terminal); --yes (-y) skips the question. Without a terminal
(CI, pipes) and without --yes nothing is deleted, before any store is asked: a script has to
say --yes.

Examples:
  kvault delete vault:secret/app/db                   # soft delete of the latest version
  kvault delete vault:secret/app/db --versions 3,4 -y
  kvault delete vault:secret/app/db --destroy --versions 3 -y
  kvault delete vault:secret/app/db --all-versions -y
  kvault delete k8s:prod/app-db -y
  kvault delete local:app/db#old-password -y          # remove one key

Exit codes:
  0  deleted
  1  nothing to delete (the secret, version or key does not exist; named), or the question
     was answered no
  2  an error: no terminal and no --yes, versions of a store that keeps none, the last key,
     unreachable store, permission denied";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DeleteArgs {
    /// What to delete: SCHEME:PATH, or SCHEME:PATH#KEY for one key.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub reference: String,

    /// Delete these versions (KV v2, local store), comma-separated: `--versions 3,4`.
    #[arg(long, value_name = "N,M", value_delimiter = ',', num_args = 1)]
    pub versions: Vec<u64>,

    /// Destroy permanently (KV v2): the --versions given, else the latest version.
    #[arg(long)]
    pub destroy: bool,

    /// Delete the metadata and every version (KV v2, local store); elsewhere the same as a plain delete.
    #[arg(long, conflicts_with_all = ["versions", "destroy"])]
    pub all_versions: bool,

    /// Do not ask for confirmation (needed without a terminal).
    #[arg(short, long)]
    pub yes: bool,
}
