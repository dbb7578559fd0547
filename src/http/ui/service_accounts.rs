//! Service accounts (Admin only): list, create, change name and role, delete, and mint
//! (secret shown once) or delete their tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::TimeDelta;
use serde_json::json;

use super::forms::{parse_id, Confirm, ConfirmPage};
use super::widgets::require_admin;
use super::{
    date, date_time, error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::domain::permissions::Role;
use crate::domain::service_accounts::last_seen;
use crate::domain::tokens::{never_expires, Pat};
use crate::domain::users::iso;
use crate::service::service_accounts::{self, Account, AccountChanges, NewAccount};
use crate::service::users::RoleRef;
use crate::state::AppState;

const LIST: &str = "/admin/service-accounts";
const NAV: &str = "service-accounts";
const REFUSAL: &str =
    "Only admins can manage service accounts. Ask an admin of this Switchyard if you need one.";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(LIST, get(list).post(create))
        .route("/admin/service-accounts/{id}", get(detail).post(update))
        .route(
            "/admin/service-accounts/{id}/delete",
            get(confirm_delete).post(delete),
        )
        .route(
            "/admin/service-accounts/{id}/tokens",
            axum::routing::post(create_token),
        )
        .route(
            "/admin/service-accounts/{id}/tokens/{token}/delete",
            get(confirm_delete_token).post(delete_token),
        )
}

pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub role: String,
    pub role_id: i64,
    pub tokens: usize,
    pub created: String,
    pub seen: String,
}

fn role_name(roles: &[Role], id: i64) -> String {
    roles
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

fn row(a: &Account, roles: &[Role]) -> AccountRow {
    AccountRow {
        id: a.user.id,
        name: a.user.display_name(),
        username: a.user.username.clone().unwrap_or_default(),
        role: role_name(roles, a.user.root_role_id),
        role_id: a.user.root_role_id,
        tokens: a.tokens.len(),
        created: date(a.user.created_at),
        seen: last_seen(&a.user, &a.tokens)
            .map(date_time)
            .unwrap_or_else(|| "Never".into()),
    }
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "service_accounts.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<AccountRow>,
    roles: Vec<Role>,
    form: CreateForm,
    error: Option<String>,
}

async fn show_list(
    state: &AppState,
    page: &PageUser,
    status: StatusCode,
    form: CreateForm,
    error: Option<String>,
) -> PageResult {
    let ctx = page.ctx("Service accounts", NAV);
    require_admin(page, &ctx, REFUSAL)?;
    let (accounts, roles) = service_accounts::list(state).await.map_err(page.fail())?;
    let rows = accounts.iter().map(|a| row(a, &roles)).collect();
    Ok(render(
        &ctx,
        status,
        &ListPage {
            ctx: ctx.clone(),
            rows,
            roles,
            form,
            error,
        },
    ))
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    show_list(&state, &page, StatusCode::OK, CreateForm::default(), None).await
}

fn role_ref(raw: &str) -> Option<RoleRef> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(match raw.parse::<i64>() {
        Ok(id) => RoleRef::Id(id),
        Err(_) => RoleRef::Name(raw.to_string()),
    })
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> PageResult {
    let ctx = page.ctx("Service accounts", NAV);
    let auth = require_admin(&page, &ctx, REFUSAL)?;
    let input = NewAccount {
        name: Some(form.name.clone()),
        username: Some(form.username.clone()),
        root_role: role_ref(&form.role),
    };
    match service_accounts::create(&state, &auth, input).await {
        Ok(user) => Ok(redirect_with_flash(
            &state,
            &format!("{LIST}/{}", user.id),
            "Service account created. Create a token for it below.",
        )),
        Err(e) => {
            let status = e.status();
            show_list(&state, &page, status, form, Some(error_text(&e))).await
        }
    }
}

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

struct Shown {
    status: StatusCode,
    error: Option<String>,
    token_error: Option<String>,
    created: Option<String>,
}

impl Shown {
    fn ok() -> Self {
        Shown {
            status: StatusCode::OK,
            error: None,
            token_error: None,
            created: None,
        }
    }
}

fn no_account(base: &str) -> Response {
    super::message_page(
        base,
        StatusCode::NOT_FOUND,
        "No such service account",
        "There is no service account with that id. It may have been deleted.",
    )
}

async fn show_detail(state: &AppState, page: &PageUser, raw: &str, shown: Shown) -> PageResult {
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

async fn detail(
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

async fn update(
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

#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    expiry: String,
}

async fn create_token(
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

async fn confirm_delete(
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

async fn delete(
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

async fn confirm_delete_token(
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
        return Ok(super::message_page(
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

async fn delete_token(
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
