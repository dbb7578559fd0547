//! API tokens verified recently, so that a warm SDK request needs no database query.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::principal::ApiTokenPrincipal;

/// How long a verified (or refused) API token is remembered.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Recently verified API tokens. Entries are keyed by a 128-bit keyed hash of the presented
/// secret (two SipHash instances with random keys chosen at start-up): cheap to compute on
/// every request, useless to anyone who reads memory without the keys, and a value is only
/// ever stored after the secret was verified against its stored SHA-256 digest.
#[derive(Default)]
pub struct TokenCache {
    keys: super::token::SecretHasher,
    /// The keys are already random: the map hashes them with a fast hasher.
    /// Read by every authenticated SDK request: readers on several threads do not wait for
    /// each other.
    entries: RwLock<HashMap<u128, CachedToken, foldhash::fast::RandomState>>,
    /// Lookups answered from memory, and those that were not (for the Prometheus endpoint).
    pub hits: crate::telemetry::Counter,
    pub misses: crate::telemetry::Counter,
}

type CachedToken = (std::time::Instant, Option<Arc<ApiTokenPrincipal>>);

impl TokenCache {
    pub fn key(&self, token: &str) -> u128 {
        self.keys.key(token)
    }

    pub fn get(&self, key: u128) -> Option<Option<Arc<ApiTokenPrincipal>>> {
        let map = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let found = map
            .get(&key)
            .filter(|(at, _)| at.elapsed() < TOKEN_CACHE_TTL)
            .map(|(_, p)| p.clone());
        if found.is_some() {
            self.hits.inc();
        } else {
            self.misses.inc();
        }
        found
    }

    pub fn put(&self, key: u128, value: Option<Arc<ApiTokenPrincipal>>) {
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (at, _)| at.elapsed() < TOKEN_CACHE_TTL);
        }
        map.insert(key, (std::time::Instant::now(), value));
    }

    /// Forgets everything (after a token changed on this node).
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
