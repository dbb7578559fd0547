//! Applications and their usage as the Admin API shows them, fed through the client API as
//! an SDK would: one application (read, save, delete), its overview, a project's
//! applications, raw flag usage, outdated SDKs and unknown flags.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

async fn client_token(app: &TestApp, admin: &Auth, environment: &str) -> Auth {
    let res = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": format!("sdk-{environment}"), "type": "client", "environment": environment}),
            admin,
        )
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().unwrap().to_string())
}

async fn flag(app: &TestApp, admin: &Auth, project: &str, name: &str) {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        json!({"name": name}),
        admin,
    )
    .await
    .expect(201);
}

async fn register(app: &TestApp, token: &Auth, app_name: &str, instance: &str, sdk: &str) {
    app.post(
        "/api/client/register",
        json!({"appName": app_name, "instanceId": instance, "sdkVersion": sdk, "strategies": ["default", "my-custom"], "started": "2026-01-01T00:00:00Z", "interval": 10000}),
        token,
    )
    .await
    .expect(202);
}

async fn report(app: &TestApp, token: &Auth, app_name: &str, instance: &str, toggles: Value) {
    let now = chrono::Utc::now().to_rfc3339();
    app.post(
        "/api/client/metrics",
        json!({"appName": app_name, "instanceId": instance, "bucket": {"start": now, "stop": now, "toggles": toggles}}),
        token,
    )
    .await
    .expect(202);
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_application_can_be_read_saved_and_deleted() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let sdk = client_token(&app, &admin, "development").await;
    flag(&app, &admin, "default", "checkout-v2").await;
    register(&app, &sdk, "shop", "pod-1", "unleash-client-node:6.1.0").await;
    report(
        &app,
        &sdk,
        "shop",
        "pod-1",
        json!({"checkout-v2": {"yes": 2, "no": 1}, "ghost-flag": {"yes": 1, "no": 0}}),
    )
    .await;

    let got = app
        .get("/api/admin/metrics/applications/shop", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(got["appName"], "shop");
    assert_eq!(got["links"]["self"], "/api/applications/shop");
    assert_eq!(got["strategies"][0]["name"], "default");
    assert!(got["strategies"][0].get("notFound").is_none(), "{got}");
    assert_eq!(
        got["strategies"][1],
        json!({"name": "my-custom", "notFound": true})
    );
    assert_eq!(got["instances"].as_array().unwrap().len(), 1);
    assert_eq!(got["instances"][0]["instanceId"], "pod-1");
    assert_eq!(
        got["instances"][0]["sdkVersion"],
        "unleash-client-node:6.1.0"
    );
    assert_eq!(got["instances"][0]["environment"], "development");
    let seen = got["seenToggles"].as_array().unwrap();
    assert_eq!(seen.len(), 2, "{got}");
    assert_eq!(seen[0]["name"], "checkout-v2");
    assert_eq!(seen[0]["project"], "default");
    assert_eq!(seen[1], json!({"name": "ghost-flag", "notFound": true}));

    let missing = app
        .get("/api/admin/metrics/applications/nope", &admin)
        .await
        .expect(404);
    assert_eq!(missing.json["name"], "NotFoundError");
    assert_eq!(missing.json["message"], "Could not find appName=nope");

    // Details: saved on an existing application without an event.
    app.post(
        "/api/admin/metrics/applications/shop",
        json!({"description": "The web shop", "url": "https://shop.example.com", "color": "red", "icon": "cart"}),
        &admin,
    )
    .await
    .expect(202);
    let got = app
        .get("/api/admin/metrics/applications/shop", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(got["description"], "The web shop");
    assert_eq!(got["url"], "https://shop.example.com");
    assert_eq!(got["color"], "red");
    assert_eq!(got["icon"], "cart");
    assert_eq!(
        got["strategies"].as_array().unwrap().len(),
        2,
        "strategies kept"
    );

    // A new application from the Admin API is created, with an event.
    app.post(
        "/api/admin/metrics/applications/billing",
        json!({"description": "Invoices"}),
        &admin,
    )
    .await
    .expect(202);
    let events = app.get("/api/admin/events", &admin).await.expect(200).json;
    let created: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "application-created")
        .collect();
    assert_eq!(created.len(), 1, "{events}");
    assert_eq!(created[0]["data"]["appName"], "billing");
    assert_eq!(created[0]["data"]["description"], "Invoices");
    let got = app
        .get("/api/admin/metrics/applications/billing", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(got["description"], "Invoices");
    assert_eq!(got["instances"], json!([]));

    // Wrong types are refused, naming the field.
    let bad = app
        .post(
            "/api/admin/metrics/applications/shop",
            json!({"url": 5}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(bad.json["details"][0]["path"], "/body/url", "{}", bad.text);
    let bad = app
        .post(
            "/api/admin/metrics/applications/shop",
            json!({"strategies": "default"}),
            &admin,
        )
        .await
        .expect(400);
    assert!(bad.text.contains("strategies"), "{}", bad.text);

    // Viewers may read but not change.
    let (_, viewer) = app.user("vic", "Viewer").await;
    app.get("/api/admin/metrics/applications/shop", &viewer)
        .await
        .expect(200);
    app.post(
        "/api/admin/metrics/applications/shop",
        json!({"description": "x"}),
        &viewer,
    )
    .await
    .expect(403);
    app.delete("/api/admin/metrics/applications/shop", &viewer)
        .await
        .expect(403);
    app.get("/api/admin/metrics/applications/shop", &Auth::None)
        .await
        .expect(401);

    // Delete removes the application and its instances; deleting again is fine.
    app.delete("/api/admin/metrics/applications/shop", &admin)
        .await
        .expect(200);
    app.get("/api/admin/metrics/applications/shop", &admin)
        .await
        .expect(404);
    let instances = app
        .get(
            "/api/admin/metrics/instances/shop/environment/development",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(instances.json["instances"], json!([]));
    app.delete("/api/admin/metrics/applications/shop", &admin)
        .await
        .expect(200);
}

#[tokio::test]
async fn the_overview_shows_projects_environments_and_issues() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "payments", "name": "Payments"}),
        &admin,
    )
    .await
    .expect(201);
    flag(&app, &admin, "default", "f-one").await;
    flag(&app, &admin, "payments", "f-two").await;
    let dev = client_token(&app, &admin, "development").await;
    let prod = client_token(&app, &admin, "production").await;
    register(&app, &dev, "shop", "dev-1", "unleash-client-node:5.0.0").await;
    register(&app, &prod, "shop", "prod-1", "unleash-client-node:6.0.0").await;
    register(&app, &prod, "shop", "prod-2", "unleash-client-js:3.2.0").await;
    report(
        &app,
        &dev,
        "shop",
        "dev-1",
        json!({"f-one": {"yes": 1, "no": 0}, "missing-one": {"yes": 0, "no": 4}}),
    )
    .await;
    report(
        &app,
        &prod,
        "shop",
        "prod-1",
        json!({"f-two": {"yes": 1, "no": 1}}),
    )
    .await;

    let o = app
        .get("/api/admin/metrics/applications/shop/overview", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(strings(&o["projects"]), ["default", "payments"]);
    assert_eq!(o["featureCount"], 2);
    assert_eq!(strings(&o["issues"]["missingStrategies"]), ["my-custom"]);
    let envs = o["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2, "{o}");
    assert_eq!(envs[0]["name"], "development");
    assert_eq!(envs[0]["instanceCount"], 1);
    assert_eq!(strings(&envs[0]["sdks"]), ["unleash-client-node:5.0.0"]);
    assert_eq!(
        strings(&envs[0]["issues"]["outdatedSdks"]),
        ["unleash-client-node:5.0.0"]
    );
    assert_eq!(
        strings(&envs[0]["issues"]["missingFeatures"]),
        ["missing-one"]
    );
    assert!(envs[0]["lastSeen"].is_string());
    assert_eq!(envs[1]["name"], "production");
    assert_eq!(envs[1]["instanceCount"], 2);
    assert_eq!(
        strings(&envs[1]["frontendSdks"]),
        ["unleash-client-js:3.2.0"]
    );
    assert_eq!(
        strings(&envs[1]["backendSdks"]),
        ["unleash-client-node:6.0.0"]
    );
    assert_eq!(envs[1]["issues"]["outdatedSdks"], json!([]));
    assert_eq!(envs[1]["issues"]["missingFeatures"], json!([]));

    app.get("/api/admin/metrics/applications/nope/overview", &admin)
        .await
        .expect(404);

    // Outdated SDKs: everywhere, and for the applications using a project's flags.
    register(&app, &dev, "legacy", "old-1", "unleash-client-java:8.0.0").await;
    let out = app
        .get("/api/admin/metrics/sdks/outdated", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        out,
        json!({"sdks": [
            {"sdkVersion": "unleash-client-java:8.0.0", "applications": ["legacy"]},
            {"sdkVersion": "unleash-client-node:5.0.0", "applications": ["shop"]},
        ]})
    );
    let out = app
        .get("/api/admin/projects/payments/sdks/outdated", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        out,
        json!({"sdks": [{"sdkVersion": "unleash-client-node:5.0.0", "applications": ["shop"]}]})
    );
    let none = app
        .get("/api/admin/projects/nope/sdks/outdated", &admin)
        .await
        .expect(200);
    assert_eq!(none.json, json!({"sdks": []}));
}

#[tokio::test]
async fn a_project_lists_the_applications_using_its_flags() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "payments", "name": "Payments"}),
        &admin,
    )
    .await
    .expect(201);
    flag(&app, &admin, "default", "f-one").await;
    flag(&app, &admin, "payments", "f-two").await;
    let dev = client_token(&app, &admin, "development").await;
    for (name, sdk) in [
        ("alpha", "unleash-client-node:6.0.0"),
        ("beta", "unleash-client-go:4.0.0"),
        ("gamma", "unleash-client-node:6.1.0"),
    ] {
        register(&app, &dev, name, &format!("{name}-1"), sdk).await;
        report(
            &app,
            &dev,
            name,
            &format!("{name}-1"),
            json!({"f-one": {"yes": 1, "no": 0}}),
        )
        .await;
    }
    report(
        &app,
        &dev,
        "beta",
        "beta-1",
        json!({"f-two": {"yes": 1, "no": 0}}),
    )
    .await;

    let all = app
        .get("/api/admin/projects/default/applications", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(all["total"], 3);
    let names: Vec<_> = all["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert_eq!(
        all["applications"][0],
        json!({"name": "alpha", "environments": ["development"], "instances": ["alpha-1"], "sdks": [{"name": "unleash-client-node", "versions": ["6.0.0"]}]})
    );

    let page = app
        .get(
            "/api/admin/projects/default/applications?limit=1&offset=1&sortOrder=desc",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(page["total"], 3);
    assert_eq!(page["applications"].as_array().unwrap().len(), 1);
    assert_eq!(page["applications"][0]["name"], "beta");

    let q = app
        .get(
            "/api/admin/projects/default/applications?query=NODE",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(q["total"], 2, "{q}");
    let q = app
        .get(
            "/api/admin/projects/default/applications?query=gamma,ALPHA",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(q["total"], 2, "{q}");
    assert_eq!(q["applications"][0]["name"], "alpha");
    assert_eq!(q["applications"][1]["name"], "gamma");

    let payments = app
        .get("/api/admin/projects/payments/applications", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(payments["total"], 1);
    assert_eq!(payments["applications"][0]["name"], "beta");

    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=99999999999", "offset"),
    ] {
        let bad = app
            .get(
                &format!("/api/admin/projects/default/applications?{query}"),
                &admin,
            )
            .await
            .expect(400);
        assert_eq!(
            bad.json["details"][0]["path"],
            format!("/query/{param}"),
            "{query}: {}",
            bad.text
        );
        assert!(bad.text.contains(param), "{}", bad.text);
    }
    let asc = app
        .get(
            "/api/admin/projects/default/applications?sortOrder=sideways",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(asc.json["applications"][0]["name"], "alpha");
    let none = app
        .get("/api/admin/projects/nope/applications", &admin)
        .await
        .expect(200);
    assert_eq!(none.json, json!({"total": 0, "applications": []}));

    // A deleted application is no longer listed.
    app.delete("/api/admin/metrics/applications/alpha", &admin)
        .await
        .expect(200);
    let after = app
        .get("/api/admin/projects/default/applications", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(after["total"], 2, "{after}");
    assert_eq!(after["applications"][0]["name"], "beta");
}

#[tokio::test]
async fn raw_usage_comes_in_hourly_rows() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "default", "f-one").await;
    let dev = client_token(&app, &admin, "development").await;
    report(
        &app,
        &dev,
        "shop",
        "pod-1",
        json!({"f-one": {"yes": 3, "no": 1, "variants": {"blue": 2}}}),
    )
    .await;
    report(
        &app,
        &dev,
        "shop",
        "pod-1",
        json!({"f-one": {"yes": 1, "no": 1}}),
    )
    .await;
    report(
        &app,
        &dev,
        "web",
        "pod-9",
        json!({"f-one": {"yes": 5, "no": 0}}),
    )
    .await;

    // By default 24 hourly rows per environment and application, oldest first, with zero
    // counts for hours without reports.
    let raw = app
        .get("/api/admin/client-metrics/features/f-one/raw", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(raw["version"], 1);
    assert_eq!(raw["maturity"], "stable");
    let data = raw["data"].as_array().unwrap();
    assert_eq!(data.len(), 48, "{raw}");
    let stamps: Vec<&str> = data
        .iter()
        .map(|r| r["timestamp"].as_str().unwrap())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_unstable();
    assert_eq!(stamps, sorted, "oldest first");
    assert!(stamps.iter().all(|t| t.ends_with(":00:00.000Z")));
    let nonzero: Vec<&Value> = data
        .iter()
        .filter(|r| r["yes"] != 0 || r["no"] != 0)
        .collect();
    assert_eq!(nonzero.len(), 2, "{raw}");
    assert_eq!(data[0]["yes"], 0);
    assert_eq!(data[0]["featureName"], "f-one");

    let one = app
        .get(
            "/api/admin/client-metrics/features/f-one/raw?hoursBack=1",
            &admin,
        )
        .await
        .expect(200)
        .json;
    let mut rows: Vec<Value> = one["data"].as_array().unwrap().clone();
    rows.sort_by_key(|r| r["appName"].as_str().unwrap().to_string());
    assert_eq!(rows.len(), 2, "{one}");
    assert_eq!(rows[0]["featureName"], "f-one");
    assert_eq!(rows[0]["appName"], "shop");
    assert_eq!(rows[0]["environment"], "development");
    assert_eq!(rows[0]["yes"], 4);
    assert_eq!(rows[0]["no"], 2);
    assert_eq!(rows[0]["timestamp"], nonzero[0]["timestamp"]);
    assert_eq!(rows[1]["appName"], "web");
    assert_eq!(rows[1]["yes"], 5);
    assert_eq!(rows[1]["no"], 0);

    let two = app
        .get(
            "/api/admin/client-metrics/features/f-one/raw?hoursBack=48",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(two["data"].as_array().unwrap().len(), 96);
    for bad in ["0", "49", "x", "-3"] {
        let res = app
            .get(
                &format!("/api/admin/client-metrics/features/f-one/raw?hoursBack={bad}"),
                &admin,
            )
            .await
            .expect(400);
        assert_eq!(res.json["details"][0]["path"], "/query/hoursBack");
        assert!(res.text.contains("hoursBack"), "{}", res.text);
    }
    let none = app
        .get("/api/admin/client-metrics/features/nope/raw", &admin)
        .await
        .expect(200);
    assert_eq!(none.json["data"], json!([]));
}

#[tokio::test]
async fn unknown_flags_are_listed_until_they_exist() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "default", "real-flag").await;
    let dev = client_token(&app, &admin, "development").await;
    let prod = client_token(&app, &admin, "production").await;
    report(
        &app,
        &dev,
        "shop",
        "pod-1",
        json!({"real-flag": {"yes": 1, "no": 0}, "typo-flag": {"yes": 1, "no": 0}}),
    )
    .await;
    report(
        &app,
        &prod,
        "shop",
        "pod-2",
        json!({"typo-flag": {"yes": 0, "no": 2}}),
    )
    .await;
    report(
        &app,
        &dev,
        "web",
        "b-1",
        json!({"typo-flag": {"yes": 1, "no": 0}, "other-typo": {"yes": 1, "no": 0}}),
    )
    .await;
    // Empty counts are not reports.
    report(
        &app,
        &dev,
        "web",
        "b-1",
        json!({"silent": {"yes": 0, "no": 0}}),
    )
    .await;

    let list = app
        .get("/api/admin/metrics/unknown-flags", &admin)
        .await
        .expect(200)
        .json;
    let flags = list["unknownFlags"].as_array().unwrap();
    let mut names: Vec<&str> = flags.iter().map(|f| f["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["other-typo", "typo-flag"], "{list}");
    let typo = flags.iter().find(|f| f["name"] == "typo-flag").unwrap();
    assert!(typo["lastSeenAt"].is_string());
    assert_eq!(typo["lastEventAt"], Value::Null);
    let reports = typo["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["appName"], "shop");
    let mut envs: Vec<&str> = reports[0]["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["environment"].as_str().unwrap())
        .collect();
    envs.sort_unstable();
    assert_eq!(envs, ["development", "production"]);
    assert_eq!(reports[1]["appName"], "web");

    // Once the flag exists it is no longer unknown.
    flag(&app, &admin, "default", "typo-flag").await;
    let list = app
        .get("/api/admin/metrics/unknown-flags", &admin)
        .await
        .expect(200)
        .json;
    let names: Vec<&str> = list["unknownFlags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["other-typo"]);
}
