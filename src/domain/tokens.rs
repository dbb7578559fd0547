//! Personal access tokens and API tokens: what they are and the rules for making them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::token_scope::{scope_of_body, TokenScope};
use super::users::{iso, iso_opt};
use crate::error::{AppError, AppResult};

/// Longest description a personal access token may have (Unleash has no limit).
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A stored personal access token (never its secret).
#[derive(Debug, Clone)]
pub struct Pat {
    pub id: i64,
    pub user_id: i64,
    pub description: String,
    pub selector: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    /// What part of the owner's permissions the token carries.
    pub scope: TokenScope,
}

/// Unleash's expiry warning: `expired` once the expiry has passed; `expires-soon` in the
/// second half of the token's life when the days left (UTC calendar days) are within one of
/// the configured lead times.
pub fn expiry_warning(
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    lead_days: &[u32],
) -> Option<&'static str> {
    if expires_at <= now {
        return Some("expired");
    }
    let today = now.date_naive();
    let days_left = (expires_at.date_naive() - today).num_days();
    let days_lived = (today - created_at.date_naive()).num_days();
    let within_lead = lead_days.iter().any(|d| days_left <= i64::from(*d));
    (days_lived >= days_left && within_lead).then_some("expires-soon")
}

/// Where a token stands with regard to its expiry, by [`expiry_warning`]'s rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Expired,
    ExpiresSoon,
}

/// How many of these tokens expire soon and how many have expired: what the dashboard
/// counts, by the same rule as the token page and the API's `expiryWarning`.
pub fn expiry_counts(pats: &[Pat], now: DateTime<Utc>, lead_days: &[u32]) -> (usize, usize) {
    pats.iter()
        .fold((0, 0), |(soon, gone), p| match p.expiry(now, lead_days) {
            Some(Expiry::ExpiresSoon) => (soon + 1, gone),
            Some(Expiry::Expired) => (soon, gone + 1),
            None => (soon, gone),
        })
}

impl Pat {
    /// The token's expiry state (see [`expiry_warning`]).
    pub fn expiry(&self, now: DateTime<Utc>, lead_days: &[u32]) -> Option<Expiry> {
        match expiry_warning(self.created_at, self.expires_at, now, lead_days) {
            Some("expired") => Some(Expiry::Expired),
            Some(_) => Some(Expiry::ExpiresSoon),
            None => None,
        }
    }

    /// Unleash's `patSchema`, without the secret.
    pub fn to_json(&self, now: DateTime<Utc>, lead_days: &[u32]) -> Value {
        let mut v = json!({
            "id": self.id,
            "description": self.description,
            "expiresAt": iso(self.expires_at),
            "userId": self.user_id,
            "createdAt": iso(self.created_at),
            "seenAt": iso_opt(self.seen_at),
            "scope": self.scope.to_json(),
        });
        if let Some(w) = expiry_warning(self.created_at, self.expires_at, now, lead_days) {
            v["expiryWarning"] = json!(w);
        }
        v
    }

    /// What events record about a token: never the secret or its digest.
    pub fn event_data(&self) -> Value {
        json!({"id": self.id, "description": self.description, "expiresAt": iso(self.expires_at), "secure": true, "selector": self.selector, "scope": self.scope.to_json()})
    }
}

/// A validated request for a new personal access token.
#[derive(Debug, Clone)]
pub struct NewPat {
    pub description: String,
    pub expires_at: DateTime<Utc>,
    /// All of the owner's permissions when the body has no `scope`.
    pub scope: TokenScope,
}

fn required(field: &str) -> AppError {
    AppError::bad_field(
        &format!("/body/{field}"),
        format!(
            "The `/body/{field}` property is required. It was not present on the data you sent."
        ),
    )
}

/// Parses an RFC 3339 date-time (a bare date is refused, as Unleash's schema does).
pub fn parse_date_time(field: &str, v: &Value) -> AppResult<DateTime<Utc>> {
    let s = v.as_str().ok_or_else(|| {
        AppError::bad_field(
            &format!("/body/{field}"),
            format!(
                "The `/body/{field}` property must be a string with a date-time. You sent {v}."
            ),
        )
    })?;
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::bad_field(&format!("/body/{field}"), format!("The `/body/{field}` property must match format \"date-time\". You sent \"{s}\".")))
}

/// Checks a create-token body `{description, expiresAt}` as Unleash does, plus a length limit.
pub fn validate_new_pat(body: &Value, now: DateTime<Utc>) -> AppResult<NewPat> {
    let description = match body.get("description") {
        None | Some(Value::Null) => return Err(required("description")),
        Some(Value::String(s)) => s.clone(),
        // Unleash's validator coerces numbers and booleans to strings.
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        Some(v) => {
            return Err(AppError::bad_field(
                "/body/description",
                format!("The `/body/description` property must be a string. You sent {v}."),
            ))
        }
    };
    let expires_at = match body.get("expiresAt") {
        None | Some(Value::Null) => return Err(required("expiresAt")),
        Some(v) => parse_date_time("expiresAt", v)?,
    };
    let description = description.trim().to_string();
    if description.is_empty() {
        return Err(AppError::validation("PAT description cannot be empty."));
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::validation(format!(
            "PAT description must be at most {MAX_DESCRIPTION_CHARS} characters long."
        )));
    }
    if expires_at <= now {
        return Err(AppError::validation("The expiry date should be in future."));
    }
    let scope = scope_of_body(body)?;
    Ok(NewPat {
        description,
        expires_at,
        scope,
    })
}

