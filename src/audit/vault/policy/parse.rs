//! Policy text to [`Policy`]: HCL through `hcl-rs`, or the JSON form
//! (`{"path": {"secret/*": {"capabilities": ["read"]}}}`) Vault accepts
//! too. Both end as the same (path, stanza) pairs, which `rule` checks as
//! the server's `parsePaths` does.

use super::{Capabilities, Parameters, PathKind, PathRule, Policy, PolicyError, PolicyText};
use serde_json::{Map, Value};

/// `path "..." { ... }` stanzas in the order written: the path and its
/// attributes as JSON.
type Stanzas = Vec<(String, Map<String, Value>)>;

pub(super) fn policy(text: &PolicyText) -> Result<Policy, PolicyError> {
    let stanzas = if text.hcl.trim_start().starts_with('{') {
        json_stanzas(text)?
    } else {
        hcl_stanzas(text)?
    };
    let rules = stanzas
        .into_iter()
        .map(|(path, body)| rule(text, &path, &body))
        .collect::<Result<_, _>>()?;
    Ok(Policy {
        name: text.name.clone(),
        source: text.source.clone(),
        rules,
    })
}

fn syntax(text: &PolicyText, message: impl std::fmt::Display) -> PolicyError {
    // hcl-rs errors quote the offending line: keep the first line only.
    let message = message.to_string();
    PolicyError::Syntax {
        name: text.name.clone(),
        origin: text.source.clone(),
        message: message
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn hcl_stanzas(text: &PolicyText) -> Result<Stanzas, PolicyError> {
    let body = hcl::parse(&text.hcl).map_err(|e| syntax(text, e))?;
    let mut stanzas = Vec::new();
    for block in body.blocks() {
        if block.identifier() != "path" {
            continue;
        }
        let [label] = block.labels() else {
            return Err(syntax(text, "a path block takes exactly one quoted path"));
        };
        let mut stanza = Map::new();
        for attribute in block.body().attributes() {
            let value = hcl::Value::from(attribute.expr().clone());
            let value = serde_json::to_value(value).map_err(|e| syntax(text, e))?;
            stanza.insert(attribute.key().to_string(), value);
        }
        stanzas.push((label.as_str().to_string(), stanza));
    }
    Ok(stanzas)
}

fn json_stanzas(text: &PolicyText) -> Result<Stanzas, PolicyError> {
    let root: Value = serde_json::from_str(&text.hcl).map_err(|e| syntax(text, e))?;
    let mut stanzas = Vec::new();
    let mut add = |paths: &Value| -> Result<(), PolicyError> {
        let Some(paths) = paths.as_object() else {
            return Err(syntax(text, "\"path\" must map paths to stanzas"));
        };
        for (path, stanza) in paths {
            let Some(stanza) = stanza.as_object() else {
                return Err(syntax(text, format!("path {path:?} must be an object")));
            };
            stanzas.push((path.clone(), stanza.clone()));
        }
        Ok(())
    };
    match root.get("path") {
        None => {}
        Some(Value::Array(items)) => items.iter().try_for_each(&mut add)?,
        Some(paths) => add(paths)?,
    }
    Ok(stanzas)
}

/// One stanza, checked as the server checks it.
fn rule(
    text: &PolicyText,
    key: &str,
    stanza: &Map<String, Value>,
) -> Result<PathRule, PolicyError> {
    let fail = |message: String| PolicyError::Rule {
        name: text.name.clone(),
        origin: text.source.clone(),
        path: key.to_string(),
        message,
    };
    let path = key.strip_prefix('/').unwrap_or(key).to_string();
    if path.contains("+*") {
        return Err(fail("invalid use of wildcards ('+*' is forbidden)".into()));
    }
    let segments = path == "+" || path.contains("/+") || path.starts_with("+/");
    let (path, kind) = match (segments, path.strip_suffix('*')) {
        (true, _) => {
            let prefix = path.ends_with('*');
            (path, PathKind::Segments { prefix })
        }
        (false, Some(stripped)) => (stripped.to_string(), PathKind::Prefix),
        (false, None) => (path, PathKind::Exact),
    };
    let mut capabilities = Capabilities::NONE;
    if let Some(legacy) = stanza.get("policy").and_then(Value::as_str) {
        capabilities |= Capabilities::from_legacy(legacy)
            .ok_or_else(|| fail(format!("invalid policy {legacy:?}")))?;
    }
    for name in strings(stanza.get("capabilities")) {
        let capability = Capabilities::from_name(&name)
            .ok_or_else(|| fail(format!("invalid capability {name:?}")))?;
        capabilities |= capability;
    }
    if capabilities.is_denied() {
        capabilities = Capabilities::DENY;
    }
    Ok(PathRule {
        path,
        kind,
        capabilities,
        parameters: Parameters {
            allowed: parameter_map(stanza.get("allowed_parameters")),
            denied: parameter_map(stanza.get("denied_parameters")),
            required: strings(stanza.get("required_parameters")),
        },
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// `{ key = [values] }`, keys lower-cased. HCL may also write a block
/// list (`[{ key = [...] }]`): merged.
fn parameter_map(value: Option<&Value>) -> std::collections::BTreeMap<String, Vec<Value>> {
    let mut out = std::collections::BTreeMap::new();
    let objects: Vec<&Map<String, Value>> = match value {
        Some(Value::Object(map)) => vec![map],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    for map in objects {
        for (key, values) in map {
            let values = match values {
                Value::Array(items) => items.clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            out.insert(key.to_lowercase(), values);
        }
    }
    out
}
