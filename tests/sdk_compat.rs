//! The official Unleash SDKs against a real Switchyard on a real port: the Python SDK
//! (`UnleashClient`), the Node SDK (`unleash-client`) and the browser SDK
//! (`unleash-proxy-client`, run in Node) evaluate every client-specification case after the
//! file's flags were created through the Admin API; their metrics show up in the Admin API;
//! and a flag toggled through the Admin API reaches streaming SDKs within a second.
//!
//! The SDKs are installed by `.ci/install-sdks.sh`. Without them the tests print a notice and
//! pass on a developer's machine, and fail when `CI` is set.

mod common;
mod spec_support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Auth, RunningServer, TestApp};
use serde_json::{json, Value};
use spec_support::{affected, raw_state, seed, spec_files, REFUSED_BY_DESIGN};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// The SDK tests share two cores with everything else: run them one at a time so that the
/// streaming latency is measured on a quiet machine.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One way of running an SDK over a specification file.
struct Driver {
    /// How results and failures are labelled.
    label: &'static str,
    /// The application name it reports (a frontend case's own `appName` wins, since the
    /// browser SDK takes it from its configuration).
    app: &'static str,
    /// Reads the frontend API (frontend token) rather than the client API.
    frontend: bool,
    /// Registers itself (the browser SDK does not).
    registers: bool,
    script: Script,
    mode: &'static str,
}

enum Script {
    Python,
    Node(&'static str),
}

const DRIVERS: [Driver; 7] = [
    Driver {
        label: "python",
        app: "sdk-compat-python",
        frontend: false,
        registers: true,
        script: Script::Python,
        mode: "spec",
    },
    Driver {
        label: "node",
        app: "sdk-compat-node",
        frontend: false,
        registers: true,
        script: Script::Node("run.mjs"),
        mode: "spec",
    },
    Driver {
        label: "node delta",
        app: "sdk-compat-node-delta",
        frontend: false,
        registers: true,
        script: Script::Node("run.mjs"),
        mode: "spec-delta",
    },
    Driver {
        label: "python streaming",
        app: "sdk-compat-python-streaming",
        frontend: false,
        registers: true,
        script: Script::Python,
        mode: "spec-stream",
    },
    Driver {
        label: "node streaming",
        app: "sdk-compat-node-streaming",
        frontend: false,
        registers: true,
        script: Script::Node("run.mjs"),
        mode: "spec-stream",
    },
    Driver {
        label: "browser",
        app: "sdk-compat-browser",
        frontend: true,
        registers: false,
        script: Script::Node("browser.mjs"),
        mode: "spec",
    },
    Driver {
        label: "browser POST",
        app: "sdk-compat-browser-post",
        frontend: true,
        registers: false,
        script: Script::Node("browser.mjs"),
        mode: "spec-post",
    },
];
const DRIVER_TIMEOUT: Duration = Duration::from_secs(60);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the drivers and their interpreters are.
struct Sdks {
    python: PathBuf,
    node_dir: PathBuf,
}

impl Sdks {
    /// The installed SDKs, or `None` (with a printed notice) when something is missing on a
    /// developer's machine. Panics instead when `CI` is set.
    fn find() -> Option<Sdks> {
        let python = std::env::var_os("SWITCHYARD_SDK_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target/sdk-venv/bin/python"));
        let node_dir = root().join("sdk-compat/node");
        let mut missing = Vec::new();
        let python_ok = std::process::Command::new(&python)
            .args(["-c", "import UnleashClient"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !python_ok {
            missing.push(format!(
                "the Python SDK (UnleashClient importable by {})",
                python.display()
            ));
        }
        let node_ok = std::process::Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !node_ok {
            missing.push("node".to_string());
        }
        for package in ["unleash-client", "unleash-proxy-client"] {
            if !node_dir
                .join("node_modules")
                .join(package)
                .join("package.json")
                .exists()
            {
                missing.push(format!("the npm package {package} in sdk-compat/node"));
            }
        }
        if missing.is_empty() {
            return Some(Sdks { python, node_dir });
        }
        let notice = format!(
            "SDK compatibility tests need {}; run .ci/install-sdks.sh",
            missing.join(", ")
        );
        if std::env::var_os("CI").is_some() {
            panic!("{notice}");
        }
        // Written to the process's stderr directly: the test harness would hide eprintln!.
        let _ = writeln!(std::io::stderr(), "SKIPPED: {notice}");
        None
    }

    fn command(&self, script: &Script) -> Command {
        match script {
            Script::Python => self.python_driver(),
            Script::Node(file) => self.node_driver(file),
        }
    }

    fn python_driver(&self) -> Command {
        let mut cmd = Command::new(&self.python);
        cmd.arg(root().join("sdk-compat/python/run.py"));
        cmd
    }

    fn node_driver(&self, script: &str) -> Command {
        let mut cmd = Command::new("node");
        cmd.arg(self.node_dir.join(script));
        cmd
    }
}

/// Runs a driver to completion and returns the JSON it wrote, or why it failed.
async fn run_driver(
    label: String,
    mut cmd: Command,
    token: (&str, &str),
    out: PathBuf,
) -> Result<Value, String> {
    cmd.env(token.0, token.1)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| format!("{label}: cannot start: {e}"))?;
    let output = tokio::time::timeout(DRIVER_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| format!("{label}: did not finish within {DRIVER_TIMEOUT:?}"))?
        .map_err(|e| format!("{label}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{label}: exited with {}\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{label}: no output: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{label}: bad output: {e}"))
}

async fn create_token(app: &TestApp, admin: &Auth, kind: &str) -> String {
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": format!("sdk-compat-{kind}"), "type": kind, "environment": "development"}),
        admin,
    )
    .await
    .expect(201)
    .json["secret"]
        .as_str()
        .expect("token secret")
        .to_string()
}

