//! Invite links (Unleash's public sign-up tokens): an admin creates a link, anyone holding
//! it may create an account with the link's role until it expires or is disabled. The
//! secret is shown once, when the link is created; only its digest is stored.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::auth::{token, Authorized};
use crate::domain::events::NewEvent;
use crate::domain::permissions::Role;
use crate::domain::users::{iso, User};
use crate::error::{AppError, AppResult};
use crate::service::users::{self, CreateUser, RoleRef};
use crate::state::AppState;
use crate::store::{self, invite_links::InviteLinkRow, Conn};

pub const CREATED: &str = "public-signup-token-created";
pub const UPDATED: &str = "public-signup-token-updated";
pub const USER_ADDED: &str = "public-signup-token-user-added";

/// A link lives at most this long, as in Unleash (one month).
const MAX_LIFETIME_DAYS: i64 = 31;

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateInviteLink {
    pub name: Option<String>,
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInviteLink {
    pub expires_at: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitedUser {
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
}

/// Never shows the password.
impl std::fmt::Debug for InvitedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitedUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A link with what the Admin API shows beside it: the users who signed up through it and
/// its role (`None` if the role no longer exists).
#[derive(Debug, Clone)]
pub struct LinkDetails {
    pub link: InviteLinkRow,
    pub users: Vec<User>,
    pub role: Option<Role>,
}

/// The link's users and role.
pub async fn details(c: &mut impl Conn, link: &InviteLinkRow) -> AppResult<LinkDetails> {
    let role = store::roles::get(c, link.role_id).await?;
    let mut users = Vec::new();
    for id in store::invite_links::user_ids(c, link.id).await? {
        if let Some(u) = store::users::get(c, id).await? {
            users.push(u);
        }
    }
    Ok(LinkDetails {
        link: link.clone(),
        users,
        role,
    })
}

/// The sign-up page for a secret.
pub fn invite_url(base_url: &str, secret: &str) -> String {
    format!(
        "{}/new-user?invite={secret}",
        base_url.trim_end_matches('/')
    )
}

fn parse_time(raw: &str, path: &str) -> AppResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            AppError::bad_field(
                path,
                format!("The `{path}` property must be an RFC 3339 date-time. You sent \"{raw}\"."),
            )
        })
}

fn is_usable(link: &InviteLinkRow, now: DateTime<Utc>) -> bool {
    link.enabled && link.expires_at > now
}

/// Creates a link (Viewer role; expiry capped at a month). Returns the link and its secret.
pub async fn create(
    state: &AppState,
    auth: &Authorized,
    input: CreateInviteLink,
) -> AppResult<(InviteLinkRow, String)> {
    let name = input
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AppError::bad_field("/body/name", "An invite link needs a \"name\"."))?;
    let raw = input.expires_at.ok_or_else(|| {
        AppError::bad_field("/body/expiresAt", "An invite link needs an \"expiresAt\".")
    })?;
    let now = state.clock.now();
    let expires_at =
        parse_time(&raw, "/body/expiresAt")?.min(now + TimeDelta::days(MAX_LIFETIME_DAYS));
    let secret = token::random_b64(24);
    let digest = token::digest(&secret);
    let mut tx = state.db.begin().await?;
    let role = store::roles::find_by_name(&mut tx, "Viewer")
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the Viewer role is missing")))?;
    let created_by = auth.actor().name.clone();
    store::invite_links::insert(
        &mut tx,
        &store::invite_links::NewInviteLink {
            digest: &digest,
            name: &name,
            role_id: role.id,
            expires_at,
            created_by: &created_by,
        },
        now,
    )
    .await?;
    let link = store::invite_links::by_digest(&mut tx, &digest)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("invite link vanished")))?;
    let ev = NewEvent::new(CREATED).data(json!({
        "name": link.name, "expiresAt": iso(link.expires_at), "role": role.name,
    }));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok((link, secret))
}

pub async fn list(state: &AppState) -> AppResult<Vec<InviteLinkRow>> {
    let mut db = state.db.clone();
    Ok(store::invite_links::list(&mut db).await?)
}

fn not_found() -> AppError {
    AppError::not_found("Could not find token with that secret")
}

pub async fn get(state: &AppState, secret: &str) -> AppResult<InviteLinkRow> {
    let mut db = state.db.clone();
    store::invite_links::by_digest(&mut db, &token::digest(secret))
        .await?
        .ok_or_else(not_found)
}

