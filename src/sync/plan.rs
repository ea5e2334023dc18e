//! Sync plans: the YAML that `kvault sync -f` reads, validated into one
//! [`Target`] per secret written. Pure: text in, plan or error out.
//!
//! ```yaml
//! secrets:
//!   - source: vault:secret/app/db            # the whole secret
//!     target: k8s:prod/app-db
//!     rollout: [deployment/api]              # or `auto`
//!   - source: vault:secret/app/api#token     # one key ...
//!     target: k8s:prod/app-api#API_TOKEN     # ... renamed
//!   - sources: [vault:secret/a, vault:secret/b]   # merged into one target
//!     target: k8s:prod/merged
//!     rollout: auto
//!     rolloutOnCreate: true
//!   - source: vault:secret/web/tls
//!     target: k8s:prod/web-tls
//!     decodingStrategy: Base64                # None, Base64, Base64URL, Auto
//!     template:                              # see `template`
//!       type: kubernetes.io/tls
//!       data: {tls.crt: "{{ .cert }}", tls.key: "{{ .key }}"}
//! ```
//!
//! Unknown fields are errors, reported with the file, line and column.
//! The text is bounded by [`crate::yaml::PLAN`] (size, nesting depth),
//! checked before it is parsed.
//! Entries that write the same target secret (different keys of it) are
//! merged into one target; a key written twice is an error. A target is the
//! whole secret: keys no entry writes are removed from it.

use super::decoding::Decoding;
use super::discovery::{self, Discovery, FindFile, Rewrite, RewriteFile};
use super::issue::Issue;
use super::rollout::WorkloadKind;
use super::template::{TargetTemplate, TemplateFile};
use crate::store::{Reference, Scheme};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// A validated plan: the targets in the order the file first names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub targets: Vec<Target>,
    /// Entries that find their sources, expanded into targets before each
    /// run ([`super::discovery::expand`]).
    pub discoveries: Vec<Discovery>,
}

/// One secret to write and where its keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The secret written: no key, no version.
    pub reference: Reference,
    pub parts: Vec<Part>,
    pub rollout: Rollout,
    /// Roll out when the Secret is created too, not only when it changes.
    pub rollout_on_create: bool,
    /// The plan entries (0-based) that write this target, for messages.
    pub entries: Vec<usize>,
    /// How the target is built from what the sources give (type, labels,
    /// annotations, templated keys); at most one entry of a target says.
    pub template: Option<TargetTemplate>,
    /// The target of an `issue` entry: a value issued by a dynamic engine
    /// (and no parts).
    pub issue: Option<Issue>,
}

/// One source of a target: a whole secret, or one key (renamed or not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub source: Reference,
    /// The target key for a one-key source, when it differs from the source key.
    pub rename: Option<String>,
    /// How the source's values are decoded before they are written.
    pub decoding: Decoding,
    /// How each key is renamed, in order (after any `#KEY` rename).
    pub rewrite: Vec<Rewrite>,
}

impl Plan {
    /// Whether running the plan needs a Kubernetes connection beyond its
    /// stores: a Kubernetes target with rollouts, or `--prune` with any
    /// Kubernetes target (`kvault sync` and `kvault status` connect once).
    pub fn needs_cluster(&self, prune: bool) -> bool {
        let mut kube = self
            .targets
            .iter()
            .filter(|t| t.reference.scheme == Scheme::K8s);
        let rollouts = kube.clone().any(|t| !t.rollout.is_empty());
        let found = self.discoveries.iter().filter(|d| d.writes_kubernetes());
        rollouts
            || (prune && kube.next().is_some())
            || found.clone().any(|d| !d.rollout.is_empty())
            || (prune && found.count() > 0)
    }

    /// The Kubernetes namespaces the plan writes to, finding entries
    /// included (where `--prune` looks, even when they find nothing).
    pub fn namespaces(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .targets
            .iter()
            .filter_map(Target::kube_name)
            .map(|(ns, _)| ns.to_string())
            .collect();
        out.extend(self.discoveries.iter().filter_map(|d| d.namespace()));
        out
    }
}

