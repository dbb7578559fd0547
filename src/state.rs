//! Shared state handed to every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::domain::Clock;
use crate::store::Db;

/// Shared state handed to every request: one reference-counted pointer, so that handing it
/// to a request (which every handler's `State` extractor does) is one counter increment,
/// not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub login_limiter: Arc<RateLimiter>,
    /// Leaked-token reports per client address.
    pub leak_report_limiter: Arc<RateLimiter>,
    /// Failed token authentication per client address (answered 429 past the limit).
    pub token_throttle: Arc<crate::auth::throttle::TokenThrottle>,
    /// Last use of tokens, flushed to the database in batches.
    pub seen: Arc<crate::auth::seen::SeenTracker>,
    /// What SDKs see, per environment.
    pub features: Arc<crate::cache::FeatureCache>,
    /// The Admin API's project and flag reads, per view epoch.
    pub views: Arc<crate::cache::views::ViewCache>,
    /// Recently verified API tokens.
    pub api_tokens: Arc<crate::auth::token_cache::TokenCache>,
    /// Recently verified personal access tokens with their owners' permissions.
    pub principals: Arc<crate::auth::principal_cache::PrincipalCache>,
    /// Set when TOKEN_ENCRYPTION_KEY is configured: API token secrets are also kept sealed.
    pub token_sealer: Option<Arc<crate::auth::sealing::TokenSealer>>,
    /// Counters and histograms for `/internal-backstage/prometheus`.
    pub metrics: Arc<crate::telemetry::Telemetry>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let limit = config.login_limit_per_minute;
        let token_failure_limit = config.token_auth_failure_limit_per_minute;
        let leak_report_limit = config.leaked_token_report_limit_per_minute;
        AppState(Arc::new(Shared {
            db,
            config: Arc::new(config),
            clock: Clock::default(),
            login_limiter: Arc::new(RateLimiter::new(limit, Duration::from_secs(60))),
            leak_report_limiter: Arc::new(RateLimiter::new(
                leak_report_limit,
                Duration::from_secs(60),
            )),
            token_throttle: Arc::new(crate::auth::throttle::TokenThrottle::new(
                token_failure_limit,
                Duration::from_secs(60),
            )),
            seen: Arc::default(),
            features: Arc::default(),
            views: Arc::default(),
            api_tokens: Arc::default(),
            principals: Arc::default(),
            token_sealer: None,
            metrics: Arc::default(),
        }))
    }

    /// Keeps API token secrets sealed from now on (at start-up, before the state is shared).
    pub fn set_token_sealer(&mut self, sealer: crate::auth::sealing::TokenSealer) {
        Arc::make_mut(&mut self.0).token_sealer = Some(Arc::new(sealer));
    }
}

/// A fixed-window counter per key (client address).
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt; `Err(seconds)` tells how long to wait when over the limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() > 10_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = hits.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}