/// The kinds of API token, as Unleash names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTokenKind {
    Admin,
    Client,
    Frontend,
}

impl ApiTokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiTokenKind::Admin => "admin",
            ApiTokenKind::Client => "client",
            ApiTokenKind::Frontend => "frontend",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Some(ApiTokenKind::Admin),
            "client" | "backend" => Some(ApiTokenKind::Client),
            "frontend" => Some(ApiTokenKind::Frontend),
            _ => None,
        }
    }
}

/// A stored API token (never its secret).
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub selector: String,
    pub secure: bool,
    pub token_name: String,
    pub kind: ApiTokenKind,
    pub environment: String,
    /// `["*"]` for every project.
    pub projects: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Unleash's `apiTokenSchema`. The secret is `null`: only its digest is stored; the
    /// `selector` identifies the token in the management routes.
    pub fn to_json(&self, secret: Option<&str>, type_label: Option<&str>) -> Value {
        json!({
            "secret": secret,
            "selector": self.selector,
            "tokenName": self.token_name,
            "type": type_label.unwrap_or(self.kind.as_str()),
            "project": self.projects.join(","),
            "projects": self.projects,
            "environment": self.environment,
            "expiresAt": iso_opt(self.expires_at),
            "createdAt": iso(self.created_at),
            "seenAt": iso_opt(self.seen_at),
            "alias": null,
            "secure": self.secure,
        })
    }
}

/// A validated request for a new API token.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub token_name: String,
    pub kind: ApiTokenKind,
    /// The type as the caller wrote it, lower-cased (`backend` stays `backend` in the answer).
    pub type_label: String,
    pub environment: String,
    /// `["*"]` or concrete project ids.
    pub projects: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl NewApiToken {
    /// The part before the colon of the secret: `*`, the project, or `[]` for several.
    pub fn project_part(&self) -> String {
        project_part(&self.projects)
    }
}

pub fn project_part(projects: &[String]) -> String {
    match projects {
        [one] => one.clone(),
        _ => "[]".into(),
    }
}

/// Checks a create-API-token body as Unleash does (`tokenName` or legacy `username`;
/// `type` client, backend or frontend; `environment` default `development`; `projects`
/// default `["*"]`, or legacy `project`; optional `expiresAt`).
pub fn validate_new_api_token(body: &Value, now: DateTime<Utc>) -> AppResult<NewApiToken> {
    let name = body
        .get("tokenName")
        .or_else(|| body.get("username"))
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if name.is_empty() {
        return Err(required("tokenName"));
    }
    if name.chars().count() > 255 {
        return Err(AppError::bad_field(
            "/body/tokenName",
            "The `/body/tokenName` property must be at most 255 characters long.",
        ));
    }
    let type_raw = body
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| required("type"))?;
    let type_label = type_raw.to_ascii_lowercase();
    let kind = match type_label.as_str() {
        "client" | "backend" => ApiTokenKind::Client,
        "frontend" => ApiTokenKind::Frontend,
        _ => {
            return Err(AppError::bad_field(
                "/body/type",
                format!("The `/body/type` property must be one of client, backend or frontend (admin tokens cannot be created through the API; use a personal access token or INIT_ADMIN_API_TOKENS). You sent \"{type_raw}\"."),
            ))
        }
    };
    let environment = match body.get("environment") {
        None | Some(Value::Null) => "development".to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(v) => {
            return Err(AppError::bad_field(
                "/body/environment",
                format!(
                    "The `/body/environment` property must be an environment name. You sent {v}."
                ),
            ))
        }
    };
    if environment == "*" {
        return Err(AppError::bad_data(
            "Client token cannot be scoped to all environments",
        ));
    }
    let mut projects: Vec<String> = match (body.get("projects"), body.get("project")) {
        (Some(Value::Array(list)), _) => list
            .iter()
            .map(|p| {
                p.as_str().map(str::to_string).ok_or_else(|| {
                    AppError::bad_field(
                        "/body/projects",
                        format!("Project ids must be strings. You sent {p}."),
                    )
                })
            })
            .collect::<AppResult<_>>()?,
        (Some(Value::Null) | None, Some(Value::String(p))) => vec![p.clone()],
        (Some(Value::Null) | None, _) => vec!["*".to_string()],
        (Some(v), _) => {
            return Err(AppError::bad_field(
                "/body/projects",
                format!(
                    "The `/body/projects` property must be a list of project ids. You sent {v}."
                ),
            ))
        }
    };
    if projects.is_empty() {
        return Err(AppError::bad_field(
            "/body/projects",
            "The `/body/projects` list must name at least one project, or \"*\" for all.",
        ));
    }
    if projects.iter().any(|p| p == "*") {
        projects = vec!["*".to_string()];
    }
    projects.sort();
    projects.dedup();
    let expires_at = match body.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_date_time("expiresAt", v)?),
    };
    if expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::validation("The expiry date should be in future."));
    }
    Ok(NewApiToken {
        token_name: name.to_string(),
        kind,
        type_label,
        environment,
        projects,
        expires_at,
    })
}

