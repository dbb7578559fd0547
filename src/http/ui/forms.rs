//! What the UI's forms have in common: reading posted fields, a form that carries nothing
//! but its CSRF token, ids in addresses, and the confirmation of a destructive action.
//!
//! Destructive actions work without JavaScript: their buttons post to the action, and the
//! server acts only when the post carries `confirm=yes`. A post without it, or a GET of the
//! action's address, shows a [`ConfirmPage`] whose form posts `confirm=yes`.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::{render, Ctx};

/// The first value posted for `name` in a form read as pairs (one with repeated fields,
/// such as ticked boxes), or "" when there is none.
pub(super) fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A form with no fields of its own (a button); the CSRF token is checked all the same.
#[derive(serde::Deserialize)]
pub struct Empty {}

/// An id from an address; `None` for anything that is not a number, which pages answer
/// as they answer an id that does not exist.
pub(super) fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok()
}

/// The answer of a destructive form: the action runs only with `confirm=yes`.
#[derive(serde::Deserialize)]
pub struct Confirm {
    #[serde(default)]
    confirm: String,
}

impl Confirm {
    pub fn confirmed(&self) -> bool {
        self.confirm == "yes"
    }
}

/// "Heading?", a sentence naming what is affected, and a form that posts `confirm=yes`.
#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct ConfirmPage {
    pub ctx: Ctx,
    pub heading: &'static str,
    /// The sentence is `before` + **subject** + `after`.
    pub before: &'static str,
    pub subject: String,
    pub after: String,
    /// Where the form posts (below the base path).
    pub action: String,
    pub button: &'static str,
    pub button_id: &'static str,
    /// Where **Cancel** leads.
    pub cancel: String,
}

impl ConfirmPage {
    pub fn show(self) -> Response {
        let ctx = self.ctx.clone();
        render(&ctx, StatusCode::OK, &self)
    }
}
