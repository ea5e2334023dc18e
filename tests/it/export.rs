//! `kvault get -o env` and `-o dotenv`: a whole secret as lines a shell or a
//! dotenv loader reads back to the same values.

use crate::harness::{assert_printed, kvault_clean, messages, text, Run};

const HARD: &str = "it's \"quoted\" $HOME `id` \\ back\nslash # no comment";

fn store_with(home: &std::path::Path, key: &str, value: &str) {
    kvault_clean(home)
        .args(["put", "local:app", &format!("{key}=-"), "USER_NAME=app"])
        .write_stdin(value)
        .assert()
        .success();
}

#[test]
fn env_lines_evaluated_by_sh_give_back_the_exact_values() {
    let home = tempfile::tempdir().unwrap();
    store_with(home.path(), "DB_PASSWORD", HARD);
    let out = kvault_clean(home.path()).output_of(&["get", "local:app", "-o", "env"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    assert!(lines.starts_with("export DB_PASSWORD="), "{lines}");
    assert!(lines.ends_with("export USER_NAME=app\n"), "{lines}");
    let shown = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{lines}printf %s \"$DB_PASSWORD\""))
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(text(&shown.stdout), HARD);
    // One key works the same way.
    let out = kvault_clean(home.path()).output_of(&["get", "local:app#USER_NAME", "-o", "env"]);
    assert_eq!(text(&out.stdout), "export USER_NAME=app\n");
}

#[test]
fn dotenv_lines_escape_quotes_dollars_backslashes_and_newlines() {
    let home = tempfile::tempdir().unwrap();
    store_with(home.path(), "DB_PASSWORD", HARD);
    let out = kvault_clean(home.path()).output_of(&["get", "local:app", "-o", "dotenv"]);
    assert_printed(&out, "DB_PASSWORD=\"it's \\\"quoted\\\" \\$HOME `id` \\\\ back\\nslash # no comment\"\nUSER_NAME=\"app\"\n");
}

#[test]
fn a_key_that_is_no_variable_name_is_refused_naming_it_never_the_value() {
    let home = tempfile::tempdir().unwrap();
    let canary = "ExportCanary-9q/8+z=";
    store_with(home.path(), "db-password", canary);
    for format in ["env", "dotenv"] {
        let out = kvault_clean(home.path()).output_of(&["get", "local:app", "-o", format, "-vvv"]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(out.stdout.is_empty(), "{format}: nothing half-printed");
        crate::harness::assert_shows_none(&[canary], format, &out);
        let said = messages(&out);
        assert!(
            said.starts_with(
                "error: cannot export `local:app`: key `db-password` is not a variable name"
            ),
            "{said}"
        );
    }
    // Other formats stay as they were: -o env is only for get.
    let out = kvault_clean(home.path()).output_of(&["ls", "local:", "-o", "env"]);
    assert_eq!(out.status.code(), Some(2));
}
