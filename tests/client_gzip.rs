//! `/api/client/features` answers gzip-compressed to clients that accept it (as Unleash does),
//! with the same ETag, and plain to the others.

mod common;

use std::io::Read;

use axum::body::Body;
use axum::http::{header, Request};
use common::TestApp;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn raw(
    app: &TestApp,
    token: &str,
    extra: &[(&str, &str)],
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder()
        .uri("/api/client/features")
        .header(header::AUTHORIZATION, token);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let res = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("router never fails");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, bytes.to_vec())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

#[tokio::test]
async fn client_features_are_compressed_for_clients_that_accept_gzip() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for i in 0..12 {
        app.post(
            "/api/admin/projects/default/features",
            json!({"name": format!("compressible-flag-{i}"), "description": "a flag with a long enough description to make the body worth compressing"}),
            &admin,
        )
        .await
        .expect(201);
    }
    let token = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "sdk", "type": "client", "environment": "development", "projects": ["*"]}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    // Let the SDK snapshot pick up the new flags.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let (status, plain_headers, plain) = raw(&app, &token, &[]).await;
    assert_eq!(status, 200);
    assert!(plain_headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain_headers[header::VARY], "Accept-Encoding");
    let plain_json: Value = serde_json::from_slice(&plain).expect("json");
    assert_eq!(plain_json["features"].as_array().map(Vec::len), Some(12));
    assert!(plain.len() > 1024, "body of {} bytes", plain.len());

    let (status, headers, zipped) = raw(&app, &token, &[("accept-encoding", "br, GZIP")]).await;
    assert_eq!(status, 200);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(headers[header::ETAG], plain_headers[header::ETAG]);
    assert!(zipped.len() < plain.len() / 2, "{} bytes", zipped.len());
    assert_eq!(gunzip(&zipped), plain);

    // Refused gzip, or another coding only: plain.
    for refused in ["gzip;q=0", "br", "identity"] {
        let (_, headers, body) = raw(&app, &token, &[("accept-encoding", refused)]).await;
        assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{refused}");
        assert_eq!(body, plain, "{refused}");
    }

    // The ETag still answers 304, whatever the encoding.
    let etag = plain_headers[header::ETAG]
        .to_str()
        .expect("etag")
        .to_string();
    let (status, _, body) = raw(
        &app,
        &token,
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
}
