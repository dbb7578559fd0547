//! A service account's page: its name, role and tokens, and saving a change to them.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::list::{role_ref, row, AccountRow};
use super::{LIST, NAV, REFUSAL};
use crate::domain::permissions::Role;
use crate::domain::tokens::{never_expires, Pat};
use crate::http::ui::forms::parse_id;
use crate::http::ui::widgets::require_admin;
use crate::http::ui::{
    date, date_time, error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::service::service_accounts::{self, AccountChanges};
use crate::state::AppState;

pub struct TokenRow {
    pub id: i64,
    pub description: String,
    pub created: String,
    pub expires: String,
    pub seen: String,
    pub expired: bool,
}

fn token_rows(state: &AppState, tokens: &[Pat]) -> Vec<TokenRow> {
    let now = state.clock.now();
    tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id,
            description: t.description.clone(),
            created: date(t.created_at),
            expires: if never_expires(t.expires_at, now) {
                "Never".into()
            } else {
                date(t.expires_at)
            },
            seen: t.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
            expired: t.expires_at <= now,
        })
        .collect()
}

/// The expiry choices of the token form, as (value, label); 30 days is the default.
const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("60", "60 days"),
    ("90", "90 days"),
    ("never", "Never"),
];

#[derive(Template)]
#[template(path = "service_account.html")]
struct DetailPage {
    ctx: Ctx,
    account: AccountRow,
    roles: Vec<Role>,
    tokens: Vec<TokenRow>,
    expiry_choices: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    token_error: Option<String>,
    /// The secret of the token just created, shown once.
    created: Option<String>,
}

pub(super) struct Shown {
    pub(super) status: StatusCode,
    pub(super) error: Option<String>,
    pub(super) token_error: Option<String>,
    pub(super) created: Option<String>,
}

impl Shown {
    pub(super) fn ok() -> Self {
        Shown {
            status: StatusCode::OK,
            error: None,
            token_error: None,
            created: None,
        }
    }
}

pub(super) fn no_account(base: &str) -> Response {
    crate::http::ui::message_page(
        base,
        StatusCode::NOT_FOUND,
        "No such service account",
        "There is no service account with that id. It may have been deleted.",
    )
}

pub(super) async fn show_detail(
    state: &AppState,
    page: &PageUser,
    raw: &str,
    shown: Shown,
) -> PageResult {
    let ctx = page.ctx("Service account", NAV);
    require_admin(page, &ctx, REFUSAL)?;
    let id = parse_id(raw).ok_or_else(|| no_account(&page.base))?;
    let (account, roles) = match (
        service_accounts::get(state, id).await,
        service_accounts::list(state).await,
    ) {
        (Ok(a), Ok((_, roles))) => (a, roles),
        (Err(crate::error::AppError::NotFound(_)), _) => return Ok(no_account(&page.base)),
        (Err(e), _) | (_, Err(e)) => return Err(page.fail()(e)),
    };
    let ctx = page.ctx(
        format!("Service account {}", account.user.display_name()),
        NAV,
    );
    let p = DetailPage {
        ctx: ctx.clone(),
        account: row(&account, &roles),
        tokens: token_rows(state, &account.tokens),
        roles,
        expiry_choices: EXPIRY_CHOICES.to_vec(),
        error: shown.error,
        token_error: shown.token_error,
        created: shown.created,
    };
    Ok(render(&ctx, shown.status, &p))
}

pub(super) async fn detail(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    show_detail(&state, &page, &raw, Shown::ok()).await
}

#[derive(serde::Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub(super) async fn update(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(form): CsrfForm<UpdateForm>,
) -> PageResult {
    let ctx = page.ctx("Service account", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let id = parse_id(&raw).ok_or_else(|| no_account(&page.base))?;
    let input = AccountChanges {
        name: Some(form.name),
        username: None,
        root_role: role_ref(&form.role),
    };
    match service_accounts::update(&state, &auth, id, input).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("{LIST}/{id}"),
            "Service account updated",
        )),
        Err(e) => {
            let shown = Shown {
                status: e.status(),
                error: Some(error_text(&e)),
                ..Shown::ok()
            };
            show_detail(&state, &page, &raw, shown).await
        }
    }
}
