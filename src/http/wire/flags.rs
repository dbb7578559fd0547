//! Answers about feature flags: flags, their environments, strategies and variants, and
//! the configuration they use (environments, segments, context fields, tags, strategies).
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.
//!
//! The flag read, the project's flag list and the rows of flag lists and searches are
//! serialized by the service layer, so their structs live in `service::shapes` and are
//! re-exported here. Constraints, strategy parameters and variants are kept by the domain as
//! the validated JSON they were written as; the structs carry that JSON unchanged and
//! describe its shape to the document with [`Constraint`], [`Variant`] and
//! [`StrategyVariant`].

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::features::Feature;
use crate::domain::users::iso;
pub use crate::service::shapes::{
    Constraint, FlagCollaborators, FlagCreatedBy, FlagDependency, FlagDetail, FlagEnvironment,
    FlagEnvironmentSummary, FlagLink, FlagListItem, FlagStrategy, FlagSummary, LegalValue,
    ProjectFlagList, StrategyVariant, Tag, Variant, VariantOverride, VariantPayload,
};

/// A flag in short: what creating, changing or copying one answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagSchema {
    pub archived: bool,
    pub created_at: String,
    pub description: Option<String>,
    /// Whether SDKs emit impression events for it.
    pub impression_data: bool,
    pub name: String,
    pub project: String,
    pub stale: bool,
    /// The flag type, e.g. `release`.
    #[serde(rename = "type")]
    pub flag_type: String,
}

impl From<&Feature> for FlagSchema {
    fn from(f: &Feature) -> FlagSchema {
        FlagSchema {
            archived: f.archived_at.is_some(),
            created_at: iso(f.created_at),
            description: f.description.clone(),
            impression_data: f.impression_data,
            name: f.name.clone(),
            project: f.project.clone(),
            stale: f.stale,
            flag_type: f.feature_type.clone(),
        }
    }
}

/// `GET /api/admin/search/features`: one page of the flags that match.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagSearchResult {
    pub features: Vec<FlagSummary>,
    /// How many flags match, over all pages.
    pub total: usize,
}

/// The older flag listings: `{version: 2, features}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagList {
    pub features: Vec<FlagListItem>,
    /// Always 2.
    pub version: i64,
}

/// `GET /api/admin/projects/{projectId}/features/{featureName}/environments/{environment}`:
/// a flag in one environment (Unleash's `featureEnvironmentSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagEnvironmentDetail {
    pub enabled: bool,
    /// The environment's name.
    pub environment: String,
    pub feature_name: String,
    pub last_seen_at: Option<String>,
    /// The environment's name.
    pub name: String,
    /// Always 0.
    pub no: i64,
    pub sort_order: i64,
    pub strategies: Vec<FlagStrategy>,
    #[serde(rename = "type")]
    pub env_type: String,
    #[schema(value_type = Vec<Variant>)]
    pub variants: Value,
    /// Always 0.
    pub yes: i64,
}

/// A flag type (Unleash's `featureTypeSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagType {
    pub description: &'static str,
    /// e.g. `release`.
    pub id: &'static str,
    /// Days after which a flag of this type is potentially stale; null: never.
    pub lifetime_days: Option<i64>,
    pub name: &'static str,
}

impl From<crate::service::feature_types::FeatureType> for FlagType {
    fn from(t: crate::service::feature_types::FeatureType) -> FlagType {
        FlagType {
            description: t.description,
            id: t.id,
            lifetime_days: t.lifetime_days,
            name: t.name,
        }
    }
}

/// `GET /api/admin/feature-types`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagTypeList {
    pub types: Vec<FlagType>,
    /// Always 1.
    pub version: i64,
}

/// A flag's tags: `{version, tags}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    pub tags: Vec<Tag>,
    /// Always 1.
    pub version: i64,
}

/// A flag's variants, in one environment or (the older routes) its first: `{version, variants}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantList {
    #[schema(value_type = Vec<Variant>)]
    pub variants: Value,
    /// Always 1.
    pub version: i64,
}

/// An environment (Unleash's `environmentSchema`), with the counts some listings add.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSchema {
    /// Whether the environment is on; flags in an environment that is off are not served.
    pub enabled: bool,
    /// Only in the list of every environment: flags enabled in it, over all projects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_toggle_count: Option<i64>,
    pub name: String,
    /// Only in the list of every environment: projects that use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_count: Option<i64>,
    /// Only in a project's list: the project's flags enabled in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_enabled_toggle_count: Option<i64>,
    /// A protected environment cannot be changed or deleted.
    pub protected: bool,
    pub sort_order: i64,
    /// e.g. `development`, `production`.
    #[serde(rename = "type")]
    pub env_type: String,
    /// Only in a project's list: whether the project uses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible: Option<bool>,
}

