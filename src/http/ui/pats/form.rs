//! The "New token" form: expiry and scope choices, what a posted form asks for, and the
//! equivalent `curl` call.

use axum::http::{header, HeaderMap};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::json;

use super::rows::{is_never, never};
use crate::domain::token_scope::{Access, TokenScope};
use crate::domain::users::iso;
use crate::error::AppError;
use crate::http::ui::date;
use crate::http::ui::forms::field;
use crate::state::AppState;

/// The expiry choices of the form, as (value, label); 30 days is the default.
pub const EXPIRY_CHOICES: [(&str, &str); 6] = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("60", "60 days"),
    ("90", "90 days"),
    ("custom", "Custom"),
    ("never", "Never"),
];

/// What the "New token" form shows.
pub struct FormState {
    pub description: String,
    pub expiry: String,
    /// (value, label, selected) of each expiry choice.
    pub options: Vec<(&'static str, &'static str, bool)>,
    pub custom: String,
    pub custom_min: String,
    /// The latest custom expiry the token policy allows ("" without a limit).
    pub custom_max: String,
    /// The token policy's lifetime limit in days, if any.
    pub max_days: Option<u32>,
    pub expires_on: Option<String>,
    pub error: Option<String>,
    pub description_error: Option<String>,
    pub curl: String,
    pub curl_url: String,
    /// The scope chosen: access, and the projects and environments ticked.
    pub read_only: bool,
    pub all_projects: bool,
    /// (project id, ticked) of every project.
    pub projects: Vec<(String, bool)>,
    pub all_environments: bool,
    /// (environment, ticked) of every environment.
    pub environments: Vec<(String, bool)>,
}

/// The choices the scope part of the form offers.
pub struct ScopeChoices {
    pub projects: Vec<String>,
    pub environments: Vec<String>,
}

pub(super) async fn scope_choices(state: &AppState) -> Result<ScopeChoices, AppError> {
    let projects = crate::service::projects::list(state)
        .await?
        .into_iter()
        .map(|(p, _)| p.id)
        .collect();
    let environments = crate::service::environments::list(state)
        .await?
        .into_iter()
        .map(|(e, _)| e.name)
        .collect();
    Ok(ScopeChoices {
        projects,
        environments,
    })
}

/// The Admin API address for the curl example, as the browser reached us.
pub(super) fn api_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost:4242");
    let scheme = if crate::auth::session::is_https(headers) {
        "https"
    } else {
        "http"
    };
    format!(
        "{scheme}://{host}{}/api/admin/user/tokens",
        state.config.base_path()
    )
}

pub(super) fn curl(
    url: &str,
    description: &str,
    expires_at: Option<DateTime<Utc>>,
    scope: &TokenScope,
) -> String {
    let body = json!({"description": description, "expiresAt": expires_at.map(iso).unwrap_or_default(), "scope": scope.to_json()});
    let body = serde_json::to_string_pretty(&body)
        .unwrap_or_default()
        .replace('\'', "'\\''");
    format!(
        "curl --location --request POST '{url}' \\\n    --header 'Authorization: INSERT_API_KEY' \\\n    --header 'Content-Type: application/json' \\\n    --data-raw '{body}'"
    )
}

/// Parses a `datetime-local` value, taken as UTC.
pub(super) fn parse_custom(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .map(|n| n.and_utc())
}