impl Part {
    /// The key this part writes, where known without reading the source.
    pub fn target_key(&self) -> Option<&str> {
        self.rename.as_deref().or(self.source.key.as_deref())
    }
}

/// Which workloads to roll out when the target's data changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rollout {
    /// Every workload of the namespace whose pod template uses the Secret.
    pub auto: bool,
    /// Named workloads, in the target Secret's namespace.
    pub workloads: BTreeSet<(WorkloadKind, String)>,
}

impl Rollout {
    pub fn is_empty(&self) -> bool {
        !self.auto && self.workloads.is_empty()
    }
}

impl Target {
    /// `NAMESPACE` and `NAME` of a Kubernetes target.
    pub fn kube_name(&self) -> Option<(&str, &str)> {
        (self.reference.scheme == Scheme::K8s)
            .then(|| self.reference.path.split_once('/'))
            .flatten()
    }

    pub fn sources(&self) -> Vec<String> {
        self.parts.iter().map(|p| p.source.to_string()).collect()
    }
}

/// Why a plan cannot be used: where (file, and line/column for YAML
/// errors) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    pub file: String,
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message may quote the plan (an unknown field's name), and the
        // plan may hold newlines there: escape them to keep one line.
        let mut message = String::with_capacity(self.message.len());
        for c in self.message.chars() {
            if c.is_control() {
                message.extend(c.escape_default());
            } else {
                message.push(c);
            }
        }
        match self.location {
            Some((line, column)) => write!(
                f,
                "sync plan `{}`, line {line} column {column}: {message}",
                self.file
            ),
            None => write!(f, "sync plan `{}`: {message}", self.file),
        }
    }
}