impl From<&crate::domain::environments::Environment> for EnvironmentSchema {
    fn from(e: &crate::domain::environments::Environment) -> EnvironmentSchema {
        EnvironmentSchema {
            enabled: e.enabled,
            enabled_toggle_count: None,
            name: e.name.clone(),
            project_count: None,
            project_enabled_toggle_count: None,
            protected: e.protected,
            sort_order: e.sort_order,
            env_type: e.env_type.clone(),
            visible: None,
        }
    }
}

/// A list of environments: `{version, environments}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnvironmentList {
    pub environments: Vec<EnvironmentSchema>,
    /// Always 1.
    pub version: i64,
}

/// A segment (Unleash's `adminSegmentSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentSchema {
    pub constraints: Vec<Constraint>,
    pub created_at: String,
    /// Who created it.
    pub created_by: Option<String>,
    pub description: Option<String>,
    pub id: i64,
    pub name: String,
    /// The project it belongs to; null for a segment every project may use.
    pub project: Option<String>,
    /// Only where usage is counted: flags whose strategies use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_in_features: Option<i64>,
    /// Only where usage is counted: projects whose strategies use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_in_projects: Option<i64>,
}

impl From<&crate::domain::segments::Segment> for SegmentSchema {
    fn from(s: &crate::domain::segments::Segment) -> SegmentSchema {
        SegmentSchema {
            constraints: s.constraints.iter().map(Constraint::from).collect(),
            created_at: iso(s.created_at),
            created_by: s.created_by.clone(),
            description: s.description.clone(),
            id: s.id,
            name: s.name.clone(),
            project: s.project.clone(),
            used_in_features: None,
            used_in_projects: None,
        }
    }
}

/// A list of segments: `{segments}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentList {
    pub segments: Vec<SegmentSchema>,
}

/// A strategy on a flag that uses a segment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentStrategy {
    pub environment: String,
    pub feature_name: String,
    /// The strategy's id.
    pub id: String,
    pub project_id: String,
    /// The strategy type.
    pub strategy_name: String,
}

impl From<crate::domain::segments::SegmentUsage> for SegmentStrategy {
    fn from(u: crate::domain::segments::SegmentUsage) -> SegmentStrategy {
        SegmentStrategy {
            environment: u.environment,
            feature_name: u.feature_name,
            id: u.id,
            project_id: u.project_id,
            strategy_name: u.strategy_name,
        }
    }
}

/// `GET /api/admin/segments/{id}/strategies`: the strategies that use a segment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentStrategies {
    /// Always empty: change requests are not supported.
    pub change_request_strategies: Vec<SegmentStrategy>,
    pub strategies: Vec<SegmentStrategy>,
}

/// A parameter a strategy type takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyParameter {
    pub description: String,
    pub name: String,
    pub required: bool,
    /// `string`, `percentage`, `list`, `number` or `boolean`.
    #[serde(rename = "type")]
    pub param_type: String,
}

/// A strategy type flags may use (Unleash's `strategySchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrategyDefinition {
    /// A deprecated strategy is kept for the flags that use it but offered no more.
    pub deprecated: bool,
    pub description: Option<String>,
    pub display_name: Option<String>,
    /// False for the built-in strategies.
    pub editable: bool,
    pub name: String,
    pub parameters: Vec<StrategyParameter>,
    /// Only when the strategy has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl From<&crate::domain::strategies::StrategyDefinition> for StrategyDefinition {
    fn from(d: &crate::domain::strategies::StrategyDefinition) -> StrategyDefinition {
        StrategyDefinition {
            deprecated: d.deprecated,
            description: d.description.clone(),
            display_name: d.display_name.clone(),
            editable: !d.built_in,
            name: d.name.clone(),
            parameters: d
                .parameters
                .iter()
                .map(|p| StrategyParameter {
                    description: p.description.clone(),
                    name: p.name.clone(),
                    required: p.required,
                    param_type: p.param_type.clone(),
                })
                .collect(),
            title: d.title.clone(),
        }
    }
}

/// `GET /api/admin/strategies`: every strategy type.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyDefinitionList {
    pub strategies: Vec<StrategyDefinition>,
    /// Always 1.
    pub version: i64,
}

/// A context field (Unleash's `contextFieldSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextFieldSchema {
    pub created_at: String,
    pub description: Option<String>,
    /// The values constraints on the field may use; empty: any.
    pub legal_values: Vec<LegalValue>,
    pub name: String,
    /// Only for a field of one project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub sort_order: i64,
    /// Whether the field may be used for stickiness.
    pub stickiness: bool,
    /// Flags whose constraints use the field.
    pub used_in_features: i64,
    /// Projects whose constraints use the field.
    pub used_in_projects: i64,
}

