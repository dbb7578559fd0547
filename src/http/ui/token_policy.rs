//! The token policy for Admins at `/admin/token-policy`: a lifetime limit for new personal
//! access tokens and the automatic deletion of unused ones. The same use case as
//! `PUT /api/admin/token-policy`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::widgets::require_admin;
use super::{
    error_text, redirect_with_flash, refusal, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::service::token_policy;
use crate::state::AppState;

const PATH: &str = "/admin/token-policy";

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(show).post(save))
}

#[derive(Template)]
#[template(path = "token_policy.html")]
struct Page {
    ctx: Ctx,
    max_days: String,
    unused_days: String,
    ceiling: Option<u32>,
    error: Option<String>,
}

fn page_of(
    page: &PageUser,
    max_days: String,
    unused_days: String,
    ceiling: Option<u32>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let ctx = page.ctx("Token policy", "token-policy");
    render(
        &ctx,
        status,
        &Page {
            ctx: ctx.clone(),
            max_days,
            unused_days,
            ceiling,
            error,
        },
    )
}

fn text(v: Option<u32>) -> String {
    v.map(|d| d.to_string()).unwrap_or_default()
}

async fn show(State(state): State<AppState>, page: PageUser) -> PageResult {
    if !page.is_admin() {
        return Ok(refusal(
            &page.ctx("Token policy", "token-policy"),
            "change the token policy",
        ));
    }
    let p = token_policy::policy(&state).await.map_err(page.fail())?;
    Ok(page_of(
        &page,
        text(p.pat_max_lifetime_days),
        text(p.revoke_unused_after_days),
        state.config.pat_max_lifetime_days,
        None,
        StatusCode::OK,
    ))
}

#[derive(serde::Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    max_days: String,
    #[serde(default)]
    unused_days: String,
}

/// An empty field clears the setting; anything else goes to the same validation as the API.
fn field(raw: &str) -> Value {
    let raw = raw.trim();
    if raw.is_empty() {
        return Value::Null;
    }
    raw.parse::<u64>().map_or_else(|_| json!(raw), |n| json!(n))
}

async fn save(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(input): CsrfForm<PolicyForm>,
) -> PageResult {
    let auth = require_admin(
        &page,
        &page.ctx("Token policy", "token-policy"),
        "change the token policy",
    )?;
    let body = json!({
        "patMaxLifetimeDays": field(&input.max_days),
        "revokeUnusedAfterDays": field(&input.unused_days),
    });
    match token_policy::set_policy(&state, &auth, &body.into()).await {
        Ok(_) => Ok(redirect_with_flash(&state, PATH, "Token policy saved")),
        Err(e) => {
            let status = e.status();
            Ok(page_of(
                &page,
                input.max_days,
                input.unused_days,
                state.config.pat_max_lifetime_days,
                Some(error_text(&e)),
                status,
            ))
        }
    }
}
