//! External Secrets Operator manifests as a kvault plan: the
//! `ExternalSecret`s (`external-secrets.io/v1`, and `v1beta1`) that read
//! from a Vault `SecretStore` or `ClusterSecretStore`, each a set of plan
//! entries writing `k8s:NAMESPACE/TARGET`. What a plan cannot say is named,
//! one line per field, and left out; a store's server and auth become the
//! environment kvault reads (`VAULT_ADDR`, `VAULT_ROLE`, ...), shown as
//! comments of the converted plan. Pure: manifests in, plan text out.
//!
//! How ESO's Vault provider reads, and so what each entry says: a key is a
//! path under the store's `path` (its KV mount; with no `path`, the key
//! starts with the mount), a leading `/` dropped; `property` is one key of
//! that secret; `dataFrom.extract` is every key of it.

use super::plan::{self, Plan};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The converted plan, and what was left out.
#[derive(Debug, Default)]
pub struct Converted {
    /// The plan as YAML, the stores' settings as comments at its top.
    pub plan: String,
    /// `ORIGIN: ExternalSecret NS/NAME: FIELD: why`, one per field.
    pub untranslated: Vec<String>,
    /// ExternalSecrets that gave at least one entry.
    pub converted: usize,
}

/// One input document and where it came from (`FILE`, `FILE#2`).
pub struct Document {
    pub origin: String,
    pub value: Value,
}

/// A Vault store: its KV mount (`path`), and the settings kvault takes
/// from its environment instead.
struct Store {
    mount: Option<String>,
    settings: Vec<String>,
}

const API_GROUP: &str = "external-secrets.io/";

/// Convert every ExternalSecret among `docs`, with the stores among them.
pub fn convert(docs: &[Document]) -> Converted {
    let mut out = Converted::default();
    let stores = stores(docs, &mut out.untranslated);
    let mut entries = Vec::new();
    let comments: Vec<String> = stores
        .iter()
        .filter_map(|(id, store)| Some((id, store.as_ref()?)))
        .filter(|(_, store)| !store.settings.is_empty())
        .map(|(id, store)| format!("# {id}: {}", store.settings.join(" ")))
        .collect();
    for doc in docs
        .iter()
        .filter(|d| kind(&d.value) == Some("ExternalSecret"))
    {
        let before = entries.len();
        external_secret(doc, &stores, &mut entries, &mut out.untranslated);
        out.converted += usize::from(entries.len() > before);
    }
    let plan = serde_yaml::to_string(&json!({ "secrets": entries })).unwrap_or_default();
    let mut text = String::from(
        "# converted by `kvault sync convert` from External Secrets Operator manifests\n",
    );
    for c in comments {
        text.push_str(&c);
        text.push('\n');
    }
    text.push_str(&plan);
    out.plan = text;
    out
}

fn kind(value: &Value) -> Option<&str> {
    let api = value.get("apiVersion")?.as_str()?;
    api.starts_with(API_GROUP)
        .then(|| value.get("kind")?.as_str())
        .flatten()
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(value, |v, k| v.get(k))?.as_str()
}

/// `SecretStore NS/NAME` or `ClusterSecretStore NAME` -> the store (`None`
/// for one that is not Vault).
fn stores(docs: &[Document], untranslated: &mut Vec<String>) -> BTreeMap<String, Option<Store>> {
    let mut out = BTreeMap::new();
    for doc in docs {
        let Some(kind @ ("SecretStore" | "ClusterSecretStore")) = kind(&doc.value) else {
            continue;
        };
        let name = text(&doc.value, &["metadata", "name"]).unwrap_or_default();
        let id = match kind {
            "SecretStore" => format!(
                "SecretStore {}/{name}",
                text(&doc.value, &["metadata", "namespace"]).unwrap_or("default")
            ),
            _ => format!("ClusterSecretStore {name}"),
        };
        let Some(vault) = doc.value.pointer("/spec/provider/vault") else {
            let provider = doc
                .value
                .pointer("/spec/provider")
                .and_then(Value::as_object)
                .and_then(|p| p.keys().next().cloned())
                .unwrap_or_default();
            untranslated.push(format!(
                "{}: {id}: spec.provider.{provider}: not translated (kvault reads Vault/OpenBao, Kubernetes and its local store)",
                doc.origin
            ));
            out.insert(id, None);
            continue;
        };
        out.insert(id, Some(vault_store(vault)));
    }
    out
}

