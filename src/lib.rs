//! Switchyard: an Unleash-compatible feature-flag server.
//!
//! The modules are layers, listed here lowest first, which is also a good reading order.
//! Each uses only those above it in this list (`tests/layers.rs` checks it;
//! `docs/architecture.md` draws it):
//!
//! - [`error`]: failures and Unleash's error JSON.
//! - [`config`]: flags and environment variables; which database to open.
//! - [`telemetry`]: per-route counters for the Prometheus endpoint.
//! - [`domain`]: the product's rules and plain data; no HTTP, no SQL.
//! - [`store`]: SQL for SQLite and PostgreSQL; rows become `domain` structs.
//! - [`auth`]: tokens, sessions, principals, permission proofs, and their caches.
//! - [`cache`]: what SDKs see, per environment and revision.
//! - [`state`]: the handles every request gets.
//! - [`service`]: one function per use case: who is calling, checks, writes, events.
//! - [`import`]: reading an Unleash database or export.
//! - [`http`]: routes, the admin UI, the OpenAPI document and the listener.

pub mod error;

pub mod config;

pub mod telemetry;

pub mod domain;

pub mod store;

pub mod auth;

pub mod cache;

pub mod state;

pub mod service;

pub mod import;

pub mod http;

use std::future::Future;

pub use config::Config;
pub use state::AppState;

/// Opens the database chosen by the configuration (running migrations) and, when token
/// encryption is configured, checks its key. Creates no data.
pub async fn open(config: Config) -> anyhow::Result<AppState> {
    let sealer = auth::sealing::TokenSealer::from_config(&config).map_err(anyhow::Error::msg)?;
    let choice = config.database().map_err(anyhow::Error::msg)?;
    if !choice.ignored.is_empty() {
        tracing::warn!(
            ignored = %choice.ignored.join(", "),
            "{} is set, so these database settings are ignored",
            choice.source
        );
    }
    tracing::info!(source = choice.source, database = %choice.redacted(), schema = ?choice.schema, "database chosen");
    let db = store::Db::open(&choice).await?;
    let mut state = AppState::new(db, config);
    if let Some(sealer) = sealer {
        service::tokens::check_sealing_key(&state, &sealer).await?;
        tracing::info!(
            "API token secrets created from now on are stored encrypted (TOKEN_ENCRYPTION_KEY)"
        );
        state.set_token_sealer(sealer);
    }
    Ok(state)
}

/// Opens the database, runs migrations and prepares first-start data. Returns the state and,
/// on the very first start without a configured password, the generated admin password.
pub async fn bootstrap(config: Config) -> anyhow::Result<(AppState, Option<String>)> {
    let state = open(config).await?;
    let generated = service::users::ensure_first_admin(&state).await?;
    service::tokens::seed_init_tokens(&state).await?;
    service::export_import::import_at_startup(&state).await?;
    auth::password::warm_up();
    Ok((state, generated))
}

/// The application router.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

/// Serves until `shutdown` completes, then lets in-flight requests finish (at most ~10 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = http::serve::ConnectionLimits::new(&state.config, http::serve::raise_file_limit());
    tracing::info!(
        max_connections = limits.max_connections,
        headers_timeout_ms = limits.headers_timeout.as_millis() as u64,
        "connection limits"
    );
    let background = spawn_background(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = tx.send(());
    };
    let server: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> =
        if state.config.base_path().is_empty() {
            let service = http::service(state.clone());
            Box::pin(http::serve::serve_connections(
                listener, service, limits, shutdown,
            ))
        } else {
            let router = app(state.clone());
            Box::pin(http::serve::serve_connections(
                listener, router, limits, shutdown,
            ))
        };
    let drain = async move {
        // Only starts counting once shutdown has begun.
        let _ = rx.await;
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    };
    tokio::select! {
        () = server => {}
        _ = drain => tracing::warn!("in-flight requests did not finish within 10 s; stopping anyway"),
    }
    background.abort();
    // Whatever was pending is written before the process exits.
    if let Err(e) = service::tokens::flush_seen(&state).await {
        tracing::warn!(error = %e, "could not write token last-use times at shutdown");
    }
    state.db.close().await;
    Ok(())
}

/// Periodic work off the request path: token last-use times, expired sessions, addon
/// deliveries and token expiry notices.
fn spawn_background(state: AppState) -> tokio::task::JoinHandle<()> {
    let addons = service::addons::run_worker(state.clone());
    let housekeeping = async move {
        let every = std::time::Duration::from_secs(state.config.seen_flush_seconds.max(1));
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = service::tokens::flush_seen(&state).await {
                tracing::warn!(error = %e, "could not write token last-use times");
            }
            let mut db = state.db.clone();
            if let Err(e) = store::sessions::purge_expired(&mut db, state.clock.now()).await {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
            if let Err(e) = service::token_policy::revoke_unused_pats(&state).await {
                tracing::warn!(error = %e, "could not revoke unused personal access tokens");
            }
        }
    };
    tokio::spawn(async move {
        tokio::join!(housekeeping, addons);
    })
}
