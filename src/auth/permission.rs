//! Permission checks that return proof.
//!
//! Mutating domain and store functions take an [`Authorized`], which only a passed check
//! can produce, so a route that forgets its check does not compile.

use super::principal::{ApiTokenKind, Principal};
use crate::domain::events::Actor;
use crate::domain::permissions::{allows, ADMIN};
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
}

impl<'a> Scope<'a> {
    pub const ROOT: Scope<'static> = Scope {
        project: None,
        environment: None,
    };
    pub fn project(project: &'a str) -> Self {
        Scope {
            project: Some(project),
            environment: None,
        }
    }
    pub fn environment(project: &'a str, environment: &'a str) -> Self {
        Scope {
            project: Some(project),
            environment: Some(environment),
        }
    }
}

impl Principal {
    /// True when the principal holds any of `wanted` within `scope`.
    pub fn can(&self, wanted: &[&str], scope: Scope<'_>) -> bool {
        match self {
            Principal::User(u) => allows(&u.grants, wanted, scope.project, scope.environment),
            Principal::ApiToken(t) => t.kind == ApiTokenKind::Admin,
        }
    }

    /// Checks that the principal holds any of `wanted` within `scope`; 403 naming them otherwise.
    pub fn require(&self, wanted: &[&str], scope: Scope<'_>) -> AppResult<Authorized> {
        if self.can(wanted, scope) {
            Ok(self.authorized())
        } else {
            Err(AppError::Permission(
                wanted.iter().map(|s| s.to_string()).collect(),
            ))
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
