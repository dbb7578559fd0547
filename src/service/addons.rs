//! Addons: configuration (list, read, create, update, delete) and delivery of events to
//! webhooks, off the request path.
//!
//! Delivery works with any number of nodes on one database. Each addon keeps a cursor: every
//! event at or below it has been considered. A node reads the events after the lowest
//! cursor, and for each event an addon wants it inserts a row keyed by (addon, event); only
//! the node whose insert wins sends that event, so each event reaches each addon once. The
//! cursor only moves past events older than [`SETTLE`], so an event whose transaction
//! committed after a later one's is still seen (such events are re-read until then, and the
//! keyed row keeps them from being sent twice).

use std::sync::OnceLock;
use std::time::Duration;

use chrono::TimeDelta;
use serde_json::Value;

use crate::auth::Authorized;
use crate::domain::addons::{
    self as rules, Addon, WebhookRequest, ADDON_CONFIG_CREATED, ADDON_CONFIG_DELETED,
    ADDON_CONFIG_UPDATED,
};
use crate::domain::events::{Event, NewEvent};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;

/// How long a webhook may take to answer.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Events younger than this may still be joined by events with lower ids (transactions
/// commit in any order), so cursors do not move past them yet.
pub const SETTLE: TimeDelta = TimeDelta::seconds(60);

/// Events read per query while delivering.
const BATCH: u64 = 500;
/// Most batches one delivery round reads; the next round goes on from there.
const MAX_BATCHES: usize = 20;

fn not_found(id: i64) -> AppError {
    AppError::not_found(format!("Could not find addon with id {id}."))
}

pub async fn list(state: &AppState) -> AppResult<Vec<Addon>> {
    let mut db = state.db.clone();
    Ok(store::addons::list(&mut db).await?)
}

pub async fn get(state: &AppState, id: i64) -> AppResult<Addon> {
    let mut db = state.db.clone();
    store::addons::get(&mut db, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Creates an addon; it receives events recorded from now on.
pub async fn create(state: &AppState, auth: &Authorized, body: &Value) -> AppResult<Addon> {
    let spec = rules::validate(body, None)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let cursor = store::events::max_id(&mut tx).await?;
    let id = store::addons::insert(&mut tx, &spec, now, cursor).await?;
    let addon = store::addons::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(ADDON_CONFIG_CREATED).data(addon.event_data()),
        auth.actor(),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(addon = id, provider = %addon.provider, "addon created");
    Ok(addon)
}

/// Replaces an addon's configuration. Masked parameters (`*****`) keep their stored values.
/// An addon switched back on receives events recorded from then on, not those it missed.
pub async fn update(
    state: &AppState,
    auth: &Authorized,
    id: i64,
    body: &Value,
) -> AppResult<Addon> {
    let mut tx = state.db.begin().await?;
    let before = store::addons::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let spec = rules::validate(body, Some(&before))?;
    let restart = if spec.enabled && !before.enabled {
        Some(store::events::max_id(&mut tx).await?)
    } else {
        None
    };
    store::addons::update(&mut tx, id, &spec, restart).await?;
    let after = store::addons::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(ADDON_CONFIG_UPDATED)
            .pre_data(before.event_data())
            .data(after.event_data()),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(state: &AppState, auth: &Authorized, id: i64) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let before = store::addons::get(&mut tx, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    store::addons::delete(&mut tx, id).await?;
    store::events::insert(
        &mut tx,
        &NewEvent::new(ADDON_CONFIG_DELETED).pre_data(before.event_data()),
        auth.actor(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An addon's deliveries, newest first, each with its event when that still exists.
pub async fn deliveries(
    state: &AppState,
    id: i64,
    limit: u64,
    offset: u64,
) -> AppResult<Vec<(store::addons::Delivery, Option<Event>)>> {
    let mut db = state.db.clone();
    if store::addons::get(&mut db, id).await?.is_none() {
        return Err(not_found(id));
    }
    let list = store::addons::deliveries(&mut db, id, limit, offset).await?;
    let events = store::events::by_ids(&mut db, list.iter().map(|d| d.event_id).collect()).await?;
    Ok(list
        .into_iter()
        .map(|d| {
            let ev = events.iter().find(|e| e.id == d.event_id).cloned();
            (d, ev)
        })
        .collect())
}

/// What one delivery round did on this node.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub sent: usize,
    pub failed: usize,
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .connect_timeout(DELIVERY_TIMEOUT)
            // A redirect could carry the request, and its Authorization, elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("switchyard/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default()
    })
}

/// Why a request failed, without its URL (which may hold a secret).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("No answer within {} s.", DELIVERY_TIMEOUT.as_secs())
    } else if e.is_connect() {
        "Could not connect to the webhook URL.".into()
    } else if e.is_builder() {
        "The request could not be built from the addon's parameters.".into()
    } else {
        "The request failed before an answer arrived.".into()
    }
}

/// Sends one request, retrying once (as Unleash does) when no answer or a 5xx came back.
async fn send(req: &WebhookRequest) -> (bool, String) {
    let mut outcome = (false, String::new());
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut rb = client().post(&req.url).body(req.body.clone());
        for (k, v) in &req.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        match rb.send().await {
            Ok(res) => {
                let status = res.status();
                outcome = (
                    status.is_success(),
                    format!("Status code: {}", status.as_u16()),
                );
                if !status.is_server_error() {
                    break;
                }
            }
            Err(e) => outcome = (false, describe(&e)),
        }
    }
    outcome
}

