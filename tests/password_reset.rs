//! Password reset links: an admin mints one, the user sets a new password through it once.

mod common;

use common::{Auth, TestApp};
use serde_json::json;

fn token_of(url: &str) -> String {
    url.split("token=")
        .nth(1)
        .expect("token in link")
        .to_string()
}

#[tokio::test]
async fn admin_mints_a_single_use_link_that_sets_a_new_password() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (id, _) = app.user("dora", "Editor").await;

    // By email (as Unleash documents the body), by username and by id.
    for ident in [json!("dora@example.com"), json!("dora"), json!(id)] {
        let res = app
            .post(
                "/api/admin/user-admin/reset-password",
                json!({"id": ident}),
                &admin,
            )
            .await
            .expect(200);
        let url = res.json["resetPasswordUrl"].as_str().unwrap().to_string();
        assert!(url.contains("/reset-password?token="), "{url}");
    }
    let res = app
        .post(
            "/api/admin/user-admin/reset-password",
            json!({"id": "dora"}),
            &admin,
        )
        .await
        .expect(200);
    let token = token_of(res.json["resetPasswordUrl"].as_str().unwrap());

    // Only the digest is stored.
    let rows: Vec<(String,)> = match &app.state.db {
        switchyard::store::Db::Sqlite(p) => {
            sqlx::query_as("SELECT token_hash FROM password_reset_tokens")
                .fetch_all(p)
                .await
                .unwrap()
        }
        switchyard::store::Db::Postgres(p) => {
            sqlx::query_as("SELECT token_hash FROM password_reset_tokens")
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    assert!(rows.iter().all(|(h,)| h != &token));
    assert!(rows
        .iter()
        .any(|(h,)| h == &switchyard::auth::token::digest(&token)));

    let v = app
        .get(&format!("/auth/reset/validate?token={token}"), &Auth::None)
        .await
        .expect(200);
    assert_eq!(v.json["id"], json!(id));
    assert_eq!(v.json["email"], json!("dora@example.com"));
    assert_eq!(v.json["role"]["name"], json!("Editor"));

    // Weak password refused; the token still works afterwards.
    let weak = app
        .post(
            "/auth/reset/password",
            json!({"token": token, "password": "short"}),
            &Auth::None,
        )
        .await
        .expect(400);
    assert!(weak.json["message"].as_str().unwrap().contains("at least"));

    app.post(
        "/auth/reset/password",
        json!({"token": token, "password": "brand-new-Passw0rd"}),
        &Auth::None,
    )
    .await
    .expect(200);
    app.login("dora", "brand-new-Passw0rd").await;
    app.post(
        "/auth/simple/login",
        json!({"username": "dora", "password": "dora-Passw0rd!"}),
        &Auth::None,
    )
    .await
    .expect(401);

    // Single use: the same link now fails, and so do the older links for her.
    app.post(
        "/auth/reset/password",
        json!({"token": token, "password": "another-Passw0rd"}),
        &Auth::None,
    )
    .await
    .expect(401);
    app.get(&format!("/auth/reset/validate?token={token}"), &Auth::None)
        .await
        .expect(401);

    // An audit trail exists.
    let events = app.get("/api/admin/events", &admin).await.expect(200);
    let types: Vec<&str> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(
        types.contains(&"user-password-reset-link-created"),
        "{types:?}"
    );
    assert!(types.contains(&"user-password-changed"), "{types:?}");
}

#[tokio::test]
async fn links_need_an_admin_and_expire_after_a_day() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("ed", "Editor").await;
    app.post(
        "/api/admin/user-admin/reset-password",
        json!({"id": "ed"}),
        &editor,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/user-admin/reset-password",
        json!({"id": "nobody"}),
        &admin,
    )
    .await
    .expect(404);
    app.post("/api/admin/user-admin/reset-password", json!({}), &admin)
        .await
        .expect(400);
    app.get("/auth/reset/validate?token=made-up", &Auth::None)
        .await
        .expect(401);

    let res = app
        .post(
            "/api/admin/user-admin/reset-password",
            json!({"id": "ed"}),
            &admin,
        )
        .await
        .expect(200);
    let token = token_of(res.json["resetPasswordUrl"].as_str().unwrap());
    let hash = switchyard::auth::token::digest(&token);
    let past = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    match &app.state.db {
        switchyard::store::Db::Sqlite(p) => {
            sqlx::query("UPDATE password_reset_tokens SET expires_at = ? WHERE token_hash = ?")
                .bind(past)
                .bind(&hash)
                .execute(p)
                .await
                .unwrap();
        }
        switchyard::store::Db::Postgres(p) => {
            sqlx::query("UPDATE password_reset_tokens SET expires_at = $1 WHERE token_hash = $2")
                .bind(past)
                .bind(&hash)
                .execute(p)
                .await
                .unwrap();
        }
    }
    app.get(&format!("/auth/reset/validate?token={token}"), &Auth::None)
        .await
        .expect(401);
    app.post(
        "/auth/reset/password",
        json!({"token": token, "password": "brand-new-Passw0rd"}),
        &Auth::None,
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn the_reset_page_shows_a_form_and_sets_the_password() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.user("pia", "Viewer").await;
    let res = app
        .post(
            "/api/admin/user-admin/reset-password",
            json!({"id": "pia"}),
            &admin,
        )
        .await
        .expect(200);
    let token = token_of(res.json["resetPasswordUrl"].as_str().unwrap());

    let page = app
        .get(&format!("/reset-password?token={token}"), &Auth::None)
        .await
        .expect(200);
    assert!(page.text.contains("Set a new password"));
    assert!(page.text.contains("pia"));

    let form = |password: &str, confirm: &str| {
        axum::http::Request::builder()
            .method("POST")
            .uri("/reset-password")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!(
                "token={token}&password={password}&confirm={confirm}"
            )))
            .unwrap()
    };
    let differ = common::send(&app.router, form("brand-new-Passw0rd", "other-Passw0rd")).await;
    assert_eq!(differ.status.as_u16(), 400);
    assert!(differ.text.contains("differ"));
    let ok = common::send(
        &app.router,
        form("brand-new-Passw0rd", "brand-new-Passw0rd"),
    )
    .await;
    assert_eq!(ok.status.as_u16(), 200, "{}", ok.text);
    assert!(ok.text.contains("Password changed"));
    app.login("pia", "brand-new-Passw0rd").await;

    let again = app
        .get(&format!("/reset-password?token={token}"), &Auth::None)
        .await;
    assert_eq!(again.status.as_u16(), 401);
}
