use super::manifests::InjectError;
use super::*;
use serde_yaml::Value;

fn settings() -> Settings {
    Settings {
        image: "registry.example/kvault:1".into(),
        vault_addr: Some("https://vault.vault.svc:8200".into()),
        vault_role: Some("shop".into()),
        auth_method: None,
    }
}

fn inject(text: &str) -> Injected {
    inject_text("deploy.yaml", text, &settings()).unwrap()
}

fn error(text: &str) -> String {
    inject_text("deploy.yaml", text, &settings())
        .unwrap_err()
        .to_string()
}

fn docs(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap())
        .collect()
}

fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(doc, |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        })
}

fn words(value: &Value) -> Vec<&str> {
    value
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

const DEPLOYMENT: &str = r#"# The shop's API.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: api
          image: shop/api:1
          command: ["/app/server"]
          args: ["--listen", ":8080"]
          env:
            - name: DB_PASSWORD
              value: vault:secret/shop/db#password
        - name: sidecar
          image: proxy:1
          command: ["/proxy"]
"#;

#[test]
fn a_container_with_references_runs_behind_kvault_exec() {
    let out = inject(DEPLOYMENT);
    assert_eq!(out.changed, ["Deployment shop/api"]);
    let doc = &docs(&out.text)[0];
    let api = at(doc, "spec.template.spec.containers.0");
    assert_eq!(words(&api["command"]), ["/kvault/kvault", "exec", "--"]);
    assert_eq!(words(&api["args"]), ["/app/server", "--listen", ":8080"]);
    assert_eq!(at(api, "volumeMounts.0.name"), "kvault-bin");
    assert_eq!(at(api, "volumeMounts.0.mountPath"), "/kvault");
    assert_eq!(at(api, "volumeMounts.0.readOnly"), &Value::Bool(true));
    let env: Vec<(&str, &str)> = api["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        env,
        [
            ("DB_PASSWORD", "vault:secret/shop/db#password"),
            ("VAULT_ADDR", "https://vault.vault.svc:8200"),
            ("VAULT_ROLE", "shop"),
        ]
    );
    // The sidecar holds no reference: untouched.
    let sidecar = at(doc, "spec.template.spec.containers.1");
    assert_eq!(words(&sidecar["command"]), ["/proxy"]);
    assert!(sidecar.get("volumeMounts").is_none());
    let init = at(doc, "spec.template.spec.initContainers.0");
    assert_eq!(init["name"], "kvault-init");
    assert_eq!(init["image"], "registry.example/kvault:1");
    assert_eq!(
        words(&init["command"]),
        ["cp", "/kvault", "/kvault-bin/kvault"]
    );
    assert_eq!(
        at(init, "securityContext.readOnlyRootFilesystem"),
        &Value::Bool(true)
    );
    let volume = at(doc, "spec.template.spec.volumes.0");
    assert_eq!(volume["name"], "kvault-bin");
    assert_eq!(at(volume, "emptyDir.medium"), "Memory");
    // The comment above the document survives its rewrite.
    assert!(out.text.starts_with("# The shop's API.\n"), "{}", out.text);
}

#[test]
fn injecting_twice_gives_the_bytes_of_injecting_once() {
    let once = inject(DEPLOYMENT);
    let twice = inject(&once.text);
    assert_eq!(twice.text, once.text);
    assert!(twice.changed.is_empty());
}

#[test]
fn untouched_documents_keep_their_bytes_and_comments() {
    let other = "---\n# a config map, left alone\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}   # flow style kept\ndata:\n  z: '1'\n  a: \"2\"\n";
    let text = format!("{DEPLOYMENT}{other}");
    let out = inject(&text);
    assert!(out.text.ends_with(other), "{}", out.text);
    // With nothing to inject the output is the input.
    assert_eq!(inject(other).text, other);
    assert!(inject(other).changed.is_empty());
}

#[test]
fn a_container_without_command_needs_the_entrypoint_from_an_annotation() {
    let bare = DEPLOYMENT.replace("          command: [\"/app/server\"]\n", "");
    let message = error(&bare);
    assert!(
        message.starts_with("deploy.yaml:2, Deployment shop/api: container `api` sets no command"),
        "{message}"
    );
    assert!(message.contains("kvault.dev/command.api"), "{message}");
    // The image's ENTRYPOINT, then the container's args (as Kubernetes runs them).
    let annotated = bare.replace(
        "  template:\n",
        "  template:\n    metadata:\n      annotations:\n        kvault.dev/command.api: '[\"/app/server\", \"--config\", \"/etc/app\"]'\n",
    );
    let doc = &docs(&inject(&annotated).text)[0];
    let api = at(doc, "spec.template.spec.containers.0");
    assert_eq!(
        words(&api["args"]),
        ["/app/server", "--config", "/etc/app", "--listen", ":8080"]
    );
    // Shell words work too, and on the workload for every container.
    let workload = bare.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n    kvault.dev/command: \"/app/server --mode 'a b'\"\n",
    );
    let doc = &docs(&inject(&workload).text)[0];
    assert_eq!(
        words(at(doc, "spec.template.spec.containers.0.args")),
        ["/app/server", "--mode", "a b", "--listen", ":8080"]
    );
}

