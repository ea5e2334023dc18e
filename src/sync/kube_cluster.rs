//! [`Cluster`] on a real API server with `kube`: lists workloads, patches
//! their pod-template annotation (a JSON merge patch, field manager
//! `kvault`), lists and deletes kvault-managed Secrets.

use super::rollout::{Cluster, ManagedSecret, Workload, WorkloadKind, WorkloadState};
use super::{SECRET_HASH, SOURCE};
use crate::store::kube::{KubeConfig, FIELD_MANAGER, MANAGED_BY};
use crate::store::StoreError;
use async_trait::async_trait;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec, Secret};
use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use kube::Client;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;

pub struct KubeCluster {
    client: Client,
}

impl KubeCluster {
    pub async fn connect(config: &KubeConfig) -> Result<Self, StoreError> {
        let (client, _) = config.client().await?;
        Ok(KubeCluster { client })
    }

    /// Connect once, if `plan` needs the cluster beyond its stores: a
    /// Kubernetes target with rollouts, or `--prune` with a Kubernetes target.
    pub async fn connect_if_needed(
        cluster: &mut Option<KubeCluster>,
        plan: &super::Plan,
        prune: bool,
        config: &KubeConfig,
    ) -> Result<(), StoreError> {
        if cluster.is_none() && plan.needs_cluster(prune) {
            *cluster = Some(KubeCluster::connect(config).await?);
        }
        Ok(())
    }

    fn api<K: Templated>(&self, namespace: &str) -> Api<K> {
        Api::namespaced(self.client.clone(), namespace)
    }

    async fn list<K: Templated>(&self, namespace: &str) -> Result<Vec<WorkloadState>, StoreError> {
        let list = self
            .api::<K>(namespace)
            .list(&ListParams::default())
            .await
            .map_err(|e| map_error(e, &format!("{namespace}/{}", K::KIND.as_str())))?;
        Ok(list.items.iter().map(state_of).collect())
    }

    async fn get<K: Templated>(&self, w: &Workload) -> Result<Option<WorkloadState>, StoreError> {
        let found = self
            .api::<K>(&w.namespace)
            .get_opt(&w.name)
            .await
            .map_err(|e| map_error(e, &w.to_string()))?;
        Ok(found.as_ref().map(state_of))
    }

    async fn patch<K: Templated>(&self, w: &Workload, hash: &str) -> Result<(), StoreError> {
        let body = serde_json::json!({
            "spec": { "template": { "metadata": { "annotations": { SECRET_HASH: hash } } } }
        });
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        };
        self.api::<K>(&w.namespace)
            .patch(&w.name, &params, &Patch::Merge(&body))
            .await
            .map(|_| ())
            .map_err(|e| map_error(e, &w.to_string()))
    }
}

/// The workload kinds, with where their pod template is.
trait Templated:
    kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + DeserializeOwned
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    const KIND: WorkloadKind;
    fn template(&self) -> Option<&PodTemplateSpec>;
}

impl Templated for Deployment {
    const KIND: WorkloadKind = WorkloadKind::Deployment;
    fn template(&self) -> Option<&PodTemplateSpec> {
        self.spec.as_ref().map(|s| &s.template)
    }
}

impl Templated for StatefulSet {
    const KIND: WorkloadKind = WorkloadKind::StatefulSet;
    fn template(&self) -> Option<&PodTemplateSpec> {
        self.spec.as_ref().map(|s| &s.template)
    }
}

impl Templated for DaemonSet {
    const KIND: WorkloadKind = WorkloadKind::DaemonSet;
    fn template(&self) -> Option<&PodTemplateSpec> {
        self.spec.as_ref().map(|s| &s.template)
    }
}

fn state_of<K: Templated>(object: &K) -> WorkloadState {
    let meta = object.meta();
    let template = object.template();
    WorkloadState {
        workload: Workload {
            namespace: meta.namespace.clone().unwrap_or_default(),
            kind: K::KIND,
            name: meta.name.clone().unwrap_or_default(),
        },
        secrets: template
            .and_then(|t| t.spec.as_ref())
            .map(secrets_used)
            .unwrap_or_default(),
        secret_hash: template
            .and_then(|t| t.metadata.as_ref())
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.get(SECRET_HASH))
            .cloned(),
    }
}

