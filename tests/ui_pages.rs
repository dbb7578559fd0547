//! The admin web UI through the real router, without a browser: sign-in, CSRF, profile,
//! change password, user administration and the event log.

mod common;
mod ui_support;

use axum::http::header;
use common::{Auth, TestApp, TestResponse, ADMIN_PASSWORD};
use serde_json::json;
use ui_support::*;

/// A page of a signed-in user and its CSRF token.
async fn page_with_csrf(app: &TestApp, path: &str, session: &str) -> (TestResponse, String) {
    let res = get_page(app, path, session).await.expect(200);
    let csrf = csrf_of(&res.text);
    (res, csrf)
}

#[tokio::test]
async fn pages_need_a_session_and_sign_in_sets_the_api_session() {
    let app = TestApp::new().await;
    let res = get_page(&app, "/profile", "").await;
    assert_eq!(res.status.as_u16(), 303);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/login?redirect=%2Fprofile")
    );

    let page = get_page(&app, "/login?redirect=%2Fprofile", "")
        .await
        .expect(200);
    assert!(page.text.contains("Sign in"), "{}", page.text);
    assert!(page.text.contains("Username or email"));
    assert!(
        page.text.contains("value=\"/profile\""),
        "the redirect target is kept in the form"
    );
    let login_cookie = set_cookie(&page, "switchyard-login-csrf").unwrap();
    let csrf = csrf_of(&page.text);

    // Wrong password: a clear error, no session.
    let bad = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", "admin"),
            ("password", "nope-nope"),
            ("redirect", "/profile"),
        ],
    )
    .await
    .expect(401);
    assert!(
        bad.text.contains("Wrong username, email or password"),
        "{}",
        bad.text
    );
    assert!(set_cookie(&bad, "unleash-session").is_none());

    // A form without the matching token is refused, even with the right password.
    let forged = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", "forged"),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await
    .expect(403);
    assert!(set_cookie(&forged, "unleash-session").is_none());
    let no_cookie = post_form(
        &app,
        "/login",
        "",
        &[
            ("_csrf", &csrf),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await
    .expect(403);
    assert!(set_cookie(&no_cookie, "unleash-session").is_none());

    // Right password: redirect to where the user wanted to go, with Unleash's session cookie.
    let ok = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("redirect", "/profile"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(ok.header("location").as_deref(), Some("/profile"));
    let session = set_cookie(&ok, "unleash-session").unwrap();
    let raw = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("unleash-session"))
        .unwrap();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    // The same session works on the Admin API.
    let me = app
        .get("/api/admin/user", &Auth::Session(session.clone()))
        .await
        .expect(200);
    assert_eq!(me.json["user"]["username"], "admin");

    // An outside redirect target is ignored.
    let off = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("redirect", "//evil.example/x"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(off.header("location").as_deref(), Some("/"));

    // Signed in, the home page is the dashboard.
    let home = get_page(&app, "/", &session).await.expect(200);
    assert!(home.text.contains("id=\"welcome\""), "{}", home.text);
}

#[tokio::test]
async fn sign_in_by_email_and_rate_limit_message() {
    let app = TestApp::with_config(|c| c.login_limit_per_minute = 3).await;
    let admin = app.admin().await; // 1 attempt
    app.post(
        "/api/admin/user-admin",
        json!({"username": "erin", "email": "erin@example.com", "name": "Erin Editor", "password": "erin-Passw0rd!", "rootRole": "Editor"}),
        &admin,
    )
    .await
    .expect(201);
    let session = form_login(&app, "ERIN@example.com", "erin-Passw0rd!").await; // 2
    let profile = get_page(&app, "/profile", &session).await.expect(200);
    assert!(profile.text.contains("Erin Editor"));

    let page = get_page(&app, "/login", "").await.expect(200);
    let login_cookie = set_cookie(&page, "switchyard-login-csrf").unwrap();
    let csrf = csrf_of(&page.text);
    post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", "erin"),
            ("password", "wrong-password"),
        ],
    )
    .await
    .expect(401); // 3
    let limited = post_form(
        &app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", "erin"),
            ("password", "erin-Passw0rd!"),
        ],
    )
    .await
    .expect(429);
    assert!(
        limited.text.contains("Too many sign-in attempts"),
        "{}",
        limited.text
    );
    assert!(limited.text.contains("try again"));
    assert!(set_cookie(&limited, "unleash-session").is_none());
}

