//! The real binary: first start, configuration errors, restarts, crashes and signals.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDb;
use serde_json::json;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    base: String,
    stdout: std::sync::mpsc::Receiver<String>,
}

fn start(db_url: &str, envs: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("PORT", port.to_string())
        .env("HTTP_HOST", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn switchyard");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(res) = probe::blocking_get(&format!("{base}/health")) {
            if res {
                break;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early: {status}");
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server {
        child,
        base,
        stdout: rx,
    }
}

mod probe {
    /// A tiny blocking GET used while waiting for start-up (avoids a runtime in sync code).
    pub fn blocking_get(url: &str) -> std::io::Result<bool> {
        use std::io::{Read, Write};
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut s = std::net::TcpStream::connect(host)?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(2)))?;
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )?;
        let mut buf = String::new();
        s.read_to_string(&mut buf)?;
        Ok(buf.starts_with("HTTP/1.1 200"))
    }
}

fn stdout_lines(s: &Server) -> Vec<String> {
    std::thread::sleep(Duration::from_millis(200));
    s.stdout.try_iter().collect()
}

async fn login(base: &str, user: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/auth/simple/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn first_start_generates_and_prints_an_admin_password_once() {
    let db = TestDb::new().await;
    let mut s = start(&db.url, &[]);
    let lines = stdout_lines(&s);
    let password = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: ").map(str::to_string))
        .unwrap_or_else(|| panic!("no password printed: {lines:?}"));
    assert!(password.len() >= 20, "weak generated password");
    assert_eq!(login(&s.base, "admin", &password).await.status(), 200);
    assert_eq!(login(&s.base, "admin", "unleash4all").await.status(), 401);
    s.child.kill().unwrap();
    let _ = s.child.wait();

    // Second start: nothing printed again, the password still works.
    let mut s = start(&db.url, &[]);
    let lines = stdout_lines(&s);
    assert!(
        !lines.iter().any(|l| l.contains(&password)),
        "password printed twice"
    );
    assert_eq!(login(&s.base, "admin", &password).await.status(), 200);
    s.child.kill().unwrap();
    let _ = s.child.wait();
}

#[tokio::test]
async fn first_start_uses_configured_admin_credentials() {
    let db = TestDb::new().await;
    let mut s = start(
        &db.url,
        &[
            ("UNLEASH_DEFAULT_ADMIN_USERNAME", "boss"),
            ("UNLEASH_DEFAULT_ADMIN_PASSWORD", "boss-Passw0rd!"),
        ],
    );
    let lines = stdout_lines(&s);
    assert!(!lines.iter().any(|l| l.contains("password:")), "{lines:?}");
    let res = login(&s.base, "boss", "boss-Passw0rd!").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["username"], "boss");
    s.child.kill().unwrap();
    let _ = s.child.wait();
}

