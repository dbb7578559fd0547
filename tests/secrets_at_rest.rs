//! Secrets never reach the database or the logs: only digests are stored.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Auth, TestApp, TestDb};
use serde_json::json;

/// Every byte the database holds, as text: the SQLite files, or every row of every table.
async fn database_dump(app: &TestApp) -> String {
    if let Some(dir) = app.db.dir() {
        app.state.db.close().await;
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let mut f = std::fs::File::open(entry.unwrap().path()).unwrap();
            f.read_to_end(&mut all).unwrap();
        }
        String::from_utf8_lossy(&all).to_string()
    } else {
        let switchyard::store::Db::Postgres(pool) = &app.state.db else {
            unreachable!()
        };
        let tables: Vec<(String,)> = sqlx::query_as("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()").fetch_all(pool).await.unwrap();
        let mut dump = String::new();
        for (t,) in tables {
            let rows: Vec<(String,)> =
                sqlx::query_as(&format!("SELECT row_to_json(x)::text FROM \"{t}\" x"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            for (r,) in rows {
                dump.push_str(&r);
                dump.push('\n');
            }
        }
        dump
    }
}

#[tokio::test]
async fn no_token_or_session_secret_is_stored() {
    let app = TestApp::new().await;
    let (_, editor) = app.user("editor", "Editor").await;
    let admin = app.admin().await;
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "cli", "expiresAt": "2099-01-01T00:00:00Z"}),
            &editor,
        )
        .await
        .expect(201)
        .json;
    let pat_secret = pat["secret"].as_str().unwrap().to_string();
    let api = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "sdk", "type": "client"}),
            &admin,
        )
        .await
        .expect(201)
        .json;
    let api_secret = api["secret"].as_str().unwrap().to_string();
    app.get("/api/admin/user", &Auth::Token(pat_secret.clone()))
        .await
        .expect(200);
    switchyard::service::tokens::flush_seen(&app.state)
        .await
        .unwrap();
    let Auth::Session(cookie) = &editor else {
        unreachable!()
    };
    let session_value = cookie.trim_start_matches("unleash-session=").to_string();

    let dump = database_dump(&app).await;
    assert!(
        dump.contains("cli"),
        "the dump should hold the token description: is it the right database?"
    );
    for (what, secret) in [
        ("PAT", &pat_secret),
        ("API token", &api_secret),
        ("session", &session_value),
    ] {
        let tail = &secret[secret.len() - 43..];
        assert!(
            !dump.contains(tail),
            "the {what} secret is stored in the database"
        );
    }
    assert!(
        !dump.contains("editor-Passw0rd!"),
        "a password is stored unhashed"
    );
}

#[tokio::test]
async fn no_secret_reaches_the_log() {
    let db = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("PORT", port.to_string())
        .env("HTTP_HOST", "127.0.0.1")
        .env("LOG_LEVEL", "debug")
        .env("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin")
        .env("UNLEASH_DEFAULT_ADMIN_PASSWORD", "very-Secret-admin-pw")
        .env("INIT_ADMIN_API_TOKENS", "*:*.seeded-admin-token-value")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drained while the server runs: a full pipe would block its logging (and so the server).
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let err_reader = drain(Box::new(child.stderr.take().unwrap()));
    let out_reader = drain(Box::new(child.stdout.take().unwrap()));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let res = client
        .post(format!("{base}/auth/simple/login"))
        .json(&json!({"username": "admin", "password": "very-Secret-admin-pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let pat: serde_json::Value = client
        .post(format!("{base}/api/admin/user/tokens"))
        .json(&json!({"description": "logged?", "expiresAt": "2099-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = pat["secret"].as_str().unwrap().to_string();
    let plain = reqwest::Client::new();
    for token in [
        secret.as_str(),
        "*:*.seeded-admin-token-value",
        "user:v2_AAAAAAAAAAAAAAAAAAAAAA_wrongwrongwrongwrongwrongwrongwrongwrongwro",
    ] {
        plain
            .get(format!("{base}/api/admin/user"))
            .header("authorization", token)
            .send()
            .await
            .unwrap();
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
    let mut log = err_reader.join().unwrap();
    log.push_str(&out_reader.join().unwrap());
    assert!(
        log.contains("request"),
        "debug logging should show requests: {log}"
    );
    for secret in [
        &secret[secret.len() - 43..],
        "seeded-admin-token-value",
        "very-Secret-admin-pw",
        "wrongwrongwrong",
    ] {
        assert!(!log.contains(secret), "log holds a secret: {secret}");
    }
}