#[tokio::test]
async fn layout_user_menu_profile_and_escaping() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/user-admin",
        json!({"username": "xss", "name": "<script>alert(1)</script>", "password": "xss-Passw0rd!", "rootRole": "Viewer"}),
        &admin,
    )
    .await
    .expect(201);
    let session = form_login(&app, "xss", "xss-Passw0rd!").await;
    let page = get_page(&app, "/profile", &session).await.expect(200);
    assert!(
        page.text
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the name is escaped"
    );
    assert!(!page.text.contains("<script>alert(1)</script>"));
    assert!(page.text.contains("View profile"));
    for link in [
        "/profile\"",
        "/profile/change-password\"",
        "/profile/personal-api-tokens\"",
    ] {
        assert!(page.text.contains(link), "missing side link {link}");
    }
    assert!(page.text.contains("Personal access tokens"));
    assert!(page.text.contains("Viewer"));
    // A Viewer sees no admin links.
    assert!(!page.text.contains("/admin/users\""));
    assert!(!page.text.contains("/history\""));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));

    let css = get_page(&app, "/static/app.css", "").await.expect(200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    let js = get_page(&app, "/static/app.js", "").await.expect(200);
    assert!(js.text.contains("clipboard"));
}

#[tokio::test]
async fn change_password_and_csrf() {
    let app = TestApp::new().await;
    let (_, _) = app.user("pat", "Editor").await;
    let session = form_login(&app, "pat", "pat-Passw0rd!").await;
    let other = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let (_, csrf) = page_with_csrf(&app, "/profile/change-password", &session).await;
    let (_, other_csrf) = page_with_csrf(&app, "/profile", &other).await;
    assert_ne!(csrf, other_csrf);
    assert!(
        !csrf.is_empty() && !session.contains(&csrf),
        "the token does not reveal the session"
    );

    // Without a token, or with another session's token: refused, nothing changes.
    let res = post_form(
        &app,
        "/profile/change-password",
        &session,
        &[
            ("old_password", "pat-Passw0rd!"),
            ("password", "brand-new-pass"),
            ("confirm_password", "brand-new-pass"),
        ],
    )
    .await
    .expect(403);
    assert!(res.text.contains("security token"));
    post_form(
        &app,
        "/profile/change-password",
        &session,
        &[
            ("_csrf", &other_csrf),
            ("old_password", "pat-Passw0rd!"),
            ("password", "brand-new-pass"),
            ("confirm_password", "brand-new-pass"),
        ],
    )
    .await
    .expect(403);

    let wrong_old = post_form(
        &app,
        "/profile/change-password",
        &session,
        &[
            ("_csrf", &csrf),
            ("old_password", "not-my-password"),
            ("password", "brand-new-pass"),
            ("confirm_password", "brand-new-pass"),
        ],
    )
    .await
    .expect(400);
    assert!(wrong_old.text.contains("current password is not correct"));
    let mismatch = post_form(
        &app,
        "/profile/change-password",
        &session,
        &[
            ("_csrf", &csrf),
            ("old_password", "pat-Passw0rd!"),
            ("password", "brand-new-pass"),
            ("confirm_password", "brand-new-pazz"),
        ],
    )
    .await
    .expect(400);
    assert!(mismatch.text.contains("do not match"));
    let short = post_form(
        &app,
        "/profile/change-password",
        &session,
        &[
            ("_csrf", &csrf),
            ("old_password", "pat-Passw0rd!"),
            ("password", "short"),
            ("confirm_password", "short"),
        ],
    )
    .await
    .expect(400);
    assert!(
        short.text.contains("at least 8 characters"),
        "{}",
        short.text
    );

    let ok = post_form(
        &app,
        "/profile/change-password",
        &session,
        &[
            ("_csrf", &csrf),
            ("old_password", "pat-Passw0rd!"),
            ("password", "brand-new-pass"),
            ("confirm_password", "brand-new-pass"),
        ],
    )
    .await
    .expect(303);
    let flash = set_cookie(&ok, "switchyard-flash").expect("flash cookie");
    let shown = get_page(
        &app,
        "/profile/change-password",
        &format!("{session}; {flash}"),
    )
    .await
    .expect(200);
    assert!(shown.text.contains("Your password has been changed."));
    app.post(
        "/auth/simple/login",
        json!({"username": "pat", "password": "pat-Passw0rd!"}),
        &Auth::None,
    )
    .await
    .expect(401);
    app.post(
        "/auth/simple/login",
        json!({"username": "pat", "password": "brand-new-pass"}),
        &Auth::None,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::new().await;
    let session = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let (_, csrf) = page_with_csrf(&app, "/profile", &session).await;
    post_form(&app, "/sign-out", &session, &[])
        .await
        .expect(403);
    app.get("/api/admin/user", &Auth::Session(session.clone()))
        .await
        .expect(200);
    let res = post_form(&app, "/sign-out", &session, &[("_csrf", &csrf)])
        .await
        .expect(303);
    assert_eq!(res.header("location").as_deref(), Some("/login"));
    app.get("/api/admin/user", &Auth::Session(session.clone()))
        .await
        .expect(401);
    assert_eq!(
        get_page(&app, "/profile", &session).await.status.as_u16(),
        303
    );
}

#[tokio::test]
async fn users_are_managed_by_admins_only() {
    let app = TestApp::new().await;
    app.user("ed", "Editor").await;
    let editor = form_login(&app, "ed", "ed-Passw0rd!").await;
    let refused = get_page(&app, "/admin/users", &editor).await.expect(403);
    assert!(refused.text.contains("Only admins can manage users"));
    let (_, ed_csrf) = page_with_csrf(&app, "/profile", &editor).await;
    post_form(
        &app,
        "/admin/users/create",
        &editor,
        &[
            ("_csrf", &ed_csrf),
            ("username", "sneaky"),
            ("role", "Admin"),
            ("password", "sneaky-Passw0rd"),
        ],
    )
    .await
    .expect(403);

    let admin = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let (list, csrf) = page_with_csrf(&app, "/admin/users", &admin).await;
    assert!(list.text.contains("Users (2)"), "{}", list.text);
    assert!(list.text.contains(">ed<"));
    assert!(
        list.text.contains("/admin/users\""),
        "admins see the Users link"
    );

    // Create with a role; an invalid one explains itself and keeps the input.
    let bad = post_form(
        &app,
        "/admin/users/create",
        &admin,
        &[
            ("_csrf", &csrf),
            ("username", "vic"),
            ("role", "Viewer"),
            ("password", "short"),
        ],
    )
    .await
    .expect(400);
    assert!(bad.text.contains("at least 8 characters"));
    assert!(bad.text.contains("value=\"vic\""));
    let created = post_form(
        &app,
        "/admin/users/create",
        &admin,
        &[
            ("_csrf", &csrf),
            ("username", "vic"),
            ("email", "vic@example.com"),
            ("name", "Vic Viewer"),
            ("role", "Viewer"),
            ("password", "vic-Passw0rd!"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(created.header("location").as_deref(), Some("/admin/users"));
    let dup = post_form(
        &app,
        "/admin/users/create",
        &admin,
        &[("_csrf", &csrf), ("username", "vic"), ("role", "Viewer")],
    )
    .await
    .expect(400);
    assert!(dup.text.contains("already exists"));

    let users = app
        .get("/api/admin/user-admin", &Auth::Session(admin.clone()))
        .await
        .expect(200);
    let vic = users.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "vic")
        .unwrap()
        .clone();
    let id = vic["id"].as_i64().unwrap();
    assert_eq!(vic["rootRole"], 3);

    let edit = get_page(&app, &format!("/admin/users/{id}/edit"), &admin)
        .await
        .expect(200);
    assert!(edit.text.contains("Vic Viewer"));
    post_form(
        &app,
        &format!("/admin/users/{id}/role"),
        &admin,
        &[("_csrf", &csrf), ("role", "Editor")],
    )
    .await
    .expect(303);
    assert_eq!(
        app.get(
            &format!("/api/admin/user-admin/{id}"),
            &Auth::Session(admin.clone())
        )
        .await
        .json["rootRole"],
        2
    );

    post_form(
        &app,
        &format!("/admin/users/{id}/password"),
        &admin,
        &[("_csrf", &csrf), ("password", "reset-Passw0rd")],
    )
    .await
    .expect(303);
    app.post(
        "/auth/simple/login",
        json!({"username": "vic", "password": "reset-Passw0rd"}),
        &Auth::None,
    )
    .await
    .expect(200);

    let confirm = get_page(&app, &format!("/admin/users/{id}/delete"), &admin)
        .await
        .expect(200);
    assert!(confirm.text.contains("Delete user?"));
    post_form(&app, &format!("/admin/users/{id}/delete"), &admin, &[])
        .await
        .expect(403);
    post_form(
        &app,
        &format!("/admin/users/{id}/delete"),
        &admin,
        &[("_csrf", &csrf)],
    )
    .await
    .expect(303);
    app.get(
        &format!("/api/admin/user-admin/{id}"),
        &Auth::Session(admin.clone()),
    )
    .await
    .expect(404);

    // Deleting yourself is refused with the reason.
    let me = app
        .get("/api/admin/user", &Auth::Session(admin.clone()))
        .await
        .json["user"]["id"]
        .as_i64()
        .unwrap();
    let own = post_form(
        &app,
        &format!("/admin/users/{me}/delete"),
        &admin,
        &[("_csrf", &csrf)],
    )
    .await
    .expect(400);
    assert!(own.text.contains("cannot delete yourself"));
}

#[tokio::test]
async fn event_log_is_filtered_and_newest_first() {
    let app = TestApp::new().await;
    app.user("ann", "Editor").await;
    app.user("bob", "Viewer").await;
    let admin = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let all = get_page(&app, "/history", &admin).await.expect(200);
    assert!(all.text.contains("user-created"));
    let ann = all.text.find("&#34;ann&#34;").expect("ann's event");
    let bob = all.text.find("&#34;bob&#34;").expect("bob's event");
    assert!(bob < ann, "newest first");

    let api_admin = app.admin().await;
    let users = app.get("/api/admin/user-admin", &api_admin).await.json;
    let bob_id = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "bob")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.delete(&format!("/api/admin/user-admin/{bob_id}"), &api_admin)
        .await
        .expect(200);

    let deleted = get_page(&app, "/history?type=user-deleted", &admin)
        .await
        .expect(200);
    assert!(deleted.text.contains("user-deleted"));
    assert!(!deleted.text.contains("<code>user-created</code>"));
    let by_system = get_page(&app, "/history?createdBy=unleash_system_user", &admin)
        .await
        .expect(200);
    assert!(by_system.text.contains("1 event<"), "{}", by_system.text);
    let none = get_page(&app, "/history?project=nowhere", &admin)
        .await
        .expect(200);
    assert!(none.text.contains("No events match"));
    assert!(none.text.contains("value=\"nowhere\""), "filters are kept");

    let viewer = form_login(&app, "ann", "ann-Passw0rd!").await;
    let refused = get_page(&app, "/history", &viewer).await.expect(403);
    assert!(refused.text.contains("Only admins can read the event log"));
}

#[tokio::test]
async fn personal_access_tokens_pages() {
    let app = TestApp::with_config(|c| c.pat_limit = 3).await;
    app.user("ed", "Editor").await;
    let session = form_login(&app, "ed", "ed-Passw0rd!").await;

    let (empty, csrf) = page_with_csrf(&app, "/profile/personal-api-tokens", &session).await;
    assert!(empty.text.contains("Personal access tokens (0)"));
    assert!(empty.text.contains("Use personal access tokens to authenticate to the Admin API as yourself. A personal access token has the same access privileges as your user."));
    assert!(empty
        .text
        .contains("You have no personal access tokens yet."));
    assert!(empty.text.contains("Create your first token"));

    let form = get_page(&app, "/profile/personal-api-tokens/new", &session)
        .await
        .expect(200);
    assert!(form.text.contains("Create personal access token"));
    assert!(form
        .text
        .contains("Describe what this token will be used for"));
    assert!(
        form.text
            .contains("<option value=\"30\" selected>30 days</option>"),
        "30 days is the default"
    );
    for label in ["7 days", "60 days", "90 days", "Custom", "Never"] {
        assert!(
            form.text.contains(&format!(">{label}</option>")),
            "missing {label}"
        );
    }
    let in_30 = (app.state.clock.now() + chrono::TimeDelta::days(30))
        .format("%Y-%m-%d")
        .to_string();
    assert!(form.text.contains(&format!(
        "Token will expire on <strong id=\"expiry-date\">{in_30}</strong>"
    )));
    assert!(
        form.text
            .contains("curl --location --request POST &#39;http://"),
        "the curl example"
    );
    assert!(form.text.contains("/api/admin/user/tokens"));

    // Without the CSRF token nothing is created.
    post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[("description", "x"), ("expiry", "30")],
    )
    .await
    .expect(403);

    let created = post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[
            ("_csrf", &csrf),
            ("description", "<script>alert(1)</script>"),
            ("expiry", "30"),
        ],
    )
    .await
    .expect(200);
    assert!(created.text.contains("Personal access token created"));
    assert!(created.text.contains(
        "Make sure to copy your personal access token now. You won't be able to see it again!"
    ));
    let secret = secret_of(&created.text);
    assert!(secret.starts_with("user:v2_"), "{secret}");
    assert!(created
        .text
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!created.text.contains("<script>alert(1)</script>"));

    // The token works on the Admin API as the user.
    let me = app
        .get("/api/admin/user", &Auth::Token(secret.clone()))
        .await
        .expect(200);
    assert_eq!(me.json["user"]["username"], "ed");

    // The list shows the token, its expiry, "Never" seen, and never the secret.
    let list = get_page(&app, "/profile/personal-api-tokens", &session)
        .await
        .expect(200);
    assert!(list.text.contains("Personal access tokens (1)"));
    assert!(list.text.contains(&in_30));
    assert!(!list.text.contains(&secret));
    assert!(!list.text.contains(&secret[8..30]), "not even the selector");

    // Same description again: an inline error, the input kept.
    let dup = post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[
            ("_csrf", &csrf),
            ("description", "<script>alert(1)</script>"),
            ("expiry", "7"),
        ],
    )
    .await
    .expect(409);
    assert!(dup
        .text
        .contains("A token with that description already exists."));
    assert!(dup.text.contains("<option value=\"7\" selected>"));

    // Custom in the past is refused; custom in the future and Never work.
    let past = post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[
            ("_csrf", &csrf),
            ("description", "old"),
            ("expiry", "custom"),
            ("custom_expiry", "2001-01-01T10:00"),
        ],
    )
    .await
    .expect(400);
    assert!(past.text.contains("Invalid date, must be in the future"));
    let future = (app.state.clock.now() + chrono::TimeDelta::days(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[
            ("_csrf", &csrf),
            ("description", "custom"),
            ("expiry", "custom"),
            ("custom_expiry", &future),
        ],
    )
    .await
    .expect(200);
    let never_form = post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[
            ("_csrf", &csrf),
            ("description", "forever"),
            ("expiry", "never"),
        ],
    )
    .await
    .expect(200);
    assert!(never_form.text.contains("Personal access tokens (3)"));
    let api = app
        .get("/api/admin/user/tokens", &Auth::Session(session.clone()))
        .await
        .expect(200);
    let forever = api.json["pats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["description"] == "forever")
        .unwrap()
        .clone();
    assert!(forever["expiresAt"].as_str().unwrap().starts_with("9999-"));
    let list = get_page(&app, "/profile/personal-api-tokens", &session)
        .await
        .expect(200);
    assert!(
        list.text.contains(">Never\n"),
        "a token that never expires says so"
    );

    // At the limit, New token is disabled with the reason, and the server refuses anyway.
    assert!(list.text.contains("id=\"new-token\" disabled"));
    assert!(list.text.contains("You have reached the limit of 3 tokens"));
    let refused = post_form(
        &app,
        "/profile/personal-api-tokens",
        &session,
        &[
            ("_csrf", &csrf),
            ("description", "fourth"),
            ("expiry", "30"),
        ],
    )
    .await
    .expect(403);
    assert!(refused.text.contains("limit of 3 personal access tokens"));

    // Expiry warnings: the 3-day token is flagged "expires soon" once past half its life.
    // (Sessions last 48 hours, so sign in again after moving the clock.)
    app.state.clock.advance(chrono::TimeDelta::days(2));
    let later = form_login(&app, "ed", "ed-Passw0rd!").await;
    let soon = get_page(&app, "/profile/personal-api-tokens", &later)
        .await
        .expect(200);
    assert!(
        soon.text.contains("This token expires soon"),
        "{}",
        soon.text
    );
    app.state.clock.advance(chrono::TimeDelta::days(2));
    let later = form_login(&app, "ed", "ed-Passw0rd!").await;
    let expired = get_page(&app, "/profile/personal-api-tokens", &later)
        .await
        .expect(200);
    assert!(expired.text.contains("This token has expired"));
    app.state.clock.advance(chrono::TimeDelta::days(-4));

    // Delete: a confirmation naming the token, then it is gone and stops working.
    let id = api.json["pats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["description"] == "<script>alert(1)</script>")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let confirm = get_page(
        &app,
        &format!("/profile/personal-api-tokens/{id}/delete"),
        &session,
    )
    .await
    .expect(200);
    assert!(confirm.text.contains("Delete token?"));
    assert!(confirm
        .text
        .contains("<strong>&#60;script&#62;alert(1)&#60;/script&#62;</strong>"));
    assert!(confirm
        .text
        .contains("will no longer be able to access the Admin API"));
    post_form(
        &app,
        &format!("/profile/personal-api-tokens/{id}/delete"),
        &session,
        &[],
    )
    .await
    .expect(403);
    app.get("/api/admin/user", &Auth::Token(secret.clone()))
        .await
        .expect(200);
    let gone = post_form(
        &app,
        &format!("/profile/personal-api-tokens/{id}/delete"),
        &session,
        &[("_csrf", &csrf)],
    )
    .await
    .expect(303);
    let flash = set_cookie(&gone, "switchyard-flash").unwrap();
    let after = get_page(
        &app,
        "/profile/personal-api-tokens",
        &format!("{session}; {flash}"),
    )
    .await
    .expect(200);
    assert!(after.text.contains("Token deleted"));
    assert!(after.text.contains("Personal access tokens (2)"));
    app.get("/api/admin/user", &Auth::Token(secret))
        .await
        .expect(401);

    // Another user's token cannot be deleted through the page.
    app.user("other", "Editor").await;
    let other = form_login(&app, "other", "other-Passw0rd!").await;
    let (_, other_csrf) = page_with_csrf(&app, "/profile", &other).await;
    post_form(
        &app,
        &format!("/profile/personal-api-tokens/{}/delete", forever["id"]),
        &other,
        &[("_csrf", &other_csrf)],
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn pages_live_under_base_uri_path() {
    let app = TestApp::with_config(|c| c.base_uri_path = "/unleash/".into()).await;
    let res = get_page(&app, "/unleash/profile", "").await.expect(303);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/unleash/login?redirect=%2Funleash%2Fprofile")
    );
    let page = get_page(&app, "/unleash/login?redirect=%2Funleash%2Fprofile", "")
        .await
        .expect(200);
    assert!(page.text.contains("href=\"/unleash/static/app.css\""));
    assert!(page.text.contains("action=\"/unleash/login\""));
    let login_cookie = set_cookie(&page, "switchyard-login-csrf").unwrap();
    let raw = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("switchyard-login-csrf"))
        .unwrap();
    assert!(raw.contains("Path=/unleash"), "{raw}");
    let csrf = csrf_of(&page.text);
    let ok = post_form(
        &app,
        "/unleash/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("redirect", "/unleash/profile"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(ok.header("location").as_deref(), Some("/unleash/profile"));
    let session = set_cookie(&ok, "unleash-session").unwrap();
    let profile = get_page(&app, "/unleash/profile", &session)
        .await
        .expect(200);
    assert!(profile
        .text
        .contains("href=\"/unleash/profile/personal-api-tokens\""));
    assert!(profile.text.contains("action=\"/unleash/sign-out\""));
    get_page(&app, "/unleash/static/app.js", "")
        .await
        .expect(200);
}
