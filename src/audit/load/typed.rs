//! A document into its Kubernetes type, without letting a value out:
//! Secrets have `data` and `stringData` blanked before they are typed,
//! and type errors quote no scalar (a ConfigMap's or an env var's may be a
//! credential). Kept apart so that everything that touches values on the
//! way in sits in one place.

use super::documents::Doc;
use super::LoadError;
use crate::audit::inventory::{Inventory, LAST_APPLIED};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_yaml::Value;

/// Replace every value of `data` and `stringData` by `""`, drop the
/// last-applied annotation: from here on the document holds no value.
pub(super) fn blank_secret_values(doc: &mut Value) {
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
pub(super) fn typed<T>(
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
            let object_ref = crate::audit::inventory::object_ref(&object);
            if let Some(first) = inventory.sources.insert(object_ref.clone(), ctx.location()) {
                inventory
                    .duplicates
                    .push(crate::audit::inventory::Duplicate {
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
pub(super) fn without_values(message: &str) -> String {
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
