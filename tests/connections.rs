//! Connections over a real TCP port: slow, half-sent and idle ones are closed after the
//! head deadline; at the connection limit the ones idle longest make room for new ones,
//! and when none is idle, connections past the limit are closed at once while those
//! within it are served.

mod common;

use std::time::{Duration, Instant};

use common::{RunningServer, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn server(
    headers_timeout_ms: u64,
    max_connections: Option<usize>,
) -> (TestApp, RunningServer) {
    let app = TestApp::with_config(|c| {
        c.headers_timeout_ms = headers_timeout_ms;
        c.max_connections = max_connections;
    })
    .await;
    let running = RunningServer::start(app.state.clone()).await;
    (app, running)
}

fn addr(running: &RunningServer) -> String {
    running.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<(String, Instant)> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => {
                return Some((String::from_utf8_lossy(&seen).to_string(), Instant::now()))
            }
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

async fn health_over(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).to_string()
}

#[tokio::test]
async fn silent_half_sent_and_idle_connections_are_closed_after_the_head_deadline() {
    let (_app, running) = server(600, None).await;
    let started = Instant::now();
    // Says nothing at all.
    let mut silent = TcpStream::connect(addr(&running)).await.unwrap();
    // Sends half a request head.
    let mut half = TcpStream::connect(addr(&running)).await.unwrap();
    half.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    // Makes one request, then idles on the kept-alive connection.
    let mut idle = TcpStream::connect(addr(&running)).await.unwrap();
    assert!(health_over(&mut idle).await.starts_with("HTTP/1.1 200"));

    for (name, stream) in [
        ("silent", &mut silent),
        ("half-sent", &mut half),
        ("idle", &mut idle),
    ] {
        let (_, closed) = read_until_closed(stream, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("the {name} connection was still open after 10 s"));
        assert!(
            closed.duration_since(started) >= Duration::from_millis(500),
            "the {name} connection was closed before its deadline"
        );
    }
    // A prompt client on a fresh connection is served as usual.
    let mut fresh = TcpStream::connect(addr(&running)).await.unwrap();
    assert!(health_over(&mut fresh).await.starts_with("HTTP/1.1 200"));
    running.stop().await;
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_and_those_within_it_served() {
    let (_app, running) = server(30_000, Some(2)).await;
    let mut first = TcpStream::connect(addr(&running)).await.unwrap();
    let mut second = TcpStream::connect(addr(&running)).await.unwrap();
    assert!(health_over(&mut first).await.starts_with("HTTP/1.1 200"));
    assert!(health_over(&mut second).await.starts_with("HTTP/1.1 200"));

    // A third is accepted by the kernel, then closed by the server without an answer.
    let mut third = TcpStream::connect(addr(&running)).await.unwrap();
    let _ = third
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await;
    let (sent, _) = read_until_closed(&mut third, Duration::from_secs(5))
        .await
        .expect("the connection past the limit is closed");
    assert!(sent.is_empty(), "{sent}");

    // Once one ends, a new connection is served again.
    drop(first);
    let mut served = None;
    for _ in 0..50 {
        let mut next = TcpStream::connect(addr(&running)).await.unwrap();
        let _ = next
            .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            .await;
        let mut buf = [0u8; 1024];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(2), next.read(&mut buf)).await {
            if n > 0 {
                served = Some(String::from_utf8_lossy(&buf[..n]).to_string());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served
        .expect("served after a slot freed")
        .starts_with("HTTP/1.1 200"));
    assert!(health_over(&mut second).await.starts_with("HTTP/1.1 200"));
    running.stop().await;
}

#[tokio::test]
async fn at_the_limit_connections_that_never_sent_a_request_make_room_first() {
    let (_app, running) = server(30_000, Some(3)).await;
    // The oldest says nothing; the next has been served and idles for over a second; the
    // newest is sending a slow head (half of it now).
    let mut silent = TcpStream::connect(addr(&running)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut kept_alive = TcpStream::connect(addr(&running)).await.unwrap();
    assert!(health_over(&mut kept_alive)
        .await
        .starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let mut recent = TcpStream::connect(addr(&running)).await.unwrap();
    recent
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();

    // A health check on a new connection is served: the oldest connection that never sent a
    // request made room.
    let mut check = TcpStream::connect(addr(&running)).await.unwrap();
    assert!(health_over(&mut check).await.starts_with("HTTP/1.1 200"));
    let (sent, _) = read_until_closed(&mut silent, Duration::from_secs(5))
        .await
        .expect("the silent connection made room");
    assert!(sent.is_empty(), "{sent}");

    // The client served before was kept: it has proved itself a real client.
    assert!(health_over(&mut kept_alive)
        .await
        .starts_with("HTTP/1.1 200"));
    // The connection that started moments ago was left alone (one room-making close was
    // enough): its request completes and is answered.
    recent.write_all(b"\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), recent.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    running.stop().await;
}

/// Reads one answer (head and a `Content-Length` body) from a kept-alive connection.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return text;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .expect("the connection stays open");
        assert!(n > 0, "closed before a whole answer: {text}");
        seen.extend_from_slice(&buf[..n]);
    }
}

/// Clients send `{}` to endpoints that take no body (`POST .../on`), often in a packet of
/// its own after the head. The body arriving after the handler could have answered must
/// not cost the connection: each answer keeps it open and the next request on it is served.
#[tokio::test]
async fn a_body_sent_after_the_head_to_an_endpoint_that_ignores_it_keeps_the_connection() {
    let (app, running) = server(30_000, None).await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        serde_json::json!({"name": "late-body"}),
        &admin,
    )
    .await
    .expect(201);
    let common::Auth::Session(cookie) = &admin else {
        panic!("a session");
    };
    let mut stream = TcpStream::connect(addr(&running)).await.unwrap();
    for state in ["on", "off", "on"] {
        let head = format!(
            "POST /api/admin/projects/default/features/late-body/environments/development/{state} HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        stream.write_all(b"{}").await.unwrap();
        let answer = read_answer(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            !answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
    }
    assert!(health_over(&mut stream).await.starts_with("HTTP/1.1 200"));
    let flag = app
        .get("/api/admin/projects/default/features/late-body", &admin)
        .await
        .expect(200);
    let development = flag.json["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .find(|e| e["name"] == "development")
        .expect("development");
    assert_eq!(development["enabled"], true, "the last toggle was `on`");
    running.stop().await;
}