impl std::error::Error for PlanError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    secrets: Vec<EntryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EntryFile {
    source: Option<String>,
    sources: Option<Vec<String>>,
    target: String,
    rollout: Option<RolloutFile>,
    #[serde(default)]
    rollout_on_create: bool,
    template: Option<TemplateFile>,
    #[serde(default)]
    decoding_strategy: Decoding,
    find: Option<FindFile>,
    #[serde(default)]
    rewrite: Vec<RewriteFile>,
    issue: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, serde_yaml::Value>,
    renew_before: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RolloutFile {
    /// `auto`, or one `kind/name`.
    One(String),
    List(Vec<String>),
}

/// Parse and validate the plan in `text`; `file` names it in errors.
/// Why a plan file could not be loaded: unreadable, over the size limit,
/// or not a valid plan.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Read(String),
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Read and check the plan `file` names; `-` is stdin (as `audit --manifests -`).
/// Used by `kvault sync`, `kvault status` and `kvault rotate --plan`.
pub fn load(file: &Path) -> Result<Plan, LoadError> {
    use crate::yaml::{read, read_file, ReadError, PLAN};
    if file.as_os_str() == "-" {
        let text = read(&mut std::io::stdin().lock(), &PLAN).map_err(|e| {
            LoadError::Read(match e {
                ReadError::Io(e) => format!("cannot read the sync plan from stdin: {e}"),
                ReadError::Limit(e) => format!("sync plan on stdin: {e}"),
            })
        })?;
        return Ok(parse("<stdin>", &text)?);
    }
    let text = read_file(file, &PLAN).map_err(|e| {
        LoadError::Read(match e {
            ReadError::Io(e) => format!("cannot read sync plan `{}`: {e}", file.display()),
            ReadError::Limit(e) => format!("sync plan `{}`: {e}", file.display()),
        })
    })?;
    Ok(parse(&file.display().to_string(), &text)?)
}

pub fn parse(file: &str, text: &str) -> Result<Plan, PlanError> {
    crate::yaml::check(text, &crate::yaml::PLAN).map_err(|e| PlanError {
        file: file.to_string(),
        location: None,
        message: e.to_string(),
    })?;
    let raw: PlanFile = serde_yaml::from_str(text).map_err(|e| {
        let location = e.location().map(|l| (l.line(), l.column()));
        let mut message = e.to_string();
        if let Some((line, column)) = location {
            let suffix = format!(" at line {line} column {column}");
            if let Some(i) = message.find(&suffix) {
                message.replace_range(i..i + suffix.len(), "");
            }
        }
        PlanError {
            file: file.to_string(),
            location,
            message,
        }
    })?;
    validate(raw).map_err(|message| PlanError {
        file: file.to_string(),
        location: None,
        message,
    })
}

fn validate(raw: PlanFile) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let mut index: BTreeMap<(Scheme, String), usize> = BTreeMap::new();
    for (i, entry) in raw.secrets.into_iter().enumerate() {
        let at = format!("secrets[{i}]");
        if entry.find.is_some() {
            let found = discovery_of(i, entry).map_err(|e| format!("{at}: {e}"))?;
            plan.discoveries.push(found);
            continue;
        }
        if entry.issue.is_some() {
            let target = issued_target(i, entry).map_err(|e| format!("{at}: {e}"))?;
            let key = (target.reference.scheme, target.reference.path.clone());
            if let Some(other) = index.get(&key) {
                return Err(format!(
                    "{at}: `{}` is written by secrets[{}] too: an issued value fills its target alone",
                    target.reference, plan.targets[*other].entries[0]
                ));
            }
            index.insert(key, plan.targets.len());
            plan.targets.push(target);
            continue;
        }
        let (target_ref, parts, rollout, on_create, template) =
            entry_parts(entry).map_err(|e| format!("{at}: {e}"))?;
        let secret_ref = Reference {
            key: None,
            version: None,
            ..target_ref
        };
        let slot = *index
            .entry((secret_ref.scheme, secret_ref.path.clone()))
            .or_insert_with(|| {
                plan.targets.push(Target {
                    reference: secret_ref.clone(),
                    parts: vec![],
                    rollout: Rollout::default(),
                    rollout_on_create: false,
                    entries: vec![],
                    template: None,
                    issue: None,
                });
                plan.targets.len() - 1
            });
        let target = &mut plan.targets[slot];
        for part in &parts {
            let Some(key) = part.target_key() else {
                continue;
            };
            if target.parts.iter().any(|p| p.target_key() == Some(key)) {
                return Err(format!(
                    "{at}: key `{key}` of `{}` is already written by secrets[{}]",
                    target.reference, target.entries[0]
                ));
            }
        }
        if target.issue.is_some() {
            return Err(format!(
                "{at}: `{}` is filled by the issue entry secrets[{}] alone",
                target.reference, target.entries[0]
            ));
        }
        if let Some(template) = template {
            if target.template.is_some() {
                return Err(format!(
                    "{at}: `{}` already has a template, from secrets[{}]: give it once",
                    target.reference, target.entries[0]
                ));
            }
            target.template = Some(template);
        }
        target.parts.extend(parts);
        target.rollout.auto |= rollout.auto;
        target.rollout.workloads.extend(rollout.workloads);
        target.rollout_on_create |= on_create;
        target.entries.push(i);
    }
    Ok(plan)
}

