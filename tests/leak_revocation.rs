//! Leaked tokens reported by anyone are revoked at once; the answer says how many, never
//! which; the owner sees an audit event; reports are bounded and rate limited. The token
//! formats published for secret scanners match what Switchyard mints.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{send, Auth, TestApp, TestResponse};
use regex::Regex;
use serde_json::{json, Value};
use switchyard::auth::token::{API_TOKEN_PATTERN, LEGACY_API_TOKEN_PATTERN, PAT_PATTERN};

const REPORT: &str = "/api/public/revoke-leaked-tokens";

async fn report(app: &TestApp, tokens: Value, from: &str) -> TestResponse {
    let req = Request::builder()
        .method("POST")
        .uri(REPORT)
        .header("content-type", "application/json")
        .header("x-forwarded-for", from)
        .body(Body::from(json!({ "tokens": tokens }).to_string()))
        .unwrap();
    send(&app.router, req).await
}

async fn app() -> TestApp {
    TestApp::with_config(|c| {
        c.trusted_proxy_header = Some("X-Forwarded-For".into());
        c.leaked_token_report_limit_per_minute = 3;
    })
    .await
}

async fn pat(app: &TestApp, who: &Auth, description: &str) -> Value {
    app.post(
        "/api/admin/user/tokens",
        json!({"description": description, "expiresAt": (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339()}),
        who,
    )
    .await
    .expect(201)
    .json
}

async fn api_token(app: &TestApp, who: &Auth, body: Value) -> Value {
    app.post("/api/admin/api-tokens", body, who)
        .await
        .expect(201)
        .json
}

fn secret(v: &Value) -> String {
    v["secret"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn reported_tokens_are_revoked_and_owners_are_told() {
    let app = app().await;
    let admin = app.admin().await;
    let (editor_id, editor) = app.user("editor", "Editor").await;
    let leaked_pat = pat(&app, &editor, "laptop").await;
    let kept_pat = pat(&app, &editor, "ci").await;
    let leaked_sdk = api_token(
        &app,
        &admin,
        json!({"tokenName": "backend-svc", "type": "client"}),
    )
    .await;
    let kept_sdk = api_token(
        &app,
        &admin,
        json!({"tokenName": "web", "type": "frontend"}),
    )
    .await;

    // Both work before the report (the SDK token is also in the node's token cache then).
    app.get("/api/admin/projects", &Auth::Token(secret(&leaked_pat)))
        .await
        .expect(200);
    app.get("/api/client/features", &Auth::Token(secret(&leaked_sdk)))
        .await
        .expect(200);

    let res = report(
        &app,
        json!([
            secret(&leaked_pat),
            format!("Bearer {}", secret(&leaked_sdk)),
            secret(&leaked_pat),
            "user:v2_AAAAAAAAAAAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
            "*:development.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "not a token at all"
        ]),
        "203.0.113.5",
    )
    .await
    .expect(200);
    assert_eq!(res.json, json!({"received": 6, "revoked": 2}));

    // Revoked at once, on this node, including the SDK token cache.
    app.get("/api/admin/projects", &Auth::Token(secret(&leaked_pat)))
        .await
        .expect(401);
    app.get("/api/client/features", &Auth::Token(secret(&leaked_sdk)))
        .await
        .expect(401);
    // Others untouched.
    app.get("/api/admin/projects", &Auth::Token(secret(&kept_pat)))
        .await
        .expect(200);
    app.get("/api/frontend", &Auth::Token(secret(&kept_sdk)))
        .await
        .expect(200);
    let pats = app
        .get("/api/admin/user/tokens", &editor)
        .await
        .expect(200)
        .json;
    assert_eq!(pats["pats"].as_array().unwrap().len(), 1);
    // Reporting it again revokes nothing more.
    let again = report(&app, json!([secret(&leaked_pat)]), "203.0.113.6")
        .await
        .expect(200);
    assert_eq!(again.json, json!({"received": 1, "revoked": 0}));

    // The PAT's owner sees what happened, with the reporting address and no secret.
    let mine = app
        .get("/api/admin/user/token-events", &editor)
        .await
        .expect(200)
        .json;
    let events = mine["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{mine}");
    let ev = &events[0];
    assert_eq!(ev["type"], "pat-revoked-leaked");
    assert_eq!(ev["preData"]["id"], leaked_pat["id"]);
    assert_eq!(ev["preData"]["description"], "laptop");
    assert_eq!(ev["preData"]["ownerUserId"], editor_id);
    assert_eq!(ev["preData"]["reportedFrom"], "203.0.113.5");
    assert!(!mine.to_string().contains(&secret(&leaked_pat)));

    // The API token's creator (the admin) sees the other one; so does the audit log.
    let admins = app
        .get("/api/admin/user/token-events", &admin)
        .await
        .expect(200)
        .json;
    let events = admins["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{admins}");
    assert_eq!(events[0]["type"], "api-token-revoked-leaked");
    assert_eq!(events[0]["preData"]["tokenName"], "backend-svc");
    assert_eq!(events[0]["preData"]["reportedFrom"], "203.0.113.5");
    let log = app
        .get(
            "/api/admin/search/events?type=IS:api-token-revoked-leaked",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(log.json["events"].as_array().unwrap().len(), 1);
    assert!(!log.text.contains(&secret(&leaked_sdk)));
    assert!(!admins.to_string().contains(&secret(&leaked_sdk)));

    // Revoking a token from the audit trail of another user's view: nothing leaks across.
    app.get("/api/admin/user/token-events", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn reports_are_bounded_and_rate_limited() {
    let app = app().await;
    let too_many: Vec<String> = (0..101).map(|i| format!("token-{i}")).collect();
    let res = report(&app, json!(too_many), "198.51.100.1")
        .await
        .expect(400);
    assert_eq!(res.json["name"], "BadDataError");
    assert!(res.text.contains("at most 100"), "{}", res.text);
    report(&app, json!("not a list"), "198.51.100.2")
        .await
        .expect(400);
    let hundred: Vec<String> = (0..100).map(|i| format!("token-{i}")).collect();
    let ok = report(&app, json!(hundred), "198.51.100.1")
        .await
        .expect(200);
    assert_eq!(ok.json, json!({"received": 100, "revoked": 0}));

    // The limit is 3 per minute and address in this test (the 400 counted too).
    report(&app, json!([]), "198.51.100.1").await.expect(200);
    let limited = report(&app, json!([]), "198.51.100.1").await.expect(429);
    assert!(limited.header("retry-after").is_some());
    assert_eq!(limited.json["name"], "TooManyRequestsError");
    // Another address is not affected.
    report(&app, json!([]), "198.51.100.3").await.expect(200);
}

#[tokio::test]
async fn reports_of_any_text_are_answered() {
    let app = app().await;
    // Multi-byte characters where a `Bearer ` scheme would end once panicked the parser.
    let odd = json!([
        "𝍠𖭽",
        "bearer 𝍠",
        "Bearer\u{a0}x",
        "ééé:é.é",
        " ",
        "user:v2_é"
    ]);
    let res = report(&app, odd, "198.51.100.9").await.expect(200);
    assert_eq!(res.json, json!({"received": 6, "revoked": 0}));
}

fn anchored(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})$")).unwrap()
}

#[tokio::test]
async fn published_token_formats_match_minted_tokens_only() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/token-format.md"))
        .expect("docs/token-format.md");
    for pattern in [PAT_PATTERN, API_TOKEN_PATTERN, LEGACY_API_TOKEN_PATTERN] {
        assert!(
            doc.contains(pattern),
            "docs/token-format.md must publish {pattern}"
        );
    }
    let pat_re = anchored(PAT_PATTERN);
    let api_re = anchored(API_TOKEN_PATTERN);
    let legacy_re = anchored(LEGACY_API_TOKEN_PATTERN);

    let app = app().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "web-shop_2.x~b", "name": "Shop"}),
        &admin,
    )
    .await
    .expect(201);
    for _ in 0..5 {
        let p = secret(&pat(&app, &admin, &uuid::Uuid::new_v4().to_string()).await);
        assert!(pat_re.is_match(&p), "{p}");
        assert!(!api_re.is_match(&p) && !legacy_re.is_match(&p), "{p}");
    }
    let bodies = [
        json!({"tokenName": "a", "type": "client"}),
        json!({"tokenName": "b", "type": "frontend", "environment": "production"}),
        json!({"tokenName": "c", "type": "backend", "environment": "production"}),
        json!({"tokenName": "d", "type": "client", "projects": ["web-shop_2.x~b"]}),
        json!({"tokenName": "e", "type": "client", "projects": ["default", "web-shop_2.x~b"]}),
    ];
    for body in bodies {
        let t = secret(&api_token(&app, &admin, body).await);
        assert!(api_re.is_match(&t), "{t}");
        assert!(!pat_re.is_match(&t), "{t}");
    }
    // Unleash's older API token shape, as seeded or imported.
    let legacy = format!("default:development.{}", "0a1b2c3d".repeat(8));
    assert!(legacy_re.is_match(&legacy));

    // Random strings, near misses and Unleash's v1 PATs (never accepted here) do not match.
    let mut misses = vec![
        uuid::Uuid::new_v4().to_string(),
        format!("user:{}", "ab12".repeat(14)),
        format!("user:v2_{}_{}", "A".repeat(21), "B".repeat(43)),
        format!("user:v2_{}_{}", "A".repeat(22), "B".repeat(44)),
        format!("*:development.v2_{}_{}", "A".repeat(22), "B".repeat(42)),
        format!("*:development.v3_{}_{}", "A".repeat(22), "B".repeat(43)),
        format!("default:development.{}", "0a1b2c3d".repeat(7)),
        "Bearer".to_string(),
        String::new(),
    ];
    for _ in 0..50 {
        misses.push(format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4()
        ));
    }
    for s in misses {
        for re in [&pat_re, &api_re, &legacy_re] {
            assert!(!re.is_match(&s), "{re} matched {s}");
        }
    }
    // Unanchored, as scanners search text, a token is found whole inside surrounding text.
    let p = secret(&pat(&app, &admin, "found").await);
    let text = format!("export UNLEASH_TOKEN=\"{p}\"\n");
    let found = Regex::new(PAT_PATTERN).unwrap().find(&text).unwrap();
    assert_eq!(found.as_str(), p);
}
