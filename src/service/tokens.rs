//! Personal access tokens and API tokens: minting, listing, revoking and authenticating.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::auth::seen::{client_address, SeenKey};
use crate::auth::token::{classify, digest, new_v2_tail, verify, Presented, Secret};
use crate::auth::{ApiTokenPrincipal, Authorized, UserPrincipal, Via};
use crate::domain::events::NewEvent;
use crate::domain::permissions as perm;
use crate::domain::token_scope::TokenScope;
use crate::domain::tokens::{
    parse_seeded_secret, validate_new_api_token, validate_new_pat, ApiToken, ApiTokenKind,
    CreateApiTokenRequest, CreatePatRequest, NewApiToken, Pat,
};
use crate::error::{AppError, AppResult, ResultExt};
use crate::service;
use crate::state::AppState;
use crate::store::{self, Conn};

pub const PAT_CREATED: &str = "pat-created";
pub const PAT_DELETED: &str = "pat-deleted";
pub const API_TOKEN_CREATED: &str = "api-token-created";
pub const API_TOKEN_UPDATED: &str = "api-token-updated";
pub const API_TOKEN_DELETED: &str = "api-token-deleted";

// ---------------------------------------------------------------- personal access tokens

/// The caller's tokens, newest first.
pub async fn list_pats(state: &AppState, user_id: i64) -> AppResult<Vec<Pat>> {
    let mut db = state.db.clone();
    Ok(store::pats::list_for_user(&mut db, user_id).await?)
}

/// Mints a token for the acting user from a `{description, expiresAt}` body. The secret is
/// returned once and never stored.
pub async fn create_pat(
    state: &AppState,
    auth: &Authorized,
    body: &CreatePatRequest,
) -> AppResult<(Pat, Secret)> {
    let user_id = auth
        .user_id()
        .ok_or_else(|| AppError::Forbidden("PATs require an authenticated user.".into()))?;
    service::token_policy::ensure_pats_enabled(state)?;
    let now = state.clock.now();
    let new = validate_new_pat(body, now)?;
    let limit = service::token_policy::pat_lifetime_limit(state).await?;
    crate::domain::tokens::check_pat_lifetime(limit, new.expires_at, now)?;
    let (tail, selector) = new_v2_tail();
    let secret = Secret::new(format!("user:{tail}"));
    let verifier = digest(secret.expose());

    let mut tx = state.db.begin().await?;
    check_pat_scope(&mut tx, &new.scope).await?;
    // Serialises concurrent creations by one user, so the limit holds.
    if !store::users::lock(&mut tx, user_id).await? {
        return Err(AppError::Unauthorized(
            "You must log in to use Unleash.".into(),
        ));
    }
    let limit = i64::from(state.config.pat_limit);
    if store::pats::count_unexpired(&mut tx, user_id, now).await? >= limit {
        return Err(AppError::OperationDenied(format!(
            "Too many PATs ({limit}) already exist for this user."
        )));
    }
    let row = store::pats::NewRow {
        user_id,
        description: &new.description,
        selector: &selector,
        verifier: &verifier,
        expires_at: new.expires_at,
        scope: &new.scope,
    };
    let id = store::pats::insert(&mut tx, &row, now)
        .await
        .on_unique_violation(|| AppError::NameExists("PAT description already exists.".into()))?;
    let pat = Pat {
        id,
        user_id,
        description: new.description,
        selector,
        expires_at: new.expires_at,
        created_at: now,
        seen_at: None,
        rotated_at: None,
        scope: new.scope,
    };
    store::events::insert(
        &mut tx,
        &NewEvent::new(PAT_CREATED).data(pat.event_data()),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((pat, secret))
}

/// Refuses a scope naming a project or environment that does not exist (400 naming the
/// field and the value).
async fn check_pat_scope(c: &mut impl Conn, scope: &TokenScope) -> AppResult<()> {
    for p in scope.projects.iter().flatten() {
        if !store::project_exists(c, p).await? {
            return Err(AppError::bad_field(
                "/body/scope/projects",
                format!(
                    "The `/body/scope/projects` list names project \"{p}\", which does not exist."
                ),
            ));
        }
    }
    for e in scope.environments.iter().flatten() {
        if !store::environments_exist(c, e).await? {
            return Err(AppError::bad_field(
                "/body/scope/environments",
                format!("The `/body/scope/environments` list names environment \"{e}\", which does not exist."),
            ));
        }
    }
    Ok(())
}

/// Deletes one of the acting user's tokens; it stops working at once. 404 for any id that is
/// not the caller's token.
pub async fn delete_pat(state: &AppState, auth: &Authorized, id: i64) -> AppResult<()> {
    let user_id = auth
        .user_id()
        .ok_or_else(|| AppError::Forbidden("PATs require an authenticated user.".into()))?;
    let mut tx = state.db.begin().await?;
    let pat = store::pats::get_for_user(&mut tx, user_id, id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("You have no personal access token with id {id}."))
        })?;
    store::pats::delete_for_user(&mut tx, user_id, id).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(PAT_DELETED).data(pat.event_data()),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    state.seen.forget(SeenKey::Pat(id));
    Ok(())
}

