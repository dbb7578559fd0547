//! The real Unleash Edge in front of a real Switchyard: Edge validates its tokens, fetches
//! (or streams) the flags, answers the client and frontend APIs exactly as Switchyard does,
//! picks up a flag change, and forwards the metrics it receives.
//!
//! Runs only when an `unleash-edge` binary is found: `UNLEASH_EDGE_BIN`, else `unleash-edge`
//! on `PATH`. Without one it prints a notice and passes (CI does not install Edge; building
//! it takes long). `cargo install --locked unleash-edge` provides one.

mod common;
mod spec_support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{RunningServer, TestApp};
use serde_json::{json, Value};
use spec_support::{affected, raw_state, seed, spec_dir};

/// Specification files whose flags cover strategies, constraints of every operator,
/// segments, flag variants and strategy variants (their names do not overlap).
const SPEC_FILES: [&str; 6] = [
    "08-variants.json",
    "09-strategy-constraints.json",
    "10-flexible-rollout-strategy.json",
    "13-constraint-operators.json",
    "15-global-constraints.json",
    "16-strategy-variants.json",
];

fn edge_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("UNLEASH_EDGE_BIN") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("unleash-edge"))
            .find(|p| p.is_file())
    })
}

/// A port for Edge to listen on, free at the time of asking.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// How Edge keeps its flags current.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `GET /api/client/features` every refresh interval (Edge's default).
    Polling,
    /// `GET /api/client/delta` every refresh interval (`--delta`).
    Delta,
    /// One `GET /api/client/streaming` connection per token (`--streaming`).
    Streaming,
}

/// The Edge process, stopped (by its own PID) when dropped.
struct EdgeProcess {
    child: Child,
    base: String,
    log: PathBuf,
}

impl EdgeProcess {
    fn start(bin: &PathBuf, upstream: &str, tokens: &[&str], mode: Mode) -> EdgeProcess {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("switchyard-edge-{port}.log"));
        let out = std::fs::File::create(&log).expect("edge log");
        let mut cmd = Command::new(bin);
        cmd.args(["--port", &port.to_string(), "--interface", "127.0.0.1"])
            .arg("edge")
            .args(["--upstream-url", upstream])
            .args(["--tokens", &tokens.join(",")])
            .args(["--features-refresh-interval-seconds", "1"])
            .args(["--metrics-interval-seconds", "1"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::from(out.try_clone().expect("log")))
            .stderr(Stdio::from(out));
        match mode {
            Mode::Polling => {}
            Mode::Delta => {
                cmd.arg("--delta");
            }
            Mode::Streaming => {
                cmd.arg("--streaming");
            }
        }
        let child = cmd.spawn().expect("start unleash-edge");
        EdgeProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails the test with Edge's log when Edge has exited.
    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "unleash-edge exited ({status}); its log:\n{}",
                self.log_text()
            );
        }
    }
}

impl Drop for EdgeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The log stays for a failed test (its path is in the failure message).
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// GETs JSON; status 0 when nothing answers (yet).
async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let Ok(res) = client
        .get(url)
        .header("Authorization", token)
        .header("Unleash-Client-Spec", "5.2.0")
        .send()
        .await
    else {
        return (0, Value::Null);
    };
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_json(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let res = client
        .post(url)
        .header("Authorization", token)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The parts of a client features answer that must be equal. Edge answers with its own
/// `version`, `query` (the token's projects and environment as Edge sees them) and `meta`
/// (Edge's own revision and ETag bookkeeping), so those are left out; features are compared
/// by name and segments by id, as neither order carries meaning. Edge re-serialises what it
/// fetched and so writes `caseInsensitive: false` and `inverted: false` on every constraint,
/// which Switchyard (like Unleash) leaves out; a missing one is read as `false` on both sides.
/// With `--delta` or `--streaming` Edge serves the flags as the delta events carried them, with each
/// flag's `createdAt` and each strategy's `sortOrder` (which `/api/client/features` leaves
/// out and no SDK evaluates); those two are dropped before comparing.
fn comparable_features(body: &Value) -> Value {
    let mut body = body.clone();
    spell_out_constraint_defaults(&mut body);
    for f in body["features"].as_array_mut().into_iter().flatten() {
        if let Some(f) = f.as_object_mut() {
            f.remove("createdAt");
        }
        for s in f["strategies"].as_array_mut().into_iter().flatten() {
            if let Some(s) = s.as_object_mut() {
                s.remove("sortOrder");
            }
        }
    }
    let mut features = body["features"].as_array().cloned().unwrap_or_default();
    features.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut segments = body["segments"].as_array().cloned().unwrap_or_default();
    segments.sort_by_key(|s| s["id"].as_i64());
    json!({"features": features, "segments": segments})
}

fn spell_out_constraint_defaults(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(constraints)) = map.get_mut("constraints") {
                for c in constraints.iter_mut().filter_map(Value::as_object_mut) {
                    for flag in ["caseInsensitive", "inverted"] {
                        c.entry(flag).or_insert(Value::Bool(false));
                    }
                }
            }
            map.values_mut().for_each(spell_out_constraint_defaults);
        }
        Value::Array(list) => list.iter_mut().for_each(spell_out_constraint_defaults),
        _ => {}
    }
}

