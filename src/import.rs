//! `switchyard import-unleash`: copies a running Unleash (or another Switchyard) into this
//! server's database through the source's Admin API.
//!
//! Everything is written in **one transaction**: either the whole import lands or nothing
//! does. A dry run executes exactly the same steps and then rolls the transaction back, so
//! its plan is what `--apply` would do. Items are matched by their natural keys (names,
//! strategy ids, token secrets, usernames and emails), which makes a second `--apply` a no-op.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::domain::context::{ContextField, LegalValue};
use crate::domain::environments::Environment;
use crate::domain::events::{Actor, NewEvent};
use crate::domain::features::{Dependency, Feature, FeatureStrategy};
use crate::domain::strategies::{StrategyDefinition, StrategyParameter};
use crate::domain::tag_types::TagType;
use crate::domain::tokens::ApiTokenKind;
use crate::domain::users::validate_new_user;
use crate::service::tokens::{external_selector, store_external_token, ExternalToken};
use crate::state::AppState;
use crate::store::{self, Tx};

/// What to import from where.
#[derive(Clone)]
pub struct ImportOptions {
    /// The source's base address, base path included (e.g. `https://unleash.example.com`).
    pub url: String,
    /// An admin API token or a personal access token of an admin on the source.
    pub token: String,
    /// Write the changes; without it the import is a dry run.
    pub apply: bool,
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("apply", &self.apply)
            .finish()
    }
}

/// Counts for one kind of item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
}

/// A reset link minted for an imported user.
#[derive(Clone)]
pub struct ResetLink {
    pub user: String,
    pub url: String,
}

impl std::fmt::Debug for ResetLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetLink")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub applied: bool,
    /// Kind name to counts, in import order.
    pub kinds: Vec<(&'static str, KindCounts)>,
    /// One line per item that could not be copied, with the reason.
    pub notes: Vec<String>,
    /// Links for users created by this import (empty in a dry run).
    pub reset_links: Vec<ResetLink>,
}

impl ImportReport {
    pub fn counts(&self, kind: &str) -> KindCounts {
        self.kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    }

    /// Whether anything was (or would be) created or updated.
    pub fn changed(&self) -> bool {
        self.kinds
            .iter()
            .any(|(_, c)| c.created > 0 || c.updated > 0)
    }

    fn bump(&mut self, kind: &'static str, outcome: Outcome) {
        let idx = match self.kinds.iter().position(|(k, _)| *k == kind) {
            Some(i) => i,
            None => {
                self.kinds.push((kind, KindCounts::default()));
                self.kinds.len() - 1
            }
        };
        let c = &mut self.kinds[idx].1;
        match outcome {
            Outcome::Created => c.created += 1,
            Outcome::Updated => c.updated += 1,
            Outcome::Unchanged => c.unchanged += 1,
            Outcome::Skipped => c.skipped += 1,
        }
    }

    fn note(&mut self, kind: &'static str, line: String) {
        self.bump(kind, Outcome::Skipped);
        self.notes.push(line);
    }