/// The mount and the settings of `spec.provider.vault`.
fn vault_store(vault: &Value) -> Store {
    let mut settings = Vec::new();
    if let Some(server) = text(vault, &["server"]) {
        settings.push(format!("VAULT_ADDR={server}"));
    }
    if let Some(ns) = text(vault, &["namespace"]) {
        settings.push(format!("VAULT_NAMESPACE={ns}"));
    }
    let auth = vault.get("auth").and_then(Value::as_object);
    if let Some(k8s) = auth.and_then(|a| a.get("kubernetes")) {
        settings.push("VAULT_AUTH_METHOD=kubernetes".into());
        if let Some(role) = text(k8s, &["role"]) {
            settings.push(format!("VAULT_ROLE={role}"));
        }
        if let Some(mount) = text(k8s, &["mountPath"]) {
            settings.push(format!("VAULT_PATH={mount}"));
        }
    } else if let Some(approle) = auth.and_then(|a| a.get("appRole")) {
        settings.push("VAULT_AUTH_METHOD=approle".into());
        if let Some(mount) = text(approle, &["path"]) {
            settings.push(format!("VAULT_PATH={mount}"));
        }
        settings.push("VAULT_ROLE_ID=... VAULT_SECRET_ID_FILE=...".into());
    } else if let Some(jwt) = auth.and_then(|a| a.get("jwt")) {
        settings.push("VAULT_AUTH_METHOD=jwt".into());
        if let Some(role) = text(jwt, &["role"]) {
            settings.push(format!("VAULT_ROLE={role}"));
        }
        if let Some(mount) = text(jwt, &["path"]) {
            settings.push(format!("VAULT_PATH={mount}"));
        }
    } else if auth.is_some_and(|a| a.contains_key("tokenSecretRef")) {
        settings.push("VAULT_TOKEN_FILE=...".into());
    }
    Store {
        mount: text(vault, &["path"]).map(|p| p.trim_matches('/').to_string()),
        settings,
    }
}

