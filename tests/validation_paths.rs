//! Validation errors name the field at fault: each 400 from the forms' rules (a strategy's
//! constraints, parameters, variants and segments, a flag's variants, API tokens and
//! personal access tokens) carries the field's JSON pointer in `details[0].path`, and keeps
//! Unleash's message text.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp, TestResponse};
use serde_json::{json, Value};

const BASE: &str = "/api/admin/projects/default/features";

async fn flag(app: &TestApp, auth: &Auth, name: &str) {
    app.post(BASE, json!({"name": name}), auth)
        .await
        .expect(201);
}

/// The path and message of the first detail of a 400 answer.
fn first_detail(res: TestResponse) -> (String, String) {
    let res = res.expect(400);
    let detail = &res.json["details"][0];
    (
        detail["path"].as_str().unwrap_or_default().to_string(),
        detail["message"].as_str().unwrap_or_default().to_string(),
    )
}

async fn add_strategy(app: &TestApp, auth: &Auth, body: Value) -> (String, String) {
    let url = format!("{BASE}/paths/environments/development/strategies");
    first_detail(app.post(&url, body, auth).await)
}

#[tokio::test]
async fn strategy_errors_point_at_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "paths").await;

    let (path, message) = add_strategy(
        &app,
        &admin,
        json!({"name": "default", "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["eu"]},
            {"contextName": "appVersion", "operator": "SEMVER_GTE", "value": "x"},
        ]}),
    )
    .await;
    assert_eq!(path, "/body/constraints/1/value");
    assert_eq!(
        message,
        "The `/body/constraints/1/value` property must be a semantic version (such as 1.2.3 or 2.0.0-beta.1, without a leading v) for the SEMVER_GTE operator. You sent \"x\"."
    );

    let (path, _) = add_strategy(
        &app,
        &admin,
        json!({"name": "default", "constraints": [
            {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8", "nope"]},
        ]}),
    )
    .await;
    assert_eq!(path, "/body/constraints/0/values/1");

    let (path, _) = add_strategy(
        &app,
        &admin,
        json!({"name": "default", "constraints": [{"contextName": "", "operator": "IN", "values": []}]}),
    )
    .await;
    assert_eq!(path, "/body/constraints/0/contextName");

    let (path, _) = add_strategy(
        &app,
        &admin,
        json!({"name": "default", "parameters": {"rollout": {"nested": 1}}}),
    )
    .await;
    assert_eq!(path, "/body/parameters/rollout");

    let (path, message) = add_strategy(
        &app,
        &admin,
        json!({"name": "default", "variants": [
            {"name": "a", "weight": 500, "weightType": "variable", "stickiness": "default"},
            {"weight": 500, "weightType": "variable", "stickiness": "default"},
        ]}),
    )
    .await;
    assert_eq!(path, "/body/variants/1/name");
    assert_eq!(
        message,
        "`/body/variants/1/name` is required and must be a non-empty string."
    );

    let (path, _) =
        add_strategy(&app, &admin, json!({"name": "default", "segments": [4242]})).await;
    assert_eq!(path, "/body/segments/0");
}

#[tokio::test]
async fn flag_variant_errors_point_at_the_variant() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "variant-paths").await;
    let url = format!("{BASE}/variant-paths/environments/development/variants");
    let res = app
        .put(
            &url,
            json!([
                {"name": "a", "weight": 500, "weightType": "variable", "stickiness": "default"},
                {"name": "b", "weight": 500, "weightType": "variable", "stickiness": "default",
                 "payload": {"type": "xml", "value": "<b/>"}},
            ]),
            &admin,
        )
        .await;
    let (path, _) = first_detail(res);
    assert_eq!(path, "/body/1/payload/type");
}

fn in_days(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339()
}

#[tokio::test]
async fn api_token_errors_point_at_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let create = |body: Value| {
        let app = &app;
        let admin = &admin;
        async move { app.post("/api/admin/api-tokens", body, admin).await }
    };

    let res = create(json!({"tokenName": "t", "type": "client", "environment": "development", "expiresAt": in_days(-1)})).await.expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/expiresAt");
    assert_eq!(
        res.json["message"],
        "Request validation failed: your request body or params contain invalid data: The expiry date should be in future."
    );
    assert_eq!(
        res.json["details"][0]["message"],
        "The expiry date should be in future."
    );

    let (path, message) = first_detail(
        create(json!({"tokenName": "t", "type": "client", "environment": "nowhere"})).await,
    );
    assert_eq!(path, "/body/environment");
    assert_eq!(message, "Environment=nowhere does not exist");

    let (path, _) =
        first_detail(create(json!({"tokenName": "t", "type": "client", "environment": "*"})).await);
    assert_eq!(path, "/body/environment");

    let (path, message) = first_detail(
        create(json!({"tokenName": "t", "type": "client", "environment": "development", "projects": ["ghost"]})).await,
    );
    assert_eq!(path, "/body/projects");
    assert_eq!(message, "Project=ghost does not exist");

    let (path, _) = first_detail(
        create(
            json!({"tokenName": "x".repeat(256), "type": "client", "environment": "development"}),
        )
        .await,
    );
    assert_eq!(path, "/body/tokenName");

    // Changing a token's expiry: `expiresAt` is required, must be a date-time, and `null`
    // takes the expiry away.
    let token = create(json!({"tokenName": "later", "type": "client", "environment": "development", "expiresAt": in_days(3)}))
        .await
        .expect(201);
    let url = format!(
        "/api/admin/api-tokens/{}",
        token.json["selector"].as_str().unwrap()
    );
    let (path, message) = first_detail(app.put(&url, json!({}), &admin).await);
    assert_eq!(path, "/body/expiresAt");
    assert_eq!(
        message,
        "The `/body/expiresAt` property is required. It was not present on the data you sent."
    );
    let (path, message) = first_detail(app.put(&url, json!({"expiresAt": "soon"}), &admin).await);
    assert_eq!(path, "/body/expiresAt");
    assert_eq!(
        message,
        "The `/body/expiresAt` property must match format \"date-time\". You sent \"soon\"."
    );
    let (path, _) = first_detail(app.put(&url, json!({"expiresAt": 7}), &admin).await);
    assert_eq!(path, "/body/expiresAt");
    app.put(&url, json!({"expiresAt": null}), &admin)
        .await
        .expect(200);
    let listed = app
        .get("/api/admin/api-tokens/later", &admin)
        .await
        .expect(200);
    assert_eq!(listed.json["tokens"][0]["expiresAt"], Value::Null);
}

#[tokio::test]
async fn personal_access_token_errors_point_at_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let url = "/api/admin/user/tokens";

    let res = app
        .post(
            url,
            json!({"description": "  ", "expiresAt": in_days(1)}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/description");
    assert_eq!(
        res.json["details"][0]["message"],
        "PAT description cannot be empty."
    );

    let (path, message) = first_detail(
        app.post(
            url,
            json!({"description": "old", "expiresAt": in_days(-1)}),
            &admin,
        )
        .await,
    );
    assert_eq!(path, "/body/expiresAt");
    assert_eq!(message, "The expiry date should be in future.");
}
