//! API tokens: Unleash's routes, validation and per-type permissions; secrets hashed at rest.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

async fn create(app: &TestApp, who: &Auth, body: Value) -> Value {
    app.post("/api/admin/api-tokens", body, who)
        .await
        .expect(201)
        .json
}

#[tokio::test]
async fn create_list_update_and_delete() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    assert_eq!(
        app.get("/api/admin/api-tokens", &admin)
            .await
            .expect(200)
            .json,
        json!({"tokens": []})
    );

    let client = create(&app, &admin, json!({"tokenName": "svc", "type": "client"})).await;
    assert_eq!(client["tokenName"], "svc");
    assert_eq!(client["type"], "client");
    assert_eq!(client["environment"], "development");
    assert_eq!(client["projects"], json!(["*"]));
    assert_eq!(client["project"], "*");
    assert!(client["createdAt"].is_string());
    let secret = client["secret"].as_str().unwrap();
    assert!(secret.starts_with("*:development.v2_"), "{secret}");
    assert_eq!(secret.len(), "*:development.".len() + 3 + 22 + 1 + 43);

    let backend = create(&app, &admin, json!({"tokenName": "api", "type": "BACKEND", "environment": "production", "projects": ["default"]})).await;
    assert_eq!(backend["type"], "backend");
    assert!(backend["secret"]
        .as_str()
        .unwrap()
        .starts_with("default:production.v2_"));
    let frontend = create(
        &app,
        &admin,
        json!({"tokenName": "web", "type": "frontend"}),
    )
    .await;
    assert_eq!(frontend["type"], "frontend");

    let list = app.get("/api/admin/api-tokens", &admin).await.expect(200);
    let tokens = list.json["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 3);
    // Backend tokens are listed as "client", as Unleash does; secrets are never listed.
    assert_eq!(tokens[1]["type"], "client");
    assert!(tokens
        .iter()
        .all(|t| t["secret"].is_null() && t["selector"].as_str().unwrap().len() == 22));

    // By name.
    let named = app
        .get("/api/admin/api-tokens/svc", &admin)
        .await
        .expect(200);
    assert_eq!(named.json["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/admin/api-tokens/nobody", &admin)
            .await
            .expect(200)
            .json["tokens"],
        json!([])
    );

    // Update expiry by selector, then by full secret.
    let selector = client["selector"].as_str().unwrap();
    let when = (Utc::now() + TimeDelta::days(3)).to_rfc3339();
    app.put(
        &format!("/api/admin/api-tokens/{selector}"),
        json!({"expiresAt": when}),
        &admin,
    )
    .await
    .expect(200);
    let named = app
        .get("/api/admin/api-tokens/svc", &admin)
        .await
        .expect(200);
    assert!(named.json["tokens"][0]["expiresAt"].is_string());
    app.put(
        &format!("/api/admin/api-tokens/{selector}"),
        json!({}),
        &admin,
    )
    .await
    .expect(400);
    app.put(
        "/api/admin/api-tokens/unknownselector",
        json!({"expiresAt": when}),
        &admin,
    )
    .await
    .expect(404);

    app.delete(
        &format!("/api/admin/api-tokens/{}", urlencode(secret)),
        &admin,
    )
    .await
    .expect(200);
    app.delete(&format!("/api/admin/api-tokens/{selector}"), &admin)
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/admin/api-tokens", &admin)
            .await
            .expect(200)
            .json["tokens"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let events = app.get("/api/admin/events", &admin).await.expect(200);
    let kinds: Vec<_> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds[..5],
        [
            "api-token-deleted",
            "api-token-updated",
            "api-token-created",
            "api-token-created",
            "api-token-created"
        ]
    );
    assert!(
        !events.text.contains(&secret[secret.len() - 43..]),
        "an event holds a secret"
    );
}

fn urlencode(s: &str) -> String {
    s.replace('*', "%2A").replace(':', "%3A")
}