/// Names of the Secrets a pod spec reads: `env[].valueFrom.secretKeyRef`,
/// `envFrom[].secretRef` (containers and init containers), `volumes[].secret`
/// and projected volumes' `secret` sources. Image pull secrets do not count:
/// running pods need no restart when they change.
pub fn secrets_used(spec: &PodSpec) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let containers = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
    for c in containers {
        for env in c.env.iter().flatten() {
            if let Some(r) = env
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                names.insert(r.name.clone());
            }
        }
        for from in c.env_from.iter().flatten() {
            if let Some(r) = &from.secret_ref {
                names.insert(r.name.clone());
            }
        }
    }
    for v in spec.volumes.iter().flatten() {
        if let Some(name) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
            names.insert(name);
        }
        let projected = v.projected.as_ref().and_then(|p| p.sources.as_ref());
        for source in projected.into_iter().flatten() {
            if let Some(s) = &source.secret {
                names.insert(s.name.clone());
            }
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

fn map_error(e: kube::Error, what: &str) -> StoreError {
    crate::store::kube::api_error(e, "kubernetes".to_string(), what)
}

#[async_trait]
impl Cluster for KubeCluster {
    async fn workloads(&self, namespace: &str) -> Result<Vec<WorkloadState>, StoreError> {
        let mut all = self.list::<Deployment>(namespace).await?;
        all.extend(self.list::<StatefulSet>(namespace).await?);
        all.extend(self.list::<DaemonSet>(namespace).await?);
        Ok(all)
    }

    async fn workload(&self, w: &Workload) -> Result<Option<WorkloadState>, StoreError> {
        match w.kind {
            WorkloadKind::Deployment => self.get::<Deployment>(w).await,
            WorkloadKind::StatefulSet => self.get::<StatefulSet>(w).await,
            WorkloadKind::DaemonSet => self.get::<DaemonSet>(w).await,
        }
    }

    async fn set_secret_hash(&self, w: &Workload, hash: &str) -> Result<(), StoreError> {
        match w.kind {
            WorkloadKind::Deployment => self.patch::<Deployment>(w, hash).await,
            WorkloadKind::StatefulSet => self.patch::<StatefulSet>(w, hash).await,
            WorkloadKind::DaemonSet => self.patch::<DaemonSet>(w, hash).await,
        }
    }

    async fn managed_secrets(&self, namespace: &str) -> Result<Vec<ManagedSecret>, StoreError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let selector = format!("{}={}", MANAGED_BY.0, MANAGED_BY.1);
        // Metadata only: pruning must not pull every Secret's data.
        let list = api
            .list_metadata(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| map_error(e, namespace))?;
        Ok(list
            .items
            .into_iter()
            .filter(|m| {
                m.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(MANAGED_BY.0))
                    .is_some_and(|v| v == MANAGED_BY.1)
            })
            .map(|m| ManagedSecret {
                name: m.metadata.name.unwrap_or_default(),
                uid: m.metadata.uid,
                source: m.metadata.annotations.and_then(|mut a| a.remove(SOURCE)),
            })
            .collect())
    }

    async fn delete_secret(
        &self,
        namespace: &str,
        secret: &ManagedSecret,
    ) -> Result<(), StoreError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let params = DeleteParams {
            preconditions: Some(Preconditions {
                uid: secret.uid.clone(),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        api.delete(&secret.name, &params)
            .await
            .map(|_| ())
            .map_err(|e| map_error(e, &format!("{namespace}/{}", secret.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_a_pod_template_uses_a_secret_is_found() {
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "containers": [{
                "name": "app",
                "env": [
                    {"name": "A", "valueFrom": {"secretKeyRef": {"name": "from-env", "key": "k"}}},
                    {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "a-configmap", "key": "k"}}},
                    {"name": "C", "value": "plain"}
                ],
                "envFrom": [{"secretRef": {"name": "from-envfrom"}}, {"configMapRef": {"name": "cm"}}]
            }],
            "initContainers": [{
                "name": "init",
                "env": [{"name": "D", "valueFrom": {"secretKeyRef": {"name": "from-init", "key": "k"}}}]
            }],
            "volumes": [
                {"name": "v1", "secret": {"secretName": "from-volume"}},
                {"name": "v2", "projected": {"sources": [
                    {"secret": {"name": "from-projected"}},
                    {"configMap": {"name": "cm2"}}
                ]}},
                {"name": "v3", "emptyDir": {}}
            ],
            "imagePullSecrets": [{"name": "pull-secret"}]
        }))
        .unwrap();
        let found: Vec<String> = secrets_used(&spec).into_iter().collect();
        assert_eq!(
            found,
            vec![
                "from-env",
                "from-envfrom",
                "from-init",
                "from-projected",
                "from-volume"
            ]
        );
    }

    #[test]
    fn the_state_of_a_deployment_has_its_secrets_and_annotation() {
        let d: Deployment = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api", "namespace": "prod"},
            "spec": {
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"annotations": {SECRET_HASH: "v1:abc"}},
                    "spec": {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "db"}}]}]}
                }
            }
        }))
        .unwrap();
        let state = state_of(&d);
        assert_eq!(state.workload.to_string(), "prod/deployment/api");
        assert_eq!(state.secret_hash.as_deref(), Some("v1:abc"));
        assert!(state.secrets.contains("db"));
    }
}
