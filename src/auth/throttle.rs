//! Throttling of failed token authentication, per client address, in memory.
//!
//! A client address that presents more than `TOKEN_AUTH_FAILURE_LIMIT_PER_MINUTE` tokens
//! that do not authenticate within one minute is refused with 429 until that minute ends.
//! The check happens before any token lookup and costs no database work, so a flood of
//! random tokens cannot crowd out valid traffic.
//!
//! Only failures count. A token that authenticated recently (from any address) is still let
//! through a throttled address, so valid SDKs behind the same NAT or proxy as an attacker
//! keep working; letting it through only means it is verified as usual.
//!
//! Memory is bounded: failure windows and recently verified tokens live in fixed-capacity
//! sharded maps that evict stale (then least useful) entries when full. IPv6 addresses count
//! per /64 network, since one host usually holds a whole /64.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::telemetry::Counter;

/// Hashing for the throttle's maps, whose keys are addresses and token keys.
type FastState = foldhash::fast::RandomState;
/// Hashing of presented tokens into [`TokenKey`]s.
type KeyState = foldhash::quality::RandomState;

/// What token authentication concluded while a request was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No token was examined (no token, a session, or a route without token auth).
    NotTried,
    /// A token authenticated.
    Verified,
    /// A token was presented and did not authenticate.
    Failed,
}

tokio::task_local! {
    static OUTCOME: Cell<Outcome>;
}

/// Records that the token presented with the current request did not authenticate. Outside
/// [`observe`] (for example in background work) it does nothing.
pub fn note_failed() {
    let _ = OUTCOME.try_with(|c| c.set(Outcome::Failed));
}

/// Records that the token presented with the current request authenticated.
pub fn note_verified() {
    let _ = OUTCOME.try_with(|c| c.set(Outcome::Verified));
}

/// `f` (the handling of one request), run so that what token authentication concludes
/// during it can be read with [`outcome`] once it is done.
pub fn observe<F: std::future::Future>(f: F) -> Observed<F> {
    OUTCOME.scope(Cell::new(Outcome::NotTried), f)
}

/// A request's handling, watched by [`observe`].
pub type Observed<F> = tokio::task::futures::TaskLocalFuture<Cell<Outcome>, F>;

/// What token authentication concluded during an [`observe`]d future that has completed.
pub fn outcome<F: std::future::Future>(observed: std::pin::Pin<&mut Observed<F>>) -> Outcome {
    observed.take_value().map_or(Outcome::NotTried, |c| c.get())
}

const SHARDS: usize = 16;
/// Client addresses tracked per shard (65,536 in all).
const ADDRESSES_PER_SHARD: usize = 4096;
/// Recently verified tokens remembered per shard (65,536 in all).
const TOKENS_PER_SHARD: usize = 4096;
/// How long a verified token stays known, counted from its last successful use.
const KNOWN_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// A known token's last use is refreshed at most this often (a write lock per request
/// would cost more than the information is worth).
const KNOWN_TOKEN_REFRESH: Duration = Duration::from_secs(60);

/// One address's failures in its current window.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// Failed token authentication per client address, and tokens seen to authenticate.
pub struct TokenThrottle {
    limit: u32,
    window: Duration,
    epoch: Instant,
    failures: Box<[Mutex<HashMap<IpAddr, Window, FastState>>]>,
    /// Read on every verified request, written only when a token is new or its last use
    /// is due a refresh: readers on several threads do not wait for each other.
    known: Box<[RwLock<HashMap<u128, Instant, FastState>>]>,
    keys: (KeyState, KeyState),
    /// The latest end of any block, in milliseconds since `epoch`: when it lies in the
    /// past no address is blocked, and the check costs one atomic read.
    blocked_until_ms: AtomicU64,
    /// Requests refused with 429, and failed authentications counted.
    pub throttled: Counter,
    pub failed: Counter,
}

/// A token as the throttle knows it: a 128-bit keyed hash, never the secret. The hash is
/// fast rather than cryptographic (it is computed for every request that carries a token):
/// two tokens with the same key would only let one skip the throttle when the other is
/// known, never authenticate, and with random keys no one can aim for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenKey(u128);