#[test]
fn a_malformed_reference_fails_naming_the_object_container_and_variable() {
    let bad = DEPLOYMENT.replace("vault:secret/shop/db#password", "vault:secret/shop/db#");
    let message = error(&bad);
    assert!(
        message
            .starts_with("deploy.yaml:2, Deployment shop/api: container `api`, env DB_PASSWORD: "),
        "{message}"
    );
}

#[test]
fn the_inject_annotation_opts_in_and_out() {
    let off = DEPLOYMENT.replace(
        "  template:\n",
        "  template:\n    metadata:\n      annotations: {kvault.dev/inject: \"false\"}\n",
    );
    assert_eq!(inject(&off).text, off);
    let on = DEPLOYMENT.replace(
        "  template:\n",
        "  template:\n    metadata:\n      annotations: {kvault.dev/inject: \"true\"}\n",
    );
    let doc = &docs(&inject(&on).text)[0];
    // Every app container, the sidecar without references too.
    let sidecar = at(doc, "spec.template.spec.containers.1");
    assert_eq!(words(&sidecar["args"]), ["/proxy"]);
    let odd = on.replace("\"true\"", "\"yes\"");
    assert!(
        error(&odd).contains("annotation `kvault.dev/inject`: `yes` is not"),
        "{}",
        error(&odd)
    );
}

#[test]
fn annotations_override_the_flags_and_a_containers_own_env_wins() {
    let text = DEPLOYMENT
        .replace(
            "  template:\n",
            "  template:\n    metadata:\n      annotations:\n        kvault.dev/vault-role: api-role\n        kvault.dev/auth-method: kubernetes\n",
        )
        .replace(
            "          env:\n",
            "          env:\n            - {name: VAULT_ADDR, value: \"https://own:8200\"}\n",
        );
    let doc = &docs(&inject(&text).text)[0];
    let env = at(doc, "spec.template.spec.containers.0.env");
    let value = |name: &str| {
        env.as_sequence()
            .unwrap()
            .iter()
            .filter(|e| e["name"] == name)
            .map(|e| e["value"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(value("VAULT_ADDR"), ["https://own:8200"]);
    assert_eq!(value("VAULT_ROLE"), ["api-role"]);
    assert_eq!(value("VAULT_AUTH_METHOD"), ["kubernetes"]);
}

#[test]
fn init_containers_with_references_are_injected_after_kvaults_own() {
    let text = r#"
apiVersion: v1
kind: Pod
metadata: {name: migrate}
spec:
  initContainers:
    - name: schema
      image: shop/migrate:1
      command: [/migrate]
      env: [{name: DSN, value: "postgres://${vault:secret/shop/db#username}@db/shop"}]
  containers:
    - {name: app, image: shop/app:1, command: [/app]}
"#;
    let doc = &docs(&inject(text).text)[0];
    let inits = at(doc, "spec.initContainers");
    assert_eq!(inits[0]["name"], "kvault-init");
    assert_eq!(inits[1]["name"], "schema");
    assert_eq!(words(&inits[1]["args"]), ["/migrate"]);
    // The app holds no reference and is not annotated: left alone.
    assert_eq!(words(at(doc, "spec.containers.0.command")), ["/app"]);
}

#[test]
fn a_newer_image_replaces_the_old_one_and_nothing_else_moves() {
    let once = inject(DEPLOYMENT);
    let newer = Settings {
        image: "registry.example/kvault:2".into(),
        ..settings()
    };
    let again = inject_text("deploy.yaml", &once.text, &newer).unwrap();
    assert_eq!(again.text, once.text.replace("kvault:1", "kvault:2"));
}

#[test]
fn kvaults_names_taken_by_the_app_are_an_error() {
    let text = DEPLOYMENT.replace(
        "      containers:\n",
        "      volumes: [{name: kvault-bin, configMap: {name: x}}]\n      containers:\n",
    );
    assert!(
        error(&text).contains("volume `kvault-bin` is already in the pod and is not kvault's"),
        "{}",
        error(&text)
    );
    let mount = DEPLOYMENT.replace(
        "          env:\n",
        "          volumeMounts: [{name: data, mountPath: /kvault/}]\n          env:\n",
    );
    assert!(
        error(&mount).contains("mount path `/kvault`"),
        "{}",
        error(&mount)
    );
}

#[test]
fn lists_cron_jobs_and_other_kinds_with_pod_templates_are_found() {
    let text = r#"
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly, namespace: shop}
    spec:
      schedule: "@daily"
      jobTemplate:
        spec:
          template:
            spec:
              containers: [{name: job, image: j, command: [/job], env: [{name: T, value: "k8s:shop/token#t"}]}]
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: canary, namespace: shop}
    spec:
      template:
        spec:
          containers: [{name: app, image: a, command: [/a], env: [{name: K, value: "local:shop/k#v"}]}]
  - apiVersion: v1
    kind: Service
    metadata: {name: svc}
    spec: {ports: [{port: 80}]}
"#;
    let out = inject(text);
    assert_eq!(out.changed, ["CronJob shop/nightly", "Rollout shop/canary"]);
    let doc = &docs(&out.text)[0];
    assert_eq!(
        at(
            doc,
            "items.0.spec.jobTemplate.spec.template.spec.initContainers.0.name"
        ),
        "kvault-init"
    );
    assert_eq!(
        at(doc, "items.1.spec.template.spec.initContainers.0.name"),
        "kvault-init"
    );
}

#[test]
fn a_kustomize_resource_list_takes_its_settings_from_function_config() {
    let text = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {{image: mirror.local/kvault:9, vault-role: from-kustomize}}\nitems:\n{}",
        DEPLOYMENT
            .lines()
            .skip(1)
            .enumerate()
            .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
            .collect::<String>()
    );
    let out = inject(&text);
    let doc = &docs(&out.text)[0];
    assert_eq!(doc["kind"], "ResourceList");
    let spec = at(doc, "items.0.spec.template.spec");
    assert_eq!(at(spec, "initContainers.0.image"), "mirror.local/kvault:9");
    let env = at(spec, "containers.0.env");
    assert!(env
        .as_sequence()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "VAULT_ROLE" && e["value"] == "from-kustomize"));
}

