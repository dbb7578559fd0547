//! Token rotation and the token policy in a real, headless Chromium: an Editor rotates a
//! personal access token with a grace period and copies the new secret; an Admin rotates an
//! API token at once and sets a lifetime limit that hides the longer expiry presets.
//!
//! Without Chromium these tests print a notice and pass, except when `CI` is set.

mod browser;
mod common;

use browser::*;

use common::{RunningServer, TestApp};
use serde_json::json;

async fn status_with(http: &reqwest::Client, url: &str, token: &str) -> u16 {
    http.get(url)
        .header("Authorization", token)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_pat_is_rotated_in_the_browser_with_a_grace_period() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let (_, editor) = app.user("erin", "Editor").await;
    let old = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "deploy bot", "expiresAt": (app.state.clock.now() + chrono::TimeDelta::days(30)).to_rfc3339()}),
            &editor,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "rotation", true).await else {
        return;
    };
    let http = http_client().await;
    let me = format!("{}/api/admin/user", server.base);

    b.sign_in("erin", "erin-Passw0rd!", false).await;
    b.goto("/profile/personal-api-tokens").await;
    b.shot("pats-before").await;
    b.click("#pats-table a.rotate").await;
    b.wait_text("#rotate-title", "Rotate token?").await;
    assert_eq!(b.prop("#grace", "value").await, "24", "one day by default");
    let choices = b.text("#grace").await;
    for label in ["None", "1 hour", "1 day", "7 days"] {
        assert!(choices.contains(label), "{choices}");
    }
    b.choose("#grace", "1").await;
    b.shot("rotate-dialog").await;
    b.click("#confirm-rotate").await;
    b.wait_text("#created-title", "Personal access token rotated")
        .await;
    assert!(b
        .text("#rotated-note")
        .await
        .contains("keeps working until"));
    let new = b.text("#token-secret").await.trim().to_string();
    assert!(new.starts_with("user:v2_"), "{new}");
    assert_ne!(new, old);
    b.shot("rotated").await;

    // Copy puts the new secret on the clipboard.
    b.c.issue_cmd(SetPermission("clipboard-read"))
        .await
        .expect("grant clipboard-read");
    let _ = b.c.issue_cmd(SetPermission("clipboard-write")).await;
    b.click("#copy-token").await;
    b.wait_text("#toast", "copied").await;
    let clip = b
        .c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR: ' + e));", vec![])
        .await
        .expect("read clipboard");
    assert_eq!(clip.as_str(), Some(new.as_str()));

    // Both tokens work during the grace; the old one is marked and cannot rotate again.
    assert_eq!(status_with(&http, &me, &old).await, 200);
    assert_eq!(status_with(&http, &me, &new).await, 200);
    b.click("#close-dialog").await;
    b.wait_path("/profile/personal-api-tokens").await;
    assert_eq!(b.count("#pats-table tbody tr").await, 2);
    assert_eq!(b.count("#pats-table .rotating").await, 1);
    assert!(b
        .text("#pats-table .rotating")
        .await
        .starts_with("Rotating out until"));
    assert_eq!(
        b.count("#pats-table a.rotate").await,
        1,
        "only the new token rotates"
    );
    b.shot("pats-after").await;

    // After the grace the old one is refused.
    app.state
        .clock
        .advance(chrono::TimeDelta::hours(1) + chrono::TimeDelta::minutes(1));
    assert_eq!(status_with(&http, &me, &old).await, 401);
    assert_eq!(status_with(&http, &me, &new).await, 200);
    b.close().await;
    server.stop().await;
}

#[tokio::test]
async fn an_api_token_is_rotated_and_the_lifetime_limit_hides_long_presets() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let old = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "shop backend", "type": "client", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "rotation-api", true).await else {
        return;
    };
    let http = http_client().await;
    let features = format!("{}/api/client/features", server.base);
    assert_eq!(status_with(&http, &features, &old).await, 200);

    b.sign_in("admin", common::ADMIN_PASSWORD, false).await;
    b.goto("/admin/api").await;
    b.click("#api-table a.rotate").await;
    b.wait_text("#rotate-title", "Rotate API token?").await;
    b.choose("#grace", "0").await;
    b.shot("api-rotate-dialog").await;
    b.click("#confirm-rotate").await;
    b.wait_text("#created-title", "API token rotated").await;
    assert!(b.text("#rotated-note").await.contains("no longer works"));
    let new = b.text("#token-secret").await.trim().to_string();
    assert!(new.starts_with("*:development.v2_"), "{new}");
    b.shot("api-rotated").await;
    assert_eq!(status_with(&http, &features, &old).await, 401);
    assert_eq!(status_with(&http, &features, &new).await, 200);

    // The token policy page: a 30-day limit hides the 60 and 90 day presets and "Never".
    b.goto("/admin/token-policy").await;
    b.fill("#max-days", "30").await;
    b.shot("policy-form").await;
    b.click("#save-policy").await;
    b.wait_path("/admin/token-policy").await;
    assert_eq!(b.prop("#max-days", "value").await, "30");
    b.goto("/profile/personal-api-tokens/new").await;
    b.find("#token-form").await;
    let options = b.text("#expiry").await;
    assert!(
        options.contains("30 days") && options.contains("Custom"),
        "{options}"
    );
    for hidden in ["60 days", "90 days", "Never"] {
        assert!(!options.contains(hidden), "{hidden} offered: {options}");
    }
    assert!(b.text("#lifetime-limit").await.contains("at most 30 days"));
    b.shot("presets-within-limit").await;
    b.close().await;
    server.stop().await;
}
