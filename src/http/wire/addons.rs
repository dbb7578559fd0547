//! Answers about addons (integrations): their configuration and what they delivered.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::events::EventSchema;
use crate::domain::addons::Addon;
use crate::domain::users::iso;

/// An addon (Unleash's `addonSchema`); sensitive parameters are masked.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddonSchema {
    pub created_at: String,
    pub description: Option<String>,
    pub enabled: bool,
    /// Environments whose events it receives; empty: all.
    pub environments: Vec<String>,
    /// The event types it receives.
    pub events: Vec<String>,
    pub id: i64,
    /// The provider's parameters; the URL and headers are shown masked.
    #[schema(value_type = Object)]
    pub parameters: Map<String, Value>,
    /// Projects whose events it receives; empty: all.
    pub projects: Vec<String>,
    /// Always `webhook`.
    pub provider: String,
}

impl From<&Addon> for AddonSchema {
    fn from(a: &Addon) -> AddonSchema {
        AddonSchema {
            created_at: iso(a.created_at),
            description: a.description.clone(),
            enabled: a.enabled,
            environments: a.environments.clone(),
            events: a.events.clone(),
            id: a.id,
            parameters: a.masked_parameters(),
            projects: a.projects.clone(),
            provider: a.provider.clone(),
        }
    }
}

/// `GET /api/admin/addons`: every addon and the providers on offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddonList {
    pub addons: Vec<AddonSchema>,
    /// The providers (Unleash's `addonTypeSchema`): only `webhook`, with its parameters and
    /// the event types it may receive.
    #[schema(value_type = Vec<Object>)]
    pub providers: Vec<Value>,
}

/// The event a delivery carried: the event itself, or only its id once it is gone.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum DeliveredEvent {
    Event(Box<EventSchema>),
    Gone(GoneEvent),
}

/// An event that is no longer stored: only its id. It has no other field, which tells it
/// from a whole event in the document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoneEvent {
    /// The event's id.
    pub id: i64,
}

/// One delivery of an addon (Unleash's `integrationEventSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationEvent {
    pub created_at: String,
    /// Always empty.
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
    pub event: DeliveredEvent,
    /// The delivery's id, as a string.
    pub id: String,
    /// The addon's id.
    pub integration_id: i64,
    /// `success`, `failed` or `successWithErrors`.
    pub state: String,
    /// What happened, e.g. the HTTP status answered.
    pub state_details: String,
}

/// `GET /api/admin/addons/{id}/events`: what an addon delivered, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationEventList {
    pub integration_events: Vec<IntegrationEvent>,
}
