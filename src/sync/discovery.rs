//! Plan entries that find their sources: every secret under a folder
//! (`source: vault:secret/team-a/`), or those whose path under it matches
//! `find.name`, each into a target of its own (`target: k8s:prod/`, named
//! after its path) or all merged into one (`target: k8s:prod/team-a`), with
//! each key rewritten on the way (`rewrite`). The store is listed before
//! every run, so a new source secret is synced by the next run, and with
//! `--prune` the target of one that is gone is deleted.
//!
//! ```yaml
//! - source: vault:secret/team-a/
//!   find: {name: "^db-"}                 # a regex on the path under the folder
//!   target: k8s:prod/                    # one Secret per secret found
//!   rewrite:
//!     - stripPrefix: "DB_"
//!     - regexp: {source: "^(.*)$", target: "app_$1"}
//! ```

use super::decoding::Decoding;
use super::plan::{Part, Plan, Rollout, Target};
use super::report;
use super::template::TargetTemplate;
use crate::store::{Reference, Scheme, StoreError, Stores};
use serde::Deserialize;
use std::collections::BTreeSet;

/// At most this many secrets per entry: a typo'd folder at the root of a
/// big store stops here, with an error, instead of syncing everything.
pub const MAX_FOUND: usize = 10_000;
/// Folders below the entry's, at most.
const MAX_DEPTH: usize = 16;

/// A regular expression, compared by its text.
#[derive(Clone, Debug)]
pub struct Pattern(regex::Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}
impl Eq for Pattern {}

impl Pattern {
    fn new(text: &str, what: &str) -> Result<Pattern, String> {
        regex::Regex::new(text).map(Pattern).map_err(|e| {
            format!(
                "{what} `{text}` is not a regular expression: {}",
                first_line(&e.to_string())
            )
        })
    }
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

/// One rewrite of a key, in ESO's forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Replace every match of `source` with `target` (`$1` for groups).
    Regexp { source: Pattern, target: String },
    /// Drop this prefix where a key has it.
    StripPrefix(String),
}

impl Rewrite {
    pub fn apply(&self, key: &str) -> String {
        match self {
            Rewrite::Regexp { source, target } => {
                source.0.replace_all(key, target.as_str()).into_owned()
            }
            Rewrite::StripPrefix(prefix) => {
                key.strip_prefix(prefix.as_str()).unwrap_or(key).to_string()
            }
        }
    }
}

/// A key after every rewrite, in order.
pub fn rewritten(rewrite: &[Rewrite], key: &str) -> String {
    rewrite.iter().fold(key.to_string(), |k, r| r.apply(&k))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FindFile {
    /// A regex on the path under the folder (default: every secret).
    name: Option<String>,
}

/// One `rewrite` item: `{regexp: {source, target}}` or `{stripPrefix: P}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct RewriteFile {
    regexp: Option<RegexpFile>,
    strip_prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegexpFile {
    source: String,
    target: String,
}

pub(super) fn rewrites(files: Vec<RewriteFile>) -> Result<Vec<Rewrite>, String> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, r)| match (r.regexp, r.strip_prefix) {
            (Some(RegexpFile { source, target }), None) => Ok(Rewrite::Regexp {
                source: Pattern::new(&source, &format!("rewrite[{i}].regexp.source"))?,
                target,
            }),
            (None, Some(p)) if p.is_empty() => Err(format!("rewrite[{i}].stripPrefix is empty")),
            (None, Some(p)) => Ok(Rewrite::StripPrefix(p)),
            _ => Err(format!(
                "rewrite[{i}]: give one of `regexp` and `stripPrefix`"
            )),
        })
        .collect()
}

/// Where what an entry finds goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Into {
    /// Each secret to a target of its own under this folder (for
    /// Kubernetes, a namespace: the Secret is named after the path, `/`
    /// becoming `-`).
    Each(Reference),
    /// Every secret found merged into this one target.
    One(Reference),
}

/// A validated finding entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// The plan entry (0-based), for messages.
    pub entry: usize,
    /// The folder searched (its path ends with `/`).
    pub folder: Reference,
    pub name: Option<Pattern>,
    pub into: Into,
    pub rewrite: Vec<Rewrite>,
    pub decoding: Decoding,
    pub template: Option<TargetTemplate>,
    pub rollout: Rollout,
    pub rollout_on_create: bool,
}

