//! The API access page: every API token the user may read, with the new-token form and
//! whichever dialog is open.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

use super::section::{confirming, TokenForm, TokenRow, TokenSection, CLIENT_KIND, FRONTEND_KIND};
use super::PATH;
use crate::auth::permission::Scope;
use crate::domain::permissions as perm;
use crate::http::ui::{message_page, Ctx, PageResult, PageUser};
use crate::http::ui::{refusal, render};
use crate::service::{self, tokens};
use crate::state::AppState;

const READ: [&str; 3] = [
    perm::ADMIN,
    perm::READ_CLIENT_API_TOKEN,
    perm::READ_FRONTEND_API_TOKEN,
];

#[derive(Template)]
#[template(path = "api_tokens.html")]
struct Page {
    ctx: Ctx,
    tokens: TokenSection,
}

pub(super) async fn show(
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
pub(super) async fn show_with(
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

pub(super) fn empty_form() -> TokenForm {
    TokenForm::empty("development", vec!["*".into()])
}

pub(super) async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    show(&state, &page, StatusCode::OK, empty_form(), None, None).await
}
