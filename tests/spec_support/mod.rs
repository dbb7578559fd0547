//! The Unleash client specification as test data, and how its flags are created through the
//! Admin API (the same approach as `tests/conformance.rs`), for tests that drive real SDKs.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::common::{Auth, TestApp};
use serde_json::{json, Value};
use unleash_types::client_features::{ClientFeatures, ClientFeaturesDelta};

const BASE: &str = "/api/admin/projects/default/features";

/// Flags the Admin API refuses by design (unknown operator, invalid values, missing segment
/// or parent, dependency chains): exactly those `tests/conformance.rs` asserts refused.
pub const REFUSED_BY_DESIGN: [&str; 12] = [
    "F7.invalid-operator",
    "F8.invalidSemverWithLeadingV",
    "F9.withMissingSegment",
    "child.with.cycle",
    "parent.enabled.child.enabled",
    "parents.not.exist.child.enabled",
    "R90.reject_lookahead",
    "R91.reject_backreference",
    "invalid-regex-defaults-to-false",
    "CIDR.invalid.only",
    "CIDR.ipv6.mixed.values",
    "CIDR.mixed.values",
];

/// The 22 specification files, in order.
pub fn spec_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(spec_dir())
        .expect("specification folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "index.json"))
        .collect();
    files.sort();
    files
}

/// A file's flags and segments as the Admin API should hold them (delta files applied).
pub fn raw_state(spec: &Value) -> Value {
    if spec["state"].get("events").is_some() {
        serde_json::to_value(state_of(spec)).expect("state")
    } else {
        spec["state"].clone()
    }
}

pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/client-specification/specifications")
}

pub fn pct(name: &str) -> String {
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

/// A file's state as a full `ClientFeatures` (delta files are applied to an empty state).
pub fn state_of(spec: &Value) -> ClientFeatures {
    let state = &spec["state"];
    if state.get("events").is_some() {
        let delta: ClientFeaturesDelta = serde_json::from_value(state.clone()).unwrap();
        let mut features = ClientFeatures {
            version: 2,
            features: vec![],
            segments: Some(vec![]),
            query: None,
            meta: None,
        };
        features.apply_delta(&delta);
        features
    } else {
        serde_json::from_value(state.clone()).unwrap()
    }
}

/// Creates a file's flags through the Admin API. Returns the names refused, with why.
pub async fn seed(app: &TestApp, admin: &Auth, raw: &Value) -> HashMap<String, String> {
    let mut refused = HashMap::new();
    let mut segment_ids = HashMap::new();
    for s in raw["segments"].as_array().cloned().unwrap_or_default() {
        let res = app
            .post(
                "/api/admin/segments",
                json!({"name": format!("segment-{}", s["id"]), "constraints": s["constraints"]}),
                admin,
            )
            .await;
        if res.status.as_u16() == 201 {
            segment_ids.insert(s["id"].as_i64().unwrap(), res.json["id"].as_i64().unwrap());
        } else {
            assert_eq!(
                res.status.as_u16(),
                400,
                "segment {}: {}",
                s["id"],
                res.text
            );
        }
    }
    let features = raw["features"].as_array().cloned().unwrap_or_default();
    for f in &features {
        let name = f["name"].as_str().unwrap();
        let path = format!("{BASE}/{}", pct(name));
        let mut create =
            json!({"name": name, "impressionData": f["impressionData"].as_bool().unwrap_or(false)});
        if let Some(t) = f["type"].as_str() {
            create["type"] = json!(t);
        }
        app.post(BASE, create, admin).await.expect(201);
        for s in f["strategies"].as_array().cloned().unwrap_or_default() {
            let mut body = s.clone();
            if let Some(segs) = s["segments"].as_array() {
                // A segment the specification never defines gets an id that does not exist.
                body["segments"] = json!(segs
                    .iter()
                    .map(|id| segment_ids
                        .get(&id.as_i64().unwrap())
                        .copied()
                        .unwrap_or(999_999))
                    .collect::<Vec<_>>());
            }
            let res = app
                .post(
                    &format!("{path}/environments/development/strategies"),
                    body,
                    admin,
                )
                .await;
            if res.status.as_u16() != 200 {
                assert_eq!(res.status.as_u16(), 400, "{name}: {}", res.text);
                refused.insert(
                    name.to_string(),
                    res.json["details"][0]["message"]
                        .as_str()
                        .unwrap_or_else(|| res.json["message"].as_str().unwrap())
                        .to_string(),
                );
            }
        }
        if let Some(v) = f["variants"].as_array().filter(|v| !v.is_empty()) {
            app.put(
                &format!("{path}/environments/development/variants"),
                json!(v),
                admin,
            )
            .await
            .expect(200);
        }
        if f["enabled"] == true {
            app.post(
                &format!("{path}/environments/development/on"),
                json!({}),
                admin,
            )
            .await
            .expect(200);
            if f["strategies"].as_array().is_none_or(|s| s.is_empty()) {
                // Enabling adds a default strategy, as in Unleash; the specification has none.
                let list = app
                    .get(
                        &format!("{path}/environments/development/strategies"),
                        admin,
                    )
                    .await
                    .expect(200)
                    .json;
                for s in list.as_array().unwrap() {
                    app.delete(
                        &format!(
                            "{path}/environments/development/strategies/{}",
                            s["id"].as_str().unwrap()
                        ),
                        admin,
                    )
                    .await
                    .expect(200);
                }
            }
        }
    }
    for f in &features {
        let name = f["name"].as_str().unwrap();
        for d in f["dependencies"].as_array().cloned().unwrap_or_default() {
            let res = app
                .post(
                    &format!("{BASE}/{}/dependencies", pct(name)),
                    d.clone(),
                    admin,
                )
                .await;
            if res.status.as_u16() != 200 {
                assert_eq!(res.status.as_u16(), 400, "{name}: {}", res.text);
                refused.insert(
                    name.to_string(),
                    res.json["details"][0]["message"]
                        .as_str()
                        .unwrap_or_else(|| res.json["message"].as_str().unwrap())
                        .to_string(),
                );
            }
        }
    }
    refused
}

/// Flags whose evaluation depends on a refused flag (as a parent) are not judged either.
pub fn affected(raw: &Value, refused: &HashMap<String, String>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = refused.keys().cloned().collect();
    loop {
        let before = out.len();
        for f in raw["features"].as_array().into_iter().flatten() {
            let deps = f["dependencies"].as_array().into_iter().flatten();
            if deps
                .into_iter()
                .any(|d| out.contains(d["feature"].as_str().unwrap_or("")))
            {
                out.insert(f["name"].as_str().unwrap().to_string());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}
