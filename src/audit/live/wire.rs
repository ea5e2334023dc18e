//! What a live audit reads of each object: the kind's own fields and its
//! metadata, without `metadata.managedFields`, without `status`, and for
//! Secrets without the values (only the keys of `data`).
//!
//! Why: on 10,000 Secrets, building managedFields (a tree of JSON values
//! per object, thrown away by every check) was three quarters of the time
//! spent parsing the Secrets list. Serde skips a field a type does not
//! declare without building anything, so each kind is read through a
//! `Wire` type that declares only what the checks may look at, then turned
//! into the ordinary k8s-openapi object the checks take. A Secret value is
//! never even base64-decoded.
//!
//! A test builds each kind both ways from one full object and compares, so
//! a field added to the checks' types but forgotten here fails it.

use super::super::inventory::sanitize_secret;
use k8s_openapi::api::admissionregistration::v1::{MutatingWebhook, MutatingWebhookConfiguration};
use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec, ReplicaSet, ReplicaSetSpec, StatefulSet,
    StatefulSetSpec,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, LocalObjectReference, ObjectReference, Pod, PodSpec, ReplicationController,
    ReplicationControllerSpec, Secret, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, IngressSpec};
use k8s_openapi::api::rbac::v1::{
    AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef,
    Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use k8s_openapi::ByteString;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A kind the live loader lists, and the type its list items are read as.
pub trait Listed: kube::Resource<DynamicType = ()> + Sized + Send + 'static {
    type Wire: DeserializeOwned + Into<Self> + Send;
}

/// [`ObjectMeta`] without `managedFields`.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Meta {
    annotations: Option<BTreeMap<String, String>>,
    creation_timestamp: Option<Time>,
    deletion_grace_period_seconds: Option<i64>,
    deletion_timestamp: Option<Time>,
    finalizers: Option<Vec<String>>,
    generate_name: Option<String>,
    generation: Option<i64>,
    labels: Option<BTreeMap<String, String>>,
    name: Option<String>,
    namespace: Option<String>,
    owner_references: Option<Vec<OwnerReference>>,
    resource_version: Option<String>,
    self_link: Option<String>,
    uid: Option<String>,
}

impl From<Meta> for ObjectMeta {
    fn from(m: Meta) -> Self {
        ObjectMeta {
            annotations: m.annotations,
            creation_timestamp: m.creation_timestamp,
            deletion_grace_period_seconds: m.deletion_grace_period_seconds,
            deletion_timestamp: m.deletion_timestamp,
            finalizers: m.finalizers,
            generate_name: m.generate_name,
            generation: m.generation,
            labels: m.labels,
            managed_fields: None,
            name: m.name,
            namespace: m.namespace,
            owner_references: m.owner_references,
            resource_version: m.resource_version,
            self_link: m.self_link,
            uid: m.uid,
        }
    }
}

