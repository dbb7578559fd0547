//! The audit log: who did what, with Unleash's event type names.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::users::iso;

pub const USER_CREATED: &str = "user-created";
pub const USER_UPDATED: &str = "user-updated";
pub const USER_DELETED: &str = "user-deleted";
pub const USER_PASSWORD_CHANGED: &str = "user-password-changed";
pub const ROLE_CHANGED: &str = "user-role-changed";

/// Who performed an action, as recorded in events.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Shown as `createdBy`: a user's name, or an API token's name.
    pub name: String,
    /// Shown as `createdByUserId`: the user, or Unleash's admin-token user (-42).
    pub user_id: Option<i64>,
}

impl Actor {
    /// The system itself, for start-up seeding.
    pub fn system() -> Self {
        Actor {
            name: "unleash_system_user".into(),
            user_id: Some(-1337),
        }
    }
}

/// An event about to be written.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub event_type: &'static str,
    pub data: Option<Value>,
    pub pre_data: Option<Value>,
    pub feature_name: Option<String>,
    pub project: Option<String>,
    pub environment: Option<String>,
}

impl NewEvent {
    pub fn new(event_type: &'static str) -> Self {
        NewEvent {
            event_type,
            ..Default::default()
        }
    }
    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
    pub fn pre_data(mut self, pre: Value) -> Self {
        self.pre_data = Some(pre);
        self
    }
    pub fn feature(mut self, name: impl Into<String>) -> Self {
        self.feature_name = Some(name.into());
        self
    }
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }
    pub fn environment(mut self, env: impl Into<String>) -> Self {
        self.environment = Some(env.into());
        self
    }
}

/// A stored event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub created_by_user_id: Option<i64>,
    pub data: Option<Value>,
    pub pre_data: Option<Value>,
    pub tags: Value,
    pub feature_name: Option<String>,
    pub project: Option<String>,
    pub environment: Option<String>,
}

impl Event {
    /// Unleash's `eventSchema`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.event_type,
            "createdAt": iso(self.created_at),
            "createdBy": self.created_by,
            "createdByUserId": self.created_by_user_id,
            "data": self.data,
            "preData": self.pre_data,
            "tags": self.tags,
            "featureName": self.feature_name,
            "project": self.project,
            "environment": self.environment,
        })
    }
}

/// Filters for event listings; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub event_type: Option<String>,
    pub feature_name: Option<String>,
    pub project: Option<String>,
    /// Only events of these projects (a project-scoped token's view); `None` for all.
    pub projects: Option<Vec<String>>,
    pub environment: Option<String>,
    pub created_by: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub offset: u64,
    pub limit: u64,
}