/// The entries of one ExternalSecret; the first carries the template.
fn external_secret(
    doc: &Document,
    stores: &BTreeMap<String, Option<Store>>,
    entries: &mut Vec<Value>,
    untranslated: &mut Vec<String>,
) {
    let es = &doc.value;
    let ns = text(es, &["metadata", "namespace"]).unwrap_or("default");
    let name = text(es, &["metadata", "name"]).unwrap_or_default();
    let at = format!("{}: ExternalSecret {ns}/{name}", doc.origin);
    let mut skip = |field: &str, why: &str| {
        untranslated.push(format!("{at}: {field}: not translated ({why})"))
    };
    let spec = es.get("spec").cloned().unwrap_or_default();
    let Some(mount) = store_mount(&spec, ns, stores, &mut skip) else {
        return;
    };
    let target_name = text(&spec, &["target", "name"]).unwrap_or(name);
    let target = format!("k8s:{ns}/{target_name}");
    spec_fields(&spec, &mut skip);
    let template = target_template(spec.get("target"), &mut skip);
    let list = |field: &str| {
        spec.get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut own = Vec::new();
    for (i, item) in list("data").iter().enumerate() {
        own.extend(data_entry(i, item, mount.as_deref(), &target, &mut skip));
    }
    for (i, item) in list("dataFrom").iter().enumerate() {
        own.extend(data_from_entry(
            i,
            item,
            mount.as_deref(),
            &target,
            &mut skip,
        ));
    }
    if let (Some(first), Some(template)) = (own.first_mut(), template) {
        first.insert("template".into(), template);
    }
    entries.extend(own.into_iter().map(Value::Object));
}

/// The KV mount of the store the ExternalSecret names (`Some(None)`:
/// a store not among the inputs, keys read as MOUNT/PATH); `None` when
/// the store is not Vault and nothing can be read.
fn store_mount(
    spec: &Value,
    ns: &str,
    stores: &BTreeMap<String, Option<Store>>,
    skip: &mut impl FnMut(&str, &str),
) -> Option<Option<String>> {
    let store_name = text(spec, &["secretStoreRef", "name"]).unwrap_or_default();
    let store_id = match text(spec, &["secretStoreRef", "kind"]) {
        Some("ClusterSecretStore") => format!("ClusterSecretStore {store_name}"),
        _ => format!("SecretStore {ns}/{store_name}"),
    };
    match stores.get(&store_id) {
        Some(Some(store)) => Some(store.mount.clone()),
        Some(None) => {
            skip(
                "spec.secretStoreRef",
                &format!("{store_id} is not a Vault store"),
            );
            None
        }
        None => {
            skip(
                "spec.secretStoreRef",
                &format!("{store_id} is not among the inputs: keys are read as MOUNT/PATH"),
            );
            Some(None)
        }
    }
}

/// `spec` fields besides the store, the target and the data.
fn spec_fields(spec: &Value, skip: &mut impl FnMut(&str, &str)) {
    for field in spec.as_object().into_iter().flat_map(Map::keys) {
        match field.as_str() {
            "secretStoreRef" | "target" | "data" | "dataFrom" => {}
            "refreshInterval" => skip(
                "spec.refreshInterval",
                "one interval for the whole plan: kvault sync --watch DURATION",
            ),
            other => skip(
                &format!("spec.{other}"),
                "kvault plans have no such setting",
            ),
        }
    }
}

/// The source reference of `key` under `mount`, as ESO's Vault provider
/// reads it (a key that starts with the mount is taken as it is).
fn source_of(mount: Option<&str>, key: &str) -> String {
    let key = key.trim_start_matches('/');
    match mount {
        Some(m) if !key.starts_with(&format!("{m}/")) => format!("vault:{m}/{key}"),
        _ => format!("vault:{key}"),
    }
}

/// `spec.data[i]`: one key of a secret, under its `secretKey`.
fn data_entry(
    i: usize,
    item: &Value,
    mount: Option<&str>,
    target: &str,
    skip: &mut impl FnMut(&str, &str),
) -> Option<Map<String, Value>> {
    let field = format!("spec.data[{i}]");
    let Some(key) = text(item, &["remoteRef", "key"]) else {
        skip(&field, "no remoteRef.key (a sourceRef or generator)");
        return None;
    };
    let Some(secret_key) = text(item, &["secretKey"]) else {
        skip(&field, "no secretKey");
        return None;
    };
    if !remote_ref_ok(&item["remoteRef"], &format!("{field}.remoteRef"), skip) {
        return None;
    }
    let Some(property) = text(item, &["remoteRef", "property"]) else {
        skip(
            &format!("{field}.remoteRef"),
            "no property: ESO writes the whole secret as JSON into one key",
        );
        return None;
    };
    if item.get("sourceRef").is_some() {
        skip(
            &format!("{field}.sourceRef"),
            "one store per plan entry, the ExternalSecret's",
        );
    }
    let version = text(item, &["remoteRef", "version"]).map_or(String::new(), |v| format!("#{v}"));
    let mut entry = Map::new();
    entry.insert(
        "source".into(),
        json!(format!("{}#{property}{version}", source_of(mount, key))),
    );
    entry.insert("target".into(), json!(format!("{target}#{secret_key}")));
    decoding(&item["remoteRef"], &mut entry);
    Some(entry)
}

/// `spec.dataFrom[i]`: every key of a secret (`extract`); `find`,
/// `rewrite` and generators are named.
fn data_from_entry(
    i: usize,
    item: &Value,
    mount: Option<&str>,
    target: &str,
    skip: &mut impl FnMut(&str, &str),
) -> Option<Map<String, Value>> {
    let field = format!("spec.dataFrom[{i}]");
    let Some(extract) = item.get("extract") else {
        let what = item
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default();
        let why = match what.as_str() {
            "find" => "ESO writes each secret found as one JSON key; a kvault `find` entry syncs their keys: write one by hand",
            _ => "kvault plans have no generators",
        };
        skip(&format!("{field}.{what}"), why);
        return None;
    };
    if item.get("rewrite").is_some() {
        skip(
            &format!("{field}.rewrite"),
            "keys are written as the source names them",
        );
        return None;
    }
    let Some(key) = text(extract, &["key"]) else {
        skip(&format!("{field}.extract"), "no key");
        return None;
    };
    if extract.get("property").is_some() {
        skip(
            &format!("{field}.extract.property"),
            "kvault extracts whole secrets, not a JSON value in one",
        );
        return None;
    }
    if !remote_ref_ok(extract, &format!("{field}.extract"), skip) {
        return None;
    }
    let mut entry = Map::new();
    entry.insert("source".into(), json!(source_of(mount, key)));
    entry.insert("target".into(), json!(target));
    decoding(extract, &mut entry);
    Some(entry)
}

/// Whether a `remoteRef` (or `extract`) is one kvault reads as ESO
/// does; what it cannot is named.
fn remote_ref_ok(remote: &Value, field: &str, skip: &mut impl FnMut(&str, &str)) -> bool {
    if text(remote, &["metadataPolicy"]) == Some("Fetch") {
        skip(
            &format!("{field}.metadataPolicy"),
            "kvault reads values, not a secret's metadata",
        );
        return false;
    }
    if text(remote, &["conversionStrategy"]).is_some_and(|c| c != "Default") {
        skip(
            &format!("{field}.conversionStrategy"),
            "kvault keeps key names as they are",
        );
        return false;
    }
    true
}

fn decoding(remote: &Value, entry: &mut Map<String, Value>) {
    if let Some(strategy) = text(remote, &["decodingStrategy"]).filter(|s| *s != "None") {
        entry.insert("decodingStrategy".into(), json!(strategy));
    }
}

/// `spec.target` as a kvault template; policies kvault has no word for
/// are named.
fn target_template(target: Option<&Value>, skip: &mut impl FnMut(&str, &str)) -> Option<Value> {
    let target = target?;
    match text(target, &["creationPolicy"]) {
        None | Some("Owner" | "Orphan") => {}
        Some(other) => skip(
            "spec.target.creationPolicy",
            &format!("{other}: kvault writes the whole target Secret"),
        ),
    }
    if let Some(policy) = text(target, &["deletionPolicy"]).filter(|p| *p != "Retain") {
        skip(
            "spec.target.deletionPolicy",
            &format!("{policy}: kvault deletes only with --prune"),
        );
    }
    for field in ["immutable", "manifest"] {
        if target.get(field).is_some() {
            skip(
                &format!("spec.target.{field}"),
                "kvault writes mutable Secrets",
            );
        }
    }
    let template = target.get("template")?;
    if text(template, &["engineVersion"]).is_some_and(|v| v != "v2") {
        skip(
            "spec.target.template.engineVersion",
            "kvault's templates are ESO's v2",
        );
        return None;
    }
    for field in ["templateFrom", "literal"] {
        if template.get(field).is_some() {
            skip(
                &format!("spec.target.template.{field}"),
                "templates come from the plan itself",
            );
        }
    }
    let mut out = Map::new();
    if let Some(t) = template.get("type") {
        out.insert("type".into(), t.clone());
    }
    for field in ["labels", "annotations"] {
        if let Some(v) = template.pointer(&format!("/metadata/{field}")) {
            out.insert(field.into(), v.clone());
        }
    }
    if let Some(data) = template.get("data") {
        // ESO's `>-` blocks keep no trailing newline; a plain block keeps one.
        out.insert("data".into(), data.clone());
    }
    if let Some(policy) = text(template, &["mergePolicy"]) {
        out.insert("mergePolicy".into(), json!(policy));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// The documents of `path`: a file, or every `.yaml`, `.yml` and `.json`
/// file under a directory (in name order); `-` is stdin. Each bounded as
/// manifests are ([`crate::yaml::MANIFESTS`]).
pub fn read(path: &Path) -> Result<Vec<Document>, String> {
    use crate::yaml::{read, read_file, MANIFESTS};
    let mut files = Vec::new();
    if path.as_os_str() == "-" {
        let text =
            read(&mut std::io::stdin().lock(), &MANIFESTS).map_err(|e| format!("<stdin>: {e}"))?;
        files.push(("<stdin>".to_string(), text));
    } else if path.is_dir() {
        let mut names = Vec::new();
        collect(path, &mut names)?;
        names.sort();
        for name in names {
            let text =
                read_file(&name, &MANIFESTS).map_err(|e| format!("{}: {e}", name.display()))?;
            files.push((name.display().to_string(), text));
        }
    } else {
        let text = read_file(path, &MANIFESTS).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push((path.display().to_string(), text));
    }
    let mut docs = Vec::new();
    for (file, text) in files {
        for (i, doc) in serde_yaml::Deserializer::from_str(&text).enumerate() {
            let origin = if i == 0 {
                file.clone()
            } else {
                format!("{file}#{}", i + 1)
            };
            // The position only: a parse error may quote the text.
            let value: Value =
                serde::Deserialize::deserialize(doc).map_err(|e: serde_yaml::Error| {
                    match e.location() {
                        Some(l) => format!(
                            "{origin}: not YAML (line {}, column {})",
                            l.line(),
                            l.column()
                        ),
                        None => format!("{origin}: not YAML"),
                    }
                })?;
            match value.get("kind").and_then(Value::as_str) {
                Some("List") => {
                    for item in value
                        .get("items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        docs.push(Document {
                            origin: origin.clone(),
                            value: item.clone(),
                        });
                    }
                }
                _ if value.is_null() => {}
                _ => docs.push(Document { origin, value }),
            }
        }
    }
    Ok(docs)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The plan of the ExternalSecrets under `path`, checked as any plan, and
/// what was left out of it. No ExternalSecret at all is an error.
pub fn load(path: &Path) -> Result<(Plan, Converted), String> {
    let docs = read(path)?;
    let converted = convert(&docs);
    if converted.converted == 0 {
        return Err(format!(
            "{}: no ExternalSecret that kvault can run ({} left out)",
            path.display(),
            converted.untranslated.len()
        ));
    }
    let origin = format!("converted from {}", path.display());
    let plan = plan::parse(&origin, &converted.plan).map_err(|e| e.to_string())?;
    Ok((plan, converted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(yaml: &str) -> Vec<Document> {
        serde_yaml::Deserializer::from_str(yaml)
            .map(|d| Document {
                origin: "es.yaml".into(),
                value: serde::Deserialize::deserialize(d).unwrap(),
            })
            .collect()
    }

    const STORE: &str = "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: s, namespace: app}\nspec: {provider: {vault: {server: 'https://v:8200', path: kv, version: v2, namespace: team-a, auth: {tokenSecretRef: {name: t, key: token}}}}}\n";

    #[test]
    fn keys_are_read_under_the_stores_mount_as_eso_reads_them() {
        let yaml = format!("{STORE}---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {{name: web, namespace: app}}\nspec:\n  secretStoreRef: {{name: s}}\n  data:\n  - {{secretKey: a, remoteRef: {{key: /dev/web, property: a, version: '3', decodingStrategy: Base64}}}}\n  - {{secretKey: b, remoteRef: {{key: kv/dev/web, property: b}}}}\n  dataFrom:\n  - extract: {{key: dev/common}}\n");
        let out = convert(&docs(&yaml));
        assert_eq!(out.untranslated, Vec::<String>::new());
        let plan: serde_yaml::Value = serde_yaml::from_str(&out.plan).unwrap();
        let entries = plan["secrets"].as_sequence().unwrap();
        let pair = |i: usize| {
            (
                entries[i]["source"].as_str().unwrap(),
                entries[i]["target"].as_str().unwrap(),
            )
        };
        assert_eq!(pair(0), ("vault:kv/dev/web#a#3", "k8s:app/web#a"));
        assert_eq!(entries[0]["decodingStrategy"], "Base64");
        assert_eq!(pair(1), ("vault:kv/dev/web#b", "k8s:app/web#b"));
        assert_eq!(pair(2), ("vault:kv/dev/common", "k8s:app/web"));
        assert!(out.plan.contains("# SecretStore app/s: VAULT_ADDR=https://v:8200 VAULT_NAMESPACE=team-a VAULT_TOKEN_FILE=..."), "{}", out.plan);
    }

    #[test]
    fn a_store_of_another_provider_and_unknown_policies_are_named_not_guessed() {
        let yaml = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: aws}\nspec: {provider: {aws: {service: SecretsManager}}}\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: x, namespace: app}\nspec:\n  secretStoreRef: {name: aws, kind: ClusterSecretStore}\n  data: [{secretKey: a, remoteRef: {key: k, property: p}}]\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: y, namespace: app}\nspec:\n  secretStoreRef: {name: missing}\n  target: {creationPolicy: Merge, deletionPolicy: Delete, template: {engineVersion: v1}}\n  data: [{secretKey: a, remoteRef: {key: secret/k, property: p, conversionStrategy: Unicode}}]\n";
        let out = convert(&docs(yaml));
        let all = out.untranslated.join("\n");
        for says in [
            "ClusterSecretStore aws: spec.provider.aws: not translated",
            "ExternalSecret app/x: spec.secretStoreRef: not translated (ClusterSecretStore aws is not a Vault store)",
            "ExternalSecret app/y: spec.secretStoreRef: not translated (SecretStore app/missing is not among the inputs",
            "spec.target.creationPolicy: not translated (Merge",
            "spec.target.deletionPolicy: not translated (Delete",
            "spec.target.template.engineVersion: not translated",
            "spec.data[0].remoteRef.conversionStrategy: not translated",
        ] {
            assert!(all.contains(says), "no `{says}` in:\n{all}");
        }
        assert_eq!(out.converted, 0);
    }
}
