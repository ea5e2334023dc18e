//! `kvault get | put | ls | history`: plain access to any store.

use crate::cli::kv::{GetArgs, HistoryArgs, LsArgs, PutArgs};
use crate::exit::{Failure, Result};
use crate::output::{self, Format, Printer};
use crate::store::merge::{merge_write, MergeError};
use crate::store::{Cas, Reference, Scheme, SecretData, SecretValue, StoreConfig, Stores};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

pub async fn get(stores: &Stores, printer: &Printer, args: GetArgs) -> Result<()> {
    let reference = Reference::parse(&args.reference)?;
    let secret = stores
        .resolve(&reference)
        .await
        .map_err(|e| Failure::from(e).context(format!("cannot read `{reference}`")))?;
    let format = match args.output {
        Format::Env | Format::Dotenv => {
            let lines = if args.output == Format::Env {
                crate::export::shell_lines(&secret.data)
            } else {
                crate::export::dotenv_lines(&secret.data)
            };
            let lines =
                lines.map_err(|e| Failure::error(format!("cannot export `{reference}`: {e}")))?;
            return output::stdout_bytes(&lines);
        }
        other => other,
    };
    match (&reference.key, format) {
        // One key, table format: the raw value, so `$(kvault get ...)` works
        // and `> file` keeps binary values byte for byte. A value that is
        // not printable text is not written to a terminal.
        (Some(key), Format::Table) => {
            let value = secret.data.get(key).expect("resolve keeps the key");
            let tty = output::stdout_is_tty();
            if tty && Shown::for_terminal(value.expose()).is_base64() {
                return Err(Failure::error(format!(
                    "the value of `{key}` in `{reference}` is not printable text; not writing it to a terminal\nhelp: redirect it to a file, or use -o json (base64)"
                )));
            }
            output::stdout_bytes(value.expose())?;
            if tty {
                output::stdout_bytes(b"\n")?;
            }
            Ok(())
        }
        (_, Format::Table) => {
            let shown: Vec<(&str, Shown)> = secret
                .data
                .iter()
                .map(|(k, v)| (k, Shown::for_terminal(v.expose())))
                .collect();
            // The ENCODING column only when some value needs base64.
            let any_base64 = shown.iter().any(|(_, v)| v.is_base64());
            let rows = shown
                .into_iter()
                .map(|(k, v)| {
                    let mut row = vec![k.to_string()];
                    match v {
                        Shown::Text(t) => row.extend([t.to_string(), "text".into()]),
                        Shown::Base64(b) => row.extend([b.to_string(), "base64".into()]),
                    }
                    row.truncate(if any_base64 { 3 } else { 2 });
                    row
                })
                .collect();
            let header: &[&str] = if any_base64 {
                &["KEY", "VALUE", "ENCODING"]
            } else {
                &["KEY", "VALUE"]
            };
            printer.table(header, rows)
        }
        (_, format) => {
            let map: BTreeMap<&str, Shown> = secret
                .data
                .iter()
                .map(|(k, v)| (k, Shown::of(v.expose())))
                .collect();
            output::structured(format, &map)
        }
    }
}

/// How `get` shows one value: as it is when it is UTF-8 text, else as
/// base64. In JSON and YAML a text value is a string and any other value
/// an object `{"base64": "<standard base64, padded>"}`, so the two can never
/// be confused; a table says which in its ENCODING column. Text with control
/// characters other than newline, tab and carriage return (terminal escape
/// sequences) counts as not printable for tables and terminals only: JSON
/// and YAML escape it.
#[derive(Debug)]
enum Shown<'a> {
    Text(&'a str),
    Base64(Zeroizing<String>),
}

impl<'a> Shown<'a> {
    fn of(bytes: &'a [u8]) -> Shown<'a> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Shown::Text(text),
            Err(_) => Shown::Base64(Zeroizing::new(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                bytes,
            ))),
        }
    }

    /// For tables and terminals: base64 also for text that is not printable.
    fn for_terminal(bytes: &'a [u8]) -> Shown<'a> {
        match Shown::of(bytes) {
            Shown::Text(t)
                if t.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) =>
            {
                Shown::Base64(Zeroizing::new(base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    bytes,
                )))
            }
            other => other,
        }
    }

    fn is_base64(&self) -> bool {
        matches!(self, Shown::Base64(_))
    }
}

impl serde::Serialize for Shown<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Shown::Text(t) => serializer.serialize_str(t),
            Shown::Base64(b) => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("base64", b.as_str())?;
                map.end()
            }
        }
    }
}

