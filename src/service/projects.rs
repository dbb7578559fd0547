//! Projects, their environments and who holds which project role.

use serde_json::json;

use crate::auth::Authorized;
use crate::domain::events::NewEvent;
use crate::domain::permissions::{Role, ROLE_OWNER};
use crate::domain::projects::{self as rules, Owner, Project, ProjectMember, DEFAULT_PROJECT};
use crate::domain::users::User;
use crate::error::{AppError, AppResult, ResultExt};
use crate::state::AppState;
use crate::store::{self, Conn, Tx};

pub fn project_not_found(id: &str) -> AppError {
    AppError::not_found(format!("Could not find project with id \"{id}\"."))
}

pub fn environment_not_found(env: &str) -> AppError {
    AppError::not_found(format!("Could not find environment with name \"{env}\"."))
}

/// 404 naming the project unless it exists.
pub async fn require_project(c: &mut impl Conn, id: &str) -> AppResult<()> {
    if store::projects::exists(c, id).await? {
        Ok(())
    } else {
        Err(project_not_found(id))
    }
}

/// 404 naming the environment unless it exists and is enabled in the project.
pub async fn require_project_environment(
    c: &mut impl Conn,
    project: &str,
    env: &str,
) -> AppResult<()> {
    require_project(c, project).await?;
    if !store::projects::environment_exists(c, env).await? {
        return Err(environment_not_found(env));
    }
    if !store::projects::environments(c, project)
        .await?
        .iter()
        .any(|e| e == env)
    {
        return Err(AppError::not_found(format!(
            "The environment \"{env}\" is not enabled in the project \"{project}\"."
        )));
    }
    Ok(())
}

async fn owners(c: &mut impl Conn, project: &str) -> AppResult<Vec<Owner>> {
    let mut out = Vec::new();
    for m in store::projects::members(c, project)
        .await?
        .into_iter()
        .filter(|m| m.role_id == ROLE_OWNER)
    {
        if let Some(u) = store::users::get(c, m.user_id).await? {
            out.push(owner(&u));
        }
    }
    Ok(out)
}

fn owner(u: &crate::domain::users::User) -> Owner {
    let j = u.to_json();
    Owner {
        name: u.display_name(),
        email: u.email.clone(),
        image_url: j["imageUrl"].as_str().map(str::to_string),
    }
}

