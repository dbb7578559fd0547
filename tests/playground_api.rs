//! The playground: `/api/admin/playground` and `/api/admin/playground/advanced`. Every flag
//! of the chosen projects evaluated for a context, explained per strategy, segment and
//! constraint, and always agreeing with what an SDK gets from the frontend API.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

const BASE: &str = "/api/admin/projects/default/features";

async fn flag_in(app: &TestApp, auth: &Auth, project: &str, name: &str) {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        json!({"name": name}),
        auth,
    )
    .await
    .expect(201);
}

async fn add_strategy(app: &TestApp, auth: &Auth, name: &str, strategy: Value) -> String {
    let res = app
        .post(
            &format!("{BASE}/{name}/environments/development/strategies"),
            strategy,
            auth,
        )
        .await
        .expect(200);
    res.json["id"].as_str().expect("strategy id").to_string()
}

async fn turn_on(app: &TestApp, auth: &Auth, project: &str, name: &str) {
    app.post(
        &format!("/api/admin/projects/{project}/features/{name}/environments/development/on"),
        json!({}),
        auth,
    )
    .await
    .expect(200);
}

/// A flag with two strategies: one for user 7 in the EU (a constraint and a segment), one
/// for beta testers of a SemVer range.
async fn seed_two_strategies(app: &TestApp, admin: &Auth) -> (String, String, i64) {
    flag_in(app, admin, "default", "checkout").await;
    let segment = app
        .post(
            "/api/admin/segments",
            json!({"name": "europe", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}),
            admin,
        )
        .await
        .expect(201)
        .json["id"]
        .as_i64()
        .expect("segment id");
    let first = add_strategy(
        app,
        admin,
        "checkout",
        json!({
            "name": "default",
            "title": "User seven in Europe",
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["7"]}],
            "segments": [segment],
        }),
    )
    .await;
    let second = add_strategy(
        app,
        admin,
        "checkout",
        json!({
            "name": "flexibleRollout",
            "parameters": {"rollout": "100", "stickiness": "default", "groupId": "checkout"},
            "constraints": [
                {"contextName": "tier", "operator": "IN", "values": ["beta"]},
                {"contextName": "version", "operator": "SEMVER_GTE", "value": "2.0.0"}
            ],
            "variants": [{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default", "payload": {"type": "string", "value": "b"}}],
        }),
    )
    .await;
    turn_on(app, admin, "default", "checkout").await;
    (first, second, segment)
}

fn feature<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {body}"))
}

fn results(list: &Value) -> Vec<Value> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|c| c["result"].clone())
        .collect()
}

