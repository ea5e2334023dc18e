//! What an audit tells the user on stderr besides its findings: input it
//! read but does not audit as given (objects defined twice, aggregated
//! ClusterRoles the controller has not filled); SARIF results left out are
//! told by [`super::sarif_limits::Truncated::message`].
//! Pure: lines are built here and printed by `commands::audit`, each as one
//! `warning: ...` line.

use super::inventory::Duplicate;
use super::rbac::Rbac;

/// At most this many duplicates are named one per line; the rest are
/// counted in one more line, so two copies of a large tree do not flood
/// the terminal.
pub const DUPLICATES_NAMED: usize = 5;

/// One line per object read twice (the first [`DUPLICATES_NAMED`]), then
/// one line counting the rest.
pub fn duplicates(duplicates: &[Duplicate]) -> Vec<String> {
    let mut lines: Vec<String> = duplicates
        .iter()
        .take(DUPLICATES_NAMED)
        .map(|d| {
            format!(
                "{} is defined twice, in `{}` and again in `{}`: only the second is audited",
                d.object, d.first, d.again
            )
        })
        .collect();
    let more = duplicates.len().saturating_sub(DUPLICATES_NAMED);
    if more > 0 {
        lines.push(format!(
            "{more} more object{} defined more than once ({} in all): only the last copy of each is audited; are the same manifests given twice?",
            if more == 1 { " is" } else { "s are" },
            duplicates.len()
        ));
    }
    lines
}

/// One line naming the aggregated ClusterRoles audited with rules they do
/// not hold yet ([`Rbac::pending_aggregations`]), or none.
pub fn pending_aggregations(rbac: &Rbac) -> Option<String> {
    let roles: Vec<String> = rbac
        .pending_aggregations()
        .map(|r| format!("{} ({} rules)", r.object.name, r.rules.len()))
        .collect();
    if roles.is_empty() {
        return None;
    }
    Some(format!(
        "{} aggregated ClusterRole{} hold{} no rules, as if kube-controller-manager had not aggregated {}: {}; audited with the rules {} selectors match, which the apiserver grants only once the controller writes them",
        roles.len(),
        if roles.len() == 1 { "" } else { "s" },
        if roles.len() == 1 { "s" } else { "" },
        if roles.len() == 1 { "it" } else { "them" },
        roles.join(", "),
        if roles.len() == 1 { "its" } else { "their" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::finding::{Location, ObjectRef};

    fn duplicate(i: usize) -> Duplicate {
        Duplicate {
            object: ObjectRef::namespaced("Secret", "shop", format!("s{i}")),
            first: Location {
                file: "a/shop.yaml".into(),
                line: Some(i + 1),
            },
            again: Location {
                file: "b/shop.yaml".into(),
                line: None,
            },
        }
    }

    #[test]
    fn a_few_duplicates_are_named_one_per_line() {
        let lines = duplicates(&[duplicate(0)]);
        assert_eq!(
            lines,
            ["Secret/shop/s0 is defined twice, in `a/shop.yaml:1` and again in `b/shop.yaml`: only the second is audited"]
        );
        assert!(duplicates(&[]).is_empty());
    }

    #[test]
    fn many_duplicates_are_counted_after_the_first_few() {
        let all: Vec<Duplicate> = (0..12).map(duplicate).collect();
        let lines = duplicates(&all);
        assert_eq!(lines.len(), DUPLICATES_NAMED + 1);
        assert!(
            lines[DUPLICATES_NAMED]
                .starts_with("7 more objects are defined more than once (12 in all)"),
            "{}",
            lines[DUPLICATES_NAMED]
        );
    }
}
