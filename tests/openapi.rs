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
