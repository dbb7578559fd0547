//! Login sessions' cookies: an opaque random id in an HttpOnly cookie (stored hashed; see
//! `service::caller` for creating and resolving sessions).

use axum::http::HeaderMap;

use super::token::Secret;

/// Unleash's cookie name, so that existing tooling finds it.
pub const COOKIE: &str = "unleash-session";

/// True when the request reached us over https, directly or through a proxy.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        })
        .unwrap_or(false)
}

/// The Set-Cookie value for a new session.
pub fn cookie(value: &Secret, ttl_hours: u32, secure: bool, path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let max_age = u64::from(ttl_hours) * 3600;
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        value.expose()
    )
}

/// A Set-Cookie value that removes the session cookie.
pub fn removal(path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    format!("{COOKIE}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// The session cookie's value in a request, if any.
pub fn from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}
