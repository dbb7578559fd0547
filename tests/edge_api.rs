//! What Unleash Edge calls on its upstream: `POST /edge/validate`, the bulk metrics it
//! forwards (`POST /api/client/metrics/bulk`) and its own report (`POST
//! /api/client/metrics/edge`), with the bodies Edge 20 sends.

mod common;

use axum::body::Body;
use axum::http::Request;
use chrono::{TimeDelta, Utc};
use common::{send, Auth, TestApp};
use serde_json::{json, Value};

const ADMIN_SECRET: &str = "*:*.edge-admin-secret";

async fn app() -> TestApp {
    TestApp::with_config(|c| c.init_admin_api_tokens = vec![ADMIN_SECRET.into()]).await
}

fn admin_token() -> Auth {
    Auth::Token(ADMIN_SECRET.into())
}

/// Creates an API token and returns `(secret, selector)`.
async fn token(app: &TestApp, body: Value) -> (String, String) {
    let res = app
        .post("/api/admin/api-tokens", body, &admin_token())
        .await
        .expect(201);
    (
        res.json["secret"].as_str().unwrap().to_string(),
        res.json["selector"].as_str().unwrap().to_string(),
    )
}

async fn validate(app: &TestApp, tokens: &[&str]) -> Vec<Value> {
    let res = app
        .post("/edge/validate", json!({ "tokens": tokens }), &Auth::None)
        .await
        .expect(200);
    res.json["tokens"].as_array().expect("tokens array").clone()
}

async fn project(app: &TestApp, id: &str) {
    app.post(
        "/api/admin/projects",
        json!({"id": id, "name": id}),
        &admin_token(),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn validate_answers_the_valid_tokens_with_type_environment_and_projects() {
    let app = app().await;
    project(&app, "shop").await;
    project(&app, "blog").await;
    let (backend, _) = token(
        &app,
        json!({"tokenName": "edge-backend", "type": "backend", "environment": "development"}),
    )
    .await;
    let (frontend, _) = token(&app, json!({"tokenName": "edge-web", "type": "frontend", "environment": "production", "projects": ["shop"]})).await;
    let (multi, _) = token(&app, json!({"tokenName": "edge-multi", "type": "client", "environment": "production", "projects": ["shop", "blog"]})).await;
    let (scoped, _) = token(&app, json!({"tokenName": "edge-scoped", "type": "backend", "environment": "development", "projects": ["blog"]})).await;
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "cli", "expiresAt": "2099-01-01T00:00:00Z"}),
            &app.admin().await,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    // A well-formed secret that was never issued, with the shape of a real one.
    let last = if backend.ends_with('x') { "y" } else { "x" };
    let forged = format!("{}{last}", &backend[..backend.len() - 1]);

    let sent = [
        backend.as_str(),
        "bogus",
        frontend.as_str(),
        ADMIN_SECRET,
        forged.as_str(),
        multi.as_str(),
        pat.as_str(),
        "*:development.not-a-real-secret",
        scoped.as_str(),
        "",
    ];
    let mut got = validate(&app, &sent).await;
    got.iter_mut().for_each(sort_projects);
    assert_eq!(
        got,
        vec![
            json!({"token": backend, "type": "client", "projects": ["*"], "environment": "development"}),
            json!({"token": frontend, "type": "frontend", "projects": ["shop"], "environment": "production"}),
            json!({"token": ADMIN_SECRET, "type": "admin", "projects": ["*"], "environment": "*"}),
            json!({"token": multi, "type": "client", "projects": ["blog", "shop"], "environment": "production"}),
            json!({"token": scoped, "type": "client", "projects": ["blog"], "environment": "development"}),
        ]
        .into_iter()
        .map(|mut v| {
            // Multi-project tokens list their projects in a stable order; compare as sets.
            sort_projects(&mut v);
            v
        })
        .collect::<Vec<_>>(),
        "{}",
        serde_json::to_string_pretty(&got).unwrap()
    );

    // Nothing valid: an empty list, not an error.
    assert!(validate(&app, &["bogus", "user:nothing"]).await.is_empty());
    assert!(validate(&app, &[]).await.is_empty());
}

