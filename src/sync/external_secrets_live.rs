//! External Secrets Operator objects read live from the cluster
//! (`kvault sync --from-cluster`): the `ExternalSecret`s, `SecretStore`s
//! and `ClusterSecretStore`s the API server holds (`external-secrets.io/v1`,
//! else `v1beta1`), as the documents [`super::external_secrets::convert`]
//! takes from files. None of these objects holds a secret value (a store's
//! token is a reference to a Secret), so nothing read here is one.

use super::external_secrets::{self, Converted, Document};
use super::plan::{self, Plan};
use crate::store::kube::KubeConfig;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

/// The kinds read, their plural and whether they live in a namespace.
const KINDS: [(&str, &str, bool); 3] = [
    ("ExternalSecret", "externalsecrets", true),
    ("SecretStore", "secretstores", true),
    ("ClusterSecretStore", "clustersecretstores", false),
];

/// The versions of `external-secrets.io` tried, newest first.
const VERSIONS: [&str; 2] = ["v1", "v1beta1"];

/// The plan of the cluster's ExternalSecrets (in `namespace`, or all), and
/// what was left out of it. No ExternalSecret at all is an error.
pub async fn load(kube: &KubeConfig, namespace: Option<&str>) -> Result<(Plan, Converted), String> {
    let docs = read(kube, namespace).await?;
    let converted = external_secrets::convert(&docs);
    let scope = namespace.map_or("the cluster".to_string(), |ns| format!("namespace {ns}"));
    if converted.converted == 0 {
        return Err(format!(
            "{scope}: no ExternalSecret that kvault can run ({} read, {} left out)",
            docs.iter().filter(|d| kind(d) == "ExternalSecret").count(),
            converted.untranslated.len()
        ));
    }
    let plan = plan::parse(&format!("converted from {scope}"), &converted.plan)
        .map_err(|e| e.to_string())?;
    Ok((plan, converted))
}

fn kind(doc: &Document) -> &str {
    doc.value["kind"].as_str().unwrap_or_default()
}

/// Every object of [`KINDS`], with `cluster` as its origin (the
/// converter names each object itself: `cluster: ExternalSecret NS/NAME`).
pub async fn read(kube: &KubeConfig, namespace: Option<&str>) -> Result<Vec<Document>, String> {
    let (client, _) = kube.client().await.map_err(|e| e.to_string())?;
    let mut docs = Vec::new();
    for (kind, plural, namespaced) in KINDS {
        let listed = list(
            &client,
            kind,
            plural,
            namespaced.then_some(namespace).flatten(),
        )
        .await?;
        let Some((api_version, objects)) = listed else {
            if kind == "ExternalSecret" {
                return Err(
                    "the cluster serves no external-secrets.io ExternalSecrets (v1 or v1beta1): is the External Secrets Operator's CRD installed?"
                        .into(),
                );
            }
            continue;
        };
        for object in objects {
            docs.push(document(kind, &api_version, object)?);
        }
    }
    Ok(docs)
}

/// The objects of one kind at the newest version served; `None` when no
/// version is (the CRD is not installed).
async fn list(
    client: &kube::Client,
    kind: &str,
    plural: &str,
    namespace: Option<&str>,
) -> Result<Option<(String, Vec<DynamicObject>)>, String> {
    for version in VERSIONS {
        let resource = ApiResource {
            group: "external-secrets.io".into(),
            version: version.into(),
            api_version: format!("external-secrets.io/{version}"),
            kind: kind.into(),
            plural: plural.into(),
        };
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        match api.list(&ListParams::default()).await {
            Ok(list) => return Ok(Some((resource.api_version, list.items))),
            Err(kube::Error::Api(status)) if status.code == 404 => continue,
            Err(e) => {
                let store = crate::store::kube::api_error(e, "kubernetes".into(), plural);
                return Err(format!("cannot list {plural}: {store}"));
            }
        }
    }
    Ok(None)
}

/// A listed object as a manifest would give it: list items carry no
/// `apiVersion` and `kind`, so they are set from the list.
fn document(kind: &str, api_version: &str, object: DynamicObject) -> Result<Document, String> {
    let origin = "cluster".to_string();
    let mut value = serde_json::to_value(&object).map_err(|e| format!("{origin}: {kind}: {e}"))?;
    if let Value::Object(map) = &mut value {
        map.insert("apiVersion".into(), api_version.into());
        map.insert("kind".into(), kind.into());
    }
    Ok(Document { origin, value })
}