#[tokio::test]
async fn explains_each_strategy_and_constraint() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (first, second, segment) = seed_two_strategies(&app, &admin).await;
    let (_, viewer) = app.user("vic", "Viewer").await;

    // User 7 in the US, a beta tester on 2.1.0: the first strategy fails on its segment, the
    // second one matches.
    let res = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "projects": "*", "context": {
                "appName": "shop", "userId": "7",
                "properties": {"region": "us", "tier": "beta", "version": "2.1.0"}
            }}),
            &viewer,
        )
        .await
        .expect(200);
    assert_eq!(res.json["input"]["environment"], "development");
    assert_eq!(res.json["input"]["projects"], "*");
    assert_eq!(res.json["input"]["context"]["userId"], "7");
    let f = feature(&res.json, "checkout");
    assert_eq!(f["projectId"], "default");
    assert_eq!(f["isEnabledInCurrentEnvironment"], true);
    assert_eq!(f["isEnabled"], true);
    assert_eq!(f["hasUnsatisfiedDependency"], false);
    assert_eq!(f["strategies"]["result"], true);
    assert_eq!(f["variant"]["name"], "blue");
    assert_eq!(f["variant"]["enabled"], true);
    assert_eq!(
        f["variant"]["payload"],
        json!({"type": "string", "value": "b"})
    );
    let data = f["strategies"]["data"].as_array().expect("strategies");
    assert_eq!(data.len(), 2);

    let s1 = &data[0];
    assert_eq!(s1["id"], first.as_str());
    assert_eq!(s1["name"], "default");
    assert_eq!(s1["title"], "User seven in Europe");
    assert_eq!(s1["disabled"], false);
    assert_eq!(
        s1["result"],
        json!({"evaluationStatus": "complete", "enabled": false, "variant": null, "variants": []})
    );
    assert_eq!(
        s1["constraints"],
        json!([{"contextName": "userId", "operator": "IN", "values": ["7"], "inverted": false, "caseInsensitive": false, "result": true}])
    );
    assert_eq!(s1["segments"][0]["id"], segment);
    assert_eq!(s1["segments"][0]["name"], "europe");
    assert_eq!(s1["segments"][0]["result"], false);
    assert_eq!(s1["segments"][0]["constraints"][0]["contextName"], "region");
    assert_eq!(s1["segments"][0]["constraints"][0]["result"], false);
    assert_eq!(
        s1["links"]["edit"],
        format!("/projects/default/features/checkout/strategies/edit?environmentId=development&strategyId={first}")
    );

    let s2 = &data[1];
    assert_eq!(s2["id"], second.as_str());
    assert_eq!(s2["name"], "flexibleRollout");
    assert_eq!(s2["result"]["evaluationStatus"], "complete");
    assert_eq!(s2["result"]["enabled"], true);
    assert_eq!(s2["result"]["variant"]["name"], "blue");
    assert_eq!(s2["result"]["variants"][0]["name"], "blue");
    assert_eq!(results(&s2["constraints"]), vec![json!(true), json!(true)]);
    assert_eq!(s2["constraints"][1]["value"], "2.0.0");
    assert_eq!(s2["parameters"]["rollout"], "100");
    assert_eq!(s2["segments"], json!([]));

    // An old version in Europe: the first strategy matches, the second fails on one constraint.
    let res = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "context": {
                "appName": "shop", "userId": "7",
                "properties": {"region": "eu", "tier": "beta", "version": "1.9.0"}
            }}),
            &viewer,
        )
        .await
        .expect(200);
    let f = feature(&res.json, "checkout");
    assert_eq!(f["isEnabled"], true);
    // The matching strategy has no variants: the flag falls back to its own (none).
    assert_eq!(f["variant"]["name"], "disabled");
    let data = &f["strategies"]["data"];
    assert_eq!(data[0]["result"]["enabled"], true);
    assert_eq!(data[0]["segments"][0]["result"], true);
    assert_eq!(data[1]["result"]["enabled"], false);
    assert_eq!(
        results(&data[1]["constraints"]),
        vec![json!(true), json!(false)]
    );

    // Nobody matches: off, and every failing piece says so.
    let res = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "context": {"appName": "shop", "userId": "8"}}),
            &viewer,
        )
        .await
        .expect(200);
    let f = feature(&res.json, "checkout");
    assert_eq!(f["isEnabled"], false);
    assert_eq!(f["strategies"]["result"], false);
    assert_eq!(
        f["variant"],
        json!({"name": "disabled", "enabled": false, "feature_enabled": false, "featureEnabled": false})
    );
    assert_eq!(
        results(&f["strategies"]["data"][0]["constraints"]),
        vec![json!(false)]
    );
    assert_eq!(
        results(&f["strategies"]["data"][1]["constraints"]),
        vec![json!(false), json!(false)]
    );
}

#[tokio::test]
async fn agrees_with_the_frontend_api() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    seed_two_strategies(&app, &admin).await;
    // A half rollout on user id: the playground's answer must be the SDK's, user by user.
    flag_in(&app, &admin, "default", "half").await;
    add_strategy(
        &app,
        &admin,
        "half",
        json!({"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "userId", "groupId": "half"}}),
    )
    .await;
    turn_on(&app, &admin, "default", "half").await;
    let token = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "fe", "type": "frontend", "environment": "development", "projects": ["*"]}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let frontend = Auth::Token(token);
    // The SDK APIs read a cached snapshot that refreshes within a fraction of a second.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut on = 0;
    for user in 0..40 {
        let ctx = json!({"appName": "shop", "userId": user.to_string(), "properties": {"tier": "beta", "version": "3.0.0"}});
        let play = app
            .post(
                "/api/admin/playground",
                json!({"environment": "development", "context": ctx}),
                &admin,
            )
            .await
            .expect(200);
        let sdk = app
            .post("/api/frontend", json!({"context": ctx}), &frontend)
            .await
            .expect(200);
        for name in ["checkout", "half"] {
            let from_sdk = sdk.json["toggles"]
                .as_array()
                .expect("toggles")
                .iter()
                .find(|t| t["name"] == name);
            let f = feature(&play.json, name);
            assert_eq!(
                f["isEnabled"],
                json!(from_sdk.is_some()),
                "{name} for user {user}"
            );
            if let Some(t) = from_sdk {
                assert_eq!(f["variant"]["name"], t["variant"]["name"]);
            }
            // The explanation agrees with the result.
            assert_eq!(f["strategies"]["result"], f["isEnabled"]);
        }
        if feature(&play.json, "half")["isEnabled"] == true {
            on += 1;
        }
    }
    assert!(on > 5 && on < 35, "a 50% rollout enabled {on} of 40 users");
}

