//! Addons (Unleash's webhook integration) and token expiry notices, against a real HTTP
//! receiver started by each test.

mod common;
mod ui_support;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use chrono::TimeDelta;
use common::{Auth, TestApp};
use serde_json::{json, Value};
use switchyard::service::{addons, token_expiry};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// A tiny HTTP server on 127.0.0.1 that records every request and answers `status`.
struct Receiver {
    base: String,
    got: Arc<Mutex<Vec<Received>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(status: StatusCode) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let sink = got.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let sink = sink.clone();
                async move {
                    sink.lock().unwrap().push(Received {
                        path: uri.path().to_string(),
                        headers,
                        body: String::from_utf8_lossy(&body).to_string(),
                    });
                    status
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            base,
            got,
            _task: task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// A URL on which nothing listens.
async fn closed_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    drop(l);
    url
}

async fn events_of(app: &TestApp, admin: &Auth, kind: &str) -> Vec<Value> {
    app.get(&format!("/api/admin/search/events?type=IS:{kind}"), admin)
        .await
        .expect(200)
        .json["events"]
        .as_array()
        .unwrap()
        .clone()
}

async fn create_addon(app: &TestApp, admin: &Auth, body: Value) -> Value {
    app.post("/api/admin/addons", body, admin)
        .await
        .expect(200)
        .json
}

async fn create_flag(app: &TestApp, admin: &Auth, project: &str, name: &str) {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        json!({"name": name, "description": "a \"quoted\" flag"}),
        admin,
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn providers_list_the_webhook_with_unleash_parameters_and_the_expiry_events() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let res = app.get("/api/admin/addons", &admin).await.expect(200);
    assert_eq!(res.json["addons"], json!([]));
    let providers = res.json["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 1);
    let webhook = &providers[0];
    assert_eq!(webhook["name"], "webhook");
    assert_eq!(webhook["displayName"], "Webhook");
    let params: Vec<(&str, bool, bool)> = webhook["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["required"].as_bool().unwrap(),
                p["sensitive"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        params,
        vec![
            ("url", true, true),
            ("contentType", false, false),
            ("authorization", false, true),
            ("bodyTemplate", false, false),
            ("customHeaders", false, true),
        ]
    );
    let events: Vec<&str> = webhook["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for e in [
        "feature-created",
        "feature-environment-enabled",
        "pat-expiring",
        "api-token-expiring",
    ] {
        assert!(events.contains(&e), "{e} missing from {events:?}");
    }
    app.get("/api/admin/addons", &Auth::None).await.expect(401);
}

#[tokio::test]
async fn addons_are_created_read_updated_and_deleted_with_events_and_masked_secrets() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let url = "https://hooks.example.com/services/very-secret-path";

    let body = json!({
        "provider": "webhook",
        "description": "to chat",
        "enabled": true,
        "parameters": {"url": url, "authorization": "Bearer top-secret", "contentType": "application/json"},
        "events": ["feature-created", "pat-expiring"],
        "projects": [],
        "environments": []
    });
    app.post("/api/admin/addons", body.clone(), &viewer)
        .await
        .expect(403);
    let created = create_addon(&app, &admin, body.clone()).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["provider"], "webhook");
    assert_eq!(created["description"], "to chat");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["parameters"]["url"], "*****");
    assert_eq!(created["parameters"]["authorization"], "*****");
    assert_eq!(created["parameters"]["contentType"], "application/json");
    assert_eq!(
        created["events"],
        json!(["feature-created", "pat-expiring"])
    );
    assert_eq!(created["projects"], json!([]));
    assert_eq!(created["environments"], json!([]));

    let one = app
        .get(&format!("/api/admin/addons/{id}"), &viewer)
        .await
        .expect(200);
    assert_eq!(one.json, created);
    let all = app.get("/api/admin/addons", &admin).await.expect(200);
    assert_eq!(all.json["addons"], json!([created]));
    assert!(!all.text.contains("very-secret-path") && !all.text.contains("top-secret"));