/// Parses a seeded secret `<project>:<environment>.<secret>` into its projects and environment.
pub fn parse_seeded_secret(secret: &str) -> AppResult<(Vec<String>, String)> {
    let bad = || {
        AppError::bad_data("an INIT_*_API_TOKENS entry must look like <project>:<environment>.<secret>, with <project> \"*\" or one project id")
    };
    let (prefix, rest) = secret.split_once('.').ok_or_else(bad)?;
    let (project, env) = prefix.split_once(':').ok_or_else(bad)?;
    if project.is_empty() || env.is_empty() || rest.len() < 8 || project == "[]" {
        return Err(bad());
    }
    Ok((vec![project.to_string()], env.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(days: i64, hours: i64) -> DateTime<Utc> {
        let base = DateTime::parse_from_rfc3339("2026-06-15T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        base + TimeDelta::days(days) + TimeDelta::hours(hours)
    }

    #[test]
    fn expiry_warning_follows_unleash_rules() {
        let now = at(0, 0);
        let leads = [14, 3];
        assert_eq!(
            expiry_warning(at(-90, 0), at(10, 0), now, &leads),
            Some("expires-soon")
        );
        assert_eq!(expiry_warning(at(-90, 0), at(15, 0), now, &leads), None);
        assert_eq!(expiry_warning(at(-1, 0), at(2, 0), now, &leads), None);
        assert_eq!(
            expiry_warning(at(-2, 0), at(2, 0), now, &leads),
            Some("expires-soon")
        );
        assert_eq!(
            expiry_warning(at(-90, 0), at(14, 6), now, &leads),
            Some("expires-soon")
        );
        assert_eq!(
            expiry_warning(at(-90, 0), at(0, -12), now, &leads),
            Some("expired")
        );
        assert_eq!(expiry_warning(at(-90, 0), at(1, 0), now, &[]), None);
        // Created now, expiring in 10 days, seen at day 6: second half of life and within 14 days.
        assert_eq!(
            expiry_warning(at(0, 0), at(10, 0), at(6, 0), &leads),
            Some("expires-soon")
        );
    }

    #[test]
    fn the_dashboard_counts_by_the_token_pages_rule() {
        let now = at(0, 0);
        let pat = |created: DateTime<Utc>, expires: DateTime<Utc>| Pat {
            id: 1,
            user_id: 1,
            description: "t".into(),
            selector: "s".into(),
            expires_at: expires,
            created_at: created,
            seen_at: None,
            scope: TokenScope::all(),
        };
        let pats = [
            pat(at(-90, 0), at(10, 0)),
            pat(at(-90, 0), at(-1, 0)),
            pat(at(-1, 0), at(2, 0)),
            pat(at(-90, 0), at(60, 0)),
        ];
        assert_eq!(expiry_counts(&pats, now, &[14, 3]), (1, 1));
        assert_eq!(pats[0].expiry(now, &[14, 3]), Some(Expiry::ExpiresSoon));
        assert_eq!(pats[2].expiry(now, &[14, 3]), None);
    }

    #[test]
    fn pat_bodies_are_validated() {
        let now = at(0, 0);
        let ok = validate_new_pat(
            &json!({"description": " cli ", "expiresAt": "2026-07-01T00:00:00Z"}),
            now,
        )
        .unwrap();
        assert_eq!(ok.description, "cli");
        assert!(validate_new_pat(&json!({"expiresAt": "2026-07-01T00:00:00Z"}), now).is_err());
        assert!(
            validate_new_pat(&json!({"description": "x", "expiresAt": "2026-07-01"}), now).is_err()
        );
        assert!(validate_new_pat(
            &json!({"description": "x", "expiresAt": "2020-07-01T00:00:00Z"}),
            now
        )
        .is_err());
        assert!(validate_new_pat(
            &json!({"description": "x".repeat(1001), "expiresAt": "2026-07-01T00:00:00Z"}),
            now
        )
        .is_err());
        assert_eq!(
            validate_new_pat(
                &json!({"description": 12345, "expiresAt": "2026-07-01T00:00:00Z"}),
                now
            )
            .unwrap()
            .description,
            "12345"
        );
    }

    #[test]
    fn seeded_secrets_are_parsed() {
        assert_eq!(
            parse_seeded_secret("*:*.abcdefgh12").unwrap(),
            (vec!["*".to_string()], "*".to_string())
        );
        assert_eq!(
            parse_seeded_secret("default:development.abcdefgh12")
                .unwrap()
                .1,
            "development"
        );
        assert!(parse_seeded_secret("nonsense").is_err());
    }
}
