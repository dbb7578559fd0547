//! `switchyard import-unleash`: a second Switchyard on a real port serves Unleash's Admin
//! API as the source; the import writes into a fresh database.

mod common;

use common::{Auth, RunningServer, TestApp, TestDb};
use serde_json::{json, Value};
use switchyard::import::{run, ImportOptions};
use switchyard::AppState;

/// Fills the source through its Admin API with one of every kind. Returns a PAT of its admin.
async fn seed(app: &TestApp) -> String {
    let admin = app.admin().await;
    let post = |path: &'static str, body: Value| {
        let admin = admin.clone();
        async move {
            let res = app.post(path, body, &admin).await;
            assert!(
                res.status.is_success(),
                "POST {path}: {} {}",
                res.status,
                res.text
            );
            res
        }
    };
    post(
        "/api/admin/environments",
        json!({"name": "staging", "type": "test", "sortOrder": 5}),
    )
    .await;
    post(
        "/api/admin/projects",
        json!({"id": "shop", "name": "Shop", "description": "The shop"}),
    )
    .await;
    post(
        "/api/admin/context",
        json!({"name": "tenant", "description": "Who pays", "stickiness": true,
               "legalValues": [{"value": "acme"}, {"value": "globex", "description": "G"}]}),
    )
    .await;
    let seg = post(
        "/api/admin/segments",
        json!({"name": "beta-testers", "description": "early",
               "constraints": [{"contextName": "tenant", "operator": "IN", "values": ["acme"]}]}),
    )
    .await;
    let seg_id = seg.json["id"].as_i64().expect("segment id");
    post(
        "/api/admin/tag-types",
        json!({"name": "team", "description": "Owning team"}),
    )
    .await;
    post(
        "/api/admin/strategies",
        json!({"name": "byTenant", "description": "tenants",
               "parameters": [{"name": "tenants", "type": "list", "description": "", "required": false}]}),
    )
    .await;
    for (name, ty) in [
        ("parent", "release"),
        ("checkout", "experiment"),
        ("old-flag", "release"),
    ] {
        post(
            "/api/admin/projects/shop/features",
            json!({"name": name, "type": ty, "description": format!("{name} flag"), "impressionData": name == "checkout"}),
        )
        .await;
    }
    let strat = "/api/admin/projects/shop/features/checkout/environments/development/strategies";
    post(
        strat,
        json!({"name": "flexibleRollout", "title": "Half of acme",
               "parameters": {"rollout": "50", "stickiness": "default", "groupId": "checkout"},
               "constraints": [{"contextName": "tenant", "operator": "IN", "values": ["acme"], "caseInsensitive": false, "inverted": false}],
               "variants": [{"name": "blue", "weight": 1000, "stickiness": "default", "weightType": "variable"}],
               "segments": [seg_id]}),
    )
    .await;
    post(
        strat,
        json!({"name": "byTenant", "parameters": {"tenants": "acme"}, "disabled": true}),
    )
    .await;
    post(
        "/api/admin/projects/shop/features/parent/environments/development/strategies",
        json!({"name": "default"}),
    )
    .await;
    post(
        "/api/admin/projects/shop/features/checkout/environments/development/on",
        json!({}),
    )
    .await;
    post(
        "/api/admin/projects/shop/features/parent/environments/development/on",
        json!({}),
    )
    .await;
    let res = app
        .put(
            "/api/admin/projects/shop/features/checkout/environments/development/variants",
            json!([{"name": "red", "weight": 1000, "weightType": "variable", "stickiness": "default",
                    "payload": {"type": "string", "value": "r"}}]),
            &admin,
        )
        .await;
    assert!(res.status.is_success(), "variants: {}", res.text);
    post(
        "/api/admin/features/checkout/tags",
        json!({"type": "team", "value": "payments"}),
    )
    .await;
    post(
        "/api/admin/projects/shop/features/checkout/dependencies",
        json!({"feature": "parent", "enabled": true}),
    )
    .await;
    app.delete("/api/admin/projects/shop/features/old-flag", &admin)
        .await
        .expect(202);
    let eve = post(
        "/api/admin/user-admin",
        json!({"username": "eve", "email": "eve@example.com", "name": "Eve", "rootRole": "Editor"}),
    )
    .await;
    let eve_id = eve.json["id"].as_i64().unwrap();
    let roles = app.get("/api/admin/roles", &admin).await.expect(200);
    let member = roles.json["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Member")
        .and_then(|r| r["id"].as_i64())
        .expect("Member role");
    post(
        "/api/admin/projects/shop/access",
        json!({"roles": [member], "users": [{"id": eve_id}]}),
    )
    .await;
    post(
        "/api/admin/api-tokens",
        json!({"tokenName": "sdk", "type": "client", "environment": "development", "projects": ["shop"]}),
    )
    .await;
    let pat = post(
        "/api/admin/user/tokens",
        json!({"description": "import", "expiresAt": "2099-01-01T00:00:00Z"}),
    )
    .await;
    pat.json["secret"].as_str().expect("PAT secret").to_string()
}

