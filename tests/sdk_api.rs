//! The client and frontend APIs: which tokens may call them, ETags, registration, metrics,
//! CORS. Flag contents and evaluation are covered by the conformance tests.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{send, Auth, TestApp};
use serde_json::{json, Value};

struct Tokens {
    client: Auth,
    frontend: Auth,
    admin_token: Auth,
    pat: Auth,
}

async fn setup(app: &TestApp) -> Tokens {
    let admin = app.admin().await;
    let client = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "backend", "type": "backend", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201);
    let frontend = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "web", "type": "frontend", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201);
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "cli", "expiresAt": "2099-01-01T00:00:00Z"}),
            &admin,
        )
        .await
        .expect(201);
    Tokens {
        client: Auth::Token(client.json["secret"].as_str().unwrap().into()),
        frontend: Auth::Token(frontend.json["secret"].as_str().unwrap().into()),
        admin_token: Auth::Token("*:*.seeded-admin-token".into()),
        pat: Auth::Token(pat.json["secret"].as_str().unwrap().into()),
    }
}

async fn app() -> TestApp {
    TestApp::with_config(|c| c.init_admin_api_tokens = vec!["*:*.seeded-admin-token".into()]).await
}

const WRONG: &str = "invalid token: expected a different token type for this endpoint";
const MISSING: &str = "This endpoint requires an API token. Please add an authorization header to your request with a valid token";

#[tokio::test]
async fn only_the_right_token_kind_may_call_each_api() {
    let app = app().await;
    let t = setup(&app).await;
    // Client API.
    app.get("/api/client/features", &t.client).await.expect(200);
    for wrong in [&t.frontend, &t.admin_token, &t.pat] {
        let res = app.get("/api/client/features", wrong).await.expect(403);
        assert_eq!(res.json, json!({"message": WRONG}));
    }
    assert_eq!(
        app.get("/api/client/features", &Auth::None)
            .await
            .expect(401)
            .json,
        json!({"message": MISSING})
    );
    app.get(
        "/api/client/features",
        &Auth::Token("default:development.unknown-secret".into()),
    )
    .await
    .expect(401);
    app.get("/api/client/features", &Auth::Token("garbage".into()))
        .await
        .expect(401);
    // Bearer prefix works on the SDK APIs too.
    let Auth::Token(secret) = &t.client else {
        unreachable!()
    };
    app.get(
        "/api/client/features",
        &Auth::Token(format!("Bearer {secret}")),
    )
    .await
    .expect(200);
    // Frontend API.
    app.get("/api/frontend", &t.frontend).await.expect(200);
    for wrong in [&t.client, &t.admin_token, &t.pat] {
        let res = app.get("/api/frontend", wrong).await.expect(403);
        assert_eq!(res.json, json!({"message": WRONG}));
    }
    app.get("/api/frontend", &Auth::None).await.expect(401);
    // A frontend token on the Admin API is the wrong kind too.
    app.get("/api/admin/user", &t.frontend).await.expect(403);
}

#[tokio::test]
async fn client_features_have_the_wire_shape_and_etags() {
    let app = app().await;
    let t = setup(&app).await;
    let res = app.get("/api/client/features", &t.client).await.expect(200);
    assert_eq!(res.json["version"], 2);
    assert_eq!(res.json["features"], json!([]));
    assert_eq!(res.json["query"]["environment"], "development");
    let etag = res.header("etag").expect("ETag");
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let Auth::Token(secret) = &t.client else {
        unreachable!()
    };
    for candidate in [etag.clone(), format!("W/{etag}")] {
        let req = Request::get("/api/client/features")
            .header("authorization", secret)
            .header("if-none-match", candidate)
            .body(Body::empty())
            .unwrap();
        let res = send(&app.router, req).await.expect(304);
        assert_eq!(res.header("etag").as_deref(), Some(etag.as_str()));
        assert!(res.text.is_empty());
    }
    let req = Request::get("/api/client/features")
        .header("authorization", secret)
        .header("if-none-match", "\"other\"")
        .body(Body::empty())
        .unwrap();
    send(&app.router, req).await.expect(200);
    app.get("/api/client/features/nope", &t.client)
        .await
        .expect(404);
}

