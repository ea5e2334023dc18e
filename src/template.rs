//! Go templates over a secret's data, as two peers write them:
//! - Bank-Vaults' keys (`vault:secret/app#${.password | urlquery}`): a
//!   template instead of one key, as vault-sdk's injector takes it
//!   (`text/template` with `${`/`}` delimiters): [`KEY`];
//! - External Secrets Operator's target templates (`{{ .password }}` in
//!   a sync plan's `template.data`): [`TARGET`].
//!
//! The engine is `gotmpl`, a port of Go's `text/template` (the language
//! both peers' users already write); kvault adds the Sprig functions they
//! document and use. Pure: no I/O.
//!
//! Where kvault differs on purpose: a missing field is an error (Go prints
//! `<no value>` and the app starts with it), and an unknown function is an
//! error before any secret is read.

use crate::store::redact::Redactor;
use crate::store::{SecretData, SecretValue};
use base64::Engine as _;
use gotmpl::{MissingKey, Template, TemplateError, Value, ValueFunc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A template language: its delimiters, and what messages call a template.
#[derive(Clone, Copy, Debug)]
pub struct Syntax {
    pub open: &'static str,
    pub close: &'static str,
    pub what: &'static str,
}

/// Bank-Vaults' key templates.
pub const KEY: Syntax = Syntax {
    open: "${",
    close: "}",
    what: "the key template",
};

/// A sync plan's target templates, in ESO's delimiters.
pub const TARGET: Syntax = Syntax {
    open: "{{",
    close: "}}",
    what: "the template",
};

/// Whether a key is a template rather than a key name (vault-sdk's
/// `IsGoTemplate`: it holds both delimiters).
pub fn is_template(key: &str) -> bool {
    key.contains("${") && key.contains('}')
}

/// The functions a key template may call besides Go's built-ins
/// (`urlquery`, `printf`, `index`, `len`, ...): the Sprig ones that
/// Bank-Vaults' documentation and tests use, and their everyday company.
pub const SPRIG_FUNCTIONS: &[&str] = &[
    "b64enc",
    "b64dec",
    "toJson",
    "toPrettyJson",
    "toString",
    "upper",
    "lower",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "replace",
    "quote",
    "squote",
    "default",
];

/// Check a key template before any secret is read: its syntax, and that
/// every function it calls exists. The message quotes the template (a
/// location, never a value).
pub fn check(key: &str) -> Result<(), String> {
    check_as(KEY, key)
}

/// [`check`] for a template of `syntax`.
pub fn check_as(syntax: Syntax, key: &str) -> Result<(), String> {
    let what = syntax.what;
    parse(syntax, key)?;
    // gotmpl resolves functions when it runs a template, Go when it parses
    // one: walk the tree so a typo fails here, with no secret read yet.
    let (tree, defines) = gotmpl::parse::Parser::new(key, syntax.open, syntax.close)
        .and_then(|p| p.parse())
        .map_err(|e| format!("{what} `{key}` is not valid: {}", describe(&e)))?;
    let mut called = Vec::new();
    calls_in_list(&tree, &mut called);
    for define in &defines {
        calls_in_list(&define.body, &mut called);
    }
    match called
        .into_iter()
        .find(|f| !GO_BUILTINS.contains(&f.as_str()) && !SPRIG_FUNCTIONS.contains(&f.as_str()))
    {
        Some(unknown) => Err(format!(
            "{what} `{key}` calls `{unknown}`, which kvault does not have (it has Go's built-ins and {})",
            SPRIG_FUNCTIONS.join(", ")
        )),
        None => Ok(()),
    }
}

/// The functions Go's `text/template` defines (and gotmpl with it).
const GO_BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

fn calls_in_list(list: &gotmpl::parse::ListNode, out: &mut Vec<String>) {
    use gotmpl::parse::Node;
    for node in &list.nodes {
        match node {
            Node::List(l) => calls_in_list(l, out),
            Node::Action(a) => calls_in_pipe(&a.pipe, out),
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                calls_in_pipe(&b.pipe, out);
                calls_in_list(&b.body, out);
                if let Some(e) = &b.else_body {
                    calls_in_list(e, out);
                }
            }
            Node::Template(t) => {
                if let Some(p) = &t.pipe {
                    calls_in_pipe(p, out);
                }
            }
            Node::Define(d) => calls_in_list(&d.body, out),
            Node::Text(_) | Node::Break(_) | Node::Continue(_) => {}
        }
    }
}

fn calls_in_pipe(pipe: &gotmpl::parse::PipeNode, out: &mut Vec<String>) {
    for command in &pipe.commands {
        for arg in &command.args {
            calls_in_expr(arg, out);
        }
    }
}

fn calls_in_expr(expr: &gotmpl::parse::Expr, out: &mut Vec<String>) {
    use gotmpl::parse::Expr;
    match expr {
        Expr::Identifier(_, name) => out.push(name.to_string()),
        Expr::Pipe(_, pipe) => calls_in_pipe(pipe, out),
        Expr::Chain(_, inner, _) => calls_in_expr(inner, out),
        _ => {}
    }
}

