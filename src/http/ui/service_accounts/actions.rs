//! Minting a token for a service account, and deleting accounts and their tokens after a
//! confirmation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::TimeDelta;
use serde_json::json;

use super::detail::{no_account, show_detail, Shown};
use super::{LIST, NAV, REFUSAL};
use crate::domain::users::iso;
use crate::http::ui::forms::{parse_id, Confirm, ConfirmPage};
use crate::http::ui::widgets::require_admin;
use crate::http::ui::{error_text, redirect_with_flash, CsrfForm, PageResult, PageUser};
use crate::service::service_accounts::{self};
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    expiry: String,
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> PageResult {
    let ctx = page.ctx("Service account", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&raw).ok_or_else(|| no_account(&page.base))?;
    let now = state.clock.now();
    let expires_at = match form.expiry.as_str() {
        "never" => chrono::DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok(),
        d => match d.parse::<i64>() {
            Ok(d @ (7 | 30 | 60 | 90)) => Some(now + TimeDelta::days(d)),
            _ => None,
        },
    };
    let Some(expires_at) = expires_at else {
        let shown = Shown {
            status: StatusCode::BAD_REQUEST,
            token_error: Some("Choose when the token will expire.".into()),
            ..Shown::ok()
        };
        return show_detail(&state, &page, &raw, shown).await;
    };
    let body = json!({"description": form.description, "expiresAt": iso(expires_at)});
    match service_accounts::create_token(&state, &auth, id, &body.into()).await {
        Ok((_, secret)) => {
            let shown = Shown {
                created: Some(secret.expose().to_string()),
                ..Shown::ok()
            };
            show_detail(&state, &page, &raw, shown).await
        }
        Err(e) => {
            let shown = Shown {
                status: e.status(),
                token_error: Some(error_text(&e)),
                ..Shown::ok()
            };
            show_detail(&state, &page, &raw, shown).await
        }
    }
}

pub(super) async fn confirm_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    let ctx = page.ctx("Delete service account?", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    let Some(account) = (match parse_id(&raw) {
        Some(id) => service_accounts::get(&state, id).await.ok(),
        None => None,
    }) else {
        return Ok(no_account(&page.base));
    };
    Ok(ConfirmPage {
        ctx,
        heading: "Delete service account?",
        before: "The service account ",
        subject: account.user.display_name(),
        after: format!(
            " and its {} token(s) will be deleted. Anything using them will no longer be able to access the Admin API.",
            account.tokens.len()
        ),
        action: format!("{LIST}/{}/delete", account.user.id),
        button: "Delete service account",
        button_id: "confirm-delete-account",
        cancel: format!("{LIST}/{}", account.user.id),
    }
    .show())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<Confirm>,
) -> PageResult {
    let ctx = page.ctx("Delete service account?", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&raw).ok_or_else(|| no_account(&page.base))?;
    if !form.confirmed() {
        return Ok(nothing_deleted(&state, id));
    }
    service_accounts::delete(&state, &auth, id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(&state, LIST, "Service account deleted"))
}

/// Back to the account after a confirmation was declined.
fn nothing_deleted(state: &AppState, id: i64) -> Response {
    redirect_with_flash(state, &format!("{LIST}/{id}"), "Nothing was deleted")
}

pub(super) async fn confirm_delete_token(
    State(state): State<AppState>,
    page: PageUser,
    Path((raw, raw_token)): Path<(String, String)>,
) -> PageResult {
    let ctx = page.ctx("Delete token?", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    let found = match (parse_id(&raw), parse_id(&raw_token)) {
        (Some(id), Some(tid)) => service_accounts::get(&state, id)
            .await
            .ok()
            .and_then(|a| a.tokens.into_iter().find(|t| t.id == tid)),
        _ => None,
    };
    let Some(token) = found else {
        return Ok(crate::http::ui::message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "No such token",
            "This service account has no token with that id.",
        ));
    };
    Ok(ConfirmPage {
        ctx,
        heading: "Delete token?",
        before: "Any applications or scripts using this token \"",
        subject: token.description.clone(),
        after: "\" will no longer be able to access the Admin API. You cannot undo this action."
            .into(),
        action: format!("{LIST}/{}/tokens/{}/delete", token.user_id, token.id),
        button: "Delete token",
        button_id: "confirm-delete-token",
        cancel: format!("{LIST}/{}", token.user_id),
    }
    .show())
}

pub(super) async fn delete_token(
    State(state): State<AppState>,
    page: PageUser,
    Path((raw, raw_token)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<Confirm>,
) -> PageResult {
    let ctx = page.ctx("Delete token?", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let (Some(id), Some(tid)) = (parse_id(&raw), parse_id(&raw_token)) else {
        return Ok(no_account(&page.base));
    };
    if !form.confirmed() {
        return Ok(nothing_deleted(&state, id));
    }
    service_accounts::delete_token(&state, &auth, id, tid)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        &format!("{LIST}/{id}"),
        "Token deleted",
    ))
}
