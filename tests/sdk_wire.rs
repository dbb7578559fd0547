//! Server behaviour that the official SDKs revealed (see tests/sdk_compat.rs), each checked
//! through the real router.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

const FLAGS: &str = "/api/admin/projects/default/features";

async fn client_token(app: &TestApp, admin: &Auth) -> Auth {
    let res = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "wire", "type": "client", "environment": "development"}),
            admin,
        )
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().expect("secret").to_string())
}

fn served_strategy<'a>(features: &'a Value, flag: &str) -> &'a Value {
    features["features"]
        .as_array()
        .and_then(|l| l.iter().find(|f| f["name"] == flag))
        .map(|f| &f["strategies"][0])
        .unwrap_or_else(|| panic!("{flag} not served: {features}"))
}

/// The Node SDK reads a strategy variant's own stickiness before the strategy's: a variant
/// saved without one must carry the strategy's stickiness, or the SDK splits at random.
#[tokio::test]
async fn strategy_variants_without_stickiness_inherit_the_strategys() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for flag in ["inherits", "plain"] {
        app.post(FLAGS, json!({"name": flag}), &admin)
            .await
            .expect(201);
    }
    let variants = json!([
        {"name": "a", "weight": 1},
        {"name": "b", "weight": 1, "stickiness": ""},
        {"name": "c", "weight": 1, "stickiness": "userId"},
    ]);
    let created = app
        .post(
            &format!("{FLAGS}/inherits/environments/development/strategies"),
            json!({
                "name": "flexibleRollout",
                "parameters": {"rollout": "100", "stickiness": "clientId", "groupId": "g"},
                "variants": variants,
            }),
            &admin,
        )
        .await
        .expect(200)
        .json;
    let stickiness = |s: &Value| -> Vec<String> {
        s["variants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v["stickiness"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(stickiness(&created), ["clientId", "clientId", "userId"]);

    // A strategy without a stickiness parameter leaves the variants at "default".
    let plain = app
        .post(
            &format!("{FLAGS}/plain/environments/development/strategies"),
            json!({"name": "default", "variants": [{"name": "a", "weight": 1}]}),
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(stickiness(&plain), ["default"]);

    // Updating the strategy applies the same rule.
    let id = created["id"].as_str().expect("strategy id");
    let updated = app
        .put(
            &format!("{FLAGS}/inherits/environments/development/strategies/{id}"),
            json!({
                "name": "flexibleRollout",
                "parameters": {"rollout": "100", "stickiness": "sessionId", "groupId": "g"},
                "variants": [{"name": "a", "weight": 1}, {"name": "c", "weight": 1, "stickiness": "userId"}],
            }),
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(stickiness(&updated), ["sessionId", "userId"]);

    // SDKs see what was saved.
    for flag in ["inherits", "plain"] {
        app.post(
            &format!("{FLAGS}/{flag}/environments/development/on"),
            json!({}),
            &admin,
        )
        .await
        .expect(200);
    }
    let token = client_token(&app, &admin).await;
    let served = app
        .get("/api/client/features", &token)
        .await
        .expect(200)
        .json;
    assert_eq!(
        stickiness(served_strategy(&served, "inherits")),
        ["sessionId", "userId"]
    );
    assert_eq!(stickiness(served_strategy(&served, "plain")), ["default"]);
}

/// Reads server-sent events until one named `name` arrives; returns its data.
async fn next_event(res: &mut reqwest::Response, buffer: &mut String, name: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim);
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                .collect();
            if event == Some(name) {
                return serde_json::from_str(&data).expect("event data is JSON");
            }
        }
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {name} event within 5 s; got {buffer:?}"))
            .expect("stream")
            .expect("stream still open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Streaming SDKs keep a flag as first sent unless an `unleash-updated` event carries the
/// change: a toggle (a change inside a flag, not a new flag) must produce one.
#[tokio::test]
async fn streaming_sends_a_toggled_flag_as_updated() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(FLAGS, json!({"name": "streamed"}), &admin)
        .await
        .expect(201);
    let on = format!("{FLAGS}/streamed/environments/development/on");
    let off = format!("{FLAGS}/streamed/environments/development/off");
    app.post(&on, json!({}), &admin).await.expect(200);
    let Auth::Token(token) = client_token(&app, &admin).await else {
        unreachable!()
    };
    let server = common::RunningServer::start(app.state.clone()).await;
    let mut res = reqwest::Client::new()
        .get(format!("{}/api/client/streaming", server.base))
        .header("Authorization", &token)
        .header("Unleash-Client-Spec", "5.2.0")
        .send()
        .await
        .expect("stream");
    assert_eq!(res.status(), 200);
    let mut buffer = String::new();
    let connected = next_event(&mut res, &mut buffer, "unleash-connected").await;
    assert_eq!(connected["events"][0]["type"], "hydration");
    assert_eq!(connected["events"][0]["features"][0]["enabled"], true);

    for (path, enabled) in [(&off, false), (&on, true)] {
        app.post(path, json!({}), &admin).await.expect(200);
        let updated = next_event(&mut res, &mut buffer, "unleash-updated").await;
        assert_eq!(updated["events"][0]["type"], "feature-updated", "{updated}");
        assert_eq!(updated["events"][0]["feature"]["name"], "streamed");
        assert_eq!(updated["events"][0]["feature"]["enabled"], enabled);
    }
    drop(res);
    server.stop().await;
}
