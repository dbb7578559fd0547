//! Flag details, archiving and deleting in a real, headless Chromium (Debian's `chromium`
//! and `chromium-driver`) against the real server on a real port: with JavaScript on, edit a
//! flag, archive it (accepting the browser's confirmation) and delete it from the archive;
//! with JavaScript off, the server's confirmation pages stand in for the browser's dialogs.
//!
//! Without Chromium these tests print a notice and pass, except when `CI` is set: then they
//! fail, so CI never skips them silently. Each step saves a screenshot under
//! `target/ui-screens/`.

mod browser;
mod common;

use browser::*;

use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use fantoccini::Locator;
use serde_json::json;

/// Reads a flag through the Admin API.
async fn flag(app: &TestApp, admin: &common::Auth, name: &str) -> common::TestResponse {
    app.get(
        &format!("/api/admin/projects/default/features/{name}"),
        admin,
    )
    .await
}

async fn archived_names(app: &TestApp, admin: &common::Auth) -> Vec<String> {
    app.get("/api/admin/archive/features", admin)
        .await
        .expect(200)
        .json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

/// With JavaScript: edit a flag's description and mark it stale, archive it (accepting the
/// browser's confirmation), then find it in the archive and delete it for good.
#[tokio::test]
async fn edit_archive_and_delete_a_flag_with_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "tidy-up", "description": "Old words"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "flag-admin", true).await else {
        return;
    };

    // Signing in lands on the dashboard.
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    b.wait_text("#welcome", "Welcome").await;
    b.find("#recent-table tr[data-flag='tidy-up']").await;
    b.shot("dashboard").await;

    // Edit: description and stale.
    b.click("#recent-table tr[data-flag='tidy-up'] a").await;
    b.wait_path("/projects/default/features/tidy-up").await;
    b.click("#edit-flag").await;
    b.wait_path("/projects/default/features/tidy-up/edit").await;
    b.fill("#edit-description", "Cleaned up after the launch")
        .await;
    b.click("#edit-stale").await;
    b.shot("edit-form").await;
    b.click("#save-flag").await;
    b.wait_path("/projects/default/features/tidy-up").await;
    b.wait_text(".alert.success", "saved").await;
    assert_eq!(b.text("#stale-badge").await, "Stale");
    assert_eq!(
        b.text("#fact-description").await,
        "Cleaned up after the launch"
    );
    b.shot("flag-edited").await;
    let f = flag(&app, &admin, "tidy-up").await.expect(200);
    assert_eq!(f.json["stale"], true);
    assert_eq!(f.json["description"], "Cleaned up after the launch");

    // Archive: dismissing the browser's dialog changes nothing; accepting archives.
    b.click("#archive-flag").await;
    assert_eq!(
        b.c.get_alert_text().await.expect("the confirmation"),
        "Archive the flag tidy-up? SDKs will no longer see it."
    );
    b.c.dismiss_alert().await.expect("dismiss");
    assert_eq!(b.path().await, "/projects/default/features/tidy-up");
    flag(&app, &admin, "tidy-up").await.expect(200);
    b.click("#archive-flag").await;
    b.c.accept_alert().await.expect("confirm archiving");
    b.wait_path("/projects/default").await;
    b.wait_text(".alert.success", "archived").await;
    flag(&app, &admin, "tidy-up").await.expect(404);

    // The archive: search, then delete for good.
    b.click_link("Archive").await;
    b.wait_path("/archive").await;
    b.fill("#archive-search", "tidy").await;
    b.click("#archive-search-button").await;
    b.wait_text("#archive-heading", "Archived flags (1)").await;
    assert!(b
        .c
        .current_url()
        .await
        .unwrap()
        .query()
        .unwrap_or_default()
        .contains("q=tidy"));
    b.find("tr[data-flag='tidy-up']").await;
    b.shot("archive-search").await;
    b.click("tr[data-flag='tidy-up'] button.danger").await;
    let question = b.c.get_alert_text().await.expect("the confirmation");
    assert!(
        question.starts_with("Delete flag?")
            && question.contains("tidy-up")
            && question.contains("cannot undo"),
        "{question}"
    );
    b.c.accept_alert().await.expect("confirm deleting");
    b.wait_text(".alert.success", "deleted").await;
    b.wait_path("/archive").await;
    assert!(b
        .c
        .find(Locator::Css("tr[data-flag='tidy-up']"))
        .await
        .is_err());
    b.shot("deleted-for-good").await;
    assert!(!archived_names(&app, &admin)
        .await
        .contains(&"tidy-up".to_string()));

    b.click_link("Dashboard").await;
    b.wait_path("/").await;
    b.wait_text("#count-archived", "0").await;
    b.close().await;
    server.stop().await;
}

/// With JavaScript off, the server asks instead of the browser: archiving a flag, deleting
/// a strategy and deleting an archived flag each go through a confirmation page.
#[tokio::test]
async fn confirmation_pages_without_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for name in ["no-script", "kept-flag"] {
        app.post(
            "/api/admin/projects/default/features",
            json!({"name": name}),
            &admin,
        )
        .await
        .expect(201);
    }
    app.post(
        "/api/admin/projects/default/features/kept-flag/environments/development/strategies",
        json!({"name": "default", "title": "Everyone"}),
        &admin,
    )
    .await
    .expect(200);
    app.user("nojs", "Editor").await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "flag-admin-nojs", false).await else {
        return;
    };
    b.sign_in("nojs", "nojs-Passw0rd!", false).await;

    // Archive: the button leads to "Archive flag?"; Cancel goes back, confirming archives.
    b.goto("/projects/default/features/no-script").await;
    b.click("#archive-flag").await;
    b.wait_text("#confirm-title", "Archive flag?").await;
    assert!(b.text("#confirm-body").await.contains("no-script"));
    b.shot("archive-confirmation").await;
    flag(&app, &admin, "no-script").await.expect(200);
    b.click("#confirm-cancel").await;
    b.wait_path("/projects/default/features/no-script").await;
    flag(&app, &admin, "no-script").await.expect(200);
    b.click("#archive-flag").await;
    b.click("#confirm-archive").await;
    b.wait_path("/projects/default").await;
    b.wait_text(".alert.success", "archived").await;
    b.shot("archived-without-js").await;
    flag(&app, &admin, "no-script").await.expect(404);

    // Deleting a strategy asks the same way.
    b.goto("/projects/default/features/kept-flag").await;
    b.click("li.strategy button.danger").await;
    b.wait_text("#confirm-title", "Delete strategy?").await;
    assert!(b.text("#confirm-body").await.contains("Everyone"));
    b.shot("strategy-confirmation").await;
    b.click("#confirm-delete-strategy").await;
    b.wait_path("/projects/default/features/kept-flag").await;
    b.wait_text(".alert.success", "Strategy deleted").await;
    let f = flag(&app, &admin, "kept-flag").await.expect(200);
    assert!(f.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["strategies"].as_array().unwrap().is_empty()));

    // And deleting an archived flag for good.
    b.goto("/archive").await;
    b.click("tr[data-flag='no-script'] button.danger").await;
    b.wait_text("#confirm-title", "Delete flag?").await;
    assert!(b
        .text("#confirm-body")
        .await
        .contains("You cannot undo this action."));
    b.shot("delete-confirmation").await;
    b.click("#confirm-delete-flag").await;
    b.wait_path("/archive").await;
    b.wait_text(".alert.success", "deleted").await;
    assert!(archived_names(&app, &admin).await.is_empty());
    b.close().await;
    server.stop().await;
}
