//! The wire forms of the pieces of JSON the domain keeps as written: constraints, variants
//! and their payloads.
//!
//! The answers that show them (a flag, a project's flags, the export, the playground) are
//! built from these, and the OpenAPI document describes them with the same structs. Fields
//! are in alphabetical order, the order these pieces have always been sent in.

use serde::Serialize;
use utoipa::ToSchema;

/// A constraint on the context (Unleash's `constraintSchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Constraint {
    /// Whether string comparisons ignore case.
    pub case_insensitive: bool,
    /// The context field the constraint reads.
    pub context_name: String,
    /// Whether the outcome is negated.
    pub inverted: bool,
    /// The operator, e.g. `IN`, `NUM_GT`, `SEMVER_EQ`, `DATE_AFTER`.
    pub operator: String,
    /// The single value of single-value operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The values of list operators (empty for single-value operators).
    pub values: Vec<String>,
}

impl From<&super::constraints::Constraint> for Constraint {
    fn from(c: &super::constraints::Constraint) -> Constraint {
        Constraint {
            case_insensitive: c.case_insensitive,
            context_name: c.context_name.clone(),
            inverted: c.inverted,
            operator: c.operator.clone(),
            value: c.value.clone(),
            values: c.values.clone(),
        }
    }
}

/// A variant's payload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VariantPayload {
    /// `string`, `json`, `csv` or `number`.
    #[serde(rename = "type")]
    pub payload_type: String,
    /// The payload, as text.
    pub value: String,
}

/// Values of one context field that select a variant.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantOverride {
    pub context_name: String,
    pub values: Vec<String>,
}

/// A flag variant in one environment (Unleash's `variantSchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    pub name: String,
    /// Context values that select this variant whatever the weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<VariantOverride>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<VariantPayload>,
    /// The context field whose value picks the variant (`default`: user, session or random).
    pub stickiness: String,
    /// The share of 1000 this variant gets.
    pub weight: i64,
    /// `variable` (shares the rest) or `fix`.
    pub weight_type: String,
}

/// A variant of a strategy (Unleash's `strategyVariantSchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategyVariant {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<VariantPayload>,
    pub stickiness: String,
    /// The share of 1000 this variant gets.
    pub weight: i64,
    /// `variable` (shares the rest) or `fix`.
    pub weight_type: String,
}
