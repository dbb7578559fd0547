//! Flag details, archiving and deleting in a real, headless Chromium (Debian's `chromium`
//! and `chromium-driver`) against the real server on a real port: with JavaScript on, edit a
//! flag, archive it (accepting the browser's confirmation) and delete it from the archive;
//! with JavaScript off, the server's confirmation pages stand in for the browser's dialogs.
//!
//! Without Chromium these tests print a notice and pass, except when `CI` is set: then they
//! fail, so CI never skips them silently. Each step saves a screenshot under
//! `target/ui-screens/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use common::{RunningServer, TestApp, ADMIN_PASSWORD};
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// One browser at a time: the machine is small and Chromium is heavy.
static BROWSER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn find_exe(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| !v.is_empty() && v != "0" && v != "false")
        .unwrap_or(false)
}

/// Chromium and its driver, or `None` (after a notice) on a developer machine without them.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium = find_exe(&["chromium", "chromium-browser"]);
    let driver = find_exe(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ if in_ci() => {
            panic!("CI is set but Chromium or chromedriver is missing; run .ci/install-browser.sh")
        }
        _ => {
            eprintln!("NOTICE: skipping browser test: Debian's chromium and chromium-driver are not installed (see .ci/install-browser.sh)");
            None
        }
    }
}

fn screens_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("ui-screens");
    std::fs::create_dir_all(&dir).expect("create target/ui-screens");
    dir
}

/// A Chrome DevTools command through chromedriver, used to make the viewport exactly
/// 1400×900 (the window size includes browser chrome even when headless).
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (
            Method::POST,
            Some(json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

/// A headless Chromium with a fresh profile, driven through its own chromedriver.
struct Browser {
    c: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    base: String,
    prefix: &'static str,
    step: u32,
}

impl Browser {
    async fn launch(base: &str, prefix: &'static str, javascript: bool) -> Option<Browser> {
        let (chromium, chromedriver) = browser_binaries()?;
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1400,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": chromium.to_string_lossy(), "args": args}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let c = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("could not start a Chromium session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        c.issue_cmd(Cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        ))
        .await
        .expect("set the viewport to 1400x900");
        Some(Browser {
            c,
            driver,
            _profile: profile,
            base: base.to_string(),
            prefix,
            step: 0,
        })
    }

    async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Saves a screenshot named after the test and this step.
    async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.c.screenshot().await.expect("screenshot");
        let file = screens_dir().join(format!("{}-{:02}-{name}.png", self.prefix, self.step));
        std::fs::write(&file, png).expect("write screenshot");
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn click_link(&self, text: &str) {
        let el = self
            .c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("no link {text}: {e}"));
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {text}: {e}"));
    }

    async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    async fn path(&self) -> String {
        self.c.current_url().await.expect("url").path().to_string()
    }

    /// Waits until the page's path is `path`.
    async fn wait_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "expected to reach {path}, still on {now}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until an element's text contains `needle`.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let t = match self.c.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if t.contains(needle) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {needle:?}; it shows {t:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn sign_in(&mut self, username: &str, password: &str, shot: bool) {
        self.goto("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        if shot {
            self.shot("sign-in-form").await;
        }
        self.click("#sign-in").await;
        self.wait_path("/").await;
    }

    async fn close(mut self) {
        let _ = self.c.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Only the chromedriver this test started, by its handle; it takes Chromium with it.
        let _ = self.driver.kill();
    }
}

/// Reads a flag through the Admin API.
async fn flag(app: &TestApp, admin: &common::Auth, name: &str) -> common::TestResponse {
    app.get(
        &format!("/api/admin/projects/default/features/{name}"),
        admin,
    )
    .await
}

