//! `kvault cp SRC DST`: copy a secret, or one key, from any store to any store.

use crate::cli::cp::CpArgs;
use crate::exit::{Failure, Result};
use crate::output::Printer;
use crate::store::{Cas, Reference, SecretData, SecretStore, StoreError, Stores};

pub async fn run(stores: &Stores, printer: &Printer, args: CpArgs) -> Result<()> {
    let src = Reference::parse(&args.source)?;
    let dst = destination(&src, Reference::parse(&args.destination)?)?;
    let from = stores
        .resolve(&src)
        .await
        .map_err(|e| Failure::from(e).context(format!("cannot read `{src}`")))?;
    let store = stores.get(dst.scheme).await?;
    let target = format!("{}:{}", dst.scheme, dst.path);
    let existing = match store.read(&dst.path, None).await {
        Ok(secret) => Some(secret),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(Failure::from(e).context(format!("cannot read `{target}`"))),
    };
    let (data, cas) = match existing {
        None => (from.data, Cas::MustNotExist),
        Some(current) => {
            let cas = match current.version {
                Some(v) if v > 0 => Cas::Version(v),
                _ => Cas::Any,
            };
            (merged(&args, &dst, current.data, from.data)?, cas)
        }
    };
    let data = match (&src.key, &dst.key) {
        // A new secret from one key: under the destination's key name.
        (Some(_), Some(key)) if cas == Cas::MustNotExist => rename_only(data, key),
        _ => data,
    };
    let version = write(store.as_ref(), &dst, &data, cas).await?;
    printer.status(format!(
        "copied {src} -> {dst}{}",
        if version > 0 {
            format!(" (version {version})")
        } else {
            String::new()
        }
    ));
    Ok(())
}

/// The destination as written to: checked against the source, and one key
/// copied into a whole secret keeps its name.
fn destination(src: &Reference, mut dst: Reference) -> Result<Reference> {
    if dst.version.is_some() {
        return Err(Failure::error(format!(
            "`{dst}` pins a version; a destination is written as a new version\nhelp: kvault cp {src} {}:{}#{}",
            dst.scheme,
            dst.path,
            dst.key.as_deref().unwrap_or_default()
        )));
    }
    match (&src.key, &dst.key) {
        (None, Some(_)) => {
            return Err(Failure::error(format!(
                "cannot copy the whole secret `{src}` into one key (`{dst}`)\nhelp: name a key of the source (SRC#KEY), or drop #KEY from the destination"
            )))
        }
        // One key into a secret: it keeps its name.
        (Some(key), None) => dst.key = Some(key.clone()),
        _ => {}
    }
    if src.scheme == dst.scheme
        && src.path == dst.path
        && src.version.is_none()
        && (src.key == dst.key || src.key.is_none())
    {
        return Err(Failure::error(format!(
            "`{src}` and `{dst}` are the same secret; nothing to copy"
        )));
    }
    Ok(dst)
}

/// What to write over an existing destination holding `current`:
/// `--overwrite` replaces, `--merge` adds the source's keys, one key is
/// added to the others; anything else is refused.
fn merged(
    args: &CpArgs,
    dst: &Reference,
    current: SecretData,
    from: SecretData,
) -> Result<SecretData> {
    let target = format!("{}:{}", dst.scheme, dst.path);
    let refuse = |what: &str| {
        Failure::error(format!(
            "not copying to `{dst}`: {what} exists already\nhelp: --overwrite to replace it{}",
            if dst.key.is_none() {
                ", --merge to add the keys of the source to it"
            } else {
                ""
            }
        ))
    };
    Ok(match &dst.key {
        // One key into an existing secret: its other keys stay.
        Some(key) => {
            if current.get(key).is_some() && !args.overwrite {
                return Err(refuse(&format!("key `{key}` of `{target}`")));
            }
            let value = from
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .expect("resolve keeps the key");
            let mut data = current;
            data.insert(key.clone(), value);
            data
        }
        None if args.overwrite => from,
        None if args.merge => {
            let mut data = current;
            for (k, v) in from {
                data.insert(k, v);
            }
            data
        }
        None => return Err(refuse(&format!("`{target}`"))),
    })
}

/// Write `data` to the destination; the new version (0 for a store
/// without versions).
async fn write(
    store: &dyn SecretStore,
    dst: &Reference,
    data: &SecretData,
    cas: Cas,
) -> Result<u64> {
    let cannot = |e: StoreError| Failure::from(e).context(format!("cannot write `{dst}`"));
    Ok(match store.write(&dst.path, data, cas).await {
        // KV v2 keeps the history of a deleted secret, and its check-and-set
        // counts it: write on top of the deleted latest version, still
        // guarded, if nothing live was written there meanwhile.
        Err(e @ StoreError::CasConflict { .. }) if cas == Cas::MustNotExist => {
            match deleted_latest(store, &dst.path).await {
                Some(latest) => store
                    .write(&dst.path, data, Cas::Version(latest))
                    .await
                    .map_err(cannot)?,
                None => return Err(cannot(e)),
            }
        }
        other => other.map_err(cannot)?,
    })
}

/// The latest version of `path` when it is deleted or destroyed (a secret
/// with a history but no current version); `None` otherwise.
async fn deleted_latest(store: &dyn SecretStore, path: &str) -> Option<u64> {
    let versions = store.versions(path).await.ok()?;
    let latest = versions.iter().max_by_key(|v| v.version)?;
    (latest.deleted || latest.destroyed).then_some(latest.version)
}

/// The one value of `data` under `key`.
fn rename_only(data: SecretData, key: &str) -> SecretData {
    data.into_iter()
        .map(|(_, v)| (key.to_string(), v))
        .collect()
}
