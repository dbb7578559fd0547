//! Answers about tokens: personal access tokens, API tokens, service accounts' tokens,
//! the token inventory and the token policy.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::users::{RoleBody, UserBody};
use crate::domain::token_inventory::InventoryToken;
use crate::domain::token_scope::{Access, TokenScope};
use crate::domain::tokens::{
    effective_pat_limit, never_expires, ApiToken, Expiry, LastAddress, Pat, TokenPolicy,
};
use crate::domain::users::{iso, User};

/// A client address a token was used from (beyond Unleash).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastAddressBody {
    /// The client's IP address, as the server saw it (or `unknown`).
    pub address: String,
    /// The last use from this address.
    #[schema(format = DateTime)]
    pub seen_at: String,
}

/// The token's last client addresses, newest first.
pub fn last_addresses(list: &[LastAddress]) -> Vec<LastAddressBody> {
    list.iter()
        .map(|a| LastAddressBody {
            address: a.address.clone(),
            seen_at: iso(a.seen_at),
        })
        .collect()
}

/// Whether a personal access token may change anything.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TokenAccess {
    /// Everything its owner may do, within its projects and environments.
    ReadWrite,
    /// Only reads, and the POSTs that only read (evaluate, validate, export).
    ReadOnly,
}

/// What part of its owner's permissions a personal access token carries.
#[derive(Serialize, ToSchema)]
pub struct TokenScopeBody {
    pub access: TokenAccess,
    /// The projects it reaches; `["*"]` for all of the owner's.
    pub projects: Vec<String>,
    /// The environments it reaches; `["*"]` for all.
    pub environments: Vec<String>,
}

impl From<&TokenScope> for TokenScopeBody {
    fn from(s: &TokenScope) -> Self {
        let list = |l: &Option<Vec<String>>| l.clone().unwrap_or_else(|| vec!["*".to_string()]);
        TokenScopeBody {
            access: match s.access {
                Access::ReadWrite => TokenAccess::ReadWrite,
                Access::ReadOnly => TokenAccess::ReadOnly,
            },
            projects: list(&s.projects),
            environments: list(&s.environments),
        }
    }
}

/// Where a token stands with regard to its expiry.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExpiryWarning {
    /// The expiry has passed.
    Expired,
    /// The expiry is within one of the configured lead times, in the second half of the
    /// token's life.
    ExpiresSoon,
}

/// A personal access token (Unleash's `patSchema`). Never its secret, except in the answer
/// that creates or rotates it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatBody {
    pub id: i64,
    pub description: String,
    /// After this moment the token is refused.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// The user or service account that owns the token.
    pub user_id: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The token's last use; null if never used.
    #[schema(required = true, format = DateTime)]
    pub seen_at: Option<String>,
    pub scope: TokenScopeBody,
    /// Absent while the token is far from its expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub expiry_warning: Option<ExpiryWarning>,
    /// When the token was replaced by a rotation: it then works until `expiresAt`, the end
    /// of the grace period. Absent for a token that was not rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = DateTime)]
    pub rotated_at: Option<String>,
    /// The token's last client addresses, newest first; only in the caller's token list.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_addresses: Option<Vec<LastAddressBody>>,
    /// The secret to send in the `Authorization` header; only in the answer that creates
    /// or rotates the token, and never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub secret: Option<String>,
}

impl PatBody {
    /// The token as its lists show it; `now` and `lead_days` decide its expiry warning.
    pub fn new(p: &Pat, now: DateTime<Utc>, lead_days: &[u32]) -> Self {
        PatBody {
            id: p.id,
            description: p.description.clone(),
            expires_at: iso(p.expires_at),
            user_id: p.user_id,
            created_at: iso(p.created_at),
            seen_at: p.seen_at.map(iso),
            scope: (&p.scope).into(),
            expiry_warning: p.expiry(now, lead_days).map(|e| match e {
                Expiry::Expired => ExpiryWarning::Expired,
                Expiry::ExpiresSoon => ExpiryWarning::ExpiresSoon,
            }),
            rotated_at: p.rotated_at.map(iso),
            last_addresses: None,
            secret: None,
        }
    }

    /// With the secret, for the one answer that shows it.
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.secret = Some(secret.to_string());
        self
    }

    /// With the token's last client addresses.
    pub fn with_addresses(mut self, list: &[LastAddress]) -> Self {
        self.last_addresses = Some(last_addresses(list));
        self
    }
}

