//! The pieces of the token pages shared with a project's API access page: the token
//! rows, the new-token form, the section the `api_token_*.html` includes show, and the
//! lookups of the token a dialog is about.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::domain::tokens::ApiToken;
use crate::domain::users::iso;
use crate::http::ui::forms::field;
use crate::http::ui::{date, date_time};
use crate::http::ui::{message_page, PageError, PageUser};
use crate::service::tokens;
use crate::state::AppState;

/// The grace choices of the rotate dialog, as (hours, label); one day is the default.
pub(super) const GRACE_CHOICES: [(&str, &str); 4] = crate::http::ui::pats::GRACE_CHOICES;

/// One token as the token tables show it.
#[derive(Clone)]
pub(in crate::http::ui) struct TokenRow {
    pub selector: String,
    pub name: String,
    pub kind: String,
    pub projects: String,
    pub environment: String,
    pub expires: String,
    pub created: String,
    pub seen: String,
    pub can_delete: bool,
    /// Why Delete is greyed out, when it is.
    pub delete_reason: String,
    /// The page offers Rotate for this token (not rotated yet, not expired, and the user
    /// may create tokens of its kind).
    pub can_rotate: bool,
    /// Set while a rotated token still works: when its grace ends.
    pub rotating_until: Option<String>,
}

impl TokenRow {
    pub(in crate::http::ui) fn new(t: &ApiToken, delete_reason: Option<String>) -> TokenRow {
        TokenRow {
            selector: t.selector.clone(),
            name: t.token_name.clone(),
            kind: t.kind.as_str().to_string(),
            projects: t.projects.join(", "),
            environment: t.environment.clone(),
            expires: t.expires_at.map(date).unwrap_or_else(|| "Never".into()),
            created: date(t.created_at),
            seen: t.seen_at.map(date_time).unwrap_or_else(|| "Never".into()),
            can_delete: delete_reason.is_none(),
            delete_reason: delete_reason.unwrap_or_default(),
            can_rotate: false,
            rotating_until: t.rotated_at.and(t.expires_at).map(date_time),
        }
    }
}

/// What the new-token form holds (kept when the form comes back with a message).
pub(in crate::http::ui) struct TokenForm {
    pub name: String,
    pub kind: String,
    pub environment: String,
    pub projects: Vec<String>,
    pub expiry: String,
    pub error: Option<String>,
}

impl TokenForm {
    pub(in crate::http::ui) fn empty(environment: &str, projects: Vec<String>) -> TokenForm {
        TokenForm {
            name: String::new(),
            kind: "client".into(),
            environment: environment.into(),
            projects,
            expiry: "never".into(),
            error: None,
        }
    }

    /// The form as posted (`name`, `type`, `environment`, `expiry`, `projects` repeated);
    /// no project ticked means every project.
    pub(in crate::http::ui) fn from_pairs(pairs: &[(String, String)]) -> TokenForm {
        let mut projects: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "projects")
            .map(|(_, v)| v.clone())
            .collect();
        if projects.is_empty() {
            projects.push("*".into());
        }
        TokenForm {
            name: field(pairs, "name"),
            kind: field(pairs, "type"),
            environment: field(pairs, "environment"),
            projects,
            expiry: field(pairs, "expiry"),
            error: None,
        }
    }

    pub(in crate::http::ui) fn all_projects(&self) -> bool {
        self.projects.iter().any(|p| p == "*")
    }

    /// The Admin API's create body for this form, or the message to show beside it when
    /// the expiry is not one of the offered choices.
    pub(in crate::http::ui) fn body(&self, now: DateTime<Utc>) -> Result<Value, String> {
        let expires = match self.expiry.as_str() {
            "never" | "" => Value::Null,
            d => match d.parse::<i64>() {
                Ok(days @ (7 | 30 | 60 | 90)) => json!(iso(now + TimeDelta::days(days))),
                _ => return Err("Choose when the token will expire.".into()),
            },
        };
        Ok(json!({
            "tokenName": self.name,
            "type": self.kind,
            "environment": self.environment,
            "projects": self.projects,
            "expiresAt": expires,
        }))
    }
}

/// Everything the shared includes `api_token_table.html`, `api_token_form.html` and
/// `api_token_dialogs.html` read.
pub(in crate::http::ui) struct TokenSection {
    /// The page's path under the base: the form posts here, dialogs close to it, and
    /// `<path>/<selector>/delete` confirms and deletes.
    pub path: String,
    pub rows: Vec<TokenRow>,
    pub form: TokenForm,
    /// Types the user may create, as (value, label); empty hides the form.
    pub kinds: Vec<(&'static str, &'static str)>,
    /// Why the form is hidden, when `kinds` is empty.
    pub no_create: &'static str,
    pub environments: Vec<String>,
    /// Projects to choose from; `None` when the page fixes the project.
    pub projects: Option<Vec<String>>,
    /// The secret of a token just created, shown once.
    pub created: Option<String>,
    /// The token whose deletion is being confirmed.
    pub confirm: Option<TokenRow>,
    /// The token whose rotation is being confirmed.
    pub rotate: Option<TokenRow>,
    /// After a rotation: when the old token stops working ("" when it already has).
    pub rotated_until: Option<String>,
}

impl TokenSection {
    pub(in crate::http::ui) fn dialog_open(&self) -> bool {
        self.created.is_some() || self.confirm.is_some() || self.rotate.is_some()
    }

    pub(in crate::http::ui) fn grace_choices(&self) -> &'static [(&'static str, &'static str)] {
        &GRACE_CHOICES
    }
}

pub(in crate::http::ui) const CLIENT_KIND: (&str, &str) = ("client", "Client (backend SDKs)");

pub(in crate::http::ui) const FRONTEND_KIND: (&str, &str) =
    ("frontend", "Frontend (front-end SDKs)");

/// The row of `selector` among those the page lists, for the confirmation dialog; a 404
/// page when the user may not see such a token there.
pub(in crate::http::ui) fn confirming(
    base: &str,
    rows: &[TokenRow],
    selector: Option<&str>,
) -> Result<Option<TokenRow>, Response> {
    let Some(sel) = selector else {
        return Ok(None);
    };
    match rows.iter().find(|r| r.selector == sel) {
        Some(r) => Ok(Some(r.clone())),
        None => Err(message_page(
            base,
            StatusCode::NOT_FOUND,
            "No such token",
            "There is no API token you may see with that id.",
        )),
    }
}

/// The token a delete form names by its selector; a 404 page otherwise.
pub(in crate::http::ui) async fn token_to_delete(
    state: &AppState,
    page: &PageUser,
    selector: &str,
) -> Result<ApiToken, PageError> {
    match tokens::find_api_token(state, selector)
        .await
        .map_err(page.fail())?
    {
        Some(t) if selector.len() <= 22 => Ok(t),
        _ => Err(message_page(
            &page.base,
            StatusCode::NOT_FOUND,
            "No such token",
            "There is no API token with that id.",
        )
        .into()),
    }
}