/// The template's output over `data`. An error never holds a value of
/// `data`: execution errors can quote what they failed on, so every value
/// (and its encodings) is hidden from the message.
pub fn render(key: &str, data: &SecretData) -> Result<SecretValue, String> {
    render_as(KEY, key, data)
}

/// [`render`] for a template of `syntax`.
pub fn render_as(syntax: Syntax, key: &str, data: &SecretData) -> Result<SecretValue, String> {
    let what = syntax.what;
    let template = parse(syntax, key)?;
    let context = context(data);
    template
        .execute_to_string(&context)
        .map(|text| SecretValue::new(text.into_bytes()))
        .map_err(|e| {
            let mut redactor = Redactor::new();
            for (_, value) in data.iter() {
                redactor.add(value.expose());
            }
            format!("{what} `{key}` failed: {}", redactor.remote(&describe(&e)))
        })
}

fn parse(syntax: Syntax, key: &str) -> Result<Template, String> {
    Template::new("key")
        .delims(syntax.open, syntax.close)
        .missing_key(MissingKey::Error)
        .funcs(sprig())
        .parse(key)
        .map_err(|e| format!("{} `{key}` is not valid: {}", syntax.what, describe(&e)))
}

/// gotmpl's messages, without its `template: key:` prefix.
fn describe(e: &TemplateError) -> String {
    let text = e.to_string();
    text.strip_prefix("template: key:")
        .map(str::trim_start)
        .unwrap_or(&text)
        .to_string()
}

/// The secret's data as the template sees it: a map of its keys. A value
/// kvault keeps as JSON text (an object or a list in KV) becomes the object
/// again, so `${.config.port}` reaches inside it as in vault-sdk.
fn context(data: &SecretData) -> Value {
    let map: BTreeMap<String, Value> = data
        .iter()
        .map(|(key, value)| (key.to_string(), value_of(value.expose())))
        .collect();
    Value::from(map)
}

fn value_of(bytes: &[u8]) -> Value {
    if matches!(bytes.first(), Some(b'{' | b'[')) {
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) {
            return from_json(json);
        }
    }
    Value::from(String::from_utf8_lossy(bytes).into_owned())
}