/// Parse `k=v`, `k=@file`, `k=-` into secret data. Stdin is read at most once.
fn parse_pairs(pairs: &[String]) -> Result<SecretData> {
    let mut data = SecretData::new();
    let mut stdin_used = false;
    for (i, pair) in pairs.iter().enumerate() {
        // Not quoted: without `=` the whole argument may be the value.
        let Some((key, source)) = pair.split_once('=') else {
            return Err(Failure::error(format!(
                "pair {} is not KEY=VALUE, KEY=@FILE or KEY=- (it has no `=`)",
                i + 1
            )));
        };
        if key.is_empty() {
            return Err(Failure::error("a KEY=VALUE pair has an empty key"));
        }
        let value = if source == "-" {
            if stdin_used {
                return Err(Failure::error("only one value can come from stdin (KEY=-)"));
            }
            stdin_used = true;
            let buf =
                crate::prompt::secret_value(&format!("the value of `{key}`"))?.map_err(|e| {
                    Failure::error(format!("cannot read the value of `{key}` from stdin: {e}"))
                })?;
            SecretValue::new(buf.to_vec())
        } else if let Some(file) = source.strip_prefix('@') {
            let bytes = std::fs::read(file).map_err(|e| {
                Failure::error(format!(
                    "cannot read the value of `{key}` from `{file}`: {e}"
                ))
            })?;
            SecretValue::new(bytes)
        } else {
            SecretValue::from_str_value(source)
        };
        data.insert(key, value);
    }
    Ok(data)
}

pub async fn put(config: StoreConfig, printer: &Printer, args: PutArgs) -> Result<()> {
    let stores = &Stores::new(config.clone());
    let reference = Reference::parse(&args.reference)?;
    if reference.key.is_some() {
        return Err(Failure::error(format!(
            "`{}` names a key; put takes the secret's path and KEY=VALUE pairs\nhelp: kvault put {}:{} KEY=-",
            args.reference, reference.scheme, reference.path
        )));
    }
    // A broken plan stops the put before anything is written.
    let plan = args.plan.as_deref().map(super::sync::load).transpose()?;
    let data = parse_pairs(&args.pairs)?;
    let store = stores.get(reference.scheme).await?;
    let cas = match (args.cas, args.create_only) {
        (Some(v), _) => Cas::Version(v),
        (None, true) => Cas::MustNotExist,
        (None, false) => Cas::Any,
    };
    let cannot_write = |e: crate::store::StoreError| {
        Failure::from(e).context(format!("cannot write `{reference}`"))
    };
    let (version, data) = if args.merge {
        match merge_write(store.as_ref(), &reference.path, data, cas).await {
            Ok(merged) => (merged.version, merged.data),
            Err(MergeError::Read(e)) => {
                return Err(Failure::from(e).context(format!("cannot read `{reference}` to merge")))
            }
            Err(MergeError::Write(e)) => return Err(cannot_write(e)),
        }
    } else {
        let version = store
            .write(&reference.path, &data, cas)
            .await
            .map_err(cannot_write)?;
        (version, data)
    };
    let keys: Vec<&str> = data.keys().collect();
    let synced = match &plan {
        Some(plan) => Some(
            sync_now(plan, &reference, args.rollout, stores, &config)
                .await
                .map_err(|e| e.context(format!("wrote {reference}, but did not sync it")))?,
        ),
        None => None,
    };
    match args.output {
        Format::Table => {
            printer.status(format!(
                "wrote {reference} ({} {}: {}){}",
                keys.len(),
                if keys.len() == 1 { "key" } else { "keys" },
                keys.join(", "),
                if version > 0 {
                    format!(", version {version}")
                } else {
                    String::new()
                }
            ));
            if let Some(synced) = &synced {
                synced.show(printer);
            }
        }
        format => {
            let mut summary = serde_json::json!({ "reference": reference.to_string(), "version": version, "keys": keys });
            if let Some(synced) = &synced {
                summary["synced"] = serde_json::json!(synced.targets);
                summary["rollouts"] = serde_json::json!(synced.rollouts);
            }
            output::structured(format, &summary)?
        }
    }
    match synced.map(|s| s.errors).unwrap_or_default().as_slice() {
        [] => Ok(()),
        errors => Err(Failure::error(format!(
            "wrote {reference}, but syncing it to the plan's targets failed: {}",
            errors.join("; ")
        ))),
    }
}

/// What `put --plan` synced: the plan's targets that read the secret.
struct Synced {
    targets: Vec<String>,
    rollouts: Vec<String>,
    errors: Vec<String>,
}

impl Synced {
    fn show(&self, printer: &Printer) {
        if self.targets.is_empty() {
            printer.status("no entry of the plan reads it: nothing synced".to_string());
            return;
        }
        printer.status(format!("synced {}", self.targets.join(", ")));
        if !self.rollouts.is_empty() {
            printer.status(format!("rolled out {}", self.rollouts.join(", ")));
        }
    }
}

/// Sync the entries of `plan` that read `written` now, as `rotate --plan`
/// does after its new version (with `rollout`, the rest of the plan is read
/// for the workloads' hashes).
async fn sync_now(
    plan: &crate::sync::Plan,
    written: &Reference,
    rollout: bool,
    stores: &Stores,
    config: &StoreConfig,
) -> Result<Synced> {
    use crate::rotate::propagate::{propagate, targets_of};
    let cut = targets_of(plan, written);
    let mut cluster = None;
    if rollout {
        crate::sync::kube_cluster::KubeCluster::connect_if_needed(
            &mut cluster,
            &cut,
            false,
            &config.kube,
        )
        .await
        .map_err(|e| Failure::from(e).context("cannot connect to Kubernetes for rollouts"))?;
    }
    let cluster = cluster.as_ref().map(|c| c as &dyn crate::sync::Cluster);
    let done = propagate(plan, &cut, rollout, stores, cluster).await;
    Ok(Synced {
        targets: cut
            .targets
            .iter()
            .map(|t| t.reference.to_string())
            .collect(),
        rollouts: done.rollouts,
        errors: done.errors,
    })
}

