//! Integration tests: the `kvault` binary against real servers started by
//! the tests (OpenBao dev servers; the Kubernetes test cluster), and the
//! local store on disk. One test binary, as ripgrep does, so it links once.

mod harness;
mod hostile;
mod process;

mod access_log;
mod audit_live;
mod bad_input;
mod canary;
mod completion;
mod cp_diff;
mod delete;
mod doctor;
mod exec;
mod export;
mod failover;
mod faults;
mod hostile_stores;
mod inject;
mod kube;
mod leader;
mod leaks;
mod local;
mod prompts;
mod rotate;
mod sync;
mod sync_external_secrets;
mod sync_find;
mod sync_issue;
mod sync_react;
mod sync_templates;
mod tmux;
mod tour;
mod vault;
mod vault_audit;
mod vault_env;
mod vault_reach;
mod webhook;
