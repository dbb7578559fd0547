//! The token lifetime policy (PAT_MAX_LIFETIME_DAYS and the Admin's setting), automatic
//! revocation of unused personal access tokens, and Unleash's PAT kill switch.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

fn in_days(app: &TestApp, days: i64) -> String {
    (app.state.clock.now() + TimeDelta::days(days)).to_rfc3339()
}

fn token(v: &Value) -> Auth {
    Auth::Token(v["secret"].as_str().expect("secret").to_string())
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let admin = app.admin().await;
    app.get(&format!("/api/admin/search/events?type=IS:{kind}"), &admin)
        .await
        .expect(200)
        .json["events"]
        .as_array()
        .expect("events")
        .clone()
}

async fn create_pat(app: &TestApp, who: &Auth, description: &str, days: i64) -> Value {
    app.post(
        "/api/admin/user/tokens",
        json!({"description": description, "expiresAt": in_days(app, days)}),
        who,
    )
    .await
    .expect(201)
    .json
}

#[tokio::test]
async fn admins_read_and_set_the_policy_with_an_event() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let res = app.get("/api/admin/token-policy", &admin).await.expect(200);
    assert_eq!(res.json["patMaxLifetimeDays"], Value::Null);
    assert_eq!(res.json["revokeUnusedAfterDays"], Value::Null);
    app.get("/api/admin/token-policy", &editor)
        .await
        .expect(403);
    app.put(
        "/api/admin/token-policy",
        json!({"patMaxLifetimeDays": 30, "revokeUnusedAfterDays": null}),
        &editor,
    )
    .await
    .expect(403);
    for bad in [
        json!({"patMaxLifetimeDays": 0, "revokeUnusedAfterDays": null}),
        json!({"patMaxLifetimeDays": 30}),
        json!({"patMaxLifetimeDays": "30", "revokeUnusedAfterDays": null}),
        json!({"patMaxLifetimeDays": 1.5, "revokeUnusedAfterDays": null}),
        json!({"patMaxLifetimeDays": null, "revokeUnusedAfterDays": 99999}),
    ] {
        app.put("/api/admin/token-policy", bad, &admin)
            .await
            .expect(400);
    }
    let res = app
        .put(
            "/api/admin/token-policy",
            json!({"patMaxLifetimeDays": 30, "revokeUnusedAfterDays": 90}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(res.json["patMaxLifetimeDays"], 30);
    assert_eq!(res.json["effectivePatMaxLifetimeDays"], 30);
    let res = app.get("/api/admin/token-policy", &admin).await.expect(200);
    assert_eq!(res.json["revokeUnusedAfterDays"], 90);
    let events = events_of(&app, "token-policy-updated").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["patMaxLifetimeDays"], 30);
    assert_eq!(events[0]["preData"]["patMaxLifetimeDays"], Value::Null);
    let ui = app.get("/api/admin/ui-config", &admin).await.expect(200);
    assert_eq!(ui.json["patMaxLifetimeDays"], 30);
}

#[tokio::test]
async fn pats_past_the_limit_are_refused_naming_it() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("editor", "Editor").await;
    // Made before the policy: sixty days.
    let long = create_pat(&app, &editor, "long", 60).await;
    app.put(
        "/api/admin/token-policy",
        json!({"patMaxLifetimeDays": 30, "revokeUnusedAfterDays": null}),
        &admin,
    )
    .await
    .expect(200);
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "too-long", "expiresAt": in_days(&app, 31)}),
            &editor,
        )
        .await
        .expect(400);
    let last = (app.state.clock.now() + TimeDelta::days(30))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        res.json["message"],
        format!(
            "Personal access tokens may live at most 30 days; choose an expiry on or before {last}."
        ),
        "{}",
        res.text
    );
    // Unleash's "never" (a thousand years) is refused the same way.
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "never", "expiresAt": in_days(&app, 365_000)}),
        &editor,
    )
    .await
    .expect(400);
    create_pat(&app, &editor, "ok", 30).await;

    // Rotating: an explicit expiry past the limit is refused; the default is capped.
    app.post(
        &format!("/api/admin/user/tokens/{}/rotate", long["id"]),
        json!({"expiresAt": in_days(&app, 45)}),
        &editor,
    )
    .await
    .expect(400);
    let rotated = app
        .post(
            &format!("/api/admin/user/tokens/{}/rotate", long["id"]),
            json!({"graceDays": 0}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    let expires = DateTime::parse_from_rfc3339(rotated["expiresAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let lifetime = expires - app.state.clock.now();
    assert!(lifetime <= TimeDelta::days(31), "{lifetime}");
    assert!(lifetime >= TimeDelta::days(30), "{lifetime}");

    // Clearing the limit allows long lives again.
    app.put(
        "/api/admin/token-policy",
        json!({"patMaxLifetimeDays": null, "revokeUnusedAfterDays": null}),
        &admin,
    )
    .await
    .expect(200);
    create_pat(&app, &editor, "long-again", 365).await;
}

#[tokio::test]
async fn the_environment_sets_a_ceiling_the_setting_cannot_exceed() {
    let app = TestApp::with_config(|c| c.pat_max_lifetime_days = Some(10)).await;
    let admin = app.admin().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "x", "expiresAt": in_days(&app, 11)}),
            &editor,
        )
        .await
        .expect(400);
    assert!(res.json["message"]
        .as_str()
        .unwrap()
        .starts_with("Personal access tokens may live at most 10 days"));
    let res = app
        .put(
            "/api/admin/token-policy",
            json!({"patMaxLifetimeDays": 20, "revokeUnusedAfterDays": null}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.text.contains("PAT_MAX_LIFETIME_DAYS"));
    let res = app
        .put(
            "/api/admin/token-policy",
            json!({"patMaxLifetimeDays": 5, "revokeUnusedAfterDays": null}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(res.json["patMaxLifetimeDaysCeiling"], 10);
    assert_eq!(res.json["effectivePatMaxLifetimeDays"], 5);
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "x", "expiresAt": in_days(&app, 7)}),
        &editor,
    )
    .await
    .expect(400);
    create_pat(&app, &editor, "y", 5).await;
}

