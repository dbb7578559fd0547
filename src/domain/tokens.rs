//! Personal access tokens and API tokens: what they are and the rules for making them.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::token_scope::{scope_of_body, TokenScope};
use super::users::iso;
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
    /// When the token was replaced by a rotation; it then works until its `expires_at`
    /// (the end of the grace period).
    pub rotated_at: Option<DateTime<Utc>>,
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

/// A field of a request body as it was sent: absent, `null`, or a JSON value. The use case
/// reads it with the type the document gives, and answers any other value with a message
/// naming the field (so a wrongly-typed field is refused as Unleash refuses it, and an
/// unknown field is ignored, as Unleash ignores it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sent(Option<Value>);

impl Sent {
    /// The field of `body` named `name`; absent when `body` is not an object.
    pub fn field(body: &Value, name: &str) -> Sent {
        Sent(body.get(name).cloned())
    }

    /// A field set to `v`.
    pub fn of(v: Value) -> Sent {
        Sent(Some(v))
    }

    /// The value sent, `Value::Null` for `null`; `None` when the field was absent.
    pub fn get(&self) -> Option<&Value> {
        self.0.as_ref()
    }
}

/// `POST /api/admin/user/tokens` (and a service account's token): a new personal access
/// token.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "Value")]
pub struct CreatePatRequest {
    /// What the token is for; unique among the owner's tokens. Numbers and booleans are
    /// read as text.
    #[schema(value_type = String, max_length = 1000)]
    pub description: Sent,
    /// When the token stops working (RFC 3339 date-time, in the future).
    #[schema(value_type = String, format = DateTime)]
    #[serde(rename = "expiresAt")]
    pub expires_at: Sent,
    /// Narrows what the token may do: `{access: "read-only"|"read-write", projects,
    /// environments}` (lists of ids, or `["*"]` for all). Without it the token carries all
    /// of the owner's permissions.
    #[schema(value_type = Option<Object>)]
    pub scope: Sent,
}

impl From<Value> for CreatePatRequest {
    fn from(v: Value) -> CreatePatRequest {
        CreatePatRequest {
            description: Sent::field(&v, "description"),
            expires_at: Sent::field(&v, "expiresAt"),
            scope: Sent::field(&v, "scope"),
        }
    }
}

/// A rotation: `POST /api/admin/user/tokens/{id}/rotate` and
/// `POST /api/admin/api-tokens/{selector}/rotate`. An empty body takes the defaults.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "Value")]
pub struct RotateRequest {
    /// How long the old token keeps working, in days (0 to 7, fractions allowed; default 1).
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 7)]
    #[serde(rename = "graceDays")]
    pub grace_days: Sent,
    /// The grace in hours instead (0 to 168); not with `graceDays`.
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 168)]
    #[serde(rename = "graceHours")]
    pub grace_hours: Sent,
    /// The new token's expiry (RFC 3339 date-time, in the future); by default the old
    /// token's lifetime counted from now.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(rename = "expiresAt")]
    pub expires_at: Sent,
    /// Whether the body was something other than an object or nothing.
    #[serde(skip)]
    pub not_an_object: bool,
}

impl From<Value> for RotateRequest {
    fn from(v: Value) -> RotateRequest {
        RotateRequest {
            grace_days: Sent::field(&v, "graceDays"),
            grace_hours: Sent::field(&v, "graceHours"),
            expires_at: Sent::field(&v, "expiresAt"),
            not_an_object: !(v.is_object() || v.is_null()),
        }
    }
}

/// `POST /api/admin/api-tokens/rotate`: a rotation of the token whose secret is given.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "Value")]
pub struct RotateBySecretRequest {
    /// The secret of the token to rotate.
    #[schema(value_type = String)]
    pub secret: Sent,
    /// The grace and the new expiry, as in the other rotations.
    #[serde(flatten)]
    pub rotation: RotateRequest,
}

impl From<Value> for RotateBySecretRequest {
    fn from(v: Value) -> RotateBySecretRequest {
        RotateBySecretRequest {
            secret: Sent::field(&v, "secret"),
            rotation: RotateRequest::from(v),
        }
    }
}

