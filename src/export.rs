//! A secret as environment lines: `export KEY='value'` for a POSIX shell
//! (`kvault get -o env`) and `KEY="value"` for a .env file (`-o dotenv`).
//! Pure functions; the only caller that prints is `kvault get`.
//!
//! Shell lines are quoted by the `shlex` crate (POSIX quoting, any byte but
//! NUL). Dotenv lines follow dotenvy's double-quoted form: `\` `"` and `$`
//! get a backslash (dotenvy substitutes `$VAR` otherwise), a newline becomes
//! `\n`; other characters stay as they are. A carriage return has no escape
//! there, so it is refused, as are NUL and bytes that are not UTF-8. Both
//! formats refuse a key that is not a shell variable name. Errors name the
//! key, never the value.

use crate::store::SecretData;

/// Whether `key` is a portable variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_variable_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_key(key: &str) -> Result<(), String> {
    if is_variable_name(key) {
        Ok(())
    } else {
        Err(format!(
            "key `{}` is not a variable name ([A-Za-z_][A-Za-z0-9_]*), so it cannot be exported\nhelp: read it alone: kvault get REF#KEY",
            key.escape_default()
        ))
    }
}

/// `export KEY=VALUE` lines, one per key, values quoted for a POSIX shell.
pub fn shell_lines(data: &SecretData) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (key, value) in data.iter() {
        check_key(key)?;
        let quoted = shlex::bytes::try_quote(value.expose()).map_err(|_| {
            format!("the value of `{key}` holds a NUL byte, which no environment variable can")
        })?;
        out.extend_from_slice(b"export ");
        out.extend_from_slice(key.as_bytes());
        out.push(b'=');
        out.extend_from_slice(&quoted);
        out.push(b'\n');
    }
    Ok(out)
}

/// `KEY="VALUE"` lines, one per key, escaped as dotenvy reads them back.
pub fn dotenv_lines(data: &SecretData) -> Result<Vec<u8>, String> {
    let mut out = String::new();
    for (key, value) in data.iter() {
        check_key(key)?;
        let text = value
            .expose_str()
            .ok_or_else(|| format!("the value of `{key}` is not UTF-8 text, which a .env file cannot hold\nhelp: -o env, or -o json (base64)"))?;
        out.push_str(key);
        out.push_str("=\"");
        for c in text.chars() {
            match c {
                '\\' | '"' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' | '\0' => {
                    return Err(format!(
                        "the value of `{key}` holds a {}, which a .env file cannot carry\nhelp: -o env, or -o json",
                        if c == '\r' { "carriage return" } else { "NUL byte" }
                    ))
                }
                c => out.push(c),
            }
        }
        out.push_str("\"\n");
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecretValue;

    fn one(key: &str, value: &[u8]) -> SecretData {
        let mut d = SecretData::new();
        d.insert(key, SecretValue::new(value.to_vec()));
        d
    }

    const HARD: &[&str] = &[
        "plain",
        "",
        "with space",
        "it's",
        "dollar $HOME ${HOME} $(id) `id`",
        "back\\slash \\n not a newline",
        "double \" quote",
        "new\nline\n",
        "tab\there # not a comment",
        "ünïcødé ✓",
        "=starts with equals",
        "'",
        "\"",
        "!bang",
    ];

    #[test]
    fn keys_must_be_variable_names_and_the_error_names_the_key_only() {
        assert!(is_variable_name("DB_PASSWORD"));
        assert!(is_variable_name("_x1"));
        for bad in ["", "1x", "db-password", "a.b", "a b", "ключ"] {
            assert!(!is_variable_name(bad), "{bad}");
        }
        let err = shell_lines(&one("db-password", b"hunter2-value")).unwrap_err();
        assert!(err.contains("`db-password`"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = dotenv_lines(&one("db-password", b"hunter2-value")).unwrap_err();
        assert!(
            err.contains("`db-password`") && !err.contains("hunter2"),
            "{err}"
        );
    }

    #[test]
    fn shell_lines_read_back_through_sh_as_the_same_bytes() {
        let mut values: Vec<&[u8]> = HARD.iter().map(|s| s.as_bytes()).collect();
        values.push(b"not utf8 \xff\xfe");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.sh");
        for value in values {
            let mut script = shell_lines(&one("V", value)).unwrap();
            script.extend_from_slice(b"printf %s \"$V\"");
            std::fs::write(&file, &script).unwrap();
            let out = std::process::Command::new("sh")
                .arg(&file)
                .output()
                .unwrap();
            let shown = String::from_utf8_lossy(value);
            assert!(out.status.success(), "{shown:?}");
            assert_eq!(out.stdout, value, "{shown:?}");
        }
    }

    #[test]
    fn a_nul_byte_is_refused_by_both_and_a_carriage_return_by_dotenv() {
        let err = shell_lines(&one("K", b"a\0b")).unwrap_err();
        assert!(err.contains("`K`") && err.contains("NUL"), "{err}");
        assert!(dotenv_lines(&one("K", b"a\0b")).is_err());
        let err = dotenv_lines(&one("K", b"a\r\nb")).unwrap_err();
        assert!(err.contains("carriage return"), "{err}");
        assert!(shell_lines(&one("K", b"a\r\nb")).is_ok());
        let err = dotenv_lines(&one("K", b"\xff")).unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
    }

    #[test]
    fn dotenv_lines_read_back_through_dotenvy_as_the_same_values() {
        let mut data = SecretData::new();
        for (i, value) in HARD.iter().enumerate() {
            data.insert(format!("K{i}"), SecretValue::from_str_value(value));
        }
        let lines = dotenv_lines(&data).unwrap();
        let read: Vec<(String, String)> = dotenvy::from_read_iter(&lines[..])
            .collect::<Result<_, _>>()
            .unwrap();
        let want: Vec<(String, String)> = data
            .iter()
            .map(|(k, v)| (k.to_string(), v.expose_str().unwrap().to_string()))
            .collect();
        assert_eq!(read, want);
    }

    #[test]
    fn dotenv_lines_look_as_documented() {
        let mut d = one("B", b"x\"$y\\z\nw");
        d.insert("A", SecretValue::from_str_value("plain"));
        assert_eq!(
            String::from_utf8(dotenv_lines(&d).unwrap()).unwrap(),
            "A=\"plain\"\nB=\"x\\\"\\$y\\\\z\\nw\"\n"
        );
    }
}
