//! The Admins' token inventory through the real router: every person's and service
//! account's token with owner, scope and use; the filters; revocation by an Admin (audited
//! for the owner, refused at once on another node); and the last client addresses of
//! tokens, recorded off the request path.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp, TestResponse};
use serde_json::{json, Value};
use switchyard::store::token_addresses::{of_tokens, TokenTable};

fn in_days(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339()
}

async fn pat(app: &TestApp, who: &Auth, description: &str, expires_at: &str) -> Value {
    app.post(
        "/api/admin/user/tokens",
        json!({"description": description, "expiresAt": expires_at}),
        who,
    )
    .await
    .expect(201)
    .json
}

fn secret(v: &Value) -> Auth {
    Auth::Token(v["secret"].as_str().unwrap().to_string())
}

async fn inventory(app: &TestApp, admin: &Auth, query: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/admin/personal-access-tokens{query}"), admin)
        .await
        .expect(200);
    assert_eq!(
        res.json["total"].as_u64().unwrap() as usize,
        res.json["tokens"].as_array().unwrap().len()
    );
    res.json["tokens"].as_array().unwrap().clone()
}

fn descriptions(list: &[Value]) -> Vec<String> {
    let mut d: Vec<String> = list
        .iter()
        .map(|t| t["description"].as_str().unwrap().to_string())
        .collect();
    d.sort();
    d
}

/// A GET with a token and an `X-Forwarded-For` header. Uses are timed to the millisecond;
/// a short pause keeps two uses from sharing one, so their order is known.
async fn get_from(router: &axum::Router, path: &str, token: &Auth, from: &str) -> TestResponse {
    let Auth::Token(t) = token else {
        panic!("a token is needed")
    };
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let req = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, t)
        .header("x-forwarded-for", from)
        .body(Body::empty())
        .unwrap();
    common::send(router, req).await
}

