//! The requests Unleash's Terraform provider sends, replayed through the router: the
//! `unleash_api_token` resource (create, read by secret, update expiry, delete), the
//! project resource's settings call, the project access resource, and the user data
//! source's search by email.

mod common;

use common::{test_config, Auth, TestApp};
use serde_json::{json, Value};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const OTHER_KEY: &str = "HxweHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

/// The provider authenticates with a token in the Authorization header: a PAT here.
async fn provider_auth(app: &TestApp) -> Auth {
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "terraform", "expiresAt": "2030-01-01T00:00:00Z"}),
            &admin,
        )
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().unwrap().to_string())
}

/// Path segment encoding, as the provider's generated client escapes the secret.
fn escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The provider's Read: list every token and pick the one whose secret equals the state's.
async fn read_by_secret(app: &TestApp, auth: &Auth, secret: &str) -> Option<Value> {
    let list = app.get("/api/admin/api-tokens", auth).await.expect(200);
    list.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["secret"].as_str() == Some(secret))
        .cloned()
}

#[tokio::test]
async fn api_token_resource_round_trip_keeps_its_secret_in_encrypted_mode() {
    let app = TestApp::with_config(|c| c.token_encryption_key = Some(KEY.into())).await;
    let tf = provider_auth(&app).await;

    // Create: CreateApiTokenSchemaOneOf with type, tokenName, environment, projects.
    let created = app
        .post(
            "/api/admin/api-tokens",
            json!({"type": "client", "tokenName": "tf-backend", "environment": "development", "projects": ["default"]}),
            &tf,
        )
        .await
        .expect(201);
    let secret = created.json["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("default:development."), "{secret}");

    // Read, twice: the same secret comes back, so the plan shows no change.
    let first = read_by_secret(&app, &tf, &secret)
        .await
        .expect("token not found by its secret: the provider would recreate it");
    assert_eq!(first["tokenName"], "tf-backend");
    assert_eq!(first["environment"], "development");
    assert_eq!(first["projects"], json!(["default"]));
    let second = read_by_secret(&app, &tf, &secret)
        .await
        .expect("second read");
    assert_eq!(first, second);
    // The by-name GET shows it too.
    let by_name = app
        .get("/api/admin/api-tokens/tf-backend", &tf)
        .await
        .expect(200);
    assert_eq!(by_name.json["tokens"][0]["secret"], secret);

    // The secret still authenticates an SDK.
    app.get("/api/client/features", &Auth::Token(secret.clone()))
        .await
        .expect(200);

    // Update: PUT /api/admin/api-tokens/{secret} with the new expiry; expects 200.
    app.put(
        &format!("/api/admin/api-tokens/{}", escape(&secret)),
        json!({"expiresAt": "2031-06-01T00:00:00Z"}),
        &tf,
    )
    .await
    .expect(200);
    let updated = read_by_secret(&app, &tf, &secret)
        .await
        .expect("after update");
    assert_eq!(updated["expiresAt"], "2031-06-01T00:00:00.000Z");

    // Delete: DELETE /api/admin/api-tokens/{secret}; then Read no longer finds it.
    app.delete(&format!("/api/admin/api-tokens/{}", escape(&secret)), &tf)
        .await
        .expect(200);
    assert!(read_by_secret(&app, &tf, &secret).await.is_none());
    app.get("/api/client/features", &Auth::Token(secret))
        .await
        .expect(401);
}

#[tokio::test]
async fn secrets_are_readable_only_by_token_readers_and_not_stored_in_clear() {
    let app = TestApp::with_config(|c| c.token_encryption_key = Some(KEY.into())).await;
    let admin = app.admin().await;
    let secret = app
        .post(
            "/api/admin/api-tokens",
            json!({"type": "frontend", "tokenName": "tf-fe", "environment": "development", "projects": ["*"]}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, viewer) = app.user("vera", "Viewer").await;
    app.get("/api/admin/api-tokens", &viewer).await.expect(403);

    // The database holds a sealed value, never the secret itself.
    let mut db = app.state.db.clone();
    let sealed = switchyard::store::api_tokens::sealed_secrets(&mut db)
        .await
        .unwrap();
    assert_eq!(sealed.len(), 1);
    let value = sealed.values().next().unwrap();
    assert!(!value.contains(&secret) && !value.contains("development"));
}

#[tokio::test]
async fn default_mode_keeps_secrets_null_and_older_tokens_stay_null_after_enabling() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let old = app
        .post(
            "/api/admin/api-tokens",
            json!({"type": "client", "tokenName": "before", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let list = app.get("/api/admin/api-tokens", &admin).await.expect(200);
    assert_eq!(list.json["tokens"][0]["secret"], Value::Null);

    // A node with the key on the same database: new tokens readable, the old one still null.
    let mut config = test_config(&app.db.url);
    config.token_encryption_key = Some(KEY.into());
    let (state, _) = switchyard::bootstrap(config).await.expect("bootstrap");
    let router = switchyard::app(state);
    let session = common::call(
        &router,
        "POST",
        "/auth/simple/login",
        Some(json!({"username": "admin", "password": common::ADMIN_PASSWORD})),
        &Auth::None,
    )
    .await
    .expect(200);
    let cookie = session.header("set-cookie").unwrap();
    let admin2 = Auth::Session(cookie.split(';').next().unwrap().to_string());
    let new = common::call(
        &router,
        "POST",
        "/api/admin/api-tokens",
        Some(json!({"type": "client", "tokenName": "after", "environment": "development"})),
        &admin2,
    )
    .await
    .expect(201)
    .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let list = common::call(&router, "GET", "/api/admin/api-tokens", None, &admin2)
        .await
        .expect(200);
    let by_name = |name: &str| {
        list.json["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tokenName"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_name("before")["secret"], Value::Null);
    assert_eq!(by_name("after")["secret"], new);
    assert_ne!(old, new);
}

#[tokio::test]
async fn a_wrong_key_is_refused_at_start_up() {
    let app = TestApp::with_config(|c| c.token_encryption_key = Some(KEY.into())).await;
    let mut config = test_config(&app.db.url);
    config.token_encryption_key = Some(OTHER_KEY.into());
    let err = switchyard::bootstrap(config)
        .await
        .err()
        .expect("started with another key");
    let msg = format!("{err:#}");
    assert!(msg.contains("TOKEN_ENCRYPTION_KEY"), "{msg}");
    assert!(!msg.contains(OTHER_KEY) && !msg.contains(KEY));

    let mut config = test_config(&app.db.url);
    config.token_encryption_key = Some("dG9vIHNob3J0".into());
    let msg = format!("{:#}", switchyard::bootstrap(config).await.err().unwrap());
    assert!(msg.contains("32 bytes"), "{msg}");

    // The right key still starts.
    let mut config = test_config(&app.db.url);
    config.token_encryption_key = Some(KEY.into());
    switchyard::bootstrap(config).await.expect("same key");
}

#[tokio::test]
async fn project_resource_settings_call() {
    let app = TestApp::new().await;
    let tf = provider_auth(&app).await;
    app.post(
        "/api/admin/projects",
        json!({"id": "tf-proj", "name": "Terraform project", "description": "made by terraform"}),
        &tf,
    )
    .await
    .expect(201);
    // UpdateProjectEnterpriseSettingsSchema: mode, featureNaming, linkTemplates.
    app.put(
        "/api/admin/projects/tf-proj/settings",
        json!({
            "mode": "open",
            "featureNaming": {"pattern": "^tf\\.[a-z-]+$", "example": "tf.checkout", "description": "tf.<name>"},
            "linkTemplates": [{"title": "Code search", "urlTemplate": "https://example.com/search?q={{project}}+{{feature}}"}]
        }),
        &tf,
    )
    .await
    .expect(200);
    // The naming pattern now applies to new flags in that project.
    let refused = app
        .post(
            "/api/admin/projects/tf-proj/features",
            json!({"name": "Checkout"}),
            &tf,
        )
        .await
        .expect(400);
    assert!(refused.text.contains("tf.checkout"), "{}", refused.text);
    app.post(
        "/api/admin/projects/tf-proj/features",
        json!({"name": "tf.checkout"}),
        &tf,
    )
    .await
    .expect(201);
    // The provider re-reads the project from the list, mode included.
    let list = app.get("/api/admin/projects", &tf).await.expect(200);
    let p = list.json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "tf-proj")
        .cloned()
        .unwrap();
    assert_eq!(p["mode"], "open");

    // Modes Switchyard cannot enforce are refused rather than silently ignored.
    let res = app
        .put(
            "/api/admin/projects/tf-proj/settings",
            json!({"mode": "private"}),
            &tf,
        )
        .await
        .expect(400);
    assert!(res.text.contains("open"), "{}", res.text);
    app.put(
        "/api/admin/projects/tf-proj/settings",
        json!({"mode": "open", "featureNaming": {"pattern": "^a$", "example": "b"}}),
        &tf,
    )
    .await
    .expect(400);
    app.put(
        "/api/admin/projects/nope/settings",
        json!({"mode": "open"}),
        &tf,
    )
    .await
    .expect(404);
    // Clearing the pattern lifts the rule.
    app.put(
        "/api/admin/projects/tf-proj/settings",
        json!({"mode": "open"}),
        &tf,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/tf-proj/features",
        json!({"name": "Anything"}),
        &tf,
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn project_access_resource_replaces_role_assignments() {
    let app = TestApp::new().await;
    let tf = provider_auth(&app).await;
    let (alice, _) = app.user("alice", "Viewer").await;
    let (bob, _) = app.user("bob", "Viewer").await;
    app.post(
        "/api/admin/projects",
        json!({"id": "tf-access", "name": "Access"}),
        &tf,
    )
    .await
    .expect(201);

    // ProjectAccessConfigurationSchema: roles [{id, users, groups}].
    app.put(
        "/api/admin/projects/tf-access/access",
        json!({"roles": [{"id": 4, "users": [alice]}, {"id": 6, "users": [bob], "groups": []}]}),
        &tf,
    )
    .await
    .expect(200);
    let access = app
        .get("/api/admin/projects/tf-access/access", &tf)
        .await
        .expect(200);
    let roles_of = |json: &Value, id: i64| -> Vec<i64> {
        json["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .map(|u| {
                u["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_i64().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(roles_of(&access.json, alice), vec![4]);
    assert_eq!(roles_of(&access.json, bob), vec![6]);

    // Applying again with a different plan replaces, not adds.
    app.put(
        "/api/admin/projects/tf-access/access",
        json!({"roles": [{"id": 5, "users": [bob]}]}),
        &tf,
    )
    .await
    .expect(200);
    let access = app
        .get("/api/admin/projects/tf-access/access", &tf)
        .await
        .expect(200);
    assert!(roles_of(&access.json, alice).is_empty());
    assert_eq!(roles_of(&access.json, bob), vec![5]);

    // Root roles, unknown users and groups are refused.
    app.put(
        "/api/admin/projects/tf-access/access",
        json!({"roles": [{"id": 1, "users": [bob]}]}),
        &tf,
    )
    .await
    .expect(400);
    app.put(
        "/api/admin/projects/tf-access/access",
        json!({"roles": [{"id": 5, "users": [999999]}]}),
        &tf,
    )
    .await
    .expect(404);
    app.put(
        "/api/admin/projects/tf-access/access",
        json!({"roles": [{"id": 5, "users": [], "groups": [1]}]}),
        &tf,
    )
    .await
    .expect(400);
    // Refused calls changed nothing.
    let access = app
        .get("/api/admin/projects/tf-access/access", &tf)
        .await
        .expect(200);
    assert_eq!(roles_of(&access.json, bob), vec![5]);
}

#[tokio::test]
async fn user_data_source_finds_a_user_by_email() {
    let app = TestApp::new().await;
    let tf = provider_auth(&app).await;
    let (alice, alice_session) = app.user("alice", "Editor").await;
    app.user("alfred", "Viewer").await;

    // SearchUsers(q=email), then GetUser(id) for the exact match.
    let found = app
        .get("/api/admin/user-admin/search?q=alice%40example.com", &tf)
        .await
        .expect(200);
    let list = found.json.as_array().expect("an array of users");
    assert_eq!(list.len(), 1, "{}", found.text);
    assert_eq!(list[0]["id"], alice);
    assert_eq!(list[0]["email"], "alice@example.com");
    let user = app
        .get(&format!("/api/admin/user-admin/{alice}"), &tf)
        .await
        .expect(200);
    assert_eq!(user.json["email"], "alice@example.com");

    // A prefix finds both; one character finds nothing; case does not matter.
    let both = app
        .get("/api/admin/user-admin/search?q=AL", &tf)
        .await
        .expect(200);
    assert_eq!(both.json.as_array().unwrap().len(), 2, "{}", both.text);
    let none = app
        .get("/api/admin/user-admin/search?q=a", &tf)
        .await
        .expect(200);
    assert_eq!(none.json, json!([]));
    // Any signed-in user may search, as in Unleash; anonymous callers may not.
    app.get("/api/admin/user-admin/search?q=al", &alice_session)
        .await
        .expect(200);
    app.get("/api/admin/user-admin/search?q=al", &Auth::None)
        .await
        .expect(401);
}
