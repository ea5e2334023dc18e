//! Text from a remote server on its way to a terminal or a CI log.
//!
//! A server, or a proxy in front of it, may echo the request into its error
//! body: the token header, the values of a write. So nothing a server says is
//! printed raw. [`Redactor::remote`] is the one door: known secrets (in their
//! plain, base64 and URL-encoded forms) and anything shaped like a token are
//! replaced, control characters and ANSI escapes removed, and the text cut to
//! one line of bounded length.

use base64::Engine as _;

/// The longest piece of remote text shown, in characters.
pub const MAX_REMOTE_TEXT: usize = 200;

/// What stands where a secret was.
pub const REDACTED: &str = "[redacted]";

/// Secrets known to be in play for one request (the token, the values sent).
#[derive(Default, Clone)]
pub struct Redactor {
    /// Every form to hide, longest first so a longer form is not left half
    /// replaced by a shorter one inside it.
    forms: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

/// Values shorter than this are not searched for: replacing every `a` or
/// `1` in a message would hide the message, not a secret.
const MIN_SECRET_LEN: usize = 4;

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Hide `secret` and its encodings wherever they appear.
    pub fn secret(mut self, secret: &[u8]) -> Self {
        self.add(secret);
        self
    }

    pub fn add(&mut self, secret: &[u8]) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut forms = vec![b64.encode(secret), b64url.encode(secret)];
        if let Ok(text) = std::str::from_utf8(secret) {
            forms.push(text.to_string());
            forms.push(percent_encode(text));
            // JSON escapes what it must; an echoed JSON body shows that form.
            if let Ok(json) = serde_json::to_string(text) {
                forms.push(json.trim_matches('"').to_string());
            }
            // A token's prefix (`hvs.`) is public; its tail is the secret.
            // An echo that drops or mangles the prefix (found by fuzzing
            // http_answer) must not show the tail.
            for prefix in ["hvs.", "hvb.", "hvr.", "s.", "b.", "r."] {
                if let Some(tail) = text.strip_prefix(prefix) {
                    if tail.len() >= 16 {
                        forms.push(tail.to_string());
                    }
                    break;
                }
            }
        }
        for form in forms {
            if form.len() >= MIN_SECRET_LEN && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// Remote text made safe to print: one line, at most
    /// [`MAX_REMOTE_TEXT`] characters, no control characters, no known
    /// secret, nothing shaped like a token.
    pub fn remote(&self, text: &str) -> String {
        // Secrets first, on the text as received: stripping escapes could
        // otherwise eat a character of one and leave the rest unknown.
        let mut out = text.to_string();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        let out = hide_token_shapes(&strip_controls(&hide_token_shapes(&out)));
        truncate(out.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// Remove ANSI escape sequences and every control character (newlines
/// become spaces, so that a multi-line body stays one line).
fn strip_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * MAX_REMOTE_TEXT));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI `ESC [ ... final` or OSC `ESC ] ... BEL|ESC \`; any
                // other escape drops the next character.
                match chars.next() {
                    Some('[') => {
                        for c in chars.by_ref() {
                            if ('\u{40}'..='\u{7e}').contains(&c) {
                                break;
                            }
                        }
                    }
                    Some(']') => {
                        while let Some(c) = chars.next() {
                            if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some())
                            {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            c if c.is_control() => out.push(' '),
            // Bidi overrides can make a terminal show text in another order.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Words that look like credentials whatever their value: Vault/OpenBao
/// tokens (`hvs.`, `hvb.`, `hvr.`, `s.`, `b.`, `r.` and a long tail), JWTs,
/// and whatever follows a token header or `Bearer`. Whitespace becomes
/// single spaces.
fn hide_token_shapes(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hide_next = false;
    for word in text.split([' ', '\t', '\n', '\r']) {
        let scheme = matches!(word.to_ascii_lowercase().as_str(), "bearer" | "basic");
        if hide_next && !word.is_empty() && !scheme {
            out.push(REDACTED.to_string());
            hide_next = false;
            continue;
        }
        // `X-Vault-Token: ...`, `token=...`, `Authorization: Bearer ...`:
        // a header or field naming a credential hides the word after it.
        let lower = word.to_ascii_lowercase();
        let names_credential = ["token", "authorization", "secret", "password"]
            .iter()
            .any(|n| lower.contains(n));
        if (names_credential && (lower.ends_with(':') || lower.ends_with('='))) || lower == "bearer"
        {
            hide_next = true;
            out.push(word.to_string());
            continue;
        }
        match replace_token_runs(word) {
            Some(hidden) => out.push(hidden),
            None => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// Prefixes distinctive enough to look for inside a word: Vault/OpenBao
/// service, batch and recovery tokens, and JWTs (base64 of `{"`).
const TOKEN_PREFIXES: &[&str] = &["hvs.", "hvb.", "hvr.", "eyJ"];
/// Legacy token prefixes, too common to match but at a word's start.
const SHORT_PREFIXES: &[&str] = &["s.", "b.", "r."];
/// Characters after a prefix before a run counts as a token.
const MIN_TOKEN_TAIL: usize = 16;

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// `word` with every token-shaped run replaced, or `None` if it has none.
fn replace_token_runs(word: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = word;
    let mut found = false;
    'scan: while !rest.is_empty() {
        for (i, _) in rest.char_indices() {
            let at = &rest[i..];
            let prefix = TOKEN_PREFIXES
                .iter()
                .find(|p| at.starts_with(**p))
                .or_else(|| {
                    let boundary =
                        i == 0 || !is_token_char(rest[..i].chars().next_back().unwrap_or(' '));
                    SHORT_PREFIXES
                        .iter()
                        .find(|p| boundary && at.starts_with(**p))
                });
            if let Some(prefix) = prefix {
                let run = at.find(|c: char| !is_token_char(c)).unwrap_or(at.len());
                if run >= prefix.len() + MIN_TOKEN_TAIL {
                    out.push_str(&rest[..i]);
                    out.push_str(REDACTED);
                    rest = &at[run..];
                    found = true;
                    continue 'scan;
                }
            }
        }
        break;
    }
    found.then(|| {
        out.push_str(rest);
        out
    })
}

fn truncate(text: String) -> String {
    match text.char_indices().nth(MAX_REMOTE_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An error and its causes, as one line of remote-safe text (a library's
/// top-level text alone often says only "service error").
/// A JSON parse error in the chain shows its position only (see
/// [`json_error`]).
pub fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    fn text_of(e: &(dyn std::error::Error + 'static)) -> String {
        match e.downcast_ref::<serde_json::Error>() {
            Some(json) => format!("the answer {}", json_error(json)),
            None => e.to_string(),
        }
    }
    let mut out = text_of(e);
    let mut source = e.source();
    while let Some(s) = source {
        let text = text_of(s);
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A URL as it may be printed: without `user:password@`, query or fragment.
pub fn display_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        // Not a URL: show the part after any `@`, which is where userinfo ends.
        Err(_) => {
            let text = url.rsplit_once('@').map_or(url, |(_, host)| host);
            strip_controls(text)
        }
    }
}

/// Only scheme, host and port: what a redirect target may be named by.
pub fn origin(url: &reqwest::Url) -> String {
    match url.port() {
        Some(p) => format!("{}://{}:{p}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// What a JSON parse error may say: its category and position, never the
/// text serde quotes from the input ("invalid type: string \"...\"").
pub fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "could not be read",
        Category::Syntax => "is not valid JSON",
        Category::Data => "is JSON of another shape than the API's",
        Category::Eof => "ends early",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_token_echoed_without_its_prefix_is_still_hidden() {
        let token = "hvs.FuzzPlantedToken0123456789abcd";
        let hide = Redactor::new().secret(token.as_bytes());
        let shown = hide.remote(&format!("p{token}sioFuzzPlantedToken0123456789abcdsnd"));
        assert!(!shown.contains("FuzzPlantedToken"), "{shown}");
    }

    use super::*;

    #[test]
    fn an_echoed_request_shows_neither_the_token_nor_the_values() {
        let r = Redactor::new()
            .secret(b"hvs.CAESIKnownTokenValue1234567890")
            .secret(b"p@ss word/1");
        let body = "PUT /v1/secret/data/app HTTP/1.1\r\nX-Vault-Token: hvs.CAESIKnownTokenValue1234567890\r\n\r\n{\"data\":{\"password\":\"p@ss word/1\",\"b\":\"cEBzcyB3b3JkLzE=\",\"u\":\"p%40ss%20word%2F1\"}}";
        let shown = r.remote(body);
        assert!(!shown.contains("KnownTokenValue"), "{shown}");
        assert!(!shown.contains("p@ss"), "{shown}");
        assert!(!shown.contains("cEBzcyB3b3JkLzE="), "{shown}");
        assert!(!shown.contains("p%40ss"), "{shown}");
        assert!(!shown.contains('\n') && !shown.contains('\r'));
    }

    #[test]
    fn unknown_tokens_and_header_values_are_hidden_by_their_shape() {
        let r = Redactor::new();
        for text in [
            "denied for s.AbCdEfGhIjKlMnOpQrStUvWx",
            "X-Vault-Token: anything-at-all",
            "Authorization: Bearer abc.def",
            "jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig",
        ] {
            let shown = r.remote(text);
            assert!(shown.contains(REDACTED), "{text} -> {shown}");
            for secret in ["AbCdEfGh", "anything-at-all", "abc.def", "eyJzdWIi"] {
                assert!(!shown.contains(secret), "{text} -> {shown}");
            }
        }
    }

    #[test]
    fn remote_text_is_one_bounded_line_without_escapes() {
        let r = Redactor::new();
        let text = format!(
            "\u{1b}[31mred\u{1b}[0m\u{1b}]0;title\u{7}\nnext\u{202e}line {}",
            "x".repeat(5000)
        );
        let shown = r.remote(&text);
        assert!(shown.starts_with("red next"), "{shown}");
        assert!(!shown.chars().any(|c| c.is_control()));
        assert!(shown.chars().count() <= MAX_REMOTE_TEXT + 1);
    }

    #[test]
    fn short_values_are_not_searched_for() {
        let r = Redactor::new().secret(b"a");
        assert_eq!(r.remote("a bad path"), "a bad path");
    }

    #[test]
    fn urls_are_shown_without_userinfo_query_or_fragment() {
        assert_eq!(
            display_url("https://user:pa55@vault.example:8200/x?token=t#f"),
            "https://vault.example:8200/x"
        );
        assert_eq!(display_url("not a url user:pa55@host"), "host");
    }

    #[test]
    fn json_errors_never_quote_the_input() {
        let e = serde_json::from_str::<u64>("\"TopSecretValue\"").unwrap_err();
        let shown = json_error(&e);
        assert!(!shown.contains("TopSecret"), "{shown}");
        assert!(shown.contains("line 1"));
    }
}
