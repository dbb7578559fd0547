//! Scoped personal access tokens in a real, headless Chromium: the "New token" form offers
//! the scope, the live curl example carries it, the list shows it, and the token made there
//! is narrowed on the Admin API.
//!
//! Without Chromium (Debian's `chromium` and `chromium-driver`) this test prints a notice
//! and passes, except when `CI` is set: then it fails, so CI never skips it silently. Each
//! step saves a screenshot under `target/ui-screens/`.

mod browser;
mod common;

use browser::*;

use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};

/// The JSON body of the curl example on the form.
fn curl_body(curl: &str) -> Value {
    let start = curl.find("--data-raw '").expect("a body") + "--data-raw '".len();
    let end = curl.rfind('\'').expect("the body's end");
    serde_json::from_str(&curl[start..end].replace("'\\''", "'"))
        .unwrap_or_else(|e| panic!("curl body is not JSON ({e}): {curl}"))
}

#[tokio::test]
async fn a_scoped_token_made_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for id in ["alpha", "beta"] {
        app.post("/api/admin/projects", json!({"id": id, "name": id}), &admin)
            .await
            .expect(201);
    }
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "token-scopes", true).await else {
        return;
    };
    let http = http_client().await;
    b.sign_in("admin", ADMIN_PASSWORD, false).await;

    b.goto("/profile/personal-api-tokens").await;
    b.click("#new-token").await;
    b.wait_text("#create-title", "Create personal access token")
        .await;
    // At first: read and write, every project and environment, and the curl example says so.
    assert!(b.find("#access-rw").await.is_selected().await.unwrap());
    assert!(b.find("#projects-all").await.is_selected().await.unwrap());
    assert!(b
        .find("#environments-all")
        .await
        .is_selected()
        .await
        .unwrap());
    b.fill("#description", "alpha reader").await;
    let curl = b.wait_text("#curl", "alpha reader").await;
    assert_eq!(
        curl_body(&curl)["scope"],
        json!({"access": "read-write", "projects": ["*"], "environments": ["*"]})
    );

    // Read only, project alpha, environment development.
    b.click("#access-ro").await;
    b.click("#scope-projects input[data-project='alpha']").await;
    assert!(
        !b.find("#projects-all").await.is_selected().await.unwrap(),
        "ticking a project unticks all"
    );
    b.click("#scope-environments input[data-environment='development']")
        .await;
    let curl = b.wait_text("#curl", "read-only").await;
    let body = curl_body(&curl);
    assert_eq!(
        body["scope"],
        json!({"access": "read-only", "projects": ["alpha"], "environments": ["development"]}),
        "{curl}"
    );
    assert_eq!(body["description"], "alpha reader");
    b.shot("scoped-form").await;

    b.click("#create-token").await;
    b.wait_text("#created-title", "Personal access token created")
        .await;
    let secret = b.text("#token-secret").await.trim().to_string();
    assert!(secret.starts_with("user:v2_"), "{secret}");
    b.shot("scoped-created").await;
    b.click("#close-dialog").await;
    b.wait_path("/profile/personal-api-tokens").await;
    let row = b.text("#pats-table tbody tr").await;
    assert!(
        row.contains("alpha reader")
            && row.contains("Read only")
            && row.contains("projects: alpha")
            && row.contains("environments: development"),
        "{row}"
    );
    b.shot("scoped-list").await;

    // The API agrees, and the token is narrowed.
    let list = app.get("/api/admin/user/tokens", &admin).await.expect(200);
    assert_eq!(
        list.json["pats"][0]["scope"],
        json!({"access": "read-only", "projects": ["alpha"], "environments": ["development"]})
    );
    let projects: Value = http
        .get(format!("{}/api/admin/projects", server.base))
        .header("Authorization", &secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["alpha"]);
    let write = http
        .post(format!("{}/api/admin/projects/alpha/features", server.base))
        .header("Authorization", &secret)
        .json(&json!({"name": "from-a-reader"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status().as_u16(), 403);

    // A form sent back with an error keeps the scope ticked.
    b.click("#new-token").await;
    b.wait_text("#create-title", "Create personal access token")
        .await;
    b.click("#scope-projects input[data-project='beta']").await;
    b.fill("#description", "alpha reader").await;
    // The same description is taken: the server answers with the form again.
    b.c.execute(
        "document.getElementById('create-token').disabled = false; document.getElementById('token-form').submit();",
        vec![],
    )
    .await
    .expect("submit");
    b.wait_text("#description-error", "already exists").await;
    assert!(b
        .find("#scope-projects input[data-project='beta']")
        .await
        .is_selected()
        .await
        .unwrap());
    assert!(!b.find("#projects-all").await.is_selected().await.unwrap());
    b.shot("scoped-form-kept").await;
    b.close().await;
    server.stop().await;
}
