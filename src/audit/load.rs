//! The offline loader: Kubernetes manifests into an [`Inventory`].
//!
//! Reads files, folders (recursively: `*.yaml`, `*.yml`, `*.json`, hidden
//! entries skipped, symlinked folders not followed) and stdin (`-`).
//! Multi-document YAML, `List` kinds (`kind: List`, `SecretList`, ...) and
//! JSON are understood; documents without `apiVersion`/`kind` (Helm values,
//! kustomizations) and kinds the audit does not use are skipped. Namespaced
//! objects without a namespace land in `default`, as `kubectl apply` would
//! put them without `-n`.
//!
//! Secret values never get past this module: `data` and `stringData` are
//! blanked (keys kept) and the last-applied annotation dropped before the
//! document is typed, and errors about Secrets never quote the document.
//!
//! Limits: input is bounded by [`crate::yaml::MANIFESTS`] (size per input
//! and per document, nesting depth), checked before parsing. The line given for an object is the line its YAML document
//! starts on (found by scanning for `---` separators), not the field's own
//! line; syntax errors carry serde_yaml's exact line and column.

use super::finding::{Location, ObjectRef};
use super::inventory::{
    ApiserverFlags, Confidence, EncryptionConfig, EncryptionEvidence, EvidenceSource, Inventory,
    Observation, LAST_APPLIED,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_yaml::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why manifests could not be loaded. Messages name the file (and line and
/// column when known), never a Secret's value.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A document is not valid YAML/JSON, or an object does not fit its kind.
    #[error("cannot parse `{origin}`: {message}")]
    Parse { origin: String, message: String },
    /// The input is readable but not what was asked for.
    #[error("`{origin}`: {message}")]
    Invalid { origin: String, message: String },
    /// The input is larger or nests deeper than [`crate::yaml::MANIFESTS`].
    #[error("`{origin}`: {source}")]
    Limit {
        origin: String,
        source: crate::yaml::LimitError,
    },
}

/// An error reading `origin` within [`crate::yaml::MANIFESTS`].
fn read_error(origin: &str, e: crate::yaml::ReadError) -> LoadError {
    match e {
        crate::yaml::ReadError::Io(source) => LoadError::Io {
            path: origin.into(),
            source,
        },
        crate::yaml::ReadError::Limit(source) => LoadError::Limit {
            origin: origin.into(),
            source,
        },
    }
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    crate::yaml::read_file(path, &crate::yaml::MANIFESTS)
        .map_err(|e| read_error(&path.display().to_string(), e))
}

/// The name stdin goes by in messages and locations.
pub const STDIN: &str = "<stdin>";

/// Load every input (`-` is stdin, read from `stdin`) into one inventory.
pub fn load(inputs: &[PathBuf], stdin: &mut dyn Read) -> Result<Inventory, LoadError> {
    let mut inventory = Inventory::default();
    let mut stdin_used = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if stdin_used {
                return Err(LoadError::Invalid {
                    origin: STDIN.into(),
                    message: "stdin (`-`) can be given only once".into(),
                });
            }
            stdin_used = true;
            let text = crate::yaml::read(stdin, &crate::yaml::MANIFESTS)
                .map_err(|e| read_error(STDIN, e))?;
            let json = text.trim_start().starts_with(['{', '[']);
            add_text(&mut inventory, STDIN, &text, json)?;
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| io_error(input, e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(input, &mut files)?;
            files.sort();
            for file in files {
                load_file(&mut inventory, &file)?;
            }
        } else {
            load_file(&mut inventory, input)?;
        }
    }
    Ok(inventory)
}