async fn target(db: &TestDb) -> AppState {
    let store = switchyard::store::Db::connect(&db.url)
        .await
        .expect("connect");
    AppState::new(store, common::test_config(&db.url))
}

fn opts(url: &str, token: &str, apply: bool) -> ImportOptions {
    ImportOptions {
        url: url.to_string(),
        token: token.to_string(),
        apply,
    }
}

/// Signs in on the target as the imported admin, through the reset link the import printed.
async fn sign_in_with_link(router: &axum::Router, url: &str, username: &str) -> Auth {
    let token = url.split("token=").nth(1).expect("token");
    common::call(
        router,
        "POST",
        "/auth/reset/password",
        Some(json!({"token": token, "password": "imported-Passw0rd"})),
        &Auth::None,
    )
    .await
    .expect(200);
    let res = common::call(
        router,
        "POST",
        "/auth/simple/login",
        Some(json!({"username": username, "password": "imported-Passw0rd"})),
        &Auth::None,
    )
    .await
    .expect(200);
    let cookie = res.header("set-cookie").expect("cookie");
    Auth::Session(cookie.split(';').next().unwrap().to_string())
}

/// The parts of a flag both sides must agree on (strategy ids included, segment ids not).
fn flag_view(v: &Value) -> Value {
    let envs: Vec<Value> = v["environments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let strategies: Vec<Value> = e["strategies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|s| {
                    json!({"id": s["id"], "name": s["name"], "title": s["title"], "parameters": s["parameters"],
                           "constraints": s["constraints"], "variants": s["variants"], "disabled": s["disabled"],
                           "sortOrder": s["sortOrder"], "segmentCount": s["segments"].as_array().map(|a| a.len())})
                })
                .collect();
            json!({"name": e["name"], "enabled": e["enabled"], "variants": e["variants"], "strategies": strategies})
        })
        .collect();
    json!({"name": v["name"], "type": v["type"], "description": v["description"], "project": v["project"],
           "impressionData": v["impressionData"], "stale": v["stale"], "environments": envs,
           "dependencies": v["dependencies"]})
}

