//! Token secrets: generation, parsing and verification.
//!
//! Only `base64url(SHA-256(token))` is ever stored. Lookups go by a public selector that is
//! part of the token; the digest is then compared in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that must show or hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// `n` random bytes from the operating system, base64url without padding.
pub fn random_b64(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// `base64url(SHA-256(value))`.
pub fn digest(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

/// Compares a presented token with a stored digest in constant time.
pub fn verify(presented: &str, stored_digest: &str) -> bool {
    let computed = digest(presented);
    computed.len() == stored_digest.len()
        && bool::from(computed.as_bytes().ct_eq(stored_digest.as_bytes()))
}

const SELECTOR_LEN: usize = 22;
const SECRET_LEN: usize = 43;

fn is_b64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits `v2_<selector 22>_<secret 43>` into the selector.
fn v2_selector(tail: &str) -> Option<&str> {
    let rest = tail.strip_prefix("v2_")?;
    if rest.len() != SELECTOR_LEN + 1 + SECRET_LEN || !rest.is_char_boundary(SELECTOR_LEN) {
        return None;
    }
    let (selector, secret) = rest.split_at(SELECTOR_LEN);
    let secret = secret.strip_prefix('_')?;
    (is_b64url(selector) && is_b64url(secret)).then_some(selector)
}

/// A fresh v2 tail: `v2_<selector>_<secret>`, and its selector.
pub fn new_v2_tail() -> (String, String) {
    let selector = random_b64(16);
    let secret = random_b64(32);
    (format!("v2_{selector}_{secret}"), selector)
}

/// What an `Authorization` value looks like, before any lookup.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    /// `user:v2_<selector>_<secret>`
    Pat { selector: &'a str },
    /// Any other `user:` value: never valid here (we issue v2 only).
    MalformedPat,
    /// `<project>:<environment>.v2_<selector>_<secret>`
    ApiTokenV2 { selector: &'a str },
    /// `<project>:<environment>.<secret>`, Unleash's legacy shape (seeded tokens).
    ApiTokenLegacy,
    /// Anything else.
    Unknown,
}

/// Classifies a token string by its shape.
pub fn classify(token: &str) -> Presented<'_> {
    if let Some(tail) = token.strip_prefix("user:") {
        return match v2_selector(tail) {
            Some(selector) => Presented::Pat { selector },
            None => Presented::MalformedPat,
        };
    }
    // Environment (and project) names may contain dots; the secret never does.
    if let Some((prefix, tail)) = token.rsplit_once('.') {
        if prefix.contains(':') {
            if let Some(selector) = v2_selector(tail) {
                return Presented::ApiTokenV2 { selector };
            }
            if !tail.is_empty() {
                return Presented::ApiTokenLegacy;
            }
        }
    }
    Presented::Unknown
}

/// A personal access token, as secret scanners should look for it (docs/token-format.md):
/// `user:v2_`, a 22-character selector and a 43-character secret, both base64url.
pub const PAT_PATTERN: &str = r"user:v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}";

/// An API token (admin, client/backend or frontend): `<project>:<environment>.v2_...`, the
/// project part being `*` (all), `[]` (several) or a project id.
pub const API_TOKEN_PATTERN: &str = r"(?:\*|\[\]|[A-Za-z0-9_.~-]{1,100}):[A-Za-z0-9_.~!*'()-]{1,100}\.v2_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}";

/// An API token in Unleash's older shape (`<project>:<environment>.` and 64 hex digits),
/// accepted when seeded through `INIT_*_API_TOKENS` or imported from Unleash.
pub const LEGACY_API_TOKEN_PATTERN: &str =
    r"(?:\*|\[\]|[A-Za-z0-9_.~-]{1,100}):[A-Za-z0-9_.~!*'()-]{1,100}\.[a-f0-9]{64}";

/// A 128-bit keyed hash of a presented secret, for in-memory caches of verified tokens:
/// SipHash-1-3 with its 128-bit output and a random key chosen at start-up, one pass over
/// the secret on every request, and useless to anyone who reads memory without the key.
pub struct SecretHasher(siphasher::sip128::SipHasher13);

impl Default for SecretHasher {
    fn default() -> Self {
        let mut key = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut key);
        SecretHasher(siphasher::sip128::SipHasher13::new_with_key(&key))
    }
}

impl SecretHasher {
    pub fn key(&self, secret: &str) -> u128 {
        use siphasher::sip128::Hasher128;
        use std::hash::Hasher;
        let mut h = self.0;
        h.write(secret.as_bytes());
        h.finish128().into()
    }
}

/// Strips an optional `Bearer ` scheme (any case) from an `Authorization` value.
pub fn strip_bearer(value: &str) -> &str {
    let v = value.trim();
    // `get` rather than indexing: byte 7 may fall inside a multi-byte character.
    match (v.get(..7), v.get(7..)) {
        (Some(scheme), Some(rest))
            if !rest.is_empty() && scheme.eq_ignore_ascii_case("bearer ") =>
        {
            rest.trim()
        }
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_tokens_for_environments_with_dots_are_recognised() {
        let (tail, selector) = super::new_v2_tail();
        let token = format!("default:prod.eu.{tail}");
        assert_eq!(
            super::classify(&token),
            super::Presented::ApiTokenV2 {
                selector: &selector
            }
        );
        assert_eq!(
            super::classify("*:prod.eu.unleash-insecure"),
            super::Presented::ApiTokenLegacy
        );
    }

    use super::*;

    #[test]
    fn pat_shape_round_trips() {
        let (tail, selector) = new_v2_tail();
        let token = format!("user:{tail}");
        assert_eq!(token.len(), 5 + 3 + 22 + 1 + 43);
        assert_eq!(
            classify(&token),
            Presented::Pat {
                selector: &selector
            }
        );
        assert_eq!(classify("user:abc"), Presented::MalformedPat);
        let api = format!("*:development.{tail}");
        assert_eq!(
            classify(&api),
            Presented::ApiTokenV2 {
                selector: &selector
            }
        );
        assert_eq!(
            classify("default:production.abc123"),
            Presented::ApiTokenLegacy
        );
        assert_eq!(classify("randomtoken"), Presented::Unknown);
    }

    #[test]
    fn verification_is_exact() {
        let d = digest("user:secret");
        assert!(verify("user:secret", &d));
        assert!(!verify("user:secreT", &d));
        assert_eq!(strip_bearer("bEaReR  tok "), "tok");
        assert_eq!(strip_bearer("tok"), "tok");
        assert_eq!(format!("{:?}", Secret::new("x")), "Secret(***)");
    }
}
