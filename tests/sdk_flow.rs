//! Flags as SDKs see them: changes through the Admin API reach the client API, the delta
//! endpoint, server-sent event streams and the frontend API, on every node.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use common::{call, send, Auth, RunningServer, TestApp};
use serde_json::{json, Value};

const FLAG: &str = "/api/admin/projects/default/features";

async fn tokens(app: &TestApp, admin: &Auth) -> (Auth, Auth) {
    let c = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "be", "type": "client", "environment": "development"}),
            admin,
        )
        .await
        .expect(201)
        .json;
    let f = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "fe", "type": "frontend", "environment": "development"}),
            admin,
        )
        .await
        .expect(201)
        .json;
    (
        Auth::Token(c["secret"].as_str().unwrap().into()),
        Auth::Token(f["secret"].as_str().unwrap().into()),
    )
}

async fn flag(app: &TestApp, admin: &Auth, name: &str, strategy: Value) {
    app.post(FLAG, json!({"name": name}), admin)
        .await
        .expect(201);
    app.post(
        &format!("{FLAG}/{name}/environments/development/strategies"),
        strategy,
        admin,
    )
    .await
    .expect(200);
}

fn feature<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
}

/// Polls until `check` holds, for at most `limit`; returns how long it took.
async fn within(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() <= limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn admin_changes_reach_the_client_api_of_every_node_within_a_second() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (client, _) = tokens(&app, &admin).await;
    flag(&app, &admin, "checkout", json!({"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "default", "groupId": "checkout"}, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["1", "2"]}]})).await;
    let (_other_state, other) = app.second_node().await;

    let first = call(&other, "GET", "/api/client/features", None, &client)
        .await
        .expect(200);
    let f = feature(&first.json, "checkout").expect("flag listed");
    assert_eq!(f["enabled"], false);
    assert_eq!(f["project"], "default");
    assert_eq!(f["type"], "release");
    assert_eq!(f["strategies"][0]["name"], "flexibleRollout");
    assert_eq!(f["strategies"][0]["parameters"]["rollout"], "50");
    assert_eq!(
        f["strategies"][0]["constraints"][0]["values"],
        json!(["1", "2"])
    );
    let etag = first.header("etag").unwrap();

    app.post(
        &format!("{FLAG}/checkout/environments/development/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let took = within(Duration::from_secs(1), async || {
        let res = call(&other, "GET", "/api/client/features", None, &client).await;
        feature(&res.json, "checkout").is_some_and(|f| f["enabled"] == true)
    })
    .await;
    assert!(
        took.is_some(),
        "the change did not reach the other node within 1 s"
    );
    // The old ETag no longer matches.
    let Auth::Token(secret) = &client else {
        unreachable!()
    };
    let req = Request::get("/api/client/features")
        .header("authorization", secret)
        .header("if-none-match", etag)
        .body(Body::empty())
        .unwrap();
    send(&other, req).await.expect(200);
    // Archived flags disappear.
    app.delete(&format!("{FLAG}/checkout"), &admin)
        .await
        .expect(202);
    let gone = within(Duration::from_secs(1), async || {
        feature(
            &call(&other, "GET", "/api/client/features", None, &client)
                .await
                .json,
            "checkout",
        )
        .is_none()
    })
    .await;
    assert!(gone.is_some());
}

#[tokio::test]
async fn client_features_filter_by_project_and_prefix_and_inline_segments_for_old_sdks() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (client, _) = tokens(&app, &admin).await;
    let seg = app.post("/api/admin/segments", json!({"name": "beta", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}), &admin).await.expect(201).json["id"].as_i64().unwrap();
    flag(
        &app,
        &admin,
        "web.search",
        json!({"name": "default", "segments": [seg]}),
    )
    .await;
    flag(&app, &admin, "api.search", json!({"name": "default"})).await;
    let Auth::Token(secret) = &client else {
        unreachable!()
    };

    let res = app
        .get("/api/client/features?namePrefix=web.", &client)
        .await
        .expect(200);
    let names: Vec<_> = res.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("web.search")]);
    assert_eq!(res.json["query"]["namePrefix"], "web.");

    // Modern SDKs: segments listed once, referenced by id.
    let req = Request::get("/api/client/features")
        .header("authorization", secret)
        .header("unleash-client-spec", "5.2.0")
        .body(Body::empty())
        .unwrap();
    let modern = send(&app.router, req).await.expect(200);
    assert_eq!(modern.json["segments"][0]["id"], seg);
    assert_eq!(
        feature(&modern.json, "web.search").unwrap()["strategies"][0]["segments"],
        json!([seg])
    );
    // Without the header (or below 4.2.0): constraints inlined.
    let old = app.get("/api/client/features", &client).await.expect(200);
    assert!(old.json.get("segments").is_none());
    let s = &feature(&old.json, "web.search").unwrap()["strategies"][0];
    assert!(s.get("segments").is_none());
    assert_eq!(s["constraints"][0]["contextName"], "region");

    // A token of another project sees nothing of default.
    app.post(
        "/api/admin/projects",
        json!({"id": "mobile", "name": "Mobile"}),
        &admin,
    )
    .await
    .expect(201);
    let mobile = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "m", "type": "client", "projects": ["mobile"]}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let res = app
        .get(
            "/api/client/features",
            &Auth::Token(mobile["secret"].as_str().unwrap().into()),
        )
        .await
        .expect(200);
    assert_eq!(res.json["features"], json!([]));
    let single = app
        .get("/api/client/features/api.search", &client)
        .await
        .expect(200);
    assert_eq!(single.json["name"], "api.search");
}