/// The first feature or segment that differs, both ways, for a readable failure.
fn first_difference(edge: &Value, own: &Value) -> String {
    for key in ["features", "segments"] {
        let (a, b) = (
            edge[key].as_array().cloned().unwrap_or_default(),
            own[key].as_array().cloned().unwrap_or_default(),
        );
        if a.len() != b.len() {
            return format!("{key}: Edge has {}, Switchyard {}", a.len(), b.len());
        }
        if let Some((x, y)) = a.iter().zip(&b).find(|(x, y)| x != y) {
            return format!("{key}:\nEdge:       {x}\nSwitchyard: {y}");
        }
    }
    "no difference".into()
}

/// Frontend toggles by name (the list's order carries no meaning), each reduced to what
/// the SDKs read: name, enabled, impressionData and the variant's name, enabled and payload.
/// Edge writes its own spelling around those: an extra `impression_data`, `payload: null`
/// for no payload, and no `featureEnabled`/`feature_enabled` on the variant.
fn comparable_toggles(body: &Value) -> Value {
    let mut toggles: Vec<Value> = body["toggles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            json!({
                "name": t["name"],
                "enabled": t["enabled"],
                "impressionData": t["impressionData"],
                "variant": {
                    "name": t["variant"]["name"],
                    "enabled": t["variant"]["enabled"],
                    "payload": t["variant"]["payload"],
                },
            })
        })
        .collect();
    toggles.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    json!(toggles)
}