/// One `Wire` type per kind: `metadata` as [`Meta`] plus the listed
/// fields, read as the kind itself reads them; everything else (`status`)
/// is skipped.
macro_rules! wire {
    ($kind:ident => $wire:ident { $($field:ident: $ty:ty = $json:literal),* $(,)? }) => {
        #[doc = concat!("A `", stringify!($kind), "` as the live audit reads it.")]
        #[derive(Deserialize)]
        pub struct $wire {
            #[serde(default)]
            metadata: Meta,
            $( #[serde(default, rename = $json)] $field: $ty, )*
        }

        impl From<$wire> for $kind {
            // `..Default::default()` fills `status` where the kind has one.
            #[allow(clippy::needless_update)]
            fn from(wire: $wire) -> Self {
                $kind {
                    metadata: wire.metadata.into(),
                    $( $field: wire.$field, )*
                    ..Default::default()
                }
            }
        }

        impl Listed for $kind {
            type Wire = $wire;
        }
    };
}

wire!(ServiceAccount => WireServiceAccount {
    automount_service_account_token: Option<bool> = "automountServiceAccountToken",
    image_pull_secrets: Option<Vec<LocalObjectReference>> = "imagePullSecrets",
    secrets: Option<Vec<ObjectReference>> = "secrets",
});
wire!(ConfigMap => WireConfigMap {
    binary_data: Option<BTreeMap<String, ByteString>> = "binaryData",
    data: Option<BTreeMap<String, String>> = "data",
    immutable: Option<bool> = "immutable",
});
wire!(Role => WireRole { rules: Option<Vec<PolicyRule>> = "rules" });
wire!(ClusterRole => WireClusterRole {
    aggregation_rule: Option<AggregationRule> = "aggregationRule",
    rules: Option<Vec<PolicyRule>> = "rules",
});
wire!(RoleBinding => WireRoleBinding {
    role_ref: RoleRef = "roleRef",
    subjects: Option<Vec<Subject>> = "subjects",
});
wire!(ClusterRoleBinding => WireClusterRoleBinding {
    role_ref: RoleRef = "roleRef",
    subjects: Option<Vec<Subject>> = "subjects",
});
wire!(Pod => WirePod { spec: Option<PodSpec> = "spec" });
wire!(Deployment => WireDeployment { spec: Option<DeploymentSpec> = "spec" });
wire!(StatefulSet => WireStatefulSet { spec: Option<StatefulSetSpec> = "spec" });
wire!(DaemonSet => WireDaemonSet { spec: Option<DaemonSetSpec> = "spec" });
wire!(ReplicaSet => WireReplicaSet { spec: Option<ReplicaSetSpec> = "spec" });
wire!(ReplicationController => WireReplicationController {
    spec: Option<ReplicationControllerSpec> = "spec",
});
wire!(Job => WireJob { spec: Option<JobSpec> = "spec" });
wire!(CronJob => WireCronJob { spec: Option<CronJobSpec> = "spec" });
wire!(Ingress => WireIngress { spec: Option<IngressSpec> = "spec" });
wire!(MutatingWebhookConfiguration => WireMutatingWebhookConfiguration {
    webhooks: Option<Vec<MutatingWebhook>> = "webhooks",
});

/// A Secret as the live audit reads it: the keys of `data` and
/// `stringData`, never their values.
#[derive(Deserialize)]
pub struct WireSecret {
    #[serde(default)]
    metadata: Meta,
    #[serde(default)]
    data: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default, rename = "stringData")]
    string_data: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default)]
    immutable: Option<bool>,
    #[serde(default, rename = "type")]
    type_: Option<String>,
}

impl From<WireSecret> for Secret {
    fn from(wire: WireSecret) -> Self {
        let mut secret = Secret {
            metadata: wire.metadata.into(),
            data: wire.data.map(|keys| {
                keys.into_keys()
                    .map(|key| (key, ByteString(Vec::new())))
                    .collect()
            }),
            string_data: wire
                .string_data
                .map(|keys| keys.into_keys().map(|key| (key, String::new())).collect()),
            immutable: wire.immutable,
            type_: wire.type_,
        };
        // The last-applied annotation holds the values too.
        sanitize_secret(&mut secret);
        secret
    }
}

impl Listed for Secret {
    type Wire = WireSecret;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// managedFields and status, as the apiserver adds them to every object.
    fn served(mut object: Value) -> Value {
        object["metadata"]["managedFields"] = json!([{
            "manager": "kubectl", "operation": "Update", "apiVersion": "v1",
            "time": "2026-01-02T03:04:05Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}
        }]);
        object["status"] = json!({"phase": "Running", "replicas": 2});
        object
    }

