//! Personal access tokens verified recently and login sessions found recently, with their
//! user's permissions, so that a warm PAT- or session-authenticated request needs no
//! database query.
//!
//! Coherence comes from the database's auth epoch, a counter that triggers bump in the same
//! transaction as any change to users, roles, project roles or tokens (migration 0020). Each
//! entry remembers the epoch it was loaded under and is used only while the node's view of
//! the epoch is the same; the node re-reads the epoch at most every [`EPOCH_TTL`], and at
//! once after a change made through this node's own API ([`PrincipalCache::expire_epoch`]).
//! The epoch is read before a principal is loaded, so a change committed meanwhile moves the
//! epoch past the entry's and the entry is never used.
//!
//! Entries are keyed by a 128-bit keyed hash of the presented token or session cookie
//! (random keys chosen at start-up) and are stored only after the token was verified
//! against its stored digest, or the session found by its digest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::principal::UserPrincipal;
use crate::store::{self, Db};

/// How stale a node's view of the auth epoch may be: how long a change made on another node
/// (or by a background job) may take to reach requests here, plus one read of the epoch.
pub const EPOCH_TTL: Duration = store::revision::COUNTER_TTL;

/// Entries kept at most; past it, the cache starts afresh (it refills from the database).
const MAX_ENTRIES: usize = 50_000;

/// A verified token's or a live session's principal.
#[derive(Clone)]
pub struct CachedPrincipal {
    pub principal: Arc<UserPrincipal>,
    /// The personal access token's id (its uses are recorded); `None` for a session.
    pub token_id: Option<i64>,
    /// When the token or the session expires: past it, the entry answers nothing.
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct PrincipalCache {
    keys: super::token::SecretHasher,
    entries: Mutex<HashMap<u128, (i64, CachedPrincipal)>>,
    epoch: store::revision::Watched,
    /// The epoch the entries were last pruned for.
    pruned_for: Mutex<i64>,
    /// Lookups answered from memory, and those that were not (for the Prometheus endpoint).
    pub hits: crate::telemetry::Counter,
    pub misses: crate::telemetry::Counter,
}

impl PrincipalCache {
    /// The key of a personal access token.
    pub fn key(&self, token: &str) -> u128 {
        self.keys.key(token)
    }

    /// The key of a session cookie's value (never equal to a token's: tokens do not start
    /// with `session:`).
    pub fn session_key(&self, value: &str) -> u128 {
        self.keys.key(&format!("session:{value}"))
    }

    /// The auth epoch: as last read when that was within [`EPOCH_TTL`], else read now (by
    /// one request at a time; see [`store::revision::Watched`]).
    pub async fn epoch(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let e = self
            .epoch
            .current(|| async { store::revision::auth_epoch(&mut db.clone()).await })
            .await?;
        self.prune(e);
        Ok(e)
    }

    /// Drops the entries of other epochs, once per new value.
    fn prune(&self, epoch: i64) {
        let mut pruned = self.pruned_for.lock().unwrap_or_else(|e| e.into_inner());
        if *pruned != epoch {
            *pruned = epoch;
            self.entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|_, (at, _)| *at == epoch);
        }
    }

    /// Makes the next lookup re-read the epoch (after a change made through this node).
    pub fn expire_epoch(&self) {
        self.epoch.invalidate();
    }

    /// The principal stored for `key` under `epoch`.
    pub fn get(&self, key: u128, epoch: i64) -> Option<CachedPrincipal> {
        let found = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .filter(|(at, _)| *at == epoch)
            .map(|(_, p)| p.clone());
        if found.is_some() {
            self.hits.inc();
        } else {
            self.misses.inc();
        }
        found
    }

    pub fn put(&self, key: u128, epoch: i64, value: CachedPrincipal) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (epoch, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::principal::Via;
    use crate::domain::token_scope::TokenScope;

    fn pat() -> CachedPrincipal {
        let user = crate::domain::users::User {
            id: 7,
            username: Some("u".into()),
            email: None,
            name: None,
            root_role_id: 1,
            is_service: false,
            created_at: Utc::now(),
            seen_at: None,
            login_attempts: 0,
        };
        CachedPrincipal {
            principal: Arc::new(UserPrincipal {
                user,
                grants: Vec::new(),
                via: Via::Pat { token_id: 3 },
                scope: TokenScope::all(),
            }),
            token_id: Some(3),
            expires_at: Utc::now(),
        }
    }

    #[test]
    fn entries_live_only_as_long_as_their_epoch() {
        let cache = PrincipalCache::default();
        cache.prune(5);
        let key = cache.key("user:v2_x");
        assert_ne!(key, cache.key("user:v2_y"));
        assert_ne!(key, cache.session_key("user:v2_x"));
        cache.put(key, 5, pat());
        assert!(cache.get(key, 5).is_some());
        assert!(cache.get(key, 6).is_none(), "another epoch");
        cache.prune(6);
        cache.prune(5);
        assert!(cache.get(key, 5).is_none(), "dropped when the epoch moved");
        assert_eq!((cache.hits.get(), cache.misses.get()), (1, 2));
    }
}
