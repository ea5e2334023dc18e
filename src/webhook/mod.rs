//! `kvault webhook`: the [`crate::mutate`] rewrite of Pods served as a
//! Kubernetes mutating admission webhook, and the configuration that
//! registers it ([`config`]).
//!
//! Built not to become the cluster's single point of failure: the
//! configuration it prints fails open (`failurePolicy: Ignore`), never sees
//! kube-system or its own namespace, and only Pods that opt in by label; the
//! server answers within the apiserver's deadline (every read bounded in
//! size and time) and reloads its certificate without a restart.

pub mod config;
pub mod metrics;
pub mod review;
pub mod server;
pub mod tls;

pub use server::{serve, Options, WebhookError};
