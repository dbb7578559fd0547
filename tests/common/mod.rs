//! Test harness: a fresh database per test (a temporary SQLite file, or a fresh schema in
//! the PostgreSQL named by `TEST_DATABASE_URL`), the real router, and helpers to call it.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use switchyard::{AppState, Config};
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "admin-Passw0rd!";

/// A database for one test; the SQLite file lives as long as this value.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let pool = sqlx::PgPool::connect(&base)
                    .await
                    .expect("TEST_DATABASE_URL must reach PostgreSQL");
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&pool)
                    .await
                    .expect("create schema");
                pool.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}/switchyard.db", dir.path().display());
                TestDb {
                    url,
                    _dir: Some(dir),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// The SQLite file's folder, when this is SQLite.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Session(String),
    Token(String),
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: axum::Router,
}

pub fn test_config(url: &str) -> Config {
    let mut config = Config::for_database(url);
    config.default_admin_username = Some("admin".into());
    config.default_admin_password = Some(ADMIN_PASSWORD.into());
    config.login_limit_per_minute = 1000;
    config
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(|_| {}).await
    }

    /// A fresh app whose configuration `tweak` may change first.
    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new().await;
        let mut config = test_config(&db.url);
        tweak(&mut config);
        let (state, _) = switchyard::bootstrap(config).await.expect("bootstrap");
        let router = switchyard::app(state.clone());
        TestApp { db, state, router }
    }

    /// Another node on the same database.
    pub async fn second_node(&self) -> (AppState, axum::Router) {
        let (state, _) = switchyard::bootstrap(test_config(&self.db.url))
            .await
            .expect("bootstrap");
        let router = switchyard::app(state.clone());
        (state, router)
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        auth: &Auth,
    ) -> TestResponse {
        call(&self.router, method, path, body, auth).await
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> TestResponse {
        self.call("GET", path, None, auth).await
    }
    pub async fn post(&self, path: &str, body: Value, auth: &Auth) -> TestResponse {
        self.call("POST", path, Some(body), auth).await
    }
    pub async fn put(&self, path: &str, body: Value, auth: &Auth) -> TestResponse {
        self.call("PUT", path, Some(body), auth).await
    }
    pub async fn delete(&self, path: &str, auth: &Auth) -> TestResponse {
        self.call("DELETE", path, None, auth).await
    }

    /// Signs in and returns the session.
    pub async fn login(&self, username: &str, password: &str) -> Auth {
        let res = self
            .post(
                "/auth/simple/login",
                json!({"username": username, "password": password}),
                &Auth::None,
            )
            .await
            .expect(200);
        let cookie = res.header("set-cookie").expect("session cookie");
        Auth::Session(cookie.split(';').next().unwrap_or_default().to_string())
    }

    pub async fn admin(&self) -> Auth {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with a root role ("Admin", "Editor", "Viewer") and signs them in.
    pub async fn user(&self, username: &str, role: &str) -> (i64, Auth) {
        let admin = self.admin().await;
        let password = format!("{username}-Passw0rd!");
        let res = self
            .post(
                "/api/admin/user-admin",
                json!({"username": username, "email": format!("{username}@example.com"), "name": username, "password": password, "rootRole": role}),
                &admin,
            )
            .await
            .expect(201);
        let id = res.json["id"].as_i64().expect("user id");
        (id, self.login(username, &password).await)
    }
}

/// Sends one request through a router.
pub async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
    auth: &Auth,
) -> TestResponse {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(path);
    match auth {
        Auth::None => {}
        Auth::Session(c) => req = req.header(header::COOKIE, c),
        Auth::Token(t) => req = req.header(header::AUTHORIZATION, t),
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    send(router, req).await
}

/// Sends a prepared request through a router.
pub async fn send(router: &axum::Router, req: Request<Body>) -> TestResponse {
    let res = router
        .clone()
        .oneshot(req)
        .await
        .expect("router never fails");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    TestResponse {
        status,
        headers,
        text,
        json,
    }
}

/// A server on a real port, stopped when dropped.
pub struct RunningServer {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    pub async fn start(state: AppState) -> RunningServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let _ = switchyard::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await;
        });
        RunningServer {
            base,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// How long a change on one node may take to reach another node's cached personal access
/// tokens: the auth epoch is re-read at most every 200 ms; the rest is slack for slow runs.
pub const AUTH_EPOCH_BOUND: std::time::Duration = std::time::Duration::from_secs(1);

/// Polls `GET path` on `router` until it answers `status`, failing if that takes longer than
/// [`AUTH_EPOCH_BOUND`]; any other answer than `status` or `while_status` fails at once.
pub async fn until_status(
    router: &axum::Router,
    path: &str,
    auth: &Auth,
    status: u16,
    while_status: u16,
) {
    let started = std::time::Instant::now();
    loop {
        let res = call(router, "GET", path, None, auth).await;
        if res.status.as_u16() == status {
            return;
        }
        assert_eq!(res.status.as_u16(), while_status, "{path}: {}", res.text);
        assert!(
            started.elapsed() < AUTH_EPOCH_BOUND,
            "{path} still answered {} after {:?}, not {status}",
            res.status,
            AUTH_EPOCH_BOUND
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
