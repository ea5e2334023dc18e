//! Tests of the offline loader, moved as they were from the one-file
//! module.

use super::documents::{document_lines, split_point, yaml_documents, PARALLEL_BYTES};
use super::typed::without_values;
use super::*;
use crate::audit::finding::ObjectRef;

fn inventory(yaml: &str) -> Inventory {
    let mut inv = Inventory::default();
    add_text(&mut inv, "test.yaml", yaml, false).unwrap();
    inv
}

#[test]
fn the_split_point_never_cuts_a_character() {
    assert_eq!(split_point("ᴀຌ𐬹"), None);
    let text = format!("{}\n---\nb: 1\n", "é".repeat(11));
    assert_eq!(split_point(&text), Some(23));
}

#[test]
fn large_inputs_parse_in_halves_like_the_whole() {
    let mut text = String::from("# header\n");
    for i in 0..6000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata:\n  k: |\n    ---x\n    v{i}\n"
        ));
    }
    assert!(text.len() >= PARALLEL_BYTES);
    let cut = split_point(&text).unwrap();
    assert!(text[cut..].starts_with("---\n"));
    let docs = yaml_documents("big.yaml", &text).unwrap();
    assert_eq!(docs.len(), 6000);
    assert_eq!(docs[5999].1, Some(text.lines().count() - 6));
    let mut inv = Inventory::default();
    add_text(&mut inv, "big.yaml", &text, false).unwrap();
    assert_eq!(inv.config_maps.len(), 6000);
    // An error in the second half still names the right line.
    let broken = format!("{text}---\nkey: [unclosed\n");
    let msg = add_text(&mut Inventory::default(), "big.yaml", &broken, false)
        .unwrap_err()
        .to_string();
    let last = broken.lines().count();
    assert!(
        msg.contains(&format!("line {last}")) || msg.contains(&format!("line {}", last + 1)),
        "{msg}"
    );
}

#[test]
fn document_lines_follow_separators() {
    assert_eq!(document_lines("a: 1\n---\nb: 2\n"), [1, 3]);
    assert_eq!(document_lines("# c\n---\n\na: 1\n---\nb: 2"), [4, 6]);
    assert_eq!(document_lines("---\na: 1\n---\n"), [2, 3]);
    assert_eq!(document_lines("--- {a: 1}\n"), [1]);
    assert_eq!(document_lines(""), Vec::<usize>::new());
}

#[test]
fn multi_documents_lists_and_unknown_kinds() {
    let inv = inventory(
        r#"
apiVersion: v1
kind: Secret
metadata: {name: a, namespace: shop}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: app}
  - apiVersion: example.com/v1
    kind: Widget
    metadata: {name: w}
---
replicas: 3
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np}
"#,
    );
    assert!(inv.secrets.contains("shop", "a"));
    assert!(inv.service_accounts.contains("default", "app"));
    assert_eq!(inv.skipped, 3);
    let loc = inv
        .location(&ObjectRef::namespaced("Secret", "shop", "a"))
        .unwrap();
    assert_eq!(loc.line, Some(2));
}

#[test]
fn secret_values_are_blanked_before_typing() {
    let inv = inventory(
        r#"
apiVersion: v1
kind: Secret
metadata:
  name: s
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"p":"hunter2-canary"}}'
data: {p: "not base64 at all!"}
stringData: {q: hunter2-canary}
"#,
    );
    let secret = inv.secrets.get("default", "s").unwrap();
    let dump = format!("{secret:?}");
    assert!(!dump.contains("hunter2"), "{dump}");
    assert!(secret.data.as_ref().unwrap().contains_key("p"));
    assert!(secret.string_data.as_ref().unwrap().contains_key("q"));
}

#[test]
fn syntax_errors_name_line_and_column() {
    let mut inv = Inventory::default();
    let err = add_text(&mut inv, "bad.yaml", "a: 1\nb: [1, 2\n", false).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`bad.yaml`"), "{msg}");
    assert!(msg.contains("line"), "{msg}");
}

