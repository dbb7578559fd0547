//! The OpenAPI document covers every route, and every documented route is served.

mod common;

use common::{Auth, TestApp};

/// Every `.route("...")` literal in the HTTP sources: routes registered without OpenAPI docs.
fn undocumented_route_literals() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/http"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split(".route(\"").skip(1) {
                    let literal = part.split('"').next().unwrap().to_string();
                    found.push((path.display().to_string(), literal));
                }
            }
        }
    }
    found
}

/// Paths served outside the Admin, client and frontend APIs: the document itself and the web UI.
fn is_non_api(path: &str) -> bool {
    path == "/docs/openapi.json"
        || !(path.starts_with("/api/")
            || path.starts_with("/auth/")
            || path == "/health"
            || path == "/ready"
            || path == "/logout")
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_route_is_served() {
    let doc = switchyard::http::openapi();
    let documented: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let mut ops = Vec::new();
            if item.get.is_some() {
                ops.push(("GET", path.clone()));
            }
            if item.post.is_some() {
                ops.push(("POST", path.clone()));
            }
            if item.put.is_some() {
                ops.push(("PUT", path.clone()));
            }
            if item.patch.is_some() {
                ops.push(("PATCH", path.clone()));
            }
            if item.delete.is_some() {
                ops.push(("DELETE", path.clone()));
            }
            ops.into_iter().map(|(m, p)| (m.to_string(), p))
        })
        .collect();
    assert!(
        documented.len() >= 15,
        "suspiciously few documented operations: {documented:?}"
    );

    for (file, literal) in undocumented_route_literals() {
        assert!(is_non_api(&literal), "{file} registers API route {literal} without OpenAPI documentation; use utoipa-axum routes!()");
    }

    // Every documented operation reaches a handler: not the 404 fallback, not 405.
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for (method, path) in &documented {
        let concrete = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        if path == "/logout" {
            continue; // would end the session used by the rest of this loop
        }
        let res = app.call(method, &concrete, None, &admin).await;
        assert_ne!(
            res.status.as_u16(),
            405,
            "{method} {path} is documented but not routed"
        );
        let fallback = res.status.as_u16() == 404
            && res.json["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("The path you were looking for"));
        assert!(!fallback, "{method} {path} is documented but not routed");
    }

    // The document is served.
    let served = app.get("/docs/openapi.json", &Auth::None).await.expect(200);
    assert_eq!(
        served.json["paths"].as_object().unwrap().len(),
        doc.paths.paths.len()
    );
}

/// Operations whose success answer carries a body the document does not describe, as
/// "METHOD /path": none. An operation added without a schema for its answer fails the test;
/// one listed here that gains a schema fails it too, so that it is then taken off.
const NOT_YET_TYPED: &[&str] = &[];

