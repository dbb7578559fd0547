//! Segments: named, reusable lists of constraints that strategies can refer to.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::constraints::Constraint;
use super::users::iso;

pub const SEGMENT_CREATED: &str = "segment-created";
pub const SEGMENT_UPDATED: &str = "segment-updated";
pub const SEGMENT_DELETED: &str = "segment-deleted";

/// At most this many constraint values across a segment's constraints (Unleash's default).
pub const SEGMENT_VALUES_LIMIT: usize = 1000;
/// At most this many segments per strategy (Unleash's default `strategySegmentsLimit`).
pub const STRATEGY_SEGMENTS_LIMIT: usize = 5;

#[derive(Debug, Clone)]
pub struct Segment {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub project: Option<String>,
    pub constraints: Vec<Constraint>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Segment {
    /// Unleash's `adminSegmentSchema`, without usage counts.
    pub fn to_admin_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "constraints": self.constraints,
            "project": self.project,
            "createdBy": self.created_by,
            "createdAt": iso(self.created_at),
        })
    }

    /// The shape SDKs receive (`clientSegmentSchema`).
    pub fn to_client_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "constraints": self.constraints})
    }
}

/// A feature strategy that uses a segment (`segmentStrategiesSchema` item).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentUsage {
    pub id: String,
    pub feature_name: String,
    pub project_id: String,
    pub environment: String,
    pub strategy_name: String,
}

/// Counts the values across constraints, for the per-segment limit.
pub fn values_count(constraints: &[Constraint]) -> usize {
    constraints.iter().map(|c| c.values.len()).sum()
}
