//! External Secrets Operator's own Vault examples run as a kvault plan on a
//! real OpenBao and kube-apiserver (`sync --from-external-secrets`), and
//! printed as one (`sync convert`), every field left out named on stderr.

use crate::sync::World;
use serde_json::json;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/external-secrets"
);
const PRIVATE_KEY: &str = "EsoCanary-ssh-key-5772";
const ROBOT_TOKEN: &str = "EsoCanary-robot-6883";
const DB_PASSWORD: &str = "EsoCanary-db-7994";

fn seeded() -> World {
    let w = World::start();
    let kv = |path: &str, pairs: &[String]| {
        let mut args = vec!["kv".to_string(), "put".into(), path.into()];
        args.extend(pairs.iter().cloned());
        w.bao
            .must(&args.iter().map(String::as_str).collect::<Vec<_>>());
    };
    kv(
        "secret/my-kv",
        &[
            "github-ssh-access-username=git".into(),
            format!("github-ssh-access-private-key={PRIVATE_KEY}"),
            "harbor-chart-robot-username=robot$chart".into(),
            format!("harbor-chart-robot-token={ROBOT_TOKEN}"),
        ],
    );
    kv(
        "secret/jenkins-credentials",
        &["sonarqube-api-token=sq-token".into()],
    );
    kv(
        "secret/anchore-engine",
        &[
            "ANCHORE_ADMIN_USERNAME=admin".into(),
            "ANCHORE_ADMIN_PASSWORD=admin-pw".into(),
            format!("ANCHORE_DB_PASSWORD={DB_PASSWORD}"),
            "db-url=postgres://db:5432/anchore".into(),
            "db-user=anchore".into(),
            "postgres-password=pg-pw".into(),
        ],
    );
    kv(
        "secret/foo",
        &["my-value=s3cr3t".into(), "dev=alice".into()],
    );
    for ns in ["ci", "security", "example"] {
        w.post(
            "/api/v1/namespaces",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        );
    }
    w
}

#[test]
fn esos_vault_examples_run_as_a_plan_and_what_is_left_out_is_named() {
    let w = seeded();
    let out = w
        .kvault()
        .args(["sync", "--from-external-secrets", FIXTURES, "-o", "json"])
        .output()
        .unwrap();
    let stderr = crate::harness::text(&out.stderr);
    crate::harness::assert_exit(&out, 0, "sync --from-external-secrets");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["created"], 5, "{report}");

    let ssh = |ns: &str, name: &str| w.get(&format!("/api/v1/namespaces/{ns}/secrets/{name}"));
    let github = ssh("ci", "github-ssh-access");
    assert_eq!(
        github["metadata"]["labels"]["jenkins.io/credentials-type"],
        "basicSSHUserPrivateKey"
    );
    assert_eq!(
        github["metadata"]["annotations"]["jenkins.io/credentials-description"],
        "github-ssh-access key"
    );
    let value = |ns: &str, name: &str, key: &str| {
        let secret = ssh(ns, name);
        let b64 = secret["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("{ns}/{name} has no {key}: {secret}"));
        String::from_utf8(
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(value("ci", "github-ssh-access", "privateKey"), PRIVATE_KEY);
    assert_eq!(value("ci", "harbor-chart-robot", "username"), "robot$chart");
    assert_eq!(value("ci", "harbor-chart-robot", "password"), ROBOT_TOKEN);
    assert_eq!(value("ci", "sonarqube-api-token", "text"), "sq-token");
    let anchore = ssh("security", "anchore-access-credentials");
    let keys: Vec<&String> = anchore["data"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "ANCHORE_ADMIN_PASSWORD",
            "ANCHORE_ADMIN_USERNAME",
            "ANCHORE_DB_PASSWORD",
            "db-url",
            "db-user",
            "postgres-password"
        ],
        "the template's keys only (mergePolicy Replace)"
    );
    assert_eq!(
        value(
            "security",
            "anchore-access-credentials",
            "ANCHORE_DB_PASSWORD"
        ),
        DB_PASSWORD
    );
    // Of the provider page's example, the key kvault can say; the rest named.
    assert_eq!(value("example", "example-sync", "foobar"), "s3cr3t");
    for field in [
        "ExternalSecret example/vault-example: spec.data[1].remoteRef.metadataPolicy: not translated",
        "ExternalSecret example/vault-example: spec.data[2].remoteRef.metadataPolicy: not translated",
        "ExternalSecret example/vault-example-find: spec.dataFrom[0].find: not translated",
        "ExternalSecret ci/harbor-chart-robot: spec.refreshInterval: not translated",
    ] {
        assert!(stderr.contains(field), "no `{field}` in:\n{stderr}");
    }
    crate::harness::assert_text_shows_none(
        "stderr",
        &stderr,
        &[PRIVATE_KEY, ROBOT_TOKEN, DB_PASSWORD],
    );

    // `convert` prints the same plan, which `sync -f` runs to the same end.
    let converted = w
        .kvault()
        .args(["sync", "convert", FIXTURES])
        .output()
        .unwrap();
    crate::harness::assert_exit(&converted, 0, "sync convert");
    let plan = w.plan("converted.yaml", &crate::harness::text(&converted.stdout));
    let again = w.sync(&plan, &[], 0);
    assert_eq!(again["unchanged"], 5, "{again}");
    let text = crate::harness::text(&converted.stdout);
    assert!(text.contains("# ClusterSecretStore vault-backend: VAULT_ADDR=https://vault.acme.org VAULT_AUTH_METHOD=kubernetes VAULT_ROLE=demo"), "{text}");
}

#[test]
fn convert_refuses_input_with_no_external_secret_kvault_can_run() {
    let home = tempfile::tempdir().unwrap();
    let only_store = home.path().join("store.yaml");
    std::fs::copy(format!("{FIXTURES}/cluster-store.yaml"), &only_store).unwrap();
    let broken = home.path().join("broken.yaml");
    std::fs::write(&broken, "kind: [unclosed\n").unwrap();
    for (input, says) in [
        (only_store, "no ExternalSecret that kvault can run"),
        (broken, "broken.yaml: not YAML (line"),
    ] {
        let out = crate::harness::kvault_clean(home.path())
            .args(["sync", "convert"])
            .arg(&input)
            .output()
            .unwrap();
        crate::harness::assert_refused(&out, 2, says);
    }
}

/// A CustomResourceDefinition for one ESO kind that keeps any field (the
/// test needs the API to store the objects, not to check them), served
/// as v1 and v1beta1 as ESO's own are.
fn crd(kind: &str, plural: &str, scope: &str) -> serde_json::Value {
    let version = |name: &str, storage: bool| {
        json!({"name": name, "served": true, "storage": storage,
               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})
    };
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.external-secrets.io")},
        "spec": {
            "group": "external-secrets.io",
            "scope": scope,
            "names": {"plural": plural, "singular": kind.to_lowercase(), "kind": kind},
            "versions": [version("v1", true), version("v1beta1", false)]
        }
    })
}