/// Read the file given with `--encryption-config` into `inventory` as
/// evidence of medium confidence (it is the file the user says is in use).
pub fn load_encryption_config(inventory: &mut Inventory, path: &Path) -> Result<(), LoadError> {
    let origin = path.display().to_string();
    let text = read_file(path)?;
    let docs = documents(&origin, &text, is_json(path))?;
    let mut found = false;
    for (doc, _) in docs {
        if doc.get("kind").and_then(Value::as_str) == Some("EncryptionConfiguration") {
            let config =
                EncryptionConfig::from_value(&doc).map_err(|message| LoadError::Parse {
                    origin: origin.clone(),
                    message,
                })?;
            inventory.encryption.push(EncryptionEvidence {
                source: EvidenceSource::ConfigFile {
                    path: origin.clone(),
                },
                confidence: Confidence::Medium,
                observation: Observation::Config(config),
            });
            found = true;
        }
    }
    if !found {
        return Err(LoadError::Invalid {
            origin,
            message: "holds no EncryptionConfiguration (apiVersion: apiserver.config.k8s.io/v1)"
                .into(),
        });
    }
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| io_error(&path, e))?;
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| {
            ["yaml", "yml", "json"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        }) && std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        {
            files.push(path);
        }
    }
    Ok(())
}

fn load_file(inventory: &mut Inventory, path: &Path) -> Result<(), LoadError> {
    let text = read_file(path)?;
    add_text(inventory, &path.display().to_string(), &text, is_json(path))
}

/// Add every object of `text` (YAML, or JSON when `json`) read from `origin`.
pub fn add_text(
    inventory: &mut Inventory,
    origin: &str,
    text: &str,
    json: bool,
) -> Result<(), LoadError> {
    let docs = documents(origin, text, json)?;
    let single = docs.len() == 1;
    for (index, (doc, line)) in docs.into_iter().enumerate() {
        let ctx = Doc {
            origin,
            text,
            index,
            line,
            in_list: false,
            json,
            single,
        };
        add_document(inventory, doc, &ctx)?;
    }
    Ok(())
}

/// The documents of `text` (YAML, or one JSON value when `json`) with the
/// line each starts on, once the text is within [`crate::yaml::MANIFESTS`].
fn documents(
    origin: &str,
    text: &str,
    json: bool,
) -> Result<Vec<(Value, Option<usize>)>, LoadError> {
    crate::yaml::check(text, &crate::yaml::MANIFESTS).map_err(|source| LoadError::Limit {
        origin: origin.into(),
        source,
    })?;
    if json {
        Ok(vec![(json_value(origin, text)?, Some(1))])
    } else {
        yaml_documents(origin, text)
    }
}

fn json_value(origin: &str, text: &str) -> Result<Value, LoadError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| LoadError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })?;
    serde_yaml::to_value(json).map_err(|e| LoadError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })
}

/// Inputs at least this large are parsed on two threads.
const PARALLEL_BYTES: usize = 256 * 1024;

fn parse_stream(text: &str) -> Result<Vec<Value>, serde_yaml::Error> {
    serde_yaml::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect()
}

/// Where to cut `text` in two for parallel parsing: the start of the first
/// `---` separator line after the middle. A `---` at column 0 always starts
/// a document (anchors do not cross documents), so the halves parse to the
/// same documents as the whole.
fn split_point(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // Bytes, not `&text[from..]`: the middle may fall inside a multi-byte
    // character (found by the property test below). A match starts at the
    // ASCII `\n`, so the cut is always a char boundary.
    let mut from = text.len() / 2;
    while let Some(found) = bytes[from..].windows(4).position(|w| w == b"\n---") {
        let line = from + found + 1;
        match bytes.get(line + 3) {
            None | Some(b'\n' | b'\r' | b' ' | b'\t') => return Some(line),
            Some(_) => from = line,
        }
    }
    None
}

/// Every YAML document of `text` with the line it starts on (when the
/// separator scan agrees with the parser on the number of documents).
fn yaml_documents(origin: &str, text: &str) -> Result<Vec<(Value, Option<usize>)>, LoadError> {
    let parsed = match split_point(text).filter(|_| text.len() >= PARALLEL_BYTES) {
        Some(cut) => {
            let (first, second) = text.split_at(cut);
            let (a, b) = std::thread::scope(|scope| {
                let a = scope.spawn(|| parse_stream(first));
                let b = parse_stream(second);
                (a.join(), b)
            });
            match (a, b) {
                (Ok(Ok(mut docs)), Ok(rest)) => {
                    docs.extend(rest);
                    Ok(docs)
                }
                // An error's line would be relative to its half.
                _ => parse_stream(text),
            }
        }
        None => parse_stream(text),
    };
    let docs = parsed.map_err(|e| LoadError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })?;
    let lines = document_lines(text);
    let lines_known = lines.len() == docs.len();
    Ok(docs
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d, if lines_known { Some(lines[i]) } else { None }))
        .collect())
}

