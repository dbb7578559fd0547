//! The list of service accounts and the form that creates one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

use super::{LIST, NAV, REFUSAL};
use crate::domain::permissions::Role;
use crate::domain::service_accounts::last_seen;
use crate::http::ui::widgets::require_admin;
use crate::http::ui::{
    date, date_time, error_text, redirect_with_flash, render, CsrfForm, Ctx, PageResult, PageUser,
};
use crate::service::service_accounts::{self, Account, NewAccount};
use crate::service::users::RoleRef;
use crate::state::AppState;

pub(super) struct AccountRow {
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

pub(super) fn row(a: &Account, roles: &[Role]) -> AccountRow {
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

pub(super) async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    show_list(&state, &page, StatusCode::OK, CreateForm::default(), None).await
}

pub(super) fn role_ref(raw: &str) -> Option<RoleRef> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(match raw.parse::<i64>() {
        Ok(id) => RoleRef::Id(id),
        Err(_) => RoleRef::Name(raw.to_string()),
    })
}

pub(super) async fn create(
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