#[tokio::test]
async fn import_copies_every_kind_and_is_idempotent() {
    let source = TestApp::new().await;
    let pat = seed(&source).await;
    let server = RunningServer::start(source.state.clone()).await;

    let db = TestDb::new().await;
    let state = target(&db).await;

    // Dry run: a full plan, nothing written.
    let plan = run(&state, &opts(&server.base, &pat, false))
        .await
        .expect("dry run");
    assert!(!plan.applied);
    assert_eq!(plan.counts("flags").created, 3, "{}", plan.render());
    assert!(plan.reset_links.is_empty());
    {
        let mut c = state.db.clone();
        assert_eq!(switchyard::store::users::count(&mut c).await.unwrap(), 0);
        assert_eq!(switchyard::store::features::count(&mut c).await.unwrap(), 0);
        assert!(!switchyard::store::project_exists(&mut c, "shop")
            .await
            .unwrap());
    }

    let report = run(&state, &opts(&server.base, &pat, true))
        .await
        .expect("apply");
    let text = report.render();
    assert!(report.applied);
    assert_eq!(report.counts("environments").created, 1, "{text}");
    assert_eq!(report.counts("projects").created, 1, "{text}");
    assert_eq!(report.counts("context fields").created, 1, "{text}");
    assert_eq!(report.counts("segments").created, 1, "{text}");
    assert_eq!(report.counts("tag types").created, 1, "{text}");
    assert_eq!(report.counts("strategy definitions").created, 1, "{text}");
    assert_eq!(report.counts("flags").created, 3, "{text}");
    assert_eq!(report.counts("strategies").created, 3, "{text}");
    assert_eq!(report.counts("dependencies").created, 1, "{text}");
    assert_eq!(report.counts("users").created, 2, "{text}");
    // Eve as Member, and the source admin as Owner of the project they created.
    assert_eq!(report.counts("project roles").created, 2, "{text}");
    assert_eq!(report.counts("flag tags").created, 1, "{text}");
    // A Switchyard source keeps only digests of its tokens, so it cannot hand them over.
    assert_eq!(report.counts("API tokens").skipped, 1, "{text}");
    assert!(text.contains("did not reveal its secret"), "{text}");
    assert!(!text.contains(&pat), "the source token must not be printed");
    assert_eq!(report.reset_links.len(), 2);

    // Second apply: nothing changes, and the report says so.
    let again = run(&state, &opts(&server.base, &pat, true))
        .await
        .expect("again");
    assert!(!again.changed(), "{}", again.render());
    assert!(again.render().contains("Nothing to change"));
    assert!(again.reset_links.is_empty());

    // Everything arrived: compare through both Admin APIs.
    let router = switchyard::app(state.clone());
    let admin_link = report
        .reset_links
        .iter()
        .find(|l| l.user == "admin")
        .expect("admin link")
        .url
        .clone();
    let t_admin = sign_in_with_link(&router, &admin_link, "admin").await;
    let s_admin = source.admin().await;
    for flag in ["parent", "checkout"] {
        let path = format!("/api/admin/projects/shop/features/{flag}");
        let s = source.get(&path, &s_admin).await.expect(200);
        let t = common::call(&router, "GET", &path, None, &t_admin)
            .await
            .expect(200);
        assert_eq!(flag_view(&t.json), flag_view(&s.json), "flag {flag}");
    }
    let t_tags = common::call(
        &router,
        "GET",
        "/api/admin/features/checkout/tags",
        None,
        &t_admin,
    )
    .await
    .expect(200);
    assert_eq!(
        t_tags.json["tags"],
        json!([{"type": "team", "value": "payments"}])
    );
    let archived = common::call(
        &router,
        "GET",
        "/api/admin/search/features?project=IS:shop&archived=IS:true",
        None,
        &t_admin,
    )
    .await
    .expect(200);
    let names: Vec<&str> = archived.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["old-flag"]);
    for (path, key) in [
        ("/api/admin/context", ""),
        ("/api/admin/segments", "segments"),
        ("/api/admin/tag-types", "tagTypes"),
        ("/api/admin/environments", "environments"),
    ] {
        let s = source.get(path, &s_admin).await.expect(200);
        let t = common::call(&router, "GET", path, None, &t_admin)
            .await
            .expect(200);
        let pick = |v: &Value| -> Vec<Value> {
            let arr = if key.is_empty() {
                v.clone()
            } else {
                v[key].clone()
            };
            let mut out: Vec<Value> = arr
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    json!({"name": x["name"], "description": x["description"], "constraints": x["constraints"],
                           "legalValues": x["legalValues"], "type": x["type"], "sortOrder": x["sortOrder"],
                           "enabled": x["enabled"], "stickiness": x["stickiness"]})
                })
                .collect();
            out.sort_by_key(|x| x["name"].to_string());
            out
        };
        assert_eq!(pick(&t.json), pick(&s.json), "{path}");
    }
    let users = common::call(&router, "GET", "/api/admin/user-admin", None, &t_admin)
        .await
        .expect(200);
    let eve = users.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "eve")
        .expect("eve imported")
        .clone();
    assert_eq!(eve["email"], "eve@example.com");
    let access = common::call(
        &router,
        "GET",
        "/api/admin/projects/shop/access",
        None,
        &t_admin,
    )
    .await
    .expect(200);
    assert!(access.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == "eve"));
    // Eve's link works too.
    let eve_link = report
        .reset_links
        .iter()
        .find(|l| l.user == "eve")
        .unwrap()
        .url
        .clone();
    sign_in_with_link(&router, &eve_link, "eve").await;

    // SDKs see the same flags: client tokens on both sides, same body.
    let mk = |r: &axum::Router, a: &Auth| {
        let r = r.clone();
        let a = a.clone();
        async move {
            let res = common::call(
                &r,
                "POST",
                "/api/admin/api-tokens",
                Some(json!({"tokenName": "cmp", "type": "client", "environment": "development", "projects": ["*"]})),
                &a,
            )
            .await
            .expect(201);
            res.json["secret"].as_str().unwrap().to_string()
        }
    };
    let s_tok = mk(&source.router, &s_admin).await;
    let t_tok = mk(&router, &t_admin).await;
    let s_body = source
        .get("/api/client/features", &Auth::Token(s_tok))
        .await
        .expect(200);
    let t_body = common::call(
        &router,
        "GET",
        "/api/client/features",
        None,
        &Auth::Token(t_tok),
    )
    .await
    .expect(200);
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("meta");
        v
    };
    assert_eq!(strip(&t_body.json), strip(&s_body.json));
    server.stop().await;
}