/// The 1-based line each YAML document starts on, found by scanning for
/// `---` separators: text before the first separator is a document only
/// when it holds more than comments and directives.
fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    // The segment being scanned: (separator line, first content line).
    let mut segment: (Option<usize>, Option<usize>) = (None, None);
    let flush = |segment: (Option<usize>, Option<usize>), starts: &mut Vec<usize>| match segment {
        (_, Some(content)) => starts.push(content),
        (Some(separator), None) => starts.push(separator),
        (None, None) => {}
    };
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let is_separator = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
        if is_separator {
            flush(segment, &mut starts);
            let rest = line[3..].trim();
            let content = !rest.is_empty() && !rest.starts_with('#');
            segment = (Some(number), content.then_some(number));
            continue;
        }
        if line.starts_with("...") {
            continue;
        }
        let trimmed = line.trim();
        // A `%` directive before the first separator is not content.
        let directive = segment.0.is_none() && trimmed.starts_with('%');
        let is_content = !(trimmed.is_empty() || trimmed.starts_with('#') || directive);
        if is_content && segment.1.is_none() {
            segment.1 = Some(number);
        }
    }
    flush(segment, &mut starts);
    starts
}

/// Where a document came from, for locations and messages.
struct Doc<'a> {
    origin: &'a str,
    text: &'a str,
    index: usize,
    line: Option<usize>,
    in_list: bool,
    json: bool,
    single: bool,
}

impl Doc<'_> {
    fn location(&self) -> Location {
        Location {
            file: self.origin.to_string(),
            line: self.line,
        }
    }

    fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("document at line {line}"),
            None => format!("document {}", self.index + 1),
        }
    }
}