#[tokio::test]
async fn filters_by_project() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "mobile", "name": "Mobile"}),
        &admin,
    )
    .await
    .expect(201);
    flag_in(&app, &admin, "default", "web-flag").await;
    flag_in(&app, &admin, "mobile", "app-flag").await;
    turn_on(&app, &admin, "mobile", "app-flag").await;

    let names = |body: &Value| -> Vec<String> {
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let ctx = json!({"appName": "a"});
    let all = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "projects": "*", "context": ctx}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(names(&all.json), vec!["app-flag", "web-flag"]);
    let mobile = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "projects": ["mobile"], "context": ctx}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(names(&mobile.json), vec!["app-flag"]);
    assert_eq!(mobile.json["input"]["projects"], json!(["mobile"]));
    let f = feature(&mobile.json, "app-flag");
    assert_eq!(f["projectId"], "mobile");
    assert_eq!(f["isEnabled"], true);
    let none = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "projects": ["nowhere"], "context": ctx}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(none.json["features"], json!([]));
    // A flag that is off in the environment is listed, and says why it is off.
    let web = feature(&all.json, "web-flag");
    assert_eq!(web["isEnabledInCurrentEnvironment"], false);
    assert_eq!(web["isEnabled"], false);
}

#[tokio::test]
async fn validates_input() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let cases = [
        (
            json!({"environment": "staging-x", "context": {"appName": "a"}}),
            "/body/environment",
            "staging-x",
        ),
        (
            json!({"context": {"appName": "a"}}),
            "/body/environment",
            "required",
        ),
        (
            json!({"environment": "development"}),
            "/body/context",
            "required",
        ),
        (
            json!({"environment": "development", "context": {}}),
            "/body/context/appName",
            "required",
        ),
        (
            json!({"environment": "development", "context": {"appName": ""}}),
            "/body/context/appName",
            "empty",
        ),
        (
            json!({"environment": "development", "projects": "default", "context": {"appName": "a"}}),
            "/body/projects",
            "\"*\"",
        ),
        (
            json!({"environment": "development", "context": {"appName": "a", "currentTime": "yesterday"}}),
            "/body/context/currentTime",
            "date-time",
        ),
        (
            json!({"environment": "development", "context": {"appName": "a", "properties": {"n": 1}}}),
            "/body/context/properties/n",
            "string",
        ),
    ];
    for (body, path, fragment) in cases {
        let res = app
            .post("/api/admin/playground", body.clone(), &admin)
            .await
            .expect(400);
        assert_eq!(res.json["name"], "BadDataError", "{body}");
        assert_eq!(res.json["details"][0]["path"], path, "{body}: {}", res.text);
        let message = res.json["details"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(fragment), "{body}: {message}");
    }
    // Not signed in → 401; no JSON → 415; an SDK token is not an Admin API caller.
    app.post(
        "/api/admin/playground",
        json!({"environment": "development", "context": {"appName": "a"}}),
        &Auth::None,
    )
    .await
    .expect(401);
    let res = app
        .call("POST", "/api/admin/playground", None, &admin)
        .await;
    assert_eq!(res.status.as_u16(), 415, "{}", res.text);
}

