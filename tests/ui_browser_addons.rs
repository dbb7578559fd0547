//! The Webhooks page in a real, headless Chromium: an Admin creates a webhook for token
//! expiry notices, a PAT nears its expiry, and the notice reaches a real HTTP receiver; then
//! the webhook is edited and deleted. Without Chromium this prints a notice and passes,
//! except when `CI` is set.

mod browser;
mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use browser::*;
use chrono::TimeDelta;
use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use serde_json::json;
use switchyard::service::{addons, token_expiry};

/// A receiver on 127.0.0.1 that keeps the bodies it is sent.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().fallback(move |body: Bytes| {
        let sink = sink.clone();
        async move {
            sink.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).to_string());
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, got)
}

#[tokio::test]
async fn an_admin_sets_up_an_expiry_webhook_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let (hook, got) = receiver().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "addons", true).await else {
        return;
    };

    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    b.click_link("Webhooks").await;
    b.wait_path("/admin/addons").await;
    b.wait_text("main", "No webhooks yet").await;
    b.click("#new-addon").await;
    b.find("#addon-form").await;
    b.fill("#description", "Token owners").await;
    b.fill("#url", &format!("{hook}/expiring")).await;
    b.click("input[name=events][value=pat-expiring]").await;
    b.fill(
        "#body_template",
        "{{event.data.username}}: {{event.data.description}} expires in {{event.data.daysLeft}} days",
    )
    .await;
    b.shot("new-webhook").await;
    b.click("#save-addon").await;
    b.wait_text("main", "Webhook created").await;
    let row = b.text("#addons-table tbody tr").await;
    assert!(
        row.contains("Token owners") && row.contains("pat-expiring"),
        "{row}"
    );
    assert!(!b.body().await.contains(&hook), "the URL is never shown");
    b.shot("webhook-created").await;

    // A PAT made to last 20 days, seen 7 days later: the 14-day notice is delivered.
    let (_, editor) = app.user("erin", "Editor").await;
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "ci deploys", "expiresAt": (app.state.clock.now() + TimeDelta::days(20)).to_rfc3339()}),
        &editor,
    )
    .await
    .expect(201);
    app.state.clock.advance(TimeDelta::days(7));
    assert_eq!(
        token_expiry::emit_notices(&app.state).await.unwrap().pats,
        1
    );
    assert_eq!(addons::deliver_pending(&app.state).await.unwrap().sent, 1);
    assert_eq!(
        got.lock().unwrap().clone(),
        vec!["erin: ci deploys expires in 13 days".to_string()]
    );

    // Edit: the stored URL stays when the field is left blank. (The session ended with the
    // week that passed.)
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    b.goto("/admin/addons").await;
    b.click_link("Edit").await;
    b.find("#addon-form").await;
    assert_eq!(b.prop("#url", "value").await, "");
    b.fill("#description", "Token owners (ops)").await;
    b.click("#save-addon").await;
    b.wait_text("main", "Webhook saved").await;
    assert!(b
        .text("#addons-table tbody tr")
        .await
        .contains("Token owners (ops)"));
    let stored = addons::list(&app.state).await.unwrap();
    assert_eq!(stored[0].parameters["url"], format!("{hook}/expiring"));

    b.click_link("Delete").await;
    b.wait_text("#delete-title", "Delete webhook?").await;
    b.shot("delete-webhook").await;
    b.click("#confirm-delete").await;
    b.wait_text("main", "Webhook deleted").await;
    b.wait_text("main", "No webhooks yet").await;
    b.close().await;
    server.stop().await;
}