/// The route SDKs poll answers alike under a base path, for `HEAD`, for a method it does not
/// serve and without a token, as every routed request does.
#[tokio::test]
async fn the_polled_route_answers_as_routed_under_a_base_path_and_for_other_methods() {
    let app = TestApp::with_config(|c| {
        c.base_uri_path = "/unleash/".into();
        c.init_admin_api_tokens = vec!["*:*.seeded-admin-token".into()];
    })
    .await;
    let admin = Auth::Token("*:*.seeded-admin-token".into());
    let created = app
        .post(
            "/unleash/api/admin/api-tokens",
            json!({"tokenName": "backend", "type": "backend", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201);
    let secret = created.json["secret"].as_str().unwrap().to_string();
    let client = Auth::Token(secret.clone());

    let res = app
        .get("/unleash/api/client/features", &client)
        .await
        .expect(200);
    assert_eq!(res.json["version"], 2);
    let etag = res.header("etag").expect("ETag");
    app.get("/api/client/features", &client).await.expect(404);

    let head = Request::head("/unleash/api/client/features")
        .header("authorization", &secret)
        .body(Body::empty())
        .unwrap();
    let head = send(&app.router, head).await.expect(200);
    assert_eq!(head.header("etag"), Some(etag));
    assert!(head.text.is_empty());

    let post = app
        .post("/unleash/api/client/features", json!({}), &client)
        .await;
    assert_eq!(post.status.as_u16(), 405, "{}", post.text);

    let res = app
        .get("/unleash/api/client/features", &Auth::None)
        .await
        .expect(401);
    assert_eq!(res.json["message"], MISSING);
}

#[tokio::test]
async fn a_deleted_api_token_stops_at_once_on_the_node_that_deleted_it() {
    let app = app().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "gone", "type": "client"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let token = Auth::Token(created["secret"].as_str().unwrap().into());
    app.get("/api/client/features", &token).await.expect(200);
    app.delete(
        &format!(
            "/api/admin/api-tokens/{}",
            created["selector"].as_str().unwrap()
        ),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/client/features", &token).await.expect(401);
}

#[tokio::test]
async fn registration_and_metrics_show_up_in_the_admin_api() {
    let app = app().await;
    let t = setup(&app).await;
    let admin = app.admin().await;
    app.post(
        "/api/client/register",
        json!({"appName": "checkout", "instanceId": "pod-1", "sdkVersion": "unleash-client-node:6.1.0", "strategies": ["default"], "started": "2026-01-01T00:00:00Z", "interval": 10000}),
        &t.client,
    )
    .await
    .expect(202);
    let now = chrono::Utc::now().to_rfc3339();
    app.post(
        "/api/client/metrics",
        json!({"appName": "checkout", "instanceId": "pod-1", "bucket": {"start": now, "stop": now, "toggles": {"new-checkout": {"yes": 3, "no": 1, "variants": {"blue": 2}}}}}),
        &t.client,
    )
    .await
    .expect(202);
    app.post(
        "/api/client/metrics",
        json!({"appName": "checkout"}),
        &t.client,
    )
    .await
    .expect(400);
    app.post("/api/frontend/client/metrics", json!({"appName": "web", "instanceId": "browser", "bucket": {"start": now, "stop": now, "toggles": {"new-checkout": {"yes": 1, "no": 0}}}}), &t.frontend).await.expect(202);
    app.post(
        "/api/frontend/client/register",
        json!({"appName": "web"}),
        &t.frontend,
    )
    .await
    .expect(202);
    app.post("/api/client/metrics/bulk", json!({"applications": [], "metrics": [{"featureName": "new-checkout", "appName": "edge", "environment": "development", "timestamp": now, "yes": 5, "no": 5, "variants": {}}]}), &t.client).await.expect(202);

    let apps = app
        .get("/api/admin/metrics/applications", &admin)
        .await
        .expect(200);
    let names: Vec<_> = apps.json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["appName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["checkout", "edge", "web"]);
    let checkout = &apps.json["applications"][0];
    assert_eq!(checkout["instances"][0]["instanceId"], "pod-1");
    assert_eq!(
        checkout["instances"][0]["sdkVersion"],
        "unleash-client-node:6.1.0"
    );
    assert_eq!(checkout["strategies"], json!(["default"]));

    let usage = app
        .get("/api/admin/client-metrics/features/new-checkout", &admin)
        .await
        .expect(200);
    let rows = usage.json["lastHourUsage"].as_array().unwrap();
    let total_yes: i64 = rows.iter().map(|r| r["yes"].as_i64().unwrap()).sum();
    let total_no: i64 = rows.iter().map(|r| r["no"].as_i64().unwrap()).sum();
    assert_eq!((total_yes, total_no), (9, 6));
    assert_eq!(
        usage.json["seenApplications"],
        json!(["checkout", "edge", "web"])
    );
    // Reports add up within the hour.
    app.post("/api/client/metrics", json!({"appName": "checkout", "bucket": {"start": now, "stop": now, "toggles": {"new-checkout": {"yes": 1, "no": 0}}}}), &t.client).await.expect(202);
    let usage = app
        .get("/api/admin/client-metrics/features/new-checkout", &admin)
        .await
        .expect(200);
    let checkout_row: Vec<&Value> = usage.json["lastHourUsage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["appName"] == "checkout")
        .collect();
    assert_eq!(checkout_row[0]["yes"], 4);
}

#[tokio::test]
async fn frontend_api_answers_cors_preflight_for_browsers() {
    let app = app().await;
    let req = Request::options("/api/frontend")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(Body::empty())
        .unwrap();
    let res = send(&app.router, req).await.expect(204);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(res
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));
    // The Admin API gets no CORS headers.
    let req = Request::get("/api/admin/user")
        .header("origin", "https://shop.example")
        .body(Body::empty())
        .unwrap();
    let res = send(&app.router, req).await;
    assert!(res.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_origins_can_be_restricted() {
    let app = TestApp::with_config(|c| c.cors_origins = vec!["https://shop.example".into()]).await;
    let ok = Request::options("/api/frontend")
        .header("origin", "https://shop.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app.router, ok)
            .await
            .header("access-control-allow-origin")
            .as_deref(),
        Some("https://shop.example")
    );
    let other = Request::options("/api/frontend")
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert!(send(&app.router, other)
        .await
        .header("access-control-allow-origin")
        .is_none());
}
