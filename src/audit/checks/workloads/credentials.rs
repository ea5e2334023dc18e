//! What looks like a credential: env var and key names (`PASSWORD`,
//! `TOKEN`, ... but not `_FILE`, `_NAME`, ...), values that are literals
//! rather than placeholders, paths or references, URLs with a password,
//! and `name = value` lines of config files. Only ever answers yes or no:
//! values are looked at, never returned.

const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
];

/// Names that hold something about a credential, not the credential.
const NOT_CREDENTIAL_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_REF",
    "_ID",
    "_TTL",
    "_TIMEOUT",
    "_LENGTH",
    "_EXPIRY",
    "_EXPIRES",
    "_ENABLED",
    "_REQUIRED",
    "_POLICY",
    "_TYPE",
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_AUDIENCE",
    "_ISSUER",
    "_HEADER",
    "_PREFIX",
    "_SIZE",
    "_ALGORITHM",
    "_VERSION",
    "_MODE",
    "_HOST",
    "_PORT",
    "_USER",
    "_USERNAME",
    "_KEY_NAME",
    "_ROTATION",
];

/// Does an env var or key name look like it holds a credential?
pub fn credential_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .map(|c| match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if NOT_CREDENTIAL_SUFFIXES.iter().any(|s| n.ends_with(s)) {
        return false;
    }
    CREDENTIAL_WORDS.iter().any(|w| n.contains(w)) || n.ends_with("_PWD") || n.ends_with("_PASS")
}

/// Is `value` a literal (not a placeholder, path or reference)?
pub fn literal_credential(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).trim();
    if v.chars().count() < 4 {
        return false;
    }
    let placeholder = v.starts_with("$(")
        || v.starts_with("${")
        || v.starts_with("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with('/')
        || v.starts_with("vault:")
        || v.starts_with("k8s:")
        || v.starts_with("local:")
        || v.starts_with("file:")
        || v.starts_with("env:");
    let boolean = matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "none" | "null"
    );
    !placeholder && !boolean
}

/// `scheme://user:password@host`, with a password that is not a placeholder.
pub fn url_with_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    match userinfo.split_once(':') {
        Some((_, password)) => {
            !password.is_empty() && !password.starts_with('$') && !password.starts_with('{')
        }
        None => false,
    }
}

/// `name = value` / `name: value` lines of a config file held in a
/// ConfigMap whose name looks like a credential and value like a literal:
/// (line number, setting name). A line holding a URL with a password gives
/// no name: what precedes the first `:` or `=` there may be part of the URL
/// (`jdbc:postgresql://user:pw@db`), that is of the value.
pub(super) fn credential_lines(text: &str) -> Vec<(usize, Option<String>)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with(['#', ';']) || trimmed.starts_with("//") {
            continue;
        }
        let trimmed = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let Some(split) = trimmed.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (&trimmed[..split], &trimmed[split + 1..]);
        let key = key.trim().trim_matches(['"', '\'']);
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let value = value.trim().trim_end_matches(',');
        if credential_name(key) && literal_credential(value) {
            out.push((i + 1, Some(key.to_string())));
        } else if url_with_password(value) || url_with_password(trimmed) {
            out.push((i + 1, None));
        }
    }
    out
}