/// The user behind a personal access token, with their current permissions, if the token
/// is valid and unexpired. Looks up by selector, compares digests in constant time.
pub async fn authenticate_pat(state: &AppState, token: &str) -> AppResult<Option<UserPrincipal>> {
    let Presented::Pat { selector } = classify(token) else {
        return Ok(None);
    };
    // Unleash's kill switch: PATs stop authenticating altogether.
    if state.config.pat_kill_switch {
        return Ok(None);
    }
    let mut db = state.db.clone();
    let now = state.clock.now();
    // The epoch first: a change committed while the principal loads moves it past this.
    let epoch = state.principals.epoch(&state.db).await?;
    let key = state.principals.key(token);
    if let Some(hit) = state.principals.get(key, epoch) {
        if hit.expires_at <= now {
            return Ok(None);
        }
        if let Some(id) = hit.token_id {
            state.seen.record(SeenKey::Pat(id), now, client_address());
        }
        return Ok(Some(hit.principal.as_ref().clone()));
    }
    let Some(cred) = store::pats::credential(&mut db, selector).await? else {
        return Ok(None);
    };
    if !verify(token, &cred.verifier) || cred.expires_at <= now {
        return Ok(None);
    }
    // The owner's current permissions, narrowed by the token's scope.
    let principal = service::users::principal(state, cred.user_id, Via::Pat { token_id: cred.id })
        .await?
        .map(|p| UserPrincipal {
            scope: TokenScope::from_stored(&cred.scopes),
            ..p
        });
    if let Some(p) = &principal {
        state.principals.put(
            key,
            epoch,
            crate::auth::principal_cache::CachedPrincipal {
                principal: Arc::new(p.clone()),
                token_id: Some(cred.id),
                expires_at: cred.expires_at,
            },
        );
        state
            .seen
            .record(SeenKey::Pat(cred.id), now, client_address());
    }
    Ok(principal)
}

// ---------------------------------------------------------------------------- API tokens

/// The read permission that shows tokens of a kind.
fn read_permission(kind: ApiTokenKind) -> &'static [&'static str] {
    match kind {
        ApiTokenKind::Client => &[perm::READ_CLIENT_API_TOKEN],
        ApiTokenKind::Frontend => &[perm::READ_FRONTEND_API_TOKEN],
        ApiTokenKind::Admin => &[perm::ADMIN],
    }
}

pub fn create_permission(kind: ApiTokenKind) -> &'static str {
    match kind {
        ApiTokenKind::Client => perm::CREATE_CLIENT_API_TOKEN,
        ApiTokenKind::Frontend => perm::CREATE_FRONTEND_API_TOKEN,
        ApiTokenKind::Admin => perm::ADMIN,
    }
}

pub fn update_permission(kind: ApiTokenKind) -> &'static str {
    match kind {
        ApiTokenKind::Client => perm::UPDATE_CLIENT_API_TOKEN,
        ApiTokenKind::Frontend => perm::UPDATE_FRONTEND_API_TOKEN,
        ApiTokenKind::Admin => perm::ADMIN,
    }
}

