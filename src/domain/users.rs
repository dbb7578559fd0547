//! Users: what a user is, how it is shown, and the rules for creating and changing one.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_LENGTH: usize = 8;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub root_role_id: i64,
    pub is_service: bool,
    pub created_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    pub login_attempts: i64,
}

/// Formats a time the way Unleash's JSON does: RFC 3339 with milliseconds and `Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn iso_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(iso(t))).unwrap_or(Value::Null)
}

impl User {
    /// The name shown for this user in events and the UI.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.username.clone())
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| format!("user-{}", self.id))
    }

    /// The name recorded in audit events (`createdBy`): the email, else the username, as
    /// Unleash records it.
    pub fn audit_name(&self) -> String {
        self.email
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| self.username.clone().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| self.display_name())
    }

    /// The user's picture: a Gravatar address derived from the email (or username).
    pub fn image_url(&self) -> String {
        let seed = self
            .email
            .as_deref()
            .or(self.username.as_deref())
            .unwrap_or("")
            .to_lowercase();
        let hash = Sha256::digest(seed.as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("https://gravatar.com/avatar/{hex}?s=42&d=retro&r=g")
    }

    /// The user as Unleash's `userSchema` shows it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "accountType": if self.is_service { "Service Account" } else { "User" },
            "id": self.id,
            "imageUrl": self.image_url(),
            "seenAt": iso_opt(self.seen_at),
            "loginAttempts": self.login_attempts,
            "createdAt": iso(self.created_at),
            "scimId": null,
            "seatType": null,
            "companyRole": null,
            "productUpdatesEmailConsent": null,
        });
        let obj = v.as_object_mut().expect("object literal");
        if let Some(n) = &self.name {
            obj.insert("name".into(), json!(n));
        }
        if let Some(u) = &self.username {
            obj.insert("username".into(), json!(u));
        }
        if let Some(e) = &self.email {
            obj.insert("email".into(), json!(e));
        }
        v
    }
}

/// A validated new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub root_role_id: i64,
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Checks and normalises the fields of a user to create: a username or an email is
/// required, emails are stored lower-cased.
pub fn validate_new_user(
    username: Option<String>,
    email: Option<String>,
    name: Option<String>,
    root_role_id: i64,
) -> AppResult<NewUser> {
    let username = clean(username);
    let email = clean(email).map(|e| e.to_lowercase());
    if username.is_none() && email.is_none() {
        return Err(AppError::bad_data("You must specify username or email"));
    }
    if let Some(e) = &email {
        if !e.contains('@') || e.starts_with('@') || e.ends_with('@') {
            return Err(AppError::bad_data(format!(
                "\"{e}\" is not a valid email address"
            )));
        }
    }
    if let Some(u) = &username {
        if u.len() > 255 || u.chars().any(char::is_control) {
            return Err(AppError::bad_data(
                "username must be at most 255 characters without control characters",
            ));
        }
    }
    Ok(NewUser {
        username,
        email,
        name: clean(name),
        root_role_id,
    })
}

/// Password rule: at least [`MIN_PASSWORD_LENGTH`] characters.
pub fn validate_password(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(AppError::bad_data(format!(
            "The password must be at least {MIN_PASSWORD_LENGTH} characters long."
        )));
    }
    if password.len() > 1024 {
        return Err(AppError::bad_data(
            "The password must be at most 1024 characters long.",
        ));
    }
    Ok(())
}
