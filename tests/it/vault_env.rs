//! vault-env settings a migrating user relies on (issue #13), on a real
//! OpenBao: VAULT_ENV_FROM_PATH with a version, VAULT_REVOKE_TOKEN,
//! VAULT_TOKEN=vault:login with the token `bao login` stored, and Go's
//! booleans for the switches.

use crate::harness::{text, OpenBao};

#[test]
fn env_from_path_takes_a_pinned_version_and_a_vault_prefix() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/envfrom", "FROM_A=a1"]);
    bao.must(&["kv", "put", "secret/envfrom", "FROM_A=a2"]);
    for (setting, want) in [
        ("secret/envfrom#1", "a1"),
        ("vault:secret/envfrom#1", "a1"),
        ("secret/data/envfrom", "a2"),
    ] {
        let out = bao
            .kvault()
            .env("VAULT_ENV_FROM_PATH", setting)
            .args(["exec", "--", "sh", "-c", "printf %s \"$FROM_A\""])
            .output()
            .unwrap();
        assert!(out.status.success(), "{setting}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want, "{setting}");
    }
    let out = bao
        .kvault()
        .env("VAULT_ENV_FROM_PATH", "secret/envfrom#latest")
        .args(["exec", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`latest` after `#` is not a version number"));
}

#[test]
fn revoke_token_revokes_kvaults_token_once_the_secrets_are_read() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "pass=p-revoke"]);
    let token = bao
        .must(&["token", "create", "-policy=root", "-field=token"])
        .trim()
        .to_string();
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &token)
        .env("VAULT_REVOKE_TOKEN", "True")
        .env("PASS", "vault:secret/app#pass")
        .args(["exec", "--", "sh", "-c", "printf %s \"$PASS\""])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "p-revoke");
    let lookup = bao.bao(&["token", "lookup", &token]);
    assert!(
        !lookup.status.success(),
        "the token still works after VAULT_REVOKE_TOKEN"
    );
    // With --watch the token is needed later: refused before anything runs.
    let out = bao
        .kvault()
        .env("VAULT_REVOKE_TOKEN", "1")
        .args(["exec", "--watch", "1m", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("VAULT_REVOKE_TOKEN with --watch"));
}

#[test]
fn vault_login_hands_on_the_token_bao_login_stored() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "pass=p-login"]);
    let token = bao
        .must(&["token", "create", "-policy=root", "-field=token"])
        .trim()
        .to_string();
    std::fs::write(bao.home.path().join(".vault-token"), format!("{token}\n")).unwrap();
    let out = bao
        .kvault()
        .env_remove("VAULT_TOKEN")
        .env("VAULT_TOKEN", "vault:login")
        .env("EXPECTED", &token)
        .env("PASS", "vault:secret/app#pass")
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "[ \"$VAULT_TOKEN\" = \"$EXPECTED\" ] && printf 'same token, %s' \"$PASS\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "same token, p-login");
    assert!(!text(&out.stderr).contains(&token));
}

