//! Answers about the audit log: events and who wrote them.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::events::Event;
use crate::domain::users::iso;

/// One audit event (Unleash's `eventSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventSchema {
    pub created_at: String,
    /// Who made the change: an email, a username or a token's name.
    pub created_by: String,
    /// The id of the user who made the change, when a user did.
    pub created_by_user_id: Option<i64>,
    /// The thing after the change, as the event type records it (any JSON).
    pub data: Option<Value>,
    pub environment: Option<String>,
    pub feature_name: Option<String>,
    pub id: i64,
    /// The thing before the change (any JSON).
    pub pre_data: Option<Value>,
    pub project: Option<String>,
    /// Tags of the flag concerned, as `{type, value}`.
    #[schema(value_type = Vec<Object>)]
    pub tags: Value,
    /// The event type, e.g. `feature-created`.
    #[serde(rename = "type")]
    pub event_type: String,
}

impl From<&Event> for EventSchema {
    fn from(e: &Event) -> EventSchema {
        EventSchema {
            created_at: iso(e.created_at),
            created_by: e.created_by.clone(),
            created_by_user_id: e.created_by_user_id,
            data: e.data.clone(),
            environment: e.environment.clone(),
            feature_name: e.feature_name.clone(),
            id: e.id,
            pre_data: e.pre_data.clone(),
            project: e.project.clone(),
            tags: e.tags.clone(),
            event_type: e.event_type.clone(),
        }
    }
}

/// `GET /api/admin/events`: the newest events.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    pub events: Vec<EventSchema>,
    /// How many events match, over all pages.
    pub total_events: i64,
    /// Always 1.
    pub version: i64,
}

/// `GET /api/admin/events/{featureName}`: the events of one flag.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagEventList {
    pub events: Vec<EventSchema>,
    /// The flag's name.
    pub toggle_name: String,
    pub total_events: i64,
    /// Always 1.
    pub version: i64,
}

/// `GET /api/admin/search/events`: one page of the events that match.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventSearchResult {
    pub events: Vec<EventSchema>,
    /// How many events match, over all pages.
    pub total: i64,
}

/// A user who wrote events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventCreator {
    pub id: i64,
    pub name: String,
}
