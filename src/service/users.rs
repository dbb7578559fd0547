//! Users: first-start admin, login, administration, passwords.

use serde_json::json;

use crate::auth::{password, Authorized, UserPrincipal, Via};
use crate::domain::events::{self, Actor, NewEvent};
use crate::domain::permissions::{Role, ROLE_ADMIN};
use crate::domain::users::{validate_new_user, validate_password, User};
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::{self, users::UserChanges, Conn};

/// A role named by id or by name, as Unleash's user routes accept it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum RoleRef {
    Id(i64),
    Name(String),
}

/// Finds a root role by id or name; 400 when it does not exist or is a project role.
pub async fn resolve_root_role(c: &mut impl Conn, role: &RoleRef) -> AppResult<Role> {
    let found = match role {
        RoleRef::Id(id) => store::roles::get(c, *id).await?,
        RoleRef::Name(name) => match name.trim().parse::<i64>() {
            Ok(id) => store::roles::get(c, id).await?,
            Err(_) => store::roles::find_by_name(c, name.trim()).await?,
        },
    };
    match found {
        Some(r) if r.role_type == "root" || r.role_type == "root-custom" => Ok(r),
        Some(r) => Err(AppError::bad_data(format!(
            "{} is a project role; a user's root role must be Admin, Editor or Viewer",
            r.name
        ))),
        None => Err(AppError::bad_data(format!(
            "Could not find the role {}; use Admin, Editor or Viewer",
            match role {
                RoleRef::Id(id) => id.to_string(),
                RoleRef::Name(n) => n.clone(),
            }
        ))),
    }
}

