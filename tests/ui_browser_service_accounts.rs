//! Service accounts and the token inventory in a real, headless Chromium: an Admin creates
//! a service account, mints its token (shown once, copied), sees it in the inventory with
//! the address it was used from, and revokes it after a confirmation.
//!
//! Without Chromium this test prints a notice and passes, except when `CI` is set.

mod browser;
mod common;

use browser::*;

use common::{RunningServer, TestApp, ADMIN_PASSWORD};

#[tokio::test]
async fn an_admin_creates_a_service_account_mints_a_token_and_revokes_it() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "service-accounts", true).await else {
        return;
    };
    let http = http_client().await;
    b.sign_in("admin", ADMIN_PASSWORD, false).await;

    // Admin → Service accounts: create one with the Editor role.
    b.click_link("Service accounts").await;
    b.wait_path("/admin/service-accounts").await;
    b.find("#service-accounts-empty").await;
    b.fill("#account-name", "Release pipeline").await;
    b.fill("#account-username", "release-bot").await;
    b.click("input[name=role][value=Editor]").await;
    b.shot("account-form").await;
    b.click("#create-account").await;
    b.wait_text("#account-heading", "Release pipeline").await;

    // Mint a token; the secret is shown once and copies to the clipboard.
    b.fill("#token-description", "deploys").await;
    b.click("#create-token").await;
    b.wait_text("#created-title", "Token created").await;
    let secret = b.text("#token-secret").await.trim().to_string();
    assert!(secret.starts_with("user:v2_"), "{secret}");
    b.c.issue_cmd(SetPermission("clipboard-read"))
        .await
        .expect("grant clipboard-read");
    let _ = b.c.issue_cmd(SetPermission("clipboard-write")).await;
    b.click("#copy-token").await;
    b.wait_text("#toast", "Token copied to clipboard").await;
    b.shot("token-created").await;
    let clip = b
        .c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR: ' + e));", vec![])
        .await
        .expect("read clipboard");
    assert_eq!(clip.as_str(), Some(secret.as_str()));
    b.click("#close-dialog").await;
    b.find("#account-tokens-table").await;
    assert!(!b.body().await.contains(&secret), "shown once");

    // The token acts as the account, over HTTP.
    let me = http
        .get(format!("{}/api/admin/user", server.base))
        .header("authorization", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["user"]["username"], "release-bot");
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();

    // Admin → Tokens: the token is listed with its owner and the address it came from.
    b.click_link("Tokens").await;
    b.wait_path("/admin/tokens").await;
    let row = b.text("tr[data-owner='release-bot']").await;
    assert!(row.contains("deploys"), "{row}");
    assert!(row.contains("service account"), "{row}");
    assert!(row.contains("127.0.0.1"), "{row}");
    // Filtering to people's tokens hides it.
    b.choose("#filter-owner-type", "person").await;
    b.click("#apply-filters").await;
    b.find("#tokens-empty").await;
    b.choose("#filter-owner-type", "service").await;
    b.click("#apply-filters").await;
    b.find("tr[data-owner='release-bot']").await;
    b.shot("inventory").await;

    // Revoke, confirming first.
    b.click("tr[data-owner='release-bot'] a.danger").await;
    b.wait_text("#confirm-title", "Revoke token?").await;
    assert!(b.text("#confirm-body").await.contains("deploys"));
    b.shot("revoke-confirm").await;
    b.click("#confirm-revoke").await;
    b.wait_path("/admin/tokens").await;
    b.wait_text("[role=status]", "revoked").await;
    assert_eq!(b.count("tr[data-owner='release-bot']").await, 0);
    b.shot("revoked").await;

    let refused = http
        .get(format!("{}/api/admin/user", server.base))
        .header("authorization", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    b.close().await;
    server.stop().await;
}