/// `PUT /api/admin/api-tokens/{token}`: a token's new expiry.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "Value")]
pub struct UpdateApiTokenRequest {
    /// The new expiry (RFC 3339 date-time), or `null` for none. Required.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(rename = "expiresAt")]
    pub expires_at: Sent,
}

impl From<Value> for UpdateApiTokenRequest {
    fn from(v: Value) -> UpdateApiTokenRequest {
        UpdateApiTokenRequest {
            expires_at: Sent::field(&v, "expiresAt"),
        }
    }
}

impl UpdateApiTokenRequest {
    /// The expiry asked for: a time, or `None` to remove it.
    pub fn expiry(&self) -> AppResult<Option<DateTime<Utc>>> {
        match self.expires_at.get() {
            None => Err(required("expiresAt")),
            Some(Value::Null) => Ok(None),
            Some(v) => parse_date_time("expiresAt", v).map(Some),
        }
    }
}

/// `PUT /api/admin/token-policy`: both fields are required; `null` clears one.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "Value")]
pub struct TokenPolicyRequest {
    /// Longest lifetime of a new personal access token, in days (1 to 3650), or null.
    #[schema(value_type = Option<u32>, required = true, minimum = 1, maximum = 3650)]
    #[serde(rename = "patMaxLifetimeDays")]
    pub pat_max_lifetime_days: Sent,
    /// Personal access tokens unused for this many days (1 to 3650) are deleted; null: never.
    #[schema(value_type = Option<u32>, required = true, minimum = 1, maximum = 3650)]
    #[serde(rename = "revokeUnusedAfterDays")]
    pub revoke_unused_after_days: Sent,
}

impl From<Value> for TokenPolicyRequest {
    fn from(v: Value) -> TokenPolicyRequest {
        TokenPolicyRequest {
            pat_max_lifetime_days: Sent::field(&v, "patMaxLifetimeDays"),
            revoke_unused_after_days: Sent::field(&v, "revokeUnusedAfterDays"),
        }
    }
}

/// `POST /api/admin/api-tokens` and `POST /api/admin/projects/{projectId}/api-tokens`: a
/// new client (backend) or frontend token.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(from = "Value")]
pub struct CreateApiTokenRequest {
    /// The token's name (at most 255 characters); required unless the older `username` is
    /// given.
    #[schema(value_type = Option<String>, max_length = 255)]
    #[serde(rename = "tokenName")]
    pub token_name: Sent,
    /// The older name of `tokenName`, read when it is absent.
    #[schema(value_type = Option<String>)]
    pub username: Sent,
    /// `client`, `backend` or `frontend`.
    #[schema(value_type = String)]
    #[serde(rename = "type")]
    pub token_type: Sent,
    /// The environment the token reads (default `development`).
    #[schema(value_type = Option<String>)]
    pub environment: Sent,
    /// The projects the token reads, or `["*"]` for all (the default).
    #[schema(value_type = Option<Vec<String>>)]
    pub projects: Sent,
    /// The older, single-project form of `projects`.
    #[schema(value_type = Option<String>)]
    pub project: Sent,
    /// When the token stops working (RFC 3339 date-time, in the future); never by default.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(rename = "expiresAt")]
    pub expires_at: Sent,
}