fn from_json(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::Uint(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::from(s),
        serde_json::Value::Array(items) => {
            Value::from(items.into_iter().map(from_json).collect::<Vec<_>>())
        }
        serde_json::Value::Object(fields) => Value::from(
            fields
                .into_iter()
                .map(|(k, v)| (k, from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Uint(u) => serde_json::Value::from(*u),
        Value::Float(f) => serde_json::Value::from(*f),
        Value::String(s) => serde_json::Value::from(s.as_ref()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(fields) => serde_json::Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
        other => serde_json::Value::from(other.to_string()),
    }
}

/// Sprig's argument order: the piped value comes last.
fn sprig() -> gotmpl::FuncMap {
    fn text(v: &Value) -> String {
        v.to_string()
    }
    fn arity(name: &str, args: &[Value], n: usize) -> gotmpl::Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            Err(TemplateError::Exec(format!(
                "{name} takes {n} argument(s), got {}",
                args.len()
            )))
        }
    }
    fn string(s: impl Into<String>) -> gotmpl::Result<Value> {
        Ok(Value::from(s.into()))
    }
    use base64::engine::general_purpose::STANDARD as b64;
    /// A function of one value taken as text, giving text.
    fn text_fn(name: &'static str, f: fn(&str) -> String) -> (&'static str, ValueFunc) {
        let func: ValueFunc = Arc::new(move |a: &[Value]| {
            arity(name, a, 1)?;
            string(f(&text(&a[0])))
        });
        (name, func)
    }
    let funcs: Vec<(&str, ValueFunc)> = vec![
        text_fn("b64enc", |s| b64.encode(s)),
        (
            "b64dec",
            Arc::new(|a: &[Value]| {
                arity("b64dec", a, 1)?;
                let bytes = b64
                    .decode(text(&a[0]).trim())
                    .map_err(|_| TemplateError::Exec("b64dec: the value is not base64".into()))?;
                string(String::from_utf8(bytes).map_err(|_| {
                    TemplateError::Exec("b64dec: the decoded value is not UTF-8 text".into())
                })?)
            }),
        ),
        (
            "toJson",
            Arc::new(|a: &[Value]| {
                arity("toJson", a, 1)?;
                string(to_json(&a[0]).to_string())
            }),
        ),
        (
            "toPrettyJson",
            Arc::new(|a: &[Value]| {
                arity("toPrettyJson", a, 1)?;
                string(serde_json::to_string_pretty(&to_json(&a[0])).unwrap_or_default())
            }),
        ),
        text_fn("toString", str::to_string),
        text_fn("upper", str::to_uppercase),
        text_fn("lower", str::to_lowercase),
        text_fn("trim", |s| s.trim().to_string()),
        (
            "trimPrefix",
            Arc::new(|a: &[Value]| {
                arity("trimPrefix", a, 2)?;
                let s = text(&a[1]);
                string(s.strip_prefix(&text(&a[0])).unwrap_or(&s))
            }),
        ),
        (
            "trimSuffix",
            Arc::new(|a: &[Value]| {
                arity("trimSuffix", a, 2)?;
                let s = text(&a[1]);
                string(s.strip_suffix(&text(&a[0])).unwrap_or(&s))
            }),
        ),
        (
            "replace",
            Arc::new(|a: &[Value]| {
                arity("replace", a, 3)?;
                string(text(&a[2]).replace(&text(&a[0]), &text(&a[1])))
            }),
        ),
        text_fn("quote", |s| format!("{s:?}")),
        text_fn("squote", |s| format!("'{s}'")),
        (
            "default",
            Arc::new(|a: &[Value]| {
                arity("default", a, 2)?;
                Ok(if a[1].is_truthy() {
                    a[1].clone()
                } else {
                    a[0].clone()
                })
            }),
        ),
    ];
    debug_assert_eq!(funcs.len(), SPRIG_FUNCTIONS.len());
    funcs
        .into_iter()
        .map(|(name, f)| (name.to_string(), f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> SecretData {
        SecretData::from_pairs(pairs)
    }

    fn out(key: &str, pairs: &[(&str, &str)]) -> String {
        let value = render(key, &data(pairs)).unwrap();
        String::from_utf8(value.expose().to_vec()).unwrap()
    }

    #[test]
    fn a_key_is_a_template_when_it_holds_both_delimiters() {
        assert!(is_template("${.password}"));
        assert!(is_template("pre-${.a}-post"));
        assert!(!is_template("password"));
        assert!(!is_template("${unclosed"));
    }

    #[test]
    fn field_access_and_urlquery_as_in_vault_sdk() {
        assert_eq!(
            out("${.password | urlquery}", &[("password", "p@ss w/rd&")]),
            "p%40ss+w%2Frd%26"
        );
        assert_eq!(
            out("${.user}:${.password}", &[("user", "u"), ("password", "p")]),
            "u:p"
        );
    }

    #[test]
    fn base64_both_ways_and_json() {
        assert_eq!(out("${.v | b64enc}", &[("v", "hello")]), "aGVsbG8=");
        assert_eq!(out("${.v | b64dec}", &[("v", "aGVsbG8=")]), "hello");
        assert_eq!(
            out("${toJson .}", &[("a", "1"), ("b", "x")]),
            r#"{"a":"1","b":"x"}"#
        );
        assert_eq!(
            out("${.cfg.port}", &[("cfg", r#"{"port":5432,"host":"db"}"#)]),
            "5432"
        );
        assert_eq!(
            out("${.cfg | toJson}", &[("cfg", r#"{"port":5432}"#)]),
            r#"{"port":5432}"#
        );
    }

    #[test]
    fn sprig_helpers_take_the_piped_value_last() {
        assert_eq!(
            out(r#"${.v | replace "a" "b" | upper}"#, &[("v", "banana")]),
            "BBNBNB"
        );
        assert_eq!(out(r#"${.v | trimPrefix "x-"}"#, &[("v", "x-y")]), "y");
        assert_eq!(out(r#"${.v | default "none"}"#, &[("v", "")]), "none");
        assert_eq!(out("${.v | quote}", &[("v", "a\"b")]), r#""a\"b""#);
        assert_eq!(
            out("${.v | trim | lower | squote}", &[("v", " AB ")]),
            "'ab'"
        );
        assert_eq!(out("${.n | toString}", &[("n", "[1,2]")]), "[1 2]");
    }

    #[test]
    fn an_unknown_function_is_an_error_before_anything_is_read() {
        let err = check("${.password | sha256sum}").unwrap_err();
        assert!(err.contains("sha256sum"), "{err}");
        assert!(err.contains("`${.password | sha256sum}`"), "{err}");
        assert!(check("${.password | urlquery}").is_ok());
    }

    #[test]
    fn a_missing_field_is_an_error_not_no_value() {
        let err = render("${.nope}", &data(&[("password", "hunter22")])).unwrap_err();
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn execution_errors_never_show_a_value() {
        let secret = "s3cr3t-value-9876";
        let err = render(r#"${printf 42 .password}"#, &data(&[("password", secret)]))
            .map(drop)
            .unwrap_err();
        assert!(!err.contains(secret), "{err}");
        let err = render("${len .password.x}", &data(&[("password", secret)]))
            .map(drop)
            .unwrap_err();
        assert!(!err.contains(secret), "{err}");
        let err = render("${.v | b64dec}", &data(&[("v", secret)]))
            .map(drop)
            .unwrap_err();
        assert!(!err.contains(secret), "{err}");
    }
}
