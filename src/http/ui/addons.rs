//! Webhooks (the webhook addon) for Admins at `/admin/addons`: list, create, edit, delete.
//! The form offers every event the provider offers, token expiry notices included.
//!
//! Dialogs are rendered by the server over the list, so the page works without JavaScript.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::forms::{self, parse_id};
use super::{
    error_text, message_page, redirect_with_flash, render, CsrfForm, Ctx, PageError, PageResult,
    PageUser,
};
use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::addons::{Addon, MASKED, WEBHOOK, WEBHOOK_EVENTS};
use crate::domain::permissions::{CREATE_ADDON, DELETE_ADDON, UPDATE_ADDON};
use crate::service::addons;
use crate::state::AppState;

const PATH: &str = "/admin/addons";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list).post(create))
        .route("/admin/addons/new", get(new_form))
        .route("/admin/addons/{id}", get(edit_form).post(update))
        .route(
            "/admin/addons/{id}/delete",
            get(confirm_delete).post(delete),
        )
}

pub struct Row {
    pub id: i64,
    pub description: String,
    pub events: String,
    pub enabled: bool,
    pub has_template: bool,
}

fn rows(list: &[Addon]) -> Vec<Row> {
    list.iter()
        .map(|a| Row {
            id: a.id,
            description: a
                .description
                .clone()
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| format!("Webhook {}", a.id)),
            events: a.events.join(", "),
            enabled: a.enabled,
            has_template: a
                .parameters
                .get("bodyTemplate")
                .is_some_and(|t| t.as_str().is_some_and(|t| !t.is_empty())),
        })
        .collect()
}

/// What the create or edit form shows.
pub struct FormState {
    /// `None` when creating.
    pub id: Option<i64>,
    pub description: String,
    /// Empty when editing: the stored URL is not shown.
    pub url: String,
    pub has_url: bool,
    pub has_authorization: bool,
    pub content_type: String,
    pub body_template: String,
    pub enabled: bool,
    /// (event, checked) for every event the provider offers.
    pub events: Vec<(&'static str, bool)>,
    pub error: Option<String>,
}

impl FormState {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("{PATH}/{id}"),
            None => PATH.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "addons.html")]
struct AddonsPage {
    ctx: Ctx,
    rows: Vec<Row>,
    form: Option<FormState>,
    form_action: String,
    confirm: Option<Row>,
}

fn show(
    page: &PageUser,
    status: StatusCode,
    list: &[Addon],
    form: Option<FormState>,
    confirm: Option<Row>,
) -> Response {
    let ctx = page.ctx("Webhooks", "addons");
    let p = AddonsPage {
        ctx: ctx.clone(),
        rows: rows(list),
        form_action: form.as_ref().map(FormState::action).unwrap_or_default(),
        form,
        confirm,
    };
    render(&ctx, status, &p)
}

/// Admins only, as the other Admin pages; the change itself needs its own permission.
fn admin_only(page: &PageUser) -> Result<(), Response> {
    if page.is_admin() {
        return Ok(());
    }
    Err(message_page(
        &page.base,
        StatusCode::FORBIDDEN,
        "Admins only",
        "Only Admins manage webhooks.",
    ))
}

fn allowed(page: &PageUser, permission: &str) -> Result<Authorized, PageError> {
    page.principal
        .require(&[permission], Scope::ROOT)
        .map_err(page.fail())
}

async fn load(state: &AppState, page: &PageUser) -> Result<Vec<Addon>, PageError> {
    addons::list(state).await.map_err(page.fail())
}

fn not_found(page: &PageUser) -> Response {
    message_page(
        &page.base,
        StatusCode::NOT_FOUND,
        "No such webhook",
        "There is no webhook with that id.",
    )
}

fn find(list: &[Addon], raw: &str) -> Option<Addon> {
    let id = parse_id(raw)?;
    list.iter().find(|a| a.id == id).cloned()
}

