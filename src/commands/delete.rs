//! `kvault delete`: a secret, chosen versions of it, or one key.

use crate::cli::delete::DeleteArgs;
use crate::exit::{Failure, Result};
use crate::output::Printer;
use crate::store::{Cas, Deletion, Reference, SecretStore, StoreError, Stores};
use std::io::IsTerminal;

/// What the arguments ask for, checked before any store is asked.
enum Plan {
    /// The latest version (a plain delete where the store keeps no versions).
    Latest,
    /// `delete_versions` with this.
    Chosen(Deletion),
    /// The latest version, permanently: its number is looked up first.
    DestroyLatest,
    /// One key: the secret written again without it.
    Key(String),
}

fn plan(reference: &Reference, args: &DeleteArgs) -> Result<Plan> {
    if reference.version.is_some() {
        return Err(Failure::error(format!(
            "`{reference}` pins a version; delete takes SCHEME:PATH[#KEY]\nhelp: kvault delete {}:{} --versions {}",
            reference.scheme,
            reference.path,
            reference.version.unwrap_or_default()
        )));
    }
    if let Some(key) = &reference.key {
        if !args.versions.is_empty() || args.destroy || args.all_versions {
            return Err(Failure::error(format!(
                "`{reference}` names a key; --versions, --destroy and --all-versions apply to a whole secret\nhelp: kvault delete {}:{} ...",
                reference.scheme, reference.path
            )));
        }
        return Ok(Plan::Key(key.clone()));
    }
    let mut versions = args.versions.clone();
    versions.sort_unstable();
    versions.dedup();
    if versions.contains(&0) {
        return Err(Failure::error("--versions: versions are numbered from 1"));
    }
    Ok(
        match (versions.is_empty(), args.destroy, args.all_versions) {
            (_, _, true) => Plan::Chosen(Deletion::All),
            (true, false, false) => Plan::Latest,
            (true, true, false) => Plan::DestroyLatest,
            (false, false, false) => Plan::Chosen(Deletion::Versions(versions)),
            (false, true, false) => Plan::Chosen(Deletion::Destroy(versions)),
        },
    )
}

fn versions_text(versions: &[u64]) -> String {
    let list: Vec<String> = versions.iter().map(u64::to_string).collect();
    format!(
        "{} {}",
        if versions.len() == 1 {
            "version"
        } else {
            "versions"
        },
        list.join(", ")
    )
}

pub async fn run(stores: &Stores, printer: &Printer, args: DeleteArgs) -> Result<()> {
    let reference = Reference::parse(&args.reference)?;
    let plan = plan(&reference, &args)?;
    // Without a terminal there is no one to ask: refuse before any request.
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !args.yes && !terminal {
        return Err(Failure::error(format!(
            "not deleting `{reference}`: no terminal to confirm on; pass --yes to delete without asking"
        )));
    }
    let store = stores.get(reference.scheme).await?;
    let deleting = Deleting {
        store: store.as_ref(),
        path: reference.path.as_str(),
        secret: format!("{}:{}", reference.scheme, reference.path),
        reference: &reference,
        yes: args.yes,
    };
    let done = match plan {
        Plan::Key(key) => deleting.key(&key).await?,
        Plan::Latest => deleting.latest().await?,
        // Chosen versions of a store that keeps none.
        Plan::DestroyLatest | Plan::Chosen(Deletion::Versions(_) | Deletion::Destroy(_))
            if !deleting.versioned().await? =>
        {
            return Err(deleting.keeps_no_versions());
        }
        Plan::DestroyLatest => deleting.destroy_latest().await?,
        Plan::Chosen(Deletion::All) if !deleting.versioned().await? => {
            deleting.unversioned().await?
        }
        Plan::Chosen(which) => deleting.chosen(which).await?,
    };
    printer.status(done);
    Ok(())
}

/// One secret being deleted from, step by step; each step asks before it
/// changes anything and returns the line to print when done.
struct Deleting<'a> {
    store: &'a dyn SecretStore,
    path: &'a str,
    /// SCHEME:PATH, for questions and messages.
    secret: String,
    reference: &'a Reference,
    /// `--yes`: do not ask.
    yes: bool,
}