/// Every project with its owners, in three queries whatever the number of projects.
pub async fn list(state: &AppState) -> AppResult<Vec<(Project, Vec<Owner>)>> {
    let mut db = state.db.clone();
    let projects = store::projects::list(&mut db).await?;
    let holders = store::projects::holders_of_role(&mut db, ROLE_OWNER).await?;
    let mut ids: Vec<i64> = holders.iter().map(|(_, u)| *u).collect();
    ids.sort_unstable();
    ids.dedup();
    let users: std::collections::HashMap<i64, crate::domain::users::User> =
        store::users::get_many(&mut db, &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
    let mut owners: std::collections::HashMap<String, Vec<Owner>> = Default::default();
    for (project, user_id) in &holders {
        if let Some(u) = users.get(user_id) {
            owners.entry(project.clone()).or_default().push(owner(u));
        }
    }
    Ok(projects
        .into_iter()
        .map(|p| {
            let o = owners.remove(&p.id).unwrap_or_default();
            (p, o)
        })
        .collect())
}

/// A project with its owners and enabled environments.
pub async fn get(state: &AppState, id: &str) -> AppResult<(Project, Vec<Owner>, Vec<String>)> {
    let mut db = state.db.clone();
    let p = store::projects::get(&mut db, id)
        .await?
        .ok_or_else(|| project_not_found(id))?;
    let o = owners(&mut db, id).await?;
    let envs = store::projects::environments(&mut db, id).await?;
    Ok((p, o, envs))
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateProject {
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    /// Environments to enable; every existing one when absent.
    pub environments: Option<Vec<String>>,
}

pub async fn create(
    state: &AppState,
    auth: &Authorized,
    input: CreateProject,
) -> AppResult<Project> {
    rules::validate_name(&input.name)?;
    let id = match input.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_string(),
        None => rules::id_from_name(&input.name),
    };
    rules::validate_id(&id)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::projects::insert(
        &mut tx,
        &id,
        input.name.trim(),
        input.description.as_deref(),
        now,
    )
    .await
    .on_unique_violation(|| {
        AppError::NameExists(format!("A project with id \"{id}\" already exists."))
    })?;
    let envs = match input.environments {
        Some(list) => list,
        None => store::projects::environments_all(&mut tx).await?,
    };
    for env in &envs {
        if !store::projects::environment_exists(&mut tx, env).await? {
            return Err(environment_not_found(env));
        }
        store::projects::add_environment(&mut tx, &id, env)
            .await
            .on_unique_violation(|| {
                AppError::bad_data(format!("The environment \"{env}\" is listed twice."))
            })?;
    }
    // As in Unleash, whoever creates a project owns it.
    if let Some(user_id) = auth.user_id() {
        store::projects::add_member(&mut tx, &id, user_id, ROLE_OWNER, now).await?;
    }
    let project = store::projects::get(&mut tx, &id)
        .await?
        .ok_or_else(|| project_not_found(&id))?;
    let ev = NewEvent::new(rules::PROJECT_CREATED)
        .data(json!({"id": id, "name": project.name, "description": project.description, "environments": envs}))
        .project(&id);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(project)
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProject {
    pub name: String,
    pub description: Option<String>,
}

pub async fn update(
    state: &AppState,
    auth: &Authorized,
    id: &str,
    input: UpdateProject,
) -> AppResult<Project> {
    rules::validate_name(&input.name)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = store::projects::get(&mut tx, id)
        .await?
        .ok_or_else(|| project_not_found(id))?;
    store::projects::update(
        &mut tx,
        id,
        input.name.trim(),
        input.description.as_deref(),
        now,
    )
    .await?;
    let after = store::projects::get(&mut tx, id)
        .await?
        .ok_or_else(|| project_not_found(id))?;
    let ev = NewEvent::new(rules::PROJECT_UPDATED)
        .data(after.event_data())
        .pre_data(before.event_data())
        .project(id);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    commit(tx, state).await?;
    Ok(after)
}

/// Deletes a project that holds no active flags; its archived flags go with it.
pub async fn delete(state: &AppState, auth: &Authorized, id: &str) -> AppResult<()> {
    if id == DEFAULT_PROJECT {
        return Err(AppError::OperationDenied(
            "You can not delete the default project!".into(),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = store::projects::get(&mut tx, id)
        .await?
        .ok_or_else(|| project_not_found(id))?;
    if store::projects::count_flags(&mut tx, id, false).await? > 0 {
        return Err(AppError::OperationDenied(
            "You can not delete a project with active feature flags".into(),
        ));
    }
    store::features::delete_archived_of_project(&mut tx, id).await?;
    // API tokens scoped to this project alone go with it: with their only project row gone
    // they would otherwise read as tokens for every project (Unleash's issue #7499).
    let mut revoked = Vec::new();
    for t in store::api_tokens::list(&mut tx, None).await? {
        if t.projects.len() == 1 && t.projects[0] == id {
            store::api_tokens::delete(&mut tx, t.id).await?;
            let pre = json!({"tokenName": t.token_name, "type": t.kind.as_str(), "environment": t.environment, "projects": t.projects});
            store::events::insert(
                &mut tx,
                &NewEvent::new("api-token-deleted").pre_data(pre).project(id),
                auth.actor(),
                now,
            )
            .await?;
            revoked.push(t.id);
        }
    }
    store::projects::delete(&mut tx, id).await?;
    let ev = NewEvent::new(rules::PROJECT_DELETED)
        .pre_data(before.event_data())
        .project(id);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    for token_id in revoked {
        state
            .seen
            .forget(crate::auth::seen::SeenKey::ApiToken(token_id));
    }
    state.api_tokens.clear();
    Ok(())
}

pub async fn add_environment(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    env: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    if !store::projects::environment_exists(&mut tx, env).await? {
        return Err(environment_not_found(env));
    }
    store::projects::add_environment(&mut tx, project, env)
        .await
        .on_unique_violation(|| {
            AppError::NameExists(format!(
                "The environment \"{env}\" is already enabled in the project \"{project}\"."
            ))
        })?;
    let ev = NewEvent::new(rules::PROJECT_ENVIRONMENT_ADDED)
        .data(json!({"environment": env}))
        .project(project)
        .environment(env);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

pub async fn remove_environment(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    env: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    if !store::projects::environment_exists(&mut tx, env).await? {
        return Err(environment_not_found(env));
    }
    let envs = store::projects::environments(&mut tx, project).await?;
    if !envs.iter().any(|e| e == env) {
        return Err(AppError::not_found(format!(
            "The environment \"{env}\" is not enabled in the project \"{project}\"."
        )));
    }
    if envs.len() <= 1 {
        return Err(AppError::bad_data(
            "A project must always have at least one environment enabled.",
        ));
    }
    store::projects::remove_environment(&mut tx, project, env).await?;
    store::features::clear_environment_of_project(&mut tx, project, env).await?;
    let ev = NewEvent::new(rules::PROJECT_ENVIRONMENT_REMOVED)
        .pre_data(json!({"environment": env}))
        .project(project)
        .environment(env);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    store::revision::bump(&mut tx).await?;
    commit(tx, state).await?;
    Ok(())
}

/// The project roles, the members of a project and the users behind them.
pub struct Access {
    pub roles: Vec<Role>,
    pub members: Vec<(User, Vec<ProjectMember>)>,
}

pub async fn access(state: &AppState, project: &str) -> AppResult<Access> {
    let mut db = state.db.clone();
    require_project(&mut db, project).await?;
    let roles: Vec<Role> = store::roles::list(&mut db)
        .await?
        .into_iter()
        .filter(|r| r.role_type == "project")
        .collect();
    let mut members: Vec<(User, Vec<ProjectMember>)> = Vec::new();
    for m in store::projects::members(&mut db, project).await? {
        if let Some(entry) = members.iter_mut().find(|(u, _)| u.id == m.user_id) {
            entry.1.push(m);
            continue;
        }
        if let Some(u) = store::users::get(&mut db, m.user_id).await? {
            members.push((u, vec![m]));
        }
    }
    Ok(Access { roles, members })
}

async fn check_roles(c: &mut impl Conn, roles: &[i64]) -> AppResult<()> {
    for id in roles {
        match store::roles::get(c, *id).await? {
            Some(r) if r.role_type == "project" => {}
            Some(r) => {
                return Err(AppError::bad_data(format!(
                    "{} is not a project role; use Owner, Member or Reader.",
                    r.name
                )))
            }
            None => {
                return Err(AppError::bad_data(format!(
                    "Could not find the role with id {id}."
                )))
            }
        }
    }
    Ok(())
}

async fn check_user(c: &mut impl Conn, user_id: i64) -> AppResult<()> {
    match store::users::get(c, user_id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::not_found(format!(
            "Could not find user with id {user_id}"
        ))),
    }
}

/// Gives each user each role in the project.
pub async fn add_access(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    roles: &[i64],
    users: &[i64],
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    check_roles(&mut tx, roles).await?;
    for u in users {
        check_user(&mut tx, *u).await?;
        for r in roles {
            store::projects::add_member(&mut tx, project, *u, *r, now).await?;
        }
    }
    let ev = NewEvent::new(rules::PROJECT_ACCESS_ADDED)
        .data(json!({"roles": roles, "users": users, "groups": []}))
        .project(project);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Replaces every project role assignment of the project (`PUT .../access`): afterwards,
/// exactly the listed users hold the listed roles.
pub async fn replace_access(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    roles: &[(i64, Vec<i64>)],
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    let role_ids: Vec<i64> = roles.iter().map(|(r, _)| *r).collect();
    check_roles(&mut tx, &role_ids).await?;
    for (_, users) in roles {
        for u in users {
            check_user(&mut tx, *u).await?;
        }
    }
    let before: Vec<serde_json::Value> = store::projects::members(&mut tx, project)
        .await?
        .into_iter()
        .map(|m| json!({"userId": m.user_id, "roleId": m.role_id}))
        .collect();
    store::projects::remove_all_members(&mut tx, project).await?;
    for (role, users) in roles {
        for u in users {
            store::projects::add_member(&mut tx, project, *u, *role, now).await?;
        }
    }
    let after: Vec<serde_json::Value> = roles
        .iter()
        .map(|(r, users)| json!({"id": r, "users": users, "groups": []}))
        .collect();
    let ev = NewEvent::new(rules::PROJECT_ACCESS_UPDATED)
        .data(json!({"roles": after}))
        .pre_data(json!({"members": before}))
        .project(project);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Stores the project's settings (`PUT .../settings`).
pub async fn update_settings(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    settings: &rules::ProjectSettings,
) -> AppResult<()> {
    settings.validate()?;
    let naming = settings
        .feature_naming
        .as_ref()
        .filter(|n| n.pattern.as_deref().is_some_and(|p| !p.is_empty()))
        .map(|n| serde_json::to_string(n).unwrap_or_default());
    let links = settings
        .link_templates
        .as_ref()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::to_string(l).unwrap_or_default());
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    let (old_naming, old_links) = store::projects::settings(&mut tx, project).await?;
    store::projects::set_settings(&mut tx, project, naming.clone(), links.clone(), now).await?;
    let as_json = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let ev = NewEvent::new(rules::PROJECT_UPDATED)
        .data(json!({"id": project, "mode": "open", "featureNaming": as_json(&naming), "linkTemplates": as_json(&links)}))
        .pre_data(json!({"id": project, "mode": "open", "featureNaming": as_json(&old_naming), "linkTemplates": as_json(&old_links)}))
        .project(project);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    commit(tx, state).await?;
    Ok(())
}

/// The project's feature naming pattern and link templates as Unleash shows them.
pub async fn settings_json(
    state: &AppState,
    project: &str,
) -> AppResult<(serde_json::Value, serde_json::Value)> {
    let mut db = state.db.clone();
    let (naming, links) = store::projects::settings(&mut db, project).await?;
    let parse = |s: Option<String>, empty: serde_json::Value| {
        s.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(empty)
    };
    Ok((
        parse(naming, serde_json::Value::Null),
        parse(links, json!([])),
    ))
}

/// Refuses a new flag name that does not match the project's naming pattern.
pub async fn check_feature_naming(c: &mut impl Conn, project: &str, name: &str) -> AppResult<()> {
    let (naming, _) = store::projects::settings(c, project).await?;
    let Some(naming) = naming.and_then(|t| serde_json::from_str::<rules::FeatureNaming>(&t).ok())
    else {
        return Ok(());
    };
    let Some(pattern) = naming.pattern.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let re = rules::naming_regex(&pattern)?;
    if re.is_match(name) {
        return Ok(());
    }
    let mut message = format!(
        "The feature flag name \"{name}\" does not match the project's naming pattern: \"{pattern}\"."
    );
    if let Some(example) = naming.example.filter(|e| !e.is_empty()) {
        message.push_str(&format!(
            " Here's an example of a name that does match the pattern: \"{example}\"."
        ));
    }
    if let Some(description) = naming.description.filter(|d| !d.is_empty()) {
        message.push_str(&format!(" The pattern's description is: \"{description}\""));
    }
    Err(AppError::bad_field("/body/name", message))
}

/// Replaces a user's project roles (an empty list removes them all).
pub async fn set_user_roles(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    user_id: i64,
    roles: &[i64],
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    check_user(&mut tx, user_id).await?;
    check_roles(&mut tx, roles).await?;
    let before: Vec<i64> = store::projects::members(&mut tx, project)
        .await?
        .into_iter()
        .filter(|m| m.user_id == user_id)
        .map(|m| m.role_id)
        .collect();
    store::projects::remove_member(&mut tx, project, user_id).await?;
    for r in roles {
        store::projects::add_member(&mut tx, project, user_id, *r, now).await?;
    }
    let ev = NewEvent::new(rules::PROJECT_ACCESS_USER_ROLES_UPDATED)
        .data(json!({"userId": user_id, "roles": roles}))
        .pre_data(json!({"userId": user_id, "roles": before}))
        .project(project);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    commit(tx, state).await?;
    Ok(())
}

pub async fn remove_user(
    state: &AppState,
    auth: &Authorized,
    project: &str,
    user_id: i64,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    require_project(&mut tx, project).await?;
    check_user(&mut tx, user_id).await?;
    let before: Vec<i64> = store::projects::members(&mut tx, project)
        .await?
        .into_iter()
        .filter(|m| m.user_id == user_id)
        .map(|m| m.role_id)
        .collect();
    store::projects::remove_member(&mut tx, project, user_id).await?;
    let ev = NewEvent::new(rules::PROJECT_ACCESS_USER_ROLES_DELETED)
        .pre_data(json!({"userId": user_id, "roles": before}))
        .project(project);
    store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    commit(tx, state).await?;
    Ok(())
}

/// Commits, then tells this node's SDK cache to re-read the revision, so that the change is
/// served at once here (other nodes notice within the cache's revision TTL).
async fn commit(tx: Tx, state: &AppState) -> AppResult<()> {
    tx.commit().await?;
    state.features.invalidate();
    Ok(())
}

/// The users who created flags in a project (`projectFlagCreatorsSchema`: id and display
/// name); deleted users are left out.
pub async fn flag_creators(state: &AppState, project: &str) -> AppResult<Vec<(i64, String)>> {
    let mut db = state.db.clone();
    if store::projects::get(&mut db, project).await?.is_none() {
        return Err(AppError::not_found(format!(
            "Could not find the project \"{project}\"."
        )));
    }
    let ids = store::features::creator_ids(&mut db, project).await?;
    let users = store::users::list(&mut db).await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            users
                .iter()
                .find(|u| u.id == id)
                .map(|u| (id, u.display_name()))
        })
        .collect())
}
