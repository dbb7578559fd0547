//! The floor for `GET /api/client/features`: an axum server that answers every request with
//! one fixed body (read from a file at start) and an ETag, with no authentication, no
//! middleware and no state. bench/client-vs-bare.sh measures Switchyard against it.
//!
//!     bare-axum PORT BODY_FILE [ETAG]

use axum::body::Bytes;
use axum::http::header;
use axum::Router;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bare-axum PORT BODY_FILE [ETAG]";
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{usage}"));
    let path = args.next().unwrap_or_else(|| panic!("{usage}"));
    let body = Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")));
    let etag = args.next().unwrap_or_else(|| "\"bare\"".to_string());
    let app = Router::new().fallback(move || {
        let body = body.clone();
        let etag = etag.clone();
        async move {
            (
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (header::ETAG, etag),
                ],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("port {port}: {e}"));
    axum::serve(listener, app).await.expect("serve");
}
