//! The admin UI in a real, headless Chromium (Debian's `chromium` and `chromium-driver`),
//! driving the real server on a real port through WebDriver.
//!
//! Without Chromium these tests print a notice and pass, except when `CI` is set: then they
//! fail, so CI never skips them silently. Each step saves a screenshot under
//! `target/ui-screens/`.

mod browser;
mod common;

use browser::*;

use std::time::Duration;

use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use fantoccini::Locator;
use serde_json::{json, Value};

fn today_plus(days: i64) -> String {
    (chrono::Utc::now() + chrono::TimeDelta::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Creates a personal access token through the UI and returns its secret from the dialog.
async fn create_token_in_ui(b: &mut Browser, description: &str, shots: bool) -> String {
    b.goto("/profile/personal-api-tokens").await;
    b.click("#new-token").await;
    b.find("#token-form").await;
    b.fill("#description", description).await;
    if shots {
        b.shot("new-token-filled").await;
    }
    b.click("#create-token").await;
    b.wait_text("#created-title", "Personal access token created")
        .await;
    b.text("#token-secret").await.trim().to_string()
}

/// The story of issue 6: an Editor creates a personal access token in the browser, copies
/// it, uses it over HTTP, deletes it in the UI and sees it stop working; a Viewer's token is
/// refused where the Viewer has no permission.
#[tokio::test]
async fn personal_access_token_story() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    app.user("erin", "Editor").await;
    app.user("vera", "Viewer").await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "story", true).await else {
        return;
    };
    let http = http_client().await;

    // Sign in through the form; a page asked for first is where we land.
    b.goto("/profile").await;
    b.wait_path("/login").await;
    b.shot("login").await;
    b.fill("#username", "erin").await;
    b.fill("#password", "wrong-password").await;
    b.click("#sign-in").await;
    b.wait_text("#login-error", "Wrong username, email or password")
        .await;
    b.shot("login-error").await;
    b.fill("#password", "erin-Passw0rd!").await;
    b.click("#sign-in").await;
    b.wait_path("/profile").await;
    b.shot("signed-in").await;

    // The user menu shows the user's name and View profile.
    b.click("#user-menu summary").await;
    assert_eq!(b.text(".menu-name").await, "erin");
    assert!(b
        .find("#user-menu a[href$='/profile']")
        .await
        .is_displayed()
        .await
        .unwrap());
    b.shot("user-menu").await;
    b.click_link("View profile").await;
    b.wait_path("/profile").await;
    b.shot("profile").await;

    // Personal access tokens, empty at first.
    b.click_link("Personal access tokens").await;
    b.wait_path("/profile/personal-api-tokens").await;
    assert_eq!(b.text("#pats-heading").await, "Personal access tokens (0)");
    assert!(b
        .body()
        .await
        .contains("You have no personal access tokens yet."));
    b.shot("tokens-empty").await;

    // New token: 30 days preselected, expiring 30 days from today.
    b.click("#new-token").await;
    b.wait_text("#create-title", "Create personal access token")
        .await;
    assert_eq!(
        b.find("#expiry")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("30")
    );
    assert_eq!(b.text("#expiry-date").await, today_plus(30));
    assert!(
        !b.find("#create-token").await.is_enabled().await.unwrap(),
        "a description is needed first"
    );
    b.shot("new-token-form").await;
    // The choices and their live effect.
    b.find("#expiry")
        .await
        .select_by_value("never")
        .await
        .unwrap();
    b.wait_text("#expires-on", "never").await;
    assert!(b.find("#never-warning").await.is_displayed().await.unwrap());
    b.find("#expiry")
        .await
        .select_by_value("custom")
        .await
        .unwrap();
    assert!(b.find("#custom_expiry").await.is_displayed().await.unwrap());
    b.shot("new-token-custom").await;
    b.find("#expiry").await.select_by_value("30").await.unwrap();
    assert_eq!(b.text("#expiry-date").await, today_plus(30));
    b.fill("#description", "story token").await;
    let curl = b.wait_text("#curl", "story token").await;
    assert!(
        curl.contains("/api/admin/user/tokens") && curl.contains("\"expiresAt\""),
        "{curl}"
    );
    b.shot("new-token-filled").await;

    b.click("#create-token").await;
    b.wait_text("#created-title", "Personal access token created")
        .await;
    assert!(b.body().await.contains(
        "Make sure to copy your personal access token now. You won't be able to see it again!"
    ));
    let secret = b.text("#token-secret").await.trim().to_string();
    assert!(secret.starts_with("user:v2_"), "{secret}");
    b.shot("token-created").await;

    // Copy token puts it on the clipboard.
    b.c.issue_cmd(SetPermission("clipboard-read"))
        .await
        .expect("grant clipboard-read");
    let _ = b.c.issue_cmd(SetPermission("clipboard-write")).await;
    b.click("#copy-token").await;
    b.wait_text("#toast", "Token copied to clipboard").await;
    b.shot("token-copied").await;
    let clip = b
        .c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR: ' + e));", vec![])
        .await
        .expect("read clipboard");
    assert_eq!(
        clip.as_str(),
        Some(secret.as_str()),
        "the clipboard holds the token"
    );

    b.click("#close-dialog").await;
    b.wait_path("/profile/personal-api-tokens").await;
    assert_eq!(b.text("#pats-heading").await, "Personal access tokens (1)");
    let row = b.text("#pats-table tbody tr").await;
    assert!(
        row.contains("story token") && row.contains(&today_plus(30)) && row.contains("Never"),
        "{row}"
    );
    let source = b.c.source().await.unwrap();
    assert!(!source.contains(&secret), "the list never shows the secret");
    b.shot("token-listed").await;

    // The copied token over HTTP: list projects, create a flag, as the user.
    let token = clip.as_str().unwrap().to_string();
    let me = http
        .get(format!("{}/api/admin/user", server.base))
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<Value>().await.unwrap()["user"]["username"],
        "erin"
    );
    let projects = http
        .get(format!("{}/api/admin/projects", server.base))
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(projects.status(), 200);
    let flag = http
        .post(format!(
            "{}/api/admin/projects/default/features",
            server.base
        ))
        .header("Authorization", &token)
        .json(&json!({"name": "made-with-a-pat", "type": "release"}))
        .send()
        .await
        .unwrap();
    assert_eq!(flag.status(), 201, "an Editor's token may create a flag");
    assert_eq!(
        flag.json::<Value>().await.unwrap()["name"],
        "made-with-a-pat"
    );

    // Delete it in the UI; the HTTP client is refused from then on.
    b.click("a[title='Delete token']").await;
    b.wait_text("#delete-title", "Delete token?").await;
    assert!(b.text("#delete-body").await.contains("\"story token\""));
    b.shot("delete-confirm").await;
    b.click("#confirm-delete").await;
    b.wait_text("main", "Token deleted").await;
    assert_eq!(b.text("#pats-heading").await, "Personal access tokens (0)");
    b.shot("token-deleted").await;
    let after = http
        .get(format!("{}/api/admin/user", server.base))
        .header("Authorization", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);

    b.sign_out().await;
    b.shot("signed-out").await;

    // The same as a Viewer: the token works, but not for what a Viewer may not do.
    b.sign_in("vera", "vera-Passw0rd!", false).await;
    let viewer_secret = create_token_in_ui(&mut b, "viewer token", false).await;
    b.shot("viewer-token-created").await;
    let me = http
        .get(format!("{}/api/admin/user", server.base))
        .header("Authorization", &viewer_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let projects = http
        .get(format!("{}/api/admin/projects", server.base))
        .header("Authorization", &viewer_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(projects.status(), 200);
    let write = http
        .post(format!(
            "{}/api/admin/projects/default/features",
            server.base
        ))
        .header("Authorization", &viewer_secret)
        .json(&json!({"name": "viewer-attempt", "type": "release"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    let body: Value = write.json().await.unwrap();
    assert_eq!(body["name"], "PermissionError");
    assert_eq!(body["permissions"], json!(["CREATE_FEATURE"]));
    b.click("#close-dialog").await;
    b.click("a[title='Delete token']").await;
    b.click("#confirm-delete").await;
    b.wait_text("main", "Token deleted").await;
    let after = http
        .get(format!("{}/api/admin/projects", server.base))
        .header("Authorization", &viewer_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);

    b.close().await;
    server.stop().await;
}

/// An admin manages users and reads the event log.
#[tokio::test]
async fn admin_manages_users_and_reads_the_event_log() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "admin", true).await else {
        return;
    };

    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    b.click_link("Users").await;
    b.wait_path("/admin/users").await;
    b.shot("users").await;
    b.click("#new-user").await;
    b.fill("#name", "Nora New").await;
    b.fill("#username", "nora").await;
    b.fill("#email", "nora@example.com").await;
    b.fill("#password", "nora-Passw0rd!").await;
    b.click("input[name=role][value=Viewer]").await;
    b.shot("new-user").await;
    b.click("#create-user").await;
    b.wait_text("main", "User Nora New created.").await;
    let row = b.text("tr[data-user=nora]").await;
    assert!(
        row.contains("Viewer") && row.contains("nora@example.com"),
        "{row}"
    );
    b.shot("user-created").await;

    b.click("tr[data-user=nora] a").await;
    b.find("#role")
        .await
        .select_by_value("Editor")
        .await
        .unwrap();
    b.shot("edit-user").await;
    b.click("#save-role").await;
    b.wait_text("main", "Nora New is now Editor.").await;
    assert!(b.text("tr[data-user=nora]").await.contains("Editor"));

    b.click("tr[data-user=nora] a").await;
    b.fill("#reset_password", "nora-New-Passw0rd").await;
    b.click("#reset-password").await;
    b.wait_text("main", "The password has been reset.").await;

    b.click("#delete-user").await;
    b.wait_text("#delete-title", "Delete user?").await;
    b.shot("delete-user-confirm").await;
    b.click("#confirm-delete").await;
    b.wait_text("main", "User Nora New deleted.").await;
    assert!(b.c.find(Locator::Css("tr[data-user=nora]")).await.is_err());

    b.click_link("Event log").await;
    b.wait_path("/history").await;
    let table = b.text("#events-table").await;
    let (deleted, created) = (
        table.find("user-deleted").expect("deletion"),
        table.find("user-created").expect("creation"),
    );
    assert!(deleted < created, "newest first");
    b.shot("event-log").await;
    b.fill("#filter-type", "user-role-changed").await;
    b.click("#apply-filters").await;
    b.wait_text("main", "1 event").await;
    assert!(!b.text("#events-table").await.contains("user-created"));
    b.shot("event-log-filtered").await;

    b.close().await;
    server.stop().await;
}

/// A Viewer sees no admin controls and is refused anyway; user text is shown as text;
/// forms refuse requests that did not come from the page.
#[tokio::test]
async fn viewer_controls_escaping_and_csrf() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/user-admin",
        json!({"username": "viv", "name": "<script>alert(1)</script>", "password": "viv-Passw0rd!", "rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "viewer", true).await else {
        return;
    };

    b.sign_in("viv", "viv-Passw0rd!", false).await;
    assert!(b.c.get_alert_text().await.is_err(), "no script ran");
    b.click("#user-menu summary").await;
    assert_eq!(b.text(".menu-name").await, "<script>alert(1)</script>");
    assert!(
        b.c.find(Locator::LinkText("Users")).await.is_err(),
        "no Users link for a Viewer"
    );
    assert!(b.c.find(Locator::LinkText("Event log")).await.is_err());
    b.shot("viewer-menu").await;
    b.goto("/admin/users").await;
    b.wait_text("main", "Only admins can manage users").await;
    b.shot("viewer-refused").await;

    // A token description is text, too.
    create_token_in_ui(&mut b, "<img src=x onerror=alert(2)>", false).await;
    b.click("#close-dialog").await;
    assert_eq!(
        b.text("#pats-table td.desc").await,
        "<img src=x onerror=alert(2)>"
    );
    assert!(b.c.get_alert_text().await.is_err(), "no script ran");
    b.shot("escaped-description").await;

    // Typing a description already in use says so at once and blocks the button.
    b.click("#new-token").await;
    b.fill("#description", "<img src=x onerror=alert(2)>").await;
    b.wait_text(
        "#description-taken",
        "A token with that description already exists.",
    )
    .await;
    assert!(!b.find("#create-token").await.is_enabled().await.unwrap());
    b.shot("duplicate-description").await;
    b.fill("#description", "another").await;
    assert!(!b
        .find("#description-taken")
        .await
        .is_displayed()
        .await
        .unwrap());
    assert!(b.find("#create-token").await.is_enabled().await.unwrap());

    // A tampered CSRF token is refused.
    b.goto("/profile/change-password").await;
    b.fill("#old_password", "viv-Passw0rd!").await;
    b.fill("#new_password", "changed-Passw0rd").await;
    b.fill("#confirm_password", "changed-Passw0rd").await;
    b.c.execute(
        "document.querySelector('main input[name=_csrf]').value = 'forged';",
        vec![],
    )
    .await
    .unwrap();
    b.click("#save-password").await;
    b.wait_text("h1", "This form has expired").await;
    b.shot("csrf-refused").await;

    // A form on another site posting to us changes nothing (no token, and the session
    // cookie is not sent cross-site).
    let evil = format!(
        "data:text/html,<form id=f method=post action='{}/profile/change-password'><input name=old_password value='viv-Passw0rd!'><input name=password value='evil-Passw0rd'><input name=confirm_password value='evil-Passw0rd'></form><script>document.getElementById('f').submit()</script>",
        server.base
    );
    b.c.goto(&evil).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.shot("cross-site-post").await;
    let http = http_client().await;
    let still = http
        .post(format!("{}/auth/simple/login", server.base))
        .json(&json!({"username": "viv", "password": "viv-Passw0rd!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200, "the password did not change");

    b.close().await;
    server.stop().await;
}

/// With JavaScript off, everything but copying works: sign in, create a token (the dialog
/// shows it), delete it after confirming.
#[tokio::test]
async fn token_pages_work_without_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    app.user("nojs", "Editor").await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "nojs", false).await else {
        return;
    };

    b.sign_in("nojs", "nojs-Passw0rd!", false).await;
    b.click("#user-menu summary").await;
    b.click_link("View profile").await;
    b.click_link("Personal access tokens").await;
    b.click("#new-token").await;
    assert_eq!(b.text("#expiry-date").await, today_plus(30));
    b.fill("#description", "no script").await;
    b.find("#expiry")
        .await
        .select_by_value("never")
        .await
        .unwrap();
    b.click("#create-token").await;
    b.wait_text("#created-title", "Personal access token created")
        .await;
    let secret = b.text("#token-secret").await;
    assert!(secret.starts_with("user:v2_"));
    assert!(
        !b.find("#copy-token").await.is_displayed().await.unwrap(),
        "copying needs JavaScript"
    );
    b.shot("created-without-js").await;
    b.click("#close-dialog").await;
    assert!(b.text("#pats-table tbody tr").await.contains("Never"));

    b.click("a[title='Delete token']").await;
    b.click("#confirm-delete").await;
    b.wait_text("main", "Token deleted").await;
    assert_eq!(b.text("#pats-heading").await, "Personal access tokens (0)");
    b.shot("deleted-without-js").await;

    b.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_flags_life_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "flags", true).await else {
        return;
    };
    b.sign_in("admin", ADMIN_PASSWORD, false).await;

    // Projects, then the default project with its New flag form.
    b.click_link("Projects").await;
    b.wait_path("/projects").await;
    b.shot("projects").await;
    b.click("a[href='/projects/default']").await;
    b.wait_path("/projects/default").await;
    b.fill("#flag-name", "checkout-v2").await;
    b.find("#flag-type")
        .await
        .select_by_value("experiment")
        .await
        .expect("choose the type");
    b.fill("#flag-description", "The new checkout").await;
    b.shot("new-flag-form").await;
    b.click("#create-flag").await;
    b.wait_path("/projects/default/features/checkout-v2").await;
    b.wait_text(".alert.success", "created").await;
    b.shot("flag-created").await;

    // A strategy with a constraint in development; the value input follows the operator.
    b.click("#add-strategy-development").await;
    b.wait_path("/projects/default/features/checkout-v2/environments/development/strategies/new")
        .await;
    b.fill("#rollout", "40").await;
    b.fill("#c0_field", "appVersion").await;
    b.find("#c0_operator")
        .await
        .select_by_value("SEMVER_GTE")
        .await
        .expect("choose the operator");
    assert!(b.find("#c0_value").await.is_displayed().await.unwrap());
    assert!(!b.find("#c0_values").await.is_displayed().await.unwrap());
    b.fill("#c0_value", "1.2.0").await;
    b.shot("strategy-form").await;
    b.click("#save-strategy").await;
    b.wait_path("/projects/default/features/checkout-v2").await;
    assert!(b.body().await.contains("SEMVER_GTE"));

    // Enable in development with the switch.
    b.click("#toggle-development").await;
    b.wait_text(".alert.success", "enabled in development")
        .await;
    b.shot("enabled-in-development").await;
    let f = app
        .get("/api/admin/projects/default/features/checkout-v2", &admin)
        .await
        .expect(200);
    let dev = f.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "development")
        .cloned()
        .unwrap();
    assert_eq!(dev["enabled"], true);
    assert_eq!(
        dev["strategies"][0]["constraints"][0]["value"], "1.2.0",
        "the constraint the form sent"
    );

    // Archive (after the browser's confirmation), then see it in the archive.
    b.click("#archive-flag").await;
    b.c.accept_alert().await.expect("confirm archiving");
    b.wait_path("/projects/default").await;
    b.click_link("Archive").await;
    b.wait_path("/archive").await;
    b.find("tr[data-flag='checkout-v2']").await;
    b.shot("archive").await;

    // A name with quotes stays text in the confirmation, never code.
    let tricky = "q');alert(1);('";
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": tricky}),
        &admin,
    )
    .await
    .expect(201);
    b.goto("/projects/default/features/q%27)%3Balert(1)%3B(%27")
        .await;
    b.click("#archive-flag").await;
    assert_eq!(
        b.c.get_alert_text().await.expect("the confirmation"),
        format!("Archive the flag {tricky}? SDKs will no longer see it.")
    );
    b.c.accept_alert().await.expect("confirm archiving");
    b.wait_path("/projects/default").await;
    assert!(b.c.get_alert_text().await.is_err(), "no script ran");
    b.close().await;
    server.stop().await;
}

