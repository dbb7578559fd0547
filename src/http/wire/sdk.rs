//! Answers of the client (backend SDK), frontend and Edge APIs, described for the document.
//!
//! The client API's bodies are made from `unleash-types` structs (the flag list from bytes
//! rendered once per snapshot), which carry no schema; the `Client*` structs here describe
//! those bodies to the OpenAPI document and are never built. The frontend API's body is
//! built from [`FrontendToggles`] itself.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::flags::{VariantOverride, VariantPayload};

/// A constraint as SDKs receive it: `caseInsensitive` and `inverted` only when true.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientConstraint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_insensitive: Option<bool>,
    pub context_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inverted: Option<bool>,
    pub operator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A strategy variant as SDKs receive it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientStrategyVariant {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<VariantPayload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stickiness: Option<String>,
    pub weight: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_type: Option<String>,
}

/// An activation strategy as SDKs receive it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientStrategy {
    /// Absent when segments are sent on their own and the strategy has none inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Vec<ClientConstraint>>,
    /// The strategy type, e.g. `flexibleRollout`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, String>>,
    /// Ids of the segments the strategy uses, when segments are sent on their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<i32>>,
    /// Only in the delta API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i32>,
    pub variants: Vec<ClientStrategyVariant>,
}

/// A flag variant as SDKs receive it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientVariant {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<VariantOverride>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<VariantPayload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stickiness: Option<String>,
    pub weight: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_type: Option<String>,
}

/// A parent flag a flag depends on, as SDKs receive it.
#[derive(Serialize, ToSchema)]
pub struct ClientDependency {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    pub feature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<String>>,
}

/// A flag in one environment as SDKs receive it (Unleash's `clientFeatureSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientFeature {
    /// Only in the delta API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<ClientDependency>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the flag is on in the token's environment.
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impression_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategies: Option<Vec<ClientStrategy>>,
    /// The flag type, e.g. `release`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub flag_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<ClientVariant>>,
}

/// A segment as SDKs receive it, when segments are sent on their own.
#[derive(Serialize, ToSchema)]
pub struct ClientSegment {
    pub constraints: Vec<ClientConstraint>,
    pub id: i32,
}

/// What the flag list was selected by.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Whether segments' constraints are copied into the strategies that use them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_segment_constraints: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<String>>,
    /// `[type, value]` pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Vec<String>>>,
}

/// The revision the flag list was built from.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientMeta {
    /// The ETag of the answer.
    pub etag: Option<String>,
    /// A hash of the query.
    pub query_hash: Option<String>,
    /// The stored revision.
    pub revision_id: Option<u64>,
}

/// `GET /api/client/features`: every flag of the token's projects in its environment.
#[derive(Serialize, ToSchema)]
pub struct ClientFeatures {
    pub features: Vec<ClientFeature>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<ClientMeta>,
    pub query: Option<ClientQuery>,
    /// Only for SDKs that take segments on their own (client spec 4.2.0 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<ClientSegment>>,
    /// Always 2.
    pub version: u32,
}

/// One event of the delta API. The server answers with one `hydration` event holding the
/// whole state; the other kinds carry one change.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientDeltaEvent {
    /// The revision the event brings the SDK to.
    pub event_id: u32,
    /// `feature-updated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<ClientFeature>,
    /// `feature-removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_name: Option<String>,
    /// `hydration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<ClientFeature>>,
    /// `feature-removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// `segment-updated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<ClientSegment>,
    /// `segment-removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<i32>,
    /// `hydration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<ClientSegment>>,
    /// `hydration`, `feature-updated`, `feature-removed`, `segment-updated` or
    /// `segment-removed`.
    #[serde(rename = "type")]
    pub event_type: String,
}

/// `GET /api/client/delta`: the changes since the revision the SDK has.
#[derive(Serialize, ToSchema)]
pub struct ClientDelta {
    pub events: Vec<ClientDeltaEvent>,
}

/// The variant a frontend SDK gets for an enabled flag.
#[derive(Serialize, ToSchema)]
pub struct FrontendVariant {
    /// Whether a variant (other than `disabled`) was chosen.
    pub enabled: bool,
    /// Whether the flag is on (always true here).
    #[serde(rename = "featureEnabled")]
    pub feature_enabled_camel: bool,
    /// The same as `featureEnabled`, as older SDKs read it.
    pub feature_enabled: bool,
    /// The variant's name, or `disabled`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<VariantPayload>)]
    pub payload: Option<unleash_types::client_features::Payload>,
}

/// One enabled flag of a frontend API answer. Fields are in alphabetical order, as a JSON
/// map would write them, so the body (and its ETag) does not depend on how it was built.
#[derive(Serialize, ToSchema)]
pub struct FrontendToggle<'a> {
    /// Always true: only enabled flags are listed.
    pub enabled: bool,
    #[serde(rename = "impressionData")]
    pub impression_data: bool,
    pub name: &'a str,
    pub variant: FrontendVariant,
}

/// The frontend API's answer: the flags enabled for the context given.
#[derive(Serialize, ToSchema)]
pub struct FrontendToggles<'a> {
    pub toggles: Vec<FrontendToggle<'a>>,
}