#[tokio::test]
async fn data_survives_restart_and_kill_9() {
    let db = TestDb::new().await;
    let creds = [
        ("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin"),
        ("UNLEASH_DEFAULT_ADMIN_PASSWORD", "admin-Passw0rd!"),
    ];
    let mut s = start(&db.url, &creds);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = client
        .post(format!("{}/auth/simple/login", s.base))
        .json(&json!({"username": "admin", "password": "admin-Passw0rd!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client
        .post(format!("{}/api/admin/user-admin", s.base))
        .json(&json!({"username": "survivor", "password": "survivor-Passw0rd!", "rootRole": "Editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // SIGKILL right after the acknowledgement: the write must already be durable.
    s.child.kill().unwrap();
    let _ = s.child.wait();

    let mut s = start(&db.url, &creds);
    assert_eq!(
        login(&s.base, "survivor", "survivor-Passw0rd!")
            .await
            .status(),
        200
    );
    s.child.kill().unwrap();
    let _ = s.child.wait();
}

#[tokio::test]
async fn sigterm_stops_gracefully_with_exit_code_0() {
    let db = TestDb::new().await;
    let mut s = start(
        &db.url,
        &[
            ("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin"),
            ("UNLEASH_DEFAULT_ADMIN_PASSWORD", "admin-Passw0rd!"),
        ],
    );
    let status = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let code = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "exit status {code}");
}

fn run_to_exit(envs: &[(&str, &str)]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .env_clear()
        .env("PORT", free_port().to_string())
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("process kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code().unwrap_or(-1), err)
}

#[test]
fn unsupported_database_scheme_exits_with_a_clear_line() {
    let (code, err) = run_to_exit(&[("DATABASE_URL", "mysql://root:hunter2@localhost/db")]);
    assert_ne!(code, 0);
    assert!(err.contains("unsupported DATABASE_URL"), "{err}");
    assert!(!err.contains("hunter2"), "password leaked: {err}");
}

#[test]
fn unreachable_postgres_exits_with_a_clear_line() {
    let port = free_port();
    let (code, err) = run_to_exit(&[(
        "DATABASE_URL",
        &format!("postgres://someone:s3cret@127.0.0.1:{port}/nowhere"),
    )]);
    assert_ne!(code, 0);
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    assert!(!err.contains("s3cret"), "password leaked: {err}");
}

#[test]
fn help_documents_the_options_with_their_environment_variables() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for var in [
        "PORT",
        "HTTP_HOST",
        "BASE_URI_PATH",
        "DATABASE_URL",
        "UNLEASH_DEFAULT_ADMIN_USERNAME",
        "SESSION_TTL_HOURS",
        "SIMPLE_LOGIN_LIMIT_PER_MINUTE",
        "PAT_LIMIT",
    ] {
        assert!(text.contains(&format!("[env: {var}")), "--help lacks {var}");
    }
}

#[tokio::test]
async fn nodes_starting_together_on_one_database_all_come_up_with_one_admin() {
    let db = TestDb::new().await;
    let mut handles = Vec::new();
    for _ in 0..3 {
        let url = db.url.clone();
        handles.push(tokio::spawn(async move {
            let mut config = common::test_config(&url);
            config.init_admin_api_tokens = vec!["*:*.shared-admin-secret".into()];
            switchyard::bootstrap(config).await.map(|(state, _)| state)
        }));
    }
    let mut states = Vec::new();
    for h in handles {
        states.push(h.await.unwrap().expect("every node starts"));
    }
    let router = switchyard::app(states[0].clone());
    let admin = common::Auth::Token("*:*.shared-admin-secret".into());
    let users = common::call(&router, "GET", "/api/admin/user-admin", None, &admin)
        .await
        .expect(200);
    assert_eq!(users.json["users"].as_array().unwrap().len(), 1);
    let tokens = common::call(&router, "GET", "/api/admin/api-tokens", None, &admin)
        .await
        .expect(200);
    assert_eq!(tokens.json["tokens"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn pending_last_use_times_are_written_at_shutdown() {
    let db = TestDb::new().await;
    let creds = [
        ("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin"),
        ("UNLEASH_DEFAULT_ADMIN_PASSWORD", "admin-Passw0rd!"),
        ("SEEN_FLUSH_SECONDS", "3600"),
    ];
    let mut s = start(&db.url, &creds);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    client
        .post(format!("{}/auth/simple/login", s.base))
        .json(&json!({"username": "admin", "password": "admin-Passw0rd!"}))
        .send()
        .await
        .unwrap();
    let pat: serde_json::Value = client
        .post(format!("{}/api/admin/user/tokens", s.base))
        .json(&json!({"description": "used", "expiresAt": "2099-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let used = reqwest::Client::new()
        .get(format!("{}/api/admin/user", s.base))
        .header("authorization", pat["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 200);
    Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(s.child.wait().unwrap().success());

    let mut s = start(&db.url, &creds);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    client
        .post(format!("{}/auth/simple/login", s.base))
        .json(&json!({"username": "admin", "password": "admin-Passw0rd!"}))
        .send()
        .await
        .unwrap();
    let list: serde_json::Value = client
        .get(format!("{}/api/admin/user/tokens", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list["pats"][0]["seenAt"].is_string(),
        "last use lost at shutdown: {list}"
    );
    s.child.kill().unwrap();
    let _ = s.child.wait();
}
