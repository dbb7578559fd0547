//! The Admin API's reads kept in memory, each built once per view epoch.
//!
//! The view epoch is a counter that database triggers bump with every change to what those
//! reads show (migration 0022). A node re-reads it at most every [`COUNTER_TTL`](crate::store::revision::COUNTER_TTL) and at once
//! after a change it made itself; when it has moved, every view is forgotten together and
//! built again from the database the first time it is asked for, by one request while the
//! others asking for the same view wait for it. A warm read therefore makes no query at all.
//!
//! This module keeps views of any type under keys the service layer chooses; it does not
//! know what they contain.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};

use crate::error::{AppError, AppResult};
use crate::store::revision::Watched;
use crate::store::{self, Db};

/// What a view is for, and the parts that tell one instance from another (a project id, a
/// flag name, a user id...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewKey {
    pub kind: &'static str,
    pub parts: Vec<String>,
}

impl ViewKey {
    pub fn new(kind: &'static str, parts: Vec<String>) -> Self {
        ViewKey { kind, parts }
    }
}

type Slot = Arc<tokio::sync::OnceCell<Arc<dyn Any + Send + Sync>>>;

/// More views than this in one epoch (many users, each with their own rendering) and the
/// oldest are dropped all at once; they are rebuilt when asked for again.
const MAX_VIEWS: usize = 8192;

/// The views built at one value of the epoch.
pub struct Generation {
    pub epoch: i64,
    slots: Mutex<HashMap<ViewKey, Slot>>,
    stats: Arc<ViewStats>,
}

#[derive(Default)]
pub struct ViewStats {
    /// Views answered from memory.
    pub hits: crate::telemetry::Counter,
    /// Views built from the database.
    pub loads: crate::telemetry::Counter,
}

impl Generation {
    /// The view under `key`, built with `load` if this generation does not hold it yet. When
    /// several requests ask at once, one builds it and the others wait; a failed build is
    /// not kept, so the next request tries again.
    pub async fn get<T, F, Fut>(&self, key: ViewKey, load: F) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = slots.get(&key) {
                slot.clone()
            } else {
                if slots.len() >= MAX_VIEWS {
                    slots.clear();
                }
                slots.entry(key).or_default().clone()
            }
        };
        let value = match slot.get() {
            Some(v) => {
                self.stats.hits.inc();
                v.clone()
            }
            None => {
                // Boxed: building makes a large future that the common path need not carry.
                Box::pin(slot.get_or_try_init(|| async {
                    let built = load().await?;
                    self.stats.loads.inc();
                    Ok::<_, AppError>(Arc::new(built) as Arc<dyn Any + Send + Sync>)
                }))
                .await?
                .clone()
            }
        };
        value.downcast::<T>().map_err(|_| {
            AppError::Internal(anyhow::anyhow!("a view was kept under another view's key"))
        })
    }
}

#[derive(Default)]
pub struct ViewCache {
    /// The view epoch, as this node last read it.
    pub epoch: Watched,
    current: RwLock<Option<Arc<Generation>>>,
    pub stats: Arc<ViewStats>,
}

impl ViewCache {
    /// Makes the next request re-read the epoch (after a change made through this node).
    pub fn invalidate(&self) {
        self.epoch.invalidate();
    }

    /// The views of the current epoch, read from the database at most every
    /// [`COUNTER_TTL`](crate::store::revision::COUNTER_TTL).
    pub async fn generation(&self, db: &Db) -> AppResult<Arc<Generation>> {
        let epoch = self
            .epoch
            .current(|| async { store::revision::view_epoch(&mut db.clone()).await })
            .await?;
        if let Some(g) = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|g| g.epoch == epoch)
        {
            return Ok(g.clone());
        }
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        match current.as_ref() {
            // Made meanwhile by another request.
            Some(g) if g.epoch == epoch => Ok(g.clone()),
            // Any other value, newer or not (a database restored from a backup moves the
            // counter back), starts afresh: a request that read an older value than the
            // one already held costs a rebuild, never a stale answer.
            _ => {
                let g = Arc::new(Generation {
                    epoch,
                    slots: Mutex::default(),
                    stats: self.stats.clone(),
                });
                *current = Some(g.clone());
                Ok(g)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation() -> Generation {
        Generation {
            epoch: 1,
            slots: Mutex::default(),
            stats: Arc::default(),
        }
    }

    #[tokio::test]
    async fn a_view_is_built_once_and_a_failed_build_is_not_kept() {
        let g = generation();
        let key = ViewKey::new("k", vec!["a".into()]);
        let failed: AppResult<Arc<u32>> = g
            .get(key.clone(), || async {
                Err(AppError::Internal(anyhow::anyhow!("no")))
            })
            .await;
        assert!(failed.is_err());
        let first = g.get(key.clone(), || async { Ok(7u32) }).await.unwrap();
        let second = g.get(key.clone(), || async { Ok(8u32) }).await.unwrap();
        assert_eq!((*first, *second), (7, 7));
        assert_eq!((g.stats.loads.get(), g.stats.hits.get()), (1, 1));
        // The same key asked for as another type is an error, not a panic.
        let wrong: AppResult<Arc<String>> = g.get(key, || async { Ok(String::new()) }).await;
        assert!(wrong.is_err());
    }

    #[tokio::test]
    async fn concurrent_requests_for_one_view_build_it_once() {
        let g = Arc::new(generation());
        let key = ViewKey::new("k", vec![]);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let g = g.clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                g.get(key, || async {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    Ok(1u8)
                })
                .await
                .map(|v| *v)
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 1);
        }
        assert_eq!(g.stats.loads.get(), 1);
    }
}