/// The expiry a choice means; `Err` with the message to show when it cannot be used.
pub(super) fn expiry_of(
    choice: &str,
    custom: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, String> {
    match choice {
        "never" => Ok(never()),
        "custom" => match parse_custom(custom) {
            None => Err("Pick a date and time for the custom expiry.".into()),
            Some(t) if t <= now => Err("Invalid date, must be in the future".into()),
            Some(t) => Ok(t),
        },
        days => match days.parse::<i64>() {
            Ok(d @ (7 | 30 | 60 | 90)) => Ok(now + TimeDelta::days(d)),
            _ => Err("Choose when the token will expire.".into()),
        },
    }
}

/// The scope a posted form asks for: `access`, and `projects`/`environments` repeated
/// (none ticked, or `*`, means all).
pub(super) fn scope_of_form(pairs: &[(String, String)]) -> TokenScope {
    let ticked = |k: &str| -> Option<Vec<String>> {
        let v: Vec<String> = pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        (!v.is_empty() && !v.iter().any(|x| x == "*")).then_some(v)
    };
    TokenScope {
        access: if pairs.iter().any(|(n, v)| n == "access" && v == "read-only") {
            Access::ReadOnly
        } else {
            Access::ReadWrite
        },
        projects: ticked("projects"),
        environments: ticked("environments"),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn form_state(
    state: &AppState,
    headers: &HeaderMap,
    description: String,
    expiry: String,
    custom: String,
    max_days: Option<u32>,
    scope: &TokenScope,
    choices: &ScopeChoices,
) -> FormState {
    let now = state.clock.now();
    let allowed = allowed_choices(max_days);
    // A default past the limit gives way to the longest preset within it.
    let expiry = if allowed.iter().any(|(v, _)| *v == expiry) {
        expiry
    } else {
        allowed
            .iter()
            .rev()
            .find(|(v, _)| v.parse::<u32>().is_ok())
            .map_or("custom", |(v, _)| *v)
            .to_string()
    };
    let at = expiry_of(&expiry, &custom, now).ok();
    let url = api_url(state, headers);
    let custom_default = (now + TimeDelta::minutes(30))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let ticked = |list: &Option<Vec<String>>, all: &[String]| -> Vec<(String, bool)> {
        all.iter()
            .map(|x| (x.clone(), list.as_ref().is_some_and(|l| l.contains(x))))
            .collect()
    };
    FormState {
        curl: curl(&url, &description, at, scope),
        curl_url: url,
        read_only: scope.is_read_only(),
        all_projects: scope.projects.is_none(),
        projects: ticked(&scope.projects, &choices.projects),
        all_environments: scope.environments.is_none(),
        environments: ticked(&scope.environments, &choices.environments),
        expires_on: at.filter(|t| !is_never(*t, now)).map(date),
        description,
        custom: if custom.is_empty() {
            custom_default
        } else {
            custom
        },
        custom_min: now.format("%Y-%m-%dT%H:%M").to_string(),
        max_days,
        custom_max: max_days
            .map(|d| {
                crate::domain::tokens::latest_pat_expiry(d, now)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
        options: allowed
            .iter()
            .map(|(v, l)| (*v, *l, *v == expiry))
            .collect(),
        expiry,
        error: None,
        description_error: None,
    }
}

/// The expiry choices the token policy allows: presets past its limit, and "Never", are
/// hidden when there is one.
pub(super) fn allowed_choices(max_days: Option<u32>) -> Vec<(&'static str, &'static str)> {
    EXPIRY_CHOICES
        .iter()
        .copied()
        .filter(|(v, _)| match (max_days, *v) {
            (None, _) | (Some(_), "custom") => true,
            (Some(_), "never") => false,
            (Some(max), days) => days.parse::<u32>().is_ok_and(|d| d <= max),
        })
        .collect()
}

/// The lifetime limit in force (none if it cannot be read: the API still enforces it).
pub(super) async fn max_days(state: &AppState) -> Option<u32> {
    crate::service::token_policy::pat_lifetime_limit(state)
        .await
        .ok()
        .flatten()
}

/// The posted "New token" form.
pub struct CreateForm {
    pub(super) description: String,
    pub(super) expiry: String,
    pub(super) custom_expiry: String,
    pub(super) scope: TokenScope,
}

impl CreateForm {
    pub(super) fn from_pairs(pairs: &[(String, String)]) -> CreateForm {
        CreateForm {
            description: field(pairs, "description"),
            expiry: field(pairs, "expiry"),
            custom_expiry: field(pairs, "custom_expiry"),
            scope: scope_of_form(pairs),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::{expiry_of, is_never};

    #[test]
    fn expiry_choices() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(expiry_of("30", "", now).unwrap(), now + TimeDelta::days(30));
        assert_eq!(expiry_of("90", "", now).unwrap(), now + TimeDelta::days(90));
        assert!(expiry_of("31", "", now).is_err());
        assert!(is_never(expiry_of("never", "", now).unwrap(), now));
        assert_eq!(
            expiry_of("custom", "2026-02-01T08:30", now)
                .unwrap()
                .to_rfc3339(),
            "2026-02-01T08:30:00+00:00"
        );
        assert_eq!(
            expiry_of("custom", "2026-01-01T08:30", now).unwrap_err(),
            "Invalid date, must be in the future"
        );
        assert!(expiry_of("custom", "", now).is_err());
    }
}