/// An `issue` entry: a dynamic engine's path and parameters, into one
/// whole target.
fn issued_target(i: usize, entry: EntryFile) -> Result<Target, String> {
    if entry.source.is_some() || entry.sources.is_some() || !entry.rewrite.is_empty() {
        return Err("`issue` is the source: no `source`, `sources` or `rewrite` with it".into());
    }
    let text = entry.issue.expect("an issue entry");
    let path = text
        .strip_prefix("vault:")
        .or_else(|| text.strip_prefix(">>vault:"))
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty() && !p.contains('#'))
        .ok_or_else(|| {
            format!("issue `{text}` is not `vault:ENGINE/PATH` (a dynamic engine's path)")
        })?;
    let target = entry_target(&entry.target)?;
    if target.key.is_some() {
        return Err(format!(
            "target `{target}` names a key: an issued value fills its whole target (shape it with `template`)"
        ));
    }
    let params = entry
        .params
        .into_iter()
        .map(|(k, v)| match v {
            serde_yaml::Value::String(s) => Ok((k, s)),
            serde_yaml::Value::Number(n) => Ok((k, n.to_string())),
            serde_yaml::Value::Bool(b) => Ok((k, b.to_string())),
            _ => Err(format!("params.{k} is not a string, number or boolean")),
        })
        .collect::<Result<BTreeMap<_, _>, String>>()?;
    let renew_before = entry
        .renew_before
        .map(|d| crate::cli::parse_duration(&d).map_err(|e| format!("renewBefore: {e}")))
        .transpose()?;
    let template = entry
        .template
        .map(|t| TargetTemplate::from_file(t, &target))
        .transpose()?;
    let rollout = entry_rollout(entry.rollout)?;
    if !rollout.is_empty() && target.scheme != Scheme::K8s {
        return Err(format!(
            "`rollout` needs a Kubernetes target, and `{target}` is not one"
        ));
    }
    Ok(Target {
        reference: target,
        parts: Vec::new(),
        rollout,
        rollout_on_create: entry.rollout_on_create,
        entries: vec![i],
        template,
        issue: Some(Issue {
            path: path.to_string(),
            params,
            renew_before,
        }),
    })
}

/// A `find` entry: one source folder, where its secrets go, and what is
/// done to each on the way.
fn discovery_of(i: usize, entry: EntryFile) -> Result<Discovery, String> {
    let (Some(source), None) = (&entry.source, &entry.sources) else {
        return Err("`find` searches one `source` folder (not `sources`)".into());
    };
    let find = entry.find.expect("a find entry");
    let mut found = Discovery::new(i, source, find, &entry.target)?;
    let written = found.written().clone();
    found.template = entry
        .template
        .map(|t| TargetTemplate::from_file(t, &written))
        .transpose()?;
    found.rewrite = discovery::rewrites(entry.rewrite)?;
    found.decoding = entry.decoding_strategy;
    found.rollout = entry_rollout(entry.rollout)?;
    if !found.rollout.is_empty() && written.scheme != Scheme::K8s {
        return Err(format!(
            "`rollout` needs a Kubernetes target, and `{written}` is not one"
        ));
    }
    if entry.rollout_on_create && found.rollout.is_empty() {
        return Err("`rolloutOnCreate` needs a `rollout`".into());
    }
    found.rollout_on_create = entry.rollout_on_create;
    Ok(found)
}

type EntryParts = (Reference, Vec<Part>, Rollout, bool, Option<TargetTemplate>);

fn entry_parts(entry: EntryFile) -> Result<EntryParts, String> {
    let sources = entry_sources(entry.source, entry.sources)?;
    let target = entry_target(&entry.target)?;
    let template = entry
        .template
        .map(|t| TargetTemplate::from_file(t, &target))
        .transpose()?;
    for s in &sources {
        if s.scheme == target.scheme && s.path == target.path {
            return Err(format!("source and target are the same secret `{target}`"));
        }
    }
    let mut parts = entry_parts_of(&target, sources)?;
    let rewrite = discovery::rewrites(entry.rewrite)?;
    for part in &mut parts {
        part.decoding = entry.decoding_strategy;
        part.rewrite = rewrite.clone();
    }
    let rollout = entry_rollout(entry.rollout)?;
    if !rollout.is_empty() && target.scheme != Scheme::K8s {
        return Err(format!(
            "`rollout` needs a Kubernetes target, and `{target}` is not one"
        ));
    }
    if entry.rollout_on_create && rollout.is_empty() {
        return Err("`rolloutOnCreate` needs a `rollout`".into());
    }
    Ok((target, parts, rollout, entry.rollout_on_create, template))
}

