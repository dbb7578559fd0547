//! `GET /internal-backstage/prometheus`: metrics in Prometheus text format, with Unleash's
//! metric names where they apply.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::state::AppState;
use crate::store;
use crate::telemetry::escape;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(prometheus))
}

fn gauge(out: &mut String, name: &str, help: &str, samples: &[(&str, f64)]) {
    metric(out, name, "gauge", help, samples);
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    metric(out, name, "counter", help, &[("", value as f64)]);
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// Metrics for Prometheus: request latency per route, instance counts, caches and the
/// database pool. Open like Unleash's (no token): restrict it at the network if needed.
#[utoipa::path(get, path = "/internal-backstage/prometheus", tag = "Operational", responses(
    (status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain"),
))]
async fn prometheus(State(state): State<AppState>) -> AppResult<impl IntoResponse> {
    let mut db = state.db.clone();
    let counts = store::gauges::instance_counts(&mut db, state.clock.now()).await?;
    let mut out = String::with_capacity(16 * 1024);
    let version = format!("version=\"{}\"", escape(env!("CARGO_PKG_VERSION")));
    gauge(
        &mut out,
        "feature_toggles_total",
        "Number of feature flags",
        &[(&version, counts.features as f64)],
    );
    gauge(
        &mut out,
        "feature_toggles_archived_total",
        "Number of archived feature flags",
        &[("", counts.archived_features as f64)],
    );
    gauge(
        &mut out,
        "users_total",
        "Number of users",
        &[("", counts.users as f64)],
    );
    gauge(
        &mut out,
        "service_accounts_total",
        "Number of service accounts",
        &[("", counts.service_accounts as f64)],
    );
    gauge(
        &mut out,
        "projects_total",
        "Number of projects",
        &[("mode=\"open\"", counts.projects as f64)],
    );
    gauge(
        &mut out,
        "environments_total",
        "Number of environments",
        &[("", counts.environments as f64)],
    );
    gauge(
        &mut out,
        "segments_total",
        "Number of segments",
        &[("", counts.segments as f64)],
    );
    gauge(
        &mut out,
        "context_total",
        "Number of context fields",
        &[("", counts.context_fields as f64)],
    );
    gauge(
        &mut out,
        "client_apps_total",
        "Number of registered client apps aggregated by range by last seen",
        &[
            ("range=\"7d\"", counts.apps_7d as f64),
            ("range=\"30d\"", counts.apps_30d as f64),
            ("range=\"allTime\"", counts.apps_all as f64),
        ],
    );
    let token_labels: Vec<(String, f64)> = counts
        .api_tokens
        .iter()
        .map(|(kind, n)| (format!("type=\"{}\"", escape(kind)), *n as f64))
        .collect();
    let token_samples: Vec<(&str, f64)> =
        token_labels.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    gauge(
        &mut out,
        "api_tokens_total",
        "Number of API tokens",
        &token_samples,
    );

    let (size, idle, max) = state.db.pool_stats();
    gauge(
        &mut out,
        "db_pool_max",
        "Most database connections the pool opens",
        &[("", max as f64)],
    );
    gauge(
        &mut out,
        "db_pool_used",
        "Database connections in use",
        &[("", size.saturating_sub(idle as u32) as f64)],
    );
    gauge(
        &mut out,
        "db_pool_free",
        "Idle database connections",
        &[("", idle as f64)],
    );
    gauge(
        &mut out,
        "db_pool_size",
        "Database connections open",
        &[("", size as f64)],
    );

    counter(
        &mut out,
        "switchyard_token_cache_hits_total",
        "API token lookups answered from memory",
        state.api_tokens.hits.get(),
    );
    counter(
        &mut out,
        "switchyard_token_cache_misses_total",
        "API token lookups that went to the database",
        state.api_tokens.misses.get(),
    );
    counter(
        &mut out,
        "switchyard_principal_cache_hits_total",
        "Personal access token and session lookups answered from memory, with the user's permissions",
        state.principals.hits.get(),
    );
    counter(
        &mut out,
        "switchyard_principal_cache_misses_total",
        "Personal access token and session lookups that went to the database",
        state.principals.misses.get(),
    );
    counter(
        &mut out,
        "switchyard_token_auth_failures_total",
        "Requests whose token did not authenticate (counted per client address for throttling)",
        state.token_throttle.failed.get(),
    );
    counter(
        &mut out,
        "switchyard_token_auth_throttled_total",
        "Requests refused with 429 because their address had too many failed token authentications",
        state.token_throttle.throttled.get(),
    );
    counter(
        &mut out,
        "switchyard_feature_cache_reloads_total",
        "Flag snapshots rebuilt from the database after a change",
        state.features.snapshot_reloads.get(),
    );
    counter(
        &mut out,
        "switchyard_revision_reloads_total",
        "Reads of the revision that tells this node whether anything changed",
        state.features.revision.reloads.get(),
    );
    counter(
        &mut out,
        "switchyard_view_cache_hits_total",
        "Admin API project and flag reads answered from memory",
        state.views.stats.hits.get(),
    );
    counter(
        &mut out,
        "switchyard_view_cache_loads_total",
        "Admin API project and flag views built from the database after a change",
        state.views.stats.loads.get(),
    );
    counter(
        &mut out,
        "switchyard_view_epoch_reloads_total",
        "Reads of the view epoch that tells this node whether the Admin API's views are current",
        state.views.epoch.reloads.get(),
    );
    gauge(
        &mut out,
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch in seconds",
        &[("", state.metrics.start_time() as f64)],
    );
    state.metrics.render_requests(&mut out);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    ))
}
