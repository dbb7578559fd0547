//! The signed-in user's personal access tokens, at Unleash's address
//! `/profile/personal-api-tokens`: list, create (with the secret shown once), delete.
//!
//! Dialogs are rendered by the server over the list, so the pages work without
//! JavaScript; only copying to the clipboard needs it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Datelike, NaiveDateTime, TimeDelta, Utc};
use serde_json::json;

use super::forms::{field, parse_id, Empty};
use super::{
    date, date_time, error_text, redirect_with_flash, render, CsrfForm, Ctx, PageError, PageResult,
    PageUser,
};
use crate::domain::token_scope::{Access, TokenScope};
use crate::domain::tokens::{Expiry, Pat};
use crate::domain::users::iso;
use crate::error::AppError;
use crate::service::tokens;
use crate::state::AppState;

const PATH: &str = "/profile/personal-api-tokens";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create))
        .route("/profile/personal-api-tokens/new", get(new_form))
        .route(
            "/profile/personal-api-tokens/{id}/delete",
            get(confirm_delete).post(delete),
        )
        .route(
            "/profile/personal-api-tokens/{id}/rotate",
            get(confirm_rotate).post(rotate),
        )
}

/// The grace choices of the rotate dialog, as (hours, label); one day is the default.
pub const GRACE_CHOICES: [(&str, &str); 4] = [
    ("0", "None: the old token stops working now"),
    ("1", "1 hour"),
    ("24", "1 day"),
    ("168", "7 days"),
];

/// The expiry choices of the form, as (value, label); 30 days is the default.
pub const EXPIRY_CHOICES: [(&str, &str); 6] = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("60", "60 days"),
    ("90", "90 days"),
    ("custom", "Custom"),
    ("never", "Never"),
];

