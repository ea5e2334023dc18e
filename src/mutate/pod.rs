//! One Pod spec, rewritten so that kvault resolves its references.
//!
//! Idempotent by construction: each step first looks for what it would
//! add (the init container, the volume, the mount, a command that already
//! starts with [`BINARY`]) and adds nothing when it is there, so a second
//! pass reports no change and the caller keeps the bytes it had.

use super::{annotation, Settings, BINARY, INIT_CONTAINER, MOUNT_PATH, VOLUME};
use crate::inject::plan::{classify, PlanError};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::ffi::OsStr;

/// Annotations in effect for one Pod template: the workload's, with the
/// template's own on top.
pub type Annotations = BTreeMap<String, String>;

/// Why a Pod cannot be injected; the caller adds which object it is.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum MutateError {
    #[error("container `{container}` sets no command, and kvault cannot read the image's entrypoint offline\nhelp: set `command`, or annotate the pod template with {}.{container}: '[\"/entrypoint\", \"arg\"]' (or {} for every container)", annotation::COMMAND, annotation::COMMAND)]
    NoCommand { container: String },
    #[error("container `{container}`, env {source}")]
    Reference {
        container: String,
        source: PlanError,
    },
    #[error("annotation `{key}`: {detail}")]
    Annotation { key: String, detail: String },
    #[error("{what} `{name}` is already in the pod and is not kvault's\nhelp: rename it; kvault adds {what} `{name}`")]
    Taken { what: &'static str, name: String },
    #[error("`{path}` is not a {expected}")]
    Shape {
        path: String,
        expected: &'static str,
    },
}

/// Rewrite `spec` (a PodSpec) for kvault; `Ok(false)` when nothing was
/// to change (no references, opted out, or injected already).
pub fn mutate_pod_spec(
    spec: &mut Mapping,
    annotations: &Annotations,
    settings: &Settings,
) -> Result<bool, MutateError> {
    let everything = match annotations.get(annotation::INJECT).map(String::as_str) {
        None => false,
        Some("true") => true,
        Some("false") => return Ok(false),
        Some(other) => {
            return Err(MutateError::Annotation {
                key: annotation::INJECT.into(),
                detail: format!("`{other}` is not \"true\" or \"false\""),
            })
        }
    };
    let settings = effective(settings, annotations)?;
    let mut chosen = Vec::new();
    for list in ["initContainers", "containers"] {
        for (index, container) in containers(spec, list)?.iter().enumerate() {
            let name = name_of(container, list, index)?;
            if list == "initContainers" && name == INIT_CONTAINER {
                continue;
            }
            // The opt-in annotation takes the app containers; an init
            // container is injected only for references of its own.
            if (everything && list == "containers") || has_references(container, &name)? {
                chosen.push((list, index));
            }
        }
    }
    if chosen.is_empty() {
        return Ok(false);
    }
    let mut changed = false;
    for (list, index) in chosen {
        let container = list_mut(spec, list)?[index]
            .as_mapping_mut()
            .expect("checked by containers()");
        changed |= rewrite_container(container, annotations, &settings)?;
    }
    changed |= ensure_volume(spec)?;
    changed |= ensure_init_container(spec, &settings.image)?;
    Ok(changed)
}

/// The methods `kvault exec` logs in with (`VAULT_AUTH_METHOD`).
pub const AUTH_METHODS: [&str; 4] = ["token", "kubernetes", "approle", "jwt"];

/// Flags give the defaults, the Pod's annotations override them. An auth
/// method `kvault exec` would refuse is refused here, before the Pod runs.
fn effective(settings: &Settings, annotations: &Annotations) -> Result<Settings, MutateError> {
    let pick = |key: &str, flag: &Option<String>| annotations.get(key).cloned().or(flag.clone());
    let auth_method = pick(annotation::AUTH_METHOD, &settings.auth_method);
    if let Some(method) = auth_method.as_deref().filter(|m| !AUTH_METHODS.contains(m)) {
        return Err(MutateError::Annotation {
            key: annotation::AUTH_METHOD.into(),
            detail: format!("`{method}` is not one of {}", AUTH_METHODS.join(", ")),
        });
    }
    Ok(Settings {
        image: settings.image.clone(),
        vault_addr: pick(annotation::VAULT_ADDR, &settings.vault_addr),
        vault_role: pick(annotation::VAULT_ROLE, &settings.vault_role),
        auth_method,
    })
}

const EMPTY: &[Value] = &[];

