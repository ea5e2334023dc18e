//! `kvault inject` as operators run it: behind `helm template`, as Helm 4's
//! post-renderer plugin, as a kustomize KRM exec function, and its output
//! accepted by a real kube-apiserver (strict field validation, dry run).

use crate::harness::*;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn tool(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run scripts/install-test-deps.sh"))
}

/// PATH with the kvault under test first, as a plugin or function finds it.
fn path_with_kvault() -> String {
    let bin = assert_cmd::cargo::cargo_bin("kvault");
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| serde_json::to_value(serde_yaml::Value::deserialize(d).unwrap()).unwrap())
        .filter(|d| !d.is_null())
        .collect()
}

fn deployment(docs: &[Value]) -> &Value {
    docs.iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("a Deployment in the output")
}

fn helm(home: &Path) -> Process {
    let mut cmd = Process::new(tool("KVAULT_TEST_HELM"));
    for (var, sub) in [
        ("HELM_CONFIG_HOME", "config"),
        ("HELM_CACHE_HOME", "cache"),
        ("HELM_DATA_HOME", "data"),
    ] {
        cmd.env(var, home.join(sub));
    }
    cmd.env("PATH", path_with_kvault());
    cmd
}

fn run_ok(cmd: &mut Process, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn helm_template(home: &Path) -> String {
    run_ok(
        helm(home)
            .args(["template", "shop"])
            .arg(repo("examples/helm/shop")),
        "helm template",
    )
}

/// `kvault inject` with the shop's Vault settings, manifests on stdin.
fn inject_for_shop(home: &Path, manifests: &str) -> std::process::Output {
    kvault_clean(home)
        .args([
            "inject",
            "--vault-addr",
            "https://vault.vault.svc:8200",
            "--vault-role",
            "shop",
        ])
        .write_stdin(manifests.to_string())
        .output()
        .unwrap()
}

#[test]
fn helm_template_through_kvault_inject_is_accepted_by_the_apiserver() {
    let home = tempfile::tempdir().unwrap();
    let rendered = helm_template(home.path());
    let out = inject_for_shop(home.path(), &rendered);
    assert_exit(&out, 0, "kvault inject");
    let injected = text(&out.stdout);
    assert_eq!(
        messages(&out).trim(),
        "stdin: injected 1 object: Deployment shop-api"
    );
    let docs = documents(&injected);
    let spec = &deployment(&docs)["spec"]["template"]["spec"];
    assert_eq!(spec["initContainers"][0]["name"], "kvault-init");
    assert_eq!(
        spec["containers"][0]["command"],
        json!(["/kvault/kvault", "exec", "--"])
    );
    assert_eq!(
        spec["containers"][0]["args"],
        json!(["/app/server", "--listen", ":8080"])
    );
    // The ServiceAccount needed nothing: it comes back byte for byte.
    let account = rendered
        .split("---")
        .find(|d| d.contains("kind: ServiceAccount"))
        .unwrap();
    assert!(injected.contains(account.trim()), "{injected}");
    // Injecting the output again changes nothing.
    let again = inject_for_shop(home.path(), &injected);
    assert_eq!(text(&again.stdout), injected);

    // The apiserver validates every injected object strictly (dry run).
    // `shop` is this test's alone among those sharing the cluster.
    let (kube, _) = KubeCluster::shared("inject");
    let (code, body) = kube.api(
        "admin",
        "POST",
        "/api/v1/namespaces",
        Some(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}"#),
    );
    assert_eq!(code, 201, "{body}");
    for doc in &docs {
        let path = match doc["kind"].as_str().unwrap() {
            "Deployment" => "/apis/apps/v1/namespaces/shop/deployments",
            "ServiceAccount" => "/api/v1/namespaces/shop/serviceaccounts",
            other => panic!("unexpected {other}"),
        };
        let (code, body) = kube.api(
            "admin",
            "POST",
            &format!("{path}?dryRun=All&fieldValidation=Strict"),
            Some(&doc.to_string()),
        );
        assert_eq!(code, 201, "{} refused: {body}", doc["kind"]);
    }
}

#[test]
fn the_helm_post_renderer_plugin_injects_what_the_pipe_injects() {
    let home = tempfile::tempdir().unwrap();
    run_ok(
        helm(home.path())
            .args(["plugin", "install"])
            .arg(repo("contrib/helm-plugin/kvault-inject")),
        "helm plugin install",
    );
    let rendered = run_ok(
        helm(home.path())
            .args(["template", "shop", "--post-renderer", "kvault-inject"])
            .arg(repo("examples/helm/shop")),
        "helm template --post-renderer kvault-inject",
    );
    let piped = kvault_clean(home.path())
        .args(["inject", "-q"])
        .write_stdin(helm_template(home.path()))
        .output()
        .unwrap();
    let by_plugin = documents(&rendered);
    let by_pipe = documents(&text(&piped.stdout));
    assert_eq!(deployment(&by_plugin), deployment(&by_pipe));
    assert_eq!(
        deployment(&by_plugin)["spec"]["template"]["spec"]["initContainers"][0]["name"],
        "kvault-init"
    );
}

#[test]
fn kustomize_runs_kvault_inject_as_a_krm_exec_function() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "kustomization.yaml",
        "kvault.yaml",
        "deployment.yaml",
        "kvault-inject",
    ] {
        std::fs::copy(repo("examples/kustomize").join(file), dir.path().join(file)).unwrap();
    }
    let built = run_ok(
        Process::new(tool("KVAULT_TEST_KUSTOMIZE"))
            .args(["build", "--enable-alpha-plugins", "--enable-exec"])
            .arg(dir.path())
            .env("PATH", path_with_kvault()),
        "kustomize build",
    );
    let docs = documents(&built);
    let spec = &deployment(&docs)["spec"]["template"]["spec"];
    assert_eq!(spec["initContainers"][0]["name"], "kvault-init");
    let container = &spec["containers"][0];
    // No command in the container: the annotated entrypoint, then its args.
    assert_eq!(
        container["args"],
        json!(["/usr/local/bin/billing", "--port", "9000"])
    );
    let env = container["env"].as_array().unwrap();
    assert!(
        env.contains(&json!({"name": "VAULT_ROLE", "value": "billing"})),
        "{env:?}"
    );
    assert!(env.contains(&json!({"name": "VAULT_ADDR", "value": "https://vault.vault.svc:8200"})));
}

#[test]
fn inject_errors_name_the_file_line_object_and_container() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("deploy.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n# the app\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: shop/api:1\n          env: [{name: DB_PASSWORD, value: \"vault:secret/shop/db#password\"}]\n",
    )
    .unwrap();
    let out = kvault_clean(home.path())
        .args(["inject", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert_exit(&out, 2, "a container without command");
    let message = messages(&out);
    assert!(
        message.starts_with(&format!(
            "error: {}:6, Deployment shop/api: container `api` sets no command",
            file.display()
        )),
        "{message}"
    );
    assert!(out.stdout.is_empty(), "nothing half-written to stdout");

    let out = kvault_clean(home.path())
        .args(["inject", "-f", "/nonexistent/deploy.yaml"])
        .output()
        .unwrap();
    assert_refused(&out, 2, "cannot read `/nonexistent/deploy.yaml`");

    let out = kvault_clean(home.path())
        .args(["inject"])
        .write_stdin("kind: [unclosed\n")
        .output()
        .unwrap();
    assert_refused(&out, 2, "stdin: not valid YAML");
}