fn add_document(inventory: &mut Inventory, mut doc: Value, ctx: &Doc) -> Result<(), LoadError> {
    let kind = doc.get("kind").and_then(Value::as_str).map(str::to_string);
    let api_version = doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let (Some(kind), Some(api_version)) = (kind, api_version) else {
        // Not a Kubernetes object: a values file, a kustomization, nothing.
        if !doc.is_null() {
            inventory.skipped += 1;
        }
        return Ok(());
    };
    if kind.ends_with("List") {
        if let Some(Value::Sequence(items)) = doc.get_mut("items").map(std::mem::take) {
            let ctx = Doc {
                in_list: true,
                ..*ctx
            };
            for item in items {
                add_document(inventory, item, &ctx)?;
            }
            return Ok(());
        }
    }
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
    use k8s_openapi::api::{networking::v1 as net, rbac::v1 as rbac};
    const RBAC: &str = "rbac.authorization.k8s.io";
    match (group, kind.as_str()) {
        ("", "Secret") => {
            blank_secret_values(&mut doc);
            let mut secret: core::Secret = typed(inventory, doc, ctx, &api_version, true)?;
            super::inventory::sanitize_secret(&mut secret);
            inventory.secrets.insert(secret);
        }
        ("", "ServiceAccount") => {
            let o = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.service_accounts.insert(o);
        }
        ("", "ConfigMap") => {
            let o = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.config_maps.insert(o);
        }
        ("", "Pod") => {
            let pod: core::Pod = typed(inventory, doc, ctx, &api_version, true)?;
            add_pod(inventory, pod);
        }
        ("", "ReplicationController") => {
            let o = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.replication_controllers.insert(o);
        }
        (RBAC, "Role") => {
            let o = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.roles.insert(o);
        }
        (RBAC, "RoleBinding") => {
            let o = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.role_bindings.insert(o);
        }
        (RBAC, "ClusterRole") => {
            let o: rbac::ClusterRole = typed(inventory, doc, ctx, &api_version, false)?;
            inventory.cluster_roles.insert(o);
        }
        (RBAC, "ClusterRoleBinding") => {
            let o: rbac::ClusterRoleBinding = typed(inventory, doc, ctx, &api_version, false)?;
            inventory.cluster_role_bindings.insert(o);
        }
        ("apps" | "extensions", "Deployment") => {
            let o: apps::Deployment = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.deployments.insert(o);
        }
        ("apps" | "extensions", "DaemonSet") => {
            let o: apps::DaemonSet = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.daemon_sets.insert(o);
        }
        ("apps" | "extensions", "ReplicaSet") => {
            let o: apps::ReplicaSet = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.replica_sets.insert(o);
        }
        ("apps", "StatefulSet") => {
            let o: apps::StatefulSet = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.stateful_sets.insert(o);
        }
        ("batch", "Job") => {
            let o: batch::Job = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.jobs.insert(o);
        }
        ("batch", "CronJob") => {
            let o: batch::CronJob = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.cron_jobs.insert(o);
        }
        ("networking.k8s.io" | "extensions", "Ingress") => {
            let o: net::Ingress = typed(inventory, doc, ctx, &api_version, true)?;
            inventory.ingresses.insert(o);
        }
        ("apiserver.config.k8s.io", "EncryptionConfiguration") => {
            let config =
                EncryptionConfig::from_value(&doc).map_err(|message| LoadError::Parse {
                    origin: ctx.origin.into(),
                    message: format!("EncryptionConfiguration ({}): {message}", ctx.describe()),
                })?;
            let name = doc
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| file_name(ctx.origin));
            let object = ObjectRef::cluster("EncryptionConfiguration", name);
            inventory.sources.insert(object.clone(), ctx.location());
            inventory.encryption.push(EncryptionEvidence {
                source: EvidenceSource::Manifest { object },
                confidence: Confidence::Low,
                observation: Observation::Config(config),
            });
        }
        _ => {
            tracing::debug!(
                "skipping {kind} ({api_version}) in `{}`: not audited",
                ctx.origin
            );
            inventory.skipped += 1;
        }
    }
    Ok(())
}

/// Insert a Pod; kube-apiserver's static (or mirror) Pod in kube-system
/// also gives its flags as encryption evidence. Shared with the live loader.
pub(crate) fn add_pod(inventory: &mut Inventory, pod: k8s_openapi::api::core::v1::Pod) {
    if let Some(flags) = apiserver_flags(&pod) {
        inventory.encryption.push(EncryptionEvidence {
            source: EvidenceSource::ApiserverFlags {
                object: flags.object.clone(),
            },
            confidence: Confidence::High,
            observation: Observation::ProviderConfigFlag(
                flags
                    .get("encryption-provider-config")
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            ),
        });
        inventory.apiserver = Some(flags);
    }
    inventory.pods.insert(pod);
}

fn file_name(origin: &str) -> String {
    Path::new(origin)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| origin.to_string())
}

/// Replace every value of `data` and `stringData` by `""`, drop the
/// last-applied annotation: from here on the document holds no value.
fn blank_secret_values(doc: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(map) = doc.get_mut(field).and_then(Value::as_mapping_mut) {
            for (_, value) in map.iter_mut() {
                *value = Value::String(String::new());
            }
        } else if let Some(value) = doc.get_mut(field) {
            // Not a mapping: nothing typed can come of it, and it may hold a
            // value; keep the shape error without the content.
            if !value.is_null() {
                *value = Value::Sequence(Vec::new());
            }
        }
    }
    if let Some(annotations) = doc
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_mapping_mut)
    {
        annotations.remove(LAST_APPLIED);
    }
}

