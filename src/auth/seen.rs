//! When and from where tokens were last used: recorded in memory on every authenticated
//! request and written to the database in batches, off the request path.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::domain::tokens::note_address;
use crate::store::token_addresses::TokenTable;
use crate::store::{self, Db};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeenKey {
    Pat(i64),
    ApiToken(i64),
}

tokio::task_local! {
    /// The client address of the request being served, set by the HTTP layer, so that a
    /// token's use is recorded with where it came from without threading the request
    /// through every authentication path.
    static CLIENT_ADDRESS: Option<IpAddr>;
}

/// Runs `fut` (a request) with `address` as the client address token uses are recorded with.
pub fn with_client_address<F: std::future::Future>(
    address: Option<IpAddr>,
    fut: F,
) -> tokio::task::futures::TaskLocalFuture<Option<IpAddr>, F> {
    CLIENT_ADDRESS.scope(address, fut)
}

/// The client address of the request being served, when known.
pub fn client_address() -> Option<IpAddr> {
    CLIENT_ADDRESS.try_with(|a| *a).ok().flatten()
}

/// When a token was last used, and the distinct addresses it was used from since the last
/// write (newest first, at most [`crate::domain::tokens::MAX_LAST_ADDRESSES`]).
#[derive(Debug, Clone)]
struct LastUse {
    at: DateTime<Utc>,
    addresses: Vec<(IpAddr, DateTime<Utc>)>,
}

/// Pending last uses by token.
type Pending = HashMap<SeenKey, LastUse, foldhash::fast::RandomState>;

/// Shards of the pending uses. Each thread records into its own (threads take the shards in
/// turn), so threads answering requests at once do not wait for each other's lock; a flush
/// drains and merges them all.
const SHARDS: usize = 16;

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// Last use of tokens, kept in memory and written in batches off the request path.
pub struct SeenTracker {
    pending: Box<[Mutex<Pending>]>,
}

impl Default for SeenTracker {
    fn default() -> Self {
        SeenTracker {
            pending: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

fn lock(m: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SeenTracker {
    pub fn record(&self, key: SeenKey, at: DateTime<Utc>, address: Option<IpAddr>) {
        let mut pending = lock(&self.pending[SHARD.with(|s| *s)]);
        let entry = pending.entry(key).or_insert_with(|| LastUse {
            at,
            addresses: Vec::new(),
        });
        entry.at = entry.at.max(at);
        if let Some(ip) = address {
            // The common case, the same client again, changes nothing but the time.
            match entry.addresses.first_mut() {
                Some((first, seen)) if *first == ip => *seen = at,
                _ => note_address(&mut entry.addresses, ip, at),
            }
        }
    }

    pub fn forget(&self, key: SeenKey) {
        for shard in self.pending.iter() {
            lock(shard).remove(&key);
        }
    }

    /// Everything pending, each token's uses from every shard merged: the latest time, and
    /// the addresses newest first.
    fn take(&self) -> Vec<(SeenKey, LastUse)> {
        let mut merged: Pending = HashMap::default();
        for shard in self.pending.iter() {
            let drained: Vec<(SeenKey, LastUse)> = lock(shard).drain().collect();
            for (key, last) in drained {
                match merged.entry(key) {
                    Entry::Vacant(v) => {
                        v.insert(last);
                    }
                    Entry::Occupied(mut o) => merge(o.get_mut(), last),
                }
            }
        }
        merged.into_iter().collect()
    }

    /// Writes the pending last-use times and addresses in one transaction.
    pub async fn flush(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let mut batch = self.take();
        if batch.is_empty() {
            return Ok(0);
        }
        // The same order on every node, so two nodes' batches do not lock rows crosswise.
        batch.sort_by_key(|(key, _)| *key);
        match write(db, &batch).await {
            Ok(()) => {}
            // A token deleted while the batch was written can fail it (a foreign key); the
            // second try no longer sees that token.
            Err(e) => {
                tracing::debug!(error = %e, "retrying the last-use batch once");
                write(db, &batch).await?;
            }
        }
        Ok(batch.len())
    }
}

/// Adds `other`'s uses of a token to `into`'s.
fn merge(into: &mut LastUse, other: LastUse) {
    into.at = into.at.max(other.at);
    let mut uses: Vec<(IpAddr, DateTime<Utc>)> =
        into.addresses.drain(..).chain(other.addresses).collect();
    uses.sort_by_key(|(_, at)| *at);
    for (ip, at) in uses {
        note_address(&mut into.addresses, ip, at);
    }
}

async fn write(db: &Db, batch: &[(SeenKey, LastUse)]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (key, last) in batch {
        let newest = last.addresses.first().map(|(ip, _)| ip.to_string());
        let (table, id) = match key {
            SeenKey::Pat(id) => {
                store::pats::mark_seen(&mut tx, *id, last.at, newest.as_deref()).await?;
                (TokenTable::Pat, *id)
            }
            SeenKey::ApiToken(id) => {
                store::api_tokens::mark_seen(&mut tx, *id, last.at, newest.as_deref()).await?;
                (TokenTable::ApiToken, *id)
            }
        };
        let uses: Vec<(String, DateTime<Utc>)> = last
            .addresses
            .iter()
            .map(|(ip, at)| (ip.to_string(), *at))
            .collect();
        store::token_addresses::record(&mut tx, table, id, &uses).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn uses_recorded_on_several_threads_are_merged() {
        let tracker = std::sync::Arc::new(SeenTracker::default());
        let base = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = move |s: i64| base + TimeDelta::seconds(s);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        tracker.record(SeenKey::Pat(1), at(1), Some(a));
        tracker.record(SeenKey::Pat(1), at(3), Some(a));
        tracker.record(SeenKey::ApiToken(1), at(2), None);
        let other = tracker.clone();
        std::thread::spawn(move || other.record(SeenKey::Pat(1), at(5), Some(b)))
            .join()
            .unwrap();

        let mut taken = tracker.take();
        taken.sort_by_key(|(key, _)| *key);
        assert_eq!(taken.len(), 2);
        let (key, last) = &taken[0];
        assert_eq!(*key, SeenKey::Pat(1));
        assert_eq!(last.at, at(5));
        assert_eq!(last.addresses, vec![(b, at(5)), (a, at(3))]);
        assert_eq!(taken[1].0, SeenKey::ApiToken(1));
        assert!(tracker.take().is_empty(), "a flush takes everything");

        tracker.record(SeenKey::Pat(2), at(1), None);
        tracker.forget(SeenKey::Pat(2));
        assert!(tracker.take().is_empty(), "forgotten");
    }
}