pub fn delete_permission(kind: ApiTokenKind) -> &'static str {
    match kind {
        ApiTokenKind::Client => perm::DELETE_CLIENT_API_TOKEN,
        ApiTokenKind::Frontend => perm::DELETE_FRONTEND_API_TOKEN,
        ApiTokenKind::Admin => perm::ADMIN,
    }
}

/// The tokens the principal may see (per type, as Unleash filters them); `name` narrows.
pub async fn list_api_tokens(
    state: &AppState,
    principal: &crate::auth::Principal,
    name: Option<&str>,
) -> AppResult<Vec<ApiToken>> {
    let mut db = state.db.clone();
    let all = store::api_tokens::list(&mut db, name).await?;
    Ok(all
        .into_iter()
        .filter(|t| {
            principal.can(
                read_permission(t.kind),
                crate::auth::permission::Scope::ROOT,
            )
        })
        // A project-scoped caller sees only tokens that reach no other project.
        .filter(|t| t.projects.iter().all(|p| principal.sees_project(p)))
        .collect())
}

/// Tokens that reach a project (those for every project included).
pub async fn list_project_api_tokens(state: &AppState, project: &str) -> AppResult<Vec<ApiToken>> {
    let mut db = state.db.clone();
    let all = store::api_tokens::list(&mut db, None).await?;
    Ok(all
        .into_iter()
        .filter(|t| t.kind != ApiTokenKind::Admin && t.projects.iter().any(|p| p == project))
        .collect())
}

/// Every token that reaches a project, as its API access page lists them: those naming it
/// (alone or among others), and those for all projects that the principal may read by type.
pub async fn list_api_tokens_reaching_project(
    state: &AppState,
    principal: &crate::auth::Principal,
    project: &str,
) -> AppResult<Vec<ApiToken>> {
    let mut db = state.db.clone();
    let all = store::api_tokens::list(&mut db, None).await?;
    Ok(all
        .into_iter()
        .filter(|t| t.kind != ApiTokenKind::Admin)
        .filter(|t| {
            t.projects.iter().any(|p| p == project)
                || (t.projects.iter().any(|p| p == "*")
                    && principal.can(
                        read_permission(t.kind),
                        crate::auth::permission::Scope::ROOT,
                    ))
        })
        .collect())
}

/// Whether a token may be deleted through a project's routes: it must be a client or
/// frontend token of that project alone (one that reaches others is deleted globally).
pub fn check_deletable_from_project(token: &ApiToken, project: &str) -> AppResult<()> {
    if token.kind == ApiTokenKind::Admin || !token.projects.iter().any(|p| p == project) {
        return Err(AppError::not_found(format!(
            "Could not find an API token of project {project} with that selector"
        )));
    }
    if token.projects.len() > 1 || token.projects[0] == "*" {
        return Err(AppError::bad_data(
            "This token reaches other projects too; delete it from the API tokens page instead",
        ));
    }
    Ok(())
}

async fn check_scope(c: &mut impl Conn, new: &NewApiToken) -> AppResult<()> {
    if !store::environments_exist(c, &new.environment).await? {
        return Err(
            AppError::bad_data(format!("Environment={} does not exist", new.environment))
                .at("/body/environment"),
        );
    }
    for p in new.projects.iter().filter(|p| p.as_str() != "*") {
        if !store::project_exists(c, p).await? {
            return Err(
                AppError::bad_data(format!("Project={p} does not exist")).at("/body/projects")
            );
        }
    }
    Ok(())
}

/// Validates a create body; the caller then checks the per-type permission before
/// [`create_api_token`].
pub fn parse_api_token(state: &AppState, body: &CreateApiTokenRequest) -> AppResult<NewApiToken> {
    validate_new_api_token(body, state.clock.now())
}