/// The expected variant, in the shape the drivers report.
fn expected_variant(expected: &Value, got: &Value) -> Value {
    let mut want = json!({
        "name": expected["name"],
        "enabled": expected["enabled"],
        "feature_enabled": expected["feature_enabled"],
        "payload": expected.get("payload").cloned().unwrap_or(Value::Null),
    });
    // A few older cases do not say whether the flag itself was enabled.
    if want["feature_enabled"].is_null() {
        want["feature_enabled"] = got["feature_enabled"].clone();
    }
    want
}

/// Compares one SDK's results with a file's expectations. Returns (passed, failures).
fn judge(
    sdk: &str,
    file: &str,
    spec: &Value,
    results: &Value,
    skip: &BTreeSet<String>,
) -> (usize, Vec<String>) {
    let mut passed = 0;
    let mut failures = Vec::new();
    for kind in ["tests", "variantTests"] {
        for (i, case) in spec[kind].as_array().into_iter().flatten().enumerate() {
            let name = case["toggleName"].as_str().unwrap_or_default();
            if skip.contains(name) {
                continue;
            }
            let got = &results[kind][i];
            if got["toggleName"] != case["toggleName"] {
                failures.push(format!(
                    "{sdk} {file}: case {i} of {kind} missing or out of order: {got}"
                ));
                continue;
            }
            let result = &got["result"];
            let want = if kind == "tests" {
                case["expectedResult"].clone()
            } else {
                expected_variant(&case["expectedResult"], result)
            };
            if *result == want {
                passed += 1;
            } else {
                failures.push(format!(
                    "{sdk} {file}: {} ({name}): expected {want}, got {result}",
                    case["description"]
                ));
            }
        }
    }
    (passed, failures)
}

