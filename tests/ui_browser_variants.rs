//! Variants in a real, headless Chromium (Debian's `chromium` and `chromium-driver`),
//! driving the real server on a real port through WebDriver: a strategy with two variants
//! with JSON payloads, a flag's environment variants with a fixed weight, the row editor's
//! buttons with and without JavaScript. Results are checked through the Admin API.
//!
//! Without Chromium these tests print a notice and pass, except when `CI` is set: then they
//! fail, so CI never skips them silently. Each step saves a screenshot under
//! `target/ui-screens/`.

mod browser;
mod common;

use browser::*;

use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use fantoccini::Locator;
use serde_json::{json, Value};

async fn strategies_of(app: &TestApp, admin: &common::Auth, flag: &str) -> Value {
    app.get(
        &format!("/api/admin/projects/default/features/{flag}/environments/development/strategies"),
        admin,
    )
    .await
    .expect(200)
    .json
}

async fn env_variants_of(app: &TestApp, admin: &common::Auth, flag: &str, env: &str) -> Value {
    app.get(
        &format!("/api/admin/projects/default/features/{flag}/environments/{env}/variants"),
        admin,
    )
    .await
    .expect(200)
    .json["variants"]
        .clone()
}

/// An admin adds a strategy with two variants carrying JSON payloads (trying the in-place
/// **Add variant** and **Remove** on the way), then sets the flag's variants in development
/// with a fixed weight.
#[tokio::test]
async fn strategy_and_environment_variants_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "banner"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "variants", true).await else {
        return;
    };
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    let flag_page = "/projects/default/features/banner";

    // A strategy with two variants and JSON payloads.
    b.goto(flag_page).await;
    b.click("#add-strategy-development").await;
    b.wait_path(&format!(
        "{flag_page}/environments/development/strategies/new"
    ))
    .await;
    assert_eq!(b.count("#strategy-variants .variant-row").await, 2);
    b.fill("#v0_name", "blue").await;
    b.choose("#v0_payload_type", "json").await;
    b.fill("#v0_payload", r#"{"color": "blue"}"#).await;
    b.fill("#v1_name", "green").await;
    b.choose("#v1_payload_type", "json").await;
    b.fill("#v1_payload", r#"{"color": "green"}"#).await;
    b.choose("#variant-stickiness", "userId").await;
    assert_eq!(
        b.prop("#v0_weight", "readOnly").await,
        "true",
        "a variable weight is shared out"
    );

    // Add variant and Remove work in place: no page load, the typed values stay.
    b.click("#add-variant").await;
    b.find("#v2_name").await;
    assert_eq!(b.count("#strategy-variants .variant-row").await, 3);
    assert_eq!(b.prop("#v0_name", "value").await, "blue");
    b.fill("#v2_name", "dropped").await;
    b.shot("strategy-variants-added").await;
    b.click(".variant-row[data-index='2'] .remove-variant")
        .await;
    assert_eq!(b.count("#strategy-variants .variant-row").await, 2);
    assert!(b.c.find(Locator::Css("#v2_name")).await.is_err());
    b.wait_path(&format!(
        "{flag_page}/environments/development/strategies/new"
    ))
    .await;
    b.shot("strategy-variants").await;
    b.click("#save-strategy").await;
    b.wait_path(flag_page).await;
    b.wait_text(".alert.success", "Strategy added").await;
    assert!(b.text("#env-development").await.contains("blue 50 %"));
    b.shot("strategy-variant-chips").await;
    let list = strategies_of(&app, &admin, "banner").await;
    assert_eq!(
        list[0]["variants"],
        json!([
            {"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "userId",
             "payload": {"type": "json", "value": "{\"color\": \"blue\"}"}},
            {"name": "green", "weight": 500, "weightType": "variable", "stickiness": "userId",
             "payload": {"type": "json", "value": "{\"color\": \"green\"}"}},
        ])
    );

    // Environment variants with a fixed weight.
    b.click("#variants-development").await;
    b.wait_path(&format!("{flag_page}/environments/development/variants"))
        .await;
    assert!(b.body().await.contains("This environment has no variants."));
    b.fill("#v0_name", "compact").await;
    b.choose("#v0_weight_type", "fix").await;
    assert_eq!(b.prop("#v0_weight", "readOnly").await, "false");
    b.fill("#v0_weight", "25").await;
    b.fill("#v1_name", "wide").await;
    b.shot("environment-variants-form").await;
    b.click("#save-variants").await;
    b.wait_text(".alert.success", "Variants saved in development")
        .await;
    let row = b.text("#variants-table tr[data-variant='compact']").await;
    assert!(row.contains("25 %") && row.contains("Fixed"), "{row}");
    assert!(b
        .text("#variants-table tr[data-variant='wide']")
        .await
        .contains("75 %"));
    b.shot("environment-variants").await;
    assert_eq!(
        env_variants_of(&app, &admin, "banner", "development").await,
        json!([
            {"name": "compact", "weight": 250, "weightType": "fix", "stickiness": "default"},
            {"name": "wide", "weight": 750, "weightType": "variable", "stickiness": "default"},
        ])
    );

    // A mistake is explained beside the form.
    b.fill("#v0_weight", "12.25").await;
    b.click("#save-variants").await;
    b.wait_text("#variants-error", "at most one decimal").await;
    assert_eq!(b.prop("#v0_weight", "value").await, "12.25");
    b.shot("environment-variants-error").await;

    b.goto(flag_page).await;
    assert!(b
        .text("#variants-development")
        .await
        .contains("Variants (2)"));
    b.close().await;
    server.stop().await;
}

/// Without JavaScript, **Add variant** and **Remove** show the form again.
#[tokio::test]
async fn variant_rows_work_without_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "menu"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "variants-nojs", false).await else {
        return;
    };
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    let path = "/projects/default/features/menu/environments/development/variants";
    b.goto(path).await;
    assert_eq!(b.count("#variants-form .variant-row").await, 2);
    b.fill("#v0_name", "a").await;
    b.fill("#v1_name", "b").await;
    b.click("#add-variant").await;
    b.find("#v2_name").await;
    assert_eq!(b.prop("#v1_name", "value").await, "b");
    b.fill("#v2_name", "c").await;
    b.click(".variant-row[data-index='0'] .remove-variant")
        .await;
    b.find("#v2_name").await;
    assert!(b.c.find(Locator::Css("#v0_name")).await.is_err());
    b.shot("rows-without-js").await;
    b.click("#save-variants").await;
    b.wait_text(".alert.success", "Variants saved").await;
    let got = env_variants_of(&app, &admin, "menu", "development").await;
    let names: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["b", "c"]);
    assert_eq!(got[0]["weight"], 500);
    b.close().await;
    server.stop().await;
}