#[tokio::test]
async fn creation_is_validated() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let admin_type = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "a", "type": "admin"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(admin_type.json["details"][0]["path"], "/body/type");
    app.post("/api/admin/api-tokens", json!({"type": "client"}), &admin)
        .await
        .expect(400);
    let star = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "a", "type": "client", "environment": "*"}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(
        star.json["message"],
        "Client token cannot be scoped to all environments"
    );
    let env = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "a", "type": "client", "environment": "staging"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(env.json["message"].as_str().unwrap().contains("staging"));
    let project = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "a", "type": "client", "projects": ["nope"]}),
            &admin,
        )
        .await
        .expect(400);
    assert!(project.json["message"]
        .as_str()
        .unwrap()
        .contains("Project=nope does not exist"));
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "a", "type": "client", "projects": []}),
        &admin,
    )
    .await
    .expect(400);
    let past = (Utc::now() - TimeDelta::days(1)).to_rfc3339();
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "a", "type": "client", "expiresAt": past}),
        &admin,
    )
    .await
    .expect(400);
    // `*` among projects collapses to every project; legacy `project` and `username` work.
    let t = create(
        &app,
        &admin,
        json!({"tokenName": "a", "type": "client", "projects": ["default", "*"]}),
    )
    .await;
    assert_eq!(t["projects"], json!(["*"]));
    let t = create(
        &app,
        &admin,
        json!({"username": "legacy", "type": "client", "project": "default"}),
    )
    .await;
    assert_eq!(t["projects"], json!(["default"]));
    assert_eq!(t["tokenName"], "legacy");
}