fn containers<'a>(spec: &'a Mapping, list: &str) -> Result<&'a [Value], MutateError> {
    let items = match spec.get(list) {
        None | Some(Value::Null) => return Ok(EMPTY),
        Some(Value::Sequence(items)) => items,
        Some(_) => return Err(shape(list, "list")),
    };
    for (index, item) in items.iter().enumerate() {
        if !item.is_mapping() {
            return Err(shape(&format!("{list}[{index}]"), "mapping"));
        }
    }
    Ok(items)
}

/// The list `key` of `map`, created empty when absent.
fn list_mut<'a>(map: &'a mut Mapping, key: &str) -> Result<&'a mut Vec<Value>, MutateError> {
    let slot = map
        .entry(Value::from(key))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if slot.is_null() {
        *slot = Value::Sequence(Vec::new());
    }
    slot.as_sequence_mut().ok_or_else(|| shape(key, "list"))
}

fn shape(path: &str, expected: &'static str) -> MutateError {
    MutateError::Shape {
        path: path.to_string(),
        expected,
    }
}

fn name_of(container: &Value, list: &str, index: usize) -> Result<String, MutateError> {
    container
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| shape(&format!("{list}[{index}].name"), "string"))
}

/// Whether a container's `env` holds anything `kvault exec` resolves. A
/// malformed reference is an error here, before the Pod ever starts.
fn has_references(container: &Value, name: &str) -> Result<bool, MutateError> {
    let Some(env) = container.get("env").and_then(Value::as_sequence) else {
        return Ok(false);
    };
    let mut found = false;
    for entry in env {
        let (Some(var), Some(value)) = (
            entry.get("name").and_then(Value::as_str),
            entry.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        if var == "VAULT_ENV_FROM_PATH" && !value.is_empty() {
            found = true;
            continue;
        }
        match classify(OsStr::new(var), OsStr::new(value)) {
            Ok(Some(_)) => found = true,
            Ok(None) => {}
            Err(source) => {
                return Err(MutateError::Reference {
                    container: name.to_string(),
                    source,
                })
            }
        }
    }
    Ok(found)
}

fn strings(value: Option<&Value>, path: &str) -> Result<Option<Vec<String>>, MutateError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                // YAML reads `- 8080` as a number; Kubernetes wants strings,
                // and the apiserver would refuse the number anyway.
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                _ => Err(shape(path, "list of strings")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(shape(path, "list of strings")),
    }
}

/// The image entrypoint an annotation gives: a JSON list, or words split
/// as a shell would.
fn annotated_command(
    annotations: &Annotations,
    container: &str,
) -> Result<Option<Vec<String>>, MutateError> {
    let own = format!("{}.{container}", annotation::COMMAND);
    let Some((key, text)) = annotations
        .get_key_value(&own)
        .or_else(|| annotations.get_key_value(annotation::COMMAND))
    else {
        return Ok(None);
    };
    let bad = |detail: String| MutateError::Annotation {
        key: key.clone(),
        detail,
    };
    let words = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<String>>(text)
            .map_err(|e| bad(format!("not a JSON list of strings: {e}")))?
    } else {
        shlex::split(text).ok_or_else(|| bad("unbalanced quotes".into()))?
    };
    if words.is_empty() {
        return Err(bad("the command is empty".into()));
    }
    Ok(Some(words))
}

/// `command` becomes `kvault exec --`, the old command line its `args`.
fn rewrite_container(
    container: &mut Mapping,
    annotations: &Annotations,
    settings: &Settings,
) -> Result<bool, MutateError> {
    let name = container
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let command = strings(container.get("command"), &format!("{name}.command"))?;
    let mut changed = false;
    if command.as_ref().and_then(|c| c.first()).map(String::as_str) != Some(BINARY) {
        let args = strings(container.get("args"), &format!("{name}.args"))?.unwrap_or_default();
        // Kubernetes runs `command` + `args` when `command` is set, and the
        // image's ENTRYPOINT + `args` otherwise.
        let head = match command {
            Some(command) if !command.is_empty() => command,
            _ => annotated_command(annotations, &name)?.ok_or_else(|| MutateError::NoCommand {
                container: name.clone(),
            })?,
        };
        let argv: Vec<Value> = head.into_iter().chain(args).map(Value::from).collect();
        let exec: Vec<Value> = [BINARY, "exec", "--"]
            .into_iter()
            .map(Value::from)
            .collect();
        set_command(container, exec, argv);
        changed = true;
    }
    changed |= ensure_mount(container)?;
    changed |= ensure_env(container, settings)?;
    Ok(changed)
}