/// An entry's sources: exactly one of `source` and `sources` (not empty),
/// each a valid reference.
fn entry_sources(
    source: Option<String>,
    sources: Option<Vec<String>>,
) -> Result<Vec<Reference>, String> {
    let sources = match (source, sources) {
        (Some(one), None) => vec![one],
        (None, Some(many)) if many.is_empty() => return Err("`sources` is empty".into()),
        (None, Some(many)) => many,
        (Some(_), Some(_)) => return Err("give `source` or `sources`, not both".into()),
        (None, None) => return Err("needs a `source` (or `sources`)".into()),
    };
    sources
        .iter()
        .map(|s| Reference::parse(s).map_err(|e| format!("source: {e}")))
        .collect()
}

/// An entry's target: a valid reference to one secret, unversioned, and
/// for Kubernetes one `NAMESPACE/NAME`.
fn entry_target(text: &str) -> Result<Reference, String> {
    let target = Reference::parse(text).map_err(|e| format!("target: {e}"))?;
    if target.version.is_some() {
        return Err(format!("target `{text}` cannot pin a version"));
    }
    if target.path.ends_with('/') {
        return Err(format!("target `{}` names a folder, not a secret", target));
    }
    if target.scheme == Scheme::K8s {
        let ok = target
            .path
            .split_once('/')
            .is_some_and(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains('/'));
        if !ok {
            return Err(format!(
                "target `{target}` must name NAMESPACE/NAME\nhelp: for example `k8s:default/{}`",
                target.path
            ));
        }
    }
    Ok(target)
}

/// The parts that fill `target`: one renamed key when the target names a
/// key, else every source whole. No key may come from two parts.
fn entry_parts_of(target: &Reference, sources: Vec<Reference>) -> Result<Vec<Part>, String> {
    let parts = match &target.key {
        Some(key) => match sources.as_slice() {
            [one] if one.key.is_some() => vec![Part {
                source: one.clone(),
                rename: (one.key.as_deref() != Some(key)).then(|| key.clone()),
                decoding: Decoding::None,
                rewrite: Vec::new(),
            }],
            _ => {
                return Err(format!(
                    "target `{target}` names a key, so it needs exactly one source that names a key too (`vault:PATH#KEY`)"
                ))
            }
        },
        None => sources
            .into_iter()
            .map(|source| Part {
                source,
                rename: None,
                decoding: Decoding::None,
                rewrite: Vec::new(),
            })
            .collect(),
    };
    let mut seen = BTreeSet::new();
    for key in parts.iter().filter_map(Part::target_key) {
        if !seen.insert(key) {
            return Err(format!("key `{key}` comes from two sources"));
        }
    }
    Ok(parts)
}

/// An entry's `rollout`: `auto`, one workload, or a list of both.
fn entry_rollout(rollout: Option<RolloutFile>) -> Result<Rollout, String> {
    Ok(match rollout {
        None => Rollout::default(),
        Some(RolloutFile::One(word)) if word == "auto" => Rollout {
            auto: true,
            workloads: BTreeSet::new(),
        },
        Some(RolloutFile::One(one)) => Rollout {
            auto: false,
            workloads: [parse_workload(&one)?].into(),
        },
        Some(RolloutFile::List(list)) => {
            let mut rollout = Rollout::default();
            for item in &list {
                if item == "auto" {
                    rollout.auto = true;
                } else {
                    rollout.workloads.insert(parse_workload(item)?);
                }
            }
            rollout
        }
    })
}