/// Turn a document into `T`: the apiVersion made the one k8s-openapi
/// expects (older group versions share the fields the audit reads), the
/// namespace defaulted (namespaced) or dropped (cluster-scoped).
fn typed<T>(
    inventory: &mut Inventory,
    mut doc: Value,
    ctx: &Doc,
    api_version: &str,
    namespaced: bool,
) -> Result<T, LoadError>
where
    T: DeserializeOwned + k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta>,
{
    let canonical = api_version == T::API_VERSION;
    if let Some(map) = doc.as_mapping_mut() {
        map.insert("apiVersion".into(), T::API_VERSION.into());
        let meta = map
            .entry("metadata".into())
            .or_insert_with(|| Value::Mapping(Default::default()));
        if let Some(meta) = meta.as_mapping_mut() {
            if namespaced {
                let ns = meta.entry("namespace".into()).or_insert(Value::Null);
                if ns.is_null() || ns.as_str() == Some("") {
                    *ns = "default".into();
                }
            } else {
                meta.remove("namespace");
            }
        }
    }
    let name = object_name(&doc);
    match serde_yaml::from_value::<T>(doc) {
        Ok(object) => {
            let object_ref = super::inventory::object_ref(&object);
            if let Some(first) = inventory.sources.insert(object_ref.clone(), ctx.location()) {
                inventory.duplicates.push(super::inventory::Duplicate {
                    object: object_ref,
                    first,
                    again: ctx.location(),
                });
            }
            Ok(object)
        }
        Err(error) => {
            // Parse the original text again straight into `T` for an error
            // with line and column; not for Secrets (the text holds values),
            // and only where the original is exactly what `T` expects.
            let located = (T::KIND != "Secret"
                && canonical
                && !ctx.in_list
                && !ctx.json
                && (ctx.single || ctx.line.is_some()))
            .then(|| reparse_error::<T>(ctx.text, ctx.index))
            .flatten();
            let message = match located {
                Some(e) => format!("{} `{name}`: {}", T::KIND, without_values(&e.to_string())),
                None => format!(
                    "{} `{name}` ({}): {}",
                    T::KIND,
                    ctx.describe(),
                    without_values(&error.to_string())
                ),
            };
            Err(LoadError::Parse {
                origin: ctx.origin.into(),
                message,
            })
        }
    }
}

