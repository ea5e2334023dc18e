//! `kvault diff A B`: compare two secrets key by key, never showing values.

use crate::cli::diff::DiffArgs;
use crate::exit::{Code, Failure, Result};
use crate::output::{self, Format, Printer};
use crate::store::compare::compare;
use crate::store::{Reference, SecretData, Stores};

/// Read what `text` names; for diff every failure is an error (exit 2),
/// a secret that does not exist included, as diff(1) treats a missing file.
async fn read(stores: &Stores, reference: &Reference) -> Result<SecretData> {
    stores
        .resolve(reference)
        .await
        .map(|s| s.data)
        .map_err(|e| {
            Failure::from(e)
                .context(format!("cannot read `{reference}`"))
                .as_error()
        })
}

pub async fn run(stores: &Stores, printer: &Printer, args: DiffArgs) -> Result<Code> {
    let a = Reference::parse(&args.a)?;
    let b = Reference::parse(&args.b)?;
    if a.key.is_some() != b.key.is_some() {
        return Err(Failure::error(format!(
            "cannot compare `{a}` with `{b}`: compare a key with a key (#KEY on both) or a secret with a secret"
        )));
    }
    let (a_data, b_data) = tokio::try_join!(read(stores, &a), read(stores, &b))?;
    // Two keys: their values are compared, under A's key name.
    let b_data = match (&a.key, &b.key) {
        (Some(ka), Some(kb)) if ka != kb => {
            b_data.into_iter().map(|(_, v)| (ka.clone(), v)).collect()
        }
        _ => b_data,
    };
    let comparison = compare(&a_data, &b_data);
    match args.output {
        Format::Table => {
            let rows = comparison
                .keys()
                .into_iter()
                .map(|(key, state)| vec![key.to_string(), state.as_str().to_string()])
                .collect();
            printer.status(format!("A: {a}\nB: {b}"));
            printer.table(&["KEY", "STATE"], rows)?;
        }
        format => output::structured(
            format,
            &serde_json::json!({
                "a": a.to_string(),
                "b": b.to_string(),
                "equal": comparison.is_equal(),
                "only_in_a": comparison.only_in_a,
                "only_in_b": comparison.only_in_b,
                "different": comparison.different,
                "equal_keys": comparison.equal,
            }),
        )?,
    }
    Ok(Code::of_diff(&comparison))
}