#[tokio::test]
async fn project_tokens() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.get("/api/admin/projects/nope/api-tokens", &admin)
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/admin/projects/default/api-tokens", &admin)
            .await
            .expect(200)
            .json["tokens"],
        json!([])
    );
    let t = app
        .post(
            "/api/admin/projects/default/api-tokens",
            json!({"tokenName": "p", "type": "frontend", "projects": ["*"]}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    assert_eq!(t["projects"], json!(["default"]));
    assert!(t["secret"]
        .as_str()
        .unwrap()
        .starts_with("default:development.v2_"));
    let all = create(&app, &admin, json!({"tokenName": "all", "type": "client"})).await;
    let list = app
        .get("/api/admin/projects/default/api-tokens", &admin)
        .await
        .expect(200);
    assert_eq!(
        list.json["tokens"].as_array().unwrap().len(),
        1,
        "only tokens of exactly this project"
    );
    app.delete(
        &format!(
            "/api/admin/projects/default/api-tokens/{}",
            all["selector"].as_str().unwrap()
        ),
        &admin,
    )
    .await
    .expect(404);
    app.delete(
        &format!(
            "/api/admin/projects/default/api-tokens/{}",
            t["selector"].as_str().unwrap()
        ),
        &admin,
    )
    .await
    .expect(200);
    app.delete(
        &format!(
            "/api/admin/projects/default/api-tokens/{}",
            t["selector"].as_str().unwrap()
        ),
        &admin,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn reading_is_filtered_by_type_permissions() {
    let app =
        TestApp::with_config(|c| c.init_admin_api_tokens = vec!["*:*.seeded-admin-secret".into()])
            .await;
    let admin = app.admin().await;
    create(&app, &admin, json!({"tokenName": "c1", "type": "client"})).await;
    create(&app, &admin, json!({"tokenName": "f1", "type": "frontend"})).await;
    let (_, editor) = app.user("editor", "Editor").await;
    let (_, viewer) = app.user("viewer", "Viewer").await;
    assert_eq!(
        app.get("/api/admin/api-tokens", &admin)
            .await
            .expect(200)
            .json["tokens"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let seen = app.get("/api/admin/api-tokens", &editor).await.expect(200);
    let kinds: Vec<_> = seen.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["frontend", "client"],
        "editors do not see admin tokens"
    );
    app.get("/api/admin/api-tokens", &viewer).await.expect(403);
    // Editors may read but not change global tokens.
    let sel = seen.json["tokens"][0]["selector"]
        .as_str()
        .unwrap()
        .to_string();
    app.delete(&format!("/api/admin/api-tokens/{sel}"), &editor)
        .await
        .expect(403);
}

#[tokio::test]
async fn seeded_admin_tokens_work_on_the_admin_api_and_record_their_name() {
    let app = TestApp::with_config(|c| {
        c.init_admin_api_tokens = vec!["*:*.seeded-admin-secret".into()];
        c.init_backend_api_tokens = vec!["default:development.seeded-backend-secret".into()];
    })
    .await;
    let admin_token = Auth::Token("*:*.seeded-admin-secret".into());
    let t = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "by-admin-token", "type": "client"}),
            &admin_token,
        )
        .await
        .expect(201);
    assert!(t.json["secret"].is_string());
    let events = app
        .get(
            "/api/admin/search/events?type=IS:api-token-created",
            &admin_token,
        )
        .await
        .expect(200);
    assert_eq!(events.json["events"][0]["createdBy"], "admin");
    assert_eq!(events.json["events"][0]["createdByUserId"], -42);
    // A backend token is the wrong kind for the Admin API; an unknown one is 401.
    let res = app
        .get(
            "/api/admin/user-admin",
            &Auth::Token("default:development.seeded-backend-secret".into()),
        )
        .await
        .expect(403);
    assert_eq!(
        res.json["message"],
        "invalid token: expected a different token type for this endpoint"
    );
    app.get(
        "/api/admin/user-admin",
        &Auth::Token("default:development.not-a-real-secret".into()),
    )
    .await
    .expect(401);
    // Seeding happens only while no token exists: a restart with other values adds nothing.
    let mut config = common::test_config(&app.db.url);
    config.init_admin_api_tokens = vec!["*:*.another-admin-secret".into()];
    let (state, _) = switchyard::bootstrap(config).await.unwrap();
    let router = switchyard::app(state.clone());
    common::call(
        &router,
        "GET",
        "/api/admin/user",
        None,
        &Auth::Token("*:*.another-admin-secret".into()),
    )
    .await
    .expect(401);
    common::call(&router, "GET", "/api/admin/user", None, &admin_token)
        .await
        .expect(200);
    drop(state);
}

#[tokio::test]
async fn expired_api_tokens_stop_working_at_once() {
    let app =
        TestApp::with_config(|c| c.init_admin_api_tokens = vec!["*:*.seeded-admin-secret".into()])
            .await;
    let admin_token = Auth::Token("*:*.seeded-admin-secret".into());
    let list = app
        .get("/api/admin/api-tokens", &admin_token)
        .await
        .expect(200);
    let selector = list.json["tokens"][0]["selector"]
        .as_str()
        .unwrap()
        .to_string();
    let soon = (Utc::now() + TimeDelta::seconds(30)).to_rfc3339();
    app.put(
        &format!("/api/admin/api-tokens/{selector}"),
        json!({"expiresAt": soon}),
        &admin_token,
    )
    .await
    .expect(200);
    app.get("/api/admin/user", &admin_token).await.expect(200);
    app.state.clock.advance(TimeDelta::seconds(31));
    app.get("/api/admin/user", &admin_token).await.expect(401);
}

#[tokio::test]
async fn seeded_client_and_frontend_tokens_work_where_they_belong_and_are_seen() {
    let app = TestApp::with_config(|c| {
        c.init_admin_api_tokens = vec!["*:*.seeded-admin-secret".into()];
        c.init_client_api_tokens = vec!["default:development.seeded-client-secret".into()];
        c.init_frontend_api_tokens = vec!["*:production.seeded-frontend-secret".into()];
    })
    .await;
    let admin = Auth::Token("*:*.seeded-admin-secret".into());
    let client = Auth::Token("default:development.seeded-client-secret".into());
    let frontend = Auth::Token("*:production.seeded-frontend-secret".into());
    app.get("/api/client/features", &client).await.expect(200);
    app.get("/api/frontend", &frontend).await.expect(200);
    app.get("/api/frontend", &client).await.expect(403);
    let list = app.get("/api/admin/api-tokens", &admin).await.expect(200);
    let tokens = list.json["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 3);
    let fe = tokens.iter().find(|t| t["type"] == "frontend").unwrap();
    assert_eq!(fe["environment"], "production");
    assert_eq!(fe["projects"], json!(["*"]));
    let be = tokens.iter().find(|t| t["type"] == "client").unwrap();
    assert_eq!(be["projects"], json!(["default"]));
    assert!(be["seenAt"].is_null());
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let list = app.get("/api/admin/api-tokens", &admin).await.expect(200);
    let be = list.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "client")
        .unwrap()
        .clone();
    assert!(
        be["seenAt"].is_string(),
        "use of the client token was recorded"
    );
}