    // Sending the masked value back keeps the stored one; other fields change.
    let mut changed = body.clone();
    changed["parameters"]["url"] = json!("*****");
    changed["parameters"]["authorization"] = json!("*****");
    changed["description"] = json!("renamed");
    changed["enabled"] = json!(false);
    changed["projects"] = json!(["default"]);
    app.put(&format!("/api/admin/addons/{id}"), changed.clone(), &viewer)
        .await
        .expect(403);
    let updated = app
        .put(&format!("/api/admin/addons/{id}"), changed.clone(), &admin)
        .await
        .expect(200);
    assert_eq!(updated.json["description"], "renamed");
    assert_eq!(updated.json["enabled"], false);
    assert_eq!(updated.json["projects"], json!(["default"]));
    assert_eq!(updated.json["parameters"]["url"], "*****");
    let stored = addons::get(&app.state, id).await.unwrap();
    assert_eq!(stored.parameters["url"], url);
    assert_eq!(stored.parameters["authorization"], "Bearer top-secret");

    app.put("/api/admin/addons/9999", changed.clone(), &admin)
        .await
        .expect(404);
    app.get("/api/admin/addons/9999", &admin).await.expect(404);
    let bad_id = app.get("/api/admin/addons/abc", &admin).await.expect(400);
    assert_eq!(bad_id.json["name"], "BadDataError");

    app.delete(&format!("/api/admin/addons/{id}"), &viewer)
        .await
        .expect(403);
    app.delete(&format!("/api/admin/addons/{id}"), &admin)
        .await
        .expect(200);
    app.get(&format!("/api/admin/addons/{id}"), &admin)
        .await
        .expect(404);
    app.delete(&format!("/api/admin/addons/{id}"), &admin)
        .await
        .expect(404);

    for (kind, data_field) in [
        ("addon-config-created", "data"),
        ("addon-config-updated", "data"),
        ("addon-config-deleted", "preData"),
    ] {
        let evs = events_of(&app, &admin, kind).await;
        assert_eq!(evs.len(), 1, "{kind}");
        assert_eq!(evs[0][data_field]["id"], id, "{kind}");
        assert_eq!(evs[0][data_field]["provider"], "webhook");
        assert_eq!(evs[0]["createdBy"], "admin");
        let text = evs[0].to_string();
        assert!(
            !text.contains("very-secret-path") && !text.contains("top-secret"),
            "{kind} records a secret: {text}"
        );
    }
}

#[tokio::test]
async fn invalid_addons_are_refused_with_messages_that_say_what_to_fix() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cases = [
        (
            json!({"provider": "slack", "parameters": {"url": "https://x.example"}, "events": []}),
            "webhook",
        ),
        (
            json!({"parameters": {"url": "https://x.example"}, "events": []}),
            "No addon provider supplied",
        ),
        (
            json!({"provider": "webhook", "parameters": {}, "events": []}),
            "Missing required parameters: url",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "ftp://x.example/a"}, "events": []}),
            "absolute http:// or https:// URL",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "not a url"}, "events": []}),
            "absolute http:// or https:// URL",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example"}, "events": "feature-created"}),
            "/body/events",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example"}, "events": [], "projects": [1]}),
            "/body/projects",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example"}, "events": [], "environments": {"a": 1}}),
            "/body/environments",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example", "customHeaders": "not json"}, "events": []}),
            "customHeaders",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example", "customHeaders": "{\"X-A\": 1}"}, "events": []}),
            "customHeaders",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example", "bodyTemplate": "{{#event}}x"}, "events": []}),
            "never closed",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": "https://x.example", "authorization": "a\nb"}, "events": []}),
            "authorization",
        ),
        (
            json!({"provider": "webhook", "enabled": "yes", "parameters": {"url": "https://x.example"}, "events": []}),
            "/body/enabled",
        ),
        (
            json!({"provider": "webhook", "parameters": {"url": {"nested": true}}, "events": []}),
            "url",
        ),
    ];
    for (body, needle) in cases {
        let res = app.post("/api/admin/addons", body.clone(), &admin).await;
        assert_eq!(res.status.as_u16(), 400, "{body}: {}", res.text);
        assert_eq!(res.json["name"], "BadDataError", "{body}");
        assert!(
            res.text.contains(needle),
            "{body}: expected {needle:?} in {}",
            res.text
        );
    }
    let hidden = app
        .post(
            "/api/admin/addons",
            json!({"provider": "webhook", "parameters": {"url": "ftp://secret-host.example/"}, "events": []}),
            &admin,
        )
        .await
        .expect(400);
    assert!(!hidden.text.contains("secret-host"), "{}", hidden.text);
    let none = app.get("/api/admin/addons", &admin).await.expect(200);
    assert_eq!(none.json["addons"], json!([]));
}

