//! The Admins' inventory of personal access tokens: every person's and service account's
//! token with its owner, and the filters it can be narrowed by.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::tokens::never_expires;
use super::users::iso;
use crate::error::{AppError, AppResult};

/// A personal access token with its owner (never its secret).
#[derive(Debug, Clone)]
pub struct InventoryToken {
    pub id: i64,
    pub user_id: i64,
    pub description: String,
    pub selector: String,
    /// As stored: `*` for all of the owner's permissions.
    pub scopes: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    pub created_by_user_id: Option<i64>,
    pub owner_username: Option<String>,
    pub owner_email: Option<String>,
    pub owner_name: Option<String>,
    pub owner_is_service: bool,
}

impl InventoryToken {
    /// The name shown for the owner.
    pub fn owner_display(&self) -> String {
        self.owner_name
            .clone()
            .or_else(|| self.owner_username.clone())
            .or_else(|| self.owner_email.clone())
            .unwrap_or_else(|| format!("user-{}", self.user_id))
    }

    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }

    /// The last time the token was used, or when it was created if never.
    pub fn last_activity(&self) -> DateTime<Utc> {
        self.seen_at.unwrap_or(self.created_at).max(self.created_at)
    }

    /// What a revocation event records: never the secret or its digest.
    pub fn event_data(&self) -> Value {
        json!({
            "id": self.id,
            "description": self.description,
            "expiresAt": iso(self.expires_at),
            "secure": true,
            "selector": self.selector,
            "userId": self.user_id,
        })
    }
}

/// Longest span a day-count filter accepts (100 years).
pub const MAX_FILTER_DAYS: i64 = 36_500;

/// Which owners a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerKind {
    #[default]
    Any,
    Person,
    ServiceAccount,
}

/// The inventory's filters; every one given must hold.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    pub owner_kind: OwnerKind,
    /// `Some(true)`: only expired tokens; `Some(false)`: only unexpired ones.
    pub expired: Option<bool>,
    /// Unexpired tokens that expire within this many days.
    pub expiring_within_days: Option<i64>,
    /// Tokens neither used nor created within this many days.
    pub unused_for_days: Option<i64>,
    /// `Some(true)`: only tokens that never expire; `Some(false)`: only those that do.
    pub never_expires: Option<bool>,
}

/// A day count from a query parameter: a whole number from 0 to [`MAX_FILTER_DAYS`].
pub fn parse_days(name: &str, raw: &str) -> AppResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(d) if (0..=MAX_FILTER_DAYS).contains(&d) => Ok(d),
        _ => Err(AppError::bad_field(
            &format!("/query/{name}"),
            format!(
                "The query parameter `{name}` must be a whole number of days from 0 to {MAX_FILTER_DAYS}. You sent \"{raw}\"."
            ),
        )),
    }
}

/// `true` or `false` from a query parameter.
pub fn parse_flag(name: &str, raw: &str) -> AppResult<bool> {
    match raw.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(AppError::bad_field(
            &format!("/query/{name}"),
            format!("The query parameter `{name}` must be true or false. You sent \"{raw}\"."),
        )),
    }
}

/// `person` or `service` from a query parameter.
pub fn parse_owner_kind(raw: &str) -> AppResult<OwnerKind> {
    match raw.trim() {
        "" | "any" => Ok(OwnerKind::Any),
        "person" | "user" => Ok(OwnerKind::Person),
        "service" | "service-account" => Ok(OwnerKind::ServiceAccount),
        _ => Err(AppError::bad_field(
            "/query/ownerType",
            format!(
                "The query parameter `ownerType` must be person or service. You sent \"{raw}\"."
            ),
        )),
    }
}

impl InventoryFilter {
    pub fn matches(&self, t: &InventoryToken, now: DateTime<Utc>) -> bool {
        let kind_ok = match self.owner_kind {
            OwnerKind::Any => true,
            OwnerKind::Person => !t.owner_is_service,
            OwnerKind::ServiceAccount => t.owner_is_service,
        };
        let expired_ok = self.expired.is_none_or(|want| t.expired(now) == want);
        let expiring_ok = self
            .expiring_within_days
            .is_none_or(|d| !t.expired(now) && t.expires_at <= now + TimeDelta::days(d));
        let unused_ok = self
            .unused_for_days
            .is_none_or(|d| t.last_activity() <= now - TimeDelta::days(d));
        let never_ok = self
            .never_expires
            .is_none_or(|want| never_expires(t.expires_at, now) == want);
        kind_ok && expired_ok && expiring_ok && unused_ok && never_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn token(expires: &str, created: &str, seen: Option<&str>, service: bool) -> InventoryToken {
        InventoryToken {
            id: 1,
            user_id: 2,
            description: "d".into(),
            selector: "s".into(),
            scopes: "*".into(),
            expires_at: at(expires),
            created_at: at(created),
            seen_at: seen.map(at),
            created_by_user_id: None,
            owner_username: Some("u".into()),
            owner_email: None,
            owner_name: None,
            owner_is_service: service,
        }
    }

    #[test]
    fn filters_hold_together() {
        let now = at("2026-06-01T00:00:00Z");
        let soon = token("2026-06-05T00:00:00Z", "2026-01-01T00:00:00Z", None, false);
        let gone = token("2026-05-01T00:00:00Z", "2026-01-01T00:00:00Z", None, true);
        let never = token(
            "9999-12-31T23:59:59Z",
            "2026-05-30T00:00:00Z",
            Some("2026-05-31T00:00:00Z"),
            false,
        );
        let expiring = InventoryFilter {
            expiring_within_days: Some(7),
            ..Default::default()
        };
        assert!(expiring.matches(&soon, now));
        assert!(!expiring.matches(&gone, now), "expired is not expiring");
        assert!(!expiring.matches(&never, now));
        let expired = InventoryFilter {
            expired: Some(true),
            ..Default::default()
        };
        assert!(expired.matches(&gone, now) && !expired.matches(&soon, now));
        let unused = InventoryFilter {
            unused_for_days: Some(30),
            ..Default::default()
        };
        assert!(unused.matches(&soon, now));
        assert!(!unused.matches(&never, now), "used yesterday");
        let forever = InventoryFilter {
            never_expires: Some(true),
            owner_kind: OwnerKind::Person,
            ..Default::default()
        };
        assert!(forever.matches(&never, now) && !forever.matches(&soon, now));
        let services = InventoryFilter {
            owner_kind: OwnerKind::ServiceAccount,
            ..Default::default()
        };
        assert!(services.matches(&gone, now) && !services.matches(&never, now));
    }

    #[test]
    fn day_counts_are_bounded() {
        assert_eq!(parse_days("unusedForDays", "30").unwrap(), 30);
        assert!(parse_days("unusedForDays", "-1").is_err());
        assert!(parse_days("unusedForDays", "9223372036854775808").is_err());
        assert!(parse_days("unusedForDays", "x").is_err());
        assert!(parse_flag("expired", "yes").is_err());
    }
}
