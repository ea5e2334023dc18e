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
//! ```
//!
//! Unknown fields are errors, reported with the file, line and column.
//! The text is bounded by [`crate::yaml::PLAN`] (size, nesting depth),
//! checked before it is parsed.
//! Entries that write the same target secret (different keys of it) are
//! merged into one target; a key written twice is an error. A target is the
//! whole secret: keys no entry writes are removed from it.

use super::rollout::WorkloadKind;
use crate::store::{Reference, Scheme};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// A validated plan: the targets in the order the file first names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub targets: Vec<Target>,
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
}

/// One source of a target: a whole secret, or one key (renamed or not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub source: Reference,
    /// The target key for a one-key source, when it differs from the source key.
    pub rename: Option<String>,
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
        rollouts || (prune && kube.next().is_some())
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
        let (target_ref, parts, rollout, on_create) =
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
        target.parts.extend(parts);
        target.rollout.auto |= rollout.auto;
        target.rollout.workloads.extend(rollout.workloads);
        target.rollout_on_create |= on_create;
        target.entries.push(i);
    }
    Ok(plan)
}

type EntryParts = (Reference, Vec<Part>, Rollout, bool);

fn entry_parts(entry: EntryFile) -> Result<EntryParts, String> {
    let sources = entry_sources(entry.source, entry.sources)?;
    let target = entry_target(&entry.target)?;
    for s in &sources {
        if s.scheme == target.scheme && s.path == target.path {
            return Err(format!("source and target are the same secret `{target}`"));
        }
    }
    let parts = entry_parts_of(&target, sources)?;
    let rollout = entry_rollout(entry.rollout)?;
    if !rollout.is_empty() && target.scheme != Scheme::K8s {
        return Err(format!(
            "`rollout` needs a Kubernetes target, and `{target}` is not one"
        ));
    }
    if entry.rollout_on_create && rollout.is_empty() {
        return Err("`rolloutOnCreate` needs a `rollout`".into());
    }
    Ok((target, parts, rollout, entry.rollout_on_create))
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