#[tokio::test]
async fn events_are_delivered_once_with_headers_templates_and_filters_even_on_two_nodes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let plain = Receiver::start(StatusCode::OK).await;
    let templated = Receiver::start(StatusCode::OK).await;
    let filtered = Receiver::start(StatusCode::OK).await;
    let failing = Receiver::start(StatusCode::BAD_REQUEST).await;

    let plain_addon = create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {
                "url": format!("{}/plain", plain.base),
                "authorization": "Bearer hook-secret",
                "customHeaders": "{\"X-Trace\": \"abc\", \"X-Team\": \"core\"}"
            },
            "events": ["feature-created"]
        }),
    )
    .await;
    create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {
                "url": format!("{}/templated", templated.base),
                "contentType": "text/plain",
                "bodyTemplate": "{{event.type}} of {{event.featureName}} by {{event.createdBy}}: {{event.data.description}} / {{{event.data.description}}}{{#event.project}} in {{.}}{{/event.project}}"
            },
            "events": ["feature-created"],
            "projects": ["default"],
            "environments": []
        }),
    )
    .await;
    create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {"url": format!("{}/filtered", filtered.base)},
            "events": ["feature-created", "feature-archived"],
            "projects": ["elsewhere"]
        }),
    )
    .await;
    let failing_addon = create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {"url": format!("{}/failing", failing.base)},
            "events": ["feature-created"]
        }),
    )
    .await;
    let unreachable_addon = create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {"url": closed_url().await},
            "events": ["feature-created"]
        }),
    )
    .await;

    create_flag(&app, &admin, "default", "checkout").await;
    let (node2, _router2) = app.second_node().await;
    let (a, b) = tokio::join!(
        addons::deliver_pending(&app.state),
        addons::deliver_pending(&node2)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 2, "{a:?} {b:?}");
    assert_eq!(a.failed + b.failed, 2, "{a:?} {b:?}");
    // Further rounds on either node send nothing again.
    for state in [&app.state, &node2, &app.state] {
        assert_eq!(
            addons::deliver_pending(state).await.unwrap(),
            addons::DeliveryRound::default()
        );
    }

    let got = plain.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].path, "/plain");
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert_eq!(got[0].headers["authorization"], "Bearer hook-secret");
    assert_eq!(got[0].headers["x-trace"], "abc");
    assert_eq!(got[0].headers["x-team"], "core");
    let sent: Value = serde_json::from_str(&got[0].body).unwrap();
    let stored = events_of(&app, &admin, "feature-created").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        sent, stored[0],
        "the body is the event as the events API shows it"
    );
    assert_eq!(sent["type"], "feature-created");
    assert_eq!(sent["featureName"], "checkout");
    assert_eq!(sent["data"]["name"], "checkout");

    let got = templated.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].headers["content-type"], "text/plain");
    assert!(got[0].headers.get("authorization").is_none());
    assert_eq!(
        got[0].body,
        "feature-created of checkout by admin: a &quot;quoted&quot; flag / a \"quoted\" flag in default"
    );

    assert!(
        filtered.received().is_empty(),
        "the project filter lets nothing through"
    );
    assert_eq!(failing.received().len(), 1);

    // What each addon delivered, with its state.
    let delivered = app
        .get(
            &format!("/api/admin/addons/{}/events", plain_addon["id"]),
            &admin,
        )
        .await
        .expect(200);
    let list = delivered.json["integrationEvents"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "success");
    assert_eq!(list[0]["stateDetails"], "Status code: 200");
    assert_eq!(list[0]["integrationId"], plain_addon["id"]);
    assert_eq!(list[0]["event"]["type"], "feature-created");
    assert!(list[0]["id"].is_string());
    let failed = app
        .get(
            &format!("/api/admin/addons/{}/events", failing_addon["id"]),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(failed.json["integrationEvents"][0]["state"], "failed");
    assert_eq!(
        failed.json["integrationEvents"][0]["stateDetails"],
        "Status code: 400"
    );
    let unreachable = app
        .get(
            &format!("/api/admin/addons/{}/events", unreachable_addon["id"]),
            &admin,
        )
        .await
        .expect(200);
    let entry = &unreachable.json["integrationEvents"][0];
    assert_eq!(entry["state"], "failed");
    assert_eq!(
        entry["stateDetails"],
        "Could not connect to the webhook URL."
    );
    let (_, editor) = app.user("ed", "Editor").await;
    app.get(
        &format!("/api/admin/addons/{}/events", plain_addon["id"]),
        &editor,
    )
    .await
    .expect(403);

    // A second flag in another project reaches the filtered addon but not the templated one.
    app.post(
        "/api/admin/projects",
        json!({"id": "elsewhere", "name": "Elsewhere"}),
        &admin,
    )
    .await
    .expect(201);
    create_flag(&app, &admin, "elsewhere", "remote").await;
    addons::deliver_pending(&node2).await.unwrap();
    assert_eq!(filtered.received().len(), 1);
    assert_eq!(templated.received().len(), 1);
    assert_eq!(plain.received().len(), 2);

    // A disabled addon receives nothing, and once enabled again only what comes after.
    let plain_id = plain_addon["id"].as_i64().unwrap();
    let mut body = json!({
        "provider": "webhook",
        "enabled": false,
        "parameters": {"url": "*****", "authorization": "*****", "customHeaders": "*****"},
        "events": ["feature-created"]
    });
    app.put(
        &format!("/api/admin/addons/{plain_id}"),
        body.clone(),
        &admin,
    )
    .await
    .expect(200);
    create_flag(&app, &admin, "default", "while-off").await;
    addons::deliver_pending(&app.state).await.unwrap();
    body["enabled"] = json!(true);
    app.put(&format!("/api/admin/addons/{plain_id}"), body, &admin)
        .await
        .expect(200);
    addons::deliver_pending(&app.state).await.unwrap();
    assert_eq!(plain.received().len(), 2);
    create_flag(&app, &admin, "default", "after").await;
    addons::deliver_pending(&app.state).await.unwrap();
    let got = plain.received();
    assert_eq!(got.len(), 3);
    assert!(got[2].body.contains("\"after\""));
    assert_eq!(got[2].headers["authorization"], "Bearer hook-secret");
}