impl Discovery {
    /// Check a finding entry: a folder to search, and a folder or one
    /// secret to write.
    pub(super) fn new(
        entry: usize,
        source: &str,
        find: FindFile,
        target: &str,
    ) -> Result<Discovery, String> {
        let folder = Reference::parse(source).map_err(|e| format!("source: {e}"))?;
        if !folder.path.ends_with('/') || folder.key.is_some() || folder.version.is_some() {
            return Err(format!(
                "`find` searches a folder: give the source as `{}:{}/`",
                folder.scheme,
                folder.path.trim_end_matches('/')
            ));
        }
        let name = find
            .name
            .as_deref()
            .map(|n| Pattern::new(n, "find.name"))
            .transpose()?;
        let to = Reference::parse(target).map_err(|e| format!("target: {e}"))?;
        if to.key.is_some() || to.version.is_some() {
            return Err(format!(
                "target `{target}` of a `find` names a key or a version"
            ));
        }
        let into = if to.path.ends_with('/') {
            if to.scheme == Scheme::K8s && to.path.trim_end_matches('/').contains('/') {
                return Err(format!(
                    "target `{target}`: a Kubernetes folder is a namespace, `k8s:NAMESPACE/`"
                ));
            }
            Into::Each(to)
        } else {
            Into::One(to)
        };
        let written = match &into {
            Into::Each(r) | Into::One(r) => r,
        };
        if written.scheme == folder.scheme && written.path.starts_with(&folder.path) {
            return Err(format!(
                "target `{target}` is inside the folder searched, `{source}`"
            ));
        }
        Ok(Discovery {
            entry,
            folder,
            name,
            into,
            rewrite: Vec::new(),
            decoding: Decoding::None,
            template: None,
            rollout: Rollout::default(),
            rollout_on_create: false,
        })
    }

    /// The folder or the secret written.
    pub fn written(&self) -> &Reference {
        match &self.into {
            Into::Each(r) | Into::One(r) => r,
        }
    }

    pub fn writes_kubernetes(&self) -> bool {
        self.written().scheme == Scheme::K8s
    }

    /// The namespace written, for a Kubernetes target.
    pub fn namespace(&self) -> Option<String> {
        let written = self.written();
        (written.scheme == Scheme::K8s)
            .then(|| written.path.split('/').next().map(str::to_string))
            .flatten()
    }

    fn label(&self) -> String {
        format!("secrets[{}] ({})", self.entry, self.folder)
    }
}

/// What [`expand`] made of a plan.
pub struct Expanded {
    pub plan: Plan,
    /// What failed (a listing, a name Kubernetes refuses, a target written
    /// twice), each an error of the run.
    pub errors: Vec<report::Error>,
    /// Every folder was listed: the plan names every target it should,
    /// so `--prune` may delete what it does not name.
    pub complete: bool,
}

/// The plan with every finding entry expanded into targets, from what the
/// stores hold now.
pub async fn expand(plan: &Plan, stores: &Stores) -> Expanded {
    let mut out = plan.clone();
    let mut errors = Vec::new();
    let mut complete = true;
    let mut written: BTreeSet<(Scheme, String)> = plan
        .targets
        .iter()
        .map(|t| (t.reference.scheme, t.reference.path.clone()))
        .collect();
    for d in &plan.discoveries {
        let found = match found(stores, d).await {
            Ok(found) => found,
            Err(e) => {
                complete = false;
                errors.push(report::Error {
                    target: d.label(),
                    error: format!("cannot list `{}`: {e}", d.folder),
                });
                continue;
            }
        };
        for target in targets_of(d, &found, &mut errors) {
            if written.insert((target.reference.scheme, target.reference.path.clone())) {
                out.targets.push(target);
            } else {
                errors.push(report::Error {
                    target: d.label(),
                    error: format!(
                        "`{}` is written by another entry of the plan too",
                        target.reference
                    ),
                });
            }
        }
    }
    Expanded {
        plan: out,
        errors,
        complete,
    }
}