/// A list of personal access tokens (Unleash's `patsSchema`).
#[derive(Serialize, ToSchema)]
pub struct PatListBody {
    /// Newest first.
    pub pats: Vec<PatBody>,
}

/// An API token (Unleash's `apiTokenSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenBody {
    /// The secret: in the answer that creates or rotates the token; in lists only when
    /// TOKEN_ENCRYPTION_KEY is set and the token was created while it was; null otherwise.
    #[schema(required = true)]
    pub secret: Option<String>,
    /// Identifies the token in the management routes without its secret.
    pub selector: String,
    pub token_name: String,
    /// `client`, `frontend` or `admin` (`backend` when created under that name).
    #[serde(rename = "type")]
    pub kind: String,
    /// The projects joined by commas; `*` for all.
    pub project: String,
    /// The projects the token reaches; `["*"]` for all.
    pub projects: Vec<String>,
    /// The environment the token reaches; `*` for an admin token.
    pub environment: String,
    /// After this moment the token is refused; null if it never expires.
    #[schema(required = true, format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The token's last use; null if never used.
    #[schema(required = true, format = DateTime)]
    pub seen_at: Option<String>,
    /// Always null.
    #[schema(required = true)]
    pub alias: Option<String>,
    /// True for tokens whose secret carries a selector (all but legacy seeded tokens).
    pub secure: bool,
    /// When the token was replaced by a rotation; it works until `expiresAt`. Absent for a
    /// token that was not rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = DateTime)]
    pub rotated_at: Option<String>,
    /// The token's last client addresses, newest first (beyond Unleash); only in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_addresses: Option<Vec<LastAddressBody>>,
}

impl ApiTokenBody {
    /// The token with the secret shown (if any) and the type label the caller used (else
    /// the type's own name).
    pub fn new(t: &ApiToken, secret: Option<&str>, type_label: Option<&str>) -> Self {
        ApiTokenBody {
            secret: secret.map(str::to_string),
            selector: t.selector.clone(),
            token_name: t.token_name.clone(),
            kind: type_label.unwrap_or(t.kind.as_str()).to_string(),
            project: t.projects.join(","),
            projects: t.projects.clone(),
            environment: t.environment.clone(),
            expires_at: t.expires_at.map(iso),
            created_at: iso(t.created_at),
            seen_at: t.seen_at.map(iso),
            alias: None,
            secure: t.secure,
            rotated_at: t.rotated_at.map(iso),
            last_addresses: None,
        }
    }

    /// With the token's last client addresses.
    pub fn with_addresses(mut self, list: &[LastAddress]) -> Self {
        self.last_addresses = Some(last_addresses(list));
        self
    }
}

/// A list of API tokens (Unleash's `apiTokensSchema`).
#[derive(Serialize, ToSchema)]
pub struct ApiTokenListBody {
    pub tokens: Vec<ApiTokenBody>,
}

/// A service account with its tokens (Unleash's `serviceAccountSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountBody {
    /// The account as a user: its `seenAt` is its newest token use.
    #[serde(flatten)]
    pub user: UserBody,
    /// Always false.
    #[serde(rename = "isAPI")]
    pub is_api: bool,
    /// The id of the account's root role.
    pub root_role: i64,
    /// Its tokens, never their secrets.
    pub tokens: Vec<PatBody>,
}

impl ServiceAccountBody {
    pub fn new(user: &User, tokens: &[Pat], now: DateTime<Utc>, lead_days: &[u32]) -> Self {
        let mut body = UserBody::from(user);
        body.seen_at = crate::domain::service_accounts::last_seen(user, tokens).map(iso);
        ServiceAccountBody {
            user: body,
            is_api: false,
            root_role: user.root_role_id,
            tokens: tokens
                .iter()
                .map(|t| PatBody::new(t, now, lead_days))
                .collect(),
        }
    }
}

/// Every service account and the root roles (Unleash's `serviceAccountsSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountListBody {
    pub service_accounts: Vec<ServiceAccountBody>,
    /// The roles an account may be given.
    pub root_roles: Vec<RoleBody>,
}

/// The owner of a token in the inventory.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOwnerBody {
    /// The user or service account id.
    pub id: i64,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    /// True for a service account.
    pub service_account: bool,
}