impl TokenThrottle {
    /// `limit` failures per `window` and client address; 0 turns throttling off.
    pub fn new(limit: u32, window: Duration) -> Self {
        TokenThrottle {
            limit,
            window,
            epoch: Instant::now(),
            failures: (0..SHARDS).map(|_| Mutex::default()).collect(),
            known: (0..SHARDS).map(|_| RwLock::default()).collect(),
            keys: (KeyState::default(), KeyState::default()),
            blocked_until_ms: AtomicU64::new(0),
            throttled: Counter::default(),
            failed: Counter::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    pub fn token_key(&self, token: &str) -> TokenKey {
        let hi = self.keys.0.hash_one(token) as u128;
        let lo = self.keys.1.hash_one(token) as u128;
        TokenKey((hi << 64) | lo)
    }

    fn millis(&self, at: Instant) -> u64 {
        at.duration_since(self.epoch).as_millis() as u64
    }

    /// Whether a request from `addr` carrying `token` may proceed to authentication;
    /// `Err(seconds)` until the address's window ends. Never touches the database.
    pub fn check(&self, addr: Option<IpAddr>, token: TokenKey) -> Result<(), u64> {
        // No address was ever blocked: the common case costs one atomic read.
        if !self.enabled() || self.blocked_until_ms.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        let now = Instant::now();
        if self.millis(now) >= self.blocked_until_ms.load(Ordering::Relaxed) {
            return Ok(());
        }
        let addr = address_key(addr);
        let window = {
            let map = lock(&self.failures[shard_of_addr(&addr)]);
            map.get(&addr).copied()
        };
        let Some(w) = window else { return Ok(()) };
        let elapsed = now.duration_since(w.start);
        if w.failures < self.limit || elapsed >= self.window {
            return Ok(());
        }
        if self.is_known(token, now) {
            return Ok(());
        }
        self.throttled.inc();
        Err(self.window.saturating_sub(elapsed).as_secs().max(1))
    }

    /// Records what authentication concluded for a request from `addr` carrying `token`.
    pub fn record(&self, addr: Option<IpAddr>, token: TokenKey, outcome: Outcome) {
        if !self.enabled() {
            return;
        }
        match outcome {
            Outcome::NotTried => {}
            Outcome::Verified => self.remember(token),
            Outcome::Failed => {
                self.failed.inc();
                self.forget(token);
                self.count_failure(address_key(addr));
            }
        }
    }

    fn count_failure(&self, addr: IpAddr) {
        let now = Instant::now();
        let mut map = lock(&self.failures[shard_of_addr(&addr)]);
        if map.len() >= ADDRESSES_PER_SHARD && !map.contains_key(&addr) {
            evict_windows(&mut map, now, self.window, self.limit);
        }
        let w = map.entry(addr).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now.duration_since(w.start) >= self.window {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
        if w.failures == self.limit {
            let until = self.millis(w.start + self.window);
            self.blocked_until_ms.fetch_max(until, Ordering::Relaxed);
        }
    }

    fn is_known(&self, token: TokenKey, now: Instant) -> bool {
        read(&self.known[shard_of_token(token)])
            .get(&token.0)
            .is_some_and(|at| now.duration_since(*at) < KNOWN_TOKEN_TTL)
    }

    fn remember(&self, token: TokenKey) {
        let now = Instant::now();
        let shard = &self.known[shard_of_token(token)];
        // The common case, a token known and refreshed lately, needs only a read.
        if read(shard)
            .get(&token.0)
            .is_some_and(|at| now.duration_since(*at) < KNOWN_TOKEN_REFRESH)
        {
            return;
        }
        let mut map = write(shard);
        if let Some(at) = map.get_mut(&token.0) {
            if now.duration_since(*at) >= KNOWN_TOKEN_REFRESH {
                *at = now;
            }
            return;
        }
        if map.len() >= TOKENS_PER_SHARD {
            map.retain(|_, at| now.duration_since(*at) < KNOWN_TOKEN_TTL);
            if map.len() >= TOKENS_PER_SHARD {
                // Keep the most recently used half.
                let mut ages: Vec<Instant> = map.values().copied().collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                map.retain(|_, at| *at >= cut);
            }
        }
        map.insert(token.0, now);
    }

    /// Forgets a token that failed (revoked or expired since it was verified).
    fn forget(&self, token: TokenKey) {
        write(&self.known[shard_of_token(token)]).remove(&token.0);
    }
}

/// Makes room in a full shard of failure windows: first drops ended windows, then windows
/// below the limit, then the oldest half of what remains.
fn evict_windows(
    map: &mut HashMap<IpAddr, Window, FastState>,
    now: Instant,
    window: Duration,
    limit: u32,
) {
    map.retain(|_, w| now.duration_since(w.start) < window);
    if map.len() >= ADDRESSES_PER_SHARD {
        map.retain(|_, w| w.failures >= limit);
    }
    if map.len() >= ADDRESSES_PER_SHARD {
        let mut starts: Vec<Instant> = map.values().map(|w| w.start).collect();
        starts.sort_unstable();
        let cut = starts[starts.len() / 2];
        map.retain(|_, w| w.start > cut);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// The key an address counts under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64,
/// and one shared key when the address is unknown.
pub fn address_key(addr: Option<IpAddr>) -> IpAddr {
    match addr {
        None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Some(IpAddr::V4(v4)) => IpAddr::V4(v4),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn shard_of_addr(addr: &IpAddr) -> usize {
    let last = match addr {
        IpAddr::V4(v4) => v4.octets()[3] as usize ^ v4.octets()[2] as usize,
        IpAddr::V6(v6) => v6.segments()[3] as usize,
    };
    last % SHARDS
}

fn shard_of_token(token: TokenKey) -> usize {
    (token.0 as usize) % SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn blocks_after_the_limit_and_only_that_address() {
        let t = TokenThrottle::new(3, Duration::from_secs(60));
        let bad = t.token_key("junk");
        for _ in 0..3 {
            assert!(t.check(ip("10.0.0.1"), bad).is_ok());
            t.record(ip("10.0.0.1"), bad, Outcome::Failed);
        }
        let secs = t.check(ip("10.0.0.1"), bad).unwrap_err();
        assert!((1..=60).contains(&secs), "{secs}");
        assert!(t.check(ip("10.0.0.2"), bad).is_ok());
        assert_eq!(t.throttled.get(), 1);
        assert_eq!(t.failed.get(), 3);
    }

    #[test]
    fn a_known_good_token_passes_a_blocked_address_until_it_fails() {
        let t = TokenThrottle::new(1, Duration::from_secs(60));
        let good = t.token_key("good");
        t.record(ip("10.0.0.9"), good, Outcome::Verified);
        t.record(ip("10.0.0.1"), t.token_key("junk"), Outcome::Failed);
        assert!(t.check(ip("10.0.0.1"), t.token_key("junk")).is_err());
        assert!(t.check(ip("10.0.0.1"), good).is_ok());
        t.record(ip("10.0.0.1"), good, Outcome::Failed);
        assert!(t.check(ip("10.0.0.1"), good).is_err());
    }

    #[test]
    fn windows_end_and_zero_means_off() {
        let t = TokenThrottle::new(1, Duration::from_millis(1));
        let bad = t.token_key("junk");
        t.record(ip("10.0.0.1"), bad, Outcome::Failed);
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.check(ip("10.0.0.1"), bad).is_ok());
        let off = TokenThrottle::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            off.record(ip("10.0.0.1"), bad, Outcome::Failed);
        }
        assert!(off.check(ip("10.0.0.1"), bad).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_memory_stays_bounded() {
        let t = TokenThrottle::new(2, Duration::from_secs(60));
        let bad = t.token_key("junk");
        t.record(ip("2001:db8:1:2::1"), bad, Outcome::Failed);
        t.record(ip("2001:db8:1:2::ffff"), bad, Outcome::Failed);
        assert!(t.check(ip("2001:db8:1:2::42"), bad).is_err());
        assert!(t.check(ip("2001:db8:1:3::1"), bad).is_ok());
        assert_eq!(
            address_key(ip("::ffff:192.0.2.1")),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        for i in 0..200_000u32 {
            let a = IpAddr::V4(Ipv4Addr::from(i));
            t.record(Some(a), bad, Outcome::Failed);
        }
        let total: usize = t.failures.iter().map(|m| lock(m).len()).sum();
        assert!(total <= SHARDS * ADDRESSES_PER_SHARD, "{total}");
        for i in 0..200_000u32 {
            t.record(None, t.token_key(&i.to_string()), Outcome::Verified);
        }
        let total: usize = t.known.iter().map(|m| read(m).len()).sum();
        assert!(total <= SHARDS * TOKENS_PER_SHARD, "{total}");
    }
}