/// The paths under the folder (relative to it) that the entry takes.
async fn found(stores: &Stores, d: &Discovery) -> Result<Vec<String>, StoreError> {
    let store = stores.get(d.folder.scheme).await?;
    let mut out = Vec::new();
    let mut folders = vec![(String::new(), 0)];
    while let Some((sub, depth)) = folders.pop() {
        for entry in store.list(&format!("{}{sub}", d.folder.path)).await? {
            let rel = format!("{sub}{entry}");
            if entry.ends_with('/') {
                if depth < MAX_DEPTH {
                    folders.push((rel, depth + 1));
                }
            } else if d.name.as_ref().is_none_or(|n| n.0.is_match(&rel)) {
                out.push(rel);
                if out.len() > MAX_FOUND {
                    return Err(StoreError::BadInput(format!(
                        "more than {MAX_FOUND} secrets under `{}`: narrow it with find.name or a deeper folder",
                        d.folder
                    )));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The targets the paths found make.
fn targets_of(d: &Discovery, found: &[String], errors: &mut Vec<report::Error>) -> Vec<Target> {
    let part = |rel: &str| Part {
        source: Reference {
            scheme: d.folder.scheme,
            path: format!("{}{rel}", d.folder.path),
            key: None,
            version: None,
        },
        rename: None,
        decoding: d.decoding,
        rewrite: d.rewrite.clone(),
    };
    let target = |reference: Reference, parts: Vec<Part>| Target {
        reference,
        parts,
        rollout: d.rollout.clone(),
        rollout_on_create: d.rollout_on_create,
        entries: vec![d.entry],
        template: d.template.clone(),
        issue: None,
    };
    match &d.into {
        Into::One(reference) if found.is_empty() => {
            tracing::debug!(target = %reference, "nothing found to merge");
            Vec::new()
        }
        Into::One(reference) => vec![target(
            reference.clone(),
            found.iter().map(|r| part(r)).collect(),
        )],
        Into::Each(folder) => found
            .iter()
            .filter_map(|rel| {
                let name = match folder.scheme {
                    Scheme::K8s => kube_name(rel)
                        .map_err(|why| {
                            errors.push(report::Error {
                                target: d.label(),
                                error: format!(
                                    "`{}{rel}` cannot be a Secret's name: {why}",
                                    d.folder
                                ),
                            })
                        })
                        .ok()?,
                    _ => rel.clone(),
                };
                let reference = Reference {
                    path: format!("{}{name}", folder.path),
                    ..folder.clone()
                };
                Some(target(reference, vec![part(rel)]))
            })
            .collect(),
    }
}

/// A path as a Kubernetes Secret name: `/` becomes `-`; what Kubernetes
/// refuses (upper case, `_`, over 253 characters) is an error, not a
/// guess at another name.
fn kube_name(rel: &str) -> Result<String, &'static str> {
    let name = rel.replace('/', "-");
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(name)
    } else {
        Err("Kubernetes names are lowercase letters, digits, `-` and `.`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_apply_in_order() {
        let r = rewrites(vec![
            RewriteFile {
                strip_prefix: Some("DB_".into()),
                ..Default::default()
            },
            RewriteFile {
                regexp: Some(RegexpFile {
                    source: "^(.*)$".into(),
                    target: "app_$1".into(),
                }),
                ..Default::default()
            },
        ])
        .unwrap();
        assert!(rewrites(vec![RewriteFile::default()])
            .unwrap_err()
            .contains("give one of"));
        assert_eq!(rewritten(&r, "DB_PASS"), "app_PASS");
        assert_eq!(rewritten(&r, "OTHER"), "app_OTHER");
    }

    #[test]
    fn a_path_becomes_a_secret_name_or_an_error() {
        assert_eq!(kube_name("db/main").unwrap(), "db-main");
        assert!(kube_name("DB_main").is_err());
        assert!(kube_name("-x").is_err());
    }

    #[test]
    fn a_finding_entry_searches_a_folder_and_writes_outside_it() {
        let find = || FindFile { name: None };
        assert!(Discovery::new(0, "vault:secret/a", find(), "k8s:p/")
            .unwrap_err()
            .contains("give the source as `vault:secret/a/`"));
        assert!(
            Discovery::new(0, "vault:secret/a/", find(), "vault:secret/a/copy/")
                .unwrap_err()
                .contains("inside the folder")
        );
        assert!(Discovery::new(0, "vault:secret/a/", find(), "k8s:p/q/")
            .unwrap_err()
            .contains("namespace"));
        let bad = FindFile {
            name: Some("(".into()),
        };
        assert!(Discovery::new(0, "vault:secret/a/", bad, "k8s:p/")
            .unwrap_err()
            .contains("find.name `(` is not a regular expression"));
        let each = Discovery::new(0, "vault:secret/a/", find(), "k8s:p/").unwrap();
        assert!(matches!(each.into, Into::Each(_)));
        let one = Discovery::new(0, "vault:secret/a/", find(), "k8s:p/all").unwrap();
        assert!(matches!(one.into, Into::One(_)));
    }
}