impl From<Value> for CreateApiTokenRequest {
    fn from(v: Value) -> CreateApiTokenRequest {
        CreateApiTokenRequest {
            token_name: Sent::field(&v, "tokenName"),
            username: Sent::field(&v, "username"),
            token_type: Sent::field(&v, "type"),
            environment: Sent::field(&v, "environment"),
            projects: Sent::field(&v, "projects"),
            project: Sent::field(&v, "project"),
            expires_at: Sent::field(&v, "expiresAt"),
        }
    }
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
pub fn validate_new_pat(body: &CreatePatRequest, now: DateTime<Utc>) -> AppResult<NewPat> {
    let description = match body.description.get() {
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
    let expires_at = match body.expires_at.get() {
        None | Some(Value::Null) => return Err(required("expiresAt")),
        Some(v) => parse_date_time("expiresAt", v)?,
    };
    let description = description.trim().to_string();
    if description.is_empty() {
        return Err(
            AppError::validation("PAT description cannot be empty.").at("/body/description")
        );
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::validation(format!(
            "PAT description must be at most {MAX_DESCRIPTION_CHARS} characters long."
        ))
        .at("/body/description"));
    }
    if expires_at <= now {
        return Err(
            AppError::validation("The expiry date should be in future.").at("/body/expiresAt")
        );
    }
    let scope = scope_of_body(body.scope.get())?;
    Ok(NewPat {
        description,
        expires_at,
        scope,
    })
}

/// Longest grace period of a rotation: the old token may keep working this long.
pub const MAX_GRACE: TimeDelta = TimeDelta::days(7);

/// A validated rotation request.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// How long the old token keeps working (zero: refused at once).
    pub grace: TimeDelta,
    /// The new token's expiry when the caller chose one.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks a rotate body `{graceDays?: 0..7, graceHours?: 0..168, expiresAt?}`. The grace
/// defaults to one day; `graceDays` may be fractional; `graceHours` is an alternative to it.
pub fn validate_rotation(body: &RotateRequest, now: DateTime<Utc>) -> AppResult<Rotation> {
    if body.not_an_object {
        return Err(AppError::bad_data(
            "The body must be a JSON object such as {\"graceDays\": 1}.",
        ));
    }
    let number = |field: &str, sent: &Sent, max: f64| -> AppResult<Option<f64>> {
        match sent.get() {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if (0.0..=max).contains(&x) => Ok(Some(x)),
                _ => Err(AppError::bad_field(
                    &format!("/body/{field}"),
                    format!("The `/body/{field}` property must be a number from 0 to {max}. You sent {n}."),
                )),
            },
            Some(v) => Err(AppError::bad_field(
                &format!("/body/{field}"),
                format!("The `/body/{field}` property must be a number from 0 to {max}. You sent {v}."),
            )),
        }
    };
    let days = number("graceDays", &body.grace_days, 7.0)?;
    let hours = number("graceHours", &body.grace_hours, 168.0)?;
    let grace_ms = match (days, hours) {
        (Some(_), Some(_)) => {
            return Err(AppError::bad_data(
                "Give the grace period as graceDays or as graceHours, not both.",
            ))
        }
        (Some(d), None) => d * 86_400_000.0,
        (None, Some(h)) => h * 3_600_000.0,
        (None, None) => 86_400_000.0,
    };
    // Bounded above by the checks, so the cast cannot overflow.
    let grace = TimeDelta::milliseconds(grace_ms.round() as i64).min(MAX_GRACE);
    let expires_at = match body.expires_at.get() {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_date_time("expiresAt", v)?),
    };
    if expires_at.is_some_and(|t| t <= now) {
        return Err(
            AppError::validation("The expiry date should be in future.").at("/body/expiresAt")
        );
    }
    Ok(Rotation { grace, expires_at })
}

/// When a rotated-out token stops working: after the grace, but never later than it would
/// have expired anyway.
pub fn grace_end(
    old_expiry: Option<DateTime<Utc>>,
    grace: TimeDelta,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let end = now + grace;
    old_expiry.map_or(end, |e| e.min(end))
}

/// The default expiry of a rotated token: the old token's lifetime, counted from now.
pub fn same_lifetime(
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let lifetime = (expires_at - created_at).max(TimeDelta::minutes(1));
    now.checked_add_signed(lifetime).unwrap_or(expires_at)
}

/// The token lifetime policy an Admin sets (`GET|PUT /api/admin/token-policy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenPolicy {
    /// Longest lifetime of a new personal access token, in days.
    pub pat_max_lifetime_days: Option<u32>,
    /// Personal access tokens unused (never, or last) for this many days are deleted.
    pub revoke_unused_after_days: Option<u32>,
}

/// Longest value either policy field accepts (ten years).
pub const MAX_POLICY_DAYS: u32 = 3650;

impl TokenPolicy {
    pub fn to_json(self) -> Value {
        json!({
            "patMaxLifetimeDays": self.pat_max_lifetime_days,
            "revokeUnusedAfterDays": self.revoke_unused_after_days,
        })
    }

    /// Reads a stored policy; fields that are missing or unreadable count as unset.
    pub fn from_stored(v: &Value) -> TokenPolicy {
        let days = |f: &str| {
            v.get(f)
                .and_then(Value::as_u64)
                .and_then(|d| u32::try_from(d).ok())
                .filter(|d| *d > 0)
        };
        TokenPolicy {
            pat_max_lifetime_days: days("patMaxLifetimeDays"),
            revoke_unused_after_days: days("revokeUnusedAfterDays"),
        }
    }

