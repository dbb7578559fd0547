//! What the API access page's forms do: create a token, delete one after a confirmation,
//! rotate one with a grace period for the old secret.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::json;

use super::page::{empty_form, show, show_with};
use super::section::{token_to_delete, TokenForm, GRACE_CHOICES};
use super::PATH;
use crate::auth::permission::Scope;
use crate::domain::permissions as perm;
use crate::error::AppError;
use crate::http::ui::forms::Empty;
use crate::http::ui::widgets::form_error_text;
use crate::http::ui::{date_time, redirect_with_flash, refusal};
use crate::http::ui::{message_page, CsrfForm, PageResult, PageUser};
use crate::service::{self, tokens};
use crate::state::AppState;

pub(super) async fn create(
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
            form.error = Some(form_error_text(&e));
            show(&state, &page, status, form, None, None).await
        }
    }
}

pub(super) async fn confirm(
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

pub(super) async fn delete(
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

pub(super) async fn confirm_rotate(
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

pub(super) async fn rotate(
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