/// A personal access token or service-account token in the Admins' inventory; never its
/// secret.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryTokenBody {
    pub id: i64,
    pub description: String,
    pub owner: TokenOwnerBody,
    /// The scope as stored: `*` for all of the owner's permissions, else the scope as JSON.
    pub scopes: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who minted it, when someone other than the owner did (service-account tokens).
    #[schema(required = true)]
    pub created_by_user_id: Option<i64>,
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// True when the expiry is more than a hundred years away.
    pub never_expires: bool,
    pub expired: bool,
    /// The token's last use; null if never used.
    #[schema(required = true, format = DateTime)]
    pub seen_at: Option<String>,
    /// The token's last client addresses, newest first.
    pub last_addresses: Vec<LastAddressBody>,
}

impl InventoryTokenBody {
    pub fn new(t: &InventoryToken, now: DateTime<Utc>, addresses: &[LastAddress]) -> Self {
        InventoryTokenBody {
            id: t.id,
            description: t.description.clone(),
            owner: TokenOwnerBody {
                id: t.user_id,
                name: t.owner_name.clone(),
                username: t.owner_username.clone(),
                email: t.owner_email.clone(),
                service_account: t.owner_is_service,
            },
            scopes: t.scopes.clone(),
            created_at: iso(t.created_at),
            created_by_user_id: t.created_by_user_id,
            expires_at: iso(t.expires_at),
            never_expires: never_expires(t.expires_at, now),
            expired: t.expired(now),
            seen_at: t.seen_at.map(iso),
            last_addresses: last_addresses(addresses),
        }
    }
}

/// The Admins' token inventory.
#[derive(Serialize, ToSchema)]
pub struct InventoryBody {
    /// How many tokens are listed.
    pub total: usize,
    pub tokens: Vec<InventoryTokenBody>,
}

/// The token lifetime policy.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPolicyBody {
    /// The Admin's limit on the lifetime of new personal access tokens, in days; null when
    /// unset.
    #[schema(required = true)]
    pub pat_max_lifetime_days: Option<u32>,
    /// Personal access tokens unused for this many days are deleted; null when unset.
    #[schema(required = true)]
    pub revoke_unused_after_days: Option<u32>,
    /// The operator's ceiling (PAT_MAX_LIFETIME_DAYS); null when unset.
    #[schema(required = true)]
    pub pat_max_lifetime_days_ceiling: Option<u32>,
    /// The limit in force: the stricter of the two; null when neither is set.
    #[schema(required = true)]
    pub effective_pat_max_lifetime_days: Option<u32>,
}

impl TokenPolicyBody {
    /// The policy with the operator's `ceiling`.
    pub fn new(p: TokenPolicy, ceiling: Option<u32>) -> Self {
        TokenPolicyBody {
            pat_max_lifetime_days: p.pat_max_lifetime_days,
            revoke_unused_after_days: p.revoke_unused_after_days,
            pat_max_lifetime_days_ceiling: ceiling,
            effective_pat_max_lifetime_days: effective_pat_limit(ceiling, &p),
        }
    }
}

/// Audit events about the caller's tokens revoked after a leak report.
#[derive(Serialize, ToSchema)]
pub struct TokenEventsBody {
    /// The events as the event log shows them (`pat-revoked-leaked`,
    /// `api-token-revoked-leaked`), newest first.
    pub events: Vec<super::events::EventSchema>,
}

/// A valid token, as Edge's token validation answers it.
#[derive(Serialize, ToSchema)]
pub struct EdgeToken {
    /// The token exactly as it was sent.
    pub token: String,
    /// `client`, `frontend` or `admin`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `["*"]` for every project.
    pub projects: Vec<String>,
    /// `*` for admin tokens.
    pub environment: String,
}

/// The valid tokens among those sent to Edge's token validation, in the order sent.
#[derive(Serialize, ToSchema)]
pub struct ValidatedEdgeTokens {
    pub tokens: Vec<EdgeToken>,
}

impl From<Vec<crate::service::edge::ValidToken>> for ValidatedEdgeTokens {
    fn from(list: Vec<crate::service::edge::ValidToken>) -> Self {
        ValidatedEdgeTokens {
            tokens: list
                .into_iter()
                .map(|t| EdgeToken {
                    token: t.token,
                    kind: t.kind.as_str().to_string(),
                    projects: t.projects,
                    environment: t.environment,
                })
                .collect(),
        }
    }
}
