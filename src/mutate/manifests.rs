//! A stream of manifests in, the same stream out with its Pod templates
//! injected: YAML (multi-document, `List`, kustomize's `ResourceList`) or
//! one JSON value.
//!
//! Documents the mutation does not change are written back byte for byte,
//! comments included; a changed document is written by serde_yaml (keys
//! in their order, comments inside it lost, the comment lines above it
//! kept). So injecting twice gives the same bytes as injecting once.

use super::pod::{mutate_pod_spec, Annotations, MutateError};
use super::Settings;
use serde::Deserialize;
use serde_yaml::{Mapping, Value};

/// The injected text and the objects that changed (`Deployment shop/api`).
#[derive(Debug, PartialEq)]
pub struct Injected {
    pub text: String,
    pub changed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    #[error("{origin}: {source}")]
    Limit {
        origin: String,
        source: crate::yaml::LimitError,
    },
    #[error("{origin}: not valid {format}: {message}")]
    Parse {
        origin: String,
        format: &'static str,
        message: String,
    },
    #[error("{origin}, {object}: {source}")]
    Mutate {
        origin: String,
        object: String,
        source: Box<MutateError>,
    },
}

/// Inject every Pod template in `text`; `origin` names it in errors (the
/// file, or `stdin`).
pub fn inject_text(origin: &str, text: &str, settings: &Settings) -> Result<Injected, InjectError> {
    crate::yaml::check(text, &crate::yaml::MANIFESTS).map_err(|source| InjectError::Limit {
        origin: origin.into(),
        source,
    })?;
    if text.trim_start().starts_with(['{', '[']) {
        inject_json(origin, text, settings)
    } else {
        inject_yaml(origin, text, settings)
    }
}

fn inject_json(origin: &str, text: &str, settings: &Settings) -> Result<Injected, InjectError> {
    // Straight into serde_yaml's Value: its mappings keep the input's key
    // order, serde_json's would sort them.
    let mut doc: Value = serde_json::from_str(text).map_err(|e| InjectError::Parse {
        origin: origin.into(),
        format: "JSON",
        message: e.to_string(),
    })?;
    let mut changed = Vec::new();
    inject_object(&mut doc, settings, &mut changed).map_err(|(object, source)| {
        InjectError::Mutate {
            origin: origin.into(),
            object,
            source: Box::new(source),
        }
    })?;
    if changed.is_empty() {
        return Ok(Injected {
            text: text.to_string(),
            changed,
        });
    }
    let mut out = serde_json::to_string_pretty(&doc).expect("a YAML value from JSON serializes");
    out.push('\n');
    Ok(Injected { text: out, changed })
}

fn inject_yaml(origin: &str, text: &str, settings: &Settings) -> Result<Injected, InjectError> {
    let mut docs: Vec<Value> = serde_yaml::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect::<Result<_, _>>()
        .map_err(|e| InjectError::Parse {
            origin: origin.into(),
            format: "YAML",
            message: e.to_string(),
        })?;
    let segments = segments(text);
    let documents: Vec<&Segment> = segments.iter().filter(|s| s.is_document()).collect();
    let mut changed = Vec::new();
    let mut touched = vec![false; docs.len()];
    for (index, doc) in docs.iter_mut().enumerate() {
        let before = changed.len();
        let where_ = match documents
            .get(index)
            .filter(|_| documents.len() == touched.len())
        {
            Some(segment) => format!("{origin}:{}", segment.first_line),
            None => format!("{origin}, document {}", index + 1),
        };
        inject_object(doc, settings, &mut changed).map_err(|(object, source)| {
            InjectError::Mutate {
                origin: where_,
                object,
                source: Box::new(source),
            }
        })?;
        touched[index] = changed.len() > before;
    }
    if changed.is_empty() {
        return Ok(Injected {
            text: text.to_string(),
            changed,
        });
    }
    let mut out = String::with_capacity(text.len() + 1024 * changed.len());
    if documents.len() == docs.len() {
        let mut next = 0;
        for segment in &segments {
            let body = &text[segment.range.clone()];
            if !segment.is_document() {
                out.push_str(body);
                continue;
            }
            if touched[next] {
                out.push_str(&body[..segment.prefix_len]);
                out.push_str(&to_yaml(&docs[next]));
            } else {
                out.push_str(body);
                if !body.ends_with('\n') {
                    out.push('\n');
                }
            }
            next += 1;
        }
    } else {
        // The separator scan and the parser disagree (a `---` inside an
        // odd scalar): every document is written anew, none is lost.
        for doc in &docs {
            out.push_str("---\n");
            out.push_str(&to_yaml(doc));
        }
    }
    Ok(Injected { text: out, changed })
}

fn to_yaml(doc: &Value) -> String {
    serde_yaml::to_string(doc).expect("a parsed YAML value serializes")
}

/// A stretch of the text from one `---` line (or the start) to the next.
#[derive(Debug)]
struct Segment {
    range: std::ops::Range<usize>,
    separator: bool,
    content: bool,
    /// The separator line and the comment lines that follow it: kept
    /// above a rewritten document.
    prefix_len: usize,
    first_line: usize,
}

impl Segment {
    /// What the YAML parser counts as a document: any `---`, or content
    /// before the first one.
    fn is_document(&self) -> bool {
        self.separator || self.content
    }
}

