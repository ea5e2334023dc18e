//! Sync plans that say what ExternalSecrets say, on a real OpenBao and
//! kube-apiserver: a templated TLS Secret (type, labels, annotations), a
//! dockerconfigjson and a connection string built from several keys, a
//! base64-decoding entry; a changed label is written with the same data;
//! a type Kubernetes cannot change is one clear error. No value printed.

use crate::sync::World;
use base64::Engine as _;
use serde_json::{json, Value};

const KEY: &str = "TemplCanary-key-3141";
const PASS: &str = "TemplCanary-pass-2718";

fn plan(label: &str) -> String {
    format!(
        r#"
secrets:
  - source: vault:secret/web/tls
    target: k8s:prod/web-tls
    template:
      type: kubernetes.io/tls
      labels: {{app: web, tier: "{label}"}}
      annotations: {{owner: team-web}}
      data:
        tls.crt: "{{{{ .cert }}}}"
        tls.key: "{{{{ .key }}}}"
  - source: vault:secret/registry
    target: k8s:prod/pull
    template:
      type: kubernetes.io/dockerconfigjson
      data:
        .dockerconfigjson: '{{"auths":{{"{{{{ .registry }}}}":{{"auth":"{{{{ printf "%s:%s" .user .password | b64enc }}}}"}}}}}}'
  - source: vault:secret/db
    target: k8s:prod/db
    decodingStrategy: Base64
    template:
      mergePolicy: Merge
      data:
        url: "postgres://{{{{ .user }}}}:{{{{ .password }}}}@db:5432/app"
"#
    )
}

#[test]
fn templates_shape_the_secret_and_build_keys_from_several_sources() {
    let w = World::start();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    w.bao.must(&[
        "kv",
        "put",
        "secret/web/tls",
        "cert=CERT-PEM",
        &format!("key={KEY}"),
    ]);
    w.bao.must(&[
        "kv",
        "put",
        "secret/registry",
        "registry=ghcr.io",
        "user=bot",
        &format!("password={PASS}"),
    ]);
    w.bao.must(&[
        "kv",
        "put",
        "secret/db",
        &format!("user={}", b64("app")),
        &format!("password={}", b64(PASS)),
    ]);
    w.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
    );
    let first = w.plan("plan.yaml", &plan("front"));
    let report = w.sync(&first, &[], 0);
    assert_eq!(report["created"], 3, "{report}");

    let tls = w.secret("web-tls");
    assert_eq!(tls["type"], "kubernetes.io/tls");
    assert_eq!(tls["metadata"]["labels"]["app"], "web");
    assert_eq!(
        tls["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kvault"
    );
    assert_eq!(tls["metadata"]["annotations"]["owner"], "team-web");
    assert!(tls["metadata"]["annotations"]["kvault.dev/template"].is_string());
    assert_eq!(w.secret_value("web-tls", "tls.key"), KEY);
    assert_eq!(keys(&tls), ["tls.crt", "tls.key"]);

    let pull = w.secret("pull");
    assert_eq!(pull["type"], "kubernetes.io/dockerconfigjson");
    let config: Value = serde_json::from_str(&w.secret_value("pull", ".dockerconfigjson")).unwrap();
    assert_eq!(
        config["auths"]["ghcr.io"]["auth"],
        b64(&format!("bot:{PASS}"))
    );

    let db = w.secret("db");
    assert_eq!(
        keys(&db),
        ["password", "url", "user"],
        "merged: source keys and url"
    );
    assert_eq!(
        w.secret_value("db", "password"),
        PASS,
        "decoded from base64"
    );
    assert_eq!(
        w.secret_value("db", "url"),
        format!("postgres://app:{PASS}@db:5432/app")
    );

    // The same plan again writes nothing; a changed label is written.
    assert_eq!(w.sync(&first, &[], 0)["unchanged"], 3);
    let relabelled = w.plan("relabelled.yaml", &plan("back"));
    let again = w.sync(&relabelled, &[], 0);
    assert_eq!(again["unchanged"], 2, "{again}");
    assert_eq!(w.secret("web-tls")["metadata"]["labels"]["tier"], "back");

    // Kubernetes keeps a Secret's type: asking for another is one error.
    let retyped = w.plan(
        "retyped.yaml",
        "secrets:\n  - source: vault:secret/web/tls\n    target: k8s:prod/web-tls\n    template: {type: Opaque}\n",
    );
    let failed = w.sync(&retyped, &[], 2);
    let error = failed["errors"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        error.contains("is a Secret of type kubernetes.io/tls")
            && error.contains("delete the Secret"),
        "{failed}"
    );
    w.assert_printed_none_of(&[KEY, PASS]);
}

fn keys(secret: &Value) -> Vec<String> {
    secret["data"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}