fn sort_projects(v: &mut Value) {
    if let Some(list) = v["projects"].as_array_mut() {
        list.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
}

#[tokio::test]
async fn validate_leaves_out_deleted_and_expired_tokens() {
    let app = app().await;
    let (kept, _) = token(
        &app,
        json!({"tokenName": "kept", "type": "backend", "environment": "development"}),
    )
    .await;
    let (deleted, deleted_selector) = token(
        &app,
        json!({"tokenName": "gone", "type": "backend", "environment": "development"}),
    )
    .await;
    let (expiring, expiring_selector) = token(
        &app,
        json!({"tokenName": "short", "type": "frontend", "environment": "development"}),
    )
    .await;
    let soon = (Utc::now() + TimeDelta::seconds(30)).to_rfc3339();
    app.put(
        &format!("/api/admin/api-tokens/{expiring_selector}"),
        json!({"expiresAt": soon}),
        &admin_token(),
    )
    .await
    .expect(200);
    let all = [kept.as_str(), deleted.as_str(), expiring.as_str()];
    assert_eq!(validate(&app, &all).await.len(), 3);

    app.delete(
        &format!("/api/admin/api-tokens/{deleted_selector}"),
        &admin_token(),
    )
    .await
    .expect(200);
    let got = validate(&app, &all).await;
    let names: Vec<_> = got.iter().map(|t| t["token"].as_str().unwrap()).collect();
    assert_eq!(names, [kept.as_str(), expiring.as_str()]);

    app.state.clock.advance(TimeDelta::seconds(31));
    let got = validate(&app, &all).await;
    let names: Vec<_> = got.iter().map(|t| t["token"].as_str().unwrap()).collect();
    assert_eq!(names, [kept.as_str()]);
}

#[tokio::test]
async fn validate_needs_no_authentication_and_refuses_bad_bodies() {
    let app = app().await;
    // An Authorization header (even a wrong one) changes nothing: the route is open.
    let res = app
        .post(
            "/edge/validate",
            json!({"tokens": [ADMIN_SECRET]}),
            &Auth::Token("garbage".into()),
        )
        .await
        .expect(200);
    assert_eq!(res.json["tokens"][0]["type"], "admin");

    let res = app
        .post("/edge/validate", json!({"tokenz": []}), &Auth::None)
        .await
        .expect(400);
    assert_eq!(res.json["name"], "BadDataError");
    assert_eq!(res.json["details"][0]["path"], "/body/tokens");
    assert_eq!(
        res.json["details"][0]["message"],
        "The `/body/tokens` property is required. It was not present on the data you sent."
    );

    let res = app
        .post("/edge/validate", json!({"tokens": "x"}), &Auth::None)
        .await
        .expect(400);
    assert_eq!(
        res.json["details"][0]["message"],
        "The `/body/tokens` property must be array. You sent \"x\"."
    );
    let res = app
        .post("/edge/validate", json!({"tokens": ["a", 7]}), &Auth::None)
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/tokens/1");

    let req = Request::post("/edge/validate")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let res = send(&app.router, req).await.expect(400);
    assert!(res.json["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let req = Request::post("/edge/validate")
        .header("content-type", "text/plain")
        .body(Body::from("tokens"))
        .unwrap();
    send(&app.router, req).await.expect(415);
}

/// The body Unleash Edge 20 posts to `/api/client/metrics/bulk` (`MetricsBatch`): SDK
/// registrations that reached Edge, and per-flag counts with Edge's metadata fields.
fn edge_batch(now: &str) -> Value {
    json!({
        "applications": [{
            "appName": "checkout",
            "connectVia": [{"appName": "unleash-edge", "instanceId": "edge-1"}],
            "environment": "development",
            "instanceId": "checkout-pod-1",
            "connectionId": "3c3f7d5e-0d0b-4b39-9a8e-0d4c1e6e2a11",
            "interval": 15000,
            "started": now,
            "strategies": ["default", "flexibleRollout"],
            "sdkVersion": "unleash-client-node:6.1.0",
            "platformName": "node",
            "platformVersion": "22.1.0",
            "yggdrasilVersion": null,
            "specVersion": "5.2.0"
        }, {
            "appName": "web",
            "connectVia": [{"appName": "unleash-edge", "instanceId": "edge-1"}],
            "environment": null,
            "instanceId": "browser",
            "connectionId": null,
            "interval": 0,
            "started": now,
            "strategies": [],
            "sdkVersion": "unleash-client-js:3.7.0"
        }],
        "metrics": [{
            "featureName": "new-checkout",
            "appName": "checkout",
            "environment": "development",
            "timestamp": now,
            "yes": 7,
            "no": 3,
            "variants": {"blue": 4, "green": 3},
            "sdkVersion": "unleash-client-node:6.1.0",
            "platformName": "node",
            "platformVersion": "22.1.0",
            "yggdrasilVersion": null,
            "specVersion": "5.2.0"
        }, {
            "featureName": "new-checkout",
            "appName": "web",
            "environment": "development",
            "timestamp": now,
            "yes": 2,
            "no": 0,
            "variants": {}
        }, {
            // Another environment: the development token may not report it (dropped).
            "featureName": "new-checkout",
            "appName": "checkout",
            "environment": "production",
            "timestamp": now,
            "yes": 100,
            "no": 100,
            "variants": {}
        }, {
            // No appName: skipped, as Unleash skips it.
            "featureName": "new-checkout",
            "environment": "development",
            "timestamp": now,
            "yes": 1000,
            "no": 0
        }]
    })
}

#[tokio::test]
async fn edge_bulk_metrics_show_in_the_admin_api() {
    let app = app().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "new-checkout"}),
        &admin,
    )
    .await
    .expect(201);
    let (backend, _) = token(
        &app,
        json!({"tokenName": "edge", "type": "backend", "environment": "development"}),
    )
    .await;
    let now = Utc::now().to_rfc3339();
    app.post(
        "/api/client/metrics/bulk",
        edge_batch(&now),
        &Auth::Token(backend.clone()),
    )
    .await
    .expect(202);

    let usage = app
        .get("/api/admin/client-metrics/features/new-checkout", &admin)
        .await
        .expect(200);
    let rows = usage.json["lastHourUsage"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["environment"] == "development"));
    let sum = |app_name: &str, field: &str| -> i64 {
        rows.iter()
            .filter(|r| r["appName"] == app_name)
            .map(|r| r[field].as_i64().unwrap())
            .sum()
    };
    assert_eq!((sum("checkout", "yes"), sum("checkout", "no")), (7, 3));
    assert_eq!((sum("web", "yes"), sum("web", "no")), (2, 0));
    let checkout_row = rows.iter().find(|r| r["appName"] == "checkout").unwrap();
    assert_eq!(checkout_row["variants"], json!({"blue": 4, "green": 3}));
    assert_eq!(usage.json["seenApplications"], json!(["checkout", "web"]));

    let apps = app
        .get("/api/admin/metrics/applications", &admin)
        .await
        .expect(200);
    let list = apps.json["applications"].as_array().unwrap();
    let checkout = list.iter().find(|a| a["appName"] == "checkout").unwrap();
    assert_eq!(
        checkout["strategies"],
        json!(["default", "flexibleRollout"])
    );
    assert_eq!(checkout["instances"][0]["instanceId"], "checkout-pod-1");
    assert_eq!(
        checkout["instances"][0]["sdkVersion"],
        "unleash-client-node:6.1.0"
    );
    assert_eq!(checkout["instances"][0]["environment"], "development");
    // No environment in the registration: the token's.
    let web = list.iter().find(|a| a["appName"] == "web").unwrap();
    assert_eq!(web["instances"][0]["environment"], "development");

    // A second report within the hour adds up.
    app.post(
        "/api/client/metrics/bulk",
        edge_batch(&now),
        &Auth::Token(backend),
    )
    .await
    .expect(202);
    let usage = app
        .get("/api/admin/client-metrics/features/new-checkout", &admin)
        .await
        .expect(200);
    let total: i64 = usage.json["lastHourUsage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["yes"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 18);
}

