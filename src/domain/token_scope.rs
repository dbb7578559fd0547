//! The scope of a personal access token: what part of its owner's power it carries.
//!
//! A token's power is always its owner's *current* permissions intersected with its
//! scope, so a role change of the owner narrows every token at once. A scope says:
//! - `access`: `read-write` (everything the owner may do) or `read-only` (reads only: any
//!   POST, PUT, PATCH or DELETE is refused, except the few POSTs that only read, listed in
//!   [`READ_ONLY_POSTS`]);
//! - `projects`: every project (`["*"]`) or a list; the token cannot reach other projects
//!   and lists show only its projects;
//! - `environments`: every environment (`["*"]`) or a list; the token cannot change
//!   strategies or enablement in other environments.
//!
//! A *narrowed* token (one limited to some projects or environments) holds no root-level
//! power (creating users, roles, projects, API tokens, changing the owner's password or
//! tokens): those need a scope of every project and every environment.

use serde_json::{json, Value};

use super::permissions::ADMIN;
use crate::error::{AppError, AppResult};

/// What a token may do with its owner's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::ReadWrite => "read-write",
            Access::ReadOnly => "read-only",
        }
    }
}

/// A token's scope. `None` in `projects` or `environments` means all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenScope {
    pub access: Access,
    pub projects: Option<Vec<String>>,
    pub environments: Option<Vec<String>>,
}

impl Default for TokenScope {
    fn default() -> Self {
        TokenScope::all()
    }
}

/// The POSTs under `/api/admin/` that only read (evaluate, validate, export), allowed to a
/// read-only token. `*` matches one path segment.
pub const READ_ONLY_POSTS: &[&str] = &[
    "/api/admin/playground",
    "/api/admin/playground/advanced",
    "/api/admin/constraints/validate",
    "/api/admin/context/validate",
    "/api/admin/features/validate",
    "/api/admin/features-batch/export",
    "/api/admin/features-batch/validate",
    "/api/admin/projects/*/archive/validate",
    "/api/admin/projects/*/context/validate",
    "/api/admin/segments/validate",
    "/api/admin/tag-types/validate",
    "/api/admin/user-admin/validate-password",
];

/// The routes of the owner's own account that a narrowed token may not change: its
/// password and its personal access tokens (a narrowed token could otherwise mint a
/// broader one). `*` matches one path segment.
pub const ACCOUNT_WRITES: &[&str] = &[
    "/api/admin/user/change-password",
    "/api/admin/user/tokens",
    "/api/admin/user/tokens/*",
];

/// Permissions that apply per environment.
pub const ENVIRONMENT_PERMISSIONS: &[&str] = &[
    super::permissions::CREATE_FEATURE_STRATEGY,
    super::permissions::UPDATE_FEATURE_STRATEGY,
    super::permissions::DELETE_FEATURE_STRATEGY,
    super::permissions::UPDATE_FEATURE_ENVIRONMENT,
    super::permissions::UPDATE_FEATURE_ENVIRONMENT_VARIANTS,
];

/// Permissions that apply per project.
pub const PROJECT_PERMISSIONS: &[&str] = &[
    super::permissions::CREATE_FEATURE,
    super::permissions::UPDATE_FEATURE,
    super::permissions::DELETE_FEATURE,
    super::permissions::UPDATE_FEATURE_DEPENDENCY,
    super::permissions::UPDATE_FEATURE_VARIANTS,
    super::permissions::MOVE_FEATURE_TOGGLE,
    super::permissions::UPDATE_PROJECT,
    super::permissions::DELETE_PROJECT,
    super::permissions::READ_PROJECT_API_TOKEN,
    super::permissions::CREATE_PROJECT_API_TOKEN,
    super::permissions::DELETE_PROJECT_API_TOKEN,
    super::permissions::UPDATE_PROJECT_SEGMENT,
    super::permissions::PROJECT_USER_ACCESS_READ,
    super::permissions::PROJECT_USER_ACCESS_WRITE,
];

/// Root-level permissions that only read.
pub const ROOT_READ_PERMISSIONS: &[&str] = &[
    super::permissions::READ_LOGS,
    super::permissions::READ_ROLE,
    super::permissions::READ_CLIENT_API_TOKEN,
    super::permissions::READ_FRONTEND_API_TOKEN,
];

