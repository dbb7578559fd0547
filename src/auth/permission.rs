//! Permission checks that return proof.
//!
//! Mutating domain and store functions take an [`Authorized`], which only a passed check
//! can produce, so a route that forgets its check does not compile.

use super::principal::{ApiTokenKind, Principal};
use crate::domain::events::Actor;
use crate::domain::permissions::{allows, ADMIN};
use crate::domain::token_scope::TokenScope;
use crate::error::{AppError, AppResult};

/// Proof that a permission check passed, carrying who acts (for the audit log).
#[derive(Debug, Clone)]
pub struct Authorized {
    actor: Actor,
    user_id: Option<i64>,
}

impl Authorized {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// The acting user, when the caller is a user (session or personal access token).
    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }
    /// Proof for work the server does on its own behalf (start-up seeding).
    pub(crate) fn system() -> Self {
        Authorized {
            actor: Actor::system(),
            user_id: None,
        }
    }
}

/// Where a check applies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub project: Option<&'a str>,
    pub environment: Option<&'a str>,
    /// A read across every project whose result the route narrows to the projects the
    /// caller sees ([`Principal::sees_project`]); a project-scoped token passes it.
    pub listing: bool,
}

impl<'a> Scope<'a> {
    pub const ROOT: Scope<'static> = Scope {
        project: None,
        environment: None,
        listing: false,
    };

    /// A root-level read whose result the route narrows with [`Principal::sees_project`].
    pub const LISTING: Scope<'static> = Scope {
        project: None,
        environment: None,
        listing: true,
    };

    pub fn project(project: &'a str) -> Self {
        Scope {
            project: Some(project),
            environment: None,
            listing: false,
        }
    }

    pub fn environment(project: &'a str, environment: &'a str) -> Self {
        Scope {
            project: Some(project),
            environment: Some(environment),
            listing: false,
        }
    }
}

impl Principal {
    /// True when the principal holds any of `wanted` within `scope`: for a user, their
    /// current permissions intersected with the scope of the token they call with.
    pub fn can(&self, wanted: &[&str], scope: Scope<'_>) -> bool {
        self.check(wanted, scope).is_ok()
    }

    /// Checks that the principal holds any of `wanted` within `scope`; 403 naming them
    /// otherwise, or saying what the token's scope leaves out.
    pub fn require(&self, wanted: &[&str], scope: Scope<'_>) -> AppResult<Authorized> {
        self.check(wanted, scope).map(|()| self.authorized())
    }

    fn check(&self, wanted: &[&str], scope: Scope<'_>) -> AppResult<()> {
        let denied = || AppError::Permission(wanted.iter().map(|s| s.to_string()).collect());
        match self {
            Principal::User(u) => {
                let left =
                    u.scope
                        .permitted(wanted, scope.project, scope.environment, scope.listing);
                match left {
                    Ok(left) if allows(&u.grants, &left, scope.project, scope.environment) => {
                        Ok(())
                    }
                    // Say what the token leaves out only when the owner could do it.
                    Err(why) if allows(&u.grants, wanted, scope.project, scope.environment) => {
                        Err(AppError::Forbidden(why))
                    }
                    _ => Err(denied()),
                }
            }
            Principal::ApiToken(t) if t.kind == ApiTokenKind::Admin => Ok(()),
            Principal::ApiToken(_) => Err(denied()),
        }
    }

    /// The token scope the caller acts under (all for sessions and API tokens).
    pub fn token_scope(&self) -> Option<&TokenScope> {
        match self {
            Principal::User(u) if !u.scope.is_unrestricted() => Some(&u.scope),
            _ => None,
        }
    }

    /// True when the caller may see this project: lists show only such projects.
    pub fn sees_project(&self, project: &str) -> bool {
        self.token_scope().is_none_or(|s| s.allows_project(project))
    }

    /// The projects the caller sees, `None` for all.
    pub fn visible_projects(&self) -> Option<&[String]> {
        self.token_scope().and_then(|s| s.projects.as_deref())
    }

    /// Refuses a whole Admin API request that the caller's token scope does not cover
    /// (a write with a read-only token, another project's route, another environment's
    /// change). Runs once per request, before the handler.
    pub fn check_request(&self, method: &str, path: &str) -> AppResult<()> {
        let Some(scope) = self.token_scope() else {
            return Ok(());
        };
        let admin_path = path.find("/api/admin/").map_or(path, |i| &path[i..]);
        match scope.refuse_request(method, admin_path) {
            Some(why) => Err(AppError::Forbidden(why)),
            None => Ok(()),
        }
    }

    /// Checks for the `ADMIN` permission.
    pub fn require_admin(&self) -> AppResult<Authorized> {
        self.require(&[ADMIN], Scope::ROOT)
    }

    /// Proof for routes any signed-in caller may use (Unleash's `NONE` permission).
    pub fn authenticated(&self) -> Authorized {
        self.authorized()
    }

    fn authorized(&self) -> Authorized {
        Authorized {
            actor: self.actor(),
            user_id: self.user().map(|u| u.user.id),
        }
    }
}
