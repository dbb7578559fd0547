//! API tokens (client/backend and frontend) at Unleash's address `/admin/api`: list, create
//! (the secret is shown once, with a Copy button), delete after a confirmation. Listing
//! needs ADMIN or a READ_*_API_TOKEN permission and shows only the types the user may
//! read; creating and deleting need the permission of the token's type, as in the Admin API.
//!
//! The table, the new-token form and the two dialogs (the shown-once secret and the delete
//! confirmation) are shared with a project's API access page: [`TokenSection`] carries what
//! the `api_token_*.html` includes need.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::forms::{field, Empty};
use super::{date, date_time, error_text, redirect_with_flash, refusal, render};
use super::{message_page, CsrfForm, Ctx, PageError, PageResult, PageUser};
use crate::auth::permission::Scope;
use crate::domain::permissions as perm;
use crate::domain::tokens::ApiToken;
use crate::domain::users::iso;
use crate::error::AppError;
use crate::service::{self, tokens};
use crate::state::AppState;

const PATH: &str = "/admin/api";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create))
        .route("/admin/api/{selector}/delete", get(confirm).post(delete))
        .route(
            "/admin/api/{selector}/rotate",
            get(confirm_rotate).post(rotate),
        )
}

/// The grace choices of the rotate dialog, as (hours, label); one day is the default.
const GRACE_CHOICES: [(&str, &str); 4] = super::pats::GRACE_CHOICES;

const READ: [&str; 3] = [
    perm::ADMIN,
    perm::READ_CLIENT_API_TOKEN,
    perm::READ_FRONTEND_API_TOKEN,
];

// ---------------------------------------------------------------- shared with project pages

/// One token as the token tables show it.
#[derive(Clone)]
pub(super) struct TokenRow {
    pub selector: String,
    pub name: String,
    pub kind: String,
    pub projects: String,
    pub environment: String,
    pub expires: String,
    pub created: String,
    pub seen: String,
    pub can_delete: bool,
    /// Why Delete is greyed out, when it is.
    pub delete_reason: String,
    /// The page offers Rotate for this token (not rotated yet, not expired, and the user
    /// may create tokens of its kind).
    pub can_rotate: bool,
    /// Set while a rotated token still works: when its grace ends.
    pub rotating_until: Option<String>,
}

impl TokenRow {
    pub(super) fn new(t: &ApiToken, delete_reason: Option<String>) -> TokenRow {
        TokenRow {
            selector: t.selector.clone(),
            name: t.token_name.clone(),
            kind: t.kind.as_str().to_string(),
            projects: t.projects.join(", "),
            environment: t.environment.clone(),
            expires: t.expires_at.map(date).unwrap_or_else(|| "Never".into()),
            created: date(t.created_at),
            seen: t.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
            can_delete: delete_reason.is_none(),
            delete_reason: delete_reason.unwrap_or_default(),
            can_rotate: false,
            rotating_until: t.rotated_at.and(t.expires_at).map(date_time),
        }
    }
}

/// What the new-token form holds (kept when the form comes back with a message).
pub(super) struct TokenForm {
    pub name: String,
    pub kind: String,
    pub environment: String,
    pub projects: Vec<String>,
    pub expiry: String,
    pub error: Option<String>,
}

impl TokenForm {
    pub(super) fn empty(environment: &str, projects: Vec<String>) -> TokenForm {
        TokenForm {
            name: String::new(),
            kind: "client".into(),
            environment: environment.into(),
            projects,
            expiry: "never".into(),
            error: None,
        }
    }

