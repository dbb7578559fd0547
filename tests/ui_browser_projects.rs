//! Projects in a real, headless Chromium: create a project through the UI, make a frontend
//! token for it on its API access page, copy it with **Copy token** and use it against the
//! frontend API.
//!
//! Without Chromium (Debian's `chromium` and `chromium-driver`) this test prints a notice
//! and passes, except when `CI` is set: then it fails, so CI never skips it silently. Each
//! step saves a screenshot under `target/ui-screens/`.

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

/// chromedriver's "set permission" extension (W3C Permissions), used to let the page read
/// the clipboard so the test can check what **Copy token** put there.
#[derive(Debug)]
struct SetPermission(&'static str);

impl WebDriverCompatibleCommand for SetPermission {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/permissions",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (
            Method::POST,
            Some(json!({"descriptor": {"name": self.0}, "state": "granted"}).to_string()),
        )
    }
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
        self.wait_path("/profile").await;
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

async fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("http client")
}

/// An admin creates a project in the browser, makes a frontend token for it on its API
/// access page, copies it with **Copy token**, and a front-end SDK's request with that token
/// sees the project's flag.
#[tokio::test]
async fn a_project_and_its_frontend_token_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "projects", true).await else {
        return;
    };
    let http = http_client().await;
    b.sign_in("admin", ADMIN_PASSWORD, false).await;

    // Projects, then New project.
    b.click_link("Projects").await;
    b.wait_path("/projects").await;
    b.click("#new-project").await;
    b.wait_path("/projects/new").await;
    b.fill("#project-name", "Web shop").await;
    b.fill("#project-id", "web-shop").await;
    b.fill("#project-description", "The shop's front end").await;
    assert!(
        b.find("#env-production").await.is_selected().await.unwrap(),
        "every environment is ticked at first"
    );
    b.click("#env-production").await;
    b.shot("new-project-form").await;
    b.click("#create-project").await;
    b.wait_path("/projects/web-shop").await;
    b.wait_text(".alert.success", "created").await;
    b.shot("project-created").await;
    let p = app
        .get("/api/admin/projects/web-shop", &admin)
        .await
        .expect(200);
    assert_eq!(p.json["name"], "Web shop");
    assert_eq!(
        p.json["environments"],
        json!([{"environment": "development", "changeRequestsEnabled": false}])
    );

    // A flag in the new project, on in development.
    app.post(
        "/api/admin/projects/web-shop/features",
        json!({"name": "shop-banner"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/web-shop/features/shop-banner/environments/development/on",
        json!({}),
        &admin,
    )
    .await
    .expect(200);

    // Its settings: production can be enabled later; it cannot be deleted with a flag.
    b.click("#tab-settings").await;
    b.wait_path("/projects/web-shop/settings").await;
    b.find("#enable-production").await;
    b.wait_text("#delete-blocked", "still has 1 flag").await;
    b.shot("project-settings").await;

    // Its API access tab: a frontend token, shown once, copied.
    b.click("#tab-api-access").await;
    b.wait_path("/projects/web-shop/api-access").await;
    b.fill("#api-name", "shop-frontend").await;
    b.find("#api-type")
        .await
        .select_by_value("frontend")
        .await
        .expect("choose the type");
    b.shot("project-token-form").await;
    b.click("#create-api-token").await;
    b.wait_text("#created-title", "API token created").await;
    let secret = b.text("#token-secret").await.trim().to_string();
    assert!(secret.starts_with("web-shop:development."), "{secret}");
    b.c.issue_cmd(SetPermission("clipboard-read"))
        .await
        .expect("grant clipboard-read");
    let _ = b.c.issue_cmd(SetPermission("clipboard-write")).await;
    b.click("#copy-token").await;
    b.wait_text("#toast", "Token copied to clipboard").await;
    b.shot("project-token-copied").await;
    let clip = b
        .c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR: ' + e));", vec![])
        .await
        .expect("read clipboard");
    let copied = clip.as_str().expect("clipboard text").to_string();
    assert_eq!(copied, secret);
    b.click("#close-dialog").await;
    b.wait_path("/projects/web-shop/api-access").await;
    b.find("tr[data-token]").await;
    assert!(!b.text("body").await.contains(&secret), "shown once");
    b.shot("project-token-list").await;

    // The copied token works against the frontend API and sees the project's flag.
    let res = http
        .get(format!("{}/api/frontend", server.base))
        .header("Authorization", &copied)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["toggles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "shop-banner" && t["enabled"] == true),
        "{body}"
    );

    b.close().await;
    server.stop().await;
}
