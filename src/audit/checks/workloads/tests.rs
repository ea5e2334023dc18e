//! Tests of the workload checks, moved as they were from the one-file
//! module.

use super::*;
use crate::audit::load::add_text;

fn findings(yaml: &str) -> Vec<Finding> {
    let mut inv = Inventory::default();
    add_text(&mut inv, "wl.yaml", yaml, false).unwrap();
    let options = Options {
        now: 1_900_000_000,
        stale_after_days: 90,
    };
    let mut f = check(&inv, &options);
    crate::audit::finding::sort(&mut f);
    f
}

fn ids(yaml: &str) -> Vec<&'static str> {
    let mut ids: Vec<_> = findings(yaml).iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    ids
}

#[test]
fn credential_names_and_values() {
    for n in [
        "DB_PASSWORD",
        "api-key",
        "GITHUB_TOKEN",
        "client.secret",
        "MYSQL_ROOT_PWD",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(credential_name(n), "{n}");
    }
    for n in [
        "PWD",
        "PASSWORD_FILE",
        "TOKEN_TTL",
        "SECRET_NAME",
        "USERNAME",
        "AWS_ACCESS_KEY_ID",
        "LOG_LEVEL",
    ] {
        assert!(!credential_name(n), "{n}");
    }
    for v in ["hunter2!", "changeme", "1234567890"] {
        assert!(literal_credential(v), "{v}");
    }
    for v in [
        "",
        "abc",
        "$(DB_PASSWORD)",
        "${TOKEN}",
        "{{ .Values.x }}",
        "/run/secrets/db",
        "vault:secret/app#pw",
        "k8s:prod/db#password",
        "true",
        "<your-token>",
    ] {
        assert!(!literal_credential(v), "{v}");
    }
    assert!(url_with_password("postgres://app:s3cr3t@db:5432/app"));
    assert!(!url_with_password("postgres://app@db:5432/app"));
    assert!(!url_with_password("postgres://app:${PW}@db/app"));
    assert!(!url_with_password("https://example.com/a:b@c"));
}

const WORKLOAD: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      automountServiceAccountToken: false
      containers:
        - name: api
          image: api:1
          env:
            - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
            - {name: ADMIN_PASSWORD, value: "hunter2-literal"}
            - {name: DATABASE_URL, value: "postgres://u:pw-in-url@db/app"}
            - {name: OPTIONAL, valueFrom: {secretKeyRef: {name: maybe, key: k, optional: true}}}
          envFrom: [{secretRef: {name: api-env}}]
      volumes:
        - {name: tls, secret: {secretName: tls}}
        - name: proj
          projected: {sources: [{secret: {name: proj}}]}
      imagePullSecrets: [{name: regcred}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop}
"#;

fn secret(ns: &str, name: &str) -> String {
    format!("---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {ns}}}\ndata: {{k: dg==}}\n")
}

#[test]
fn workload_references_env_and_literals() {
    let mut yaml = WORKLOAD.to_string();
    for s in ["db", "api-env", "tls", "proj", "regcred"] {
        yaml += &secret("shop", s);
    }
    let f = findings(&yaml);
    let ids: Vec<_> = f.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["KV-WL-002", "KV-WL-001"], "{f:#?}");
    let literal = &f[0];
    assert!(literal.evidence.contains("`ADMIN_PASSWORD`"));
    assert!(literal
        .evidence
        .contains("`DATABASE_URL` (URL with a password)"));
    assert!(!format!("{f:?}").contains("hunter2"));
    assert!(!format!("{f:?}").contains("pw-in-url"));
    assert!(f[1].evidence.contains("env `DB_PASSWORD`"));
    assert!(f[1].evidence.contains("envFrom"));
}

