//! Service accounts: password-less users, flagged as service, that act through the tokens
//! an Admin mints for them with the permissions of their root role. They cannot sign in,
//! and their tokens belong to the account, not to whoever minted them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::tokens::Pat;
use super::users::User;
use crate::error::{AppError, AppResult};

pub const SERVICE_ACCOUNT_CREATED: &str = "service-account-created";
pub const SERVICE_ACCOUNT_UPDATED: &str = "service-account-updated";
pub const SERVICE_ACCOUNT_DELETED: &str = "service-account-deleted";
pub const SERVICE_ACCOUNT_TOKEN_CREATED: &str = "service-account-token-created";
pub const SERVICE_ACCOUNT_TOKEN_DELETED: &str = "service-account-token-deleted";

/// Longest name or username a service account may have.
pub const MAX_NAME_CHARS: usize = 255;

fn required(field: &str) -> AppError {
    AppError::bad_field(
        &format!("/body/{field}"),
        format!(
            "The `/body/{field}` property is required. It was not present on the data you sent."
        ),
    )
}

/// A name or username: trimmed, not empty, at most [`MAX_NAME_CHARS`] characters, no
/// control characters.
pub fn check_text(field: &str, value: Option<&str>) -> AppResult<String> {
    let v = value.map(str::trim).ok_or_else(|| required(field))?;
    if v.is_empty() {
        return Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!("The `/body/{field}` property must not be empty."),
        ));
    }
    if v.chars().count() > MAX_NAME_CHARS || v.chars().any(char::is_control) {
        return Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!(
                "The `/body/{field}` property must be at most {MAX_NAME_CHARS} characters without control characters."
            ),
        ));
    }
    Ok(v.to_string())
}

/// When the account last acted: its newest token use.
pub fn last_seen(user: &User, tokens: &[Pat]) -> Option<DateTime<Utc>> {
    tokens
        .iter()
        .filter_map(|t| t.seen_at)
        .chain(user.seen_at)
        .max()
}

/// What service-account events record about the account.
pub fn event_data(user: &User) -> Value {
    json!({
        "id": user.id,
        "name": user.name,
        "username": user.username,
        "rootRole": user.root_role_id,
    })
}

/// What service-account token events record: the token (never its secret) and its account.
pub fn token_event_data(pat: &Pat, account: &User) -> Value {
    let mut v = pat.event_data();
    v["serviceAccountId"] = json!(account.id);
    v["serviceAccountUsername"] = json!(account.username);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(check_text("name", Some("  ci bot ")).unwrap(), "ci bot");
        assert!(check_text("name", None).is_err());
        assert!(check_text("username", Some("   ")).is_err());
        assert!(check_text("username", Some("a\u{7}b")).is_err());
        assert!(check_text("username", Some(&"x".repeat(256))).is_err());
    }
}