/// "Never" is stored as the end of year 9999, which Unleash's UI also shows as "Never".
fn never() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn is_never(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
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
fn scope_label(scope: &TokenScope) -> String {
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
    pats: Vec<Pat>,
    addresses: std::collections::HashMap<i64, Vec<crate::domain::tokens::LastAddress>>,
    /// The user's tokens an Admin revoked lately: (description, by whom, when).
    revoked: Vec<(String, String, String)>,
}

impl std::ops::Deref for PatList {
    type Target = [Pat];
    fn deref(&self) -> &[Pat] {
        &self.pats
    }
}

fn rows(state: &AppState, pats: &PatList) -> Vec<TokenRow> {
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

async fn scope_choices(state: &AppState) -> Result<ScopeChoices, AppError> {
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

/// The token just created, shown once.
pub struct Created {
    pub secret: String,
    /// Set after a rotation: when the old token stops working ("" when it already has).
    pub rotated_until: Option<String>,
}

#[derive(Template)]
#[template(path = "pats.html")]
struct PatsPage {
    ctx: Ctx,
    tab: &'static str,
    rows: Vec<TokenRow>,
    limit: u32,
    at_limit: bool,
    form: Option<FormState>,
    created: Option<Created>,
    confirm: Option<TokenRow>,
    /// The token whose rotation is being confirmed, with the grace choices.
    rotate: Option<TokenRow>,
    grace_choices: &'static [(&'static str, &'static str)],
    /// The token policy's lifetime limit in days, if any.
    max_days: Option<u32>,
    /// Tokens an Admin revoked lately: (description, by whom, when).
    revoked: Vec<(String, String, String)>,
    /// The user's token descriptions as a JSON array, so the form can flag a duplicate
    /// while typing.
    taken: String,
}

async fn load(state: &AppState, page: &PageUser) -> Result<PatList, PageError> {
    if state.config.pat_kill_switch {
        return Err(super::message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "Personal access tokens are disabled",
            "This server does not offer personal access tokens (UNLEASH_PAT_KILL_SWITCH is on).",
        )
        .into());
    }
    let pats = tokens::list_pats(state, page.user().user.id)
        .await
        .map_err(page.fail())?;
    let ids: Vec<i64> = pats.iter().map(|p| p.id).collect();
    let addresses = crate::service::token_inventory::pat_addresses(state, &ids)
        .await
        .map_err(page.fail())?;
    let revoked = crate::service::token_inventory::revocations_of(state, page.user().user.id)
        .await
        .map_err(page.fail())?
        .into_iter()
        .map(|r| (r.description, r.by, date_time(r.at)))
        .collect();
    Ok(PatList {
        pats,
        addresses,
        revoked,
    })
}

fn at_limit(state: &AppState, pats: &[Pat]) -> bool {
    let now = state.clock.now();
    pats.iter()
        .filter(|p| p.expires_at > now && p.rotated_at.is_none())
        .count() as u64
        >= u64::from(state.config.pat_limit)
}

fn show(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    pats: &PatList,
    form: Option<FormState>,
    created: Option<Created>,
    confirm: Option<TokenRow>,
) -> Response {
    show_with(
        state, page, status, pats, form, created, confirm, None, None,
    )
}

#[allow(clippy::too_many_arguments)]
fn show_with(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    pats: &PatList,
    form: Option<FormState>,
    created: Option<Created>,
    confirm: Option<TokenRow>,
    rotate: Option<TokenRow>,
    max_days: Option<u32>,
) -> Response {
    let ctx = page.ctx("Personal access tokens", "profile");
    let p = PatsPage {
        rotate,
        grace_choices: &GRACE_CHOICES,
        max_days,
        ctx: ctx.clone(),
        tab: "pats",
        rows: rows(state, pats),
        limit: state.config.pat_limit,
        at_limit: at_limit(state, pats),
        form,
        created,
        confirm,
        revoked: pats.revoked.clone(),
        taken: serde_json::to_string(
            &pats
                .iter()
                .map(|p| p.description.as_str())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
    };
    render(&ctx, status, &p)
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    let pats = load(&state, &page).await?;
    Ok(show(&state, &page, StatusCode::OK, &pats, None, None, None))
}

/// The Admin API address for the curl example, as the browser reached us.
fn api_url(state: &AppState, headers: &HeaderMap) -> String {
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

fn curl(
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
fn parse_custom(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .map(|n| n.and_utc())
}

/// The expiry a choice means; `Err` with the message to show when it cannot be used.
fn expiry_of(choice: &str, custom: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
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
fn scope_of_form(pairs: &[(String, String)]) -> TokenScope {
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
fn form_state(
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
fn allowed_choices(max_days: Option<u32>) -> Vec<(&'static str, &'static str)> {
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
async fn max_days(state: &AppState) -> Option<u32> {
    crate::service::token_policy::pat_lifetime_limit(state)
        .await
        .ok()
        .flatten()
}

async fn new_form(State(state): State<AppState>, page: PageUser, headers: HeaderMap) -> PageResult {
    let pats = load(&state, &page).await?;
    let limit = max_days(&state).await;
    let choices = scope_choices(&state).await.map_err(page.fail())?;
    let mut form = form_state(
        &state,
        &headers,
        String::new(),
        "30".into(),
        String::new(),
        limit,
        &TokenScope::all(),
        &choices,
    );
    if at_limit(&state, &pats) {
        form.error = Some(limit_reason(&state));
    }
    Ok(show(
        &state,
        &page,
        StatusCode::OK,
        &pats,
        Some(form),
        None,
        None,
    ))
}

fn limit_reason(state: &AppState) -> String {
    format!(
        "You have reached the limit of {} personal access tokens. Delete a token to create a new one.",
        state.config.pat_limit
    )
}

/// The posted "New token" form.
pub struct CreateForm {
    description: String,
    expiry: String,
    custom_expiry: String,
    scope: TokenScope,
}

impl CreateForm {
    fn from_pairs(pairs: &[(String, String)]) -> CreateForm {
        CreateForm {
            description: field(pairs, "description"),
            expiry: field(pairs, "expiry"),
            custom_expiry: field(pairs, "custom_expiry"),
            scope: scope_of_form(pairs),
        }
    }
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    headers: HeaderMap,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let input = CreateForm::from_pairs(&pairs);
    let now = state.clock.now();
    let limit = max_days(&state).await;
    let choices = scope_choices(&state).await.map_err(page.fail())?;
    let mut form = form_state(
        &state,
        &headers,
        input.description.clone(),
        input.expiry.clone(),
        input.custom_expiry.clone(),
        limit,
        &input.scope,
        &choices,
    );
    let fail =
        |state: &AppState, page: &PageUser, pats: &PatList, form: FormState, status: StatusCode| {
            Ok(show(state, page, status, pats, Some(form), None, None))
        };
    let pats = load(&state, &page).await?;
    if input.description.trim().is_empty() {
        form.description_error = Some("A description is required.".into());
        return fail(&state, &page, &pats, form, StatusCode::BAD_REQUEST);
    }
    let expires_at = match expiry_of(&input.expiry, &input.custom_expiry, now) {
        Ok(t) => t,
        Err(msg) => {
            form.error = Some(msg);
            return fail(&state, &page, &pats, form, StatusCode::BAD_REQUEST);
        }
    };
    let body = json!({"description": input.description, "expiresAt": iso(expires_at), "scope": input.scope.to_json()});
    match tokens::create_pat(&state, &page.principal.authenticated(), &body).await {
        Ok((_, secret)) => {
            let pats = load(&state, &page).await?;
            let created = Created {
                secret: secret.expose().to_string(),
                rotated_until: None,
            };
            Ok(show(
                &state,
                &page,
                StatusCode::OK,
                &pats,
                None,
                Some(created),
                None,
            ))
        }
        Err(AppError::NameExists(_)) => {
            form.description_error = Some("A token with that description already exists.".into());
            fail(&state, &page, &pats, form, StatusCode::CONFLICT)
        }
        Err(AppError::OperationDenied(_)) => {
            form.error = Some(limit_reason(&state));
            fail(&state, &page, &pats, form, StatusCode::FORBIDDEN)
        }
        Err(e) => {
            let status = e.status();
            form.error = Some(error_text(&e));
            fail(&state, &page, &pats, form, status)
        }
    }
}

async fn confirm_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    let pats = load(&state, &page).await?;
    let all = rows(&state, &pats);
    let row = parse_id(&raw)
        .and_then(|id| all.into_iter().find(|r| r.id == id))
        .ok_or_else(|| no_such_token(&page))?;
    Ok(show(
        &state,
        &page,
        StatusCode::OK,
        &pats,
        None,
        None,
        Some(row),
    ))
}

async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let id = parse_id(&raw).ok_or_else(|| no_such_token(&page))?;
    tokens::delete_pat(&state, &page.principal.authenticated(), id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(&state, PATH, "Token deleted"))
}

async fn confirm_rotate(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    let pats = load(&state, &page).await?;
    let all = rows(&state, &pats);
    let row = parse_id(&raw)
        .and_then(|id| all.into_iter().find(|r| r.id == id))
        .ok_or_else(|| no_such_token(&page))?;
    let limit = max_days(&state).await;
    Ok(show_with(
        &state,
        &page,
        StatusCode::OK,
        &pats,
        None,
        None,
        None,
        Some(row),
        limit,
    ))
}

fn no_such_token(page: &PageUser) -> Response {
    super::message_page(
        &page.base,
        StatusCode::NOT_FOUND,
        "No such token",
        "You have no personal access token with that id.",
    )
}

#[derive(serde::Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    grace_hours: String,
}

async fn rotate(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(input): CsrfForm<RotateForm>,
) -> PageResult {
    let id = parse_id(&raw).ok_or_else(|| no_such_token(&page))?;
    let hours = match input.grace_hours.trim().parse::<u32>() {
        Ok(h) if GRACE_CHOICES.iter().any(|(v, _)| v.parse() == Ok(h)) => h,
        _ => {
            return Ok(super::message_page(
                &page.base,
                StatusCode::BAD_REQUEST,
                "Choose a grace period",
                "Choose how long the old token keeps working: none, 1 hour, 1 day or 7 days.",
            ))
        }
    };
    let body = json!({ "graceHours": hours });
    let auth = page.principal.authenticated();
    let (_, secret) = crate::service::token_rotation::rotate_pat(&state, &auth, id, &body)
        .await
        .map_err(page.fail())?;
    let pats = load(&state, &page).await?;
    let until = pats
        .iter()
        .find(|p| p.id == id && hours > 0)
        .map(|p| date_time(p.expires_at))
        .unwrap_or_default();
    let created = Created {
        secret: secret.expose().to_string(),
        rotated_until: Some(until),
    };
    Ok(show(
        &state,
        &page,
        StatusCode::OK,
        &pats,
        None,
        Some(created),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