#[test]
fn switches_read_booleans_as_go_does_and_refuse_anything_else() {
    let bao = OpenBao::start();
    for yes in ["true", "True", "TRUE", "t", "1"] {
        let out = bao
            .kvault()
            .env("VAULT_IGNORE_MISSING_SECRETS", yes)
            .env("GONE", "vault:secret/nothing#here")
            .args(["exec", "--", "sh", "-c", "printf %s \"${GONE-unset}\""])
            .output()
            .unwrap();
        assert!(out.status.success(), "{yes}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "unset", "{yes}");
    }
    let out = bao
        .kvault()
        .env("VAULT_IGNORE_MISSING_SECRETS", "yes")
        .args(["exec", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("VAULT_IGNORE_MISSING_SECRETS=`yes` is not a boolean"));
}

#[test]
fn inline_dynamic_references_and_transit_values_resolve_and_one_issue_serves_both_uses() {
    let bao = OpenBao::start();
    bao.pki_with_web_role("1h", &[]);
    let ct = bao.transit_ciphertext("app", "aW5saW5lLXRyYW5zaXQ=");
    let issue = r#">>vault:pki/issue/web#serial_number#{"common_name":"a.test.local","ttl":"10m"}"#;
    let out = bao
        .kvault()
        .env("VAULT_TRANSIT_KEY_ID", "app")
        .env("FIRST", format!("serial=${{{issue}}}"))
        .env(
            "SECOND",
            format!("again ${{{issue}}} and ${{{}}}", ct.trim()),
        )
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s|%s' \"$FIRST\" \"$SECOND\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let (first, second) = shown.split_once('|').unwrap();
    let serial = first.strip_prefix("serial=").unwrap();
    assert!(serial.contains(':'), "not a serial number: {shown}");
    assert_eq!(second, format!("again {serial} and inline-transit"));
    assert!(
        !shown.contains(">>vault:"),
        "passed through unresolved: {shown}"
    );
    // One certificate was issued for the two uses.
    let certs = bao.must(&["list", "-format=json", "pki/certs"]);
    let listed: Vec<String> = serde_json::from_str(&certs).unwrap();
    assert_eq!(listed.len(), 2, "root + one issued: {listed:?}");
}

#[test]
fn fifty_references_over_ten_paths_ask_for_the_mount_once() {
    let bao = OpenBao::start();
    for p in 0..10 {
        bao.must(&[
            "kv",
            "put",
            &format!("secret/app{p}"),
            "a=1",
            "b=2",
            "c=3",
            "d=4",
            "e=5",
        ]);
    }
    // Every request passes through a counting proxy to the real server.
    let proxy = crate::hostile::Hostile::start(crate::hostile::Behaviour::FailFirst {
        k: 0,
        upstream: bao.addr.clone(),
    });
    let mut cmd = bao.kvault();
    cmd.env("VAULT_ADDR", &proxy.addr);
    for p in 0..10 {
        for k in ["a", "b", "c", "d", "e"] {
            cmd.env(format!("V_{p}_{k}"), format!("vault:secret/app{p}#{k}"));
        }
    }
    let out = cmd.args(["exec", "--", "true"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let paths: Vec<String> = proxy
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    let lookups = paths
        .iter()
        .filter(|p| p.contains("sys/internal/ui/mounts"))
        .count();
    let reads = paths.iter().filter(|p| p.contains("/secret/data/")).count();
    assert_eq!(lookups, 1, "{paths:?}");
    assert_eq!(reads, 10, "{paths:?}");
}

/// Bank-Vaults' Go-template keys, in the three places vault-sdk's own tests
/// use them: a whole value, inside an inline reference, and on the answer
/// of a transit decrypt write.
#[test]
fn go_template_keys_format_values_whole_inline_and_on_a_transit_decrypt() {
    let bao = OpenBao::start();
    bao.must(&[
        "kv",
        "put",
        "secret/account",
        "username=ann",
        "password=p@ss w/rd&",
    ]);
    // "template-plain" in base64: transit takes and returns base64.
    let ct = bao.transit_ciphertext("mykey", "dGVtcGxhdGUtcGxhaW4=");
    let out = bao
        .kvault()
        .env("QUOTED", "vault:secret/data/account#${.password | urlquery}")
        .env(
            "INLINE_SECRET_EMBEDDED_TEMPLATE",
            "scheme://${vault:secret/data/account#username}:${vault:secret/data/account#${.password | urlquery}}@127.0.0.1:8080",
        )
        .env(
            "TRANSIT_SECRET",
            format!(r#">>vault:transit/decrypt/mykey#${{.plaintext | b64dec}}#{{"ciphertext":"{ct}"}}"#),
        )
        .env("AS_JSON", "vault:secret/account#${toJson .}")
        .env("ENCODED", "vault:secret/account#${.username | b64enc}")
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s\\n' \"$QUOTED\" \"$INLINE_SECRET_EMBEDDED_TEMPLATE\" \"$TRANSIT_SECRET\" \"$AS_JSON\" \"$ENCODED\"",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "p%40ss+w%2Frd%26\n\
         scheme://ann:p%40ss+w%2Frd%26@127.0.0.1:8080\n\
         template-plain\n\
         {\"password\":\"p@ss w/rd&\",\"username\":\"ann\"}\n\
         YW5u\n"
    );
}

/// A template kvault cannot run fails before any secret is read, on one
/// line naming the variable; one that fails on the data names the variable
/// too and never shows a value.
#[test]
fn a_key_template_that_cannot_work_is_a_one_line_error_naming_the_variable() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/account", "password=tmpl-secret-4242"]);
    let out = bao
        .kvault()
        .env("HASHED", "vault:secret/account#${.password | sha256sum}")
        .args(["exec", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("HASHED") && stderr.contains("sha256sum"),
        "{stderr}"
    );

    for (var, key) in [
        ("MISSING", "${.nope}"),
        ("NOT_BASE64", "${.password | b64dec}"),
        ("BAD_CALL", "${printf 42 .password}"),
    ] {
        let out = bao
            .kvault()
            .env(var, format!("vault:secret/account#{key}"))
            .args(["exec", "--", "true"])
            .output()
            .unwrap();
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{var}: {all}");
        assert!(all.contains(var), "{var}: {all}");
        assert_eq!(all.trim().lines().count(), 1, "{var}: {all}");
        assert!(!all.contains("tmpl-secret-4242"), "{var} leaked: {all}");
    }
}