#[tokio::test]
async fn api_token_created_and_copied_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "api-tokens", true).await else {
        return;
    };
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    b.click_link("API access").await;
    b.wait_path("/admin/api").await;
    b.fill("#api-name", "checkout-service").await;
    b.find("#api-environment")
        .await
        .select_by_value("production")
        .await
        .expect("choose the environment");
    b.shot("api-token-form").await;
    b.click("#create-api-token").await;
    let secret = b.text("#token-secret").await.trim().to_string();
    assert!(secret.starts_with("*:production."), "{secret}");
    b.c.issue_cmd(SetPermission("clipboard-read"))
        .await
        .expect("grant clipboard-read");
    let _ = b.c.issue_cmd(SetPermission("clipboard-write")).await;
    b.click("#copy-token").await;
    b.wait_text("#toast", "Token copied to clipboard").await;
    b.shot("api-token-copied").await;
    let clip = b
        .c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR: ' + e));", vec![])
        .await
        .expect("read clipboard");
    assert_eq!(clip.as_str(), Some(secret.as_str()));
    b.click("#close-dialog").await;
    b.wait_path("/admin/api").await;
    assert!(!b.body().await.contains(&secret), "shown once");
    b.find("tr[data-token]").await;
    b.shot("api-token-list").await;
    b.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_viewer_sees_flags_without_controls_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "viewer-flag", "description": "Read only for Viewers"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/default/features/viewer-flag/environments/development/strategies",
        json!({"name": "flexibleRollout", "parameters": {"rollout": "25", "stickiness": "default", "groupId": "viewer-flag"}, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["1", "2"]}]}),
        &admin,
    )
    .await
    .expect(200);
    app.user("vera", "Viewer").await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "flags-viewer", true).await else {
        return;
    };
    b.sign_in("vera", "vera-Passw0rd!", false).await;
    b.goto("/projects/default").await;
    b.find("#no-create").await;
    assert!(b.c.find(Locator::Css("#new-flag-form")).await.is_err());
    b.shot("viewer-project").await;
    b.goto("/projects/default/features/viewer-flag").await;
    b.find("li.strategy").await;
    assert!(b.body().await.contains("userId"));
    let toggle = b.find("#toggle-development").await;
    assert_eq!(
        toggle.attr("aria-disabled").await.unwrap().as_deref(),
        Some("true")
    );
    assert!(b
        .c
        .find(Locator::Css("#add-strategy-development"))
        .await
        .is_err());
    assert!(b.c.find(Locator::LinkText("Edit")).await.is_err());
    b.shot("viewer-flag").await;
    b.goto("/admin/api").await;
    b.wait_text("h1", "You don't have access to this page")
        .await;
    b.shot("viewer-api-refused").await;
    b.close().await;
    server.stop().await;
}
