//! Optional encryption at rest of API token secrets (`TOKEN_ENCRYPTION_KEY`).
//!
//! By default only a digest of each token is stored, so a secret can be shown once and
//! never again. Tools such as Unleash's Terraform provider, however, find their tokens
//! again by secret in `GET /api/admin/api-tokens`, as Unleash lists them. With a key
//! configured, each new API token's secret is also stored sealed with ChaCha20-Poly1305
//! (the token's selector as associated data, so a sealed value cannot be moved to another
//! row), and opened again for callers allowed to read tokens. Authentication still uses
//! the digest only.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

const PREFIX: &str = "v1.";
const CHECK_PLAINTEXT: &[u8] = b"switchyard token encryption key check";
const CHECK_AAD: &[u8] = b"key-check";
/// Name of the `settings` row holding the key check value.
pub const CHECK_SETTING: &str = "token_encryption_key_check";

/// Seals and opens token secrets with the operator's key. Its `Debug` shows nothing of the key.
pub struct TokenSealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSealer(<key hidden>)")
    }
}

impl TokenSealer {
    /// From the key as configured: 32 bytes in base64 (standard or URL-safe, padded or not).
    pub fn from_base64(encoded: &str) -> Result<TokenSealer, String> {
        let trimmed = encoded.trim();
        let bytes = STANDARD
            .decode(trimmed)
            .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed.trim_end_matches('=')))
            .map_err(|_| {
                "TOKEN_ENCRYPTION_KEY is not valid base64: generate one with `openssl rand -base64 32`"
                    .to_string()
            })?;
        if bytes.len() != 32 {
            return Err(format!(
                "TOKEN_ENCRYPTION_KEY must be 32 bytes in base64 (it decodes to {} bytes): generate one with `openssl rand -base64 32`",
                bytes.len()
            ));
        }
        Ok(TokenSealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// From TOKEN_ENCRYPTION_KEY or TOKEN_ENCRYPTION_KEY_FILE; `None` when neither is set.
    pub fn from_config(config: &crate::Config) -> Result<Option<TokenSealer>, String> {
        if let Some(path) = &config.token_encryption_key_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "TOKEN_ENCRYPTION_KEY_FILE {} cannot be read: {e}",
                    path.display()
                )
            })?;
            return Self::from_base64(&text).map(Some);
        }
        match config.token_encryption_key.as_deref().map(str::trim) {
            Some(k) if !k.is_empty() => Self::from_base64(k).map(Some),
            _ => Ok(None),
        }
    }

    fn seal_bytes(&self, plain: &[u8], aad: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encryption of an in-memory buffer cannot fail with this cipher.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    fn open_bytes(&self, sealed: &str, aad: &[u8]) -> Option<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = raw.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
            .ok()
    }

    /// Seals a token secret, bound to the token's selector.
    pub fn seal(&self, secret: &str, selector: &str) -> String {
        self.seal_bytes(secret.as_bytes(), selector.as_bytes())
    }

    /// Opens a sealed secret; `None` when it was sealed with another key or for another token.
    pub fn open(&self, sealed: &str, selector: &str) -> Option<String> {
        self.open_bytes(sealed, selector.as_bytes())
            .and_then(|b| String::from_utf8(b).ok())
    }

    /// A value stored once in the database that only this key opens.
    pub fn key_check(&self) -> String {
        self.seal_bytes(CHECK_PLAINTEXT, CHECK_AAD)
    }

    /// True when `stored` was made by [`TokenSealer::key_check`] with this same key.
    pub fn matches_check(&self, stored: &str) -> bool {
        self.open_bytes(stored, CHECK_AAD).as_deref() == Some(CHECK_PLAINTEXT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const KEY_B: &str = "HxweHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

    #[test]
    fn seals_and_opens_bound_to_the_selector() {
        let s = TokenSealer::from_base64(KEY_A).unwrap();
        let sealed = s.seal("*:development.v2_abc_def", "sel1");
        assert!(!sealed.contains("development"));
        assert_eq!(
            s.open(&sealed, "sel1").as_deref(),
            Some("*:development.v2_abc_def")
        );
        assert_eq!(s.open(&sealed, "sel2"), None);
        assert_ne!(
            sealed,
            s.seal("*:development.v2_abc_def", "sel1"),
            "nonce reused"
        );
    }

    #[test]
    fn another_key_opens_nothing_and_fails_the_check() {
        let a = TokenSealer::from_base64(KEY_A).unwrap();
        let b = TokenSealer::from_base64(KEY_B).unwrap();
        let check = a.key_check();
        assert!(a.matches_check(&check));
        assert!(!b.matches_check(&check));
        assert_eq!(b.open(&a.seal("x", "s"), "s"), None);
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        let e = TokenSealer::from_base64("c2hvcnQ=").unwrap_err();
        assert!(e.contains("32 bytes") && !e.contains("c2hvcnQ"), "{e}");
        assert!(TokenSealer::from_base64("not base64 !!").is_err());
        let s = TokenSealer::from_base64(KEY_A).unwrap();
        assert!(!format!("{s:?}").contains("AAEC"));
    }
}
