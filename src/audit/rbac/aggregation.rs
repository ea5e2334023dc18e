//! ClusterRole aggregation: the rules an aggregated ClusterRole ends up
//! with, as the clusterrole-aggregation controller computes them from its
//! `aggregationRule.clusterRoleSelectors` ([`Aggregation`] says when they
//! replace the stored rules). Kept apart from the evaluator: it runs once,
//! while the evaluator is built, and holds the one fixpoint of it.

use super::rules::{own_rules, EffectiveRule, Rule};
use super::{is_bootstrap, Aggregation, Options, Rbac, RoleInfo};
use crate::audit::finding::ObjectRef;
use crate::audit::inventory::Inventory;
use k8s_openapi::api::rbac::v1::ClusterRole;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::{BTreeMap, HashSet};

/// Does `selector` match `labels`? An empty selector matches everything; an
/// invalid one (unknown operator, `In`/`NotIn` without values) nothing.
pub fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_ok = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let expressions_ok = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        let value = labels.get(&e.key);
        match e.operator.as_str() {
            "In" => !values.is_empty() && value.is_some_and(|v| values.contains(v)),
            "NotIn" => !values.is_empty() && value.is_none_or(|v| !values.contains(v)),
            "Exists" => values.is_empty() && value.is_some(),
            "DoesNotExist" => values.is_empty() && value.is_none(),
            _ => false,
        }
    });
    labels_ok && expressions_ok
}

impl Rbac {
    /// ClusterRoles (inventory first, then missing built-ins) with the
    /// rules of aggregated roles resolved.
    pub(super) fn add_cluster_roles(&mut self, inventory: &Inventory, options: Options) {
        let builtins = if options.builtin_roles {
            crate::audit::bootstrap::cluster_roles()
        } else {
            Vec::new()
        };
        let defined = defined_cluster_roles(inventory, &builtins);
        let objects: Vec<ObjectRef> = defined
            .iter()
            .map(|(r, _)| {
                ObjectRef::cluster("ClusterRole", r.metadata.name.clone().unwrap_or_default())
            })
            .collect();
        let mut effective: Vec<Vec<EffectiveRule>> = defined
            .iter()
            .zip(&objects)
            .map(|((r, _), object)| own_rules(object, r.rules.as_deref()))
            .collect();
        let aggregated = aggregation_targets(&defined, &objects);
        // The roles whose rules come from their selectors.
        let computed: HashSet<usize> = aggregated
            .iter()
            .map(|(i, _)| *i)
            .filter(|&i| match options.aggregation {
                Aggregation::Controller => true,
                Aggregation::Stored => false,
                Aggregation::StoredUnlessEmpty => effective[i].is_empty(),
            })
            .collect();
        if !computed.is_empty() {
            for &i in &computed {
                effective[i].clear();
            }
            fill_aggregates(&mut effective, &aggregated, &computed);
        }
        let is_aggregated: HashSet<usize> = aggregated.iter().map(|(i, _)| *i).collect();
        for (i, ((role, builtin), rules)) in defined.iter().zip(effective).enumerate() {
            self.add_role(RoleInfo {
                // Built-ins are templates, not stored objects.
                pending: options.aggregation == Aggregation::StoredUnlessEmpty
                    && !*builtin
                    && computed.contains(&i)
                    && !rules.is_empty(),
                object: objects[i].clone(),
                rules,
                builtin: *builtin,
                bootstrap: is_bootstrap(&role.metadata),
                aggregated: is_aggregated.contains(&i),
            });
        }
    }
}

/// The ClusterRoles to evaluate: the inventory's, then the built-ins it
/// does not define (those marked `true`).
fn defined_cluster_roles<'a>(
    inventory: &'a Inventory,
    builtins: &'a [ClusterRole],
) -> Vec<(&'a ClusterRole, bool)> {
    inventory
        .cluster_roles
        .iter()
        .map(|r| (r, false))
        .chain(
            builtins
                .iter()
                .filter(|b| {
                    !inventory
                        .cluster_roles
                        .contains("", b.metadata.name.as_deref().unwrap_or_default())
                })
                .map(|r| (r, true)),
        )
        .collect()
}

/// For each aggregated role (by index into `defined`): the roles its
/// selectors match, by name (the controller's order), itself excluded.
fn aggregation_targets(
    defined: &[(&ClusterRole, bool)],
    objects: &[ObjectRef],
) -> Vec<(usize, Vec<usize>)> {
    let empty = BTreeMap::new();
    let mut order: Vec<usize> = (0..defined.len()).collect();
    order.sort_by(|&a, &b| objects[a].name.cmp(&objects[b].name));
    defined
        .iter()
        .enumerate()
        .filter_map(|(i, (r, _))| {
            let selectors = r
                .aggregation_rule
                .as_ref()?
                .cluster_role_selectors
                .as_deref();
            let mut matched = Vec::new();
            for selector in selectors.unwrap_or_default() {
                for &j in &order {
                    let labels = defined[j].0.metadata.labels.as_ref().unwrap_or(&empty);
                    if j != i && !matched.contains(&j) && selector_matches(selector, labels) {
                        matched.push(j);
                    }
                }
            }
            Some((i, matched))
        })
        .collect()
}

/// Give each role in `computed` the union of the rules of the roles its
/// selectors match (`aggregated`), nested aggregation included.
fn fill_aggregates(
    effective: &mut [Vec<EffectiveRule>],
    aggregated: &[(usize, Vec<usize>)],
    computed: &HashSet<usize>,
) {
    // Least fixpoint: rule sets only grow, so this ends; the bound is a
    // guard.
    for _ in 0..=aggregated.len() {
        let mut changed = false;
        for (i, matched) in aggregated.iter().filter(|a| computed.contains(&a.0)) {
            let mut seen: HashSet<&Rule> = HashSet::new();
            let mut union: Vec<EffectiveRule> = Vec::new();
            for &m in matched {
                for r in &effective[m] {
                    if seen.insert(&r.rule) {
                        union.push(r.clone());
                    }
                }
            }
            if union != effective[*i] {
                drop(seen);
                effective[*i] = union;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