/// How many times each (application, flag) pair was evaluated by the drivers.
fn evaluations(spec: &Value, skip: &BTreeSet<String>) -> BTreeMap<(String, String), i64> {
    let mut counts = BTreeMap::new();
    for kind in ["tests", "variantTests"] {
        for case in spec[kind].as_array().into_iter().flatten() {
            let name = case["toggleName"].as_str().unwrap_or_default().to_string();
            if skip.contains(&name) {
                continue;
            }
            for d in &DRIVERS {
                let app = match case["context"]["appName"].as_str() {
                    Some(own) if d.frontend => own,
                    _ => d.app,
                };
                *counts.entry((app.to_string(), name.clone())).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// The usage the Admin API reports for the SDKs' evaluations: every application that
/// evaluated a flag is seen with at least as many yes/no counts as it made calls.
async fn check_metrics(
    app: &TestApp,
    admin: &Auth,
    file: &str,
    spec: &Value,
    skip: &BTreeSet<String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    let apps = app
        .get("/api/admin/metrics/applications", admin)
        .await
        .expect(200)
        .json;
    let counts = evaluations(spec, skip);
    // Every application that evaluated something is listed with an instance in the token's
    // environment; those that register (the backend SDKs) also with their SDK version.
    let reporting: BTreeSet<&str> = counts.keys().map(|(a, _)| a.as_str()).collect();
    for name in reporting {
        let registers = DRIVERS.iter().any(|d| d.registers && d.app == name);
        let found = apps["applications"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["appName"] == name);
        match found {
            Some(a) => {
                let instances = a["instances"].as_array().cloned().unwrap_or_default();
                if !instances.iter().any(|i| {
                    i["environment"] == "development" && (!registers || i["sdkVersion"].is_string())
                }) {
                    failures.push(format!(
                        "{file}: {name} has no instance in development (with its SDK version: {registers}): {a}"
                    ));
                }
            }
            None => failures.push(format!("{file}: application {name} not listed: {apps}")),
        }
    }
    let flags: BTreeSet<&String> = counts.keys().map(|(_, f)| f).collect();
    for flag in flags {
        let usage = app
            .get(
                &format!(
                    "/api/admin/client-metrics/features/{}",
                    spec_support::pct(flag)
                ),
                admin,
            )
            .await
            .expect(200)
            .json;
        for ((sdk_app, _), calls) in counts.iter().filter(|((_, f), _)| f == flag) {
            let seen: i64 = usage["lastHourUsage"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|u| u["appName"] == sdk_app.as_str() && u["environment"] == "development")
                .map(|u| u["yes"].as_i64().unwrap_or(0) + u["no"].as_i64().unwrap_or(0))
                .sum();
            if seen < *calls {
                failures.push(format!(
                    "{file}: {flag}: {sdk_app} evaluated it {calls} times, the Admin API counts {seen}: {usage}"
                ));
            }
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_sdks_evaluate_every_specification_case() {
    let Some(sdks) = Sdks::find() else {
        return;
    };
    let _quiet = ONE_AT_A_TIME.lock().await;
    let files = spec_files();
    assert_eq!(files.len(), 22);
    let started = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let mut passed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut refused: BTreeSet<String> = BTreeSet::new();
    let mut ready_ms: BTreeMap<&str, f64> = BTreeMap::new();
    let mut judged = 0;
    for file in files {
        let fname = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("spec")).expect("json");
        let raw = raw_state(&spec);
        let app = TestApp::new().await;
        let admin = app.admin().await;
        let refusals = seed(&app, &admin, &raw).await;
        refused.extend(refusals.keys().cloned());
        let skip = affected(&raw, &refusals);
        judged += ["tests", "variantTests"]
            .iter()
            .flat_map(|k| spec[*k].as_array().into_iter().flatten())
            .filter(|c| !skip.contains(c["toggleName"].as_str().unwrap_or_default()))
            .count();
        let backend = create_token(&app, &admin, "client").await;
        let frontend = create_token(&app, &admin, "frontend").await;
        let server = RunningServer::start(app.state.clone()).await;
        let api = format!("{}/api", server.base);
        let frontend_url = format!("{api}/frontend");

        let dir = tempfile::tempdir().expect("tempdir");
        let runs = DRIVERS.iter().enumerate().map(|(i, d)| {
            let out = dir.path().join(format!("{i}.json"));
            let mut cmd = sdks.command(&d.script);
            let (url, token) = if d.frontend {
                (&frontend_url, ("UNLEASH_FRONTEND_TOKEN", frontend.as_str()))
            } else {
                (&api, ("UNLEASH_TOKEN", backend.as_str()))
            };
            cmd.arg(d.mode).arg(url).arg(&file).arg(&out);
            run_driver(format!("{} {fname}", d.label), cmd, token, out)
        });
        let results = futures_util::future::join_all(runs).await;
        for (d, result) in DRIVERS.iter().zip(results) {
            match result {
                Ok(results) => {
                    let (ok, bad) = judge(d.label, &fname, &spec, &results, &skip);
                    *passed.entry(d.label).or_default() += ok;
                    failures.extend(bad);
                    let ms = results["readyMs"].as_f64().unwrap_or(0.0);
                    let worst = ready_ms.entry(d.label).or_default();
                    *worst = worst.max(ms);
                }
                Err(e) => failures.push(e),
            }
        }
        // The SDKs send their last metrics as they stop; the browser SDK's may land a moment
        // after its driver returns, so the Admin API is read until it agrees or 10 s pass.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let missing = check_metrics(&app, &admin, &fname, &spec, &skip).await;
            if missing.is_empty() || Instant::now() >= deadline {
                failures.extend(missing);
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server.stop().await;
    }
    let refused: Vec<&str> = refused.iter().map(String::as_str).collect();
    let mut want_refused = REFUSED_BY_DESIGN.to_vec();
    want_refused.sort_unstable();
    assert_eq!(
        refused, want_refused,
        "exactly the flags refused by design are skipped"
    );
    println!(
        "SDK cases passed: {passed:?}; slowest start-up (ms): {ready_ms:?}; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        judged >= 259,
        "too many cases skipped: only {judged} of 279 judged"
    );
    for sdk in DRIVERS.iter().map(|d| d.label) {
        assert_eq!(
            passed.get(sdk).copied().unwrap_or(0),
            judged,
            "{sdk} must pass every case that is judged"
        );
    }
}

/// A watching driver: a child process that prints `ready <bool>`, `changed <bool>` and (for
/// the Node SDK when polling) `unchanged` for each 304 answer.
struct Watcher {
    label: &'static str,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    unchanged: usize,
}

impl Watcher {
    fn start(label: &'static str, mut cmd: Command, token: &str) -> Watcher {
        cmd.env("UNLEASH_TOKEN", token)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start the watching driver");
        let stdout = child.stdout.take().expect("stdout");
        Watcher {
            label,
            child,
            lines: BufReader::new(stdout).lines(),
            unchanged: 0,
        }
    }

    /// Waits for the next line other than `unchanged` (which is counted); panics after
    /// `within`.
    async fn next(&mut self, within: Duration) -> String {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(line))) if line == "unchanged" => self.unchanged += 1,
                Ok(Ok(Some(line))) => return line,
                Ok(Ok(None)) => panic!("{}: the driver exited", self.label),
                Ok(Err(e)) => panic!("{}: {e}", self.label),
                Err(_) => panic!("{}: nothing within {within:?}", self.label),
            }
        }
    }

    async fn stop(mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.shutdown().await;
        }
        let status = tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{}: did not stop", self.label))
            .expect("wait");
        assert!(status.success(), "{}: exited with {status}", self.label);
    }
}

/// How long after `since` the watcher reports the flag as `enabled`.
async fn latency(w: &mut Watcher, since: Instant, enabled: bool) -> Duration {
    let line = w.next(Duration::from_secs(10)).await;
    let elapsed = since.elapsed();
    assert_eq!(line, format!("changed {enabled}"), "{}", w.label);
    elapsed
}

/// A server with one flag, on in development, and a backend token.
struct Toggled {
    app: TestApp,
    admin: Auth,
    server: RunningServer,
    backend: String,
    on: String,
    off: String,
}

const WATCHED: &str = "watched.flag";

async fn one_flag_server() -> Toggled {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let base = "/api/admin/projects/default/features";
    app.post(base, json!({"name": WATCHED}), &admin)
        .await
        .expect(201);
    let on = format!("{base}/{WATCHED}/environments/development/on");
    let off = format!("{base}/{WATCHED}/environments/development/off");
    app.post(&on, json!({}), &admin).await.expect(200);
    let backend = create_token(&app, &admin, "client").await;
    let server = RunningServer::start(app.state.clone()).await;
    Toggled {
        app,
        admin,
        server,
        backend,
        on,
        off,
    }
}

/// Starts a Node and a Python watcher in `mode`, toggles the flag off and on `rounds` times
/// and returns the slowest change they saw, with the watchers.
async fn measure_toggles(
    sdks: &Sdks,
    t: &Toggled,
    mode: &str,
    labels: [&'static str; 2],
    rounds: usize,
) -> (Duration, [Watcher; 2]) {
    let api = format!("{}/api", t.server.base);
    let mut node = sdks.node_driver("run.mjs");
    node.arg(mode).arg(&api).arg(WATCHED);
    let mut python = sdks.python_driver();
    python.arg(mode).arg(&api).arg(WATCHED);
    let mut watchers = [
        Watcher::start(labels[0], node, &t.backend),
        Watcher::start(labels[1], python, &t.backend),
    ];
    for w in watchers.iter_mut() {
        let line = w.next(Duration::from_secs(20)).await;
        assert_eq!(line, "ready true", "{}", w.label);
    }
    let mut worst = Duration::ZERO;
    for round in 0..rounds {
        for (path, enabled) in [(&t.off, false), (&t.on, true)] {
            // Let the SDKs settle so each round measures one change.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let since = Instant::now();
            t.app.post(path, json!({}), &t.admin).await.expect(200);
            let [a, b] = &mut watchers;
            let (la, lb) = tokio::join!(latency(a, since, enabled), latency(b, since, enabled));
            println!(
                "{mode} round {round}: enabled={enabled}: {} {la:?}, {} {lb:?}",
                a.label, b.label
            );
            worst = worst.max(la).max(lb);
        }
    }
    (worst, watchers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_toggled_through_the_admin_api_reaches_streaming_sdks_within_a_second() {
    let Some(sdks) = Sdks::find() else {
        return;
    };
    let _quiet = ONE_AT_A_TIME.lock().await;
    let t = one_flag_server().await;
    let (worst, watchers) = measure_toggles(
        &sdks,
        &t,
        "watch",
        ["node (streaming)", "python (streaming)"],
        3,
    )
    .await;
    for w in watchers {
        w.stop().await;
    }
    t.server.stop().await;
    println!("slowest change seen by a streaming SDK: {worst:?}");
    assert!(
        worst < Duration::from_secs(1),
        "a change took {worst:?} to reach a streaming SDK"
    );
}

/// Polling SDKs (refresh 1 s) revalidate with the ETag they were given, get 304 while
/// nothing changed, and pick up a toggle at their next poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_sdks_revalidate_with_etags_and_pick_up_a_toggle() {
    let Some(sdks) = Sdks::find() else {
        return;
    };
    let _quiet = ONE_AT_A_TIME.lock().await;
    let t = one_flag_server().await;
    let (worst, mut watchers) = measure_toggles(
        &sdks,
        &t,
        "watch-polling",
        ["node (polling)", "python (polling)"],
        1,
    )
    .await;
    // A quiet spell of a few refreshes: the Node SDK reports each 304 as `unchanged`, and
    // those lines are counted while waiting for the next change.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let since = Instant::now();
    t.app.post(&t.off, json!({}), &t.admin).await.expect(200);
    let [node, python] = &mut watchers;
    let (la, lb) = tokio::join!(latency(node, since, false), latency(python, since, false));
    let worst = worst.max(la).max(lb);
    let unchanged = node.unchanged;
    for w in watchers {
        w.stop().await;
    }
    t.server.stop().await;
    println!("slowest change seen by a polling SDK: {worst:?}; 304 answers to Node: {unchanged}");
    assert!(
        unchanged >= 1,
        "the Node SDK never got a 304 for its If-None-Match"
    );
    assert!(
        worst < Duration::from_millis(2500),
        "a change took {worst:?} to reach an SDK polling every second"
    );
}