#[tokio::test]
async fn delta_endpoint_hydrates_and_answers_304_when_nothing_changed() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (client, _) = tokens(&app, &admin).await;
    flag(&app, &admin, "delta-flag", json!({"name": "default"})).await;
    let res = app.get("/api/client/delta", &client).await.expect(200);
    let event = &res.json["events"][0];
    assert_eq!(event["type"], "hydration");
    assert_eq!(event["features"][0]["name"], "delta-flag");
    let etag = res.header("etag").unwrap();
    assert_eq!(etag, format!("\"{}\"", event["eventId"]));
    let Auth::Token(secret) = &client else {
        unreachable!()
    };
    let req = Request::get("/api/client/delta")
        .header("authorization", secret)
        .header("if-none-match", etag)
        .body(Body::empty())
        .unwrap();
    send(&app.router, req).await.expect(304);
}

#[tokio::test]
async fn a_change_reaches_a_streaming_client_within_a_second() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (client, _) = tokens(&app, &admin).await;
    flag(&app, &admin, "streamed", json!({"name": "default"})).await;
    let server = RunningServer::start(app.state.clone()).await;
    let Auth::Token(secret) = &client else {
        unreachable!()
    };
    let mut res = reqwest::Client::new()
        .get(format!("{}/api/client/streaming", server.base))
        .header("authorization", secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    let mut buffer = String::new();
    async fn next_event(
        res: &mut reqwest::Response,
        buffer: &mut String,
        deadline: Instant,
    ) -> Option<(String, Value)> {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let name = block
                    .lines()
                    .find_map(|l| l.strip_prefix("event:"))
                    .map(|s| s.trim().to_string());
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim)
                    .collect();
                match name {
                    Some(n) if !data.is_empty() => {
                        return Some((n, serde_json::from_str(&data).unwrap()))
                    }
                    _ => continue, // keep-alive comments
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, res.chunk()).await {
                Ok(Ok(Some(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    let (name, data) = next_event(
        &mut res,
        &mut buffer,
        Instant::now() + Duration::from_secs(5),
    )
    .await
    .expect("connected event");
    assert_eq!(name, "unleash-connected");
    assert_eq!(data["events"][0]["type"], "hydration");
    assert_eq!(data["events"][0]["features"][0]["enabled"], false);

    let started = Instant::now();
    app.post(
        &format!("{FLAG}/streamed/environments/development/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let (name, data) = next_event(&mut res, &mut buffer, started + Duration::from_secs(1))
        .await
        .expect("an update within 1 s");
    assert_eq!(name, "unleash-updated");
    assert_eq!(data["events"][0]["type"], "feature-updated");
    assert_eq!(data["events"][0]["feature"]["name"], "streamed");
    assert_eq!(data["events"][0]["feature"]["enabled"], true);
    drop(res);
    server.stop().await;
}

#[tokio::test]
async fn frontend_api_evaluates_the_context_as_sent() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, frontend) = tokens(&app, &admin).await;
    flag(&app, &admin, "for-acme", json!({"name": "default", "constraints": [{"contextName": "tenant", "operator": "IN", "values": ["acme"]}]})).await;
    flag(&app, &admin, "after-2030", json!({"name": "default", "constraints": [{"contextName": "currentTime", "operator": "DATE_AFTER", "value": "2030-01-01T00:00:00.000Z"}]})).await;
    flag(&app, &admin, "half", json!({"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "sessionId", "groupId": "half"}})).await;
    flag(&app, &admin, "parent", json!({"name": "default"})).await;
    flag(&app, &admin, "child", json!({"name": "default"})).await;
    app.post(
        &format!("{FLAG}/child/dependencies"),
        json!({"feature": "parent", "enabled": false}),
        &admin,
    )
    .await
    .expect(200);
    for f in ["for-acme", "after-2030", "half", "child"] {
        app.post(
            &format!("{FLAG}/{f}/environments/development/on"),
            json!({}),
            &admin,
        )
        .await
        .expect(200);
    }
    let names = |v: &Value| {
        v["toggles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    let plain = app.get("/api/frontend", &frontend).await.expect(200);
    // `parent` is disabled, so `child` (which requires it to be disabled) is on; no session id is
    // invented, so the 50 % rollout on sessionId is off.
    assert_eq!(names(&plain.json), ["child"]);
    let acme = app
        .get(
            "/api/frontend?properties%5Btenant%5D=acme&currentTime=2031-06-01T00:00:00.000Z",
            &frontend,
        )
        .await
        .expect(200);
    assert_eq!(names(&acme.json), ["after-2030", "child", "for-acme"]);
    assert_eq!(
        acme.json["toggles"][0]["variant"],
        json!({"name": "disabled", "enabled": false, "feature_enabled": true, "featureEnabled": true})
    );
    let posted = app
        .post(
            "/api/frontend",
            json!({"context": {"properties": {"tenant": "acme"}}}),
            &frontend,
        )
        .await
        .expect(200);
    assert_eq!(names(&posted.json), ["child", "for-acme"]);
    // The ETag follows the result, not the revision.
    assert_ne!(plain.header("etag"), acme.header("etag"));
    let Auth::Token(secret) = &frontend else {
        unreachable!()
    };
    let req = Request::get(
        "/api/frontend?properties%5Btenant%5D=acme&currentTime=2031-06-01T00:00:00.000Z",
    )
    .header("authorization", secret)
    .header("if-none-match", acme.header("etag").unwrap())
    .body(Body::empty())
    .unwrap();
    send(&app.router, req).await.expect(304);
    let req = Request::get("/api/frontend")
        .header("authorization", secret)
        .header("if-none-match", acme.header("etag").unwrap())
        .body(Body::empty())
        .unwrap();
    send(&app.router, req).await.expect(200);
}

#[tokio::test]
async fn a_segment_edit_is_served_by_the_same_node_at_once() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (client, _) = tokens(&app, &admin).await;
    let seg = app.post("/api/admin/segments", json!({"name": "where", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}), &admin).await.expect(201).json["id"].as_i64().unwrap();
    flag(
        &app,
        &admin,
        "by.region",
        json!({"name": "default", "segments": [seg]}),
    )
    .await;
    let values = |body: &Value| {
        feature(body, "by.region").unwrap()["strategies"][0]["constraints"][0]["values"].clone()
    };
    // Warm: the node now holds the snapshot and a freshly read revision.
    let before = app.get("/api/client/features", &client).await.expect(200);
    assert_eq!(values(&before.json), json!(["eu"]));
    app.put(
        &format!("/api/admin/segments/{seg}"),
        json!({"name": "where", "constraints": [{"contextName": "region", "operator": "IN", "values": ["us"]}]}),
        &admin,
    )
    .await
    .expect(204);
    // The very next request, well within the revision's cache time, serves the edit.
    let after = app.get("/api/client/features", &client).await.expect(200);
    assert_eq!(values(&after.json), json!(["us"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_arriving_together_after_a_change_rebuild_the_snapshot_once() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (client, _) = tokens(&app, &admin).await;
    flag(&app, &admin, "crowded", json!({"name": "default"})).await;
    app.get("/api/client/features", &client).await.expect(200);
    app.post(
        &format!("{FLAG}/crowded/environments/development/off"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let reloads = app.state.features.snapshot_reloads.get();
    let crowd = (0..32).map(|_| call(&app.router, "GET", "/api/client/features", None, &client));
    for res in futures_util::future::join_all(crowd).await {
        let res = res.expect(200);
        assert_eq!(feature(&res.json, "crowded").unwrap()["enabled"], false);
    }
    assert_eq!(
        app.state.features.snapshot_reloads.get(),
        reloads + 1,
        "one rebuild for the 32 requests"
    );
}