fn is_separator(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| {
        rest.trim_end_matches(['\r', '\n']).is_empty() || rest.starts_with([' ', '\t'])
    })
}

fn segments(text: &str) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut current = Segment {
        range: 0..0,
        separator: false,
        content: false,
        prefix_len: 0,
        first_line: 1,
    };
    let mut offset = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        if is_separator(line) {
            if start > current.range.start || current.separator {
                current.range.end = start;
                segments.push(current);
            }
            let rest = line[3..].trim();
            let content = !rest.is_empty() && !rest.starts_with('#');
            current = Segment {
                range: start..offset,
                separator: true,
                content,
                // `--- {a: 1}`: the document starts on this line.
                prefix_len: if content { 0 } else { line.len() },
                first_line: number + 1,
            };
            continue;
        }
        let trimmed = line.trim();
        let directive = !current.separator && trimmed.starts_with('%');
        let blank = trimmed.is_empty() || trimmed.starts_with('#') || directive || trimmed == "...";
        if !current.content {
            if blank {
                current.prefix_len = offset - current.range.start;
            } else {
                current.content = true;
                current.first_line = number + 1;
            }
        }
    }
    current.range.end = text.len();
    segments.push(current);
    segments
}

/// Inject one object (or every item of a list); `changed` gets the names
/// of those that changed. An error names the object.
fn inject_object(
    doc: &mut Value,
    settings: &Settings,
    changed: &mut Vec<String>,
) -> Result<(), (String, MutateError)> {
    let Some(object) = doc.as_mapping_mut() else {
        return Ok(());
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if kind.ends_with("List") {
        // kustomize's KRM functions read their settings from functionConfig.
        let settings = match kind.as_str() {
            "ResourceList" => function_settings(object, settings),
            _ => settings.clone(),
        };
        if let Some(items) = object.get_mut("items").and_then(Value::as_sequence_mut) {
            for item in items {
                inject_object(item, &settings, changed)?;
            }
        }
        return Ok(());
    }
    let name = describe(object, &kind);
    let Some(path) = pod_spec_path(object, &kind) else {
        return Ok(());
    };
    let annotations = annotations_for(object, path);
    let Some(spec) = get_mut(object, path).and_then(Value::as_mapping_mut) else {
        return Ok(());
    };
    match mutate_pod_spec(spec, &annotations, settings) {
        Ok(true) => {
            changed.push(name);
            Ok(())
        }
        Ok(false) => Ok(()),
        Err(e) => Err((name, e)),
    }
}

/// `Deployment shop/api`, `Pod api` (no namespace in the manifest).
fn describe(object: &Mapping, kind: &str) -> String {
    let meta = object.get("metadata");
    let field = |key: &str| meta.and_then(|m| m.get(key)).and_then(Value::as_str);
    let name = field("name").unwrap_or("(no name)");
    let kind = if kind.is_empty() { "object" } else { kind };
    match field("namespace") {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

const POD: &[&str] = &["spec"];
const TEMPLATE: &[&str] = &["spec", "template", "spec"];
const CRON_JOB: &[&str] = &["spec", "jobTemplate", "spec", "template", "spec"];
const POD_TEMPLATE: &[&str] = &["template", "spec"];

/// Where the PodSpec is: known kinds by name, any other kind (Argo
/// Rollouts, OpenKruise, ...) when it has `spec.template.spec.containers`.
fn pod_spec_path(object: &Mapping, kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(POD),
        "CronJob" => Some(CRON_JOB),
        "PodTemplate" => Some(POD_TEMPLATE),
        _ => {
            let mut value = object.get("spec")?;
            for key in &TEMPLATE[1..] {
                value = value.get(key)?;
            }
            value.get("containers").is_some().then_some(TEMPLATE)
        }
    }
}

fn get<'a>(object: &'a Mapping, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(object.get(first)?, |value, key| value.get(key))
}

fn get_mut<'a>(object: &'a mut Mapping, path: &[&str]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(object.get_mut(first)?, |value, key| value.get_mut(key))
}

/// The workload's annotations with the Pod template's on top.
fn annotations_for(object: &Mapping, spec_path: &[&str]) -> Annotations {
    let mut merged = Annotations::new();
    let mut add = |meta: Option<&Value>| {
        if let Some(map) = meta
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_mapping)
        {
            for (k, v) in map {
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                    merged.insert(k.to_string(), v.to_string());
                }
            }
        }
    };
    add(object.get("metadata"));
    if spec_path.len() > 1 {
        let mut template = spec_path[..spec_path.len() - 1].to_vec();
        template.push("metadata");
        add(get(object, &template));
    }
    merged
}

/// A KRM function's settings: `functionConfig.data` (a ConfigMap) keys
/// `image`, `vault-addr`, `vault-role`, `auth-method` over the flags.
fn function_settings(list: &Mapping, flags: &Settings) -> Settings {
    let data = get(list, &["functionConfig", "data"]);
    let field = |key: &str| {
        data.and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Settings {
        image: field("image").unwrap_or_else(|| flags.image.clone()),
        vault_addr: field("vault-addr").or(flags.vault_addr.clone()),
        vault_role: field("vault-role").or(flags.vault_role.clone()),
        auth_method: field("auth-method").or(flags.auth_method.clone()),
    }
}