#[tokio::test]
async fn clear_errors_for_bad_url_token_and_server() {
    let source = TestApp::new().await;
    let admin = source.admin().await;
    let pat = source
        .post(
            "/api/admin/user/tokens",
            json!({"description": "import", "expiresAt": "2099-01-01T00:00:00Z"}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let server = RunningServer::start(source.state.clone()).await;
    let db = TestDb::new().await;
    let state = target(&db).await;

    let err = |r: anyhow::Result<_>| format!("{:#}", r.expect_err("an error"));
    let e = err(run(&state, &opts("not a url", &pat, false)).await);
    assert!(e.contains("not a valid URL"), "{e}");
    let e = err(run(&state, &opts("ftp://example.com", &pat, false)).await);
    assert!(e.contains("http://"), "{e}");
    let e = err(run(&state, &opts("http://127.0.0.1:1", &pat, false)).await);
    assert!(e.contains("cannot reach"), "{e}");
    let e = err(run(
        &state,
        &opts(&format!("{}/static", server.base), &pat, false),
    )
    .await);
    assert!(e.contains("does not look like an Unleash server"), "{e}");
    let e = err(run(&state, &opts(&server.base, "user:not-a-real-token", false)).await);
    assert!(e.contains("refused the token") && e.contains("401"), "{e}");
    assert!(
        !e.contains("not-a-real-token"),
        "the token must not be echoed: {e}"
    );
    // A frontend token is refused on the Admin API (403 or 401).
    let (_, viewer) = source.user("vic", "Viewer").await;
    let vpat = source
        .post(
            "/api/admin/user/tokens",
            json!({"description": "v", "expiresAt": "2099-01-01T00:00:00Z"}),
            &viewer,
        )
        .await
        .json["secret"]
        .as_str()
        .map(str::to_string);
    if let Some(vpat) = vpat {
        let e = err(run(&state, &opts(&server.base, &vpat, false)).await);
        assert!(e.contains("refused the token"), "{e}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_binary_runs_the_import() {
    let source = TestApp::new().await;
    let pat = seed(&source).await;
    let server = RunningServer::start(source.state.clone()).await;
    let db = TestDb::new().await;
    let bin = env!("CARGO_BIN_EXE_switchyard");
    let run_bin = |args: Vec<String>| {
        let url = db.url.clone();
        async move {
            tokio::process::Command::new(bin)
                .arg("import-unleash")
                .args(args)
                .env("DATABASE_URL", url)
                .env("MALLOC_ARENA_MAX", "2")
                .output()
                .await
                .expect("run binary")
        }
    };
    let a = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let out = run_bin(a(&["--url", &server.base, "--token", &pat])).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("dry run"), "{stdout}");
    let out = run_bin(a(&["--url", &server.base, "--token", &pat, "--apply"])).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("/reset-password?token="), "{stdout}");
    assert!(!stdout.contains(&pat));
    let out = run_bin(a(&["--url", &server.base, "--token", &pat, "--apply"])).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("Nothing to change"), "{stdout}");
    let out = run_bin(a(&["--url", &server.base, "--token", "user:wrong"])).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("refused the token"), "{stderr}");
    server.stop().await;
}