    /// The plan or result as the command prints it. Contains the reset links (which the
    /// admin needs) and no other secret.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.applied {
            "Imported"
        } else {
            "Plan (dry run, nothing written)"
        };
        let _ = writeln!(out, "{verb}:");
        let _ = writeln!(
            out,
            "  {:<22} {:>8} {:>8} {:>10} {:>8}",
            "kind", "create", "update", "unchanged", "skipped"
        );
        for (kind, c) in &self.kinds {
            let _ = writeln!(
                out,
                "  {:<22} {:>8} {:>8} {:>10} {:>8}",
                kind, c.created, c.updated, c.unchanged, c.skipped
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        if !self.reset_links.is_empty() {
            let _ = writeln!(
                out,
                "\nPassword reset links (single use, valid 24 hours; hand each to its user):"
            );
            for l in &self.reset_links {
                let _ = writeln!(out, "  {}: {}", l.user, l.url);
            }
        }
        if !self.changed() {
            let _ = writeln!(
                out,
                "\nNothing to change: the target already matches the source."
            );
        } else if !self.applied {
            let _ = writeln!(out, "\nRun again with --apply to write these changes.");
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
    Skipped,
}

// ------------------------------------------------------------------------------- source

/// Reads the source's Admin API.
struct Source {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Source {
    fn new(url: &str, token: &str) -> anyhow::Result<Self> {
        let base = url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            anyhow!("--url {base:?} is not a valid URL ({e}); use e.g. https://unleash.example.com")
        })?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            bail!(
                "--url must start with http:// or https://, not {}://",
                parsed.scheme()
            );
        }
        if token.trim().is_empty() {
            bail!(
                "--token is empty; pass an admin API token or a personal access token of an admin"
            );
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Source {
            client,
            base,
            token: token.trim().to_string(),
        })
    }

    async fn send(&self, path: &str, auth: bool) -> anyhow::Result<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        let mut req = self.client.get(&url).header("accept", "application/json");
        if auth {
            req = req.header("authorization", &self.token);
        }
        req.send().await.map_err(|e| {
            let why = if e.is_timeout() {
                "it did not answer in time".to_string()
            } else if e.is_connect() {
                "the connection failed (is the address right and the server running?)".to_string()
            } else {
                e.without_url().to_string()
            };
            anyhow!("cannot reach the source at {}: {why}", self.base)
        })
    }

    /// Checks that the source answers like Unleash before using the token.
    async fn check(&self) -> anyhow::Result<()> {
        let res = self.send("/health", false).await?;
        let status = res.status();
        let body: Option<Value> = res.json().await.ok();
        match body {
            Some(v) if status.is_success() && v.get("health").is_some() => Ok(()),
            _ => bail!(
                "{} does not look like an Unleash server: GET /health answered HTTP {} without Unleash's {{\"health\": ...}} body. Check --url (include the base path if the server has one).",
                self.base,
                status.as_u16()
            ),
        }
    }

    /// GET an Admin API path; `None` on 404 (a route this source does not have).
    async fn get_opt(&self, path: &str) -> anyhow::Result<Option<Value>> {
        let res = self.send(path, true).await?;
        let status = res.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            bail!(
                "the source refused the token (HTTP {} on GET {path}); use an admin API token or a personal access token of an Admin user",
                status.as_u16()
            );
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            bail!("the source answered HTTP {} on GET {path}", status.as_u16());
        }
        let v = res.json::<Value>().await.map_err(|_| {
            anyhow!("the source answered GET {path} with something that is not JSON; is --url an Unleash server?")
        })?;
        Ok(Some(v))
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.get_opt(path).await?.ok_or_else(|| {
            anyhow!("the source has no {path} (HTTP 404); is --url an Unleash server, with its base path?")
        })
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    let arr = if key.is_empty() {
        v.as_array()
    } else {
        v.get(key).and_then(Value::as_array)
    };
    arr.map(|a| a.iter().collect()).unwrap_or_default()
}

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn i(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// One flag as read: its search row, the full flag (`None` when the source does not show an
/// archived flag in full) and its tags as (type, value).
type SourceFlag = (Value, Option<Value>, Vec<(String, String)>);

/// Everything read from the source before anything is written.
struct Snapshot {
    environments: Vec<Value>,
    projects: Vec<Value>,
    project_envs: BTreeMap<String, Vec<String>>,
    context: Vec<Value>,
    segments: Vec<Value>,
    tag_types: Vec<Value>,
    strategies: Vec<Value>,
    features: Vec<SourceFlag>,
    users: Vec<Value>,
    root_roles: HashMap<i64, String>,
    /// project -> (source user id, role name)
    project_roles: BTreeMap<String, Vec<(i64, String)>>,
    project_roles_available: bool,
    tokens: Vec<Value>,
}

async fn read_source(src: &Source) -> anyhow::Result<Snapshot> {
    src.check().await?;
    let envs = src.get("/api/admin/environments").await?;
    let environments = list(&envs, "environments").into_iter().cloned().collect();
    let projects_v = src.get("/api/admin/projects").await?;
    let projects: Vec<Value> = list(&projects_v, "projects").into_iter().cloned().collect();
    let mut project_envs = BTreeMap::new();
    let mut project_roles = BTreeMap::new();
    let mut project_roles_available = true;
    let mut features = Vec::new();
    for p in &projects {
        let Some(id) = s(p, "id") else { continue };
        let pe = src
            .get(&format!("/api/admin/environments/project/{}", enc(&id)))
            .await?;
        let visible: Vec<String> = list(&pe, "environments")
            .into_iter()
            .filter(|e| e.get("visible").and_then(Value::as_bool).unwrap_or(true))
            .filter_map(|e| s(e, "name"))
            .collect();
        project_envs.insert(id.clone(), visible);
        if project_roles_available {
            match src
                .get_opt(&format!("/api/admin/projects/{}/access", enc(&id)))
                .await?
            {
                Some(access) => {
                    let roles: HashMap<i64, String> = list(&access, "roles")
                        .into_iter()
                        .filter_map(|r| Some((i(r, "id")?, s(r, "name")?)))
                        .collect();
                    let mut pairs = Vec::new();
                    for u in list(&access, "users") {
                        let Some(uid) = i(u, "id") else { continue };
                        let ids: Vec<i64> = match u.get("roles").and_then(Value::as_array) {
                            Some(a) => a.iter().filter_map(Value::as_i64).collect(),
                            None => i(u, "roleId").into_iter().collect(),
                        };
                        for rid in ids {
                            if let Some(name) = roles.get(&rid) {
                                pairs.push((uid, name.clone()));
                            }
                        }
                    }
                    project_roles.insert(id.clone(), pairs);
                }
                None => project_roles_available = false,
            }
        }
        // Every flag of the project, archived ones included, page by page.
        let mut seen = BTreeSet::new();
        for archived in [false, true] {
            let mut offset = 0;
            loop {
                let path = format!(
                    "/api/admin/search/features?project=IS:{}&archived=IS:{archived}&limit=100&offset={offset}",
                    enc(&id)
                );
                let page = src.get(&path).await?;
                let rows: Vec<Value> = list(&page, "features").into_iter().cloned().collect();
                let n = rows.len();
                for row in rows {
                    let Some(name) = s(&row, "name") else {
                        continue;
                    };
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    // Unleash lists each environment's variants only when asked to.
                    let full = src
                        .get_opt(&format!(
                            "/api/admin/projects/{}/features/{}?variantEnvironments=true",
                            enc(&id),
                            enc(&name)
                        ))
                        .await?;
                    let tags_v = src
                        .get_opt(&format!("/api/admin/features/{}/tags", enc(&name)))
                        .await?
                        .unwrap_or(Value::Null);
                    let tags = list(&tags_v, "tags")
                        .into_iter()
                        .filter_map(|t| Some((s(t, "type")?, s(t, "value")?)))
                        .collect();
                    let mut row = row;
                    if archived {
                        row["archived"] = json!(true);
                    }
                    features.push((row, full, tags));
                }
                offset += n;
                // Unleash caps a page at 100 whatever the limit; `total` says when to stop.
                let total = page
                    .get("total")
                    .and_then(Value::as_u64)
                    .map(|t| t as usize);
                if n == 0 || total.is_some_and(|t| offset >= t) || (total.is_none() && n < 100) {
                    break;
                }
            }
        }
    }
    let ctx = src.get("/api/admin/context").await?;
    let context = list(&ctx, "").into_iter().cloned().collect();
    let seg = src.get("/api/admin/segments").await?;
    let segments = list(&seg, "segments").into_iter().cloned().collect();
    let tt = src.get("/api/admin/tag-types").await?;
    let tag_types = list(&tt, "tagTypes").into_iter().cloned().collect();
    let st = src.get("/api/admin/strategies").await?;
    let strategies = list(&st, "strategies")
        .into_iter()
        .filter(|s| s.get("editable").and_then(Value::as_bool).unwrap_or(true))
        .cloned()
        .collect();
    let ua = src.get("/api/admin/user-admin").await?;
    let users = list(&ua, "users").into_iter().cloned().collect();
    let root_roles = list(&ua, "rootRoles")
        .into_iter()
        .filter_map(|r| Some((i(r, "id")?, s(r, "name")?)))
        .collect();
    let tk = src.get("/api/admin/api-tokens").await?;
    let tokens = list(&tk, "tokens").into_iter().cloned().collect();
    Ok(Snapshot {
        environments,
        projects,
        project_envs,
        context,
        segments,
        tag_types,
        strategies,
        features,
        users,
        root_roles,
        project_roles,
        project_roles_available,
        tokens,
    })
}

// ------------------------------------------------------------------------------- target

/// Reads the source, then creates or updates everything in this server's database (one
/// transaction, rolled back unless `opts.apply`).
pub async fn run(state: &AppState, opts: &ImportOptions) -> anyhow::Result<ImportReport> {
    let src = Source::new(&opts.url, &opts.token)?;
    let snap = read_source(&src).await?;
    let mut report = ImportReport {
        applied: opts.apply,
        ..Default::default()
    };
    let now = state.clock.now();
    let actor = Actor {
        name: "unleash-import".into(),
        user_id: None,
    };
    let mut tx = state.db.begin().await?;
    import_environments(&mut tx, &snap, &mut report, now).await?;
    import_projects(&mut tx, &snap, &mut report, now).await?;
    import_context(&mut tx, &snap, &mut report, now).await?;
    let segment_ids = import_segments(&mut tx, &snap, &mut report, now).await?;
    import_tag_types(&mut tx, &snap, &mut report, now).await?;
    import_strategies(&mut tx, &snap, &mut report, now).await?;
    import_features(&mut tx, &snap, &segment_ids, &mut report, now).await?;
    let links = import_users(&mut tx, &snap, &mut report, &actor, now).await?;
    import_tokens(
        &mut tx,
        &snap,
        &mut report,
        now,
        state.token_sealer.as_deref(),
    )
    .await?;
    if report.changed() {
        store::revision::bump(&mut tx).await?;
        let counts: serde_json::Map<String, Value> = report
            .kinds
            .iter()
            .map(|(k, c)| {
                (
                    k.to_string(),
                    json!({"created": c.created, "updated": c.updated, "unchanged": c.unchanged, "skipped": c.skipped}),
                )
            })
            .collect();
        let ev =
            NewEvent::new("unleash-imported").data(json!({"source": src.base, "counts": counts}));
        store::events::insert(&mut tx, &ev, &actor, now).await?;
    }
    if opts.apply {
        tx.commit().await?;
        report.reset_links = links
            .into_iter()
            .map(|(user, token)| ResetLink {
                user,
                url: crate::service::password_reset::reset_url(state, &token),
            })
            .collect();
    }
    // Without --apply the transaction is dropped here, which rolls it back.
    Ok(report)
}

async fn import_environments(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    const KIND: &str = "environments";
    for e in &snap.environments {
        let Some(name) = s(e, "name") else { continue };
        let wanted = Environment {
            name: name.clone(),
            env_type: s(e, "type").unwrap_or_else(|| "development".into()),
            sort_order: i(e, "sortOrder").unwrap_or(1),
            enabled: e.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            protected: b(e, "protected"),
            created_at: now,
        };
        match store::environments::get(tx, &name).await? {
            None => {
                store::environments::insert(tx, &wanted).await?;
                report.bump(KIND, Outcome::Created);
            }
            Some(have) => {
                if have.env_type == wanted.env_type
                    && have.sort_order == wanted.sort_order
                    && have.enabled == wanted.enabled
                {
                    report.bump(KIND, Outcome::Unchanged);
                } else {
                    let upd = Environment {
                        protected: have.protected,
                        created_at: have.created_at,
                        ..wanted
                    };
                    store::environments::update(tx, &upd).await?;
                    report.bump(KIND, Outcome::Updated);
                }
            }
        }
    }
    Ok(())
}

async fn import_projects(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for p in &snap.projects {
        let Some(id) = s(p, "id") else { continue };
        let name = s(p, "name").unwrap_or_else(|| id.clone());
        let description = s(p, "description").filter(|d| !d.is_empty());
        match store::projects::get(tx, &id).await? {
            None => {
                store::projects::insert(tx, &id, &name, description.as_deref(), now).await?;
                report.bump("projects", Outcome::Created);
            }
            Some(have) => {
                let have_desc = have.description.clone().filter(|d| !d.is_empty());
                if have.name == name && have_desc == description {
                    report.bump("projects", Outcome::Unchanged);
                } else {
                    store::projects::update(tx, &id, &name, description.as_deref(), now).await?;
                    report.bump("projects", Outcome::Updated);
                }
            }
        }
        // Which environments the project uses.
        let wanted: BTreeSet<String> = snap
            .project_envs
            .get(&id)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let have: BTreeSet<String> = store::projects::environments(tx, &id)
            .await?
            .into_iter()
            .collect();
        if wanted == have {
            report.bump("project environments", Outcome::Unchanged);
        } else {
            for e in wanted.difference(&have) {
                if store::environments::get(tx, e).await?.is_some() {
                    store::projects::add_environment(tx, &id, e).await?;
                }
            }
            for e in have.difference(&wanted) {
                store::projects::remove_environment(tx, &id, e).await?;
            }
            report.bump("project environments", Outcome::Updated);
        }
    }
    Ok(())
}

async fn import_context(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    const KIND: &str = "context fields";
    for c in &snap.context {
        let Some(name) = s(c, "name") else { continue };
        let legal_values: Vec<LegalValue> = list(c, "legalValues")
            .into_iter()
            .filter_map(|lv| {
                Some(LegalValue {
                    value: s(lv, "value")?,
                    description: s(lv, "description").filter(|d| !d.is_empty()),
                })
            })
            .collect();
        let wanted = ContextField {
            name: name.clone(),
            description: s(c, "description").filter(|d| !d.is_empty()),
            stickiness: b(c, "stickiness"),
            sort_order: i(c, "sortOrder").unwrap_or(10),
            legal_values,
            project: s(c, "project").filter(|p| !p.is_empty()),
            created_at: now,
        };
        match store::context::get(tx, &name).await? {
            None => {
                store::context::insert(tx, &wanted).await?;
                report.bump(KIND, Outcome::Created);
            }
            Some(have) => {
                if have.description.clone().filter(|d| !d.is_empty()) == wanted.description
                    && have.stickiness == wanted.stickiness
                    && have.sort_order == wanted.sort_order
                    && have.legal_values == wanted.legal_values
                    && have.project == wanted.project
                {
                    report.bump(KIND, Outcome::Unchanged);
                } else {
                    let upd = ContextField {
                        created_at: have.created_at,
                        ..wanted
                    };
                    store::context::update(tx, &upd).await?;
                    report.bump(KIND, Outcome::Updated);
                }
            }
        }
    }
    Ok(())
}

/// Segments are matched by name; returns source id -> target id.
async fn import_segments(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<i64, i64>> {
    const KIND: &str = "segments";
    let mut ids = HashMap::new();
    let existing = store::segments::list(tx).await?;
    for sg in &snap.segments {
        let (Some(src_id), Some(name)) = (i(sg, "id"), s(sg, "name")) else {
            continue;
        };
        let constraints: Vec<crate::domain::constraints::Constraint> =
            match serde_json::from_value(sg.get("constraints").cloned().unwrap_or(json!([]))) {
                Ok(c) => c,
                Err(e) => {
                    report.note(
                        KIND,
                        format!(
                            "segment {name:?} skipped: its constraints could not be read ({e})"
                        ),
                    );
                    continue;
                }
            };
        let data = store::segments::SegmentData {
            name: name.clone(),
            description: s(sg, "description").filter(|d| !d.is_empty()),
            project: s(sg, "project").filter(|p| !p.is_empty()),
            constraints,
        };
        match existing.iter().find(|e| e.name == name) {
            None => {
                let id = store::segments::insert(tx, &data, "unleash-import", now).await?;
                ids.insert(src_id, id);
                report.bump(KIND, Outcome::Created);
            }
            Some(have) => {
                ids.insert(src_id, have.id);
                if have.description.clone().filter(|d| !d.is_empty()) == data.description
                    && have.project == data.project
                    && have.constraints == data.constraints
                {
                    report.bump(KIND, Outcome::Unchanged);
                } else {
                    store::segments::update(tx, have.id, &data).await?;
                    report.bump(KIND, Outcome::Updated);
                }
            }
        }
    }
    Ok(ids)
}

async fn import_tag_types(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    const KIND: &str = "tag types";
    for t in &snap.tag_types {
        let Some(name) = s(t, "name") else { continue };
        let wanted = TagType {
            name: name.clone(),
            description: s(t, "description").filter(|d| !d.is_empty()),
            icon: s(t, "icon").filter(|d| !d.is_empty()),
            color: s(t, "color").filter(|d| !d.is_empty()),
            created_at: now,
        };
        match store::tag_types::get(tx, &name).await? {
            None => {
                store::tag_types::insert(tx, &wanted).await?;
                report.bump(KIND, Outcome::Created);
            }
            Some(have) => {
                if have.description.clone().filter(|d| !d.is_empty()) == wanted.description
                    && have.icon.clone().filter(|d| !d.is_empty()) == wanted.icon
                {
                    report.bump(KIND, Outcome::Unchanged);
                } else {
                    let upd = TagType {
                        created_at: have.created_at,
                        color: have.color.clone().or(wanted.color.clone()),
                        ..wanted
                    };
                    store::tag_types::update(tx, &upd).await?;
                    report.bump(KIND, Outcome::Updated);
                }
            }
        }
    }
    Ok(())
}

async fn import_strategies(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    const KIND: &str = "strategy definitions";
    for st in &snap.strategies {
        let Some(name) = s(st, "name") else { continue };
        let parameters: Vec<StrategyParameter> = list(st, "parameters")
            .into_iter()
            .filter_map(|p| {
                Some(StrategyParameter {
                    name: s(p, "name")?,
                    param_type: s(p, "type").unwrap_or_else(|| "string".into()),
                    description: s(p, "description").unwrap_or_default(),
                    required: b(p, "required"),
                })
            })
            .collect();
        let wanted = StrategyDefinition {
            name: name.clone(),
            title: s(st, "title").filter(|d| !d.is_empty()),
            display_name: s(st, "displayName").filter(|d| !d.is_empty()),
            description: s(st, "description").filter(|d| !d.is_empty()),
            parameters,
            built_in: false,
            deprecated: b(st, "deprecated"),
            sort_order: 9999,
            created_at: now,
        };
        match store::strategies::get(tx, &name).await? {
            None => {
                store::strategies::insert(tx, &wanted).await?;
                report.bump(KIND, Outcome::Created);
            }
            Some(have) if have.built_in => report.bump(KIND, Outcome::Unchanged),
            Some(have) => {
                if have.description.clone().filter(|d| !d.is_empty()) == wanted.description
                    && have.parameters == wanted.parameters
                    && have.deprecated == wanted.deprecated
                    && have.title.clone().filter(|d| !d.is_empty()) == wanted.title
                {
                    report.bump(KIND, Outcome::Unchanged);
                } else {
                    let upd = StrategyDefinition {
                        created_at: have.created_at,
                        sort_order: have.sort_order,
                        display_name: have.display_name.clone().or(wanted.display_name.clone()),
                        ..wanted
                    };
                    store::strategies::update(tx, &upd).await?;
                    if have.deprecated != upd.deprecated {
                        store::strategies::set_deprecated(tx, &name, upd.deprecated).await?;
                    }
                    report.bump(KIND, Outcome::Updated);
                }
            }
        }
    }
    Ok(())
}

fn parse_time(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    s(v, key)
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The source strategy as Switchyard stores it; `None` when a segment it uses is unknown.
fn wanted_strategy(
    st: &Value,
    feature: &str,
    project: &str,
    env: &str,
    index: usize,
    segment_ids: &HashMap<i64, i64>,
) -> Result<FeatureStrategy, String> {
    let id = s(st, "id").ok_or("a strategy without id")?;
    let mut segments = Vec::new();
    for sid in st
        .get("segments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let sid = sid
            .as_i64()
            .ok_or("a segment reference that is not a number")?;
        segments.push(
            *segment_ids
                .get(&sid)
                .ok_or_else(|| format!("segment {sid} of strategy {id} was not imported"))?,
        );
    }
    segments.sort_unstable();
    Ok(FeatureStrategy {
        id,
        feature_name: feature.to_string(),
        project: project.to_string(),
        environment: env.to_string(),
        name: s(st, "name").unwrap_or_else(|| "default".into()),
        title: s(st, "title").filter(|t| !t.is_empty()),
        parameters: st.get("parameters").cloned().unwrap_or_else(|| json!({})),
        constraints: normalise_constraints(st.get("constraints")),
        variants: st.get("variants").cloned().unwrap_or_else(|| json!([])),
        sort_order: i(st, "sortOrder").unwrap_or(index as i64),
        disabled: b(st, "disabled"),
        segments,
    })
}

/// Constraints in the shape Switchyard stores them (`values`, `inverted` and
/// `caseInsensitive` spelled out), as Unleash's SDK API serves them; left as they are when
/// they do not parse.
fn normalise_constraints(v: Option<&Value>) -> Value {
    let raw = v.cloned().unwrap_or_else(|| json!([]));
    match serde_json::from_value::<Vec<crate::domain::constraints::Constraint>>(raw.clone()) {
        Ok(list) => serde_json::to_value(list).unwrap_or(raw),
        Err(_) => raw,
    }
}

fn same_strategy(a: &FeatureStrategy, b: &FeatureStrategy) -> bool {
    let mut sa = a.segments.clone();
    let mut sb = b.segments.clone();
    sa.sort_unstable();
    sb.sort_unstable();
    a.name == b.name
        && a.title == b.title
        && a.parameters == b.parameters
        && a.constraints == b.constraints
        && a.variants == b.variants
        && a.sort_order == b.sort_order
        && a.disabled == b.disabled
        && a.environment == b.environment
        && a.project == b.project
        && sa == sb
}

async fn import_features(
    tx: &mut Tx,
    snap: &Snapshot,
    segment_ids: &HashMap<i64, i64>,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut deps: Vec<Dependency> = Vec::new();
    for (row, full, tags) in &snap.features {
        let base = full.as_ref().unwrap_or(row);
        let Some(name) = s(base, "name") else {
            continue;
        };
        let project = s(base, "project")
            .or_else(|| s(row, "project"))
            .unwrap_or_else(|| "default".into());
        let archived = b(row, "archived")
            || b(base, "archived")
            || base.get("archivedAt").is_some_and(|v| !v.is_null());
        let wanted = Feature {
            name: name.clone(),
            project: project.clone(),
            description: s(base, "description").filter(|d| !d.is_empty()),
            feature_type: s(base, "type").unwrap_or_else(|| "release".into()),
            stale: b(base, "stale"),
            impression_data: b(base, "impressionData"),
            archived_at: None,
            created_at: parse_time(base, "createdAt").unwrap_or(now),
            created_by_user_id: None,
            last_seen_at: None,
        };
        let mut changed = false;
        match store::features::get(tx, &name).await? {
            None => {
                store::features::insert(tx, &wanted).await?;
                changed = true;
                report.bump("flags", Outcome::Created);
            }
            Some(have) => {
                if have.project != project {
                    report.note(
                        "flags",
                        format!("flag {name:?} exists here in project {:?}, not {project:?}; left as it is", have.project),
                    );
                    continue;
                }
                if have.description.clone().filter(|d| !d.is_empty()) == wanted.description
                    && have.feature_type == wanted.feature_type
                    && have.stale == wanted.stale
                    && have.impression_data == wanted.impression_data
                    && have.archived_at.is_some() == archived
                {
                    report.bump("flags", Outcome::Unchanged);
                } else {
                    store::features::update(tx, &wanted).await?;
                    changed = true;
                    report.bump("flags", Outcome::Updated);
                }
            }
        }
        let have_archived = store::features::get(tx, &name)
            .await?
            .map(|f| f.archived_at.is_some())
            .unwrap_or(false);
        if archived != have_archived {
            let at = if archived {
                Some(
                    parse_time(base, "archivedAt")
                        .or_else(|| parse_time(row, "archivedAt"))
                        .unwrap_or(now),
                )
            } else {
                None
            };
            store::features::set_archived(tx, &name, at).await?;
            if !changed {
                // The flag itself counted as unchanged; its archived state did change.
                fix_last(report, "flags");
            }
        }

        // Per-environment state, variants and strategies.
        if let Some(full) = full {
            let stored = store::features::get(tx, &name)
                .await?
                .unwrap_or(wanted.clone());
            // The flag's environments are those its project uses (as in Unleash).
            let current = store::features::environments(tx, &stored).await?;
            for env in list(full, "environments") {
                let Some(env_name) = s(env, "name").or_else(|| s(env, "environment")) else {
                    continue;
                };
                if !current.iter().any(|e| e.name == env_name) {
                    report.note(
                        "flag environments",
                        format!("flag {name:?}: environment {env_name} is not used by project {project} here"),
                    );
                    continue;
                }
                let have_env = current.iter().find(|e| e.name == env_name);
                let enabled = b(env, "enabled");
                let variants = env.get("variants").cloned().unwrap_or_else(|| json!([]));
                let have_enabled = have_env.map(|e| e.enabled).unwrap_or(false);
                let have_variants = have_env
                    .map(|e| e.variants.clone())
                    .unwrap_or_else(|| json!([]));
                let known = have_env.is_some_and(|e| e.enabled || e.variants != json!([]));
                if have_enabled == enabled && have_variants == variants {
                    report.bump("flag environments", Outcome::Unchanged);
                } else {
                    store::features::set_enabled(tx, &name, &env_name, enabled).await?;
                    store::features::set_variants(tx, &name, &env_name, &variants).await?;
                    report.bump(
                        "flag environments",
                        if known {
                            Outcome::Updated
                        } else {
                            Outcome::Created
                        },
                    );
                }
                let have_strats = store::features::strategies(tx, &name, &env_name).await?;
                let mut wanted_ids = BTreeSet::new();
                for (idx, st) in list(env, "strategies").into_iter().enumerate() {
                    let ws = match wanted_strategy(st, &name, &project, &env_name, idx, segment_ids)
                    {
                        Ok(w) => w,
                        Err(why) => {
                            report
                                .note("strategies", format!("flag {name:?} in {env_name}: {why}"));
                            continue;
                        }
                    };
                    wanted_ids.insert(ws.id.clone());
                    match store::features::strategy(tx, &ws.id).await? {
                        None => {
                            store::features::insert_strategy(tx, &ws, now).await?;
                            report.bump("strategies", Outcome::Created);
                        }
                        Some(hs)
                            if same_strategy(&hs, &ws) && hs.feature_name == ws.feature_name =>
                        {
                            report.bump("strategies", Outcome::Unchanged)
                        }
                        Some(hs) if hs.feature_name != ws.feature_name => {
                            report.note(
                                "strategies",
                                format!("strategy {} of flag {name:?} already belongs to flag {:?} here", ws.id, hs.feature_name),
                            );
                        }
                        Some(_) => {
                            store::features::update_strategy(tx, &ws).await?;
                            report.bump("strategies", Outcome::Updated);
                        }
                    }
                }
                for hs in have_strats {
                    if !wanted_ids.contains(&hs.id) {
                        store::features::delete_strategy(tx, &hs.id).await?;
                        report.bump("strategies", Outcome::Updated);
                    }
                }
            }
            for d in list(full, "dependencies") {
                let Some(parent) = s(d, "feature") else {
                    continue;
                };
                deps.push(Dependency {
                    parent,
                    child: name.clone(),
                    enabled: d.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                    variants: d
                        .get("variants")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }

        // Tags.
        let wanted_tags: BTreeSet<(String, String)> = tags.iter().cloned().collect();
        let have_tags: BTreeSet<(String, String)> = store::features::tags(tx, &name)
            .await?
            .into_iter()
            .collect();
        if wanted_tags.is_empty() && have_tags.is_empty() {
            // nothing to count
        } else if wanted_tags == have_tags {
            report.bump("flag tags", Outcome::Unchanged);
        } else {
            for (t, v) in wanted_tags.difference(&have_tags) {
                if store::features::tag_type_exists(tx, t).await? {
                    store::features::add_tag(tx, &name, t, v, now).await?;
                } else {
                    report.notes.push(format!(
                        "tag {t}:{v} of flag {name:?} skipped: unknown tag type"
                    ));
                }
            }
            for (t, v) in have_tags.difference(&wanted_tags) {
                store::features::remove_tag(tx, &name, t, v).await?;
            }
            report.bump(
                "flag tags",
                if have_tags.is_empty() {
                    Outcome::Created
                } else {
                    Outcome::Updated
                },
            );
        }
    }

    // Dependencies, once every flag exists.
    let mut by_child: BTreeMap<String, Vec<Dependency>> = BTreeMap::new();
    for d in deps {
        by_child.entry(d.child.clone()).or_default().push(d);
    }
    for (child, wanted) in by_child {
        let have = store::features::dependencies(tx, &child).await?;
        let key = |d: &Dependency| {
            let mut v = d.variants.clone();
            v.sort();
            (d.parent.clone(), d.enabled, v)
        };
        let mut hk: Vec<_> = have.iter().map(key).collect();
        let mut wk: Vec<_> = wanted.iter().map(key).collect();
        hk.sort();
        wk.sort();
        if hk == wk {
            report.bump("dependencies", Outcome::Unchanged);
            continue;
        }
        store::features::delete_dependencies(tx, &child, None).await?;
        for d in &wanted {
            if store::features::get(tx, &d.parent).await?.is_none() {
                report.notes.push(format!(
                    "dependency of {child:?} on {:?} skipped: no such flag",
                    d.parent
                ));
                continue;
            }
            store::features::insert_dependency(tx, d).await?;
        }
        report.bump(
            "dependencies",
            if have.is_empty() {
                Outcome::Created
            } else {
                Outcome::Updated
            },
        );
    }
    Ok(())
}

/// Turns the last "unchanged" of a kind into "updated".
fn fix_last(report: &mut ImportReport, kind: &str) {
    if let Some((_, c)) = report.kinds.iter_mut().find(|(k, _)| *k == kind) {
        if c.unchanged > 0 {
            c.unchanged -= 1;
            c.updated += 1;
        }
    }
}

/// Users are matched by username, then email. New users get no password and a reset link;
/// returns (user label, reset token) for each.
async fn import_users(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, String)>> {
    const KIND: &str = "users";
    let mut links = Vec::new();
    let mut id_map: HashMap<i64, i64> = HashMap::new();
    let existing = store::users::list(tx).await?;
    for u in &snap.users {
        let Some(src_id) = i(u, "id") else { continue };
        if u.get("accountType").and_then(Value::as_str) == Some("Service Account")
            || b(u, "isService")
        {
            report.note(
                KIND,
                format!("service account {src_id} skipped: service accounts are not imported"),
            );
            continue;
        }
        let username = s(u, "username").filter(|x| !x.is_empty());
        let email = s(u, "email")
            .filter(|x| !x.is_empty())
            .map(|e| e.to_lowercase());
        let name = s(u, "name").filter(|x| !x.is_empty());
        let label = username
            .clone()
            .or(email.clone())
            .unwrap_or_else(|| format!("user {src_id}"));
        let role_name = i(u, "rootRole")
            .and_then(|r| snap.root_roles.get(&r).cloned())
            .or_else(|| s(u, "rootRole"))
            .unwrap_or_else(|| "Viewer".into());
        let role = match store::roles::find_by_name(tx, &role_name).await? {
            Some(r) => r,
            None => match store::roles::find_by_name(tx, "Viewer").await? {
                Some(r) => {
                    report.notes.push(format!(
                        "{label}: root role {role_name:?} does not exist here; given Viewer"
                    ));
                    r
                }
                None => bail!("the Viewer role is missing from the target database"),
            },
        };
        let found = existing.iter().find(|e| {
            (username.is_some() && e.username == username) || (email.is_some() && e.email == email)
        });
        match found {
            None => {
                let new =
                    match validate_new_user(username.clone(), email.clone(), name.clone(), role.id)
                    {
                        Ok(n) => n,
                        Err(e) => {
                            report.note(KIND, format!("{label} skipped: {e}"));
                            continue;
                        }
                    };
                let id = store::users::insert(tx, &new, None, now).await?;
                id_map.insert(src_id, id);
                let token = crate::service::password_reset::mint(tx, id, actor, now)
                    .await
                    .map_err(|e| anyhow!("cannot create a reset link for {label}: {e}"))?;
                links.push((label, token));
                report.bump(KIND, Outcome::Created);
            }
            Some(have) => {
                id_map.insert(src_id, have.id);
                let same = have.root_role_id == role.id
                    && (name.is_none() || have.name == name)
                    && (email.is_none() || have.email == email);
                if same {
                    report.bump(KIND, Outcome::Unchanged);
                } else {
                    let changes = store::users::UserChanges {
                        username: None,
                        email: email.clone().map(Some),
                        name: name.clone().map(Some),
                        root_role_id: Some(role.id),
                    };
                    store::users::update(tx, have.id, &changes).await?;
                    report.bump(KIND, Outcome::Updated);
                }
            }
        }
    }

    // Project roles.
    if !snap.project_roles_available {
        report.notes.push(
            "project roles: the source has no /api/admin/projects/<id>/access route (Unleash open source); project roles were not copied".into(),
        );
    }
    for (project, pairs) in &snap.project_roles {
        let have: BTreeSet<(i64, i64)> = store::projects::members(tx, project)
            .await?
            .into_iter()
            .map(|m| (m.user_id, m.role_id))
            .collect();
        for (src_user, role_name) in pairs {
            let Some(&uid) = id_map.get(src_user) else {
                continue;
            };
            let Some(role) = store::roles::find_by_name(tx, role_name).await? else {
                report.note(
                    "project roles",
                    format!("{project}: role {role_name:?} does not exist here"),
                );
                continue;
            };
            if have.contains(&(uid, role.id)) {
                report.bump("project roles", Outcome::Unchanged);
            } else {
                store::projects::add_member(tx, project, uid, role.id, now).await?;
                report.bump("project roles", Outcome::Created);
            }
        }
    }
    Ok(links)
}

async fn import_tokens(
    tx: &mut Tx,
    snap: &Snapshot,
    report: &mut ImportReport,
    now: DateTime<Utc>,
    sealer: Option<&crate::auth::sealing::TokenSealer>,
) -> anyhow::Result<()> {
    const KIND: &str = "API tokens";
    for t in &snap.tokens {
        let token_name = s(t, "tokenName")
            .or_else(|| s(t, "username"))
            .unwrap_or_else(|| "imported".into());
        let secret = s(t, "secret").unwrap_or_default();
        // A usable secret has the shape <project>:<environment>.<rest>; a source that keeps
        // only digests (Switchyard) answers null.
        let usable = secret
            .split_once('.')
            .is_some_and(|(prefix, rest)| prefix.contains(':') && rest.len() >= 8);
        if !usable {
            report.note(
                KIND,
                format!("token {token_name:?} skipped: the source did not reveal its secret"),
            );
            continue;
        }
        let kind = s(t, "type")
            .and_then(|k| ApiTokenKind::parse(&k))
            .unwrap_or(ApiTokenKind::Client);
        let environment = s(t, "environment").unwrap_or_else(|| {
            if kind == ApiTokenKind::Admin {
                "*".into()
            } else {
                "development".into()
            }
        });
        let mut projects: Vec<String> = t
            .get("projects")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if projects.is_empty() {
            projects = vec![s(t, "project").unwrap_or_else(|| "*".into())];
        }
        let selector = external_selector(&secret);
        if store::api_tokens::get_by_selector(tx, &selector)
            .await?
            .is_some()
        {
            report.bump(KIND, Outcome::Unchanged);
            continue;
        }
        let missing: Vec<&String> = {
            let mut m = Vec::new();
            for p in &projects {
                if p != "*" && !store::project_exists(tx, p).await? {
                    m.push(p);
                }
            }
            m
        };
        if !missing.is_empty() {
            report.note(
                KIND,
                format!("token {token_name:?} skipped: unknown projects {missing:?}"),
            );
            continue;
        }
        let ext = ExternalToken {
            secret: &secret,
            token_name: &token_name,
            kind,
            environment: &environment,
            projects: &projects,
            expires_at: parse_time(t, "expiresAt"),
            sealer,
        };
        store_external_token(tx, &ext, now).await?;
        let ev = NewEvent::new(crate::service::tokens::API_TOKEN_CREATED).data(json!({
            "tokenName": token_name, "type": kind.as_str(), "environment": environment,
            "projects": projects, "imported": true
        }));
        store::events::insert(
            tx,
            &ev,
            &Actor {
                name: "unleash-import".into(),
                user_id: None,
            },
            now,
        )
        .await?;
        report.bump(KIND, Outcome::Created);
    }
    Ok(())
}
