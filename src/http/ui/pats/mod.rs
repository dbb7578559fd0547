//! The signed-in user's personal access tokens, at Unleash's address
//! `/profile/personal-api-tokens`: list, create (with the secret shown once), delete.
//!
//! Dialogs are rendered by the server over the list, so the pages work without
//! JavaScript; only copying to the clipboard needs it.

mod form;
mod rows;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::forms::{parse_id, Empty};
use super::widgets::form_error_text;
use super::{
    date_time, redirect_with_flash, render, CsrfForm, Ctx, PageError, PageResult, PageUser,
};
use crate::domain::token_scope::TokenScope;
use crate::domain::tokens::Pat;
use crate::domain::users::iso;
use crate::error::AppError;
use crate::service::tokens;
use crate::state::AppState;
use form::{expiry_of, form_state, max_days, scope_choices, CreateForm, FormState};
use rows::{rows, PatList, TokenRow};

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
    match tokens::create_pat(&state, &page.principal.authenticated(), &body.into()).await {
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
            form.error = Some(form_error_text(&e));
            fail(&state, &page, &pats, form, status)
        }
    }
}

async fn confirm_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    let (pats, row) = load_row(&state, &page, &raw).await?;
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
    let (pats, row) = load_row(&state, &page, &raw).await?;
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

/// The user's tokens and the row of the one whose id is in the path, or a not-found page.
async fn load_row(
    state: &AppState,
    page: &PageUser,
    raw: &str,
) -> Result<(PatList, TokenRow), PageError> {
    let pats = load(state, page).await?;
    let row = parse_id(raw)
        .and_then(|id| rows(state, &pats).into_iter().find(|r| r.id == id))
        .ok_or_else(|| no_such_token(page))?;
    Ok((pats, row))
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
    let (_, secret) = crate::service::token_rotation::rotate_pat(&state, &auth, id, &body.into())
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