#[tokio::test]
async fn events_are_neither_skipped_nor_repeated_while_the_cursor_settles() {
    // The cursor only passes events older than the settling time, so recent events are read
    // again each round: the delivery rows keep them from being sent twice.
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let hook = Receiver::start(StatusCode::OK).await;
    create_addon(
        &app,
        &admin,
        json!({"provider": "webhook", "parameters": {"url": hook.base}, "events": ["feature-created"]}),
    )
    .await;
    create_flag(&app, &admin, "default", "one").await;
    addons::deliver_pending(&app.state).await.unwrap();
    app.state.clock.advance(TimeDelta::seconds(30));
    create_flag(&app, &admin, "default", "two").await;
    addons::deliver_pending(&app.state).await.unwrap();
    app.state.clock.advance(TimeDelta::minutes(5));
    addons::deliver_pending(&app.state).await.unwrap();
    create_flag(&app, &admin, "default", "three").await;
    addons::deliver_pending(&app.state).await.unwrap();
    let names: Vec<String> = hook
        .received()
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["featureName"].to_string())
        .collect();
    assert_eq!(names, vec!["\"one\"", "\"two\"", "\"three\""]);
}

fn in_days(app: &TestApp, days: i64) -> String {
    (app.state.clock.now() + TimeDelta::days(days)).to_rfc3339()
}