/// True for permissions that only let their holder read.
pub fn is_read_permission(p: &str) -> bool {
    p.starts_with("READ_") || p.ends_with("_READ")
}

/// True when `method` changes state (POST, PUT, PATCH, DELETE).
pub fn is_write_method(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PUT" | "PATCH" | "DELETE"
    )
}

fn matches_pattern(pattern: &str, path: &str) -> bool {
    let mut p = pattern.split('/');
    let mut s = path.trim_end_matches('/').split('/');
    loop {
        match (p.next(), s.next()) {
            (None, None) => return true,
            (Some("*"), Some(seg)) if !seg.is_empty() => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// True when a POST to `path` only reads.
pub fn is_read_only_post(path: &str) -> bool {
    READ_ONLY_POSTS.iter().any(|p| matches_pattern(p, path))
}

/// Decodes `%XX` escapes of a path segment (invalid escapes are kept as they are).
fn decode_segment(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The project and environment a route under `/api/admin/` names in its path, if any:
/// `projects/{p}/…`, `environments/project/{p}`, `archive/features/{p}`, and
/// `…/environments/{e}…` within a project.
pub fn path_target(admin_path: &str) -> (Option<String>, Option<String>) {
    let segs: Vec<&str> = admin_path
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // segs[0] = "api", segs[1] = "admin".
    let rest = segs.get(2..).unwrap_or(&[]);
    let project = match rest {
        ["projects", p, ..] => Some(decode_segment(p)),
        ["environments", "project", p, ..] => Some(decode_segment(p)),
        ["archive", "features", p, ..] => Some(decode_segment(p)),
        _ => None,
    };
    let environment = if matches!(rest.first(), Some(&"projects")) {
        rest.iter()
            .enumerate()
            .skip(2)
            .find(|(_, s)| **s == "environments")
            .and_then(|(i, _)| rest.get(i + 1))
            .map(|e| decode_segment(e))
    } else {
        None
    };
    (project, environment)
}

fn list_text(list: &Option<Vec<String>>) -> String {
    match list {
        None => "all".into(),
        Some(l) => l.join(", "),
    }
}

impl TokenScope {
    /// All of the owner's permissions: today's behaviour, and a session's.
    pub fn all() -> Self {
        TokenScope {
            access: Access::ReadWrite,
            projects: None,
            environments: None,
        }
    }

    /// True when the scope takes nothing away from the owner.
    pub fn is_unrestricted(&self) -> bool {
        *self == TokenScope::all()
    }

    /// True when the scope limits projects or environments.
    pub fn is_narrowed(&self) -> bool {
        self.projects.is_some() || self.environments.is_some()
    }

    pub fn is_read_only(&self) -> bool {
        self.access == Access::ReadOnly
    }

    pub fn allows_project(&self, project: &str) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|l| l.iter().any(|p| p == project))
    }

    pub fn allows_environment(&self, environment: &str) -> bool {
        self.environments
            .as_ref()
            .is_none_or(|l| l.iter().any(|e| e == environment))
    }

    /// A short human description: "read-only; projects: a, b; environments: all".
    pub fn summary(&self) -> String {
        format!(
            "{}; projects: {}; environments: {}",
            self.access.as_str(),
            list_text(&self.projects),
            list_text(&self.environments)
        )
    }

    /// The API's and the audit log's view: `{access, projects, environments}`, `["*"]` for all.
    pub fn to_json(&self) -> Value {
        let list = |l: &Option<Vec<String>>| match l {
            None => json!(["*"]),
            Some(v) => json!(v),
        };
        json!({
            "access": self.access.as_str(),
            "projects": list(&self.projects),
            "environments": list(&self.environments),
        })
    }

    /// The stored form: `*` when unrestricted, else the JSON of [`TokenScope::to_json`].
    pub fn to_stored(&self) -> String {
        if self.is_unrestricted() {
            "*".into()
        } else {
            self.to_json().to_string()
        }
    }

    /// Reads the stored form. Anything unreadable grants nothing (read-only, no project),
    /// so a damaged row can never widen a token.
    pub fn from_stored(stored: &str) -> TokenScope {
        let stored = stored.trim();
        if stored == "*" || stored.is_empty() {
            return TokenScope::all();
        }
        serde_json::from_str::<Value>(stored)
            .ok()
            .and_then(|v| parse_scope(&v).ok())
            .unwrap_or(TokenScope {
                access: Access::ReadOnly,
                projects: Some(Vec::new()),
                environments: Some(Vec::new()),
            })
    }

    /// The permissions of `wanted` this scope leaves for a check, or why it leaves none.
    /// `project`/`environment` are where the check applies (`None` = root level);
    /// `listing` marks a read across projects whose result the route narrows to the
    /// token's projects. The owner's grants are then checked against what is left.
    pub fn permitted<'w>(
        &self,
        wanted: &[&'w str],
        project: Option<&str>,
        environment: Option<&str>,
        listing: bool,
    ) -> Result<Vec<&'w str>, String> {
        if self.is_unrestricted() {
            return Ok(wanted.to_vec());
        }
        if let Some(p) = project {
            if !self.allows_project(p) {
                return Err(format!(
                    "This personal access token is limited to projects {}; it cannot reach project \"{p}\".",
                    list_text(&self.projects)
                ));
            }
        }
        if let Some(e) = environment {
            if !self.allows_environment(e) {
                return Err(format!(
                    "This personal access token is limited to environments {}; it cannot change environment \"{e}\".",
                    list_text(&self.environments)
                ));
            }
        }
        // A read-only token keeps only the read permissions (and ADMIN where it guards a
        // read: every write request is refused before any check, see `refuse_request`).
        let mut left: Vec<&'w str> = wanted
            .iter()
            .copied()
            .filter(|w| !self.is_read_only() || is_read_permission(w) || *w == ADMIN)
            .collect();
        if left.is_empty() {
            return Err(format!(
                "This personal access token is read-only ({}); it cannot use {}. Create a read-write token to make changes.",
                self.summary(),
                wanted.join(" or ")
            ));
        }
        // A narrowed token holds no root-level power, save reads.
        if project.is_none() && self.is_narrowed() && !listing {
            left.retain(|w| is_read_permission(w));
            if left.is_empty() {
                return Err(format!(
                    "This personal access token is limited ({}); {} at the root level needs a token for every project and environment.",
                    self.summary(),
                    wanted.join(" or ")
                ));
            }
        }
        Ok(left)
    }

    /// Why this scope refuses a check outright, or `None` when some of `wanted` is left
    /// (see [`TokenScope::permitted`]).
    pub fn refusal(
        &self,
        wanted: &[&str],
        project: Option<&str>,
        environment: Option<&str>,
        listing: bool,
    ) -> Option<String> {
        self.permitted(wanted, project, environment, listing).err()
    }

    /// Why this scope refuses a whole request before any handler runs, or `None`.
    /// `path` is the request path from `/api/admin/` on.
    pub fn refuse_request(&self, method: &str, path: &str) -> Option<String> {
        if self.is_unrestricted() {
            return None;
        }
        let write = is_write_method(method);
        let read_only_post = method.eq_ignore_ascii_case("POST") && is_read_only_post(path);
        if write && self.is_read_only() && !read_only_post {
            return Some(format!(
                "This personal access token is read-only; it cannot {} {path}. Create a read-write token to make changes.",
                method.to_ascii_uppercase()
            ));
        }
        if write && ACCOUNT_WRITES.iter().any(|p| matches_pattern(p, path)) {
            return Some(format!(
                "This personal access token is limited ({}); it cannot change its owner's password or personal access tokens. Sign in, or use a token for every project and environment.",
                self.summary()
            ));
        }
        let (project, environment) = path_target(path);
        if let Some(p) = project {
            if !self.allows_project(&p) {
                return Some(format!(
                    "This personal access token is limited to projects {}; it cannot reach project \"{p}\".",
                    list_text(&self.projects)
                ));
            }
        }
        if let Some(e) = environment {
            if write && !read_only_post && !self.allows_environment(&e) {
                return Some(format!(
                    "This personal access token is limited to environments {}; it cannot change environment \"{e}\".",
                    list_text(&self.environments)
                ));
            }
        }
        None
    }

    /// Whether this scope is no wider than `outer` (for a token made by another token).
    pub fn within(&self, outer: &TokenScope) -> bool {
        let access_ok = outer.access == Access::ReadWrite || self.access == Access::ReadOnly;
        let sub = |inner: &Option<Vec<String>>, outer: &Option<Vec<String>>| match (inner, outer) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(i), Some(o)) => i.iter().all(|x| o.contains(x)),
        };
        access_ok
            && sub(&self.projects, &outer.projects)
            && sub(&self.environments, &outer.environments)
    }

    /// The owner's grants as this scope narrows them, for `GET /api/admin/user`: grants of
    /// other projects or environments and (read-only) write permissions drop out; a grant
    /// for every project becomes one per project of the scope; `ADMIN` becomes the project
    /// and environment permissions within the scope (and root reads).
    pub fn narrow_grants(
        &self,
        grants: &[super::permissions::Grant],
    ) -> Vec<super::permissions::Grant> {
        use super::permissions::Grant;
        if self.is_unrestricted() {
            return grants.to_vec();
        }
        let keep = |p: &str| !self.is_read_only() || is_read_permission(p);
        let projects: Vec<Option<String>> = match &self.projects {
            None => vec![None],
            Some(l) => l.iter().cloned().map(Some).collect(),
        };
        let envs: Vec<Option<String>> = match &self.environments {
            None => vec![None],
            Some(l) => l.iter().cloned().map(Some).collect(),
        };
        let mut out: Vec<Grant> = Vec::new();
        let mut push = |g: Grant| {
            if !out.contains(&g) {
                out.push(g);
            }
        };
        let wide = |s: &Option<String>| s.as_deref().is_none_or(|v| v == "*" || v.is_empty());
        for g in grants {
            let perms: Vec<&str> = if g.permission == ADMIN {
                PROJECT_PERMISSIONS
                    .iter()
                    .chain(ENVIRONMENT_PERMISSIONS)
                    .chain(ROOT_READ_PERMISSIONS)
                    .copied()
                    .collect()
            } else {
                vec![g.permission.as_str()]
            };
            for perm in perms.into_iter().filter(|p| keep(p)) {
                let is_env = ENVIRONMENT_PERMISSIONS.contains(&perm);
                let is_project = is_env || PROJECT_PERMISSIONS.contains(&perm);
                if !is_project {
                    // Root permissions: a narrowed token keeps only the reads.
                    if !self.is_narrowed() || is_read_permission(perm) {
                        push(Grant {
                            permission: perm.to_string(),
                            project: None,
                            environment: None,
                        });
                    }
                    continue;
                }
                let g_projects: Vec<Option<String>> = if wide(&g.project) {
                    projects.clone()
                } else if g.project.as_deref().is_some_and(|p| self.allows_project(p)) {
                    vec![g.project.clone()]
                } else {
                    vec![]
                };
                let g_envs: Vec<Option<String>> = if !is_env {
                    vec![None]
                } else if wide(&g.environment) {
                    envs.clone()
                } else if g
                    .environment
                    .as_deref()
                    .is_some_and(|e| self.allows_environment(e))
                {
                    vec![g.environment.clone()]
                } else {
                    vec![]
                };
                for p in &g_projects {
                    for e in &g_envs {
                        push(Grant {
                            permission: perm.to_string(),
                            project: p.clone(),
                            environment: e.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// A project filter narrowed to the projects a caller sees (`visible`, `None` = all): the
/// requested projects that are visible, or all visible ones when none were requested.
pub fn narrow_projects(
    requested: Option<Vec<String>>,
    visible: Option<&[String]>,
) -> Option<Vec<String>> {
    match (requested, visible) {
        (r, None) => r,
        (None, Some(v)) => Some(v.to_vec()),
        (Some(r), Some(v)) => Some(r.into_iter().filter(|p| v.contains(p)).collect()),
    }
}

fn scope_error(field: &str, message: String) -> AppError {
    AppError::bad_field(&format!("/body/scope/{field}"), message)
}

fn parse_list(v: Option<&Value>, field: &str, what: &str) -> AppResult<Option<Vec<String>>> {
    let list = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s == "*" => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(scope_error(
                field,
                format!("The `/body/scope/{field}` property must be a list of {what} ids, or [\"*\"] for all. You sent {other}."),
            ))
        }
    };
    let mut out: Vec<String> = Vec::new();
    for item in list {
        match item.as_str().map(str::trim) {
            Some("*") => return Ok(None),
            Some(s) if !s.is_empty() => {
                if !out.iter().any(|x| x == s) {
                    out.push(s.to_string());
                }
            }
            _ => {
                return Err(scope_error(
                    field,
                    format!("The `/body/scope/{field}` list must hold {what} ids (strings). You sent {item}."),
                ))
            }
        }
    }
    if out.is_empty() {
        return Err(scope_error(
            field,
            format!(
                "The `/body/scope/{field}` list must name at least one {what}, or [\"*\"] for all."
            ),
        ));
    }
    out.sort();
    Ok(Some(out))
}

/// Reads a `scope` value `{access, projects, environments}` (each optional, defaulting to
/// read-write and all). Existence of the named projects and environments is checked by
/// the caller against the store.
pub fn parse_scope(v: &Value) -> AppResult<TokenScope> {
    let obj = v.as_object().ok_or_else(|| {
        AppError::bad_field(
            "/body/scope",
            format!("The `/body/scope` property must be an object {{access, projects, environments}}. You sent {v}."),
        )
    })?;
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "access" | "projects" | "environments"))
    {
        return Err(scope_error(
            k,
            format!("The `/body/scope` property has no `{k}` field; it takes access, projects and environments."),
        ));
    }
    let access = match obj.get("access") {
        None | Some(Value::Null) => Access::ReadWrite,
        Some(Value::String(s)) if s == "read-write" => Access::ReadWrite,
        Some(Value::String(s)) if s == "read-only" => Access::ReadOnly,
        Some(other) => {
            return Err(scope_error(
                "access",
                format!("The `/body/scope/access` property must be \"read-only\" or \"read-write\". You sent {other}."),
            ))
        }
    };
    Ok(TokenScope {
        access,
        projects: parse_list(obj.get("projects"), "projects", "project")?,
        environments: parse_list(obj.get("environments"), "environments", "environment")?,
    })
}

/// The scope of a create-token body: its optional `scope` field, or all when absent.
pub fn scope_of_body(scope: Option<&Value>) -> AppResult<TokenScope> {
    match scope {
        None | Some(Value::Null) => Ok(TokenScope::all()),
        Some(v) => parse_scope(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::{
        Grant, CREATE_FEATURE, CREATE_PROJECT, READ_LOGS, UPDATE_FEATURE_ENVIRONMENT,
    };

    fn scoped(access: Access, projects: &[&str], envs: &[&str]) -> TokenScope {
        let l = |v: &[&str]| (!v.is_empty()).then(|| v.iter().map(|s| s.to_string()).collect());
        TokenScope {
            access,
            projects: l(projects),
            environments: l(envs),
        }
    }

    #[test]
    fn bodies_are_parsed_and_bad_values_name_the_field() {
        assert_eq!(
            scope_of_body(json!({}).get("scope")).unwrap(),
            TokenScope::all()
        );
        let s = scope_of_body(json!({"scope": {"access": "read-only", "projects": ["b", "a", "a"], "environments": ["*"]}}).get("scope")).unwrap();
        assert_eq!(s, scoped(Access::ReadOnly, &["a", "b"], &[]));
        let e = format!(
            "{:?}",
            scope_of_body(json!({"scope": {"access": "write"}}).get("scope")).unwrap_err()
        );
        assert!(e.contains("/body/scope/access"), "{e}");
        let e = format!(
            "{:?}",
            scope_of_body(json!({"scope": {"projects": []}}).get("scope")).unwrap_err()
        );
        assert!(e.contains("/body/scope/projects"), "{e}");
        assert!(scope_of_body(json!({"scope": "x"}).get("scope")).is_err());
        assert!(scope_of_body(json!({"scope": {"colour": 1}}).get("scope")).is_err());
    }

    #[test]
    fn stored_form_round_trips_and_damage_grants_nothing() {
        assert_eq!(TokenScope::all().to_stored(), "*");
        let s = scoped(Access::ReadOnly, &["a"], &["development"]);
        assert_eq!(TokenScope::from_stored(&s.to_stored()), s);
        let broken = TokenScope::from_stored("{not json");
        assert!(broken.is_read_only() && !broken.allows_project("a"));
    }

    #[test]
    fn checks_are_narrowed() {
        let all = TokenScope::all();
        assert!(all.refusal(&[CREATE_PROJECT], None, None, false).is_none());
        let ro = scoped(Access::ReadOnly, &[], &[]);
        assert!(ro
            .refusal(&[CREATE_FEATURE], Some("a"), None, false)
            .is_some());
        assert!(ro.refusal(&[READ_LOGS], None, None, false).is_none());
        assert!(ro.refusal(&[ADMIN], None, None, false).is_none());
        let p = scoped(Access::ReadWrite, &["a"], &[]);
        assert!(p
            .refusal(&[CREATE_FEATURE], Some("a"), None, false)
            .is_none());
        assert!(p
            .refusal(&[CREATE_FEATURE], Some("b"), None, false)
            .is_some());
        assert!(p.refusal(&[CREATE_PROJECT], None, None, false).is_some());
        assert!(p.refusal(&[ADMIN], None, None, true).is_none());
        let e = scoped(Access::ReadWrite, &[], &["development"]);
        assert!(e
            .refusal(
                &[UPDATE_FEATURE_ENVIRONMENT],
                Some("a"),
                Some("development"),
                false
            )
            .is_none());
        assert!(e
            .refusal(
                &[UPDATE_FEATURE_ENVIRONMENT],
                Some("a"),
                Some("production"),
                false
            )
            .is_some());
    }

    #[test]
    fn requests_are_narrowed() {
        let ro = scoped(Access::ReadOnly, &[], &[]);
        assert!(ro.refuse_request("GET", "/api/admin/projects").is_none());
        assert!(ro.refuse_request("POST", "/api/admin/projects").is_some());
        assert!(ro.refuse_request("POST", "/api/admin/playground").is_none());
        assert!(ro
            .refuse_request("POST", "/api/admin/projects/x/archive/validate")
            .is_none());
        let p = scoped(Access::ReadWrite, &["a"], &["development"]);
        assert!(p
            .refuse_request("GET", "/api/admin/projects/a/features")
            .is_none());
        assert!(p
            .refuse_request("GET", "/api/admin/projects/b/features")
            .is_some());
        assert!(p
            .refuse_request("GET", "/api/admin/environments/project/b")
            .is_some());
        assert!(p
            .refuse_request(
                "POST",
                "/api/admin/projects/a/features/f/environments/production/on"
            )
            .is_some());
        assert!(p
            .refuse_request(
                "POST",
                "/api/admin/projects/a/features/f/environments/development/on"
            )
            .is_none());
        assert!(p.refuse_request("POST", "/api/admin/user/tokens").is_some());
        assert!(p.refuse_request("GET", "/api/admin/user/tokens").is_none());
        assert_eq!(
            path_target("/api/admin/projects/my%20p/features"),
            (Some("my p".into()), None)
        );
    }

    #[test]
    fn grants_are_narrowed_for_display() {
        let admin = [Grant {
            permission: ADMIN.into(),
            project: None,
            environment: None,
        }];
        let p = scoped(Access::ReadWrite, &["a"], &["development"]);
        let g = p.narrow_grants(&admin);
        assert!(!g.iter().any(|g| g.permission == ADMIN));
        assert!(g
            .iter()
            .any(|g| g.permission == CREATE_FEATURE && g.project.as_deref() == Some("a")));
        assert!(g.iter().any(|g| g.permission == UPDATE_FEATURE_ENVIRONMENT
            && g.environment.as_deref() == Some("development")));
        let ro = scoped(Access::ReadOnly, &[], &[]);
        assert!(ro
            .narrow_grants(&admin)
            .iter()
            .all(|g| is_read_permission(&g.permission)));
        assert!(scoped(Access::ReadOnly, &["a"], &[])
            .narrow_grants(&admin)
            .iter()
            .all(|g| is_read_permission(&g.permission)));
        assert!(p.within(&TokenScope::all()));
        assert!(!TokenScope::all().within(&p));
    }
}