#[test]
fn missing_unused_and_legacy_secrets() {
    let yaml = format!(
        "{WORKLOAD}{}{}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: old-token\n  namespace: shop\n  annotations: {{kubernetes.io/service-account.name: api}}\ntype: kubernetes.io/service-account-token\n",
        secret("shop", "db"),
        secret("shop", "forgotten"),
    );
    let f = findings(&yaml);
    let missing: Vec<String> = f
        .iter()
        .filter(|f| f.id.as_str() == "KV-WL-007")
        .map(|f| f.objects[1].name.clone())
        .collect();
    assert_eq!(missing, ["api-env", "proj", "regcred", "tls"]);
    let unused: Vec<&str> = f
        .iter()
        .filter(|f| f.id.as_str() == "KV-WL-008")
        .map(|f| f.objects[0].name.as_str())
        .collect();
    assert_eq!(unused, ["forgotten"]);
    assert_eq!(f.iter().filter(|f| f.id.as_str() == "KV-WL-006").count(), 1);
}

#[test]
fn default_service_account_and_automount() {
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  containers: [{name: c, image: x}]
"#;
    assert_eq!(ids(pod), ["KV-WL-004", "KV-WL-005"]);
    let sa_off = format!("{pod}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: default, namespace: a}}\nautomountServiceAccountToken: false\n");
    assert_eq!(ids(&sa_off), ["KV-WL-004"]);
    let pod_on = sa_off.replace("spec:\n", "spec:\n  automountServiceAccountToken: true\n");
    assert_eq!(ids(&pod_on), ["KV-WL-004", "KV-WL-005"]);
    let by_hand = sa_off.replace(
        "spec:\n",
        "spec:\n  volumes: [{name: tok, projected: {sources: [{serviceAccountToken: {path: t}}]}}]\n",
    );
    assert_eq!(ids(&by_hand), ["KV-WL-004", "KV-WL-005"]);
    let f = findings(&by_hand);
    assert!(
        f[1].evidence
            .contains("volume `tok` projects a serviceAccountToken"),
        "{}",
        f[1].evidence
    );
}

#[test]
fn controlled_pods_report_on_their_controller() {
    let yaml = r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: a}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: rs-x
  namespace: a
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u, controller: true}]
spec: {containers: [{name: c, image: x}]}
"#;
    let f = findings(yaml);
    assert!(
        f.iter().all(|f| f.objects[0].kind == "ReplicaSet"),
        "{f:#?}"
    );
}

#[test]
fn ingress_tls_counts_and_stale_secrets() {
    let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: w}
spec:
  tls: [{hosts: [a.example], secretName: web-tls}]
---
apiVersion: v1
kind: Secret
metadata: {name: web-tls, namespace: w, creationTimestamp: "2020-01-01T00:00:00Z"}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
"#;
    let f = findings(yaml);
    assert_eq!(
        f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["KV-WL-009"]
    );
    assert!(f[0].evidence.contains("2020-01-01"));
}

#[test]
fn config_map_credentials() {
    let yaml = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: a}
data:
  LOG_LEVEL: debug
  DB_PASSWORD_FILE: /run/secrets/db
  SMTP_PASSWORD: "mail-literal-1"
  application.properties: |
    # comment: password=not-this
    spring.datasource.url=jdbc:postgresql://db/app
    spring.datasource.password=props-literal-2
    api.token=${API_TOKEN}
  db.conf: |
    jdbc:postgresql://app:url-literal-3@db/app
  pg.conf: |
    # a comment
    postgres://app:url-literal-4@db/app
"#;
    let f = findings(yaml);
    let cm = f.iter().find(|f| f.id.as_str() == "KV-WL-003").unwrap();
    assert!(
        cm.evidence.contains("key `db.conf` (URL with a password)"),
        "{}",
        cm.evidence
    );
    assert!(
        cm.evidence.contains("key `pg.conf` (URL with a password)"),
        "{}",
        cm.evidence
    );
    assert!(!cm.evidence.contains("jdbc"), "{}", cm.evidence);
    assert!(
        cm.evidence.contains("key `SMTP_PASSWORD`"),
        "{}",
        cm.evidence
    );
    assert!(
        cm.evidence
            .contains("line 3 (`spring.datasource.password`)"),
        "{}",
        cm.evidence
    );
    assert!(!cm.evidence.contains("api.token"));
    assert!(!cm.evidence.contains("literal-"));
}