#[tokio::test]
async fn a_pat_expiring_within_a_lead_time_is_announced_once_per_lead_even_on_two_nodes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let hook = Receiver::start(StatusCode::OK).await;
    create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {"url": hook.base, "bodyTemplate": "{{event.data.username}}'s token {{event.data.description}} expires in {{event.data.daysLeft}} days"},
            "events": ["pat-expiring"]
        }),
    )
    .await;
    let (user_id, editor) = app.user("edna", "Editor").await;
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "deploy bot", "expiresAt": in_days(&app, 20)}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    let secret = pat["secret"].as_str().unwrap().to_string();
    // A short-lived token (7 days) gets no 14-day notice.
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "short", "expiresAt": in_days(&app, 7)}),
        &editor,
    )
    .await
    .expect(201);
    let (node2, _router2) = app.second_node().await;

    // Not due yet.
    assert_eq!(
        token_expiry::emit_notices(&app.state).await.unwrap().pats,
        0
    );

    // Seven days on, 13 days are left: within the 14-day lead.
    app.state.clock.advance(TimeDelta::days(7));
    node2.clock.advance(TimeDelta::days(7));
    let (a, b) = tokio::join!(
        token_expiry::emit_notices(&app.state),
        token_expiry::emit_notices(&node2)
    );
    let again = token_expiry::emit_notices(&app.state).await.unwrap();
    assert_eq!(a.unwrap().pats + b.unwrap().pats + again.pats, 1);
    let admin = app.admin().await;
    let events = events_of(&app, &admin, "pat-expiring").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let data = &events[0]["data"];
    assert_eq!(data["id"], pat["id"]);
    assert_eq!(data["description"], "deploy bot");
    assert_eq!(data["userId"], user_id);
    assert_eq!(data["username"], "edna");
    assert_eq!(data["daysLeft"], 13);
    assert_eq!(data["leadDays"], 14);
    assert_eq!(data["expiresAt"], pat["expiresAt"]);
    let selector_and_secret = secret.strip_prefix("user:v2_").unwrap();
    let secret_part = &selector_and_secret[23..];
    assert!(!events[0].to_string().contains(secret_part));

    let (a, b) = tokio::join!(
        addons::deliver_pending(&app.state),
        addons::deliver_pending(&node2)
    );
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 1);
    addons::deliver_pending(&node2).await.unwrap();
    let got = hook.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "edna's token deploy bot expires in 13 days");

    // Ten days later 3 days are left: the 3-day notice, once; and the short token's too.
    app.state.clock.advance(TimeDelta::days(10));
    node2.clock.advance(TimeDelta::days(10));
    let (a, b) = tokio::join!(
        token_expiry::emit_notices(&node2),
        token_expiry::emit_notices(&app.state)
    );
    assert_eq!(
        a.unwrap().pats + b.unwrap().pats,
        1,
        "the short token expired"
    );
    assert_eq!(token_expiry::emit_notices(&node2).await.unwrap().pats, 0);
    let admin = app.admin().await;
    let events = events_of(&app, &admin, "pat-expiring").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["data"]["leadDays"], 3);
    assert_eq!(events[0]["data"]["daysLeft"], 3);
    addons::deliver_pending(&node2).await.unwrap();
    addons::deliver_pending(&app.state).await.unwrap();
    let got = hook.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].body, "edna's token deploy bot expires in 3 days");
}

#[tokio::test]
async fn the_short_lived_pat_gets_its_three_day_notice() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("sam", "Editor").await;
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "short", "expiresAt": in_days(&app, 7)}),
        &editor,
    )
    .await
    .expect(201);
    assert_eq!(
        token_expiry::emit_notices(&app.state).await.unwrap().pats,
        0
    );
    app.state.clock.advance(TimeDelta::days(4));
    assert_eq!(
        token_expiry::emit_notices(&app.state).await.unwrap().pats,
        1
    );
    assert_eq!(
        token_expiry::emit_notices(&app.state).await.unwrap().pats,
        0
    );
    let admin = app.admin().await;
    let events = events_of(&app, &admin, "pat-expiring").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["leadDays"], 3);
    assert_eq!(events[0]["data"]["daysLeft"], 3);
}