/// Operations whose success answer is 200 (or 201) with an empty body: they declare no
/// content and need no schema. (204 answers are recognised without being listed.)
const NO_BODY: &[&str] = &[
    "DELETE /api/admin/addons/{id}",
    "DELETE /api/admin/api-tokens/{token}",
    "PUT /api/admin/api-tokens/{token}",
    "POST /api/admin/archive/revive/{featureName}",
    "DELETE /api/admin/archive/{featureName}",
    "POST /api/admin/context/validate",
    "DELETE /api/admin/context/{contextField}",
    "PUT /api/admin/context/{contextField}",
    "POST /api/admin/context/{contextField}/legal-values",
    "DELETE /api/admin/context/{contextField}/legal-values/{legalValue}",
    "PUT /api/admin/environments/sort-order",
    "DELETE /api/admin/environments/{name}",
    "POST /api/admin/features-batch/import",
    "POST /api/admin/features/validate",
    "DELETE /api/admin/features/{featureName}/tags/{type}/{value}",
    "DELETE /api/admin/metrics/applications/{appName}",
    "POST /api/admin/metrics/applications/{appName}",
    "DELETE /api/admin/personal-access-tokens/{id}",
    "DELETE /api/admin/projects/{projectId}",
    "POST /api/admin/projects/{projectId}/access",
    "DELETE /api/admin/projects/{projectId}/api-tokens/{token}",
    "POST /api/admin/projects/{projectId}/archive",
    "POST /api/admin/projects/{projectId}/bulk_features/environments/{environment}/off",
    "POST /api/admin/projects/{projectId}/bulk_features/environments/{environment}/on",
    "POST /api/admin/projects/{projectId}/context/validate",
    "POST /api/admin/projects/{projectId}/delete",
    "POST /api/admin/projects/{projectId}/environments",
    "DELETE /api/admin/projects/{projectId}/environments/{environment}",
    "DELETE /api/admin/projects/{projectId}/favorites",
    "POST /api/admin/projects/{projectId}/favorites",
    "DELETE /api/admin/projects/{projectId}/features/{child}/dependencies",
    "POST /api/admin/projects/{projectId}/features/{child}/dependencies",
    "DELETE /api/admin/projects/{projectId}/features/{child}/dependencies/{parent}",
    "DELETE /api/admin/projects/{projectId}/features/{featureName}",
    "POST /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/off",
    "POST /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/on",
    "POST /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/set-sort-order",
    "DELETE /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}/strategies/{strategyId}",
    "DELETE /api/admin/projects/{projectId}/features/{featureName}/favorites",
    "POST /api/admin/projects/{projectId}/features/{featureName}/favorites",
    "POST /api/admin/projects/{projectId}/revive",
    "PUT /api/admin/projects/{projectId}/settings",
    "POST /api/admin/projects/{projectId}/stale",
    "DELETE /api/admin/projects/{projectId}/users/{userId}/roles",
    "PUT /api/admin/projects/{projectId}/users/{userId}/roles",
    "DELETE /api/admin/service-account/{id}",
    "DELETE /api/admin/service-account/{id}/token/{tokenId}",
    "DELETE /api/admin/strategies/{name}",
    "PUT /api/admin/strategies/{name}",
    "POST /api/admin/strategies/{strategyName}/deprecate",
    "POST /api/admin/strategies/{strategyName}/reactivate",
    "DELETE /api/admin/tag-types/{name}",
    "PUT /api/admin/tag-types/{name}",
    "DELETE /api/admin/tags/{type}/{value}",
    "POST /api/admin/user-admin/inactive/delete",
    "POST /api/admin/user-admin/validate-password",
    "DELETE /api/admin/user-admin/{id}",
    "POST /api/admin/user-admin/{id}/change-password",
    "POST /api/admin/user/change-password",
    "DELETE /api/admin/user/tokens/{id}",
    "POST /api/client/metrics",
    "POST /api/client/metrics/bulk",
    "POST /api/client/metrics/edge",
    "POST /api/client/register",
    "POST /api/frontend/client/metrics",
    "POST /api/frontend/client/register",
    "POST /auth/reset/password",
    "POST /auth/reset/validate-password",
    "GET /invite/{token}/validate",
];

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        serde_json::Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn is_json_media_type(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

#[test]
fn every_success_answer_with_a_body_declares_a_schema() {
    let doc = serde_json::to_value(switchyard::http::openapi()).unwrap();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas");

    // Every reference, anywhere in the document, names a schema that is there.
    let mut all_refs = Vec::new();
    refs(&doc, &mut all_refs);
    assert!(!all_refs.is_empty(), "the document references no schema");
    for r in &all_refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} does not point into components.schemas"));
        assert!(schemas.contains_key(name), "{r} does not resolve");
    }

    let mut untyped = Vec::new();
    let mut typed = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op["responses"].as_object() else {
                continue;
            };
            let name = format!("{} {path}", method.to_uppercase());
            let mut lacks_schema = false;
            for (status, response) in responses {
                if !status.starts_with('2') || status == "204" {
                    continue;
                }
                match response["content"].as_object() {
                    None => lacks_schema = true,
                    Some(content) if content.is_empty() => lacks_schema = true,
                    Some(content) => {
                        for (media_type, media) in content {
                            if is_json_media_type(media_type) {
                                assert!(
                                    media["schema"].is_object(),
                                    "{name}: the {status} answer declares {media_type} without a schema"
                                );
                            }
                        }
                    }
                }
            }
            if lacks_schema {
                untyped.push(name);
            } else {
                typed.push(name);
            }
        }
    }
    untyped.sort();
    assert!(
        typed.len() > 40,
        "suspiciously few typed operations: {typed:?}"
    );

    for listed in NOT_YET_TYPED.iter().chain(NO_BODY) {
        assert!(
            untyped.iter().any(|u| u == listed) || typed.iter().any(|t| t == listed),
            "{listed} is listed but the document has no such operation; take it off"
        );
    }
    for listed in NOT_YET_TYPED {
        assert!(
            !NO_BODY.contains(listed),
            "{listed} is in both NOT_YET_TYPED and NO_BODY"
        );
        assert!(
            !typed.iter().any(|t| t == listed),
            "{listed} now declares a schema for its answer: take it off NOT_YET_TYPED"
        );
    }
    for listed in NO_BODY {
        assert!(
            !typed.iter().any(|t| t == listed),
            "{listed} now declares content for its answer: take it off NO_BODY"
        );
    }
    let missing: Vec<&String> = untyped
        .iter()
        .filter(|u| !NOT_YET_TYPED.contains(&u.as_str()) && !NO_BODY.contains(&u.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "these operations answer 2xx without a schema for the body; give their answer a \
         `body = ...` (or, for an empty body, list them in NO_BODY): {missing:#?}"
    );
}

/// Names of the types that derive `utoipa::ToSchema` in one source text.
fn schema_type_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("#[derive(") && line.contains("ToSchema") {
            pending = true;
            continue;
        }
        if pending {
            let words: Vec<&str> = line.split_whitespace().collect();
            let kind = words.iter().position(|w| *w == "struct" || *w == "enum");
            if let Some(i) = kind {
                if let Some(name) = words.get(i + 1) {
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.push(name);
                }
                pending = false;
            }
        }
    }
    names
}

/// utoipa names a schema after its type: two types of one name would silently share one
/// entry in `components.schemas`, and one of them would describe the other's operations.
#[test]
fn schema_names_are_unique() {
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    let mut count = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for name in schema_type_names(&text) {
                    count += 1;
                    let here = path.display().to_string();
                    if let Some(there) = seen.insert(name.clone(), here.clone()) {
                        panic!("two types named {name} derive ToSchema: in {there} and {here}");
                    }
                }
            }
        }
    }
    assert!(count > 20, "suspiciously few schema types: {count}");
}
