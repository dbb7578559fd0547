//! Links from a flag to anything about it (an issue, a dashboard, the code search).

use crate::error::{AppError, AppResult};

/// At most this many links per flag, as Unleash.
pub const MAX_LINKS_PER_FLAG: usize = 10;

pub const FEATURE_LINK_ADDED: &str = "feature-link-added";
pub const FEATURE_LINK_UPDATED: &str = "feature-link-updated";
pub const FEATURE_LINK_REMOVED: &str = "feature-link-removed";

/// A URL as Unleash stores it: `https://` added when no scheme is given, host lower-cased,
/// a trailing slash dropped. Returns the URL and its domain without the public suffix
/// (`github` for `https://github.com/...`).
pub fn normalize_url(raw: &str) -> AppResult<(String, Option<String>)> {
    let trimmed = raw.trim();
    let invalid = || AppError::bad_data(format!("Invalid URL: {raw}"));
    if trimmed.is_empty() {
        return Err(invalid());
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let (scheme, rest) = with_scheme.split_once("://").ok_or_else(invalid)?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") {
        return Err(invalid());
    }
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => (h, Some(p)),
        _ => (host_port, None),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !host_ok || !port_ok || tail.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let mut text = format!(
        "{scheme}://{host_port_lower}{tail}",
        host_port_lower = match port {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        }
    );
    if tail.len() > 1 && text.ends_with('/') || tail == "/" {
        text.pop();
    }
    let labels: Vec<&str> = host
        .trim_start_matches("www.")
        .split('.')
        .filter(|l| !l.is_empty())
        .collect();
    let domain = match labels.len() {
        0 => None,
        1 => Some(labels[0].to_string()),
        n => Some(labels[n - 2].to_string()),
    };
    Ok((text, domain))
}

/// A new link id: sortable by creation (milliseconds first, as a ULID), 26 characters of
/// Crockford base32.
pub fn new_link_id(now_millis: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = String::with_capacity(26);
    for i in (0..10).rev() {
        out.push(ALPHABET[((now_millis >> (i * 5)) & 31) as usize] as char);
    }
    let random = uuid::Uuid::new_v4().as_u128();
    for i in 0..16 {
        out.push(ALPHABET[((random >> (i * 5)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised() {
        let (u, d) = normalize_url("github.com/org/repo/").unwrap();
        assert_eq!(u, "https://github.com/org/repo");
        assert_eq!(d.as_deref(), Some("github"));
        let (u, _) = normalize_url("http://Example.COM").unwrap();
        assert_eq!(u, "http://example.com");
        assert!(normalize_url("").is_err());
        assert!(normalize_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn ids_sort_by_time() {
        let a = new_link_id(1_700_000_000_000);
        let b = new_link_id(1_700_000_000_001);
        assert_eq!(a.len(), 26);
        assert!(a < b);
    }
}