/// `command` and `args` side by side, where `command` was (else after
/// `image`), so that the rewritten container reads as the original did.
fn set_command(container: &mut Mapping, command: Vec<Value>, args: Vec<Value>) {
    let anchor = if container.contains_key("command") {
        "command"
    } else {
        "image"
    };
    let old = std::mem::take(container);
    let mut pair = Some((Value::Sequence(command), Value::Sequence(args)));
    for (key, value) in old {
        let name = key.as_str().unwrap_or_default().to_string();
        match name.as_str() {
            "args" => continue,
            "command" => {}
            _ => {
                container.insert(key, value);
            }
        }
        if name == anchor {
            if let Some((command, args)) = pair.take() {
                container.insert("command".into(), command);
                container.insert("args".into(), args);
            }
        }
    }
    if let Some((command, args)) = pair {
        container.insert("command".into(), command);
        container.insert("args".into(), args);
    }
}

fn named<'a>(items: &'a [Value], name: &str) -> Option<&'a Value> {
    items
        .iter()
        .find(|item| item.get("name").and_then(Value::as_str) == Some(name))
}

fn ensure_mount(container: &mut Mapping) -> Result<bool, MutateError> {
    let mounts = list_mut(container, "volumeMounts")?;
    if named(mounts, VOLUME).is_some() {
        return Ok(false);
    }
    let at_our_path = |m: &Value| {
        m.get("mountPath")
            .and_then(Value::as_str)
            .map(|p| p.trim_end_matches('/'))
            == Some(MOUNT_PATH)
    };
    if mounts.iter().any(at_our_path) {
        return Err(MutateError::Taken {
            what: "mount path",
            name: MOUNT_PATH.into(),
        });
    }
    mounts.push(yaml(&format!(
        "{{name: {VOLUME}, mountPath: {MOUNT_PATH}, readOnly: true}}"
    )));
    Ok(true)
}

/// Vault settings go in only where the container does not set its own.
fn ensure_env(container: &mut Mapping, settings: &Settings) -> Result<bool, MutateError> {
    let wanted = [
        ("VAULT_ADDR", &settings.vault_addr),
        ("VAULT_ROLE", &settings.vault_role),
        ("VAULT_AUTH_METHOD", &settings.auth_method),
    ];
    if wanted.iter().all(|(_, v)| v.is_none()) {
        return Ok(false);
    }
    let env = list_mut(container, "env")?;
    let mut changed = false;
    for (var, value) in wanted {
        let Some(value) = value else { continue };
        if named(env, var).is_none() {
            let mut entry = Mapping::new();
            entry.insert("name".into(), var.into());
            entry.insert("value".into(), value.as_str().into());
            env.push(Value::Mapping(entry));
            changed = true;
        }
    }
    Ok(changed)
}

fn ensure_volume(spec: &mut Mapping) -> Result<bool, MutateError> {
    let volumes = list_mut(spec, "volumes")?;
    match named(volumes, VOLUME) {
        Some(volume) if volume.get("emptyDir").is_some() => Ok(false),
        Some(_) => Err(MutateError::Taken {
            what: "volume",
            name: VOLUME.into(),
        }),
        None => {
            // In memory: the binary never touches the node's disk.
            volumes.push(yaml(&format!(
                "{{name: {VOLUME}, emptyDir: {{medium: Memory, sizeLimit: 64Mi}}}}"
            )));
            Ok(true)
        }
    }
}

/// The init container runs first, so that injected init containers after
/// it find the binary too; a newer `--image` replaces the old one.
fn ensure_init_container(spec: &mut Mapping, image: &str) -> Result<bool, MutateError> {
    let inits = list_mut(spec, "initContainers")?;
    let position = inits
        .iter()
        .position(|c| c.get("name").and_then(Value::as_str) == Some(INIT_CONTAINER));
    let mut changed = false;
    let mut init = match position {
        Some(index) => {
            changed |= index != 0;
            inits.remove(index)
        }
        None => {
            changed = true;
            init_container()
        }
    };
    if init.get("image").and_then(Value::as_str) != Some(image) {
        init.as_mapping_mut()
            .ok_or_else(|| shape(&format!("initContainers.{INIT_CONTAINER}"), "mapping"))?
            .insert("image".into(), image.into());
        changed = true;
    }
    inits.insert(0, init);
    Ok(changed)
}

/// Least privilege: read-only root, no capabilities, non-root, and small
/// resources, so that `kvault audit` and admission policies accept it.
fn init_container() -> Value {
    yaml(&format!(
        r#"
name: {INIT_CONTAINER}
image: set-below
command: ["cp", "/kvault", "/kvault-bin/kvault"]
volumeMounts:
  - {{name: {VOLUME}, mountPath: /kvault-bin}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities: {{drop: ["ALL"]}}
  seccompProfile: {{type: RuntimeDefault}}
resources:
  requests: {{cpu: 10m, memory: 16Mi}}
  limits: {{memory: 32Mi}}
"#
    ))
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("kvault's own YAML parses")
}
