//! Small pieces the UI's pages share: links, permission checks, the project tabs, and
//! validation messages in the words of the forms.

use axum::response::Response;

use super::{error_text, refusal, Ctx, PageUser};
use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::permissions::READ_PROJECT_API_TOKEN;
use crate::error::AppError;

pub(super) const NO_PERMISSION: &str = "Your role does not allow this";

/// Percent-encodes one path segment of a link.
pub(super) fn seg(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(super) fn flag_path(project: &str, flag: &str) -> String {
    format!("/projects/{}/features/{}", seg(project), seg(flag))
}

pub(super) fn require(
    page: &PageUser,
    perm: &'static str,
    scope: Scope<'_>,
    what: &str,
) -> Result<Authorized, Response> {
    page.principal
        .require(&[perm], scope)
        .map_err(|_| refusal(&page.ctx("Not allowed", "projects"), what))
}

/// The admin proof for the Admin-only pages, or the refusal that says `why` not.
pub(super) fn require_admin(page: &PageUser, ctx: &Ctx, why: &str) -> Result<Authorized, Response> {
    page.principal
        .require_admin()
        .map_err(|_| refusal(ctx, why))
}

/// The tabs above a project's pages (`project_tabs.html`).
pub(super) struct ProjectTabs {
    /// The project id as a path segment.
    pub link: String,
    /// `flags`, `settings` or `api-access`.
    pub active: &'static str,
    /// May read the project's API tokens (shows the API access tab).
    pub can_api: bool,
}

impl ProjectTabs {
    pub(super) fn new(page: &PageUser, project: &str, active: &'static str) -> ProjectTabs {
        ProjectTabs {
            link: seg(project),
            active,
            can_api: page
                .principal
                .can(&[READ_PROJECT_API_TOKEN], Scope::project(project)),
        }
    }
}

/// A form field's name for the JSON pointer of a request body's field, in plain words.
fn field_label(pointer: &str) -> String {
    let parts: Vec<&str> = pointer
        .trim_start_matches("/body")
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let index = |s: &str| s.parse::<usize>().ok().map(|n| n + 1);
    let nth = |s: &str| index(s).unwrap_or(0);
    let field = |s: &str| match s {
        "contextName" => "context field".to_string(),
        "caseInsensitive" => "case-insensitive setting".to_string(),
        "weightType" => "weight type".to_string(),
        other => other.to_string(),
    };
    match parts.as_slice() {
        ["constraints", n] => format!("constraint {}", nth(n)),
        ["constraints", n, "values", ..] => format!("constraint {} values", nth(n)),
        ["constraints", n, f, ..] => format!("constraint {} {}", nth(n), field(f)),
        ["parameters", k, ..] => format!("parameter {k}"),
        ["variants", n, f, ..] => format!("variant {} {}", nth(n), field(f)),
        // A flag's variants in one environment: the body is the list itself.
        [n, f, ..] if index(n).is_some() => format!("variant {} {}", nth(n), field(f)),
        ["segments", ..] => "segments".into(),
        ["tokenName"] => "token name".into(),
        ["expiresAt"] => "expiry date".into(),
        [] => "the strategy".into(),
        rest => rest.join(" "),
    }
}

/// A validation message in the words of a form. `path` is the JSON pointer of the field the
/// error is about (its `details[].path`); where the message quotes that pointer, the form's
/// name for the field stands in its place ("The `/body/constraints/0/value` property must
/// be ..." reads "Constraint 1 value must be ..."). Other messages are kept as they are.
pub(super) fn field_message(path: &str, message: &str) -> String {
    let quoted = format!("`{path}`");
    let label = field_label(path);
    let sentence = format!("The {quoted} property");
    if let Some(at) = message.find(&sentence) {
        let mut c = label.chars();
        let capital: String = c
            .next()
            .map(|first| first.to_uppercase().chain(c).collect())
            .unwrap_or_default();
        return format!(
            "{}{capital}{}",
            &message[..at],
            &message[at + sentence.len()..]
        );
    }
    message.replacen(&quoted, &label, 1)
}

/// The message of a service error for showing beside a form, with the field it is about
/// named as the form names it (see [`field_message`]).
pub(super) fn form_error_text(e: &AppError) -> String {
    let text = error_text(e);
    match e.field_path() {
        Some(path) => field_message(path, &text),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::field_message;

    #[test]
    fn messages_name_the_field_of_their_path() {
        assert_eq!(
            field_message(
                "/body/constraints/0/value",
                "The `/body/constraints/0/value` property must be a semantic version for the SEMVER_GTE operator. You sent \"x\"."
            ),
            "Constraint 1 value must be a semantic version for the SEMVER_GTE operator. You sent \"x\"."
        );
        assert_eq!(
            field_message(
                "/body/variants/1/name",
                "`/body/variants/1/name` is required and must be a non-empty string."
            ),
            "variant 2 name is required and must be a non-empty string."
        );
        assert_eq!(
            field_message("/body/0/weight", "`/body/0/weight` is required."),
            "variant 1 weight is required."
        );
        assert_eq!(
            field_message(
                "/body/tokenName",
                "The `/body/tokenName` property must be at most 255 characters long."
            ),
            "Token name must be at most 255 characters long."
        );
    }

    #[test]
    fn messages_without_their_path_are_kept() {
        assert_eq!(
            field_message("/body/expiresAt", "The expiry date should be in future."),
            "The expiry date should be in future."
        );
        // Only the error's own path is replaced, not any pointer the text happens to quote.
        assert_eq!(
            field_message("/body/name", "See `/body/constraints/0`."),
            "See `/body/constraints/0`."
        );
    }
}
