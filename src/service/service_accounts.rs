//! Service accounts (Admin only): create, change the name or root role, delete, and mint or
//! delete their tokens. Each change writes its audit event in the same transaction.

use crate::auth::seen::SeenKey;
use crate::auth::token::{digest, new_v2_tail, Secret};
use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::permissions::Role;
use crate::domain::service_accounts::{
    self as sa, check_text, SERVICE_ACCOUNT_CREATED, SERVICE_ACCOUNT_DELETED,
    SERVICE_ACCOUNT_TOKEN_CREATED, SERVICE_ACCOUNT_TOKEN_DELETED, SERVICE_ACCOUNT_UPDATED,
};
use crate::domain::tokens::{validate_new_pat, CreatePatRequest, Pat};
use crate::domain::users::User;
use crate::error::{AppError, AppResult, ResultExt};
use crate::service::users::{resolve_root_role, RoleRef};
use crate::state::AppState;
use crate::store::{self, users::UserChanges, Conn};

/// A service account with its tokens.
pub struct Account {
    pub user: User,
    pub tokens: Vec<Pat>,
}

fn not_found(id: i64) -> AppError {
    AppError::not_found(format!("Could not find a service account with id {id}"))
}

/// The service account `id`; 404 for an unknown id or a person's id.
async fn load(c: &mut impl Conn, id: i64) -> AppResult<User> {
    match store::users::get(c, id).await? {
        Some(u) if u.is_service => Ok(u),
        _ => Err(not_found(id)),
    }
}

/// Every service account with its tokens, and the root roles one may be given.
pub async fn list(state: &AppState) -> AppResult<(Vec<Account>, Vec<Role>)> {
    let mut db = state.db.clone();
    let mut out = Vec::new();
    for user in store::users::list_service_accounts(&mut db).await? {
        let tokens = store::pats::list_for_user(&mut db, user.id).await?;
        out.push(Account { user, tokens });
    }
    let roles = store::roles::list(&mut db)
        .await?
        .into_iter()
        .filter(|r| r.role_type == "root" || r.role_type == "root-custom")
        .collect();
    Ok((out, roles))
}

pub async fn get(state: &AppState, id: i64) -> AppResult<Account> {
    let mut db = state.db.clone();
    let user = load(&mut db, id).await?;
    let tokens = store::pats::list_for_user(&mut db, id).await?;
    Ok(Account { user, tokens })
}

/// `{name, username, rootRole}` of a new service account.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    pub name: Option<String>,
    pub username: Option<String>,
    pub root_role: Option<RoleRef>,
}

fn username_taken(username: &str) -> impl FnOnce() -> AppError + '_ {
    move || {
        AppError::NameExists(format!(
            "A user or service account with the username {username} already exists; choose another username."
        ))
    }
}

pub async fn create(state: &AppState, auth: &Authorized, input: NewAccount) -> AppResult<User> {
    let name = check_text("name", input.name.as_deref())?;
    let username = check_text("username", input.username.as_deref())?;
    let role_ref = input.root_role.ok_or_else(|| {
        AppError::bad_field(
            "/body/rootRole",
            "The `/body/rootRole` property is required: the id or name of a root role (Admin, Editor or Viewer).",
        )
    })?;
    let mut tx = state.db.begin().await?;
    let role = resolve_root_role(&mut tx, &role_ref).await?;
    let now = state.clock.now();
    let id = store::users::insert_service_account(&mut tx, &username, &name, role.id, now)
        .await
        .on_unique_violation(username_taken(&username))?;
    let user = load(&mut tx, id).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(SERVICE_ACCOUNT_CREATED).data(sa::event_data(&user)),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// `{name?, rootRole?}`; a username may be sent but not changed (as Unleash's form).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountChanges {
    pub name: Option<String>,
    pub username: Option<String>,
    pub root_role: Option<RoleRef>,
}

