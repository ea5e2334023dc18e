//! `kvault rotate`: a new value for one key of a secret, written safely in
//! steps modelled on AWS Secrets Manager's create / set / test / finish.
//!
//! 1. **create**: record the intent, then write the new data as a new
//!    version with check-and-set on the version read (a concurrent writer
//!    makes it fail, and nothing is changed);
//! 2. **propagate**: with a sync plan, run the plan's entries that read the
//!    secret (and, with `--rollout`, their workload rollouts);
//! 3. **verify**: each of those targets holds the data that the new version
//!    gives it, and records that data hash (`kvault.dev/data-hash`);
//! 4. **finish**: the new version becomes current, the old one previous.
//!
//! # State in metadata
//!
//! Kept in the secret's own metadata (KV v2 custom metadata), so that a run
//! that dies anywhere can be finished by `kvault rotate REF --resume`.
//! Metadata merges cannot delete keys and KV v2 refuses empty values: a
//! cleared key holds `-`.
//!
//! | key | value |
//! |-----|-------|
//! | `kvault.dev/rotation-current` | the version kvault last made current; during a rotation, the version it started from |
//! | `kvault.dev/rotation-previous` | the version before that (always readable: rollback target of the next rotation) |
//! | `kvault.dev/rotation-pending` | the version an unfinished rotation wrote (`-` before its write) |
//! | `kvault.dev/rotation-pending-hash` | the data hash of the unfinished rotation's data: tells its version apart from anyone else's |
//! | `kvault.dev/rotation-step` | the last step an unfinished rotation completed: `creating` (intent only), `created`, `propagated`, `verified`; `-` when none is pending |
//! | `kvault.dev/rotation-plan` | the sync plan file (absolute path) an unfinished rotation started with: `--resume` without `--plan` reads it again; `-` when none |
//! | `kvault.dev/rotated-at` | RFC 3339 time the last rotation finished (`--if-older-than` uses it, else the current version's creation time) |
//!
//! # Resume and rollback
//!
//! Without `--resume`, a pending rotation is an error that names it. With it:
//! - step `creating`: the version after `rotation-current` whose data has
//!   the pending hash is the rotation's; found, the run carries on from
//!   `created`; not found, the write never happened and the pending state is
//!   cleared (nothing to roll back);
//! - a later step: the pending version is read back; if it matches the hash
//!   the run carries on after the recorded step (propagate and verify are
//!   idempotent); if it is gone (deleted, destroyed) it rolls back.
//!
//! A rollback, also taken when verification fails, writes the data of the
//! version the rotation started from as a new version (check-and-set on the
//! rotation's own version, so nobody's later write is undone), clears the
//! pending state, and syncs the targets back. The rotation's version stays in
//! the history. When another writer wrote after the rotation's version, that
//! write wins: kvault drops its pending state and reports a conflict.
//!
//! Only stores that keep readable versions and metadata can rotate (Vault /
//! OpenBao KV v2; the memory store in tests); others are refused up front.

pub mod engine;
pub mod generate;
pub mod propagate;
mod recover;
pub mod state;

pub use engine::{run, Hooks, Outcome, Pause, Report, Request, RotateError};