/// On first start with no users, creates `admin` with the Admin role. Returns the generated
/// password when none was configured, for the caller to print once.
pub async fn ensure_first_admin(state: &AppState) -> anyhow::Result<Option<String>> {
    let mut db = state.db.clone();
    if store::users::count(&mut db).await? > 0 {
        return Ok(None);
    }
    let cfg = &state.config;
    let (username, password, generated) =
        match (&cfg.default_admin_username, &cfg.default_admin_password) {
            (Some(u), Some(p)) if !u.trim().is_empty() && !p.is_empty() => {
                (u.trim().to_string(), p.clone(), false)
            }
            _ => (
                "admin".to_string(),
                crate::auth::token::random_b64(18),
                true,
            ),
        };
    let hash = password::hash(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let new = validate_new_user(Some(username), None, None, ROLE_ADMIN)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = state.clock.now();
    // The slow hash is done; hold the write lock only for the check and the insert.
    let mut tx = state.db.begin().await?;
    if store::users::count(&mut tx).await? > 0 {
        return Ok(None);
    }
    let id = match store::users::insert(&mut tx, &new, Some(&hash), now).await {
        Ok(id) => id,
        // Another node starting at the same moment created the admin first.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let ev = NewEvent::new(events::USER_CREATED)
        .data(json!({"id": id, "username": new.username, "rootRole": ROLE_ADMIN}));
    store::events::insert(&mut tx, &ev, &Actor::system(), now).await?;
    tx.commit().await?;
    Ok(generated.then_some(password))
}

/// Checks a username-or-email and password. Takes as long for unknown users as for known ones.
pub async fn login(state: &AppState, login: &str, pw: &str) -> AppResult<User> {
    let mut db = state.db.clone();
    let found = store::users::find_for_login(&mut db, login.trim()).await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    let ok = password::verify(pw.to_string(), hash).await;
    match user {
        Some(u) if ok => {
            store::users::record_login(&mut db, u.id, state.clock.now()).await?;
            Ok(User {
                seen_at: Some(state.clock.now()),
                login_attempts: 0,
                ..u
            })
        }
        Some(u) => {
            store::users::record_failed_login(&mut db, u.id).await?;
            Err(AppError::PasswordMismatch)
        }
        None => Err(AppError::PasswordMismatch),
    }
}

/// Loads a user with their current permissions; `None` when the user no longer exists.
pub async fn principal(
    state: &AppState,
    user_id: i64,
    via: Via,
) -> AppResult<Option<UserPrincipal>> {
    let mut db = state.db.clone();
    let Some(user) = store::users::get(&mut db, user_id).await? else {
        return Ok(None);
    };
    let grants = store::users::grants(&mut db, user.id, user.root_role_id).await?;
    Ok(Some(UserPrincipal {
        user,
        grants,
        via,
        scope: crate::domain::token_scope::TokenScope::all(),
    }))
}

pub async fn get(state: &AppState, id: i64) -> AppResult<User> {
    let mut db = state.db.clone();
    store::users::get(&mut db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Could not find user with id {id}")))
}

/// Users (not service accounts) whose name contains `q`, or whose username or email starts
/// with it, ignoring case (Unleash's user search).
pub async fn search(state: &AppState, q: &str) -> AppResult<Vec<User>> {
    let q = q.to_lowercase();
    let mut db = state.db.clone();
    Ok(store::users::list(&mut db)
        .await?
        .into_iter()
        .filter(|u| !u.is_service)
        .filter(|u| {
            let lower = |s: &Option<String>| s.as_deref().unwrap_or("").to_lowercase();
            lower(&u.name).contains(&q)
                || (u.username.is_some() && lower(&u.username).starts_with(&q))
                || (u.email.is_some() && lower(&u.email).starts_with(&q))
        })
        .collect())
}

pub async fn list(state: &AppState) -> AppResult<Vec<User>> {
    let mut db = state.db.clone();
    Ok(store::users::list(&mut db).await?)
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub root_role: RoleRef,
}

fn name_taken() -> AppError {
    AppError::bad_data("A user with that username or email already exists")
}

pub async fn create(state: &AppState, auth: &Authorized, input: CreateUser) -> AppResult<User> {
    if let Some(p) = &input.password {
        validate_password(p)?;
    }
    let hash = match input.password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let role = resolve_root_role(&mut tx, &input.root_role).await?;
    let new = validate_new_user(input.username, input.email, input.name, role.id)?;
    let now = state.clock.now();
    let id = store::users::insert(&mut tx, &new, hash.as_deref(), now)
        .await
        .on_unique_violation(name_taken)?;
    let ev = NewEvent::new(events::USER_CREATED)
        .data(json!({"id": id, "username": new.username, "email": new.email, "name": new.name, "rootRole": role.id}));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    let user = store::users::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("user vanished")))?;
    tx.commit().await?;
    Ok(user)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub root_role: Option<RoleRef>,
}

pub async fn update(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    input: UpdateUser,
) -> AppResult<User> {
    let mut tx = state.db.begin().await?;
    let before = store::users::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Could not find user with id {id}")))?;
    let role = match &input.root_role {
        Some(r) => Some(resolve_root_role(&mut tx, r).await?),
        None => None,
    };
    let username = input.username.clone().or(before.username.clone());
    let email = input.email.clone().or(before.email.clone());
    let name = input.name.clone().or(before.name.clone());
    let checked = validate_new_user(
        username,
        email,
        name,
        role.as_ref().map(|r| r.id).unwrap_or(before.root_role_id),
    )?;
    let changes = UserChanges {
        username: input.username.as_ref().map(|_| checked.username.clone()),
        email: input.email.as_ref().map(|_| checked.email.clone()),
        name: input.name.as_ref().map(|_| checked.name.clone()),
        root_role_id: role.as_ref().map(|r| r.id),
    };
    store::users::update(&mut tx, id, &changes)
        .await
        .on_unique_violation(name_taken)?;
    let now = state.clock.now();
    let ev = NewEvent::new(events::USER_UPDATED)
        .pre_data(json!({"id": id, "username": before.username, "email": before.email, "name": before.name, "rootRole": before.root_role_id}))
        .data(json!({"id": id, "username": checked.username, "email": checked.email, "name": checked.name, "rootRole": checked.root_role_id}));
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    if let Some(r) = &role {
        if r.id != before.root_role_id {
            let ev = NewEvent::new(events::ROLE_CHANGED)
                .pre_data(json!({"id": id, "rootRole": before.root_role_id}))
                .data(json!({"id": id, "rootRole": r.id}));
            store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
        }
    }
    let user = store::users::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Could not find user with id {id}")))?;
    tx.commit().await?;
    Ok(user)
}

/// Deletes a user; their sessions and tokens end with them.
pub async fn delete(state: &AppState, auth: &Authorized, id: i64) -> AppResult<()> {
    if auth.user_id() == Some(id) {
        return Err(AppError::bad_data(
            "You cannot delete yourself; ask another admin",
        ));
    }
    let mut tx = state.db.begin().await?;
    let before = store::users::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Could not find user with id {id}")))?;
    store::users::delete(&mut tx, id).await?;
    let ev = NewEvent::new(events::USER_DELETED).pre_data(
        json!({"id": id, "username": before.username, "email": before.email, "name": before.name}),
    );
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a user's password (an admin for anyone, or a user for themselves).
pub async fn set_password(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    new_password: String,
) -> AppResult<()> {
    validate_password(&new_password)?;
    let hash = password::hash(new_password).await?;
    let mut tx = state.db.begin().await?;
    if store::users::set_password(&mut tx, id, &hash).await? == 0 {
        return Err(AppError::not_found(format!(
            "Could not find user with id {id}"
        )));
    }
    let ev = NewEvent::new(events::USER_PASSWORD_CHANGED).data(json!({"id": id}));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn roles(state: &AppState) -> AppResult<Vec<Role>> {
    let mut db = state.db.clone();
    Ok(store::roles::list(&mut db).await?)
}

/// Admins with a password, admins without one, and admin service accounts.
pub async fn admin_counts(state: &AppState) -> AppResult<(i64, i64, i64)> {
    let mut db = state.db.clone();
    Ok(store::users::admin_counts(&mut db).await?)
}

/// Days without a sign-in or a personal access token use after which a user is inactive,
/// as Unleash counts them.
pub const INACTIVE_AFTER_DAYS: i64 = 180;

/// People (not service accounts) who have neither signed in nor used a personal access
/// token for [`INACTIVE_AFTER_DAYS`]; never-seen users count from their creation.
pub async fn inactive(state: &AppState) -> AppResult<Vec<User>> {
    let mut db = state.db.clone();
    let cutoff = state.clock.now() - chrono::TimeDelta::days(INACTIVE_AFTER_DAYS);
    let token_use = store::pats::last_use_per_user(&mut db).await?;
    Ok(store::users::list(&mut db)
        .await?
        .into_iter()
        .filter(|u| !u.is_service)
        .filter(|u| {
            let last = [Some(u.created_at), u.seen_at, token_use.get(&u.id).copied()]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(u.created_at);
            last < cutoff
        })
        .collect())
}

/// Deletes those of `ids` that are inactive (others are left alone); the caller is never
/// deleted. Returns how many were deleted.
pub async fn delete_inactive(state: &AppState, auth: &Authorized, ids: &[i64]) -> AppResult<usize> {
    let inactive = inactive(state).await?;
    let mut deleted = 0;
    for user in inactive.iter().filter(|u| ids.contains(&u.id)) {
        if auth.user_id() == Some(user.id) {
            continue;
        }
        delete(state, auth, user.id).await?;
        deleted += 1;
    }
    Ok(deleted)
}