fn param(a: &Addon, name: &str) -> String {
    a.parameters
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn event_choices(checked: &[String]) -> Vec<(&'static str, bool)> {
    WEBHOOK_EVENTS
        .iter()
        .map(|e| (*e, checked.iter().any(|c| c == e)))
        .collect()
}

fn blank_form() -> FormState {
    FormState {
        id: None,
        description: String::new(),
        url: String::new(),
        has_url: false,
        has_authorization: false,
        content_type: String::new(),
        body_template: String::new(),
        enabled: true,
        events: event_choices(&[]),
        error: None,
    }
}

fn form_of(a: &Addon) -> FormState {
    FormState {
        id: Some(a.id),
        description: a.description.clone().unwrap_or_default(),
        url: String::new(),
        has_url: a.parameters.contains_key("url"),
        has_authorization: a.parameters.contains_key("authorization"),
        content_type: param(a, "contentType"),
        body_template: param(a, "bodyTemplate"),
        enabled: a.enabled,
        events: event_choices(&a.events),
        error: None,
    }
}

async fn list(State(state): State<AppState>, page: PageUser) -> PageResult {
    admin_only(&page)?;
    let list = load(&state, &page).await?;
    Ok(show(&page, StatusCode::OK, &list, None, None))
}

async fn new_form(State(state): State<AppState>, page: PageUser) -> PageResult {
    admin_only(&page)?;
    let list = load(&state, &page).await?;
    Ok(show(&page, StatusCode::OK, &list, Some(blank_form()), None))
}

async fn edit_form(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    admin_only(&page)?;
    let list = load(&state, &page).await?;
    let a = find(&list, &raw).ok_or_else(|| not_found(&page))?;
    Ok(show(&page, StatusCode::OK, &list, Some(form_of(&a)), None))
}

/// The submitted form as pairs (events come once per ticked box).
type Fields = Vec<(String, String)>;

/// A field as typed, without the spaces around it.
fn field(fields: &Fields, name: &str) -> String {
    forms::field(fields, name).trim().to_string()
}

/// The Admin API body the form stands for. Editing, a blank URL or authorization keeps the
/// stored value; headers and filters the form does not show are kept as they are.
fn body_of(fields: &Fields, existing: Option<&Addon>) -> Value {
    let mut parameters = Map::new();
    let url = field(fields, "url");
    if !url.is_empty() {
        parameters.insert("url".into(), json!(url));
    } else if existing.is_some_and(|a| a.parameters.contains_key("url")) {
        parameters.insert("url".into(), json!(MASKED));
    }
    let authorization = field(fields, "authorization");
    let remove_authorization = field(fields, "remove_authorization") == "on";
    if !authorization.is_empty() {
        parameters.insert("authorization".into(), json!(authorization));
    } else if !remove_authorization
        && existing.is_some_and(|a| a.parameters.contains_key("authorization"))
    {
        parameters.insert("authorization".into(), json!(MASKED));
    }
    if existing.is_some_and(|a| a.parameters.contains_key("customHeaders")) {
        parameters.insert("customHeaders".into(), json!(MASKED));
    }
    parameters.insert("contentType".into(), json!(field(fields, "content_type")));
    // The template keeps its line breaks and spaces.
    let template = forms::field(fields, "body_template").replace("\r\n", "\n");
    parameters.insert("bodyTemplate".into(), json!(template));
    let events: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.as_str())
        .collect();
    json!({
        "provider": WEBHOOK,
        "description": field(fields, "description"),
        "enabled": field(fields, "enabled") == "on",
        "parameters": parameters,
        "events": events,
        "projects": existing.map(|a| a.projects.clone()).unwrap_or_default(),
        "environments": existing.map(|a| a.environments.clone()).unwrap_or_default(),
    })
}

/// The form again, as submitted, with the reason it was refused.
fn refill(fields: &Fields, existing: Option<&Addon>, error: String) -> FormState {
    let events: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    FormState {
        id: existing.map(|a| a.id),
        description: field(fields, "description"),
        url: field(fields, "url"),
        has_url: existing.is_some_and(|a| a.parameters.contains_key("url")),
        has_authorization: existing.is_some_and(|a| a.parameters.contains_key("authorization")),
        content_type: field(fields, "content_type"),
        body_template: forms::field(fields, "body_template"),
        enabled: field(fields, "enabled") == "on",
        events: event_choices(&events),
        error: Some(error),
    }
}

async fn create(
    State(state): State<AppState>,
    page: PageUser,
    CsrfForm(fields): CsrfForm<Fields>,
) -> PageResult {
    admin_only(&page)?;
    let auth = allowed(&page, CREATE_ADDON)?;
    match addons::create(&state, &auth, &body_of(&fields, None)).await {
        Ok(_) => Ok(redirect_with_flash(&state, PATH, "Webhook created")),
        Err(e) => {
            let list = load(&state, &page).await?;
            let form = refill(&fields, None, error_text(&e));
            Ok(show(&page, e.status(), &list, Some(form), None))
        }
    }
}

async fn update(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> PageResult {
    admin_only(&page)?;
    let auth = allowed(&page, UPDATE_ADDON)?;
    let list = load(&state, &page).await?;
    let existing = find(&list, &raw).ok_or_else(|| not_found(&page))?;
    let body = body_of(&fields, Some(&existing));
    match addons::update(&state, &auth, existing.id, &body).await {
        Ok(_) => Ok(redirect_with_flash(&state, PATH, "Webhook saved")),
        Err(e) => {
            let form = refill(&fields, Some(&existing), error_text(&e));
            Ok(show(&page, e.status(), &list, Some(form), None))
        }
    }
}

async fn confirm_delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
) -> PageResult {
    admin_only(&page)?;
    let list = load(&state, &page).await?;
    let a = find(&list, &raw).ok_or_else(|| not_found(&page))?;
    let row = rows(std::slice::from_ref(&a)).pop();
    Ok(show(&page, StatusCode::OK, &list, None, row))
}

async fn delete(
    State(state): State<AppState>,
    page: PageUser,
    Path(raw): Path<String>,
    CsrfForm(_fields): CsrfForm<Fields>,
) -> PageResult {
    admin_only(&page)?;
    let auth = allowed(&page, DELETE_ADDON)?;
    let id = parse_id(&raw).ok_or_else(|| not_found(&page))?;
    addons::delete(&state, &auth, id)
        .await
        .map_err(page.fail())?;
    Ok(redirect_with_flash(&state, PATH, "Webhook deleted"))
}
