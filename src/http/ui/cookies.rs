//! The cookies and tokens the UI's pages carry: the one-shot flash message cookie, the
//! CSRF token derived from a session, and reading a cookie from a request.

use axum::http::{header, HeaderMap};

use crate::auth::token::digest;
use crate::state::AppState;

/// Cookie that carries a one-shot message to the next page (after a redirect).
pub(super) const FLASH_COOKIE: &str = "switchyard-flash";

/// The CSRF token of a session: a one-way digest of the session secret, so the page can
/// carry it without revealing the session, and another session cannot reuse it.
pub fn csrf_token(session_value: &str) -> String {
    digest(&format!("switchyard-ui-csrf:{session_value}"))
}

pub(super) fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub(super) fn cookie_path(state: &AppState) -> String {
    let base = state.config.base_path();
    if base.is_empty() {
        "/".into()
    } else {
        base
    }
}

pub(super) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::{csrf_token, digest};

    #[test]
    fn csrf_tokens_differ_per_session_and_hide_it() {
        let a = csrf_token("session-a");
        assert_ne!(a, csrf_token("session-b"));
        assert!(!a.contains("session-a"));
        assert_ne!(a, digest("session-a"));
    }
}
