//! Failed token authentication is throttled per client address: past the limit, requests
//! carrying a token from that address get 429 with Retry-After, without any database work;
//! other addresses and recently verified tokens are unaffected.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{send, Auth, RunningServer, TestApp, TestResponse};
use serde_json::json;

const XFF: &str = "X-Forwarded-For";

async fn app_with_limit(limit: u32, trusted: Option<&str>) -> TestApp {
    let trusted = trusted.map(str::to_string);
    TestApp::with_config(move |c| {
        c.token_auth_failure_limit_per_minute = limit;
        c.trusted_proxy_header = trusted;
    })
    .await
}

async fn get_from(app: &TestApp, path: &str, token: Option<&str>, from: &str) -> TestResponse {
    let mut req = Request::builder().uri(path).header(XFF, from);
    if let Some(t) = token {
        req = req.header("authorization", t);
    }
    send(&app.router, req.body(Body::empty()).unwrap()).await
}

fn random_token(i: usize) -> String {
    format!("*:development.{}", uuid::Uuid::new_v4().simple()) + &i.to_string()
}

fn random_pat() -> String {
    format!("user:v2_{}_{}", "A".repeat(22), "B".repeat(43))
}

async fn client_token(app: &TestApp) -> String {
    let admin = app.admin().await;
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "sdk", "type": "client"}),
        &admin,
    )
    .await
    .expect(201)
    .json["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn admin_pat(app: &TestApp) -> String {
    let admin = app.admin().await;
    app.post(
        "/api/admin/user/tokens",
        json!({"description": "ci", "expiresAt": (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339()}),
        &admin,
    )
    .await
    .expect(201)
    .json["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn failures_past_the_limit_get_429_from_that_address_only() {
    let app = app_with_limit(5, Some(XFF)).await;
    let valid = client_token(&app).await;
    let pat = admin_pat(&app).await;
    let attacker = "203.0.113.7";
    let neighbour = "198.51.100.20";

    // A valid token used once from elsewhere is known to authenticate.
    get_from(&app, "/api/client/features", Some(&valid), neighbour)
        .await
        .expect(200);

    for i in 0..5 {
        get_from(
            &app,
            "/api/client/features",
            Some(&random_token(i)),
            attacker,
        )
        .await
        .expect(401);
    }
    let refused = get_from(
        &app,
        "/api/client/features",
        Some(&random_token(9)),
        attacker,
    )
    .await
    .expect(429);
    let retry: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.json["name"], "TooManyRequestsError");
    assert!(refused.json["id"].is_string());
    assert!(refused.json["details"][0]["message"].is_string());

    // Every API that verifies tokens is closed to that address's unknown tokens.
    for path in [
        "/api/admin/projects",
        "/api/frontend",
        "/api/client/features",
    ] {
        get_from(&app, path, Some(&random_pat()), attacker)
            .await
            .expect(429);
    }
    // A PAT never seen to authenticate is refused too while the address is blocked.
    get_from(&app, "/api/admin/projects", Some(&pat), attacker)
        .await
        .expect(429);
    // A token seen to authenticate recently still passes, and is verified as usual.
    get_from(&app, "/api/client/features", Some(&valid), attacker)
        .await
        .expect(200);
    // Requests without a token are not this throttle's business.
    get_from(&app, "/api/client/features", None, attacker)
        .await
        .expect(401);

    // Other addresses: valid tokens work, failures are counted separately.
    get_from(&app, "/api/client/features", Some(&valid), neighbour)
        .await
        .expect(200);
    get_from(&app, "/api/admin/projects", Some(&pat), neighbour)
        .await
        .expect(200);
    get_from(
        &app,
        "/api/client/features",
        Some(&random_token(1)),
        neighbour,
    )
    .await
    .expect(401);

    let metrics = app
        .get("/internal-backstage/prometheus", &Auth::None)
        .await
        .expect(200)
        .text;
    let throttled = metrics
        .lines()
        .find_map(|l| l.strip_prefix("switchyard_token_auth_throttled_total "))
        .expect("throttled counter");
    assert_eq!(throttled, "5", "{metrics}");
    let failures = metrics
        .lines()
        .find_map(|l| l.strip_prefix("switchyard_token_auth_failures_total "))
        .expect("failure counter");
    assert_eq!(failures, "6");
}

#[tokio::test]
async fn admin_api_failures_count_and_wrong_kind_tokens_do_not() {
    let app = app_with_limit(3, Some(XFF)).await;
    let valid = client_token(&app).await;
    let from = "192.0.2.50";
    // A real client token on the Admin API is refused (403) but authenticated: not counted.
    for _ in 0..5 {
        get_from(&app, "/api/admin/projects", Some(&valid), from)
            .await
            .expect(403);
    }
    for _ in 0..3 {
        get_from(&app, "/api/admin/projects", Some(&random_pat()), from)
            .await
            .expect(401);
    }
    get_from(&app, "/api/admin/projects", Some("nonsense"), from)
        .await
        .expect(429);
}

#[tokio::test]
async fn throttled_requests_need_no_database() {
    let app = app_with_limit(2, Some(XFF)).await;
    let from = "192.0.2.99";
    for i in 0..2 {
        get_from(&app, "/api/client/features", Some(&random_token(i)), from)
            .await
            .expect(401);
    }
    app.state.db.close().await;
    // With the database gone, a token from another address cannot be checked...
    get_from(
        &app,
        "/api/client/features",
        Some(&random_token(3)),
        "192.0.2.100",
    )
    .await
    .expect(500);
    // ...while the throttled address is still answered, from memory.
    for i in 0..20 {
        get_from(&app, "/api/client/features", Some(&random_token(i)), from)
            .await
            .expect(429);
        get_from(&app, "/api/admin/projects", Some(&random_pat()), from)
            .await
            .expect(429);
    }
}

#[tokio::test]
async fn zero_turns_throttling_off() {
    let app = app_with_limit(0, Some(XFF)).await;
    for i in 0..30 {
        get_from(
            &app,
            "/api/client/features",
            Some(&random_token(i)),
            "192.0.2.1",
        )
        .await
        .expect(401);
    }
}

async fn status_over_tcp(base: &str, token: &str, forwarded_for: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/client/features"))
        .header("authorization", token)
        .header(XFF, forwarded_for)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_forwarded_address_is_believed_only_when_its_header_is_configured() {
    // Not configured: every request counts against the TCP peer, whatever it claims.
    let app = app_with_limit(3, None).await;
    let server = RunningServer::start(app.state.clone()).await;
    for (i, claimed) in ["10.1.1.1", "10.1.1.2", "10.1.1.3"].iter().enumerate() {
        assert_eq!(
            status_over_tcp(&server.base, &random_token(i), claimed).await,
            401
        );
    }
    assert_eq!(
        status_over_tcp(&server.base, &random_token(4), "10.1.1.4").await,
        429
    );
    server.stop().await;

    // Configured: the proxy's right-most entry is the client.
    let app = app_with_limit(3, Some(XFF)).await;
    let server = RunningServer::start(app.state.clone()).await;
    for i in 0..3 {
        assert_eq!(
            status_over_tcp(&server.base, &random_token(i), "10.1.1.1").await,
            401
        );
    }
    assert_eq!(
        status_over_tcp(&server.base, &random_token(4), "10.1.1.1").await,
        429
    );
    // A forged left-hand entry does not move the client to another address...
    assert_eq!(
        status_over_tcp(&server.base, &random_token(5), "10.9.9.9, 10.1.1.1").await,
        429
    );
    // ...while a different client behind the proxy is unaffected.
    assert_eq!(
        status_over_tcp(&server.base, &random_token(6), "10.1.1.2").await,
        401
    );
    server.stop().await;
}
