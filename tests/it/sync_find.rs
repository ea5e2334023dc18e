//! `find` entries on a real OpenBao and kube-apiserver: every secret under
//! a folder whose path matches, one Secret each, keys rewritten; a new
//! source secret appears on the next run, and with `--prune` the Secret of
//! one deleted at the source goes (only Secrets kvault made).

use crate::sync::World;
use serde_json::json;

const PASS: &str = "FindCanary-pass-8105";

#[test]
fn found_secrets_sync_one_each_new_ones_appear_and_gone_ones_are_pruned() {
    let w = World::start();
    for name in ["db-main", "db-replica", "web"] {
        w.bao.must(&[
            "kv",
            "put",
            &format!("secret/team-a/{name}"),
            &format!("DB_PASS={PASS}-{name}"),
        ]);
    }
    w.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
    );
    w.post(
        "/api/v1/namespaces/prod/secrets",
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "by-hand"}, "stringData": {"a": "b"}}),
    );
    let plan = w.plan(
        "plan.yaml",
        "secrets:\n  - source: vault:secret/team-a/\n    find: {name: '^db-'}\n    target: k8s:prod/\n    rewrite: [{stripPrefix: DB_}]\n",
    );
    let first = w.sync(&plan, &["--prune"], 0);
    assert_eq!(first["created"], 2, "{first}");
    assert_eq!(w.secret_value("db-main", "PASS"), format!("{PASS}-db-main"));

    w.bao.must(&[
        "kv",
        "put",
        "secret/team-a/db-new",
        &format!("DB_PASS={PASS}-new"),
    ]);
    w.bao
        .must(&["kv", "metadata", "delete", "secret/team-a/db-replica"]);
    let next = w.sync(&plan, &["--prune"], 0);
    assert_eq!(next["created"], 1, "{next}");
    assert_eq!(next["pruned"], json!(["k8s:prod/db-replica"]), "{next}");
    assert_eq!(w.secret_value("db-new", "PASS"), format!("{PASS}-new"));
    let (code, _) = w.cluster.api(
        "admin",
        "GET",
        "/api/v1/namespaces/prod/secrets/by-hand",
        None,
    );
    assert_eq!(code, 200, "a Secret kvault did not make stays");
    w.assert_printed_none_of(&[PASS]);
}
