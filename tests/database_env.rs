//! The real binary configured the way Unleash's Helm chart does it: DATABASE_HOST,
//! DATABASE_PORT, DATABASE_NAME, DATABASE_USERNAME, DATABASE_PASSWORD, DATABASE_SCHEMA.
//!
//! The PostgreSQL test uses the server named by `TEST_DATABASE_URL` (default
//! postgres://postgres@127.0.0.1:5432/test); without one it prints a notice and passes,
//! except when `CI` is set.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HTTP_HOST", "127.0.0.1")
        .env("LOG_LEVEL", "info")
        .env("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin")
        .env("UNLEASH_DEFAULT_ADMIN_PASSWORD", "admin-Passw0rd!");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// What the server logged, without terminal colours.
    fn log(&self) -> String {
        let raw = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// Starts the binary and waits for /health; panics with its log when it exits early.
fn start(envs: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stderr.log");
    let port = free_port();
    let mut cmd = command(envs);
    cmd.current_dir(dir.path())
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    let child = cmd.spawn().expect("spawn switchyard");
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(true) = healthy(&server.base) {
            return server;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("server exited early ({status}): {}", server.log());
        }
        assert!(
            Instant::now() < deadline,
            "server did not start: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn healthy(base: &str) -> std::io::Result<bool> {
    use std::io::Write;
    let host = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        s,
        "GET /health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    Ok(buf.starts_with("HTTP/1.1 200"))
}

/// Runs the binary expecting it to refuse to start; returns its stderr.
fn refused(envs: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(envs);
    cmd.current_dir(dir.path())
        .env("PORT", free_port().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn switchyard");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("switchyard started although the database settings are incomplete");
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
    assert!(!status.success(), "exit status {status}: {err}");
    // Nothing fell back to SQLite in the working directory.
    assert!(
        !dir.path().join("data").exists(),
        "created a SQLite database instead of refusing"
    );
    err
}

#[test]
fn half_set_database_variables_exit_non_zero_naming_what_is_missing() {
    let err = refused(&[("DATABASE_HOST", "127.0.0.1")]);
    assert!(
        err.contains("DATABASE_NAME") && err.contains("DATABASE_USERNAME"),
        "{err}"
    );
    assert!(err.contains("incomplete"), "{err}");

    let err = refused(&[
        ("DATABASE_USERNAME", "unleash"),
        ("DATABASE_PASSWORD", "Very-Secret-pw"),
    ]);
    assert!(err.contains("DATABASE_HOST"), "{err}");
    assert!(
        !err.contains("Very-Secret-pw"),
        "password in the error: {err}"
    );

    let err = refused(&[
        ("DATABASE_HOST", "127.0.0.1"),
        ("DATABASE_NAME", "test"),
        ("DATABASE_USERNAME", "postgres"),
        ("DATABASE_SSL", "maybe"),
    ]);
    assert!(err.contains("DATABASE_SSL"), "{err}");
}

#[test]
fn database_url_wins_over_split_variables_and_the_log_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sy.db", dir.path().display());
    let s = start(&[
        ("DATABASE_URL", &url),
        ("DATABASE_HOST", "db.invalid"),
        ("DATABASE_PASSWORD", "Hunter2-secret"),
    ]);
    assert!(dir.path().join("sy.db").exists());
    std::thread::sleep(Duration::from_millis(200));
    let log = s.log();
    assert!(log.contains("source=\"DATABASE_URL\""), "{log}");
    assert!(
        log.contains("DATABASE_HOST"),
        "ignored settings not named: {log}"
    );
    assert!(!log.contains("Hunter2-secret"), "password logged: {log}");
}

fn pg_base() -> Option<url::Url> {
    let raw = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let url = url::Url::parse(&raw).ok()?;
    let addr = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    );
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok());
    if reachable {
        Some(url)
    } else if std::env::var_os("CI").is_some() {
        panic!("PostgreSQL at {addr} is not reachable and CI is set");
    } else {
        eprintln!(
            "notice: PostgreSQL at {addr} not reachable; skipping the split-variable start-up test"
        );
        None
    }
}

#[tokio::test]
async fn the_binary_starts_on_postgres_from_helm_style_variables() {
    let Some(base) = pg_base() else { return };
    let schema = format!("helm_{}", uuid::Uuid::new_v4().simple());
    let host = base.host_str().unwrap_or("127.0.0.1").to_string();
    let port = base.port().unwrap_or(5432).to_string();
    let name = base.path().trim_start_matches('/').to_string();
    let user = if base.username().is_empty() {
        "postgres".to_string()
    } else {
        base.username().to_string()
    };
    // Characters that must be percent-encoded inside a URL (trust auth ignores it here).
    let password = base
        .password()
        .map(percent_decode)
        .unwrap_or_else(|| "p@ss:w/rd%?#".to_string());
    let s = start(&[
        ("DATABASE_HOST", &host),
        ("DATABASE_PORT", &port),
        ("DATABASE_NAME", &name),
        ("DATABASE_USERNAME", &user),
        ("DATABASE_PASSWORD", &password),
        ("DATABASE_SSL", "false"),
        ("DATABASE_SCHEMA", &schema),
    ]);
    // Signing in works: the first admin was created in that database.
    let res = reqwest::Client::new()
        .post(format!("{}/auth/simple/login", s.base))
        .json(&serde_json::json!({"username": "admin", "password": "admin-Passw0rd!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let log = s.log();
    assert!(
        log.contains("source=\"DATABASE_HOST\""),
        "source not logged: {log}"
    );
    assert!(!log.contains(&password), "password logged: {log}");

    // The tables live in the schema that DATABASE_SCHEMA named (created on start).
    let pool = sqlx::PgPool::connect(base.as_str()).await.unwrap();
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'users'",
    )
    .bind(&schema)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(tables, 1, "no users table in schema {schema}");
    let (users,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM \"{schema}\".users"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
    drop(s);
    let _ = sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&pool)
        .await;
    pool.close().await;
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