    /// The form as posted (`name`, `type`, `environment`, `expiry`, `projects` repeated);
    /// no project ticked means every project.
    pub(super) fn from_pairs(pairs: &[(String, String)]) -> TokenForm {
        let mut projects: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "projects")
            .map(|(_, v)| v.clone())
            .collect();
        if projects.is_empty() {
            projects.push("*".into());
        }
        TokenForm {
            name: field(pairs, "name"),
            kind: field(pairs, "type"),
            environment: field(pairs, "environment"),
            projects,
            expiry: field(pairs, "expiry"),
            error: None,
        }
    }

    pub(super) fn all_projects(&self) -> bool {
        self.projects.iter().any(|p| p == "*")
    }

    /// The Admin API's create body for this form, or the message to show beside it when
    /// the expiry is not one of the offered choices.
    pub(super) fn body(&self, now: DateTime<Utc>) -> Result<Value, String> {
        let expires = match self.expiry.as_str() {
            "never" | "" => Value::Null,
            d => match d.parse::<i64>() {
                Ok(days @ (7 | 30 | 60 | 90)) => json!(iso(now + TimeDelta::days(days))),
                _ => return Err("Choose when the token will expire.".into()),
            },
        };
        Ok(json!({
            "tokenName": self.name,
            "type": self.kind,
            "environment": self.environment,
            "projects": self.projects,
            "expiresAt": expires,
        }))
    }
}

/// Everything the shared includes `api_token_table.html`, `api_token_form.html` and
/// `api_token_dialogs.html` read.
pub(super) struct TokenSection {
    /// The page's path under the base: the form posts here, dialogs close to it, and
    /// `<path>/<selector>/delete` confirms and deletes.
    pub path: String,
    pub rows: Vec<TokenRow>,
    pub form: TokenForm,
    /// Types the user may create, as (value, label); empty hides the form.
    pub kinds: Vec<(&'static str, &'static str)>,
    /// Why the form is hidden, when `kinds` is empty.
    pub no_create: &'static str,
    pub environments: Vec<String>,
    /// Projects to choose from; `None` when the page fixes the project.
    pub projects: Option<Vec<String>>,
    /// The secret of a token just created, shown once.
    pub created: Option<String>,
    /// The token whose deletion is being confirmed.
    pub confirm: Option<TokenRow>,
    /// The token whose rotation is being confirmed.
    pub rotate: Option<TokenRow>,
    /// After a rotation: when the old token stops working ("" when it already has).
    pub rotated_until: Option<String>,
}

impl TokenSection {
    pub(super) fn dialog_open(&self) -> bool {
        self.created.is_some() || self.confirm.is_some() || self.rotate.is_some()
    }

    pub(super) fn grace_choices(&self) -> &'static [(&'static str, &'static str)] {
        &GRACE_CHOICES
    }
}

pub(super) const CLIENT_KIND: (&str, &str) = ("client", "Client (backend SDKs)");
pub(super) const FRONTEND_KIND: (&str, &str) = ("frontend", "Frontend (front-end SDKs)");

/// The row of `selector` among those the page lists, for the confirmation dialog; a 404
/// page when the user may not see such a token there.
pub(super) fn confirming(
    base: &str,
    rows: &[TokenRow],
    selector: Option<&str>,
) -> Result<Option<TokenRow>, Response> {
    let Some(sel) = selector else {
        return Ok(None);
    };
    match rows.iter().find(|r| r.selector == sel) {
        Some(r) => Ok(Some(r.clone())),
        None => Err(message_page(
            base,
            StatusCode::NOT_FOUND,
            "No such token",
            "There is no API token you may see with that id.",
        )),
    }
}

/// The token a delete form names by its selector; a 404 page otherwise.
pub(super) async fn token_to_delete(
    state: &AppState,
    page: &PageUser,
    selector: &str,
) -> Result<ApiToken, PageError> {
    match tokens::find_api_token(state, selector)
        .await
        .map_err(page.fail())?
    {
        Some(t) if selector.len() <= 22 => Ok(t),
        _ => Err(message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "No such token",
            "There is no API token with that id.",
        )
        .into()),
    }
}

/// A create failure as shown beside the form, in the form's words.
pub(super) fn form_error(e: &AppError) -> String {
    super::widgets::plain_words(&error_text(e))
}