    /// Checks a `PUT` body. Both fields are required (`null` clears one). `ceiling` is the
    /// operator's PAT_MAX_LIFETIME_DAYS, which the setting may not exceed.
    pub fn validate(body: &TokenPolicyRequest, ceiling: Option<u32>) -> AppResult<TokenPolicy> {
        let field = |f: &str, sent: &Sent| -> AppResult<Option<u32>> {
            match sent.get() {
                None => Err(required(f)),
                Some(Value::Null) => Ok(None),
                Some(v) => match v.as_u64().and_then(|d| u32::try_from(d).ok()) {
                    Some(d) if (1..=MAX_POLICY_DAYS).contains(&d) => Ok(Some(d)),
                    _ => Err(AppError::bad_field(
                        &format!("/body/{f}"),
                        format!("The `/body/{f}` property must be null or a whole number of days from 1 to {MAX_POLICY_DAYS}. You sent {v}."),
                    )),
                },
            }
        };
        let policy = TokenPolicy {
            pat_max_lifetime_days: field("patMaxLifetimeDays", &body.pat_max_lifetime_days)?,
            revoke_unused_after_days: field(
                "revokeUnusedAfterDays",
                &body.revoke_unused_after_days,
            )?,
        };
        if let (Some(c), Some(d)) = (ceiling, policy.pat_max_lifetime_days) {
            if d > c {
                return Err(AppError::bad_data(
                    format!("PAT_MAX_LIFETIME_DAYS limits personal access tokens to {c} days on this server; choose {c} or fewer."),
                ).at("/body/patMaxLifetimeDays"));
            }
        }
        Ok(policy)
    }
}

/// The PAT lifetime limit in force: the stricter of the operator's ceiling and the policy.
pub fn effective_pat_limit(ceiling: Option<u32>, policy: &TokenPolicy) -> Option<u32> {
    match (ceiling.filter(|c| *c > 0), policy.pat_max_lifetime_days) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The last moment a new personal access token may expire under a limit of `days`: the end
/// of the UTC day `days` days from now (so that "on or before DATE" reads true).
pub fn latest_pat_expiry(days: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    let last_day = (now + TimeDelta::days(i64::from(days))).date_naive();
    let next = last_day.succ_opt().unwrap_or(last_day);
    next.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - TimeDelta::milliseconds(1))
        .unwrap_or(now)
}

/// Refuses an expiry past the lifetime limit, naming the limit and the last allowed day.
pub fn check_pat_lifetime(
    limit_days: Option<u32>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(days) = limit_days else {
        return Ok(());
    };
    let latest = latest_pat_expiry(days, now);
    if expires_at > latest {
        return Err(AppError::bad_data(
            format!(
                "Personal access tokens may live at most {days} days; choose an expiry on or before {}.",
                latest.format("%Y-%m-%d")
            ),
        ).at("/body/expiresAt"));
    }
    Ok(())
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
    /// When the token was replaced by a rotation (it works until `expires_at`).
    pub rotated_at: Option<DateTime<Utc>>,
}

