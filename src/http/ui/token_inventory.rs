//! The token inventory (Admin only): every personal access token and service-account token,
//! filtered as the Admin API filters them, with a Revoke button that asks first.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::forms::{parse_id, Confirm, ConfirmPage};
use super::widgets::require_admin;
use super::{date, date_time, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser};
use crate::domain::token_inventory::{parse_days, parse_flag, parse_owner_kind, InventoryFilter};
use crate::domain::tokens::never_expires;
use crate::error::AppResult;
use crate::service::token_inventory;
use crate::state::AppState;

const PATH: &str = "/admin/tokens";
const NAV: &str = "tokens";
const REFUSAL: &str = "Only admins can see every token. Your own tokens are on your profile.";

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(list)).route(
        "/admin/tokens/{id}/revoke",
        get(confirm_revoke).post(revoke),
    )
}

/// The filter form's fields, as typed (empty = not filtering).
#[derive(serde::Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    owner_type: String,
    #[serde(default)]
    expired: String,
    #[serde(default)]
    expiring_within_days: String,
    #[serde(default)]
    unused_for_days: String,
    #[serde(default)]
    never_expires: String,
}

impl Filters {
    fn filter(&self) -> AppResult<InventoryFilter> {
        let days = |name: &str, v: &str| -> AppResult<Option<i64>> {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                parse_days(name, v).map(Some)
            }
        };
        let flag = |name: &str, v: &str| -> AppResult<Option<bool>> {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                parse_flag(name, v).map(Some)
            }
        };
        Ok(InventoryFilter {
            owner_kind: parse_owner_kind(&self.owner_type)?,
            expired: flag("expired", &self.expired)?,
            expiring_within_days: days("expiringWithinDays", &self.expiring_within_days)?,
            unused_for_days: days("unusedForDays", &self.unused_for_days)?,
            never_expires: flag("neverExpires", &self.never_expires)?,
        })
    }
}

pub struct Row {
    pub id: i64,
    pub owner: String,
    pub owner_username: String,
    pub service: bool,
    pub description: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub expired: bool,
    pub seen: String,
    pub addresses: String,
}

#[derive(Template)]
#[template(path = "token_inventory.html")]
struct InventoryPage {
    ctx: Ctx,
    rows: Vec<Row>,
    f: Filters,
    error: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    page: PageUser,
    Query(f): Query<Filters>,
) -> PageResult {
    let ctx = page.ctx("Tokens", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    let (status, error, entries) = match f.filter() {
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Some(super::error_text(&e)),
            Vec::new(),
        ),
        Ok(filter) => {
            let list = token_inventory::list(&state, Some(&f.owner), &filter)
                .await
                .map_err(page.fail())?;
            (StatusCode::OK, None, list)
        }
    };
    let now = state.clock.now();
    let rows = entries
        .iter()
        .map(|e| {
            let t = &e.token;
            Row {
                id: t.id,
                owner: t.owner_display(),
                owner_username: t.owner_username.clone().unwrap_or_default(),
                service: t.owner_is_service,
                description: t.description.clone(),
                scopes: t.scopes.clone(),
                created: date(t.created_at),
                expires: if never_expires(t.expires_at, now) {
                    "Never".into()
                } else {
                    date(t.expires_at)
                },
                expired: t.expired(now),
                seen: t.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
                addresses: e
                    .addresses
                    .iter()
                    .map(|a| a.address.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    Ok(render(
        &ctx,
        status,
        &InventoryPage {
            ctx: ctx.clone(),
            rows,
            f,
            error,
        },
    ))
}

fn no_token(base: &str) -> Response {
    super::message_page(
        base,
        StatusCode::NOT_FOUND,
        "No such token",
        "There is no personal access token with that id. It may have been revoked already.",
    )
}

async fn confirm_revoke(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    let ctx = page.ctx("Revoke token?", NAV);
    require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&raw).ok_or_else(|| no_token(&page.base))?;
    let all = token_inventory::list(&state, None, &InventoryFilter::default())
        .await
        .map_err(page.fail())?;
    let Some(entry) = all.into_iter().find(|e| e.token.id == id) else {
        return Ok(no_token(&page.base));
    };
    Ok(ConfirmPage {
        ctx,
        heading: "Revoke token?",
        before: "The token \"",
        subject: entry.token.description.clone(),
        after: format!(
            "\" of {} will stop working at once. Anything using it will no longer be able to access the Admin API. The owner sees the revocation in the event log. You cannot undo this action.",
            entry.token.owner_display()
        ),
        action: format!("{PATH}/{id}/revoke"),
        button: "Revoke token",
        button_id: "confirm-revoke",
        cancel: PATH.to_string(),
    }
    .show())
}

async fn revoke(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<Confirm>,
) -> PageResult {
    let ctx = page.ctx("Revoke token?", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&raw).ok_or_else(|| no_token(&page.base))?;
    if !form.confirmed() {
        return Ok(redirect_with_flash(&state, PATH, "Nothing was revoked"));
    }
    let t = token_inventory::revoke(&state, &auth, id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        &format!(
            "Token \"{}\" of {} revoked",
            t.description,
            t.owner_display()
        ),
    ))
}