/// Enables, disables or re-dates a link (expiry capped at a month from now).
pub async fn update(
    state: &AppState,
    auth: &Authorized,
    secret: &str,
    input: UpdateInviteLink,
) -> AppResult<InviteLinkRow> {
    if input.expires_at.is_none() && input.enabled.is_none() {
        return Err(AppError::bad_data(
            "Send \"enabled\", \"expiresAt\" or both to change an invite link.",
        ));
    }
    let now = state.clock.now();
    let expires_at = match input.expires_at.as_deref() {
        Some(raw) => {
            Some(parse_time(raw, "/body/expiresAt")?.min(now + TimeDelta::days(MAX_LIFETIME_DAYS)))
        }
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let before = store::invite_links::by_digest(&mut tx, &token::digest(secret))
        .await?
        .ok_or_else(not_found)?;
    let enabled = input.enabled.unwrap_or(before.enabled);
    let expires_at = expires_at.unwrap_or(before.expires_at);
    store::invite_links::update(&mut tx, before.id, enabled, expires_at).await?;
    let ev = NewEvent::new(UPDATED)
        .data(json!({"name": before.name, "enabled": enabled, "expiresAt": iso(expires_at)}))
        .pre_data(json!({"name": before.name, "enabled": before.enabled, "expiresAt": iso(before.expires_at)}));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    tx.commit().await?;
    Ok(InviteLinkRow {
        enabled,
        expires_at,
        ..before
    })
}

/// Whether a secret names an enabled, unexpired link.
pub async fn is_valid(state: &AppState, secret: &str) -> AppResult<bool> {
    let mut db = state.db.clone();
    Ok(
        store::invite_links::by_digest(&mut db, &token::digest(secret))
            .await?
            .is_some_and(|l| is_usable(&l, state.clock.now())),
    )
}

/// Creates an account through a link, with the link's role. An unknown, disabled or expired
/// link is a 400, as in Unleash.
pub async fn sign_up(state: &AppState, secret: &str, input: InvitedUser) -> AppResult<User> {
    let link = {
        let mut db = state.db.clone();
        store::invite_links::by_digest(&mut db, &token::digest(secret)).await?
    };
    let Some(link) = link.filter(|l| is_usable(l, state.clock.now())) else {
        return Err(AppError::bad_data(
            "This invite link is not valid: it is unknown, disabled or expired.",
        ));
    };
    let required = |v: Option<String>, field: &str| {
        v.map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                AppError::bad_field(
                    &format!("/body/{field}"),
                    format!("The `/body/{field}` property is required. It was not present on the data you sent."),
                )
            })
    };
    let email = required(input.email, "email")?;
    let name = required(input.name, "name")?;
    let password = input.password.ok_or_else(|| {
        AppError::bad_field(
            "/body/password",
            "The `/body/password` property is required.",
        )
    })?;
    let system = Authorized::system();
    let user = users::create(
        state,
        &system,
        CreateUser {
            username: input.username.filter(|u| !u.trim().is_empty()),
            email: Some(email),
            name: Some(name),
            password: Some(password),
            root_role: RoleRef::Id(link.role_id),
        },
    )
    .await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::invite_links::add_user(&mut tx, link.id, user.id, now).await?;
    let ev = NewEvent::new(USER_ADDED).data(json!({"name": link.name, "userId": user.id}));
    store::events::insert(&mut tx, &ev, system.actor(), now).await?;
    tx.commit().await?;
    Ok(user)
}

/// Disables a link, by its id (the admin UI, which never sees secrets again).
pub async fn disable(state: &AppState, auth: &Authorized, id: i64) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let Some(before) = store::invite_links::list(&mut tx)
        .await?
        .into_iter()
        .find(|l| l.id == id)
    else {
        return Err(AppError::not_found(format!(
            "Could not find invite link {id}"
        )));
    };
    store::invite_links::update(&mut tx, id, false, before.expires_at).await?;
    let ev = NewEvent::new(UPDATED)
        .data(json!({"name": before.name, "enabled": false, "expiresAt": iso(before.expires_at)}))
        .pre_data(json!({"name": before.name, "enabled": before.enabled, "expiresAt": iso(before.expires_at)}));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a link is enabled and unexpired at `now`.
pub fn usable(link: &InviteLinkRow, now: DateTime<Utc>) -> bool {
    is_usable(link, now)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_invited_user_never_shows_the_password() {
        let user = super::InvitedUser {
            username: Some("ann".into()),
            password: Some("hunter2-secret".into()),
            ..Default::default()
        };
        let shown = format!("{user:?}");
        assert!(
            shown.contains("ann") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
