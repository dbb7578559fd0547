//! A flag in one environment: enabling and disabling, activation strategies with parameters,
//! constraints, segments and variants, and a round trip of a fully dressed flag.

mod common;

use common::{Auth, TestApp};
use serde_json::{json, Value};

const BASE: &str = "/api/admin/projects/default/features";

async fn flag(app: &TestApp, auth: &Auth, name: &str) {
    app.post(BASE, json!({"name": name}), auth)
        .await
        .expect(201);
}

async fn segment(app: &TestApp, auth: &Auth, name: &str) -> i64 {
    let res = app
        .post("/api/admin/segments", json!({"name": name, "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}), auth)
        .await
        .expect(201);
    res.json["id"].as_i64().expect("segment id")
}

#[tokio::test]
async fn enable_and_disable() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "toggle").await;

    // Enabling without strategies adds Unleash's default one.
    app.post(
        &format!("{BASE}/toggle/environments/development/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let env = app
        .get(&format!("{BASE}/toggle/environments/development"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(env["enabled"], true);
    assert_eq!(env["environment"], "development");
    assert_eq!(env["featureName"], "toggle");
    let strategies = env["strategies"].as_array().unwrap();
    assert_eq!(strategies.len(), 1);
    assert_eq!(strategies[0]["name"], "flexibleRollout");
    assert_eq!(
        strategies[0]["parameters"],
        json!({"groupId": "toggle", "rollout": "100", "stickiness": "default"})
    );
    // Enabling again does not add another one; disabling keeps it.
    app.post(
        &format!("{BASE}/toggle/environments/development/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        &format!("{BASE}/toggle/environments/development/off"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);
    let env = app
        .get(&format!("{BASE}/toggle/environments/development"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(env["enabled"], false);
    assert_eq!(env["strategies"].as_array().unwrap().len(), 1);
    // Production is untouched.
    let prod = app
        .get(&format!("{BASE}/toggle/environments/production"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(prod["enabled"], false);
    assert_eq!(prod["strategies"], json!([]));

    // Unknown environment, project or flag: 404 naming it.
    let res = app
        .post(
            &format!("{BASE}/toggle/environments/staging/on"),
            json!({}),
            &admin,
        )
        .await
        .expect(404);
    assert!(res.json["message"].as_str().unwrap().contains("staging"));
    app.get(&format!("{BASE}/toggle/environments/staging"), &admin)
        .await
        .expect(404);
    app.post(
        "/api/admin/projects/ghost/features/toggle/environments/development/on",
        json!({}),
        &admin,
    )
    .await
    .expect(404);
    app.post(
        &format!("{BASE}/ghost/environments/development/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(404);

    // Bulk form, all or nothing.
    flag(&app, &admin, "bulk-a").await;
    flag(&app, &admin, "bulk-b").await;
    app.post(
        "/api/admin/projects/default/bulk_features/environments/production/on",
        json!({"features": ["bulk-a", "bulk-b"]}),
        &admin,
    )
    .await
    .expect(200);
    for n in ["bulk-a", "bulk-b"] {
        let env = app
            .get(&format!("{BASE}/{n}/environments/production"), &admin)
            .await
            .expect(200)
            .json;
        assert_eq!(env["enabled"], true, "{n}");
    }
    app.post(
        "/api/admin/projects/default/bulk_features/environments/production/off",
        json!({"features": ["bulk-a", "ghost"]}),
        &admin,
    )
    .await
    .expect(404);
    let env = app
        .get(&format!("{BASE}/bulk-a/environments/production"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        env["enabled"], true,
        "a failed bulk request changes nothing"
    );
    app.post(
        "/api/admin/projects/default/bulk_features/environments/production/off",
        json!({"features": ["bulk-a", "bulk-b"]}),
        &admin,
    )
    .await
    .expect(200);
    let env = app
        .get(&format!("{BASE}/bulk-b/environments/production"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(env["enabled"], false);
}

#[tokio::test]
async fn strategy_crud_and_order() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "s").await;
    let url = format!("{BASE}/s/environments/production/strategies");
    let seg = segment(&app, &admin, "europe").await;

    let first = app
        .post(
            &url,
            json!({"name": "flexibleRollout", "title": "Half", "parameters": {"rollout": 50, "stickiness": "userId", "groupId": "s"}, "segments": [seg]}),
            &admin,
        )
        .await
        .expect(200)
        .json;
    let id1 = first["id"].as_str().unwrap().to_string();
    assert_eq!(first["name"], "flexibleRollout");
    assert_eq!(first["title"], "Half");
    assert_eq!(first["disabled"], false);
    assert_eq!(first["featureName"], "s");
    assert_eq!(first["segments"], json!([seg]));
    assert_eq!(first["constraints"], json!([]));
    assert_eq!(first["variants"], json!([]));
    // Numbers become strings, as Unleash stores parameters.
    assert_eq!(first["parameters"]["rollout"], "50");
    let second = app
        .post(&url, json!({"name": "default"}), &admin)
        .await
        .expect(200)
        .json;
    let id2 = second["id"].as_str().unwrap().to_string();
    assert!(second["sortOrder"].as_i64().unwrap() > first["sortOrder"].as_i64().unwrap());

    let list = app.get(&url, &admin).await.expect(200).json;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id1.as_str(), id2.as_str()]);
    app.get(&format!("{url}/{id1}"), &admin).await.expect(200);
    // A strategy is found only in its own environment.
    app.get(
        &format!("{BASE}/s/environments/development/strategies/{id1}"),
        &admin,
    )
    .await
    .expect(404);
    app.get(&format!("{url}/not-an-id"), &admin)
        .await
        .expect(404);

    // PUT replaces the fields it names and keeps the others.
    let upd = app
        .put(&format!("{url}/{id1}"), json!({"parameters": {"rollout": "75", "stickiness": "default", "groupId": "s"}, "disabled": true}), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(upd["parameters"]["rollout"], "75");
    assert_eq!(upd["disabled"], true);
    assert_eq!(upd["title"], "Half");
    assert_eq!(upd["segments"], json!([seg]));
    // PATCH with JSON Patch.
    let patched = app
        .call(
            "PATCH",
            &format!("{url}/{id1}"),
            Some(json!([{"op": "replace", "path": "/title", "value": "Three quarters"}, {"op": "replace", "path": "/segments", "value": []}])),
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(patched["title"], "Three quarters");
    assert_eq!(patched["segments"], json!([]));
    assert_eq!(patched["parameters"]["rollout"], "75");
    app.call(
        "PATCH",
        &format!("{url}/{id1}"),
        Some(json!([{"op": "remove", "path": "/nothing"}])),
        &admin,
    )
    .await
    .expect(400);

    // Reorder.
    app.post(
        &format!("{url}/set-sort-order"),
        json!([{"id": id1, "sortOrder": 5}, {"id": id2, "sortOrder": 1}]),
        &admin,
    )
    .await
    .expect(200);
    let list = app.get(&url, &admin).await.expect(200).json;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id2.as_str(), id1.as_str()]);
    app.post(
        &format!("{url}/set-sort-order"),
        json!([{"id": "ghost", "sortOrder": 1}]),
        &admin,
    )
    .await
    .expect(404);

    app.delete(&format!("{url}/{id2}"), &admin)
        .await
        .expect(200);
    app.delete(&format!("{url}/{id2}"), &admin)
        .await
        .expect(404);
    assert_eq!(
        app.get(&url, &admin).await.json.as_array().unwrap().len(),
        1
    );
    let ev = app
        .get(
            "/api/admin/search/events?type=strategy-order-changed",
            &admin,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(ev["events"][0]["environment"], "production");
}

#[tokio::test]
async fn strategy_validation() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "v").await;
    let url = format!("{BASE}/v/environments/development/strategies");

    let res = app
        .post(&url, json!({"name": "noSuchStrategy"}), &admin)
        .await
        .expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/name");
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("noSuchStrategy"));
    app.post(&url, json!({"parameters": {}}), &admin)
        .await
        .expect(400);

    let res = app
        .post(&url, json!({"name": "default", "segments": [4242]}), &admin)
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("4242"));

    let res = app.post(&url, json!({"name": "default", "constraints": [{"contextName": "x", "operator": "LIKE", "values": []}]}), &admin).await.expect(400);
    assert_eq!(
        res.json["details"][0]["path"],
        "/body/constraints/0/operator"
    );
    let res = app
        .post(&url, json!({"name": "default", "constraints": [{"contextName": "v", "operator": "SEMVER_EQ", "value": "not-a-version"}]}), &admin)
        .await
        .expect(400);
    assert!(res.json["details"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("/body/constraints/0"));
    app.post(&url, json!({"name": "default", "constraints": [{"contextName": "ip", "operator": "IN_CIDR", "values": ["nope"]}]}), &admin).await.expect(400);
    app.post(&url, json!({"name": "default", "constraints": [{"contextName": "n", "operator": "NUM_GT", "value": "ten"}]}), &admin).await.expect(400);
    app.post(&url, json!({"name": "default", "constraints": [{"contextName": "d", "operator": "DATE_AFTER", "value": "yesterday"}]}), &admin).await.expect(400);
    app.post(&url, json!({"name": "default", "constraints": [{"contextName": "r", "operator": "REGEX", "value": "(unclosed"}]}), &admin).await.expect(400);

    let res = app.post(&url, json!({"name": "default", "variants": [{"name": "a", "weight": 5000, "weightType": "fix", "stickiness": "default"}]}), &admin).await.expect(400);
    assert_eq!(res.json["details"][0]["path"], "/body/variants/0/weight");
    app.post(
        &url,
        json!({"name": "default", "parameters": {"nested": {"no": 1}}}),
        &admin,
    )
    .await
    .expect(400);

    // An unknown environment is 404, even with a valid body.
    app.post(
        &format!("{BASE}/v/environments/staging/strategies"),
        json!({"name": "default"}),
        &admin,
    )
    .await
    .expect(404);
    // Updates are validated too.
    let s = app
        .post(&url, json!({"name": "default"}), &admin)
        .await
        .expect(200)
        .json;
    let id = s["id"].as_str().unwrap();
    app.put(
        &format!("{url}/{id}"),
        json!({"name": "ghostStrategy"}),
        &admin,
    )
    .await
    .expect(400);
    app.put(&format!("{url}/{id}"), json!({"segments": [999]}), &admin)
        .await
        .expect(400);
    // A project's own segment serves only that project's flags.
    app.post(
        "/api/admin/projects",
        json!({"id": "other", "name": "Other"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/other/features",
        json!({"name": "in-other"}),
        &admin,
    )
    .await
    .expect(201);
    let own = app
        .post(
            "/api/admin/segments",
            json!({"name": "other-only", "project": "other", "constraints": []}),
            &admin,
        )
        .await
        .expect(201)
        .json["id"]
        .as_i64()
        .unwrap();
    let res = app
        .post(&url, json!({"name": "default", "segments": [own]}), &admin)
        .await
        .expect(400);
    assert!(res.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("other-only"));
    app.post(
        "/api/admin/projects/other/features/in-other/environments/development/strategies",
        json!({"name": "default", "segments": [own]}),
        &admin,
    )
    .await
    .expect(200);
    // Nothing invalid was stored.
    assert_eq!(
        app.get(&url, &admin).await.json.as_array().unwrap().len(),
        1
    );
}

/// A flag dressed with everything the client specification uses, created through the Admin
/// API, reads back exactly as sent.
#[tokio::test]
async fn round_trip_of_a_fully_dressed_flag() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    flag(&app, &admin, "parent-flag").await;
    app.post(BASE, json!({"name": "dressed", "type": "experiment", "description": "all of it", "impressionData": true}), &admin).await.expect(201);
    let seg = segment(&app, &admin, "beta-users").await;

    let constraints = json!([
        {"contextName": "userId", "operator": "IN", "values": ["1", "2"], "inverted": false, "caseInsensitive": false},
        {"contextName": "userId", "operator": "NOT_IN", "values": [], "inverted": false, "caseInsensitive": false},
        {"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"], "inverted": false, "caseInsensitive": true},
        {"contextName": "email", "operator": "STR_STARTS_WITH", "values": ["admin"], "inverted": true, "caseInsensitive": false},
        {"contextName": "email", "operator": "STR_CONTAINS", "values": ["test"], "inverted": false, "caseInsensitive": true},
        {"contextName": "age", "operator": "NUM_EQ", "values": [], "value": "42", "inverted": false, "caseInsensitive": false},
        {"contextName": "age", "operator": "NUM_GT", "values": [], "value": "18", "inverted": false, "caseInsensitive": false},
        {"contextName": "age", "operator": "NUM_GTE", "values": [], "value": "18.5", "inverted": false, "caseInsensitive": false},
        {"contextName": "age", "operator": "NUM_LT", "values": [], "value": "-3", "inverted": true, "caseInsensitive": false},
        {"contextName": "age", "operator": "NUM_LTE", "values": [], "value": "100", "inverted": false, "caseInsensitive": false},
        {"contextName": "currentTime", "operator": "DATE_AFTER", "values": [], "value": "2024-01-01T00:00:00.000Z", "inverted": false, "caseInsensitive": false},
        {"contextName": "currentTime", "operator": "DATE_BEFORE", "values": [], "value": "2030-01-01T00:00:00+02:00", "inverted": false, "caseInsensitive": false},
        {"contextName": "version", "operator": "SEMVER_EQ", "values": [], "value": "1.2.3", "inverted": false, "caseInsensitive": false},
        {"contextName": "version", "operator": "SEMVER_GT", "values": [], "value": "1.0.0-beta.1", "inverted": false, "caseInsensitive": false},
        {"contextName": "version", "operator": "SEMVER_LT", "values": [], "value": "2.0.0", "inverted": false, "caseInsensitive": false},
        {"contextName": "version", "operator": "SEMVER_GTE", "values": [], "value": "1.0.0", "inverted": true, "caseInsensitive": false},
        {"contextName": "version", "operator": "SEMVER_LTE", "values": [], "value": "3.0.0+build.5", "inverted": false, "caseInsensitive": false},
        {"contextName": "userAgent", "operator": "REGEX", "values": [], "value": "^Mozilla/[0-9]+", "inverted": true, "caseInsensitive": true},
        {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"], "inverted": false, "caseInsensitive": false},
    ]);
    let strategy_variants = json!([
        {"name": "red", "weight": 700, "weightType": "fix", "stickiness": "userId", "payload": {"type": "string", "value": "r"}},
        {"name": "blue", "weight": 300, "weightType": "fix", "stickiness": "userId"},
    ]);
    let strategies = vec![
        json!({"name": "flexibleRollout", "title": "Main", "disabled": false, "parameters": {"rollout": "35", "stickiness": "userId", "groupId": "dressed"},
               "constraints": constraints, "segments": [seg], "variants": strategy_variants}),
        json!({"name": "userWithId", "title": null, "disabled": true, "parameters": {"userIds": "1,2,3"}, "constraints": [], "segments": [], "variants": []}),
        json!({"name": "remoteAddress", "title": "Office", "disabled": false, "parameters": {"IPs": "10.1.1.1"}, "constraints": [], "segments": [], "variants": []}),
        json!({"name": "gradualRolloutSessionId", "title": null, "disabled": false, "parameters": {"percentage": "10", "groupId": "g"}, "constraints": [], "segments": [], "variants": []}),
    ];
    let url = format!("{BASE}/dressed/environments/production/strategies");
    let mut ids = Vec::new();
    for s in &strategies {
        let created = app.post(&url, s.clone(), &admin).await.expect(200).json;
        ids.push(created["id"].as_str().unwrap().to_string());
    }
    let flag_variants = json!([
        {"name": "x", "weight": 100, "weightType": "fix", "stickiness": "default", "payload": {"type": "json", "value": "{\"k\":[1,2]}"}, "overrides": [{"contextName": "userId", "values": ["9"]}]},
        {"name": "y", "weight": 450, "weightType": "variable", "stickiness": "default", "payload": {"type": "csv", "value": "a,b"}},
        {"name": "z", "weight": 450, "weightType": "variable", "stickiness": "default", "payload": {"type": "number", "value": "7"}},
    ]);
    app.put(
        &format!("{BASE}/dressed/environments/production/variants"),
        flag_variants.clone(),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        &format!("{BASE}/dressed/dependencies"),
        json!({"feature": "parent-flag", "enabled": true, "variants": ["on"]}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        &format!("{BASE}/dressed/environments/production/on"),
        json!({}),
        &admin,
    )
    .await
    .expect(200);

    let got = app
        .get(&format!("{BASE}/dressed"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(got["type"], "experiment");
    assert_eq!(got["description"], "all of it");
    assert_eq!(got["impressionData"], true);
    assert_eq!(
        got["dependencies"],
        json!([{"feature": "parent-flag", "enabled": true, "variants": ["on"]}])
    );
    let prod = got["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "production")
        .unwrap()
        .clone();
    assert_eq!(prod["enabled"], true);
    assert_eq!(prod["variants"], flag_variants);
    let stored: Vec<Value> = prod["strategies"].as_array().unwrap().clone();
    assert_eq!(
        stored.len(),
        strategies.len(),
        "enabling kept the existing strategies and added none"
    );
    for (i, (sent, back)) in strategies.iter().zip(&stored).enumerate() {
        assert_eq!(back["id"], ids[i].as_str());
        for key in [
            "name",
            "title",
            "disabled",
            "parameters",
            "constraints",
            "segments",
            "variants",
        ] {
            assert_eq!(back[key], sent[key], "strategy {i}, field {key}");
        }
    }
    // The single-strategy route agrees.
    let one = app
        .get(&format!("{url}/{}", ids[0]), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(one, stored[0]);
}

/// True when everything `sent` says is in `back`: object keys recursively (a missing or null
/// key in `back` matches only a sent null or empty list), lists element by element, and a
/// number matches the string Unleash stores for it.
fn sent_is_kept(sent: &Value, back: &Value) -> bool {
    match (sent, back) {
        (Value::Object(s), Value::Object(b)) => s.iter().all(|(k, v)| match b.get(k) {
            Some(bv) => sent_is_kept(v, bv),
            None => v.is_null() || v == &json!([]),
        }),
        (Value::Array(s), Value::Array(b)) => {
            s.len() == b.len() && s.iter().zip(b).all(|(x, y)| sent_is_kept(x, y))
        }
        (Value::Number(n), Value::String(s)) => n.to_string() == *s,
        (Value::Null, Value::Array(b)) => b.is_empty(),
        _ => sent == back,
    }
}

fn spec_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var("CLIENT_SPECIFICATION_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/client-specification/specifications")
        });
    dir.is_dir().then_some(dir)
}

fn pct(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every flag of the client specification that the SDKs can evaluate is stored through the
/// Admin API and reads back as the specification has it; the rest is refused with 400.
#[tokio::test]
async fn client_specification_flags_round_trip() {
    let Some(dir) = spec_dir() else {
        assert!(
            std::env::var("CI").is_err(),
            "the client specification is missing (set CLIENT_SPECIFICATION_DIR)"
        );
        eprintln!("skipped: client specification not found (set CLIENT_SPECIFICATION_DIR)");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut stored = 0;
    let mut refused: Vec<String> = Vec::new();
    for file in files {
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let Some(features) = spec["state"]["features"].as_array() else {
            continue;
        };
        let app = TestApp::new().await;
        let admin = app.admin().await;
        let mut segment_ids = std::collections::HashMap::new();
        for s in spec["state"]["segments"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let id = app
                .post("/api/admin/segments", json!({"name": format!("segment-{}", s["id"]), "constraints": s["constraints"]}), &admin)
                .await
                .expect(201)
                .json["id"]
                .as_i64()
                .unwrap();
            segment_ids.insert(s["id"].as_i64().unwrap(), id);
        }
        let mut ok: Vec<&Value> = Vec::new();
        for f in features {
            let name = f["name"].as_str().unwrap();
            let path = format!("{BASE}/{}", pct(name));
            app.post(
                BASE,
                json!({"name": name, "description": f["description"]}),
                &admin,
            )
            .await
            .expect(201);
            let mut valid = true;
            for s in f["strategies"].as_array().cloned().unwrap_or_default() {
                let mut body = s.clone();
                if let Some(segs) = s["segments"].as_array() {
                    body["segments"] = json!(segs
                        .iter()
                        .map(|id| segment_ids
                            .get(&id.as_i64().unwrap())
                            .copied()
                            .unwrap_or(987_654))
                        .collect::<Vec<_>>());
                }
                let res = app
                    .post(
                        &format!("{path}/environments/development/strategies"),
                        body,
                        &admin,
                    )
                    .await;
                if res.status.as_u16() != 200 {
                    assert_eq!(res.status.as_u16(), 400, "{name}: {}", res.text);
                    valid = false;
                }
            }
            if let Some(v) = f["variants"].as_array() {
                app.put(
                    &format!("{path}/environments/development/variants"),
                    json!(v),
                    &admin,
                )
                .await
                .expect(200);
            }
            if f["enabled"] == true {
                app.post(
                    &format!("{path}/environments/development/on"),
                    json!({}),
                    &admin,
                )
                .await
                .expect(200);
                if f["strategies"].as_array().is_none_or(|s| s.is_empty()) {
                    // Enabling added the default strategy; the specification has none.
                    let list = app
                        .get(
                            &format!("{path}/environments/development/strategies"),
                            &admin,
                        )
                        .await
                        .expect(200)
                        .json;
                    let id = list[0]["id"].as_str().unwrap().to_string();
                    app.delete(
                        &format!("{path}/environments/development/strategies/{id}"),
                        &admin,
                    )
                    .await
                    .expect(200);
                }
            }
            if valid {
                ok.push(f);
            } else {
                refused.push(name.to_string());
            }
        }
        let mut with_valid_dependencies = Vec::new();
        for f in ok {
            let name = f["name"].as_str().unwrap();
            let mut valid = true;
            for d in f["dependencies"].as_array().cloned().unwrap_or_default() {
                let res = app
                    .post(&format!("{BASE}/{}/dependencies", pct(name)), d, &admin)
                    .await;
                if res.status.as_u16() != 200 {
                    assert_eq!(res.status.as_u16(), 400, "{name}: {}", res.text);
                    valid = false;
                }
            }
            if valid {
                with_valid_dependencies.push(f);
            } else {
                refused.push(name.to_string());
            }
        }
        for f in with_valid_dependencies {
            let name = f["name"].as_str().unwrap();
            let back = app
                .get(&format!("{BASE}/{}", pct(name)), &admin)
                .await
                .expect(200)
                .json;
            let dev = back["environments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"] == "development")
                .unwrap()
                .clone();
            assert_eq!(
                dev["enabled"],
                f["enabled"],
                "{}: {name} enabled",
                file.display()
            );
            let mut sent_strategies = f["strategies"].clone();
            for s in sent_strategies.as_array_mut().unwrap() {
                if let Some(segs) = s["segments"].as_array() {
                    s["segments"] = json!(segs
                        .iter()
                        .map(|id| segment_ids[&id.as_i64().unwrap()])
                        .collect::<Vec<_>>());
                }
            }
            assert!(
                sent_is_kept(&sent_strategies, &dev["strategies"]),
                "{}: {name} strategies\nsent {sent_strategies}\nback {}",
                file.display(),
                dev["strategies"]
            );
            if f.get("variants").is_some() {
                assert!(
                    sent_is_kept(&f["variants"], &dev["variants"]),
                    "{name} variants\nsent {}\nback {}",
                    f["variants"],
                    dev["variants"]
                );
            }
            if let Some(deps) = f["dependencies"].as_array() {
                let back_deps = back["dependencies"].as_array().unwrap();
                assert_eq!(deps.len(), back_deps.len(), "{name} dependencies");
                for d in deps {
                    let b = back_deps
                        .iter()
                        .find(|b| b["feature"] == d["feature"])
                        .expect("dependency kept");
                    assert_eq!(
                        b["enabled"],
                        d.get("enabled").cloned().unwrap_or(json!(true)),
                        "{name}"
                    );
                    let enabled = d.get("enabled").is_none_or(|e| e == true);
                    let sent_variants = if enabled {
                        d.get("variants").cloned().unwrap_or(json!([]))
                    } else {
                        json!([])
                    };
                    assert_eq!(
                        b.get("variants").cloned().unwrap_or(json!([])),
                        sent_variants,
                        "{name}"
                    );
                }
            }
            stored += 1;
        }
    }
    refused.sort();
    eprintln!("stored {stored} flags; refused {refused:?}");
    assert!(stored > 100, "only {stored} flags stored");
    // Refused with 400, as the issue asks: IN_CIDR entries that are not addresses, a SemVer
    // with a leading "v", regular expressions the engine cannot compile, an unknown operator,
    // a missing segment, and dependencies on a missing flag or more than one level deep (of a
    // cycle or a chain, the second link is the one refused).
    let expected = [
        "CIDR.invalid.only",
        "CIDR.ipv6.mixed.values",
        "CIDR.mixed.values",
        "F7.invalid-operator",
        "F8.invalidSemverWithLeadingV",
        "F9.withMissingSegment",
        "R90.reject_lookahead",
        "R91.reject_backreference",
        "child.with.cycle",
        "invalid-regex-defaults-to-false",
        "parent.enabled.child.enabled",
        "parents.not.exist.child.enabled",
    ];
    assert_eq!(refused, expected);
}
