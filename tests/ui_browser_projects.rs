//! Projects in a real, headless Chromium: create a project through the UI, make a frontend
//! token for it on its API access page, copy it with **Copy token** and use it against the
//! frontend API.
//!
//! Without Chromium (Debian's `chromium` and `chromium-driver`) this test prints a notice
//! and passes, except when `CI` is set: then it fails, so CI never skips it silently. Each
//! step saves a screenshot under `target/ui-screens/`.

mod browser;
mod common;

use browser::*;

use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};

/// An admin creates a project in the browser, makes a frontend token for it on its API
/// access page, copies it with **Copy token**, and a front-end SDK's request with that token
/// sees the project's flag.
#[tokio::test]
async fn a_project_and_its_frontend_token_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "projects", true).await else {
        return;
    };
    let http = http_client().await;
    b.sign_in("admin", ADMIN_PASSWORD, false).await;

    // Projects, then New project.
    b.click_link("Projects").await;
    b.wait_path("/projects").await;
    b.click("#new-project").await;
    b.wait_path("/projects/new").await;
    b.fill("#project-name", "Web shop").await;
    b.fill("#project-id", "web-shop").await;
    b.fill("#project-description", "The shop's front end").await;
    assert!(
        b.find("#env-production").await.is_selected().await.unwrap(),
        "every environment is ticked at first"
    );
    b.click("#env-production").await;
    b.shot("new-project-form").await;
    b.click("#create-project").await;
    b.wait_path("/projects/web-shop").await;
    b.wait_text(".alert.success", "created").await;
    b.shot("project-created").await;
    let p = app
        .get("/api/admin/projects/web-shop", &admin)
        .await
        .expect(200);
    assert_eq!(p.json["name"], "Web shop");
    assert_eq!(
        p.json["environments"],
        json!([{"environment": "development", "changeRequestsEnabled": false}])
    );

    // A flag in the new project, on in development.
    app.post(
        "/api/admin/projects/web-shop/features",
        json!({"name": "shop-banner"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/web-shop/features/shop-banner/environments/development/on",
        json!({}),
        &admin,
    )
    .await
    .expect(200);

    // Its settings: production can be enabled later; it cannot be deleted with a flag.
    b.click("#tab-settings").await;
    b.wait_path("/projects/web-shop/settings").await;
    b.find("#enable-production").await;
    b.wait_text("#delete-blocked", "still has 1 flag").await;
    b.shot("project-settings").await;

    // Its API access tab: a frontend token, shown once, copied.
    b.click("#tab-api-access").await;
    b.wait_path("/projects/web-shop/api-access").await;
    b.fill("#api-name", "shop-frontend").await;
    b.find("#api-type")
        .await
        .select_by_value("frontend")
        .await
        .expect("choose the type");
    b.shot("project-token-form").await;
    b.click("#create-api-token").await;
    b.wait_text("#created-title", "API token created").await;
    let secret = b.text("#token-secret").await.trim().to_string();
    assert!(secret.starts_with("web-shop:development."), "{secret}");
    b.c.issue_cmd(SetPermission("clipboard-read"))
        .await
        .expect("grant clipboard-read");
    let _ = b.c.issue_cmd(SetPermission("clipboard-write")).await;
    b.click("#copy-token").await;
    b.wait_text("#toast", "Token copied to clipboard").await;
    b.shot("project-token-copied").await;
    let clip = b
        .c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR: ' + e));", vec![])
        .await
        .expect("read clipboard");
    let copied = clip.as_str().expect("clipboard text").to_string();
    assert_eq!(copied, secret);
    b.click("#close-dialog").await;
    b.wait_path("/projects/web-shop/api-access").await;
    b.find("tr[data-token]").await;
    assert!(!b.text("body").await.contains(&secret), "shown once");
    b.shot("project-token-list").await;

    // The copied token works against the frontend API and sees the project's flag.
    let res = http
        .get(format!("{}/api/frontend", server.base))
        .header("Authorization", &copied)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["toggles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "shop-banner" && t["enabled"] == true),
        "{body}"
    );

    b.close().await;
    server.stop().await;
}
