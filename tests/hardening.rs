//! Requests built to break the server get a clear answer instead: bounded query numbers,
//! 413 for huge bodies, clipped echoes, 431 for huge headers, and no route answers 5xx to
//! odd input.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::{send, Auth, TestApp};
use serde_json::{json, Value};

#[tokio::test]
async fn out_of_range_offsets_are_refused_naming_the_parameter() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for path in ["/api/admin/events", "/api/admin/search/events"] {
        for offset in ["9223372036854775808", "18446744073709551615", "1000000001"] {
            let res = app
                .get(&format!("{path}?offset={offset}"), &admin)
                .await
                .expect(400);
            assert_eq!(
                res.json["details"][0]["path"], "/query/offset",
                "{path}: {}",
                res.text
            );
        }
        // Past u64 altogether, or negative: still a 400, never a panic.
        for offset in ["99999999999999999999999", "-1", "x"] {
            let res = app.get(&format!("{path}?offset={offset}"), &admin).await;
            assert_eq!(
                res.status.as_u16(),
                400,
                "{path}?offset={offset}: {}",
                res.text
            );
        }
        app.get(&format!("{path}?offset=1000000000"), &admin)
            .await
            .expect(200);
    }
    // The UI's audit log clamps instead.
    let res = app
        .get("/history?offset=18446744073709551615", &admin)
        .await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text);
}

#[tokio::test]
async fn a_body_past_the_limit_is_413_in_unleash_shape() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let huge = json!({"name": "big", "description": "x".repeat(3 * 1024 * 1024)});
    let res = app
        .post("/api/admin/projects/default/features", huge, &admin)
        .await
        .expect(413);
    assert_eq!(res.json["name"], "PayloadTooLargeError");
    assert!(res.json["message"]
        .as_str()
        .unwrap()
        .contains("2097152 bytes"));
    // Just under the limit is read (and judged on its merits).
    let fits = json!({"name": "fits", "description": "x".repeat(1024 * 1024)});
    let res = app
        .post("/api/admin/projects/default/features", fits, &admin)
        .await;
    assert_ne!(
        res.status.as_u16(),
        413,
        "{}",
        &res.text[..200.min(res.text.len())]
    );
}

#[tokio::test]
async fn long_values_are_not_echoed_back_whole() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let name = format!("{}!bad", "n".repeat(10_000));
    let res = app
        .post(
            "/api/admin/projects/default/features",
            json!({"name": name}),
            &admin,
        )
        .await
        .expect(400);
    assert!(res.text.len() < 2_000, "answer of {} bytes", res.text.len());
    assert!(res.text.contains("characters)"), "{}", res.text);
}

#[tokio::test]
async fn oversized_headers_are_refused_with_431() {
    let app = TestApp::new().await;
    let cookies = (0..10_000)
        .map(|i| format!("c{i}=v"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = Request::get("/api/admin/projects")
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap();
    let res = send(&app.router, req).await.expect(431);
    assert_eq!(res.json["name"], "RequestHeaderFieldsTooLargeError");
    let mut req = Request::get("/health");
    for i in 0..150 {
        req = req.header(format!("x-h{i}"), "v");
    }
    send(&app.router, req.body(Body::empty()).unwrap())
        .await
        .expect(431);
    // An ordinary request passes.
    let req = Request::get("/health")
        .header(header::COOKIE, "a=b; c=d")
        .body(Body::empty())
        .unwrap();
    send(&app.router, req).await.expect(200);
}

/// Fills a documented path's parameters with a plausible or an odd value.
fn fill(path: &str, odd: bool) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or(rest.len() - 1);
        let name = &rest[open + 1..close];
        let value = if odd {
            "%F0%9F%92%A5%00x%22'"
        } else if name.to_ascii_lowercase().contains("env") {
            "development"
        } else if name.to_ascii_lowercase().contains("project") {
            "default"
        } else if name.to_ascii_lowercase().contains("id") {
            "99999999999999999999"
        } else {
            "nope"
        };
        out.push_str(value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn no_documented_route_answers_5xx_to_odd_input() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let doc = app
        .get("/docs/openapi.json", &Auth::None)
        .await
        .expect(200)
        .json;
    let paths = doc["paths"].as_object().expect("paths");
    let bodies = [
        json!({}),
        json!([]),
        json!(null),
        json!({"name": "a\u{0}b", "description": "\u{0}", "type": "release", "enabled": true}),
        json!({"name": 1, "enabled": "yes", "offset": -1, "limit": 1e300, "expiresAt": "never", "projects": {}, "environment": [], "constraints": "x"}),
    ];
    let mut failures = Vec::new();
    // Reads and writes first, deletions last, so that the admin's session lives long.
    for wanted in ["get", "post", "put", "patch", "delete"] {
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            if !ops.contains_key(wanted) || path.contains("logout") || path.contains("sign-out") {
                continue;
            }
            for odd in [false, true] {
                let target = format!(
                    "{}?offset=18446744073709551615&limit=-5&hoursBack=1e9&page=x",
                    fill(path, odd)
                );
                let method = wanted.to_ascii_uppercase();
                let variants: Vec<Option<Value>> = if wanted == "get" || wanted == "delete" {
                    vec![None]
                } else {
                    bodies.iter().cloned().map(Some).collect()
                };
                for body in variants {
                    let res = app.call(&method, &target, body.clone(), &admin).await;
                    if res.status.is_server_error() && res.status.as_u16() != 503 {
                        failures.push(format!(
                            "{method} {target} {body:?} -> {} {}",
                            res.status, res.text
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn created_resources_with_any_characters_get_a_valid_location() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    // Once a 500 after the write: the tag value went into the `Location` header as it was.
    let res = app
        .post(
            "/api/admin/tags",
            json!({"type": "simple", "value": "\u{4}é x/y\u{18}"}),
            &admin,
        )
        .await
        .expect(201);
    assert_eq!(
        res.header("location").as_deref(),
        Some("tags/simple/%04%C3%A9%20x%2Fy%18")
    );
    assert_eq!(res.json["tag"]["value"], "\u{4}é x/y\u{18}");
}