/// `SCHEME:[PREFIX]`: the prefix may be empty (`local:`), unlike a reference.
fn parse_prefix(text: &str) -> Result<(Scheme, String)> {
    let scheme = Scheme::prefix_of(text).ok_or_else(|| {
        Failure::error(format!(
            "`{text}` has no known scheme (expected vault:, k8s: or local:)"
        ))
    })?;
    let prefix = &text[scheme.as_str().len() + 1..];
    if prefix.contains('#')
        || prefix.split('/').any(|s| s == "..")
        || prefix.chars().any(char::is_control)
    {
        return Err(Failure::error(format!("`{text}` is not a valid prefix")));
    }
    Ok((scheme, prefix.trim_matches('/').to_string()))
}

pub async fn ls(stores: &Stores, args: LsArgs) -> Result<()> {
    let (scheme, prefix) = parse_prefix(&args.prefix)?;
    let store = stores.get(scheme).await?;
    let listing = store
        .list_entries(&prefix)
        .await
        .map_err(|e| Failure::from(e).context(format!("cannot list `{}`", args.prefix)))?;
    // An entry that cannot be read is named, not fatal: the others are listed
    // and the exit code stays 0.
    for skipped in &listing.skipped {
        output::warning(format_args!("{}: {}", skipped.path, skipped.why));
    }
    let names = listing.names;
    match args.output {
        Format::Table => output::stdout_bytes(
            names
                .iter()
                .map(|n| format!("{n}\n"))
                .collect::<String>()
                .as_bytes(),
        ),
        format => output::structured(format, &names),
    }
}

pub async fn history(stores: &Stores, printer: &Printer, args: HistoryArgs) -> Result<()> {
    let reference = Reference::parse(&args.reference)?;
    let store = stores.get(reference.scheme).await?;
    let versions = store.versions(&reference.path).await.map_err(|e| {
        Failure::from(e).context(format!("cannot read the history of `{reference}`"))
    })?;
    match args.output {
        Format::Table => {
            let rows = versions
                .iter()
                .map(|v| {
                    let state = if v.destroyed {
                        "destroyed"
                    } else if v.deleted {
                        "deleted"
                    } else if v.current {
                        "current"
                    } else {
                        ""
                    };
                    vec![
                        v.version.to_string(),
                        v.created.clone().unwrap_or_default(),
                        state.to_string(),
                    ]
                })
                .collect();
            printer.table(&["VERSION", "CREATED", "STATE"], rows)
        }
        format => output::structured(format, &versions),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_accept_literal_and_file_values() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v");
        std::fs::write(&file, b"from-file").unwrap();
        let data = parse_pairs(&["a=1".into(), format!("b=@{}", file.display())]).unwrap();
        assert_eq!(data.get("a").unwrap().expose(), b"1");
        assert_eq!(data.get("b").unwrap().expose(), b"from-file");
    }

    #[test]
    fn a_pair_without_equals_is_refused_without_echoing_it() {
        let err = parse_pairs(&["k=v".into(), "hunter2-value".into()]).unwrap_err();
        assert!(
            err.message.contains("pair 2 is not KEY=VALUE"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("hunter2"), "{}", err.message);
    }

    #[test]
    fn values_that_are_not_utf8_are_shown_as_a_base64_object() {
        let json = |bytes: &[u8]| serde_json::to_string(&Shown::of(bytes)).unwrap();
        assert_eq!(json(b"plain"), r#""plain""#);
        assert_eq!(json(b"\xff\x00k"), r#"{"base64":"/wBr"}"#);
        // Valid UTF-8 stays a string in JSON and YAML, escapes and all ...
        assert_eq!(json(b"\x1b[2J"), r#""\u001b[2J""#);
        // ... but not in a table or on a terminal.
        assert!(Shown::for_terminal(b"\x1b[2J").is_base64());
        assert!(!Shown::for_terminal(b"line 1\nline 2\tx\r\n").is_base64());
        let yaml = serde_yaml::to_string(&BTreeMap::from([("k", Shown::of(b"\xfe"))])).unwrap();
        assert_eq!(yaml, "k:\n  base64: /g==\n");
    }

    #[test]
    fn prefixes_may_be_empty_but_not_escape() {
        assert_eq!(
            parse_prefix("local:").unwrap(),
            (Scheme::Local, String::new())
        );
        assert_eq!(parse_prefix("vault:secret/app/").unwrap().1, "secret/app");
        assert!(parse_prefix("local:../x").is_err());
        assert!(parse_prefix("nope:x").is_err());
    }
}
