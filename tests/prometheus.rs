//! `GET /internal-backstage/prometheus`: Prometheus text format with Unleash's metric
//! names, per-route latency histograms, token cache and database pool figures.

mod common;

use std::collections::HashMap;

use common::{Auth, TestApp};
use serde_json::json;

/// Parses the exposition text: `# TYPE` lines, and samples by their full series name.
struct Scrape {
    types: HashMap<String, String>,
    samples: HashMap<String, f64>,
}

impl Scrape {
    fn parse(text: &str) -> Scrape {
        let mut types = HashMap::new();
        let mut samples = HashMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE line");
                types.insert(name.to_string(), kind.to_string());
            } else if !line.starts_with('#') && !line.is_empty() {
                let (series, value) = line.rsplit_once(' ').expect("sample line");
                let value: f64 = value
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value: {line}"));
                samples.insert(series.to_string(), value);
            }
        }
        Scrape { types, samples }
    }

    #[track_caller]
    fn value(&self, series: &str) -> f64 {
        *self
            .samples
            .get(series)
            .unwrap_or_else(|| panic!("no series {series}"))
    }

    fn value_or_zero(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    let res = app
        .get("/internal-backstage/prometheus", &Auth::None)
        .await
        .expect(200);
    let ct = res.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("text/plain"), "content type {ct}");
    assert!(ct.contains("version=0.0.4"), "content type {ct}");
    Scrape::parse(&res.text)
}

const FEATURES_GET: &str =
    "http_request_duration_milliseconds_count{path=\"/api/client/features\",method=\"GET\",status=\"2xx\"}";

#[tokio::test]
async fn scrape_shows_unleash_names_and_types_and_counts_move_with_traffic() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let before = scrape(&app).await;

    for (name, kind) in [
        ("feature_toggles_total", "gauge"),
        ("users_total", "gauge"),
        ("client_apps_total", "gauge"),
        ("api_tokens_total", "gauge"),
        ("projects_total", "gauge"),
        ("environments_total", "gauge"),
        ("db_pool_used", "gauge"),
        ("db_pool_free", "gauge"),
        ("db_pool_max", "gauge"),
        ("http_request_duration_milliseconds", "histogram"),
        ("switchyard_token_cache_hits_total", "counter"),
        ("switchyard_token_cache_misses_total", "counter"),
        ("switchyard_feature_cache_reloads_total", "counter"),
    ] {
        assert_eq!(
            before.types.get(name).map(String::as_str),
            Some(kind),
            "TYPE of {name}"
        );
    }
    assert_eq!(before.value("users_total"), 1.0);
    assert!(before.value("db_pool_max") >= 1.0);
    let version = format!(
        "feature_toggles_total{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(before.value(&version), 0.0);

    // Traffic: a flag, a backend token, SDK reads (the first verifies the token, the rest
    // are answered from the token cache), a registration and a 404.
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "prom.flag"}),
        &admin,
    )
    .await
    .expect(201);
    let token = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "prom", "type": "backend", "environment": "development", "projects": ["*"]}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let sdk = Auth::Token(token);
    for _ in 0..5 {
        app.get("/api/client/features", &sdk).await.expect(200);
    }
    app.post(
        "/api/client/register",
        json!({"appName": "prom-app", "instanceId": "i1", "environment": "development", "interval": 15000, "started": "2026-01-01T00:00:00Z", "strategies": ["default"]}),
        &sdk,
    )
    .await;
    app.get("/api/admin/projects/nope", &admin)
        .await
        .expect(404);
    app.get("/no/such/route", &Auth::None).await.expect(404);

    let after = scrape(&app).await;
    assert_eq!(
        after.value(&version),
        1.0,
        "feature_toggles_total did not move"
    );
    assert_eq!(
        after.value("api_tokens_total{type=\"client\"}"),
        1.0,
        "api_tokens_total"
    );
    assert_eq!(
        after.value(FEATURES_GET) - before.value_or_zero(FEATURES_GET),
        5.0
    );
    let le_inf = "http_request_duration_milliseconds_bucket{path=\"/api/client/features\",method=\"GET\",status=\"2xx\",le=\"+Inf\"}";
    assert_eq!(after.value(le_inf), after.value(FEATURES_GET));
    let le_5s = "http_request_duration_milliseconds_bucket{path=\"/api/client/features\",method=\"GET\",status=\"2xx\",le=\"5000\"}";
    assert!(after.value(le_5s) <= after.value(le_inf));
    assert!(
        after.value("http_request_duration_milliseconds_sum{path=\"/api/client/features\",method=\"GET\",status=\"2xx\"}")
            > 0.0
    );
    // The route template, not the concrete path, and the status class.
    assert_eq!(
        after.value("http_request_duration_milliseconds_count{path=\"/api/admin/projects/{projectId}\",method=\"GET\",status=\"4xx\"}"),
        1.0
    );
    assert!(
        after.value("http_request_duration_milliseconds_count{path=\"(other)\",method=\"GET\",status=\"4xx\"}")
            >= 1.0
    );
    assert!(!after.samples.keys().any(|k| k.contains("/no/such/route")));
    assert!(
        after.value("switchyard_token_cache_hits_total")
            - before.value("switchyard_token_cache_hits_total")
            >= 4.0,
        "token cache hits did not move"
    );
    assert!(
        after.value("switchyard_token_cache_misses_total")
            > before.value("switchyard_token_cache_misses_total")
    );
    assert!(
        after.value("switchyard_feature_cache_reloads_total")
            > before.value("switchyard_feature_cache_reloads_total"),
        "the flag change did not reload a snapshot"
    );
    assert!(after.value("db_pool_used") + after.value("db_pool_free") >= 1.0);
}

#[tokio::test]
async fn the_endpoint_needs_no_token_and_is_in_the_openapi_document() {
    let app = TestApp::new().await;
    app.get("/internal-backstage/prometheus", &Auth::None)
        .await
        .expect(200);
    let doc = app.get("/docs/openapi.json", &Auth::None).await.expect(200);
    assert!(doc.json["paths"]["/internal-backstage/prometheus"]["get"].is_object());
}
