//! The state SDKs evaluate for one environment, as the store reads it: every live flag
//! with its strategies, variants, dependencies and the segments they use. Plain data; the
//! store converts its rows into it, and [`super::client`] and [`super::playground`] build
//! on it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// A live flag with its state in the environment (`enabled` and `variants` are `None` when
/// the flag has no row for the environment).
#[derive(Debug, Clone)]
pub struct StoredFeature {
    pub name: String,
    pub project: String,
    pub description: Option<String>,
    pub feature_type: String,
    pub stale: bool,
    pub impression_data: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub enabled: Option<bool>,
    pub variants: Option<String>,
}

/// A strategy of a flag in the environment; `parameters`, `constraints` and `variants` are
/// the stored JSON texts.
#[derive(Debug, Clone)]
pub struct StoredStrategy {
    pub id: String,
    pub feature_name: String,
    pub strategy_name: String,
    pub title: Option<String>,
    pub parameters: String,
    pub constraints: String,
    pub variants: String,
    pub sort_order: i64,
    pub disabled: bool,
}

/// A segment's constraints, as stored JSON text.
#[derive(Debug, Clone)]
pub struct StoredSegment {
    pub id: i64,
    pub constraints: String,
}

/// A child flag's dependency on a parent.
#[derive(Debug, Clone)]
pub struct StoredDependency {
    pub parent: String,
    pub child: String,
    pub enabled: bool,
    pub variants: String,
}

/// Everything SDKs see for one environment, as stored.
#[derive(Debug, Default)]
pub struct EnvironmentState {
    pub features: Vec<StoredFeature>,
    pub strategies: Vec<StoredStrategy>,
    pub strategy_segments: HashMap<String, Vec<i64>>,
    pub segments: Vec<StoredSegment>,
    pub dependencies: Vec<StoredDependency>,
    /// Each flag's tags as `(type, value)`, for the client API's `?tag=` filter.
    pub tags: HashMap<String, Vec<(String, String)>>,
}