/// The fixtures' objects created in the cluster, as `kubectl apply` would.
fn created_in_the_cluster(w: &World) {
    const KINDS: [(&str, &str, &str); 3] = [
        ("ExternalSecret", "externalsecrets", "Namespaced"),
        ("SecretStore", "secretstores", "Namespaced"),
        ("ClusterSecretStore", "clustersecretstores", "Cluster"),
    ];
    for (kind, plural, scope) in KINDS {
        w.post(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd(kind, plural, scope),
        );
    }
    let start = std::time::Instant::now();
    while KINDS.iter().any(|(_, plural, _)| {
        let path = format!("/apis/external-secrets.io/v1/{plural}");
        w.cluster.api("admin", "GET", &path, None).0 != 200
    }) {
        assert!(start.elapsed().as_secs() < 30, "the CRDs were never served");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let doc: serde_json::Value = serde::Deserialize::deserialize(doc).unwrap();
            let (_, plural, scope) = KINDS
                .iter()
                .find(|(kind, ..)| doc["kind"] == *kind)
                .expect("only ESO kinds among the fixtures");
            let api = doc["apiVersion"].as_str().unwrap();
            let path = match *scope {
                "Namespaced" => format!(
                    "/apis/{api}/namespaces/{}/{plural}",
                    doc["metadata"]["namespace"].as_str().unwrap()
                ),
                _ => format!("/apis/{api}/{plural}"),
            };
            w.post(&path, doc);
        }
    }
}

#[test]
fn the_external_secrets_a_cluster_holds_run_as_a_plan_live() {
    let w = seeded();
    // No CRD yet: one line saying what is missing.
    let out = w
        .kvault()
        .args(["sync", "--from-cluster"])
        .output()
        .unwrap();
    crate::harness::assert_refused(
        &out,
        2,
        "the cluster serves no external-secrets.io ExternalSecrets",
    );
    created_in_the_cluster(&w);

    // One namespace: its ExternalSecrets, with the cluster's stores.
    let out = w
        .kvault()
        .args(["-n", "ci", "sync", "--from-cluster", "-o", "json"])
        .output()
        .unwrap();
    crate::harness::assert_exit(&out, 0, "sync --from-cluster -n ci");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "k8s:ci/github-ssh-access",
            "k8s:ci/harbor-chart-robot",
            "k8s:ci/sonarqube-api-token"
        ],
        "{report}"
    );
    let stderr = crate::harness::text(&out.stderr);
    assert!(
        stderr.contains(
            "cluster: ExternalSecret ci/harbor-chart-robot: spec.refreshInterval: not translated"
        ),
        "{stderr}"
    );

    // Every namespace: the same plan as the manifests give.
    let out = w
        .kvault()
        .args(["sync", "--from-cluster", "-o", "json"])
        .output()
        .unwrap();
    crate::harness::assert_exit(&out, 0, "sync --from-cluster");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["unchanged"].as_u64()),
        (Some(2), Some(3)),
        "{report}"
    );
    let from_files = w
        .kvault()
        .args([
            "sync",
            "--from-external-secrets",
            FIXTURES,
            "--dry-run",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let from_files: serde_json::Value = serde_json::from_slice(&from_files.stdout).unwrap();
    assert_eq!(from_files["unchanged"], 5, "{from_files}");
    crate::harness::assert_shows_none(
        &[PRIVATE_KEY, ROBOT_TOKEN, DB_PASSWORD],
        "sync --from-cluster",
        &out,
    );
}
