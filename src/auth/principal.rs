//! The principal: who is calling. Resolved once per request by an extractor.

use crate::domain::events::Actor;
use crate::domain::permissions::Grant;
use crate::domain::token_scope::TokenScope;
use crate::domain::users::User;

/// How a user proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session,
    Pat { token_id: i64 },
}

#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub user: User,
    /// The owner's current permissions.
    pub grants: Vec<Grant>,
    pub via: Via,
    /// What part of `grants` the caller carries: all of them for a session, the token's
    /// scope for a personal access token.
    pub scope: TokenScope,
}

pub use crate::domain::tokens::ApiTokenKind;

#[derive(Debug, Clone)]
pub struct ApiTokenPrincipal {
    pub id: i64,
    pub name: String,
    pub kind: ApiTokenKind,
    /// `["*"]` for every project.
    pub projects: std::sync::Arc<[String]>,
    /// `"*"` only for admin tokens.
    pub environment: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Unleash's system user id for actions taken with an admin API token.
pub const ADMIN_TOKEN_USER_ID: i64 = -42;

#[derive(Debug, Clone)]
pub enum Principal {
    User(UserPrincipal),
    ApiToken(ApiTokenPrincipal),
}

impl Principal {
    /// The name and id recorded in events.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::User(u) => Actor {
                name: u.user.audit_name(),
                user_id: Some(u.user.id),
            },
            Principal::ApiToken(t) => Actor {
                name: t.name.clone(),
                user_id: Some(ADMIN_TOKEN_USER_ID),
            },
        }
    }

    pub fn user(&self) -> Option<&UserPrincipal> {
        match self {
            Principal::User(u) => Some(u),
            Principal::ApiToken(_) => None,
        }
    }
}