impl Deleting<'_> {
    fn cannot(&self, e: StoreError) -> Failure {
        Failure::from(e).context(format!("cannot delete `{}`", self.reference))
    }

    /// Ask `what?` unless `--yes`; a "no" ends the run (exit 1).
    fn ask(&self, what: &str) -> Result<()> {
        if self.yes || crate::prompt::confirm(what)? {
            Ok(())
        } else {
            Err(Failure::no(format!(
                "not deleting `{}`: not confirmed",
                self.reference
            )))
        }
    }

    async fn versioned(&self) -> Result<bool> {
        let capabilities = self.store.capabilities(self.path).await;
        Ok(capabilities.map_err(|e| self.cannot(e))?.versions)
    }

    fn keeps_no_versions(&self) -> Failure {
        Failure::error(format!(
            "cannot delete `{}`: {} keeps no versions of `{}` (KV v1 and Kubernetes keep only the secret)\nhelp: kvault delete {} without --versions or --destroy",
            self.reference,
            self.store.describe(),
            self.path,
            self.secret
        ))
    }

    /// One key: the secret written again without it.
    async fn key(&self, key: &str) -> Result<String> {
        let (reference, secret, path) = (self.reference, &self.secret, self.path);
        let current = self
            .store
            .read(path, None)
            .await
            .map_err(|e| self.cannot(e))?;
        let mut data = current.data;
        if data.remove(key).is_none() {
            return Err(Failure::no(format!(
                "cannot delete `{reference}`: key `{key}` not found in `{path}` ({})",
                self.store.describe()
            )));
        }
        if data.is_empty() {
            return Err(Failure::error(format!(
                "not deleting `{reference}`: `{key}` is the only key of `{secret}`\nhelp: kvault delete {secret}"
            )));
        }
        self.ask(&format!("remove key `{key}` from {secret}"))?;
        let cas = match current.version {
            Some(v) if v > 0 => Cas::Version(v),
            _ => Cas::Any,
        };
        let version = self
            .store
            .write(path, &data, cas)
            .await
            .map_err(|e| self.cannot(e))?;
        still_gone(self.store, path, key, reference).await?;
        Ok(match version {
            0 => format!("removed key `{key}` from {secret}"),
            v => format!("removed key `{key}` from {secret} (now version {v})"),
        })
    }

    /// The latest version (a plain delete where the store keeps no versions).
    async fn latest(&self) -> Result<String> {
        // Read first: a store may answer "done" for nothing to delete.
        let current = self
            .store
            .read(self.path, None)
            .await
            .map_err(|e| self.cannot(e))?;
        let what = match current.version.filter(|v| *v > 0) {
            Some(v) if self.versioned().await? => {
                format!("{} ({})", self.secret, versions_text(&[v]))
            }
            _ => self.secret.clone(),
        };
        self.ask(&format!("delete {what}"))?;
        self.store
            .delete(self.path)
            .await
            .map_err(|e| self.cannot(e))?;
        Ok(format!("deleted {what}"))
    }

    /// The latest version, permanently: its number is looked up first.
    async fn destroy_latest(&self) -> Result<String> {
        let latest = latest_version(self.store, self.path, self.reference).await?;
        let which = Deletion::Destroy(vec![latest]);
        let what = format!("{} ({})", self.secret, versions_text(&[latest]));
        self.ask(&format!("destroy {what} permanently"))?;
        self.store
            .delete_versions(self.path, &which)
            .await
            .map_err(|e| self.cannot(e))?;
        Ok(format!("destroyed {what}"))
    }

    /// `--all-versions` where the store keeps none: nothing but the secret
    /// itself to remove.
    async fn unversioned(&self) -> Result<String> {
        let secret = &self.secret;
        self.store
            .read(self.path, None)
            .await
            .map_err(|e| self.cannot(e))?;
        self.ask(&format!("delete {secret}"))?;
        self.store
            .delete(self.path)
            .await
            .map_err(|e| self.cannot(e))?;
        Ok(format!("deleted {secret}"))
    }

    /// `delete_versions` with `which`, once each version named is known.
    async fn chosen(&self, which: Deletion) -> Result<String> {
        let secret = &self.secret;
        let known = self
            .store
            .versions(self.path)
            .await
            .map_err(|e| self.cannot(e))?;
        let (verb, what) = match &which {
            Deletion::All => ("deleted", format!("{secret} (all versions and metadata)")),
            Deletion::Versions(v) | Deletion::Destroy(v) => {
                if let Some(missing) = v.iter().find(|n| !known.iter().any(|k| k.version == **n)) {
                    return Err(Failure::no(format!(
                        "cannot delete `{}`: version {missing} of `{}` not found in {}",
                        self.reference,
                        self.path,
                        self.store.describe()
                    )));
                }
                let verb = if matches!(which, Deletion::Destroy(_)) {
                    "destroyed"
                } else {
                    "deleted"
                };
                (verb, format!("{secret} ({})", versions_text(v)))
            }
        };
        let question = match which {
            Deletion::Versions(_) => format!("delete {what}"),
            Deletion::Destroy(_) => format!("destroy {what} permanently"),
            Deletion::All => format!("delete {what} permanently"),
        };
        self.ask(&question)?;
        self.store
            .delete_versions(self.path, &which)
            .await
            .map_err(|e| self.cannot(e))?;
        Ok(format!("{verb} {what}"))
    }
}

/// The newest version of `path` not yet destroyed.
async fn latest_version(store: &dyn SecretStore, path: &str, reference: &Reference) -> Result<u64> {
    let versions = store
        .versions(path)
        .await
        .map_err(|e| Failure::from(e).context(format!("cannot delete `{reference}`")))?;
    versions
        .iter()
        .filter(|v| !v.destroyed)
        .map(|v| v.version)
        .max()
        .ok_or_else(|| {
            Failure::no(format!(
                "cannot delete `{reference}`: every version of `{path}` is destroyed already"
            ))
        })
}

/// After a write without `key`, make sure it is gone: a Kubernetes Secret
/// whose key another field manager owns keeps it through kvault's apply.
async fn still_gone(
    store: &dyn SecretStore,
    path: &str,
    key: &str,
    reference: &Reference,
) -> Result<()> {
    match store.read(path, None).await {
        Ok(after) if after.data.get(key).is_some() => Err(Failure::error(format!(
            "cannot delete `{reference}`: the key is still there after the write ({} keeps it: in Kubernetes, another field manager owns it)\nhelp: kubectl edit secret, or kvault delete the whole secret",
            store.describe()
        ))),
        _ => Ok(()),
    }
}