#[test]
fn type_errors_never_quote_the_value_that_did_not_fit() {
    assert_eq!(
        without_values(r#"invalid type: string "hun\"ter2", expected i32 at line 3"#),
        "invalid type: string, expected i32 at line 3"
    );
    assert_eq!(
        without_values("invalid type: integer `123456`, expected a string; unknown variant `pw`, expected `a`; unknown field `x`"),
        "invalid type: integer, expected a string; unknown variant, expected `a`; unknown field `x`"
    );
    for doc in [
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - {name: PIN, value: 987654321}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbinaryData: {k: 'canary-not-base64!'}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: 987654321.5}\n",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {k: true, j: [canary-in-a-list]}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: canary-replicas}\n",
    ] {
        let Err(e) = add_text(&mut Inventory::default(), "v.yaml", doc, false) else {
            continue;
        };
        let msg = e.to_string();
        for value in ["987654321", "canary"] {
            assert!(!msg.contains(value), "{msg}");
        }
    }
}

#[test]
fn type_errors_name_the_object_and_line() {
    let mut inv = Inventory::default();
    let text = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: many\n";
    let msg = add_text(&mut inv, "d.yaml", text, false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("Deployment `default/api`"), "{msg}");
    assert!(msg.contains("line 9"), "{msg}");
}

#[test]
fn older_group_versions_and_cluster_scope() {
    let inv = inventory(
        r#"
apiVersion: rbac.authorization.k8s.io/v1beta1
kind: ClusterRole
metadata: {name: r, namespace: ignored}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
"#,
    );
    assert!(inv.cluster_roles.contains("", "r"));
}

#[test]
fn json_documents_and_lists() {
    let mut inv = Inventory::default();
    let text = r#"{"apiVersion":"v1","kind":"SecretList","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"j","namespace":"x"},"data":{"k":"dmFsdWU="}}]}"#;
    add_text(&mut inv, "s.json", text, true).unwrap();
    assert!(inv.secrets.contains("x", "j"));
}

#[test]
fn apiserver_static_pod_gives_flag_evidence() {
    let inv = inventory(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp1, namespace: kube-system, labels: {component: kube-apiserver, tier: control-plane}}
spec:
  containers:
    - name: kube-apiserver
      image: registry.k8s.io/kube-apiserver:v1.34.0
      command: [kube-apiserver, --authorization-mode=Node,RBAC]
"#,
    );
    assert_eq!(inv.encryption.len(), 1);
    assert_eq!(
        inv.encryption[0].observation,
        Observation::ProviderConfigFlag(None)
    );
    assert!(inv.apiserver.is_some());
}

const WORDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "v1",
    "apps/v1",
    "rbac.authorization.k8s.io/v1",
    "Secret",
    "ConfigMap",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Deployment",
    "Pod",
    "List",
    "items",
    "rules",
    "verbs",
    "resources",
    "secrets",
    "subjects",
    "roleRef",
    "data",
    "stringData",
    "spec",
    "template",
    "containers",
    "env",
    "valueFrom",
    "secretKeyRef",
    "EncryptionConfiguration",
    "providers",
    "identity",
    "aggregationRule",
    "*",
    "~",
    "1",
];

proptest::proptest! {
    /// Whatever the text, loading adds objects or fails with one error
    /// line naming the input, never a panic.
    #[test]
    fn any_text_loads_or_fails_in_one_line(text in crate::yaml_noise::yaml_noise(WORDS)) {
        let mut inv = Inventory::default();
        if let Err(e) = add_text(&mut inv, "fuzz.yaml", &text, false) {
            let line = e.to_string();
            proptest::prop_assert!(line.contains("fuzz.yaml"), "{}", line);
            proptest::prop_assert!(!line.contains('\n'), "{}", line);
        }
    }
}