#[tokio::test]
async fn reports_custom_disabled_and_dependent() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/strategies",
        json!({"name": "my-custom", "parameters": []}),
        &admin,
    )
    .await
    .expect(201);
    flag_in(&app, &admin, "default", "custom").await;
    add_strategy(
        &app,
        &admin,
        "custom",
        json!({"name": "my-custom", "parameters": {}}),
    )
    .await;
    let off = add_strategy(
        &app,
        &admin,
        "custom",
        json!({"name": "default", "disabled": true}),
    )
    .await;
    turn_on(&app, &admin, "default", "custom").await;
    // A child of a parent that is off.
    flag_in(&app, &admin, "default", "parent").await;
    flag_in(&app, &admin, "default", "child").await;
    add_strategy(&app, &admin, "child", json!({"name": "default"})).await;
    turn_on(&app, &admin, "default", "child").await;
    app.post(
        &format!("{BASE}/child/dependencies"),
        json!({"feature": "parent"}),
        &admin,
    )
    .await
    .expect(200);

    let res = app
        .post(
            "/api/admin/playground",
            json!({"environment": "development", "context": {"appName": "a"}}),
            &admin,
        )
        .await
        .expect(200);
    let custom = feature(&res.json, "custom");
    // The engine cannot run a custom strategy: unknown to the playground, off for SDKs.
    assert_eq!(custom["strategies"]["result"], "unknown");
    assert_eq!(custom["isEnabled"], false);
    let data = custom["strategies"]["data"].as_array().expect("data");
    assert_eq!(
        data[0]["result"],
        json!({"evaluationStatus": "incomplete", "enabled": "unknown"})
    );
    assert_eq!(data[1]["id"], off.as_str());
    assert_eq!(data[1]["disabled"], true);
    assert_eq!(data[1]["result"]["evaluationStatus"], "unevaluated");

    let child = feature(&res.json, "child");
    assert_eq!(child["strategies"]["result"], true);
    assert_eq!(child["hasUnsatisfiedDependency"], true);
    assert_eq!(child["isEnabled"], false);
    assert_eq!(
        feature(&res.json, "parent")["hasUnsatisfiedDependency"],
        false
    );
}

#[tokio::test]
async fn advanced_playground_combines_environments_and_values() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    seed_two_strategies(&app, &admin).await;
    let res = app
        .post(
            "/api/admin/playground/advanced",
            json!({"environments": ["development", "production"], "projects": ["default"], "context": {
                "appName": "shop", "userId": "7,8", "properties": {"region": "eu"}, "odd": {"x": 1}
            }}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json["input"]["environments"],
        json!(["development", "production"])
    );
    assert_eq!(
        res.json["warnings"]["invalidContextProperties"],
        json!(["odd"])
    );
    let f = feature(&res.json, "checkout");
    assert_eq!(f["projectId"], "default");
    let dev = f["environments"]["development"].as_array().expect("dev");
    let prod = f["environments"]["production"].as_array().expect("prod");
    assert_eq!(dev.len(), 2);
    assert_eq!(prod.len(), 2);
    let by_user = |list: &[Value], user: &str| -> Value {
        list.iter()
            .find(|r| r["context"]["userId"] == user)
            .cloned()
            .unwrap_or_else(|| panic!("no result for user {user}"))
    };
    let seven = by_user(dev, "7");
    assert_eq!(seven["environment"], "development");
    assert_eq!(seven["context"]["region"], "eu");
    assert_eq!(seven["context"]["appName"], "shop");
    assert_eq!(seven["isEnabled"], true);
    assert_eq!(by_user(dev, "8")["isEnabled"], false);
    // Off in production, whatever the context.
    assert_eq!(by_user(prod, "7")["isEnabledInCurrentEnvironment"], false);
    assert_eq!(by_user(prod, "7")["isEnabled"], false);

    let res = app
        .post(
            "/api/admin/playground/advanced",
            json!({"environments": ["development", "nope"], "context": {"appName": "a"}}),
            &admin,
        )
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/environments/1");
    assert!(res.text.contains("nope"));
    app.post(
        "/api/admin/playground/advanced",
        json!({"environments": [], "context": {"appName": "a"}}),
        &admin,
    )
    .await
    .expect(400);
    let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    let res = app
        .post(
            "/api/admin/playground/advanced",
            json!({"environments": ["development"], "context": {"appName": "a", "userId": many.join(","), "sessionId": many.join(",")}}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.text.contains("combinations"), "{}", res.text);
}