impl ContextFieldSchema {
    pub fn new(
        f: &crate::domain::context::ContextField,
        usage: crate::domain::context::Usage,
    ) -> ContextFieldSchema {
        ContextFieldSchema {
            created_at: iso(f.created_at),
            description: f.description.clone(),
            legal_values: f
                .legal_values
                .iter()
                .map(|l| LegalValue {
                    description: l.description.clone(),
                    value: l.value.clone(),
                })
                .collect(),
            name: f.name.clone(),
            project: f.project.clone(),
            sort_order: f.sort_order,
            stickiness: f.stickiness,
            used_in_features: usage.features,
            used_in_projects: usage.projects,
        }
    }
}

/// `GET /api/admin/context/{contextField}/strategies`: the strategies whose constraints use
/// a context field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContextFieldStrategies {
    pub strategies: Vec<SegmentStrategy>,
}

/// A tag type (Unleash's `tagTypeSchema`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TagTypeSchema {
    pub color: Option<String>,
    /// Empty when none was given.
    pub description: String,
    pub icon: Option<String>,
    pub name: String,
}

impl From<&crate::domain::tag_types::TagType> for TagTypeSchema {
    fn from(t: &crate::domain::tag_types::TagType) -> TagTypeSchema {
        TagTypeSchema {
            color: t.color.clone(),
            description: t.description.clone().unwrap_or_default(),
            icon: t.icon.clone(),
            name: t.name.clone(),
        }
    }
}

/// `GET /api/admin/tag-types`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagTypeList {
    pub tag_types: Vec<TagTypeSchema>,
    /// Always 1.
    pub version: i64,
}

/// `GET /api/admin/tag-types/{name}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagTypeOne {
    pub tag_type: TagTypeSchema,
    /// Always 1.
    pub version: i64,
}

/// `POST /api/admin/tag-types/validate`: the tag type as it would be created.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagTypeValidation {
    pub tag_type: TagTypeSchema,
    /// Always true (an invalid tag type is answered with an error).
    pub valid: bool,
}

/// A tag in use, with its type's colour (Unleash's `tagSchema`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TagWithColor {
    /// The tag type's colour.
    pub color: Option<String>,
    #[serde(rename = "type")]
    pub tag_type: String,
    pub value: String,
}

impl From<&crate::domain::tag_types::Tag> for TagWithColor {
    fn from(t: &crate::domain::tag_types::Tag) -> TagWithColor {
        TagWithColor {
            color: t.color.clone(),
            tag_type: t.tag_type.clone(),
            value: t.value.clone(),
        }
    }
}

/// A list of tags in use: `{version, tags}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagWithColorList {
    pub tags: Vec<TagWithColor>,
    /// Always 1.
    pub version: i64,
}

/// One tag: `{version, tag}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagOne {
    pub tag: TagWithColor,
    /// Always 1.
    pub version: i64,
}

/// `POST /api/admin/projects/{projectId}/archive/validate`: what archiving some flags
/// would do to dependencies.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveValidation {
    /// Whether any of the flags depends on another or is depended on.
    pub has_deleted_dependencies: bool,
    /// Parents among the flags whose children would stay active.
    pub parents_with_child_features: Vec<String>,
}

/// One finding of an import check (Unleash's `importTogglesValidateItemSchema`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportFinding {
    pub message: String,
    /// The flags, strategies, context fields, ... it concerns.
    pub affected_items: Vec<String>,
}

/// `POST /api/admin/features-batch/validate`: what importing a document would meet. Unlike
/// the other answers here, its fields are in this (Unleash's) order, as it always was.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportValidation {
    /// What stops the import.
    pub errors: Vec<ImportFinding>,
    /// What the import would change that the caller may not expect.
    pub warnings: Vec<ImportFinding>,
    /// Permissions the caller lacks for the import.
    pub permissions: Vec<ImportFinding>,
}

impl From<crate::service::export_import::Validation> for ImportValidation {
    fn from(v: crate::service::export_import::Validation) -> ImportValidation {
        let list = |items: Vec<crate::service::export_import::ValidationItem>| {
            items
                .into_iter()
                .map(|i| ImportFinding {
                    message: i.message,
                    affected_items: i.affected_items,
                })
                .collect()
        };
        ImportValidation {
            errors: list(v.errors),
            warnings: list(v.warnings),
            permissions: list(v.permissions),
        }
    }
}

/// An answer with nothing to say: `{}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmptyObject {}