async fn archived_names(app: &TestApp, admin: &common::Auth) -> Vec<String> {
    app.get("/api/admin/archive/features", admin)
        .await
        .expect(200)
        .json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

/// With JavaScript: edit a flag's description and mark it stale, archive it (accepting the
/// browser's confirmation), then find it in the archive and delete it for good.
#[tokio::test]
async fn edit_archive_and_delete_a_flag_with_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "tidy-up", "description": "Old words"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "flag-admin", true).await else {
        return;
    };

    // Signing in lands on the dashboard.
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    b.wait_text("#welcome", "Welcome").await;
    b.find("#recent-table tr[data-flag='tidy-up']").await;
    b.shot("dashboard").await;

    // Edit: description and stale.
    b.click("#recent-table tr[data-flag='tidy-up'] a").await;
    b.wait_path("/projects/default/features/tidy-up").await;
    b.click("#edit-flag").await;
    b.wait_path("/projects/default/features/tidy-up/edit").await;
    b.fill("#edit-description", "Cleaned up after the launch")
        .await;
    b.click("#edit-stale").await;
    b.shot("edit-form").await;
    b.click("#save-flag").await;
    b.wait_path("/projects/default/features/tidy-up").await;
    b.wait_text(".alert.success", "saved").await;
    assert_eq!(b.text("#stale-badge").await, "Stale");
    assert_eq!(
        b.text("#fact-description").await,
        "Cleaned up after the launch"
    );
    b.shot("flag-edited").await;
    let f = flag(&app, &admin, "tidy-up").await.expect(200);
    assert_eq!(f.json["stale"], true);
    assert_eq!(f.json["description"], "Cleaned up after the launch");

    // Archive: dismissing the browser's dialog changes nothing; accepting archives.
    b.click("#archive-flag").await;
    assert_eq!(
        b.c.get_alert_text().await.expect("the confirmation"),
        "Archive the flag tidy-up? SDKs will no longer see it."
    );
    b.c.dismiss_alert().await.expect("dismiss");
    assert_eq!(b.path().await, "/projects/default/features/tidy-up");
    flag(&app, &admin, "tidy-up").await.expect(200);
    b.click("#archive-flag").await;
    b.c.accept_alert().await.expect("confirm archiving");
    b.wait_path("/projects/default").await;
    b.wait_text(".alert.success", "archived").await;
    flag(&app, &admin, "tidy-up").await.expect(404);

    // The archive: search, then delete for good.
    b.click_link("Archive").await;
    b.wait_path("/archive").await;
    b.fill("#archive-search", "tidy").await;
    b.click("#archive-search-button").await;
    b.wait_text("#archive-heading", "Archived flags (1)").await;
    assert!(b
        .c
        .current_url()
        .await
        .unwrap()
        .query()
        .unwrap_or_default()
        .contains("q=tidy"));
    b.find("tr[data-flag='tidy-up']").await;
    b.shot("archive-search").await;
    b.click("tr[data-flag='tidy-up'] button.danger").await;
    let question = b.c.get_alert_text().await.expect("the confirmation");
    assert!(
        question.starts_with("Delete flag?")
            && question.contains("tidy-up")
            && question.contains("cannot undo"),
        "{question}"
    );
    b.c.accept_alert().await.expect("confirm deleting");
    b.wait_text(".alert.success", "deleted").await;
    b.wait_path("/archive").await;
    assert!(b
        .c
        .find(Locator::Css("tr[data-flag='tidy-up']"))
        .await
        .is_err());
    b.shot("deleted-for-good").await;
    assert!(!archived_names(&app, &admin)
        .await
        .contains(&"tidy-up".to_string()));

    b.click_link("Dashboard").await;
    b.wait_path("/").await;
    b.wait_text("#count-archived", "0").await;
    b.close().await;
    server.stop().await;
}

/// With JavaScript off, the server asks instead of the browser: archiving a flag, deleting
/// a strategy and deleting an archived flag each go through a confirmation page.
#[tokio::test]
async fn confirmation_pages_without_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for name in ["no-script", "kept-flag"] {
        app.post(
            "/api/admin/projects/default/features",
            json!({"name": name}),
            &admin,
        )
        .await
        .expect(201);
    }
    app.post(
        "/api/admin/projects/default/features/kept-flag/environments/development/strategies",
        json!({"name": "default", "title": "Everyone"}),
        &admin,
    )
    .await
    .expect(200);
    app.user("nojs", "Editor").await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "flag-admin-nojs", false).await else {
        return;
    };
    b.sign_in("nojs", "nojs-Passw0rd!", false).await;

    // Archive: the button leads to "Archive flag?"; Cancel goes back, confirming archives.
    b.goto("/projects/default/features/no-script").await;
    b.click("#archive-flag").await;
    b.wait_text("#confirm-title", "Archive flag?").await;
    assert!(b.text("#confirm-body").await.contains("no-script"));
    b.shot("archive-confirmation").await;
    flag(&app, &admin, "no-script").await.expect(200);
    b.click("#confirm-cancel").await;
    b.wait_path("/projects/default/features/no-script").await;
    flag(&app, &admin, "no-script").await.expect(200);
    b.click("#archive-flag").await;
    b.click("#confirm-archive").await;
    b.wait_path("/projects/default").await;
    b.wait_text(".alert.success", "archived").await;
    b.shot("archived-without-js").await;
    flag(&app, &admin, "no-script").await.expect(404);

    // Deleting a strategy asks the same way.
    b.goto("/projects/default/features/kept-flag").await;
    b.click("li.strategy button.danger").await;
    b.wait_text("#confirm-title", "Delete strategy?").await;
    assert!(b.text("#confirm-body").await.contains("Everyone"));
    b.shot("strategy-confirmation").await;
    b.click("#confirm-delete-strategy").await;
    b.wait_path("/projects/default/features/kept-flag").await;
    b.wait_text(".alert.success", "Strategy deleted").await;
    let f = flag(&app, &admin, "kept-flag").await.expect(200);
    assert!(f.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["strategies"].as_array().unwrap().is_empty()));

    // And deleting an archived flag for good.
    b.goto("/archive").await;
    b.click("tr[data-flag='no-script'] button.danger").await;
    b.wait_text("#confirm-title", "Delete flag?").await;
    assert!(b
        .text("#confirm-body")
        .await
        .contains("You cannot undo this action."));
    b.shot("delete-confirmation").await;
    b.click("#confirm-delete-flag").await;
    b.wait_path("/archive").await;
    b.wait_text(".alert.success", "deleted").await;
    assert!(archived_names(&app, &admin).await.is_empty());
    b.close().await;
    server.stop().await;
}