#[tokio::test]
async fn unused_pats_are_revoked_once_even_with_two_nodes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let never_used = create_pat(&app, &editor, "never-used", 90).await;
    let used = create_pat(&app, &editor, "used", 90).await;
    app.put(
        "/api/admin/token-policy",
        json!({"patMaxLifetimeDays": null, "revokeUnusedAfterDays": 30}),
        &admin,
    )
    .await
    .expect(200);
    let (other_state, _other) = app.second_node().await;

    // Nothing is old enough yet.
    assert_eq!(
        switchyard::service::token_policy::revoke_unused_pats(&app.state)
            .await
            .unwrap(),
        0
    );
    app.state.clock.advance(TimeDelta::days(20));
    app.get("/api/admin/user", &token(&used)).await.expect(200);
    app.state.clock.advance(TimeDelta::days(11));
    other_state.clock.advance(TimeDelta::days(31));
    // Node A writes its last-use times in its batch (here, now).
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();

    let (a, b) = tokio::join!(
        switchyard::service::token_policy::revoke_unused_pats(&app.state),
        switchyard::service::token_policy::revoke_unused_pats(&other_state),
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "deleted once across both nodes");
    app.get("/api/admin/user", &token(&never_used))
        .await
        .expect(401);
    app.get("/api/admin/user", &token(&used)).await.expect(200);
    let events = events_of(&app, "pat-deleted").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["reason"], "unused");
    assert_eq!(events[0]["data"]["id"], never_used["id"]);
    let secret = never_used["secret"].as_str().unwrap();
    assert!(!events[0].to_string().contains(&secret[secret.len() - 43..]));
}

#[tokio::test]
async fn without_the_setting_nothing_is_revoked() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create_pat(&app, &editor, "idle", 400).await;
    app.state.clock.advance(TimeDelta::days(365));
    assert_eq!(
        switchyard::service::token_policy::revoke_unused_pats(&app.state)
            .await
            .unwrap(),
        0
    );
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
}

#[tokio::test]
async fn the_kill_switch_hides_pats_and_stops_them_authenticating_as_unleash_does() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let pat = create_pat(&app, &editor, "before", 10).await;
    let other = create_pat(&app, &editor, "to-delete", 10).await;

    // A node started with UNLEASH_PAT_KILL_SWITCH=true on the same database.
    let mut config = common::test_config(&app.db.url);
    config.pat_kill_switch = true;
    let (state, _) = switchyard::bootstrap(config).await.unwrap();
    let killed = switchyard::app(state);
    let call = |method: &'static str, path: String, body: Option<Value>, auth: Auth| {
        let killed = killed.clone();
        async move { common::call(&killed, method, &path, body, &auth).await }
    };
    let res = call("GET", "/api/admin/user/tokens".into(), None, editor.clone())
        .await
        .expect(404);
    assert_eq!(res.json["message"], "PATs are disabled.");
    call(
        "POST",
        "/api/admin/user/tokens".into(),
        Some(json!({"description": "new", "expiresAt": in_days(&app, 3)})),
        editor.clone(),
    )
    .await
    .expect(404);
    call(
        "POST",
        format!("/api/admin/user/tokens/{}/rotate", pat["id"]),
        Some(json!({})),
        editor.clone(),
    )
    .await
    .expect(404);
    call("GET", "/api/admin/user".into(), None, token(&pat))
        .await
        .expect(401);
    // Deleting still works.
    call(
        "DELETE",
        format!("/api/admin/user/tokens/{}", other["id"]),
        None,
        editor.clone(),
    )
    .await
    .expect(200);
    let ui = call("GET", "/api/admin/ui-config".into(), None, editor.clone())
        .await
        .expect(200);
    assert_eq!(ui.json["flags"]["personalAccessTokensKillSwitch"], true);

    // The node without the switch is unaffected.
    app.get("/api/admin/user", &token(&pat)).await.expect(200);
    let ui = app.get("/api/admin/ui-config", &editor).await.expect(200);
    assert_eq!(ui.json["flags"]["personalAccessTokensKillSwitch"], false);
}