#[tokio::test]
async fn an_api_token_expiring_within_a_lead_time_is_announced_once_even_on_two_nodes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let hook = Receiver::start(StatusCode::OK).await;
    create_addon(
        &app,
        &admin,
        json!({
            "provider": "webhook",
            "parameters": {"url": format!("{}/tokens", hook.base), "authorization": "Bearer x"},
            "events": ["api-token-expiring", "pat-expiring"],
            "environments": ["production"]
        }),
    )
    .await;
    let token = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "payments-backend", "type": "client", "environment": "production", "projects": ["default"], "expiresAt": in_days(&app, 30)}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let secret = token["secret"].as_str().unwrap().to_string();
    // Another environment: announced, but filtered out by the addon.
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "dev-backend", "type": "client", "environment": "development", "expiresAt": in_days(&app, 30)}),
        &admin,
    )
    .await
    .expect(201);
    // Never expires: never announced.
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "forever", "type": "client"}),
        &admin,
    )
    .await
    .expect(201);
    let (node2, _router2) = app.second_node().await;
    app.state.clock.advance(TimeDelta::days(26));
    node2.clock.advance(TimeDelta::days(26));
    let (a, b) = tokio::join!(
        token_expiry::emit_notices(&app.state),
        token_expiry::emit_notices(&node2)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.api_tokens + b.api_tokens, 2, "{a:?} {b:?}");
    assert_eq!(
        token_expiry::emit_notices(&node2).await.unwrap().api_tokens,
        0
    );

    let admin = app.admin().await;
    let events = events_of(&app, &admin, "api-token-expiring").await;
    assert_eq!(events.len(), 2);
    let payments = events
        .iter()
        .find(|e| e["data"]["tokenName"] == "payments-backend")
        .unwrap();
    assert_eq!(payments["data"]["type"], "client");
    assert_eq!(payments["data"]["environment"], "production");
    assert_eq!(payments["data"]["projects"], json!(["default"]));
    assert_eq!(payments["data"]["daysLeft"], 4);
    assert_eq!(payments["data"]["leadDays"], 14);
    assert_eq!(payments["data"]["expiresAt"], token["expiresAt"]);
    assert_eq!(payments["environment"], "production");
    assert_eq!(payments["project"], "default");
    // The random part follows the selector; it may itself hold `_`, so it is not simply the
    // text after the last one (which can be a single character found anywhere).
    let selector = token["selector"].as_str().unwrap();
    let (_, secret_part) = secret.split_once(&format!("{selector}_")).unwrap();
    assert!(secret_part.len() >= 32, "{secret}");
    assert!(!payments.to_string().contains(secret_part));

    let (a, b) = tokio::join!(
        addons::deliver_pending(&node2),
        addons::deliver_pending(&app.state)
    );
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 1);
    let got = hook.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/tokens");
    assert_eq!(got[0].headers["authorization"], "Bearer x");
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "api-token-expiring");
    assert_eq!(body["data"]["tokenName"], "payments-backend");
    assert!(!got[0].body.contains(secret_part));
}