/// `message` (a serde error) without the scalars it quotes: serde names an
/// unexpected value as `string "..."`, ``integer `...` `` and so on, and in
/// a ConfigMap or an env var that value may be a credential. Field and key
/// names (`` unknown field `x` ``) stay.
fn without_values(message: &str) -> String {
    const QUOTING: &[&str] = &[
        "string ",
        "integer ",
        "floating point ",
        "boolean ",
        "character ",
        "unknown variant ",
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'scan: while !rest.is_empty() {
        for word in QUOTING {
            let Some(after) = rest.strip_prefix(word) else {
                continue;
            };
            let end = match after.as_bytes().first() {
                // Debug-quoted: up to the first `"` not escaped.
                Some(b'"') => {
                    let mut escaped = false;
                    after[1..]
                        .char_indices()
                        .find(|&(_, c)| {
                            let close = c == '"' && !escaped;
                            escaped = c == '\\' && !escaped;
                            close
                        })
                        .map(|(i, _)| i + 2)
                }
                Some(b'`') => after[1..].find('`').map(|i| i + 2),
                _ => None,
            };
            if let Some(end) = end {
                out.push_str(word.trim_end());
                rest = &after[end..];
                continue 'scan;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn object_name(doc: &Value) -> String {
    let meta = doc.get("metadata");
    let get = |f: &str| meta.and_then(|m| m.get(f)).and_then(Value::as_str);
    match (get("namespace"), get("name")) {
        (Some(ns), Some(name)) => format!("{ns}/{name}"),
        (None, Some(name)) => name.to_string(),
        _ => "(unnamed)".into(),
    }
}

fn reparse_error<T: DeserializeOwned>(text: &str, index: usize) -> Option<serde_yaml::Error> {
    let document = serde_yaml::Deserializer::from_str(text).nth(index)?;
    T::deserialize(document).err()
}

/// kube-apiserver's flags when `pod` is its static pod in kube-system.
fn apiserver_flags(pod: &k8s_openapi::api::core::v1::Pod) -> Option<ApiserverFlags> {
    if pod.metadata.namespace.as_deref() != Some("kube-system") {
        return None;
    }
    let labelled = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("component"))
        .is_some_and(|c| c == "kube-apiserver");
    let spec = pod.spec.as_ref()?;
    let container = spec.containers.iter().find(|c| {
        c.name == "kube-apiserver"
            || c.command
                .as_ref()
                .and_then(|cmd| cmd.first())
                .is_some_and(|c0| c0.ends_with("kube-apiserver"))
    });
    let container = match container {
        Some(c) => c,
        None if labelled && spec.containers.len() == 1 => &spec.containers[0],
        None => return None,
    };
    let mut args: Vec<String> = container.command.clone().unwrap_or_default();
    args.extend(container.args.clone().unwrap_or_default());
    Some(ApiserverFlags::parse(
        super::inventory::object_ref(pod),
        &args,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(yaml: &str) -> Inventory {
        let mut inv = Inventory::default();
        add_text(&mut inv, "test.yaml", yaml, false).unwrap();
        inv
    }

    #[test]
    fn the_split_point_never_cuts_a_character() {
        assert_eq!(split_point("ᴀຌ𐬹"), None);
        let text = format!("{}\n---\nb: 1\n", "é".repeat(11));
        assert_eq!(split_point(&text), Some(23));
    }

    #[test]
    fn large_inputs_parse_in_halves_like_the_whole() {
        let mut text = String::from("# header\n");
        for i in 0..6000 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata:\n  k: |\n    ---x\n    v{i}\n"
            ));
        }
        assert!(text.len() >= PARALLEL_BYTES);
        let cut = split_point(&text).unwrap();
        assert!(text[cut..].starts_with("---\n"));
        let docs = yaml_documents("big.yaml", &text).unwrap();
        assert_eq!(docs.len(), 6000);
        assert_eq!(docs[5999].1, Some(text.lines().count() - 6));
        let mut inv = Inventory::default();
        add_text(&mut inv, "big.yaml", &text, false).unwrap();
        assert_eq!(inv.config_maps.len(), 6000);
        // An error in the second half still names the right line.
        let broken = format!("{text}---\nkey: [unclosed\n");
        let msg = add_text(&mut Inventory::default(), "big.yaml", &broken, false)
            .unwrap_err()
            .to_string();
        let last = broken.lines().count();
        assert!(
            msg.contains(&format!("line {last}")) || msg.contains(&format!("line {}", last + 1)),
            "{msg}"
        );
    }

    #[test]
    fn document_lines_follow_separators() {
        assert_eq!(document_lines("a: 1\n---\nb: 2\n"), [1, 3]);
        assert_eq!(document_lines("# c\n---\n\na: 1\n---\nb: 2"), [4, 6]);
        assert_eq!(document_lines("---\na: 1\n---\n"), [2, 3]);
        assert_eq!(document_lines("--- {a: 1}\n"), [1]);
        assert_eq!(document_lines(""), Vec::<usize>::new());
    }

    #[test]
    fn multi_documents_lists_and_unknown_kinds() {
        let inv = inventory(
            r#"
apiVersion: v1
kind: Secret
metadata: {name: a, namespace: shop}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: app}
  - apiVersion: example.com/v1
    kind: Widget
    metadata: {name: w}
---
replicas: 3
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np}
"#,
        );
        assert!(inv.secrets.contains("shop", "a"));
        assert!(inv.service_accounts.contains("default", "app"));
        assert_eq!(inv.skipped, 3);
        let loc = inv
            .location(&ObjectRef::namespaced("Secret", "shop", "a"))
            .unwrap();
        assert_eq!(loc.line, Some(2));
    }

    #[test]
    fn secret_values_are_blanked_before_typing() {
        let inv = inventory(
            r#"
apiVersion: v1
kind: Secret
metadata:
  name: s
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"p":"hunter2-canary"}}'
data: {p: "not base64 at all!"}
stringData: {q: hunter2-canary}
"#,
        );
        let secret = inv.secrets.get("default", "s").unwrap();
        let dump = format!("{secret:?}");
        assert!(!dump.contains("hunter2"), "{dump}");
        assert!(secret.data.as_ref().unwrap().contains_key("p"));
        assert!(secret.string_data.as_ref().unwrap().contains_key("q"));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let mut inv = Inventory::default();
        let err = add_text(&mut inv, "bad.yaml", "a: 1\nb: [1, 2\n", false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`bad.yaml`"), "{msg}");
        assert!(msg.contains("line"), "{msg}");
    }

    #[test]
    fn type_errors_never_quote_the_value_that_did_not_fit() {
        assert_eq!(
            without_values(r#"invalid type: string "hun\"ter2", expected i32 at line 3"#),
            "invalid type: string, expected i32 at line 3"
        );
        assert_eq!(
            without_values("invalid type: integer `123456`, expected a string; unknown variant `pw`, expected `a`; unknown field `x`"),
            "invalid type: integer, expected a string; unknown variant, expected `a`; unknown field `x`"
        );
        for doc in [
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - {name: PIN, value: 987654321}\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {k: 'canary-not-base64!'}\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: 987654321.5}\n",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {k: true, j: [canary-in-a-list]}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: canary-replicas}\n",
        ] {
            let Err(e) = add_text(&mut Inventory::default(), "v.yaml", doc, false) else {
                continue;
            };
            let msg = e.to_string();
            for value in ["987654321", "canary"] {
                assert!(!msg.contains(value), "{msg}");
            }
        }
    }

    #[test]
    fn type_errors_name_the_object_and_line() {
        let mut inv = Inventory::default();
        let text = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: many\n";
        let msg = add_text(&mut inv, "d.yaml", text, false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("Deployment `default/api`"), "{msg}");
        assert!(msg.contains("line 9"), "{msg}");
    }

    #[test]
    fn older_group_versions_and_cluster_scope() {
        let inv = inventory(
            r#"
apiVersion: rbac.authorization.k8s.io/v1beta1
kind: ClusterRole
metadata: {name: r, namespace: ignored}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
"#,
        );
        assert!(inv.cluster_roles.contains("", "r"));
    }

    #[test]
    fn json_documents_and_lists() {
        let mut inv = Inventory::default();
        let text = r#"{"apiVersion":"v1","kind":"SecretList","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"j","namespace":"x"},"data":{"k":"dmFsdWU="}}]}"#;
        add_text(&mut inv, "s.json", text, true).unwrap();
        assert!(inv.secrets.contains("x", "j"));
    }

    #[test]
    fn apiserver_static_pod_gives_flag_evidence() {
        let inv = inventory(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp1, namespace: kube-system, labels: {component: kube-apiserver, tier: control-plane}}
spec:
  containers:
    - name: kube-apiserver
      image: registry.k8s.io/kube-apiserver:v1.34.0
      command: [kube-apiserver, --authorization-mode=Node,RBAC]
"#,
        );
        assert_eq!(inv.encryption.len(), 1);
        assert_eq!(
            inv.encryption[0].observation,
            Observation::ProviderConfigFlag(None)
        );
        assert!(inv.apiserver.is_some());
    }

    const WORDS: &[&str] = &[
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "namespace",
        "v1",
        "apps/v1",
        "rbac.authorization.k8s.io/v1",
        "Secret",
        "ConfigMap",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "Deployment",
        "Pod",
        "List",
        "items",
        "rules",
        "verbs",
        "resources",
        "secrets",
        "subjects",
        "roleRef",
        "data",
        "stringData",
        "spec",
        "template",
        "containers",
        "env",
        "valueFrom",
        "secretKeyRef",
        "EncryptionConfiguration",
        "providers",
        "identity",
        "aggregationRule",
        "*",
        "~",
        "1",
    ];

    proptest::proptest! {
        /// Whatever the text, loading adds objects or fails with one error
        /// line naming the input, never a panic.
        #[test]
        fn any_text_loads_or_fails_in_one_line(text in crate::yaml_noise::yaml_noise(WORDS)) {
            let mut inv = Inventory::default();
            if let Err(e) = add_text(&mut inv, "fuzz.yaml", &text, false) {
                let line = e.to_string();
                proptest::prop_assert!(line.contains("fuzz.yaml"), "{}", line);
                proptest::prop_assert!(!line.contains('\n'), "{}", line);
            }
        }
    }
}
