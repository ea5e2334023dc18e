//! An entry's `decodingStrategy` (as External Secrets Operator names it):
//! for sources that keep base64 text where the target wants the bytes.
//! Pure; an error names the key and the source, never the value.

use crate::store::SecretValue;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum Decoding {
    /// The value as the source holds it.
    #[default]
    None,
    /// Standard base64 (padding optional): a value that is not is an error.
    Base64,
    /// URL-safe base64 (padding optional): a value that is not is an error.
    #[serde(rename = "Base64URL")]
    Base64Url,
    /// Standard, then URL-safe base64; a value that is neither is kept as
    /// it is (ESO's `Auto`).
    Auto,
}

impl Decoding {
    /// The value to write for `key` of `source`.
    pub fn apply(
        self,
        value: &SecretValue,
        key: &str,
        source: &str,
    ) -> Result<SecretValue, String> {
        let text = value.expose();
        let standard = || {
            STANDARD
                .decode(text)
                .or_else(|_| STANDARD_NO_PAD.decode(text))
        };
        let url = || {
            URL_SAFE
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        };
        let bad = |how: &str| format!("key `{key}` of `{source}` is not {how} (decodingStrategy)");
        match self {
            Decoding::None => Ok(value.clone()),
            Decoding::Base64 => standard().map(SecretValue::new).map_err(|_| bad("base64")),
            Decoding::Base64Url => url()
                .map(SecretValue::new)
                .map_err(|_| bad("URL-safe base64")),
            Decoding::Auto => Ok(standard()
                .or_else(|_| url())
                .map_or_else(|_| value.clone(), SecretValue::new)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(d: Decoding, text: &str) -> Result<String, String> {
        d.apply(&SecretValue::from_str_value(text), "k", "vault:s/x")
            .map(|v| String::from_utf8(v.expose().to_vec()).unwrap())
    }

    #[test]
    fn each_strategy_decodes_its_own_alphabet() {
        assert_eq!(apply(Decoding::Base64, "aGk+Pz8=").unwrap(), "hi>??");
        assert_eq!(apply(Decoding::Base64, "aGk").unwrap(), "hi");
        assert_eq!(apply(Decoding::Base64Url, "aGk-Pz8").unwrap(), "hi>??");
        assert_eq!(apply(Decoding::Auto, "aGk-Pz8=").unwrap(), "hi>??");
        assert_eq!(apply(Decoding::None, "aGk=").unwrap(), "aGk=");
    }

    #[test]
    fn auto_keeps_what_is_not_base64_and_the_strict_ones_refuse_it_by_key() {
        assert_eq!(apply(Decoding::Auto, "plain text!").unwrap(), "plain text!");
        let e = apply(Decoding::Base64, "s3cr3t value!").unwrap_err();
        assert_eq!(e, "key `k` of `vault:s/x` is not base64 (decodingStrategy)");
    }
}