    fn full_metadata() -> Value {
        json!({
            "name": "n", "namespace": "ns", "uid": "u-1", "resourceVersion": "7",
            "generation": 3, "generateName": "n-", "selfLink": "/x",
            "creationTimestamp": "2025-01-02T03:04:05Z",
            "deletionTimestamp": "2026-01-02T03:04:05Z", "deletionGracePeriodSeconds": 30,
            "labels": {"app": "shop"}, "finalizers": ["f"],
            "annotations": {"a": "b", "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"token\":\"c2VjcmV0LXRva2Vu\"}}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u-2"}]
        })
    }

    /// The wire reading of `object` as served equals the full reading with
    /// managedFields and status dropped.
    fn same_as_full<K>(mut object: Value)
    where
        K: Listed + DeserializeOwned + PartialEq + std::fmt::Debug + serde::Serialize,
    {
        object["metadata"] = full_metadata();
        let served = served(object);
        let wire: K = serde_json::from_value::<K::Wire>(served.clone())
            .unwrap()
            .into();
        let mut expected = served;
        expected["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        expected.as_object_mut().unwrap().remove("status");
        let expected: K = serde_json::from_value(expected).unwrap();
        assert_eq!(wire, expected);
    }

    const POD_SPEC: &str = r#"{"serviceAccountName": "api", "automountServiceAccountToken": false,
        "containers": [{"name": "c", "image": "app",
            "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
            "envFrom": [{"secretRef": {"name": "all"}}],
            "volumeMounts": [{"name": "v", "mountPath": "/s"}]}],
        "volumes": [{"name": "v", "secret": {"secretName": "tls"}}],
        "imagePullSecrets": [{"name": "reg"}]}"#;

    fn template() -> Value {
        json!({"metadata": {"labels": {"app": "shop"}}, "spec": serde_json::from_str::<Value>(POD_SPEC).unwrap()})
    }

    #[test]
    fn every_kind_keeps_all_but_managed_fields_and_status() {
        let selector = json!({"matchLabels": {"app": "shop"}});
        same_as_full::<Pod>(json!({"spec": serde_json::from_str::<Value>(POD_SPEC).unwrap()}));
        same_as_full::<Deployment>(
            json!({"spec": {"replicas": 2, "selector": selector, "template": template()}}),
        );
        same_as_full::<StatefulSet>(
            json!({"spec": {"serviceName": "s", "selector": selector, "template": template()}}),
        );
        same_as_full::<DaemonSet>(json!({"spec": {"selector": selector, "template": template()}}));
        same_as_full::<ReplicaSet>(json!({"spec": {"selector": selector, "template": template()}}));
        same_as_full::<ReplicationController>(
            json!({"spec": {"selector": {"app": "shop"}, "template": template()}}),
        );
        same_as_full::<Job>(json!({"spec": {"template": template()}}));
        same_as_full::<CronJob>(json!({"spec": {"schedule": "* * * * *",
            "jobTemplate": {"spec": {"template": template()}}}}));
        same_as_full::<Ingress>(json!({"spec": {"tls": [{"hosts": ["a"], "secretName": "tls"}]}}));
        same_as_full::<ServiceAccount>(json!({"automountServiceAccountToken": true,
            "secrets": [{"name": "old-token"}], "imagePullSecrets": [{"name": "reg"}]}));
        same_as_full::<ConfigMap>(
            json!({"data": {"password": "hunter2"}, "binaryData": {"b": "dg=="}, "immutable": true}),
        );
        let rules = json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["db"]}]);
        same_as_full::<Role>(json!({"rules": rules}));
        same_as_full::<ClusterRole>(json!({"rules": rules,
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "true"}}]}}));
        let binding = json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "u", "apiGroup": "rbac.authorization.k8s.io"},
                         {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}]});
        same_as_full::<RoleBinding>(binding.clone());
        same_as_full::<ClusterRoleBinding>(binding);
    }

    #[test]
    fn a_secret_keeps_its_keys_and_never_decodes_a_value() {
        let mut object = served(json!({
            "type": "kubernetes.io/service-account-token", "immutable": true,
            "data": {"token": "c2VjcmV0LXRva2Vu", "ca.crt": "not base64 at all"},
            "stringData": {"password": "hunter2"}
        }));
        object["metadata"] = full_metadata();
        let secret: Secret = serde_json::from_value::<WireSecret>(object.clone())
            .unwrap()
            .into();
        let mut expected = object;
        expected["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        expected["data"]["ca.crt"] = json!("");
        let mut expected: Secret = serde_json::from_value(expected).unwrap();
        sanitize_secret(&mut expected);
        assert_eq!(secret, expected);
        let shown = format!("{secret:?}");
        for value in ["c2VjcmV0LXRva2Vu", "secret-token", "hunter2"] {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
    }
}
