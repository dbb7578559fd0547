//! Variants in a real, headless Chromium (Debian's `chromium` and `chromium-driver`),
//! driving the real server on a real port through WebDriver: a strategy with two variants
//! with JSON payloads, a flag's environment variants with a fixed weight, the row editor's
//! buttons with and without JavaScript. Results are checked through the Admin API.
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

    async fn body(&self) -> String {
        self.text("body").await
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

    async fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    async fn prop(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .prop(name)
            .await
            .unwrap_or_else(|e| panic!("property {name} of {css}: {e}"))
            .unwrap_or_default()
    }

    async fn count(&self, css: &str) -> usize {
        self.c
            .find_all(Locator::Css(css))
            .await
            .map(|l| l.len())
            .unwrap_or(0)
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

async fn strategies_of(app: &TestApp, admin: &common::Auth, flag: &str) -> Value {
    app.get(
        &format!("/api/admin/projects/default/features/{flag}/environments/development/strategies"),
        admin,
    )
    .await
    .expect(200)
    .json
}

async fn env_variants_of(app: &TestApp, admin: &common::Auth, flag: &str, env: &str) -> Value {
    app.get(
        &format!("/api/admin/projects/default/features/{flag}/environments/{env}/variants"),
        admin,
    )
    .await
    .expect(200)
    .json["variants"]
        .clone()
}

/// An admin adds a strategy with two variants carrying JSON payloads (trying the in-place
/// **Add variant** and **Remove** on the way), then sets the flag's variants in development
/// with a fixed weight.
#[tokio::test]
async fn strategy_and_environment_variants_in_the_browser() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "banner"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "variants", true).await else {
        return;
    };
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    let flag_page = "/projects/default/features/banner";

    // A strategy with two variants and JSON payloads.
    b.goto(flag_page).await;
    b.click("#add-strategy-development").await;
    b.wait_path(&format!(
        "{flag_page}/environments/development/strategies/new"
    ))
    .await;
    assert_eq!(b.count("#strategy-variants .variant-row").await, 2);
    b.fill("#v0_name", "blue").await;
    b.choose("#v0_payload_type", "json").await;
    b.fill("#v0_payload", r#"{"color": "blue"}"#).await;
    b.fill("#v1_name", "green").await;
    b.choose("#v1_payload_type", "json").await;
    b.fill("#v1_payload", r#"{"color": "green"}"#).await;
    b.choose("#variant-stickiness", "userId").await;
    assert_eq!(
        b.prop("#v0_weight", "readOnly").await,
        "true",
        "a variable weight is shared out"
    );

    // Add variant and Remove work in place: no page load, the typed values stay.
    b.click("#add-variant").await;
    b.find("#v2_name").await;
    assert_eq!(b.count("#strategy-variants .variant-row").await, 3);
    assert_eq!(b.prop("#v0_name", "value").await, "blue");
    b.fill("#v2_name", "dropped").await;
    b.shot("strategy-variants-added").await;
    b.click(".variant-row[data-index='2'] .remove-variant")
        .await;
    assert_eq!(b.count("#strategy-variants .variant-row").await, 2);
    assert!(b.c.find(Locator::Css("#v2_name")).await.is_err());
    b.wait_path(&format!(
        "{flag_page}/environments/development/strategies/new"
    ))
    .await;
    b.shot("strategy-variants").await;
    b.click("#save-strategy").await;
    b.wait_path(flag_page).await;
    b.wait_text(".alert.success", "Strategy added").await;
    assert!(b.text("#env-development").await.contains("blue 50 %"));
    b.shot("strategy-variant-chips").await;
    let list = strategies_of(&app, &admin, "banner").await;
    assert_eq!(
        list[0]["variants"],
        json!([
            {"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "userId",
             "payload": {"type": "json", "value": "{\"color\": \"blue\"}"}},
            {"name": "green", "weight": 500, "weightType": "variable", "stickiness": "userId",
             "payload": {"type": "json", "value": "{\"color\": \"green\"}"}},
        ])
    );

    // Environment variants with a fixed weight.
    b.click("#variants-development").await;
    b.wait_path(&format!("{flag_page}/environments/development/variants"))
        .await;
    assert!(b.body().await.contains("This environment has no variants."));
    b.fill("#v0_name", "compact").await;
    b.choose("#v0_weight_type", "fix").await;
    assert_eq!(b.prop("#v0_weight", "readOnly").await, "false");
    b.fill("#v0_weight", "25").await;
    b.fill("#v1_name", "wide").await;
    b.shot("environment-variants-form").await;
    b.click("#save-variants").await;
    b.wait_text(".alert.success", "Variants saved in development")
        .await;
    let row = b.text("#variants-table tr[data-variant='compact']").await;
    assert!(row.contains("25 %") && row.contains("Fixed"), "{row}");
    assert!(b
        .text("#variants-table tr[data-variant='wide']")
        .await
        .contains("75 %"));
    b.shot("environment-variants").await;
    assert_eq!(
        env_variants_of(&app, &admin, "banner", "development").await,
        json!([
            {"name": "compact", "weight": 250, "weightType": "fix", "stickiness": "default"},
            {"name": "wide", "weight": 750, "weightType": "variable", "stickiness": "default"},
        ])
    );

    // A mistake is explained beside the form.
    b.fill("#v0_weight", "12.25").await;
    b.click("#save-variants").await;
    b.wait_text("#variants-error", "at most one decimal").await;
    assert_eq!(b.prop("#v0_weight", "value").await, "12.25");
    b.shot("environment-variants-error").await;

    b.goto(flag_page).await;
    assert!(b
        .text("#variants-development")
        .await
        .contains("Variants (2)"));
    b.close().await;
    server.stop().await;
}

/// Without JavaScript, **Add variant** and **Remove** show the form again.
#[tokio::test]
async fn variant_rows_work_without_javascript() {
    let _one = BROWSER_LOCK.lock().await;
    if browser_binaries().is_none() {
        return;
    }
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "menu"}),
        &admin,
    )
    .await
    .expect(201);
    let server = RunningServer::start(app.state.clone()).await;
    let Some(mut b) = Browser::launch(&server.base, "variants-nojs", false).await else {
        return;
    };
    b.sign_in("admin", ADMIN_PASSWORD, false).await;
    let path = "/projects/default/features/menu/environments/development/variants";
    b.goto(path).await;
    assert_eq!(b.count("#variants-form .variant-row").await, 2);
    b.fill("#v0_name", "a").await;
    b.fill("#v1_name", "b").await;
    b.click("#add-variant").await;
    b.find("#v2_name").await;
    assert_eq!(b.prop("#v1_name", "value").await, "b");
    b.fill("#v2_name", "c").await;
    b.click(".variant-row[data-index='0'] .remove-variant")
        .await;
    b.find("#v2_name").await;
    assert!(b.c.find(Locator::Css("#v0_name")).await.is_err());
    b.shot("rows-without-js").await;
    b.click("#save-variants").await;
    b.wait_text(".alert.success", "Variants saved").await;
    let got = env_variants_of(&app, &admin, "menu", "development").await;
    let names: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["b", "c"]);
    assert_eq!(got[0]["weight"], 500);
    b.close().await;
    server.stop().await;
}