async fn deliver_one(state: AppState, addon_id: i64, event_id: i64, req: WebhookRequest) -> bool {
    let (ok, details) = send(&req).await;
    if ok {
        tracing::debug!(addon = addon_id, event = event_id, %details, "webhook delivered");
    } else {
        tracing::warn!(addon = addon_id, event = event_id, %details, "webhook delivery failed");
    }
    let mut db = state.db.clone();
    let state_name = if ok { "success" } else { "failed" };
    if let Err(e) = store::addons::finish(&mut db, addon_id, event_id, state_name, &details).await {
        tracing::warn!(addon = addon_id, event = event_id, error = %e, "could not record a webhook delivery");
    }
    ok
}

/// Delivers the events recorded since the last round to the addons that want them, and
/// waits for the requests to finish (each bounded by [`DELIVERY_TIMEOUT`], all in parallel,
/// so a slow webhook does not hold up others). Safe to run on several nodes at once.
pub async fn deliver_pending(state: &AppState) -> AppResult<DeliveryRound> {
    let mut db = state.db.clone();
    let addons = store::addons::list_enabled(&mut db).await?;
    let Some(lowest) = addons.iter().map(|(_, c)| *c).min() else {
        return Ok(DeliveryRound::default());
    };
    let now = state.clock.now();
    let settled_before = now - SETTLE;
    // Per addon: the cursor it may move to, and whether every event so far was settled.
    let mut cursors: Vec<(i64, bool)> = addons.iter().map(|(_, c)| (*c, true)).collect();
    let mut jobs = tokio::task::JoinSet::new();
    let mut from = lowest;
    for _ in 0..MAX_BATCHES {
        let events = store::events::after(&mut db, from, BATCH).await?;
        for ev in &events {
            let mut json = None;
            for ((addon, start), (cursor, settled)) in addons.iter().zip(cursors.iter_mut()) {
                if ev.id <= *start {
                    continue;
                }
                if *settled && ev.created_at < settled_before {
                    *cursor = ev.id;
                } else {
                    *settled = false;
                }
                if !addon.wants(
                    &ev.event_type,
                    ev.project.as_deref(),
                    ev.environment.as_deref(),
                ) {
                    continue;
                }
                match store::addons::claim(&mut db, addon.id, ev.id, now).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    // Deleted meanwhile, say: the other addons go on.
                    Err(e) => {
                        tracing::warn!(addon = addon.id, event = ev.id, error = %e, "could not claim a webhook delivery");
                        continue;
                    }
                }
                let body = json.get_or_insert_with(|| ev.to_json());
                match rules::webhook_request(&addon.parameters, body) {
                    Ok(req) => {
                        jobs.spawn(deliver_one(state.clone(), addon.id, ev.id, req));
                    }
                    Err(why) => {
                        tracing::warn!(addon = addon.id, event = ev.id, %why, "webhook not sent");
                        store::addons::finish(&mut db, addon.id, ev.id, "failed", &why).await?;
                    }
                }
            }
        }
        match events.last() {
            Some(last) if events.len() as u64 == BATCH => from = last.id,
            _ => break,
        }
    }
    for ((addon, start), (cursor, _)) in addons.iter().zip(&cursors) {
        if cursor > start {
            store::addons::advance_cursor(&mut db, addon.id, *cursor).await?;
        }
    }
    let mut round = DeliveryRound::default();
    while let Some(done) = jobs.join_next().await {
        match done {
            Ok(true) => round.sent += 1,
            _ => round.failed += 1,
        }
    }
    Ok(round)
}

/// Runs delivery rounds and expiry checks until the task is stopped.
pub async fn run_worker(state: AppState) {
    let mut deliveries = tokio::time::interval(Duration::from_secs(2));
    let mut expiry = tokio::time::interval(Duration::from_secs(600));
    deliveries.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = deliveries.tick() => {
                if let Err(e) = deliver_pending(&state).await {
                    tracing::warn!(error = %e, "could not deliver events to addons");
                }
            }
            _ = expiry.tick() => {
                if let Err(e) = super::token_expiry::emit_notices(&state).await {
                    tracing::warn!(error = %e, "could not check tokens for expiry notices");
                }
            }
        }
    }
}