impl ApiToken {}

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
pub fn validate_new_api_token(
    body: &CreateApiTokenRequest,
    now: DateTime<Utc>,
) -> AppResult<NewApiToken> {
    let name = body
        .token_name
        .get()
        .or_else(|| body.username.get())
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
        .token_type
        .get()
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
    let environment = match body.environment.get() {
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
        return Err(
            AppError::bad_data("Client token cannot be scoped to all environments")
                .at("/body/environment"),
        );
    }
    let mut projects: Vec<String> = match (body.projects.get(), body.project.get()) {
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
    let expires_at = match body.expires_at.get() {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_date_time("expiresAt", v)?),
    };
    if expires_at.is_some_and(|t| t <= now) {
        return Err(
            AppError::validation("The expiry date should be in future.").at("/body/expiresAt")
        );
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

/// How many distinct client addresses are kept per token.
pub const MAX_LAST_ADDRESSES: usize = 5;

/// A client address a token was used from, and when it was last used from there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastAddress {
    pub address: String,
    pub seen_at: DateTime<Utc>,
}

/// Remembers a use from `address` at `at` in a newest-first list of distinct addresses
/// holding at most [`MAX_LAST_ADDRESSES`].
pub fn note_address<A: PartialEq>(
    list: &mut Vec<(A, DateTime<Utc>)>,
    address: A,
    at: DateTime<Utc>,
) {
    if let Some(i) = list.iter().position(|(a, _)| *a == address) {
        list.remove(i);
    }
    list.insert(0, (address, at));
    list.truncate(MAX_LAST_ADDRESSES);
}

/// True for a token that never expires: Switchyard and Unleash's UI store "never" as a
/// date centuries away.
pub fn never_expires(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    expires_at.year() > now.year() + 100
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
            rotated_at: None,
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
            &CreatePatRequest::from(
                json!({"description": " cli ", "expiresAt": "2026-07-01T00:00:00Z"}),
            ),
            now,
        )
        .unwrap();
        assert_eq!(ok.description, "cli");
        assert!(validate_new_pat(
            &CreatePatRequest::from(json!({"expiresAt": "2026-07-01T00:00:00Z"})),
            now
        )
        .is_err());
        assert!(validate_new_pat(
            &CreatePatRequest::from(json!({"description": "x", "expiresAt": "2026-07-01"})),
            now
        )
        .is_err());
        assert!(validate_new_pat(
            &CreatePatRequest::from(
                json!({"description": "x", "expiresAt": "2020-07-01T00:00:00Z"})
            ),
            now
        )
        .is_err());
        assert!(validate_new_pat(
            &CreatePatRequest::from(
                json!({"description": "x".repeat(1001), "expiresAt": "2026-07-01T00:00:00Z"})
            ),
            now
        )
        .is_err());
        assert_eq!(
            validate_new_pat(
                &CreatePatRequest::from(
                    json!({"description": 12345, "expiresAt": "2026-07-01T00:00:00Z"})
                ),
                now
            )
            .unwrap()
            .description,
            "12345"
        );
    }

    #[test]
    fn rotation_bodies_and_lifetime_limits() {
        let now = at(0, 0);
        assert_eq!(
            validate_rotation(&Value::Null.into(), now).unwrap().grace,
            TimeDelta::days(1)
        );
        assert_eq!(
            validate_rotation(&json!({"graceDays": 0.5}).into(), now)
                .unwrap()
                .grace,
            TimeDelta::hours(12)
        );
        assert_eq!(
            validate_rotation(&json!({"graceHours": 1}).into(), now)
                .unwrap()
                .grace,
            TimeDelta::hours(1)
        );
        for bad in [
            json!({"graceDays": 7.01}),
            json!({"graceDays": -0.1}),
            json!({"graceHours": 200}),
            json!({"graceDays": 1, "graceHours": 1}),
            json!([1]),
        ] {
            assert!(
                validate_rotation(&bad.clone().into(), now).is_err(),
                "{bad}"
            );
        }
        // The grace never outlives the old token.
        assert_eq!(grace_end(Some(at(0, 2)), TimeDelta::days(1), now), at(0, 2));
        assert_eq!(grace_end(None, TimeDelta::days(1), now), at(1, 0));
        assert_eq!(same_lifetime(at(-10, 0), at(20, 0), now), at(30, 0));
        // A limit of 30 days allows the whole 30th day, not the 31st.
        let latest = latest_pat_expiry(30, now);
        assert_eq!(
            latest.format("%Y-%m-%d %H:%M").to_string(),
            "2026-07-15 23:59"
        );
        assert!(check_pat_lifetime(Some(30), at(30, 13), now).is_ok());
        let err = check_pat_lifetime(Some(30), at(31, 0), now).unwrap_err();
        assert_eq!(
            err.body()["message"],
            "Personal access tokens may live at most 30 days; choose an expiry on or before 2026-07-15."
        );
        assert!(check_pat_lifetime(None, at(3650, 0), now).is_ok());
        let policy = TokenPolicy {
            pat_max_lifetime_days: Some(60),
            revoke_unused_after_days: None,
        };
        assert_eq!(effective_pat_limit(Some(30), &policy), Some(30));
        assert_eq!(effective_pat_limit(None, &policy), Some(60));
        assert_eq!(
            effective_pat_limit(Some(90), &TokenPolicy::default()),
            Some(90)
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