pub async fn update(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    input: AccountChanges,
) -> AppResult<User> {
    let name = match &input.name {
        Some(n) => Some(check_text("name", Some(n))?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id).await?;
    if let Some(u) = input.username.as_deref().map(str::trim) {
        if Some(u) != before.username.as_deref() {
            return Err(AppError::bad_field(
                "/body/username",
                "The username of a service account cannot be changed; create another account instead.",
            ));
        }
    }
    let role = match &input.root_role {
        Some(r) => Some(resolve_root_role(&mut tx, r).await?),
        None => None,
    };
    let changes = UserChanges {
        name: name.map(Some),
        root_role_id: role.as_ref().map(|r| r.id),
        ..Default::default()
    };
    store::users::update(&mut tx, id, &changes).await?;
    let after = load(&mut tx, id).await?;
    let ev = NewEvent::new(SERVICE_ACCOUNT_UPDATED)
        .pre_data(sa::event_data(&before))
        .data(sa::event_data(&after));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes the account; its tokens stop working at once (they go with it).
pub async fn delete(state: &AppState, auth: &Authorized, id: i64) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id).await?;
    let tokens = store::pats::list_for_user(&mut tx, id).await?;
    store::users::delete(&mut tx, id).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(SERVICE_ACCOUNT_DELETED).pre_data(sa::event_data(&before)),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    for t in tokens {
        state.seen.forget(SeenKey::Pat(t.id));
    }
    Ok(())
}

/// Mints a token for the account from a `{description, expiresAt}` body; the secret is
/// returned once. The token belongs to the account: it keeps working when the Admin who
/// minted it leaves.
pub async fn create_token(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    body: &CreatePatRequest,
) -> AppResult<(Pat, Secret)> {
    let now = state.clock.now();
    let new = validate_new_pat(body, now)?;
    let (tail, selector) = new_v2_tail();
    let secret = Secret::new(format!("user:{tail}"));
    let verifier = digest(secret.expose());
    let mut tx = state.db.begin().await?;
    if !store::users::lock(&mut tx, id).await? {
        return Err(not_found(id));
    }
    let account = load(&mut tx, id).await?;
    let limit = i64::from(state.config.pat_limit);
    if store::pats::count_unexpired(&mut tx, id, now).await? >= limit {
        return Err(AppError::OperationDenied(format!(
            "Too many tokens ({limit}) already exist for this service account; delete one first."
        )));
    }
    let token_id = store::pat_inventory::insert_minted(
        &mut tx,
        id,
        &new.description,
        &selector,
        &verifier,
        new.expires_at,
        now,
        auth.user_id(),
    )
    .await
    .on_unique_violation(|| {
        AppError::NameExists(
            "This service account already has a token with that description; choose another description."
                .into(),
        )
    })?;
    let pat = Pat {
        id: token_id,
        user_id: id,
        description: new.description,
        selector,
        expires_at: new.expires_at,
        created_at: now,
        seen_at: None,
        rotated_at: None,
        scope: crate::domain::token_scope::TokenScope::all(),
    };
    store::events::insert(
        &mut tx,
        &NewEvent::new(SERVICE_ACCOUNT_TOKEN_CREATED).data(sa::token_event_data(&pat, &account)),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((pat, secret))
}

pub async fn list_tokens(state: &AppState, id: i64) -> AppResult<Vec<Pat>> {
    Ok(get(state, id).await?.tokens)
}

/// Deletes one of the account's tokens; it stops working at once.
pub async fn delete_token(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    token_id: i64,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let account = load(&mut tx, id).await?;
    let pat = store::pats::get_for_user(&mut tx, id, token_id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "Service account {id} has no token with id {token_id}"
            ))
        })?;
    store::pats::delete_for_user(&mut tx, id, token_id).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(SERVICE_ACCOUNT_TOKEN_DELETED)
            .pre_data(sa::token_event_data(&pat, &account)),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    state.seen.forget(SeenKey::Pat(token_id));
    Ok(())
}
