//! The export document (`POST /api/admin/features-batch/export`), described for the
//! document.
//!
//! `service::export_import` builds the export as JSON, as it is also recorded in the audit
//! event and read back by imports; the structs here describe it to the document and are
//! never built.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::flags::{Constraint, LegalValue, StrategyVariant, Variant};

/// A flag in the export.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportFlag {
    pub archived: bool,
    pub description: Option<String>,
    pub impression_data: bool,
    pub name: String,
    pub project: String,
    pub stale: bool,
    #[serde(rename = "type")]
    pub flag_type: String,
}

/// A strategy of an exported flag in the exported environment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportStrategy {
    pub constraints: Vec<Constraint>,
    pub disabled: bool,
    pub feature_name: String,
    pub id: String,
    pub name: String,
    pub parameters: BTreeMap<String, String>,
    pub segments: Vec<i64>,
    pub title: Option<String>,
    pub variants: Vec<StrategyVariant>,
}

/// An exported flag's state in the exported environment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportFlagEnvironment {
    pub enabled: bool,
    pub environment: String,
    pub feature_name: String,
    /// The flag's name again.
    pub name: String,
    pub variants: Vec<Variant>,
}

/// A context field the exported strategies or variants use.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportContextField {
    pub description: Option<String>,
    pub legal_values: Vec<LegalValue>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub sort_order: i64,
    pub stickiness: bool,
}

/// A tag on an exported flag.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportTag {
    pub feature_name: String,
    pub tag_type: String,
    pub tag_value: String,
}

/// A segment the exported strategies use.
#[derive(Serialize, ToSchema)]
pub struct ExportSegment {
    pub id: i64,
    pub name: String,
}

/// A tag type the exported tags use.
#[derive(Serialize, ToSchema)]
pub struct ExportTagType {
    pub color: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub name: String,
}

/// A parent an exported flag depends on.
#[derive(Serialize, ToSchema)]
pub struct ExportParent {
    pub enabled: bool,
    pub feature: String,
    pub variants: Vec<String>,
}

/// The parents of one exported flag.
#[derive(Serialize, ToSchema)]
pub struct ExportDependencies {
    pub dependencies: Vec<ExportParent>,
    /// The dependent flag.
    pub feature: String,
}

/// A link of an exported flag.
#[derive(Serialize, ToSchema)]
pub struct ExportLink {
    pub title: Option<String>,
    pub url: String,
}

/// The links of one exported flag.
#[derive(Serialize, ToSchema)]
pub struct ExportLinks {
    pub feature: String,
    pub links: Vec<ExportLink>,
}

/// Flags of one environment in Unleash's export format (`exportResultSchema`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDocument {
    pub context_fields: Vec<ExportContextField>,
    pub dependencies: Vec<ExportDependencies>,
    pub feature_environments: Vec<ExportFlagEnvironment>,
    pub feature_strategies: Vec<ExportStrategy>,
    pub feature_tags: Vec<ExportTag>,
    pub features: Vec<ExportFlag>,
    pub links: Vec<ExportLinks>,
    pub segments: Vec<ExportSegment>,
    pub tag_types: Vec<ExportTagType>,
}