/// Mints an API token. Returns the token and its secret, shown once.
pub async fn create_api_token(
    state: &AppState,
    auth: &Authorized,
    new: NewApiToken,
) -> AppResult<(ApiToken, Secret)> {
    let (tail, selector) = new_v2_tail();
    let secret = Secret::new(format!("{}:{}.{tail}", new.project_part(), new.environment));
    let mut tx = state.db.begin().await?;
    check_scope(&mut tx, &new).await?;
    let now = state.clock.now();
    let row = store::api_tokens::NewRow {
        selector: &selector,
        verifier: &digest(secret.expose()),
        secure: true,
        token_name: &new.token_name,
        kind: new.kind,
        environment: &new.environment,
        projects: &new.projects,
        project_part: &new.project_part(),
        expires_at: new.expires_at,
        created_by_user_id: auth.user_id(),
        sealed_secret: state
            .token_sealer
            .as_ref()
            .map(|s| s.seal(secret.expose(), &selector)),
    };
    let id = store::api_tokens::insert(&mut tx, &row, now).await?;
    let token = ApiToken {
        id,
        selector,
        secure: true,
        token_name: new.token_name.clone(),
        kind: new.kind,
        environment: new.environment.clone(),
        projects: new.projects.clone(),
        expires_at: new.expires_at,
        created_at: now,
        seen_at: None,
        rotated_at: None,
    };
    store::events::insert(
        &mut tx,
        &NewEvent::new(API_TOKEN_CREATED).data(api_token_event(&token)),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((token, secret))
}

pub(crate) fn api_token_event(t: &ApiToken) -> Value {
    json!({"tokenName": t.token_name, "type": t.kind.as_str(), "environment": t.environment, "projects": t.projects, "selector": t.selector, "expiresAt": t.expires_at.map(crate::domain::users::iso)})
}

/// Finds a token by its selector or by its full secret (as Unleash's routes take it).
pub async fn find_api_token(state: &AppState, key: &str) -> AppResult<Option<ApiToken>> {
    let mut db = state.db.clone();
    let selector = match classify(key) {
        Presented::ApiTokenV2 { selector } => selector.to_string(),
        Presented::ApiTokenLegacy => digest(key),
        _ => key.to_string(),
    };
    Ok(store::api_tokens::get_by_selector(&mut db, &selector).await?)
}

/// Finds a token by its full secret, verifying the secret against the stored digest.
pub async fn find_api_token_by_secret(
    state: &AppState,
    secret: &str,
) -> AppResult<Option<ApiToken>> {
    let selector = match classify(secret) {
        Presented::ApiTokenV2 { selector } => selector.to_string(),
        Presented::ApiTokenLegacy => digest(secret),
        _ => return Ok(None),
    };
    let mut db = state.db.clone();
    match store::api_tokens::credential(&mut db, &selector).await? {
        Some(cred) if verify(secret, &cred.verifier) => {
            Ok(store::api_tokens::get_by_selector(&mut db, &selector).await?)
        }
        _ => Ok(None),
    }
}

pub async fn update_api_token_expiry(
    state: &AppState,
    auth: &Authorized,
    token: &ApiToken,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    store::api_tokens::set_expiry(&mut tx, token.id, expires_at).await?;
    let after = ApiToken {
        expires_at,
        ..token.clone()
    };
    let ev = NewEvent::new(API_TOKEN_UPDATED)
        .pre_data(api_token_event(token))
        .data(api_token_event(&after));
    store::events::insert(&mut tx, &ev, auth.actor(), state.clock.now()).await?;
    tx.commit().await?;
    state.api_tokens.clear();
    state.api_tokens.clear();
    Ok(())
}

pub async fn delete_api_token(
    state: &AppState,
    auth: &Authorized,
    token: &ApiToken,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    store::api_tokens::delete(&mut tx, token.id).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(API_TOKEN_DELETED).pre_data(api_token_event(token)),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    state.seen.forget(SeenKey::ApiToken(token.id));
    state.api_tokens.clear();
    state.api_tokens.clear();
    Ok(())
}

/// The API token behind a secret, if it is valid and unexpired.
pub async fn authenticate_api_token(
    state: &AppState,
    token: &str,
) -> AppResult<Option<ApiTokenPrincipal>> {
    let selector = match classify(token) {
        Presented::ApiTokenV2 { selector } => selector.to_string(),
        // Seeded legacy secrets are stored under their own digest.
        Presented::ApiTokenLegacy => digest(token),
        _ => return Ok(None),
    };
    let mut db = state.db.clone();
    let Some(cred) = store::api_tokens::credential(&mut db, &selector).await? else {
        return Ok(None);
    };
    if !verify(token, &cred.verifier) {
        return Ok(None);
    }
    let Some(t) = store::api_tokens::get_by_selector(&mut db, &selector).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    if t.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    state
        .seen
        .record(SeenKey::ApiToken(t.id), now, client_address());
    Ok(Some(ApiTokenPrincipal {
        id: t.id,
        name: t.token_name,
        kind: t.kind,
        projects: t.projects.into(),
        environment: t.environment,
        expires_at: t.expires_at,
    }))
}

/// As [`authenticate_api_token`], answered from memory for up to [`crate::auth::token_cache::TOKEN_CACHE_TTL`]. Used on
/// the SDK APIs' hot path; a deletion or expiry change on this node clears the cache at once,
/// other nodes see it within the TTL.
pub async fn authenticate_api_token_cached(
    state: &AppState,
    token: &str,
) -> AppResult<Option<Arc<ApiTokenPrincipal>>> {
    let key = state.api_tokens.key(token);
    if let Some(hit) = state.api_tokens.get(key) {
        return Ok(hit.filter(|p| still_valid(state, p)));
    }
    // Boxed: the database lookup's future is large, and the cached path above should not
    // carry it on every request.
    let found = Box::pin(authenticate_api_token(state, token))
        .await?
        .map(Arc::new);
    state.api_tokens.put(key, found.clone());
    Ok(found)
}

/// The token's principal when it was verified within [`crate::auth::token_cache::TOKEN_CACHE_TTL`] and has not
/// expired since; `None` when the cache cannot answer (unknown, refused or stale).
pub fn cached_api_token(state: &AppState, token: &str) -> Option<Arc<ApiTokenPrincipal>> {
    let key = state.api_tokens.key(token);
    state
        .api_tokens
        .get(key)
        .flatten()
        .filter(|p| still_valid(state, p))
}

/// Not expired; records the use.
fn still_valid(state: &AppState, p: &ApiTokenPrincipal) -> bool {
    let now = state.clock.now();
    if p.expires_at.is_some_and(|e| e <= now) {
        return false;
    }
    state
        .seen
        .record(SeenKey::ApiToken(p.id), now, client_address());
    true
}

/// Seeds `INIT_*_API_TOKENS` when no API token exists yet. The given secrets are stored
/// hashed like any other.
pub async fn seed_init_tokens(state: &AppState) -> anyhow::Result<()> {
    let cfg = &state.config;
    let mut wanted: Vec<(ApiTokenKind, &str, &String)> = Vec::new();
    wanted.extend(
        cfg.init_admin_api_tokens
            .iter()
            .map(|s| (ApiTokenKind::Admin, "admin", s)),
    );
    wanted.extend(
        cfg.init_backend_api_tokens
            .iter()
            .chain(&cfg.init_client_api_tokens)
            .map(|s| (ApiTokenKind::Client, "backend", s)),
    );
    wanted.extend(
        cfg.init_frontend_api_tokens
            .iter()
            .map(|s| (ApiTokenKind::Frontend, "frontend", s)),
    );
    wanted.retain(|(_, _, s)| !s.trim().is_empty());
    if wanted.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    if store::api_tokens::count(&mut tx).await? > 0 {
        return Ok(());
    }
    let auth = Authorized::system();
    let now = state.clock.now();
    for (kind, name, secret) in wanted {
        let secret = secret.trim();
        let (projects, environment) =
            parse_seeded_secret(secret).map_err(|e| anyhow::anyhow!("{e}"))?;
        if kind == ApiTokenKind::Admin && (projects != ["*"] || environment != "*") {
            anyhow::bail!("INIT_ADMIN_API_TOKENS entries must start with *:*.");
        }
        if kind != ApiTokenKind::Admin && environment == "*" {
            anyhow::bail!("INIT_BACKEND_API_TOKENS and INIT_FRONTEND_API_TOKENS entries must name one environment, not *");
        }
        let stored = ExternalToken {
            secret,
            token_name: name,
            kind,
            environment: &environment,
            projects: &projects,
            expires_at: None,
            sealer: state.token_sealer.as_deref(),
        };
        match store_external_token(&mut tx, &stored, now).await {
            Ok(_) => {}
            // Another node starting at the same moment seeded them first.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let ev = NewEvent::new(API_TOKEN_CREATED).data(json!({"tokenName": name, "type": kind.as_str(), "environment": environment, "projects": projects, "seeded": true}));
        store::events::insert(&mut tx, &ev, auth.actor(), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A token whose secret was chosen outside Switchyard (`INIT_*_API_TOKENS`, or a token
/// imported from Unleash): kept working with its exact secret, stored as a digest.
pub struct ExternalToken<'a> {
    pub secret: &'a str,
    pub token_name: &'a str,
    pub kind: ApiTokenKind,
    pub environment: &'a str,
    pub projects: &'a [String],
    pub expires_at: Option<DateTime<Utc>>,
    /// Seals the secret too, when token encryption is on.
    pub sealer: Option<&'a crate::auth::sealing::TokenSealer>,
}

/// The selector under which an externally chosen secret is stored: the v2 selector when
/// the secret has Switchyard's secure shape, else the secret's digest.
pub fn external_selector(secret: &str) -> String {
    match classify(secret) {
        Presented::ApiTokenV2 { selector } => selector.to_string(),
        _ => digest(secret),
    }
}

/// Stores an externally chosen secret (its digest only). Returns the new token's id.
pub async fn store_external_token(
    c: &mut impl Conn,
    t: &ExternalToken<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let selector = external_selector(t.secret);
    let project_part = crate::domain::tokens::project_part(t.projects);
    let row = store::api_tokens::NewRow {
        selector: &selector,
        verifier: &digest(t.secret),
        secure: true,
        token_name: t.token_name,
        kind: t.kind,
        environment: t.environment,
        projects: t.projects,
        project_part: &project_part,
        expires_at: t.expires_at,
        created_by_user_id: None,
        sealed_secret: t.sealer.map(|s| s.seal(t.secret, &selector)),
    };
    store::api_tokens::insert(c, &row, now).await
}

// ------------------------------------------------------------------------- last seen

/// Writes the pending last-use times and addresses of tokens in one transaction.
pub async fn flush_seen(state: &AppState) -> AppResult<usize> {
    Ok(state.seen.flush(&state.db).await?)
}

/// With TOKEN_ENCRYPTION_KEY set: stores a key check value on first use, and refuses to
/// start when the key differs from the one the stored secrets were sealed with (rather
/// than ever answering with a garbled secret).
pub async fn check_sealing_key(
    state: &AppState,
    sealer: &crate::auth::sealing::TokenSealer,
) -> anyhow::Result<()> {
    use crate::auth::sealing::CHECK_SETTING;
    let mut db = state.db.clone();
    if store::settings::get(&mut db, CHECK_SETTING)
        .await?
        .is_none()
    {
        store::settings::insert_if_absent(&mut db, CHECK_SETTING, &sealer.key_check()).await?;
    }
    let stored = store::settings::get(&mut db, CHECK_SETTING)
        .await?
        .unwrap_or_default();
    if !sealer.matches_check(&stored) {
        anyhow::bail!(
            "TOKEN_ENCRYPTION_KEY is not the key this database's API token secrets were encrypted with; start with the original key"
        );
    }
    Ok(())
}

/// The readable secrets of these tokens by selector: empty unless token encryption is on
/// and the tokens were created while it was.
pub async fn readable_secrets(
    state: &AppState,
    tokens: &[ApiToken],
) -> AppResult<std::collections::HashMap<String, String>> {
    let Some(sealer) = &state.token_sealer else {
        return Ok(Default::default());
    };
    if tokens.is_empty() {
        return Ok(Default::default());
    }
    let mut db = state.db.clone();
    let sealed = store::api_tokens::sealed_secrets(&mut db).await?;
    Ok(tokens
        .iter()
        .filter_map(|t| {
            let s = sealed.get(&t.selector)?;
            sealer.open(s, &t.selector).map(|p| (t.selector.clone(), p))
        })
        .collect())
}
