//! `issue` entries on a real OpenBao (PKI) and kube-apiserver: a
//! certificate is issued once into a TLS Secret, kept by the runs after,
//! issued anew only when less than `renewBefore` is left, and a dry run
//! issues nothing.

use crate::sync::World;
use serde_json::json;

fn plan(renew_before: &str) -> String {
    format!(
        "secrets:\n  - issue: vault:pki/issue/web\n    params: {{common_name: app.test.local, ttl: 30m}}\n    renewBefore: {renew_before}\n    target: k8s:prod/web-tls\n    template:\n      type: kubernetes.io/tls\n      data: {{tls.crt: '{{{{ .certificate }}}}', tls.key: '{{{{ .private_key }}}}'}}\n"
    )
}

#[test]
fn a_certificate_is_issued_once_kept_and_issued_again_only_when_due() {
    let w = World::start();
    w.bao.pki_with_web_role("24h", &[]);
    w.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
    );
    let keep = w.plan("keep.yaml", &plan("5m"));
    let first = w.sync(&keep, &[], 0);
    assert_eq!(first["created"], 1, "{first}");
    let tls = w.secret("web-tls");
    assert_eq!(tls["type"], "kubernetes.io/tls");
    let cert = w.secret_value("web-tls", "tls.crt");
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{cert}");
    let annotations = &tls["metadata"]["annotations"];
    let issued: u64 = annotations["kvault.dev/issued-at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let expires: u64 = annotations["kvault.dev/expires"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1790..=1800).contains(&(expires - issued)), "{annotations}");
    assert_eq!(annotations["kvault.dev/source"], ">>vault:pki/issue/web");

    let again = w.sync(&keep, &[], 0);
    assert_eq!(again["unchanged"], 1, "{again}");
    assert_eq!(
        w.secret_value("web-tls", "tls.crt"),
        cert,
        "not issued again"
    );

    let due = w.plan("due.yaml", &plan("1h"));
    let dry = w.sync(&due, &["--dry-run"], 0);
    assert_eq!(dry["updated"], 1, "{dry}");
    assert_eq!(
        w.secret_value("web-tls", "tls.crt"),
        cert,
        "a dry run issues nothing"
    );
    let renewed = w.sync(&due, &[], 0);
    assert_eq!(renewed["updated"], 1, "{renewed}");
    let new_cert = w.secret_value("web-tls", "tls.crt");
    assert!(new_cert.starts_with("-----BEGIN CERTIFICATE-----") && new_cert != cert);
    // Issued certificates, as the engine counts them: the root, then two.
    let listed = w.bao.must(&["list", "-format=json", "pki/certs"]);
    let serials: Vec<String> = serde_json::from_str(&listed).unwrap();
    assert_eq!(serials.len(), 3, "{serials:?}");
    let key = w.secret_value("web-tls", "tls.key");
    w.assert_printed_none_of(&[key.lines().nth(1).unwrap_or("")]);
}
