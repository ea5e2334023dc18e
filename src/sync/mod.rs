//! The engine behind `kvault sync`: make targets hold what a plan says their
//! sources hold, for any store to any store, writing only what changed.
//!
//! - [`plan`] reads and validates the YAML plan (pure).
//! - [`hash`] computes the keyed data hash recorded on each target (pure).
//! - [`decide`] chooses, per target, create / update / metadata-only /
//!   unchanged / leave-drift, and the key diff (pure).
//! - [`engine`] does the I/O through [`crate::store::Stores`] only: reads
//!   sources (one read per distinct secret) and targets concurrently with a
//!   bound, writes, then rolls out workloads and prunes.
//! - [`rollout`] is the Kubernetes side that is not Secret data (workloads
//!   to roll out, managed Secrets to prune) behind the small [`Cluster`]
//!   trait; [`kube_cluster`] is its real implementation.
//! - [`report`] is the summary the command prints.
//!
//! Provenance recorded on every written target (Kubernetes annotations,
//! KV v2 custom metadata): [`SOURCE`], [`SOURCE_VERSION`], [`DATA_HASH`],
//! [`SYNCED_AT`]. Stores that keep no metadata (local, KV v1) are compared
//! by data alone: no provenance, no drift detection, still no needless write.
//!
//! Limits: one run is a snapshot; a target that is also a source of
//! another entry converges on the next run. A crash between a Secret update
//! and its rollout is repaired by the next run: a workload kvault annotated
//! before is rolled whenever its annotation no longer matches its Secrets.

pub mod decide;
pub mod decoding;
pub mod discovery;
pub mod engine;
pub mod external_secrets;
pub mod external_secrets_live;
pub mod hash;
pub mod issue;
pub mod kube_cluster;
pub mod leader;
pub mod metrics;
pub mod metrics_server;
pub mod plan;
pub mod report;
pub mod rollout;
pub mod status;
pub mod template;
pub mod watch;

pub use engine::{run, Options};
pub use plan::{Plan, PlanError};
pub use report::Report;
pub use rollout::Cluster;

/// The reference(s) a target was synced from, comma-separated.
pub const SOURCE: &str = "kvault.dev/source";
/// The version of each source read (`-` where the store keeps none).
pub const SOURCE_VERSION: &str = "kvault.dev/source-version";
/// The keyed hash of the data written ([`hash::data_hash`]).
pub const DATA_HASH: &str = "kvault.dev/data-hash";
/// When kvault last wrote the target (RFC 3339).
pub const SYNCED_AT: &str = "kvault.dev/synced-at";
/// The digest of the target's template (type, labels, annotations, data
/// templates), so that a changed template is written with the same data.
pub const TEMPLATE: &str = "kvault.dev/template";
/// On a workload's pod template: a hash over the data hashes of the synced
/// Secrets it uses; changing it makes the controller roll the pods.
pub const SECRET_HASH: &str = "kvault.dev/secret-hash";
