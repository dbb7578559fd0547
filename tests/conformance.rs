//! Conformance with the Unleash client specification: every flag and segment of each file is
//! created through the Admin API, then every case is checked through the frontend API and
//! through the SDK engine (`unleash-yggdrasil`) reading the client API. Flags the Admin API
//! refuses by design (unknown operator, invalid values, missing segment or parent,
//! dependency chains) are asserted refused with a 400 and a message naming the problem.

mod common;
mod spec_support;

use common::{Auth, TestApp};
use serde_json::{json, Value};
use spec_support::{affected, seed, spec_dir, state_of, REFUSED_BY_DESIGN};
use unleash_types::client_features::{ClientFeatures, Context};
use unleash_yggdrasil::{EngineState, UpdateMessage};

fn context_of(case: &Value) -> Context {
    serde_json::from_value(case["context"].clone()).unwrap()
}

#[tokio::test]
async fn every_specification_case_evaluates_as_specified() {
    let mut files: Vec<_> = std::fs::read_dir(spec_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "index.json")
        .collect();
    files.sort();
    assert_eq!(files.len(), 22);
    let (mut passed, mut refused_cases, mut total) = (0, 0, 0);
    let mut refusals: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for file in files {
        let fname = file.file_name().unwrap().to_string_lossy().to_string();
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        // Delta files are applied first; other files are seeded exactly as written.
        let raw = if spec["state"].get("events").is_some() {
            serde_json::to_value(state_of(&spec)).unwrap()
        } else {
            spec["state"].clone()
        };
        let app = TestApp::new().await;
        let admin = app.admin().await;
        let refused = seed(&app, &admin, &raw).await;
        for (name, why) in &refused {
            refusals.push(format!("{fname}: {name}: {why}"));
        }
        let skip = affected(&raw, &refused);
        let frontend = app
            .post(
                "/api/admin/api-tokens",
                json!({"tokenName": "fe", "type": "frontend", "environment": "development"}),
                &admin,
            )
            .await
            .expect(201)
            .json;
        let frontend = Auth::Token(frontend["secret"].as_str().unwrap().to_string());
        let client = app
            .post(
                "/api/admin/api-tokens",
                json!({"tokenName": "be", "type": "client", "environment": "development"}),
                &admin,
            )
            .await
            .expect(201)
            .json;
        let client = Auth::Token(client["secret"].as_str().unwrap().to_string());

        // The SDK engine, fed by the client API.
        let served = app.get("/api/client/features", &client).await.expect(200);
        let engine = EngineState::default();
        let served: ClientFeatures = serde_json::from_value(served.json).unwrap();
        engine.take_state(UpdateMessage::FullResponse(served));

        for case in spec["tests"].as_array().into_iter().flatten() {
            total += 1;
            let name = case["toggleName"].as_str().unwrap();
            if skip.contains(name) {
                refused_cases += 1;
                continue;
            }
            let expected = case["expectedResult"].as_bool().unwrap();
            let res = app
                .post(
                    "/api/frontend",
                    json!({"context": case["context"]}),
                    &frontend,
                )
                .await
                .expect(200);
            let via_frontend = res.json["toggles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == name && t["enabled"] == true);
            let via_engine = engine.is_enabled(name, &context_of(case), &None);
            if via_frontend == expected && via_engine == expected {
                passed += 1;
            } else {
                failures.push(format!("{fname}: {} ({name}): expected {expected}, frontend {via_frontend}, engine {via_engine}", case["description"]));
            }
        }
        for case in spec["variantTests"].as_array().into_iter().flatten() {
            total += 1;
            let name = case["toggleName"].as_str().unwrap();
            if skip.contains(name) {
                refused_cases += 1;
                continue;
            }
            let expected = &case["expectedResult"];
            let res = app
                .post(
                    "/api/frontend",
                    json!({"context": case["context"]}),
                    &frontend,
                )
                .await
                .expect(200);
            let toggle = res.json["toggles"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .cloned();
            let via_frontend = match toggle {
                Some(t) => {
                    json!({"name": t["variant"]["name"], "enabled": t["variant"]["enabled"], "feature_enabled": t["variant"]["feature_enabled"], "payload": t["variant"].get("payload").cloned().unwrap_or(Value::Null)})
                }
                // A disabled flag is not listed: its variant is the disabled one.
                None => {
                    json!({"name": "disabled", "enabled": false, "feature_enabled": false, "payload": Value::Null})
                }
            };
            let v = engine.get_variant(name, &context_of(case), &None);
            let via_engine = json!({"name": v.name, "enabled": v.enabled, "feature_enabled": v.feature_enabled, "payload": v.payload.map(|p| json!({"type": p.payload_type, "value": p.value})).unwrap_or(Value::Null)});
            let mut want = json!({"name": expected["name"], "enabled": expected["enabled"], "feature_enabled": expected["feature_enabled"], "payload": expected.get("payload").cloned().unwrap_or(Value::Null)});
            if want["feature_enabled"].is_null() {
                want["feature_enabled"] = via_engine["feature_enabled"].clone();
            }
            if via_frontend == want && via_engine == want {
                passed += 1;
            } else {
                failures.push(format!("{fname}: {} ({name}): expected {want}, frontend {via_frontend}, engine {via_engine}", case["description"]));
            }
        }
    }
    refusals.sort();
    println!("refused by design:\n  {}", refusals.join("\n  "));
    let refused_names: Vec<&str> = refusals
        .iter()
        .map(|r| r.split(": ").nth(1).unwrap())
        .collect();
    assert_eq!(
        refused_names, REFUSED_BY_DESIGN,
        "exactly the flags the Admin API refuses by design are refused"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, 279, "the specification has 279 cases");
    assert_eq!(passed + refused_cases, total);
    assert!(
        refused_cases <= 20,
        "too many cases refused: {refused_cases}\n{}",
        refusals.join("\n")
    );
    println!("{passed} cases passed, {refused_cases} refused by design");
}
