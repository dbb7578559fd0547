//! The client address of a request: the TCP peer, or, behind a proxy the operator trusts,
//! the address that proxy reports in the configured header.
//!
//! With `TRUSTED_PROXY_HEADER=X-Forwarded-For` the right-most entry is used: it is the one
//! the trusted proxy appended, while entries to its left came from the client and can be
//! forged. Any other header is read as a single address. A missing or unparsable header
//! falls back to the TCP peer, so a misconfigured proxy cannot make every client share one
//! address by accident without it showing in logs as the proxy's address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};

tokio::task_local! {
    /// The TCP peer of the connection being served: set once per connection by the server
    /// (see [`with_peer`]), which costs less than an extension inserted into every request.
    static PEER: SocketAddr;
}

/// Serves a connection's requests (`fut`) with `peer` as their TCP peer.
pub fn with_peer<F: std::future::Future>(
    peer: SocketAddr,
    fut: F,
) -> tokio::task::futures::TaskLocalFuture<SocketAddr, F> {
    PEER.scope(peer, fut)
}

/// The client's IP address, if it can be known.
pub fn client_ip(parts: &Parts, trusted_header: Option<&str>) -> Option<IpAddr> {
    client_ip_of(&parts.headers, &parts.extensions, trusted_header)
}

/// As [`client_ip`], from a request's headers and extensions (for layers that hold the
/// whole request).
pub fn client_ip_of(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted_header: Option<&str>,
) -> Option<IpAddr> {
    if let Some(name) = trusted_header.filter(|n| !n.is_empty()) {
        if let Some(ip) = from_header(headers, name) {
            return Some(ip);
        }
    }
    // A request's own `ConnectInfo` (set by axum's `into_make_service_with_connect_info`)
    // first, then the connection the server is serving.
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .or_else(|| PEER.try_with(|p| p.ip()).ok())
}

fn from_header(headers: &HeaderMap, name: &str) -> Option<IpAddr> {
    // Several header lines count as one comma-separated list, in order.
    let last = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|s| !s.is_empty())?;
    parse_ip(last)
}

/// An address as proxies write it: bare, `[v6]`, `v4:port` or `[v6]:port`.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse().ok())
}

/// Makes each request's client address known to the code that records token use (see
/// [`crate::service::tokens::client_address`]), without a change to any handler.
#[derive(Clone)]
pub struct ClientAddressLayer {
    trusted_header: Option<std::sync::Arc<str>>,
}

impl ClientAddressLayer {
    pub fn new(trusted_header: Option<&str>) -> Self {
        ClientAddressLayer {
            trusted_header: trusted_header.filter(|h| !h.is_empty()).map(Into::into),
        }
    }
}

impl<S> tower::Layer<S> for ClientAddressLayer {
    type Service = ClientAddressService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ClientAddressService {
            inner,
            trusted_header: self.trusted_header.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ClientAddressService<S> {
    inner: S,
    trusted_header: Option<std::sync::Arc<str>>,
}

impl<S, B> tower::Service<axum::http::Request<B>> for ClientAddressService<S>
where
    S: tower::Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tokio::task::futures::TaskLocalFuture<Option<IpAddr>, S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let ip = client_ip_of(
            req.headers(),
            req.extensions(),
            self.trusted_header.as_deref(),
        );
        crate::auth::seen::with_client_address(ip, self.inner.call(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut b = Request::builder();
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (mut p, _) = b.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            p.extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        p
    }

    #[test]
    fn peer_address_without_a_trusted_header() {
        let p = parts(&[("x-forwarded-for", "1.2.3.4")], Some("10.0.0.1:5000"));
        assert_eq!(client_ip(&p, None), "10.0.0.1".parse().ok());
    }

    #[test]
    fn right_most_forwarded_entry_when_trusted() {
        let p = parts(
            &[
                ("x-forwarded-for", "6.6.6.6, 1.2.3.4"),
                ("x-forwarded-for", "5.5.5.5"),
            ],
            Some("10.0.0.1:5000"),
        );
        assert_eq!(
            client_ip(&p, Some("X-Forwarded-For")),
            "5.5.5.5".parse().ok()
        );
    }

    #[test]
    fn ports_and_brackets_are_understood_and_garbage_falls_back() {
        let p = parts(&[("x-real-ip", "[::1]:80")], None);
        assert_eq!(client_ip(&p, Some("x-real-ip")), "::1".parse().ok());
        let p = parts(&[("x-real-ip", "203.0.113.9:443")], None);
        assert_eq!(client_ip(&p, Some("x-real-ip")), "203.0.113.9".parse().ok());
        let p = parts(&[("x-real-ip", "nonsense")], Some("10.0.0.1:1"));
        assert_eq!(client_ip(&p, Some("x-real-ip")), "10.0.0.1".parse().ok());
    }
}
