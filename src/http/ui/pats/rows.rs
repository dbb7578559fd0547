//! The token list's rows: dates, scope labels and last client addresses.

use chrono::{DateTime, Datelike, Utc};

use crate::domain::token_scope::TokenScope;
use crate::domain::tokens::{Expiry, Pat};
use crate::http::ui::{date, date_time};
use crate::state::AppState;

/// "Never" is stored as the end of year 9999, which Unleash's UI also shows as "Never".
pub(super) fn never() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(super) fn is_never(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    expires_at.year() > now.year() + 100
}

pub struct TokenRow {
    pub id: i64,
    pub description: String,
    pub expires: String,
    pub created: String,
    pub seen: String,
    pub expired: bool,
    pub expires_soon: bool,
    /// Set while a rotated token still works: when its grace ends.
    pub rotating_until: Option<String>,
    /// Not yet rotated and not expired.
    pub can_rotate: bool,
    /// The last client addresses, newest first.
    pub addresses: String,
    /// "Read and write · all projects · all environments" and the like.
    pub scope: String,
    pub scope_narrowed: bool,
}

/// How the token list shows a scope.
pub(super) fn scope_label(scope: &TokenScope) -> String {
    let access = if scope.is_read_only() {
        "Read only"
    } else {
        "Read and write"
    };
    let list = |l: &Option<Vec<String>>, all: &str, one: &str| match l {
        None => all.to_string(),
        Some(v) => format!("{one} {}", v.join(", ")),
    };
    format!(
        "{access} · {} · {}",
        list(&scope.projects, "all projects", "projects:"),
        list(&scope.environments, "all environments", "environments:")
    )
}

/// The user's tokens with their last client addresses.
pub struct PatList {
    pub(super) pats: Vec<Pat>,
    pub(super) addresses: std::collections::HashMap<i64, Vec<crate::domain::tokens::LastAddress>>,
    /// The user's tokens an Admin revoked lately: (description, by whom, when).
    pub(super) revoked: Vec<(String, String, String)>,
}

impl std::ops::Deref for PatList {
    type Target = [Pat];
    fn deref(&self) -> &[Pat] {
        &self.pats
    }
}

pub(super) fn rows(state: &AppState, pats: &PatList) -> Vec<TokenRow> {
    let now = state.clock.now();
    let lead = &state.config.token_expiry_notification_days;
    pats.iter()
        .map(|p| TokenRow {
            id: p.id,
            description: p.description.clone(),
            expires: if is_never(p.expires_at, now) {
                "Never".into()
            } else {
                date(p.expires_at)
            },
            created: date(p.created_at),
            seen: p.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
            expired: p.expiry(now, lead) == Some(Expiry::Expired),
            expires_soon: p.expiry(now, lead) == Some(Expiry::ExpiresSoon),
            scope: scope_label(&p.scope),
            scope_narrowed: !p.scope.is_unrestricted(),
            rotating_until: p
                .rotated_at
                .filter(|_| p.expires_at > now)
                .map(|_| date_time(p.expires_at)),
            can_rotate: p.rotated_at.is_none() && p.expires_at > now,
            addresses: pats
                .addresses
                .get(&p.id)
                .map(|list| {
                    list.iter()
                        .map(|a| a.address.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        })
        .collect()
}
