//! Arguments of `kvault webhook` and `kvault webhook manifests`.

use super::inject::MutationArgs;
use crate::webhook::config::FailurePolicy;
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Serves admission.k8s.io/v1 AdmissionReviews for Pods over HTTPS:
  POST /mutate   the kvault inject rewrite of the Pod, as a JSON patch; a Pod that asks for
                 kvault but cannot get it (a malformed reference, a container without a
                 command or kvault.dev/command) is refused with the reason
  GET  /healthz  200 while the process runs
  GET  /readyz   200 while serving; after SIGTERM 503, while it serves 5 s more (until the
                 endpoints drop it), then 10 s for open connections to finish
  GET  /metrics  Prometheus metrics (reviews by result, their duration, certificate reloads)
The certificate and key are read again when their files change (checked every second); a
pair that does not load leaves the old one in use. Register the webhook with
`kvault webhook manifests | kubectl apply -f -`: it only sees Pods labelled
kvault.dev/inject=true, never kube-system, and fails open.

Examples:
  kvault webhook --listen 0.0.0.0:8443 --tls-cert /tls/tls.crt --tls-key /tls/tls.key \\
      --vault-addr https://vault.vault.svc:8200 --image registry.local/kvault:0.1.0
  kvault webhook manifests -n kvault --ca-bundle ca.crt | kubectl apply -f -";

#[derive(Debug, Args)]
#[command(
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct WebhookArgs {
    #[command(subcommand)]
    pub command: Option<WebhookCommand>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve HTTPS on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// The server certificate (PEM, chain allowed).
    #[arg(long, value_name = "FILE", required = true)]
    pub tls_cert: Option<PathBuf>,

    /// Its private key (PEM).
    #[arg(long, value_name = "FILE", required = true)]
    pub tls_key: Option<PathBuf>,

    #[command(flatten)]
    pub mutation: MutationArgs,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Print the MutatingWebhookConfiguration that registers the webhook.
    Manifests(ManifestsArgs),
}

const MANIFESTS_HELP: &str = "\
The configuration follows the known mitigations for a webhook as a single point of failure:
failurePolicy chosen explicitly (Ignore by default: a webhook outage leaves Pods uninjected,
not uncreated), a namespaceSelector excluding kube-system and the webhook's own namespace
(-n), an objectSelector on the opt-in label kvault.dev/inject=true, timeoutSeconds at most 5,
reinvocationPolicy IfNeeded and sideEffects None. Each choice is explained in a comment.

Examples:
  kvault webhook manifests -n kvault --ca-bundle ca.crt | kubectl apply -f -
  kvault webhook manifests --url https://webhook.example:8443/mutate --failure-policy fail";

#[derive(Debug, Args)]
#[command(after_help = MANIFESTS_HELP)]
pub struct ManifestsArgs {
    /// The configuration's name.
    #[arg(long, value_name = "NAME", default_value = "kvault")]
    pub name: String,

    /// The Service in front of the webhook, in its namespace (-n, default kvault).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "kvault-webhook",
        conflicts_with = "url"
    )]
    pub service: String,

    /// Call the webhook at this URL instead of through a Service.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The CA that signed the webhook's certificate (PEM), written as caBundle.
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    /// What the apiserver does when the webhook cannot answer.
    #[arg(long, value_enum, default_value = "ignore")]
    pub failure_policy: FailurePolicy,

    /// Seconds the apiserver waits for an answer (1 to 5).
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub timeout: u8,
}