// ---------------------------------------------------------------- the API access page

#[derive(Template)]
#[template(path = "api_tokens.html")]
struct Page {
    ctx: Ctx,
    tokens: TokenSection,
}

async fn show(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    form: TokenForm,
    created: Option<String>,
    confirm: Option<String>,
) -> PageResult {
    show_with(state, page, status, form, created, confirm, None, None).await
}

/// As [`show`], with the rotate dialog for `rotate` (a selector) or, after a rotation, the
/// end of the old token's grace beside the new secret.
#[allow(clippy::too_many_arguments)]
async fn show_with(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    form: TokenForm,
    created: Option<String>,
    confirm: Option<String>,
    rotate: Option<String>,
    rotated_until: Option<String>,
) -> PageResult {
    let ctx = page.ctx("API access", "api-tokens");
    if !page.principal.can(&READ, Scope::ROOT) {
        return Ok(refusal(&ctx, "see API tokens"));
    }
    let list = tokens::list_api_tokens(state, &page.principal, None)
        .await
        .map_err(page.fail())?;
    let environments = service::environments::list(state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .map(|(e, _)| e.name)
        .collect();
    let projects = service::projects::list(state)
        .await
        .map_err(page.fail())?
        .into_iter()
        .map(|(p, _)| p.id)
        .collect();
    let now = state.clock.now();
    let rows: Vec<TokenRow> = list
        .iter()
        .map(|t| {
            let allowed = page
                .principal
                .can(&[tokens::delete_permission(t.kind)], Scope::ROOT);
            let reason = format!(
                "Your role does not allow deleting {} tokens",
                t.kind.as_str()
            );
            let mut row = TokenRow::new(t, (!allowed).then_some(reason));
            if t.expires_at.is_some_and(|e| e <= now) {
                row.rotating_until = None;
            }
            row.can_rotate = t.rotated_at.is_none()
                && t.expires_at.is_none_or(|e| e > now)
                && page
                    .principal
                    .can(&[tokens::create_permission(t.kind)], Scope::ROOT);
            row
        })
        .collect();
    let confirm = confirming(&page.base, &rows, confirm.as_deref())?;
    let rotate = match confirming(&page.base, &rows, rotate.as_deref())? {
        Some(r) if r.can_rotate => Some(r),
        Some(_) => {
            return Ok(message_page(
                &page.base,
                StatusCode::BAD_REQUEST,
                "Cannot rotate this token",
                "It was already rotated, has expired, or your role does not allow creating tokens of its type.",
            ))
        }
        None => None,
    };
    let mut kinds = Vec::new();
    if page
        .principal
        .can(&[perm::CREATE_CLIENT_API_TOKEN], Scope::ROOT)
    {
        kinds.push(CLIENT_KIND);
    }
    if page
        .principal
        .can(&[perm::CREATE_FRONTEND_API_TOKEN], Scope::ROOT)
    {
        kinds.push(FRONTEND_KIND);
    }
    Ok(render(
        &ctx,
        status,
        &Page {
            ctx: ctx.clone(),
            tokens: TokenSection {
                path: PATH.into(),
                rows,
                form,
                kinds,
                no_create: "Your role does not allow creating API tokens.",
                environments,
                projects: Some(projects),
                created,
                confirm,
                rotate,
                rotated_until,
            },
        },
    ))
}

fn empty_form() -> TokenForm {
    TokenForm::empty("development", vec!["*".into()])
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    show(&state, &page, StatusCode::OK, empty_form(), None, None).await
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut form = TokenForm::from_pairs(&pairs);
    let ctx = page.ctx("API access", "api-tokens");
    page.principal
        .require(
            &[
                perm::ADMIN,
                perm::CREATE_CLIENT_API_TOKEN,
                perm::CREATE_FRONTEND_API_TOKEN,
            ],
            Scope::ROOT,
        )
        .map_err(|_| refusal(&ctx, "create API tokens"))?;
    let auth = page.principal.authenticated();
    let body = match form.body(state.clock.now()) {
        Ok(b) => b,
        Err(message) => {
            form.error = Some(message);
            return show(&state, &page, StatusCode::BAD_REQUEST, form, None, None).await;
        }
    };
    let result = match tokens::parse_api_token(&state, &body.into()) {
        Ok(new) => {
            let needed = tokens::create_permission(new.kind);
            if page.principal.can(&[needed], Scope::ROOT) {
                tokens::create_api_token(&state, &auth, new).await
            } else {
                Err(AppError::OperationDenied(format!(
                    "Your role does not allow creating {} tokens.",
                    new.type_label
                )))
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((_, secret)) => {
            show(
                &state,
                &page,
                StatusCode::OK,
                empty_form(),
                Some(secret.expose().to_string()),
                None,
            )
            .await
        }
        Err(e) => {
            let status = e.status();
            form.error = Some(form_error(&e));
            show(&state, &page, status, form, None, None).await
        }
    }
}

async fn confirm(
    State(state): State<AppState>,
    page: PageUser,
    Path(selector): Path<String>,
) -> PageResult {
    show(
        &state,
        &page,
        StatusCode::OK,
        empty_form(),
        None,
        Some(selector),
    )
    .await
}

async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(selector): Path<String>,
    CsrfForm(_form): CsrfForm<Empty>,
) -> PageResult {
    let ctx = page.ctx("API access", "api-tokens");
    let token = token_to_delete(&state, &page, &selector).await?;
    let auth = page
        .principal
        .require(&[tokens::delete_permission(token.kind)], Scope::ROOT)
        .map_err(|_| refusal(&ctx, &format!("delete {} tokens", token.kind.as_str())))?;
    tokens::delete_api_token(&state, &auth, &token)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(&state, PATH, "API token deleted"))
}

async fn confirm_rotate(
    State(state): State<AppState>,
    page: PageUser,
    Path(selector): Path<String>,
) -> PageResult {
    show_with(
        &state,
        &page,
        StatusCode::OK,
        empty_form(),
        None,
        None,
        Some(selector),
        None,
    )
    .await
}

#[derive(serde::Deserialize)]
pub(super) struct RotateForm {
    #[serde(default)]
    grace_hours: String,
}

async fn rotate(
    State(state): State<AppState>,
    page: PageUser,
    Path(selector): Path<String>,
    CsrfForm(input): CsrfForm<RotateForm>,
) -> PageResult {
    let ctx = page.ctx("API access", "api-tokens");
    let hours = match input.grace_hours.trim().parse::<u32>() {
        Ok(h) if GRACE_CHOICES.iter().any(|(v, _)| v.parse() == Ok(h)) => h,
        _ => {
            return Ok(message_page(
                &page.base,
                StatusCode::BAD_REQUEST,
                "Choose a grace period",
                "Choose how long the old token keeps working: none, 1 hour, 1 day or 7 days.",
            ))
        }
    };
    let token = token_to_delete(&state, &page, &selector).await?;
    let auth = page
        .principal
        .require(&[tokens::create_permission(token.kind)], Scope::ROOT)
        .map_err(|_| refusal(&ctx, &format!("rotate {} tokens", token.kind.as_str())))?;
    let body = json!({ "graceHours": hours });
    let (_, secret) =
        service::token_rotation::rotate_api_token(&state, &auth, &token, &body.into())
            .await
            .map_err(page.fail())?;
    let until = if hours == 0 {
        String::new()
    } else {
        let end = crate::domain::tokens::grace_end(
            token.expires_at,
            TimeDelta::hours(i64::from(hours)),
            state.clock.now(),
        );
        date_time(end)
    };
    show_with(
        &state,
        &page,
        StatusCode::OK,
        empty_form(),
        Some(secret.expose().to_string()),
        None,
        None,
        Some(until),
    )
    .await
}
