//! Helpers shared by the router-level UI tests (`ui_pages`, `ui_flags`, `ui_projects`,
//! `ui_flag_admin`, `ui_variants`): pages fetched and forms posted through the real router
//! with cookies, sign-in through the login form, and reading CSRF tokens, cookies and
//! secrets out of the answers.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request};

use crate::common::{send, TestApp, TestResponse};

/// The value of `name="_csrf"` in a page.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[at + "name=\"_csrf\" value=\"".len()..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

/// `name=value` of a Set-Cookie header with this cookie name.
pub fn set_cookie(res: &TestResponse, name: &str) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// A form body (`application/x-www-form-urlencoded`).
pub fn enc<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k.as_ref(), v.as_ref());
    }
    s.finish()
}

/// GET a page; `cookies` is a `Cookie` header value, or empty for none.
pub async fn get_page(app: &TestApp, path: &str, cookies: &str) -> TestResponse {
    let mut req = Request::builder().uri(path);
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    send(&app.router, req.body(Body::empty()).unwrap()).await
}

/// POST a form given as borrowed pairs (a `&String` value is accepted beside `&str` ones).
pub async fn post_form(
    app: &TestApp,
    path: &str,
    cookies: &str,
    pairs: &[(&str, &str)],
) -> TestResponse {
    post_fields(app, path, cookies, pairs).await
}

/// POST a form given as pairs of any string type (such as the owned fields read from a
/// page); `cookies` is a `Cookie` header value, or empty for none.
pub async fn post_fields<K: AsRef<str>, V: AsRef<str>>(
    app: &TestApp,
    path: &str,
    cookies: &str,
    pairs: &[(K, V)],
) -> TestResponse {
    let mut req = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    send(&app.router, req.body(Body::from(enc(pairs))).unwrap()).await
}

/// Signs in through the form; returns the answer (to read where it leads) and the session
/// cookie (`name=value`).
pub async fn form_login_to(
    app: &TestApp,
    username: &str,
    password: &str,
    redirect: &str,
) -> (TestResponse, String) {
    let page = get_page(app, "/login", "").await.expect(200);
    let login_cookie = set_cookie(&page, "switchyard-login-csrf").expect("login CSRF cookie");
    let csrf = csrf_of(&page.text);
    let res = post_form(
        app,
        "/login",
        &login_cookie,
        &[
            ("_csrf", &csrf),
            ("username", username),
            ("password", password),
            ("redirect", redirect),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "login failed: {}", res.text);
    let session = set_cookie(&res, "unleash-session").expect("session cookie");
    (res, session)
}

/// Signs in through the form; returns the session cookie (`name=value`).
pub async fn form_login(app: &TestApp, username: &str, password: &str) -> String {
    form_login_to(app, username, password, "").await.1
}

/// The CSRF token of a session, read from the page at `path`.
pub async fn csrf(app: &TestApp, path: &str, session: &str) -> String {
    csrf_of(&get_page(app, path, session).await.expect(200).text)
}

/// The Admin API path of a flag in the default project.
pub fn flag_api(flag: &str) -> String {
    format!("/api/admin/projects/default/features/{flag}")
}

/// The secret shown once in a "token created" dialog.
pub fn secret_of(html: &str) -> String {
    let at = html
        .find("id=\"token-secret\">")
        .expect("the created dialog shows the token");
    let rest = &html[at + "id=\"token-secret\">".len()..];
    rest[..rest.find('<').expect("closing tag")].to_string()
}
