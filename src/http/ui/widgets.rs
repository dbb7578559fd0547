//! Small pieces the UI's pages share: links, permission checks, the project tabs, and
//! validation messages in the words of the forms.

use axum::response::Response;

use super::{refusal, Ctx, PageUser};
use crate::auth::permission::Scope;
use crate::auth::Authorized;
use crate::domain::permissions::READ_PROJECT_API_TOKEN;

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

/// A form field's name for a JSON pointer of the strategy body, in plain words.
fn field_label(pointer: &str) -> String {
    let parts: Vec<&str> = pointer
        .trim_start_matches("/body")
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let nth = |s: &str| s.parse::<usize>().map(|n| n + 1).unwrap_or(0);
    let field = |s: &str| match s {
        "contextName" => "context field".to_string(),
        "caseInsensitive" => "case-insensitive setting".to_string(),
        other => other.to_string(),
    };
    match parts.as_slice() {
        ["constraints", n] => format!("constraint {}", nth(n)),
        ["constraints", n, "values", ..] => format!("constraint {} values", nth(n)),
        ["constraints", n, f, ..] => format!("constraint {} {}", nth(n), field(f)),
        ["parameters", k, ..] => format!("parameter {k}"),
        ["variants", n, f, ..] => format!("variant {} {}", nth(n), field(f)),
        ["segments", ..] => "segments".into(),
        ["tokenName"] => "token name".into(),
        [] => "the strategy".into(),
        rest => rest.join(" "),
    }
}

/// A service's validation message with JSON pointers replaced by the form's field names.
pub(super) fn plain_words(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(start) = rest.find("`/body") {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        let pointer = &rest[start + 1..start + 1 + len];
        let before = &rest[..start];
        let after = &rest[start + len + 2..];
        let label = field_label(pointer);
        if let Some(stripped) = before.strip_suffix("The ") {
            out.push_str(stripped);
            let mut c = label.chars();
            if let Some(first) = c.next() {
                out.extend(first.to_uppercase());
                out.push_str(c.as_str());
            }
            rest = after.strip_prefix(" property").unwrap_or(after);
        } else {
            out.push_str(before);
            out.push_str(&label);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::plain_words;

    #[test]
    fn validation_messages_name_form_fields() {
        assert_eq!(
            plain_words("The `/body/constraints/0/value` property must be a semantic version for the SEMVER_GTE operator. You sent \"x\"."),
            "Constraint 1 value must be a semantic version for the SEMVER_GTE operator. You sent \"x\"."
        );
        assert_eq!(
            plain_words("`/body/variants/1/name` is required and must be a non-empty string."),
            "variant 2 name is required and must be a non-empty string."
        );
        assert_eq!(
            plain_words("Nothing to translate."),
            "Nothing to translate."
        );
    }
}
