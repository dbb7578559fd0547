//! The state revision: a counter bumped in the same transaction as every change that SDKs
//! can see, so that any node can tell cheaply whether its cache is current.

use std::future::Future;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_query::{Expr, Iden, Query};
use tracing::instrument;

use super::{Conn, Scalar};

#[derive(Iden)]
enum StateRevision {
    Table,
    Id,
    Value,
}

#[instrument(skip_all)]
pub async fn bump(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::update()
        .table(StateRevision::Table)
        .value(StateRevision::Value, Expr::col(StateRevision::Value).add(1))
        .and_where(Expr::col(StateRevision::Id).eq(1))
        .returning_col(StateRevision::Value)
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[instrument(skip_all)]
pub async fn current(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .column(StateRevision::Value)
        .from(StateRevision::Table)
        .and_where(Expr::col(StateRevision::Id).eq(1))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(Iden)]
enum AuthEpoch {
    Table,
    Id,
    Value,
}

/// The counter that triggers bump with every change to users, roles, project roles and
/// personal access tokens (migration 0020).
#[instrument(skip_all)]
pub async fn auth_epoch(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .column(AuthEpoch::Value)
        .from(AuthEpoch::Table)
        .and_where(Expr::col(AuthEpoch::Id).eq(1))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

#[derive(Iden)]
enum ViewEpoch {
    Table,
    Id,
    Value,
}

/// The counter that triggers bump with every change to what the Admin API's project and
/// flag reads show (migration 0022).
#[instrument(skip_all)]
pub async fn view_epoch(c: &mut impl Conn) -> Result<i64, sqlx::Error> {
    let q = Query::select()
        .column(ViewEpoch::Value)
        .from(ViewEpoch::Table)
        .and_where(Expr::col(ViewEpoch::Id).eq(1))
        .to_owned();
    Ok(c.one::<Scalar, _>(&q).await?.0)
}

/// How stale a node's view of a counter may be: how long a change made on another node (or
/// by a background job) may take to reach requests here, plus one read of the counter.
pub const COUNTER_TTL: Duration = Duration::from_millis(200);

/// A counter stored in the database (the revision, an epoch), as this node last read it.
///
/// It is re-read at most every [`COUNTER_TTL`], by one request: the others arriving
/// meanwhile go on with the value read before (it was current less than a read ago), so that
/// a re-read never holds up the requests in flight. After [`Watched::invalidate`] (a change
/// made through this node) nobody uses the old value: every request waits for the re-read.
#[derive(Default)]
pub struct Watched {
    /// Read by every request: readers on several threads do not wait for each other.
    last: RwLock<Last>,
    load: tokio::sync::Mutex<()>,
    /// Reads of the counter from the database (for the Prometheus endpoint).
    pub reloads: crate::telemetry::Counter,
}

#[derive(Default)]
struct Last {
    value: i64,
    read_at: Option<Instant>,
    /// Cleared by a change made through this node: the value may no longer be used.
    usable: bool,
    /// Changes made through this node so far.
    invalidations: u64,
}

enum Known {
    Fresh(i64),
    /// Older than the TTL, but still usable while another request re-reads it.
    Stale(i64),
    Unknown,
}

impl Watched {
    /// Makes the next request re-read the counter, and every request until then wait for it.
    pub fn invalidate(&self) {
        let mut last = self.last.write().unwrap_or_else(|e| e.into_inner());
        last.usable = false;
        last.invalidations += 1;
    }

    fn known(&self) -> Known {
        let last = self.last.read().unwrap_or_else(|e| e.into_inner());
        match last.read_at {
            Some(at) if last.usable => {
                let age = at.elapsed();
                if age < COUNTER_TTL {
                    Known::Fresh(last.value)
                } else if age < 2 * COUNTER_TTL {
                    Known::Stale(last.value)
                } else {
                    // The re-read is taking long (a slow database): wait for it rather than
                    // serve an ever older value.
                    Known::Unknown
                }
            }
            _ => Known::Unknown,
        }
    }

    /// The counter's value: from memory when read less than [`COUNTER_TTL`] ago, else read
    /// with `read` (by this request, or by the one already reading it).
    pub async fn current<F, Fut>(&self, read: F) -> Result<i64, sqlx::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<i64, sqlx::Error>>,
    {
        match self.known() {
            Known::Fresh(value) => Ok(value),
            Known::Stale(value) => match self.load.try_lock() {
                // Nobody is reading it: this request does. Boxed, here and below, so that
                // the common path stays a small future.
                Ok(guard) => Box::pin(self.reload(read, guard)).await,
                Err(_) => Ok(value),
            },
            Known::Unknown => {
                let guard = self.load.lock().await;
                // Read by whoever held the lock before us.
                if let Known::Fresh(value) = self.known() {
                    return Ok(value);
                }
                Box::pin(self.reload(read, guard)).await
            }
        }
    }

    async fn reload<F, Fut>(
        &self,
        read: F,
        _one: tokio::sync::MutexGuard<'_, ()>,
    ) -> Result<i64, sqlx::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<i64, sqlx::Error>>,
    {
        let before = self
            .last
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .invalidations;
        let value = read().await?;
        self.reloads.inc();
        let mut last = self.last.write().unwrap_or_else(|e| e.into_inner());
        // A change made through this node while the read was under way may have committed
        // after it: the value is this request's, but not the next one's.
        if last.invalidations == before {
            last.value = value;
            last.read_at = Some(Instant::now());
            last.usable = true;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn value(v: i64) -> Result<i64, sqlx::Error> {
        Ok(v)
    }

    async fn slowly(v: i64) -> Result<i64, sqlx::Error> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(v)
    }

    #[tokio::test]
    async fn a_fresh_value_is_not_read_again_and_a_local_change_forces_a_read() {
        let w = Watched::default();
        assert_eq!(w.current(|| value(1)).await.unwrap(), 1);
        assert_eq!(w.current(|| value(2)).await.unwrap(), 1, "fresh");
        assert_eq!(w.reloads.get(), 1);
        w.invalidate();
        assert_eq!(w.current(|| value(2)).await.unwrap(), 2);
        assert_eq!(w.reloads.get(), 2);
    }

    #[tokio::test]
    async fn requests_go_on_with_a_stale_value_while_one_re_reads_it() {
        let w = Arc::new(Watched::default());
        w.current(|| value(1)).await.unwrap();
        tokio::time::sleep(COUNTER_TTL + Duration::from_millis(10)).await;
        let reader = {
            let w = w.clone();
            tokio::spawn(async move { w.current(|| slowly(3)).await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Not held up by the read under way, and not reading again.
        assert_eq!(w.current(|| value(4)).await.unwrap(), 1);
        assert_eq!(reader.await.unwrap(), 3);
        assert_eq!(w.current(|| value(4)).await.unwrap(), 3);
        assert_eq!(w.reloads.get(), 2);
    }

    #[tokio::test]
    async fn a_local_change_during_a_read_makes_the_next_request_read_again() {
        let w = Arc::new(Watched::default());
        w.current(|| value(1)).await.unwrap();
        w.invalidate();
        let reader = {
            let w = w.clone();
            tokio::spawn(async move { w.current(|| slowly(5)).await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // A change committed through this node after the read began.
        w.invalidate();
        assert_eq!(reader.await.unwrap(), 5);
        assert_eq!(w.current(|| value(6)).await.unwrap(), 6);
        // And after an invalidation nobody goes on with the old value: they wait.
        w.invalidate();
        let waiting = {
            let w = w.clone();
            tokio::spawn(async move { w.current(|| slowly(7)).await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(w.current(|| value(8)).await.unwrap(), 7);
        assert_eq!(waiting.await.unwrap(), 7);
    }
}