#[test]
fn json_in_is_json_out_in_the_same_key_order() {
    let json = r#"{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "image": "i", "command": ["/c"],
        "env": [{"name": "A", "value": "vault:secret/a#b"}]}]}}"#;
    let out = inject(json);
    let value: serde_json::Value = serde_json::from_str(&out.text).unwrap();
    assert_eq!(value["spec"]["initContainers"][0]["name"], "kvault-init");
    assert!(out.text.find("\"kind\"").unwrap() < out.text.find("\"apiVersion\"").unwrap());
    assert_eq!(inject(&out.text).text, out.text);
}

#[test]
fn bad_input_is_one_error_naming_the_input() {
    match inject_text("deploy.yaml", "a: [1,\n", &settings()) {
        Err(InjectError::Parse { origin, format, .. }) => {
            assert_eq!((origin.as_str(), format), ("deploy.yaml", "YAML"))
        }
        other => panic!("{other:?}"),
    }
    let message = error("{\"kind\": ");
    assert!(
        message.starts_with("deploy.yaml: not valid JSON: "),
        "{message}"
    );
    let shape = "kind: Pod\nmetadata: {name: p}\nspec: {containers: {name: c}}\n";
    assert!(
        error(shape).contains("`containers` is not a list"),
        "{}",
        error(shape)
    );
}

#[test]
fn separators_comments_and_empty_documents_are_kept_where_they_were() {
    let text = format!("%YAML 1.1\n---\n---\n{DEPLOYMENT}---\n# trailing comment\n");
    let out = inject(&text);
    assert!(
        out.text
            .starts_with("%YAML 1.1\n---\n---\n# The shop's API.\napiVersion"),
        "{}",
        out.text
    );
    assert!(
        out.text.ends_with("---\n# trailing comment\n"),
        "{}",
        out.text
    );
    assert_eq!(inject(&out.text).text, out.text);
}

#[test]
fn command_and_args_stay_where_the_container_had_them() {
    let keys = |text: &str| -> Vec<String> {
        let doc = &docs(text)[0];
        at(doc, "spec.template.spec.containers.0")
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    };
    let out = inject(DEPLOYMENT);
    assert_eq!(
        keys(&out.text),
        ["name", "image", "command", "args", "env", "volumeMounts"]
    );
    // No command: both go after the image.
    let bare = DEPLOYMENT
        .replace("          command: [\"/app/server\"]\n", "")
        .replace(
            "  template:\n",
            "  template:\n    metadata: {annotations: {kvault.dev/command: /app/server}}\n",
        );
    assert_eq!(
        keys(&inject(&bare).text),
        ["name", "image", "command", "args", "env", "volumeMounts"]
    );
}

#[test]
fn an_auth_method_exec_would_refuse_is_refused_at_injection() {
    let text = DEPLOYMENT.replace(
        "  template:\n",
        "  template:\n    metadata:\n      annotations: {kvault.dev/auth-method: kube}\n",
    );
    let message = error(&text);
    assert!(
        message.ends_with("annotation `kvault.dev/auth-method`: `kube` is not one of token, kubernetes, approle, jwt"),
        "{message}"
    );
}
