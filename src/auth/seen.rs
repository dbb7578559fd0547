//! When and from where tokens were last used: recorded in memory on every authenticated
//! request and written to the database in batches, off the request path.

use std::collections::HashMap;
use std::net::IpAddr;
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

/// Last use of tokens, kept in memory and written in batches off the request path.
#[derive(Default)]
pub struct SeenTracker {
    pending: Mutex<HashMap<SeenKey, LastUse, foldhash::fast::RandomState>>,
}

impl SeenTracker {
    pub fn record(&self, key: SeenKey, at: DateTime<Utc>, address: Option<IpAddr>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
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
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }

    fn take(&self) -> Vec<(SeenKey, LastUse)> {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
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
