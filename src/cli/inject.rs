//! Arguments of `kvault inject`.

use crate::mutate::DEFAULT_IMAGE;
use clap::Args;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Every Pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, and any
kind with spec.template.spec.containers) whose containers hold vault:, >>vault:, k8s: or
local: references in env, or that is annotated kvault.dev/inject: \"true\", gets:
  - an init container `kvault-init` (--image) that copies /kvault into the in-memory
    emptyDir `kvault-bin`, mounted read-only at /kvault in the injected containers;
  - command `/kvault/kvault exec --`, the container's own command and args after it;
  - VAULT_ADDR, VAULT_ROLE, VAULT_AUTH_METHOD from the flags or the annotations
    kvault.dev/vault-addr, kvault.dev/vault-role, kvault.dev/auth-method (a container's own
    env wins). --vault-addr is the address the pods use; $VAULT_ADDR is not read.
A container without `command` needs the image's entrypoint in the annotation
kvault.dev/command (or kvault.dev/command.CONTAINER): a JSON list or shell words.
kvault.dev/inject: \"false\" leaves a Pod alone. Annotations are read from the Pod template,
then the workload.

Documents that need no change are written back byte for byte; injecting twice gives the same
output as once. A malformed reference fails here, naming the object, not at the Pod's start.
Input is YAML (several documents, kind: List) or one JSON value; a kustomize ResourceList
(KRM function) comes back as one, its functionConfig.data giving image, vault-addr,
vault-role, auth-method.

Examples:
  kvault inject -f deploy.yaml --vault-addr https://vault.vault.svc:8200 --vault-role shop
  helm template shop ./chart | kvault inject | kubectl apply -f -
  kubectl get deploy shop-api -o yaml | kvault inject | kubectl diff -f -";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct InjectArgs {
    /// The manifests to inject: a file, or - for stdin.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        default_value = "-"
    )]
    pub file: PathBuf,

    #[command(flatten)]
    pub mutation: MutationArgs,
}

/// What the mutation writes into Pods: shared by `inject` and `webhook`.
#[derive(Debug, Args, Clone)]
pub struct MutationArgs {
    /// The init container's image: it must hold a static kvault at /kvault, and cp.
    #[arg(long, value_name = "IMAGE", default_value = DEFAULT_IMAGE)]
    pub image: String,

    /// VAULT_ROLE for the injected containers (Kubernetes or JWT auth).
    #[arg(long, value_name = "ROLE")]
    pub vault_role: Option<String>,

    /// VAULT_AUTH_METHOD for the injected containers.
    #[arg(long, value_name = "METHOD", value_parser = clap::builder::PossibleValuesParser::new(crate::mutate::pod::AUTH_METHODS))]
    pub auth_method: Option<String>,
}

impl MutationArgs {
    /// The settings, `--vault-addr` (the address the pods use) included.
    pub fn settings(&self, vault_addr: Option<&String>) -> crate::mutate::Settings {
        crate::mutate::Settings {
            image: self.image.clone(),
            vault_addr: vault_addr.cloned(),
            vault_role: self.vault_role.clone(),
            auth_method: self.auth_method.clone(),
        }
    }
}