#[tokio::test]
async fn admins_see_every_token_with_its_owner_and_nothing_secret() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (editor_id, editor) = app.user("erin", "Editor").await;
    let mine = pat(&app, &editor, "erin's script", &in_days(10)).await;
    let account = app
        .post(
            "/api/admin/service-account",
            json!({"name": "Deploy bot", "username": "deploy-bot", "rootRole": "Editor"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let sa_id = account["id"].as_i64().unwrap();
    let sa_token = app
        .post(
            &format!("/api/admin/service-account/{sa_id}/token"),
            json!({"description": "pipeline", "expiresAt": in_days(30)}),
            &admin,
        )
        .await
        .expect(201)
        .json;

    let res = app
        .get("/api/admin/personal-access-tokens", &admin)
        .await
        .expect(200);
    for s in [&mine, &sa_token] {
        let tail = &s["secret"].as_str().unwrap()[31..];
        assert!(!res.text.contains(tail), "a secret is listed");
    }
    let list = res.json["tokens"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let erin = list.iter().find(|t| t["id"] == mine["id"]).unwrap();
    assert_eq!(erin["owner"]["id"], editor_id);
    assert_eq!(erin["owner"]["username"], "erin");
    assert_eq!(erin["owner"]["serviceAccount"], false);
    assert_eq!(erin["scopes"], "*");
    assert_eq!(erin["expired"], false);
    assert_eq!(erin["neverExpires"], false);
    assert_eq!(erin["seenAt"], Value::Null);
    assert_eq!(erin["lastAddresses"], json!([]));
    assert_eq!(erin["createdByUserId"], Value::Null);
    assert!(erin["createdAt"].is_string() && erin["expiresAt"].is_string());
    let bot = list.iter().find(|t| t["id"] == sa_token["id"]).unwrap();
    assert_eq!(bot["owner"]["serviceAccount"], true);
    assert_eq!(bot["owner"]["name"], "Deploy bot");

    // Admins only, whichever way the caller authenticates.
    app.get("/api/admin/personal-access-tokens", &editor)
        .await
        .expect(403);
    app.get("/api/admin/personal-access-tokens", &secret(&mine))
        .await
        .expect(403);
    app.delete(
        &format!("/api/admin/personal-access-tokens/{}", sa_token["id"]),
        &editor,
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn filters_narrow_the_inventory() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (erin_id, erin) = app.user("erin", "Editor").await;
    let (_, vic) = app.user("vic", "Viewer").await;
    pat(&app, &erin, "soon", &in_days(2)).await;
    pat(&app, &erin, "later", &in_days(60)).await;
    pat(&app, &vic, "forever", "9999-12-31T23:59:59Z").await;
    let used = pat(&app, &vic, "used", &in_days(90)).await;
    let account = app
        .post(
            "/api/admin/service-account",
            json!({"name": "bot", "username": "bot", "rootRole": "Viewer"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    app.post(
        &format!("/api/admin/service-account/{}/token", account["id"]),
        json!({"description": "bot token", "expiresAt": in_days(5)}),
        &admin,
    )
    .await
    .expect(201);

    assert_eq!(inventory(&app, &admin, "").await.len(), 5);
    assert_eq!(
        descriptions(&inventory(&app, &admin, &format!("?owner={erin_id}")).await),
        ["later", "soon"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?owner=vic").await),
        ["forever", "used"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?owner=vic@example.com").await),
        ["forever", "used"]
    );
    assert!(inventory(&app, &admin, "?owner=nobody").await.is_empty());
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?ownerType=service").await),
        ["bot token"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?expiringWithinDays=7").await),
        ["bot token", "soon"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?neverExpires=true").await),
        ["forever"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?expiringWithinDays=7&ownerType=person").await),
        ["soon"]
    );
    assert!(inventory(&app, &admin, "?expired=true").await.is_empty());

    // Ten days on: one token used today, one expired, the rest idle for ten days.
    app.state.clock.advance(TimeDelta::days(10));
    app.get("/api/admin/user", &secret(&used)).await.expect(200);
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    // The session expired with the clock; sign in again.
    let admin = app.admin().await;
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?expired=true").await),
        ["bot token", "soon"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?expired=false").await),
        ["forever", "later", "used"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?unusedForDays=9").await),
        ["bot token", "forever", "later", "soon"]
    );
    assert_eq!(
        descriptions(&inventory(&app, &admin, "?unusedForDays=11").await),
        Vec::<String>::new()
    );

    for (query, name) in [
        ("?unusedForDays=-1", "unusedForDays"),
        ("?expiringWithinDays=lots", "expiringWithinDays"),
        ("?unusedForDays=9223372036854775808", "unusedForDays"),
        ("?expired=maybe", "expired"),
        ("?neverExpires=2", "neverExpires"),
        ("?ownerType=robots", "ownerType"),
    ] {
        let res = app
            .get(&format!("/api/admin/personal-access-tokens{query}"), &admin)
            .await
            .expect(400);
        assert!(res.text.contains(name), "{query}: {}", res.text);
    }
}

#[tokio::test]
async fn an_admin_revokes_any_token_audited_for_the_owner_and_refused_on_both_nodes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (erin_id, erin) = app.user("erin", "Editor").await;
    let token = pat(&app, &erin, "laptop", &in_days(30)).await;
    let keep = pat(&app, &erin, "server", &in_days(30)).await;
    let (_, other) = app.second_node().await;
    common::call(&other, "GET", "/api/admin/user", None, &secret(&token))
        .await
        .expect(200);
    app.get("/api/admin/user", &secret(&token))
        .await
        .expect(200);

    app.delete(
        &format!("/api/admin/personal-access-tokens/{}", token["id"]),
        &admin,
    )
    .await
    .expect(200);
    app.get("/api/admin/user", &secret(&token))
        .await
        .expect(401);
    let start = std::time::Instant::now();
    loop {
        let res = common::call(&other, "GET", "/api/admin/user", None, &secret(&token)).await;
        if res.status.as_u16() == 401 {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "still accepted on the other node after 2 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.get("/api/admin/user", &secret(&keep)).await.expect(200);
    app.delete(
        &format!("/api/admin/personal-access-tokens/{}", token["id"]),
        &admin,
    )
    .await
    .expect(404);
    app.delete("/api/admin/personal-access-tokens/abc", &admin)
        .await
        .expect(400);

    // The owner's list no longer has it.
    let mine = app.get("/api/admin/user/tokens", &erin).await.expect(200);
    assert_eq!(mine.json["pats"].as_array().unwrap().len(), 1);
    // Their token page tells them who revoked it.
    let page = app
        .get("/profile/personal-api-tokens", &erin)
        .await
        .expect(200);
    assert!(page.text.contains("Revoked by an admin"), "{}", page.text);
    assert!(
        page.text.contains("&quot;laptop&quot; by admin")
            || page.text.contains("\"laptop\" by admin"),
        "{}",
        page.text
    );

    let res = app
        .get("/api/admin/search/events?type=IS:pat-deleted", &admin)
        .await
        .expect(200);
    let events = res.json["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["createdBy"], "admin");
    assert_eq!(events[0]["data"]["userId"], erin_id);
    assert_eq!(events[0]["data"]["id"], token["id"]);
    assert_eq!(events[0]["data"]["description"], "laptop");
    assert_eq!(events[0]["data"]["revokedByAdmin"], true);
    let tail = &token["secret"].as_str().unwrap()[31..];
    assert!(!events[0].to_string().contains(tail));
}

#[tokio::test]
async fn the_last_five_distinct_addresses_are_kept_behind_a_trusted_proxy() {
    let app =
        TestApp::with_config(|c| c.trusted_proxy_header = Some("X-Forwarded-For".into())).await;
    let admin = app.admin().await;
    let (_, erin) = app.user("erin", "Editor").await;
    let token = pat(&app, &erin, "roaming", &in_days(30)).await;
    let t = secret(&token);
    // A client-chosen entry to the left is ignored: the proxy's right-most one counts.
    for from in [
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.1",
        "10.0.0.3",
        "forged, 10.0.0.4",
    ] {
        get_from(&app.router, "/api/admin/user", &t, from)
            .await
            .expect(200);
    }
    // Nothing is written on the request path.
    let before = app.get("/api/admin/user/tokens", &erin).await.expect(200);
    assert_eq!(before.json["pats"][0]["lastAddresses"], json!([]));
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let addresses = |v: &Value| -> Vec<String> {
        v["lastAddresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                assert!(a["seenAt"].is_string());
                a["address"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let after = app.get("/api/admin/user/tokens", &erin).await.expect(200);
    assert_eq!(
        addresses(&after.json["pats"][0]),
        ["10.0.0.4", "10.0.0.3", "10.0.0.1", "10.0.0.2"]
    );
    assert!(after.json["pats"][0]["seenAt"].is_string());

    // Three more in a later batch: only the newest five remain, each once.
    for from in ["10.0.0.5", "2001:db8::6", "10.0.0.5", "10.0.0.7"] {
        get_from(&app.router, "/api/admin/user", &t, from)
            .await
            .expect(200);
    }
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let after = app.get("/api/admin/user/tokens", &erin).await.expect(200);
    assert_eq!(
        addresses(&after.json["pats"][0]),
        [
            "10.0.0.7",
            "10.0.0.5",
            "2001:db8::6",
            "10.0.0.4",
            "10.0.0.3"
        ]
    );
    // The inventory shows the same.
    let inv = inventory(&app, &admin, "").await;
    assert_eq!(
        addresses(&inv[0]),
        [
            "10.0.0.7",
            "10.0.0.5",
            "2001:db8::6",
            "10.0.0.4",
            "10.0.0.3"
        ]
    );
    // A token used only long ago is found by the unused filter despite its addresses.
    assert!(inventory(&app, &admin, "?unusedForDays=1").await.is_empty());

    // API tokens too.
    let created = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "sdk", "type": "client"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let sdk = secret(&created);
    for from in ["192.0.2.1", "192.0.2.2", "192.0.2.1"] {
        get_from(&app.router, "/api/client/features", &sdk, from)
            .await
            .expect(200);
    }
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let listed = app.get("/api/admin/api-tokens", &admin).await.expect(200);
    assert_eq!(
        addresses(&listed.json["tokens"][0]),
        ["192.0.2.1", "192.0.2.2"]
    );
    let mut db = app.state.db.clone();
    let stored = of_tokens(&mut db, TokenTable::ApiToken, None)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    let list: Vec<&str> = stored
        .values()
        .next()
        .unwrap()
        .iter()
        .map(|a| a.address.as_str())
        .collect();
    assert_eq!(list, ["192.0.2.1", "192.0.2.2"]);

    // Revoking a token drops its addresses with it.
    app.delete(
        &format!("/api/admin/personal-access-tokens/{}", token["id"]),
        &admin,
    )
    .await
    .expect(200);
    let left = of_tokens(&mut db, TokenTable::Pat, None).await.unwrap();
    assert!(left.is_empty());
}

#[tokio::test]
async fn a_forwarded_header_is_ignored_unless_trusted() {
    let app = TestApp::new().await;
    let (_, erin) = app.user("erin", "Editor").await;
    let token = pat(&app, &erin, "direct", &in_days(30)).await;
    get_from(
        &app.router,
        "/api/admin/user",
        &secret(&token),
        "203.0.113.50",
    )
    .await
    .expect(200);
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let after = app.get("/api/admin/user/tokens", &erin).await.expect(200);
    // Used (the time is recorded), but not from a forged address.
    assert!(after.json["pats"][0]["seenAt"].is_string());
    assert_eq!(after.json["pats"][0]["lastAddresses"], json!([]));
}

#[tokio::test]
async fn addresses_come_from_the_tcp_peer_on_a_real_port() {
    let app = TestApp::new().await;
    let (_, erin) = app.user("erin", "Editor").await;
    let token = pat(&app, &erin, "local", &in_days(30)).await;
    let server = common::RunningServer::start(app.state.clone()).await;
    let res = reqwest::Client::new()
        .get(format!("{}/api/admin/user", server.base))
        .header("authorization", token["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let after = app.get("/api/admin/user/tokens", &erin).await.expect(200);
    assert_eq!(
        after.json["pats"][0]["lastAddresses"][0]["address"],
        "127.0.0.1"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_routes_are_in_the_openapi_document() {
    let app = TestApp::new().await;
    let doc = app.get("/docs/openapi.json", &Auth::None).await.expect(200);
    assert!(doc.json["paths"]["/api/admin/personal-access-tokens"]["get"].is_object());
    assert!(doc.json["paths"]["/api/admin/personal-access-tokens/{id}"]["delete"].is_object());
}

#[tokio::test]
async fn a_batch_skips_tokens_revoked_meanwhile_on_another_node() {
    let app =
        TestApp::with_config(|c| c.trusted_proxy_header = Some("X-Forwarded-For".into())).await;
    let (_, erin) = app.user("erin", "Editor").await;
    let gone = pat(&app, &erin, "gone", &in_days(30)).await;
    let kept = pat(&app, &erin, "kept", &in_days(30)).await;
    get_from(&app.router, "/api/admin/user", &secret(&gone), "10.1.0.1")
        .await
        .expect(200);
    get_from(&app.router, "/api/admin/user", &secret(&kept), "10.1.0.2")
        .await
        .expect(200);
    // Revoked through the other node, which knows nothing of this node's pending uses.
    let (_, other) = app.second_node().await;
    let admin = app.admin().await;
    common::call(
        &other,
        "DELETE",
        &format!("/api/admin/personal-access-tokens/{}", gone["id"]),
        None,
        &admin,
    )
    .await
    .expect(200);
    assert_eq!(
        switchyard::service::tokens::flush_seen(&app.state)
            .await
            .unwrap(),
        2
    );
    let mut db = app.state.db.clone();
    let stored = of_tokens(&mut db, TokenTable::Pat, None).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[&kept["id"].as_i64().unwrap()][0].address, "10.1.0.2");
}

#[tokio::test]
async fn a_late_batch_does_not_turn_an_address_back_in_time() {
    let app = TestApp::new().await;
    let (_, erin) = app.user("erin", "Editor").await;
    let token = pat(&app, &erin, "t", &in_days(30)).await;
    let id = token["id"].as_i64().unwrap();
    let newer = Utc::now();
    let older = newer - TimeDelta::minutes(5);
    let mut db = app.state.db.clone();
    use switchyard::store::token_addresses::record;
    record(&mut db, TokenTable::Pat, id, &[("10.2.0.1".into(), newer)])
        .await
        .unwrap();
    record(&mut db, TokenTable::Pat, id, &[("10.2.0.1".into(), older)])
        .await
        .unwrap();
    let stored = of_tokens(&mut db, TokenTable::Pat, Some(&[id]))
        .await
        .unwrap();
    let seen = stored[&id][0].seen_at;
    assert!(
        (seen - newer).num_milliseconds().abs() < 2,
        "{seen} vs {newer}"
    );
}