#[tokio::test]
async fn bad_bulk_bodies_get_a_400_naming_the_field_and_write_nothing() {
    let app = app().await;
    let admin = app.admin().await;
    let (backend, _) = token(
        &app,
        json!({"tokenName": "edge", "type": "backend", "environment": "development"}),
    )
    .await;
    let auth = Auth::Token(backend);
    let now = Utc::now().to_rfc3339();
    let ok_metric = json!({"featureName": "f", "appName": "a", "environment": "development", "timestamp": now, "yes": 1, "no": 0, "variants": {}});
    let cases = [
        (json!({"metrics": []}), "/body/applications", "is required"),
        (json!({"applications": []}), "/body/metrics", "is required"),
        (
            json!({"applications": {}, "metrics": []}),
            "/body/applications",
            "must be array",
        ),
        (
            json!({"applications": [], "metrics": [ok_metric, {"appName": "a", "environment": "development", "yes": 1}]}),
            "/body/metrics/1/featureName",
            "is required",
        ),
        (
            json!({"applications": [], "metrics": [{"featureName": "f", "appName": "a", "yes": 1}]}),
            "/body/metrics/0/environment",
            "is required",
        ),
        (
            json!({"applications": [], "metrics": [{"featureName": "f", "appName": "a", "environment": "development", "yes": -1}]}),
            "/body/metrics/0/yes",
            "at least 0",
        ),
        (
            json!({"applications": [], "metrics": [{"featureName": "f", "appName": "a", "environment": "development", "no": "3"}]}),
            "/body/metrics/0/no",
            "whole number",
        ),
        (
            json!({"applications": [], "metrics": [{"featureName": "f", "appName": "a", "environment": "development", "timestamp": "yesterday"}]}),
            "/body/metrics/0/timestamp",
            "date-time",
        ),
        (
            json!({"applications": [], "metrics": [{"featureName": "f", "appName": "a", "environment": "development", "variants": {"x": "many"}}]}),
            "/body/metrics/0/variants/x",
            "whole number",
        ),
        (
            json!({"applications": [{"appName": "a", "strategies": "default"}], "metrics": []}),
            "/body/applications/0/strategies",
            "must be array",
        ),
    ];
    for (body, path, words) in cases {
        let res = app
            .post("/api/client/metrics/bulk", body.clone(), &auth)
            .await
            .expect(400);
        assert_eq!(res.json["name"], "BadDataError", "{body}");
        assert_eq!(res.json["details"][0]["path"], path, "{body}");
        let message = res.json["details"][0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
        assert!(message.contains(path), "{body}: {message}");
    }
    // The valid metric before the broken one was not written either.
    let usage = app
        .get("/api/admin/client-metrics/features/f", &admin)
        .await
        .expect(200);
    assert_eq!(usage.json["lastHourUsage"], json!([]));

    // Only client tokens may post; no token is 401.
    app.post(
        "/api/client/metrics/bulk",
        json!({"applications": [], "metrics": []}),
        &Auth::None,
    )
    .await
    .expect(401);
    app.post(
        "/api/client/metrics/bulk",
        json!({"applications": [], "metrics": []}),
        &admin_token(),
    )
    .await
    .expect(403);
    app.post(
        "/api/client/metrics/bulk",
        json!({"applications": [], "metrics": []}),
        &auth,
    )
    .await
    .expect(202);
}

#[tokio::test]
async fn edge_instance_data_registers_the_edge_instance() {
    let app = app().await;
    let admin = app.admin().await;
    let (backend, _) = token(
        &app,
        json!({"tokenName": "edge", "type": "backend", "environment": "production"}),
    )
    .await;
    let auth = Auth::Token(backend);
    let now = Utc::now().to_rfc3339();
    // The shape of Edge 20's `EdgeInstanceData`.
    let body = json!({
        "identifier": "edge-7f9c",
        "appName": "unleash-edge",
        "region": null,
        "edgeVersion": "20.1.0",
        "processMetrics": null,
        "started": now,
        "traffic": {"get": {}, "post": {}, "access_denied": {}, "cached_responses": {}},
        "latencyUpstream": {"features": [], "metrics": [], "edge": []},
        "requestsSinceLastReport": {},
        "connectedStreamingClients": 0,
        "connectedEdges": [],
        "connectionConsumptionSinceLastReport": {"features": [], "metrics": []},
        "requestConsumptionSinceLastReport": []
    });
    app.post("/api/client/metrics/edge", body, &auth)
        .await
        .expect(202);
    let apps = app
        .get("/api/admin/metrics/applications", &admin)
        .await
        .expect(200);
    let edge = apps.json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appName"] == "unleash-edge")
        .expect("the Edge application")
        .clone();
    assert_eq!(edge["instances"][0]["instanceId"], "edge-7f9c");
    assert_eq!(edge["instances"][0]["sdkVersion"], "unleash-edge:20.1.0");
    assert_eq!(edge["instances"][0]["environment"], "production");

    let res = app
        .post(
            "/api/client/metrics/edge",
            json!({"appName": "unleash-edge", "edgeVersion": "20.1.0"}),
            &auth,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/identifier");
    app.post(
        "/api/client/metrics/edge",
        json!({"identifier": "x", "appName": "unleash-edge", "edgeVersion": "20.1.0"}),
        &Auth::None,
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn edge_routes_are_in_the_openapi_document() {
    let app = app().await;
    let doc = app.get("/docs/openapi.json", &Auth::None).await.expect(200);
    for path in [
        "/edge/validate",
        "/api/client/metrics/bulk",
        "/api/client/metrics/edge",
    ] {
        assert!(doc.json["paths"][path]["post"].is_object(), "{path}");
    }
    assert!(doc.json["components"]["schemas"]["ValidatedEdgeTokens"].is_object());
}
