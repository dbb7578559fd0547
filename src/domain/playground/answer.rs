//! The playground's answer, as the evaluation builds it and the document describes it.
//!
//! Fields are in alphabetical order, the order the answer has always been sent in. The
//! variants a flag or strategy carries are kept as the JSON they were written as, described
//! to the document as [`Variant`] and [`StrategyVariant`].

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::shapes::{StrategyVariant, Variant, VariantPayload};

/// Whether something holds: true or false, or `unknown` when a strategy the server cannot
/// evaluate (a custom one) decides it.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Outcome {
    Known(bool),
    /// `unknown`.
    Unknown(String),
}

impl Outcome {
    pub fn unknown() -> Outcome {
        Outcome::Unknown("unknown".to_string())
    }
}

/// A constraint with whether it holds for the context.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaygroundConstraint {
    pub case_insensitive: bool,
    pub context_name: String,
    pub inverted: bool,
    pub operator: String,
    pub result: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub values: Vec<String>,
}

/// A segment a strategy uses, with whether all its constraints hold.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundSegment {
    pub constraints: Vec<PlaygroundConstraint>,
    pub id: i64,
    /// Empty for a segment that no longer exists.
    pub name: String,
    pub result: bool,
}

/// The variant a strategy picks.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundStrategyVariant {
    pub enabled: bool,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<VariantPayload>,
}

/// What one strategy decides on its own.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaygroundStrategyResult {
    pub enabled: Outcome,
    /// `complete`, `incomplete` (a custom strategy) or `unevaluated` (a disabled one).
    pub evaluation_status: String,
    /// Only when `complete`: the strategy variant picked, or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PlaygroundStrategyVariant>)]
    pub variant: Option<Option<PlaygroundStrategyVariant>>,
    /// Only when `complete`: the strategy's variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<StrategyVariant>>)]
    pub variants: Option<Vec<Value>>,
}

/// Where to change a strategy in the admin UI.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundLinks {
    pub edit: String,
}

/// One strategy of a flag, evaluated.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundStrategy {
    pub constraints: Vec<PlaygroundConstraint>,
    pub disabled: bool,
    pub id: String,
    pub links: PlaygroundLinks,
    /// The strategy type.
    pub name: String,
    pub parameters: BTreeMap<String, String>,
    pub result: PlaygroundStrategyResult,
    pub segments: Vec<PlaygroundSegment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A flag's strategies, evaluated, and what they decide together.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundStrategies {
    pub data: Vec<PlaygroundStrategy>,
    pub result: Outcome,
}

/// The variant the flag gives the context.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundVariant {
    pub enabled: bool,
    /// Only in the simple playground.
    #[serde(rename = "featureEnabled", skip_serializing_if = "Option::is_none")]
    pub feature_enabled_camel: Option<bool>,
    pub feature_enabled: bool,
    /// The variant's name, or `disabled`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<VariantPayload>,
}

/// One flag evaluated in one environment for one context.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaygroundFeature {
    /// Only in the advanced playground: the context this row was evaluated for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<Map<String, Value>>,
    /// Only in the advanced playground.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Only in the simple playground: whether a parent flag it depends on is not satisfied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_unsatisfied_dependency: Option<bool>,
    /// Whether the flag is on for the context.
    pub is_enabled: bool,
    /// Whether the flag is on in the environment at all.
    pub is_enabled_in_current_environment: bool,
    pub name: String,
    pub project_id: String,
    pub strategies: PlaygroundStrategies,
    pub variant: PlaygroundVariant,
    /// The flag's variants in the environment.
    #[schema(value_type = Vec<Variant>)]
    pub variants: Vec<Value>,
}

/// The projects asked for: `*` or a list.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum PlaygroundProjects {
    /// `*`: every project.
    All(String),
    Only(Vec<String>),
}

/// The request, as understood.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundInput {
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
    /// The simple playground's environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The advanced playground's environments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    pub projects: PlaygroundProjects,
}

/// `POST /api/admin/playground`: every flag of the projects evaluated for one context.
#[derive(Serialize, ToSchema)]
pub struct PlaygroundResponse {
    pub features: Vec<PlaygroundFeature>,
    pub input: PlaygroundInput,
}

/// One flag in the advanced playground: per environment, one row per context.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedPlaygroundFeature {
    pub environments: BTreeMap<String, Vec<PlaygroundFeature>>,
    pub name: String,
    pub project_id: String,
}

/// Context fields that could not be used.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaygroundWarnings {
    pub invalid_context_properties: Vec<String>,
}

/// `POST /api/admin/playground/advanced`.
#[derive(Serialize, ToSchema)]
pub struct AdvancedPlaygroundResponse {
    pub features: Vec<AdvancedPlaygroundFeature>,
    pub input: PlaygroundInput,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<PlaygroundWarnings>,
}