#[tokio::test]
async fn admins_manage_webhooks_in_the_ui() {
    use ui_support::{csrf_of, form_login, get_page, post_fields};
    let app = TestApp::new().await;
    let hook = Receiver::start(StatusCode::OK).await;
    let session = form_login(&app, "admin", common::ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin/addons", &session).await.expect(200);
    assert!(page.text.contains("No webhooks yet"), "{}", page.text);
    assert!(
        page.text.contains("href=\"/admin/addons\""),
        "the menu links the page"
    );
    let form = get_page(&app, "/admin/addons/new", &session)
        .await
        .expect(200);
    for e in ["pat-expiring", "api-token-expiring", "feature-created"] {
        assert!(
            form.text
                .contains(&format!("name=\"events\" value=\"{e}\"")),
            "{e} missing from the form"
        );
    }
    let csrf = csrf_of(&form.text);

    // Without a URL: the form again, with Unleash's message.
    let refused = post_fields(
        &app,
        "/admin/addons",
        &session,
        &[
            ("_csrf", csrf.as_str()),
            ("description", "Ops"),
            ("url", ""),
            ("events", "pat-expiring"),
            ("enabled", "on"),
        ],
    )
    .await
    .expect(400);
    assert!(
        refused.text.contains("Missing required parameters: url"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("value=\"Ops\""),
        "the form keeps what was typed"
    );

    let url = format!("{}/ui", hook.base);
    let template = "{{event.type}}: {{event.data.description}}";
    post_fields(
        &app,
        "/admin/addons",
        &session,
        &[
            ("_csrf", csrf.as_str()),
            ("description", "Ops"),
            ("url", url.as_str()),
            ("authorization", "Bearer ui-secret"),
            ("content_type", "text/plain"),
            ("body_template", template),
            ("events", "feature-created"),
            ("events", "pat-expiring"),
            ("enabled", "on"),
        ],
    )
    .await
    .expect(303);
    let list = addons::list(&app.state).await.unwrap();
    assert_eq!(list.len(), 1);
    let id = list[0].id;
    assert_eq!(list[0].description.as_deref(), Some("Ops"));
    assert_eq!(list[0].events, vec!["feature-created", "pat-expiring"]);
    assert_eq!(list[0].parameters["url"], url.as_str());
    assert_eq!(list[0].parameters["bodyTemplate"], template);
    assert!(list[0].enabled);
    let page = get_page(&app, "/admin/addons", &session).await.expect(200);
    assert!(
        page.text.contains("feature-created, pat-expiring"),
        "{}",
        page.text
    );
    assert!(!page.text.contains(&hook.base) && !page.text.contains("ui-secret"));

    // Editing with the URL and authorization left blank keeps them.
    let edit = get_page(&app, &format!("/admin/addons/{id}"), &session)
        .await
        .expect(200);
    assert!(!edit.text.contains(&hook.base) && !edit.text.contains("ui-secret"));
    assert!(edit
        .text
        .contains("name=\"events\" value=\"pat-expiring\" checked"));
    post_fields(
        &app,
        &format!("/admin/addons/{id}"),
        &session,
        &[
            ("_csrf", csrf.as_str()),
            ("description", "Ops renamed"),
            ("url", ""),
            ("authorization", ""),
            ("content_type", "text/plain"),
            ("body_template", template),
            ("events", "feature-created"),
            ("enabled", "on"),
        ],
    )
    .await
    .expect(303);
    let stored = addons::get(&app.state, id).await.unwrap();
    assert_eq!(stored.description.as_deref(), Some("Ops renamed"));
    assert_eq!(stored.events, vec!["feature-created"]);
    assert_eq!(stored.parameters["url"], url.as_str());
    assert_eq!(stored.parameters["authorization"], "Bearer ui-secret");

    // What the page configured is what gets delivered.
    let admin = app.admin().await;
    create_flag(&app, &admin, "default", "from-ui").await;
    addons::deliver_pending(&app.state).await.unwrap();
    let got = hook.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "feature-created: a &quot;quoted&quot; flag");
    assert_eq!(got[0].headers["authorization"], "Bearer ui-secret");
    assert_eq!(got[0].headers["content-type"], "text/plain");

    // Not for other users.
    let (_, _) = app.user("vic", "Editor").await;
    let editor = form_login(&app, "vic", "vic-Passw0rd!").await;
    get_page(&app, "/admin/addons", &editor).await.expect(403);

    let confirm = get_page(&app, &format!("/admin/addons/{id}/delete"), &session)
        .await
        .expect(200);
    assert!(confirm.text.contains("Delete webhook?"));
    post_fields(
        &app,
        &format!("/admin/addons/{id}/delete"),
        &session,
        &[("_csrf", csrf.as_str())],
    )
    .await
    .expect(303);
    assert!(addons::list(&app.state).await.unwrap().is_empty());
}