/// Contexts from the specification's own tests, reduced to what both servers read the same
/// way: the known fields and string properties, plus a session when the test has neither
/// user nor session. Every context names a `remoteAddress`,
/// because Edge fills a missing one with the caller's address and Switchyard evaluates the
/// context as sent.
fn spec_contexts() -> Vec<Value> {
    let mut out = Vec::new();
    for file in SPEC_FILES {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(spec_dir().join(file)).unwrap()).unwrap();
        let tests = spec["tests"]
            .as_array()
            .into_iter()
            .chain(spec["variantTests"].as_array())
            .flatten();
        for t in tests {
            let ctx = &t["context"];
            let mut c = json!({"remoteAddress": "10.1.2.3"});
            for k in [
                "userId",
                "sessionId",
                "remoteAddress",
                "environment",
                "appName",
                "currentTime",
            ] {
                if let Some(v) = ctx[k].as_str() {
                    c[k] = json!(v);
                }
            }
            let props: serde_json::Map<String, Value> = ctx["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            // Stickiness on a field the context lacks picks a variant at random on each
            // evaluation; fixed values for the fields these flags stick on (default:
            // userId or sessionId; customField; clientId) make both answers deterministic.
            let mut props = props;
            for field in ["customField", "clientId"] {
                props.entry(field).or_insert(json!("edge-check"));
            }
            c["properties"] = Value::Object(props);
            if c.get("userId").is_none() && c.get("sessionId").is_none() {
                c["sessionId"] = json!("edge-check-session");
            }
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Polls until `check` holds or `within` passes; returns whether it held.
async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > within {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn edge_in_front_of_switchyard(edge_mode: Mode) {
    let Some(bin) = edge_binary() else {
        eprintln!(
            "notice: no unleash-edge binary (set UNLEASH_EDGE_BIN or put unleash-edge on PATH); \
             skipping the real-Edge check"
        );
        return;
    };
    let mode = format!("{edge_mode:?}").to_lowercase();
    eprintln!("running {} in {mode} mode", bin.display());

    let app = TestApp::new().await;
    let admin = app.admin().await;
    let mut judged_out = std::collections::BTreeSet::new();
    for file in SPEC_FILES {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(spec_dir().join(file)).unwrap()).unwrap();
        let raw = raw_state(&spec);
        let refused = seed(&app, &admin, &raw).await;
        judged_out.extend(affected(&raw, &refused));
    }
    let make_token = |body: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            app.post("/api/admin/api-tokens", body, admin)
                .await
                .expect(201)
                .json["secret"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let backend = make_token(
        json!({"tokenName": "edge-backend", "type": "backend", "environment": "development"}),
    )
    .await;
    let frontend = make_token(
        json!({"tokenName": "edge-frontend", "type": "frontend", "environment": "development"}),
    )
    .await;

    let server = RunningServer::start(app.state.clone()).await;
    let mut edge = EdgeProcess::start(&bin, &server.base, &[&backend, &frontend], edge_mode);
    let client = reqwest::Client::new();

    // Edge is ready once it validated its tokens and holds the flags.
    let ready = eventually(Duration::from_secs(30), || {
        let client = client.clone();
        let url = format!("{}/api/client/features", edge.base);
        let backend = backend.clone();
        async move {
            let (status, body) = get_json(&client, &url, &backend).await;
            status == 200 && body["features"].as_array().is_some_and(|f| !f.is_empty())
        }
    })
    .await;
    edge.assert_running();
    assert!(
        ready,
        "Edge never served the flags; its log:\n{}",
        edge.log_text()
    );

    // 1. The client API through Edge equals Switchyard's own answer for the same token.
    let (status, direct) = get_json(
        &client,
        &format!("{}/api/client/features", server.base),
        &backend,
    )
    .await;
    assert_eq!(status, 200);
    let (status, via_edge) = get_json(
        &client,
        &format!("{}/api/client/features", edge.base),
        &backend,
    )
    .await;
    assert_eq!(status, 200);
    assert!(direct["features"].as_array().unwrap().len() > 40);
    let (edge_view, own_view) = (comparable_features(&via_edge), comparable_features(&direct));
    assert!(
        edge_view == own_view,
        "client features differ ({mode}):\n{}",
        first_difference(&edge_view, &own_view)
    );

    // 2. The frontend API through Edge equals Switchyard's for the specification's contexts.
    let contexts = spec_contexts();
    assert!(contexts.len() > 20, "{} contexts", contexts.len());
    for ctx in &contexts {
        let (s1, direct) = post_json(
            &client,
            &format!("{}/api/frontend", server.base),
            &frontend,
            ctx,
        )
        .await;
        let (s2, via_edge) = post_json(
            &client,
            &format!("{}/api/frontend", edge.base),
            &frontend,
            ctx,
        )
        .await;
        assert_eq!((s1, s2), (200, 200), "{ctx}");
        let direct = comparable_toggles(&direct);
        let via_edge = comparable_toggles(&via_edge);
        assert!(
            direct == via_edge,
            "frontend answers differ for {ctx} ({mode}):\nSwitchyard: {direct}\nEdge: {via_edge}"
        );
    }
    assert!(!judged_out.contains("Feature.Variants.A"));

    // 3. A flag change reaches Edge: within its refresh interval (1 s) or over the stream.
    let flag = "Feature.constraints.multi";
    let enabled_via_edge = |want: bool| {
        let client = client.clone();
        let url = format!("{}/api/client/features", edge.base);
        let backend = backend.clone();
        async move {
            let (_, body) = get_json(&client, &url, &backend).await;
            body["features"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|f| f["name"] == flag && f["enabled"] == want)
        }
    };
    assert!(enabled_via_edge(true).await, "{flag} should start enabled");
    let changed_at = Instant::now();
    app.post(
        &format!("/api/admin/projects/default/features/{flag}/environments/development/off"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let arrived = eventually(Duration::from_secs(10), || enabled_via_edge(false)).await;
    edge.assert_running();
    assert!(
        arrived,
        "the change never reached Edge ({mode}); log:\n{}",
        edge.log_text()
    );
    eprintln!(
        "{mode}: the change reached Edge after {:?}",
        changed_at.elapsed()
    );

    // 4. Metrics posted to Edge arrive upstream and show in the Admin API.
    let now = chrono::Utc::now().to_rfc3339();
    let metrics = json!({
        "appName": "edge-checked-app",
        "instanceId": "edge-checked-1",
        "environment": "development",
        "bucket": {"start": now, "stop": now, "toggles": {
            "Feature.Variants.A": {"yes": 5, "no": 2, "variants": {"variant1": 5}},
        }},
    });
    let (status, _) = post_json(
        &client,
        &format!("{}/api/client/metrics", edge.base),
        &backend,
        &metrics,
    )
    .await;
    assert!(
        (200..300).contains(&status),
        "Edge refused metrics: {status}"
    );
    let arrived = eventually(Duration::from_secs(20), || async {
        let usage = app
            .get(
                "/api/admin/client-metrics/features/Feature.Variants.A",
                &admin,
            )
            .await;
        let rows = usage.json["lastHourUsage"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let yes: i64 = rows
            .iter()
            .filter(|r| r["appName"] == "edge-checked-app")
            .map(|r| r["yes"].as_i64().unwrap_or(0))
            .sum();
        let no: i64 = rows
            .iter()
            .filter(|r| r["appName"] == "edge-checked-app")
            .map(|r| r["no"].as_i64().unwrap_or(0))
            .sum();
        yes == 5 && no == 2
    })
    .await;
    edge.assert_running();
    assert!(
        arrived,
        "metrics never arrived upstream ({mode}); log:\n{}",
        edge.log_text()
    );
    let apps = app
        .get("/api/admin/metrics/applications", &admin)
        .await
        .expect(200);
    assert!(
        apps.json["applications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["appName"] == "edge-checked-app"),
        "{}",
        apps.text
    );
    eprintln!(
        "{mode}: client API, frontend API ({} contexts), change propagation and metrics all match",
        contexts.len()
    );
    drop(edge);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_edge_polling() {
    edge_in_front_of_switchyard(Mode::Polling).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_edge_delta() {
    edge_in_front_of_switchyard(Mode::Delta).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_edge_streaming() {
    edge_in_front_of_switchyard(Mode::Streaming).await;
}