fn parse_workload(text: &str) -> Result<(WorkloadKind, String), String> {
    let bad = || {
        format!(
            "rollout `{text}` is not `auto` or KIND/NAME (KIND: deployment, statefulset, daemonset)"
        )
    };
    let (kind, name) = text.split_once('/').ok_or_else(bad)?;
    let kind = WorkloadKind::parse(kind).ok_or_else(bad)?;
    if name.is_empty() || name.contains('/') {
        return Err(bad());
    }
    Ok((kind, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Plan {
        parse("plan.yaml", text).unwrap()
    }

    fn err(text: &str) -> PlanError {
        parse("plan.yaml", text).unwrap_err()
    }

    #[test]
    fn an_error_quoting_a_newline_stays_on_one_line() {
        let line = err("{\"\n\n\"").to_string();
        assert!(!line.contains('\n') && line.contains("\\n"), "{line}");
    }

    #[test]
    fn the_documented_example_parses() {
        let plan = ok("
secrets:
  - source: vault:secret/app/db
    target: k8s:prod/app-db
    rollout: [deployment/api]
  - source: vault:secret/app/api#token
    target: k8s:prod/app-api#API_TOKEN
  - sources: [vault:secret/a, vault:secret/b]
    target: k8s:prod/merged
    rollout: auto
    rolloutOnCreate: true
");
        assert_eq!(plan.targets.len(), 3);
        let db = &plan.targets[0];
        assert_eq!(db.reference.to_string(), "k8s:prod/app-db");
        assert_eq!(db.kube_name(), Some(("prod", "app-db")));
        assert!(db
            .rollout
            .workloads
            .contains(&(WorkloadKind::Deployment, "api".into())));
        let api = &plan.targets[1];
        assert_eq!(api.reference.key, None);
        assert_eq!(api.parts[0].rename.as_deref(), Some("API_TOKEN"));
        assert_eq!(api.parts[0].target_key(), Some("API_TOKEN"));
        let merged = &plan.targets[2];
        assert_eq!(merged.parts.len(), 2);
        assert!(merged.rollout.auto && merged.rollout_on_create);
    }

    #[test]
    fn the_shipped_example_plan_is_valid() {
        let plan = ok(include_str!("../../examples/sync-plan.yaml"));
        assert_eq!(plan.targets.len(), 6);
    }

    #[test]
    fn an_unknown_field_names_file_line_and_column() {
        let e = err("secrets:\n  - source: vault:a\n    target: k8s:p/a\n    rollut: auto\n");
        assert_eq!(e.location, Some((4, 5)));
        let shown = e.to_string();
        assert!(shown.contains("`plan.yaml`, line 4 column 5"), "{shown}");
        assert!(shown.contains("unknown field `rollut`"), "{shown}");
        assert!(!shown.contains(" at line "), "{shown}");
        assert!(err("secret: []\n").to_string().contains("unknown field"));
    }

    #[test]
    fn entries_writing_keys_of_one_secret_merge_into_one_target() {
        let plan = ok("
secrets:
  - source: vault:secret/a#user
    target: k8s:p/db#USER
  - source: vault:secret/b#pass
    target: k8s:p/db#PASS
    rollout: [sts/db]
");
        assert_eq!(plan.targets.len(), 1);
        assert_eq!(plan.targets[0].parts.len(), 2);
        assert_eq!(plan.targets[0].entries, vec![0, 1]);
        assert!(!plan.targets[0].rollout.is_empty());
    }

    #[test]
    fn invalid_entries_are_rejected_with_a_reason() {
        let cases = [
            ("- target: k8s:p/a\n", "needs a `source`"),
            ("- {source: vault:a, sources: [vault:b], target: k8s:p/a}\n", "not both"),
            ("- {sources: [], target: k8s:p/a}\n", "is empty"),
            ("- {source: s3:a, target: k8s:p/a}\n", "source: `s3:a` has no known scheme"),
            ("- {source: vault:a, target: k8s:p/a#k#2}\n", "cannot pin"),
            ("- {source: vault:a, target: k8s:justname}\n", "NAMESPACE/NAME"),
            ("- {source: vault:a, target: k8s:p/a#KEY}\n", "names a key"),
            ("- {sources: [vault:a#x, vault:b#y], target: k8s:p/a#KEY}\n", "names a key"),
            ("- {sources: [vault:a#x, vault:b#x], target: k8s:p/a}\n", "two sources"),
            ("- {source: vault:a, target: vault:a}\n", "same secret"),
            ("- {source: k8s:p/a, target: vault:b, rollout: auto}\n", "needs a Kubernetes target"),
            ("- {source: vault:a, target: k8s:p/a, rollout: [pod/x]}\n", "not `auto` or KIND/NAME"),
            ("- {source: vault:a, target: k8s:p/a, rolloutOnCreate: true}\n", "needs a `rollout`"),
            (
                "- {source: vault:a#k, target: k8s:p/a#K}\n- {source: vault:b#z, target: k8s:p/a#K}\n",
                "already written by secrets[0]",
            ),
        ];
        for (entries, want) in cases {
            let e = err(&format!("secrets:\n{entries}"));
            assert!(e.to_string().contains(want), "{entries}: {e}");
        }
    }

    #[test]
    fn a_template_and_a_decoding_belong_to_their_entry() {
        let plan = ok("secrets:\n- source: vault:secret/tls\n  target: k8s:p/tls\n  decodingStrategy: Base64\n  template:\n    type: kubernetes.io/tls\n    labels: {app: web}\n    data: {tls.crt: '{{ .cert }}'}\n- {source: vault:secret/other, target: k8s:p/other}\n");
        let tls = &plan.targets[0];
        let template = tls.template.as_ref().unwrap();
        assert_eq!(
            template.shape.secret_type.as_deref(),
            Some("kubernetes.io/tls")
        );
        assert_eq!(tls.parts[0].decoding, Decoding::Base64);
        assert!(plan.targets[1].template.is_none());
        assert_eq!(plan.targets[1].parts[0].decoding, Decoding::None);
    }

    #[test]
    fn a_template_is_refused_where_it_cannot_apply() {
        for (entries, want) in [
            (
                "- {source: vault:a, target: k8s:p/x, template: {labels: {a: b}}}\n- {source: vault:b, target: k8s:p/x, template: {labels: {c: d}}}\n",
                "secrets[1]: `k8s:p/x` already has a template, from secrets[0]",
            ),
            (
                "- {source: vault:a, target: vault:b, template: {type: Opaque}}\n",
                "is not one",
            ),
            (
                "- {source: vault:a, target: k8s:p/x, decodingStrategy: base64}\n",
                "unknown variant `base64`",
            ),
        ] {
            let e = err(&format!("secrets:\n{entries}"));
            assert!(e.to_string().contains(want), "{entries}: {e}");
        }
    }

    #[test]
    fn a_single_workload_string_and_auto_in_a_list_are_accepted() {
        let plan = ok("secrets:\n- {source: vault:a, target: k8s:p/a, rollout: daemonset/agent}\n- {source: vault:b, target: k8s:p/b, rollout: [auto, deploy/web]}\n");
        assert_eq!(plan.targets[0].rollout.workloads.len(), 1);
        assert!(plan.targets[1].rollout.auto);
        assert_eq!(plan.targets[1].rollout.workloads.len(), 1);
    }

    #[test]
    fn a_key_of_a_source_keeps_its_name_without_a_target_key() {
        let plan = ok("secrets:\n- {source: 'vault:secret/a#token#3', target: vault:other/b}\n");
        let part = &plan.targets[0].parts[0];
        assert_eq!(part.rename, None);
        assert_eq!(part.target_key(), Some("token"));
        assert_eq!(part.source.version, Some(3));
    }

    const WORDS: &[&str] = &[
        "secrets",
        "source",
        "sources",
        "target",
        "rollout",
        "auto",
        "rolloutOnCreate",
        "deployment/api",
        "vault:secret/a",
        "k8s:ns/b#K",
        "local:c",
        "true",
        "1",
        "~",
    ];

    proptest::proptest! {
        /// Whatever the text, parsing ends in a plan or one error line
        /// naming the file, never a panic.
        #[test]
        fn any_text_parses_or_fails_in_one_line(text in crate::yaml_noise::yaml_noise(WORDS)) {
            if let Err(e) = parse("plan.yaml", &text) {
                let line = e.to_string();
                proptest::prop_assert!(line.starts_with("sync plan `plan.yaml`"), "{}", line);
                proptest::prop_assert!(!line.contains('\n'), "{}", line);
            }
        }
    }
}
