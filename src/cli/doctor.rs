//! Arguments of `kvault doctor` and `kvault whoami`.

use crate::output::{formats, Format, COMMON};
use clap::{Args, ValueEnum};

/// Which stores to look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Area {
    Vault,
    #[value(alias = "kubernetes")]
    K8s,
    Local,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Checks, store by store, what kvault would use and whether it works: for Vault/OpenBao
the settings, the server (version, sealed), where the credential comes from, the token
(policies, TTL) and the KV mounts it sees; for Kubernetes the kubeconfig and context,
the server, who the credentials are and what they may do with Secrets; for the local
store its directory and key. Each failure comes with the fix. A store that is not
configured is skipped. Nothing is written anywhere.

Examples:
  kvault doctor
  kvault doctor vault -o json

Exit codes:
  0  every check passed (or warned)
  1  a check failed")]
pub struct DoctorArgs {
    /// Only these stores [default: all].
    #[arg(value_enum)]
    pub stores: Vec<Area>,

    #[arg(short, long, default_value_t, value_parser = formats(COMMON))]
    pub output: Format,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Who kvault is to each configured store: the Vault/OpenBao token's name, policies and
TTL; the Kubernetes user, groups, context and namespace. `kvault doctor` checks more.

Examples:
  kvault whoami
  kvault whoami k8s -o json

Exit codes:
  0  known to every store asked
  2  a store could not say (unreachable, credentials refused, not configured when named)")]
pub struct WhoamiArgs {
    /// Only these stores [default: the configured ones].
    #[arg(value_enum)]
    pub stores: Vec<Area>,

    #[arg(short, long, default_value_t, value_parser = formats(COMMON))]
    pub output: Format,
}
