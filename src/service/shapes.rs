//! The shapes of the answers the service layer serializes itself: the project list, a
//! project, a project's flag list, a flag in full, the rows of flag searches and listings,
//! and the export document.
//!
//! The cached views of [`views`](super::views), the searches and the export serialize these
//! structs, and `http::wire` re-exports them, so the OpenAPI document describes exactly the
//! bytes sent.
//!
//! Fields are declared in alphabetical order, the order these answers have always had (they
//! were first built as JSON maps, which sort their keys), so the bytes stay the same.
//! Constraints, strategy parameters and variants are kept by the domain as the validated
//! JSON they were written as; the structs carry that JSON unchanged and describe its shape
//! to the document with [`Constraint`], [`Variant`] and [`StrategyVariant`].

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::features::{Dependency, Feature, FeatureEnvironment, FeatureStrategy};
use crate::domain::projects::{Owner, Project};
pub use crate::domain::shapes::{
    Constraint, StrategyVariant, Variant, VariantOverride, VariantPayload,
};
use crate::domain::users::{iso, User};
use crate::store::links::LinkRow;

/// An activation strategy on a flag in one environment (Unleash's `featureStrategySchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagStrategy {
    /// Constraints that must all hold for the strategy to apply.
    #[schema(value_type = Vec<Constraint>)]
    pub constraints: Value,
    /// A disabled strategy is kept but not evaluated.
    pub disabled: bool,
    pub feature_name: String,
    /// The strategy's id (a UUID).
    pub id: String,
    /// The strategy type, e.g. `flexibleRollout` or `default`.
    pub name: String,
    /// The strategy's parameters, all strings.
    #[schema(value_type = BTreeMap<String, String>)]
    pub parameters: Value,
    /// Ids of the segments the strategy uses.
    pub segments: Vec<i64>,
    /// The strategy's place in the environment's list, from 0.
    pub sort_order: i64,
    pub title: Option<String>,
    #[schema(value_type = Vec<StrategyVariant>)]
    pub variants: Value,
}

impl From<&FeatureStrategy> for FlagStrategy {
    fn from(s: &FeatureStrategy) -> FlagStrategy {
        FlagStrategy {
            constraints: s.constraints.clone(),
            disabled: s.disabled,
            feature_name: s.feature_name.clone(),
            id: s.id.clone(),
            name: s.name.clone(),
            parameters: s.parameters.clone(),
            segments: s.segments.clone(),
            sort_order: s.sort_order,
            title: s.title.clone(),
            variants: s.variants.clone(),
        }
    }
}

/// The user who created a flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagCreatedBy {
    pub id: i64,
    /// The user's avatar; empty for the admin-token user and deleted users.
    pub image_url: String,
    pub name: String,
}

impl FlagCreatedBy {
    /// The creator `id`, found as `user` or not: Unleash's admin-token user, or a user
    /// deleted since.
    pub fn new(id: i64, user: Option<&User>) -> FlagCreatedBy {
        let (name, image_url) = match user {
            Some(u) => (u.display_name(), u.image_url()),
            None if id == crate::auth::principal::ADMIN_TOKEN_USER_ID => {
                ("Unleash Admin Token User".into(), String::new())
            }
            None => ("Deleted user".into(), String::new()),
        };
        FlagCreatedBy {
            id,
            image_url,
            name,
        }
    }
}

/// A flag's environment in flag lists and searches.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagEnvironmentSummary {
    pub enabled: bool,
    /// The environment's name.
    pub environment: String,
    pub feature_name: String,
    /// Whether any strategy is enabled.
    pub has_enabled_strategies: bool,
    pub has_strategies: bool,
    pub last_seen_at: Option<String>,
    /// The environment's name.
    pub name: String,
    /// Always 0.
    pub no: i64,
    pub sort_order: i64,
    /// The environment's type.
    #[serde(rename = "type")]
    pub env_type: String,
    pub variant_count: i64,
    /// Always 0.
    pub yes: i64,
}

impl FlagEnvironmentSummary {
    pub fn new(e: &FeatureEnvironment, feature_name: &str) -> FlagEnvironmentSummary {
        FlagEnvironmentSummary {
            enabled: e.enabled,
            environment: e.name.clone(),
            feature_name: feature_name.to_string(),
            has_enabled_strategies: e.strategies.iter().any(|s| !s.disabled),
            has_strategies: !e.strategies.is_empty(),
            last_seen_at: e.last_seen_at.map(iso),
            name: e.name.clone(),
            no: 0,
            sort_order: e.sort_order,
            env_type: e.env_type.clone(),
            variant_count: e.variants.as_array().map_or(0, Vec::len) as i64,
            yes: 0,
        }
    }

    /// The summaries of a flag's environments.
    pub fn list(envs: &[FeatureEnvironment], feature_name: &str) -> Vec<FlagEnvironmentSummary> {
        envs.iter()
            .map(|e| FlagEnvironmentSummary::new(e, feature_name))
            .collect()
    }
}

/// A tag on a flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    /// The tag type's name.
    #[serde(rename = "type")]
    pub tag_type: String,
    pub value: String,
}

impl Tag {
    pub fn list(tags: &[(String, String)]) -> Vec<Tag> {
        tags.iter()
            .map(|(t, v)| Tag {
                tag_type: t.clone(),
                value: v.clone(),
            })
            .collect()
    }
}

/// A flag as a project's flag list and the search show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagSummary {
    pub archived_at: Option<String>,
    pub created_at: String,
    pub created_by: Option<FlagCreatedBy>,
    /// `parent`, `child`, or null when the flag has no dependency either way.
    pub dependency_type: Option<String>,
    pub description: Option<String>,
    pub environments: Vec<FlagEnvironmentSummary>,
    /// Whether the signed-in user marked the flag as a favourite.
    pub favorite: bool,
    pub impression_data: bool,
    pub last_seen_at: Option<String>,
    pub name: String,
    pub project: String,
    /// Names of the segments its strategies use.
    pub segments: Vec<String>,
    pub stale: bool,
    pub tags: Vec<Tag>,
    #[serde(rename = "type")]
    pub flag_type: String,
}

/// `GET /api/admin/projects/{projectId}/features`: a project's flags.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectFlagList {
    pub features: Vec<FlagSummary>,
    /// Always 1.
    pub version: i64,
}

/// A flag as the older listings (`/api/admin/features`, the archive) show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagListItem {
    pub archived: bool,
    pub archived_at: Option<String>,
    pub created_at: String,
    pub description: Option<String>,
    pub environments: Vec<FlagEnvironmentSummary>,
    pub impression_data: bool,
    pub last_seen_at: Option<String>,
    pub name: String,
    pub project: String,
    pub stale: bool,
    #[serde(rename = "type")]
    pub flag_type: String,
}

impl FlagListItem {
    pub fn new(f: &Feature, envs: &[FeatureEnvironment]) -> FlagListItem {
        FlagListItem {
            archived: f.archived_at.is_some(),
            archived_at: f.archived_at.map(iso),
            created_at: iso(f.created_at),
            description: f.description.clone(),
            environments: FlagEnvironmentSummary::list(envs, &f.name),
            impression_data: f.impression_data,
            last_seen_at: f.last_seen_at.map(iso),
            name: f.name.clone(),
            project: f.project.clone(),
            stale: f.stale,
            flag_type: f.feature_type.clone(),
        }
    }
}

/// A flag's environment as the flag read shows it, with its strategies and variants.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagEnvironment {
    pub enabled: bool,
    pub last_seen_at: Option<String>,
    /// The environment's name.
    pub name: String,
    /// Always 0.
    pub no: i64,
    pub sort_order: i64,
    pub strategies: Vec<FlagStrategy>,
    /// The environment's type.
    #[serde(rename = "type")]
    pub env_type: String,
    #[schema(value_type = Vec<Variant>)]
    pub variants: Value,
    /// Always 0.
    pub yes: i64,
}

impl From<&FeatureEnvironment> for FlagEnvironment {
    fn from(e: &FeatureEnvironment) -> FlagEnvironment {
        FlagEnvironment {
            enabled: e.enabled,
            last_seen_at: e.last_seen_at.map(iso),
            name: e.name.clone(),
            no: 0,
            sort_order: e.sort_order,
            strategies: e.strategies.iter().map(FlagStrategy::from).collect(),
            env_type: e.env_type.clone(),
            variants: e.variants.clone(),
            yes: 0,
        }
    }
}

/// A parent flag this flag depends on (Unleash's `dependentFeatureSchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagDependency {
    /// Whether the parent must be enabled (true) or disabled (false).
    pub enabled: bool,
    /// The parent flag's name.
    pub feature: String,
    /// Variants of the parent, one of which must be chosen; absent when any will do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<String>>,
}

impl From<&Dependency> for FlagDependency {
    fn from(d: &Dependency) -> FlagDependency {
        FlagDependency {
            enabled: d.enabled,
            feature: d.parent.clone(),
            variants: Some(d.variants.clone()).filter(|v| !v.is_empty()),
        }
    }
}

/// A link on a flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagLink {
    /// The flag's name.
    pub feature: String,
    pub id: String,
    pub title: Option<String>,
    pub url: String,
}

impl From<&LinkRow> for FlagLink {
    fn from(l: &LinkRow) -> FlagLink {
        FlagLink {
            feature: l.feature_name.clone(),
            id: l.id.clone(),
            title: l.title.clone(),
            url: l.url.clone(),
        }
    }
}

/// The users who worked on a flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlagCollaborators {
    pub users: Vec<FlagCreatedBy>,
}

/// `GET /api/admin/projects/{projectId}/features/{featureName}`: a flag in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagDetail {
    pub archived: bool,
    pub archived_at: Option<String>,
    /// Flags that depend on this one.
    pub children: Vec<String>,
    pub collaborators: FlagCollaborators,
    pub created_at: String,
    pub created_by: Option<FlagCreatedBy>,
    /// The flags this one depends on.
    pub dependencies: Vec<FlagDependency>,
    pub description: Option<String>,
    pub environments: Vec<FlagEnvironment>,
    /// Whether the signed-in user marked the flag as a favourite.
    pub favorite: bool,
    pub impression_data: bool,
    pub last_seen_at: Option<String>,
    pub links: Vec<FlagLink>,
    pub name: String,
    pub project: String,
    pub stale: bool,
    #[serde(rename = "type")]
    pub flag_type: String,
}

/// Where a project stands in Unleash's onboarding: `onboarding-started` until it holds a
/// flag, then `onboarded`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnboardingStatus {
    /// `onboarding-started` or `onboarded`.
    pub status: &'static str,
}

/// An owner of a project: a user holding the Owner role there, or `system` when nobody does.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProjectOwner {
    User(UserOwner),
    System(SystemOwner),
}

/// A user who owns a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOwner {
    /// The owner's email, when they have one.
    pub email: Option<String>,
    /// The owner's avatar.
    pub image_url: Option<String>,
    /// The owner's display name.
    pub name: String,
    /// Always `user`.
    pub owner_type: &'static str,
}

/// The owner of a project nobody holds the Owner role in. It has no other field, which
/// tells it from a user owner in the document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemOwner {
    /// Always `system`.
    pub owner_type: &'static str,
}

impl ProjectOwner {
    /// A project's owners: its users with the Owner role, or `system` when there are none.
    pub fn list(owners: &[Owner]) -> Vec<ProjectOwner> {
        if owners.is_empty() {
            return vec![ProjectOwner::System(SystemOwner {
                owner_type: "system",
            })];
        }
        owners
            .iter()
            .map(|o| {
                ProjectOwner::User(UserOwner {
                    email: o.email.clone(),
                    image_url: o.image_url.clone(),
                    name: o.name.clone(),
                    owner_type: "user",
                })
            })
            .collect()
    }
}

impl OnboardingStatus {
    fn of(p: &Project) -> OnboardingStatus {
        OnboardingStatus {
            status: if p.feature_count > 0 {
                "onboarded"
            } else {
                "onboarding-started"
            },
        }
    }
}

/// A project as the project list shows it (Unleash's `projectSchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSchema {
    /// Always null: archived projects are not kept.
    pub archived_at: Option<String>,
    /// When the project was created.
    pub created_at: String,
    pub description: Option<String>,
    /// Only in the answer to a create: the environments the new project uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// Whether the signed-in user marked the project as a favourite.
    pub favorite: bool,
    /// Flags in the project that are not archived.
    pub feature_count: i64,
    /// Always 100.
    pub health: i64,
    pub id: String,
    /// Always null.
    pub last_reported_flag_usage: Option<String>,
    /// When the project was last changed, if ever.
    pub last_updated_at: Option<String>,
    /// Users holding a role in the project.
    pub member_count: i64,
    /// Always `open`.
    pub mode: &'static str,
    pub name: String,
    pub onboarding_status: OnboardingStatus,
    /// The project's owners: its users with the Owner role, or `system`.
    pub owners: Vec<ProjectOwner>,
    /// Always 0.
    pub technical_debt: i64,
}

impl ProjectSchema {
    pub fn new(p: &Project, owners: &[Owner]) -> ProjectSchema {
        ProjectSchema {
            archived_at: None,
            created_at: iso(p.created_at),
            description: p.description.clone(),
            environments: None,
            favorite: false,
            feature_count: p.feature_count,
            health: 100,
            id: p.id.clone(),
            last_reported_flag_usage: None,
            last_updated_at: p.updated_at.map(iso),
            member_count: p.member_count,
            mode: "open",
            name: p.name.clone(),
            onboarding_status: OnboardingStatus::of(p),
            owners: ProjectOwner::list(owners),
            technical_debt: 0,
        }
    }
}

/// `GET /api/admin/projects`: the projects the caller sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<ProjectSchema>,
    /// Always 1.
    pub version: i64,
}

/// An environment a project uses, as a project read lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectEnvironment {
    /// Always false: change requests are not supported.
    pub change_requests_enabled: bool,
    /// The environment's name.
    pub environment: String,
}

/// `GET /api/admin/projects/{projectId}`: a project with its environments and flags.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectDetail {
    /// Always null.
    pub archived_at: Option<String>,
    pub created_at: String,
    pub description: Option<String>,
    /// The environments the project uses, in their sort order.
    pub environments: Vec<ProjectEnvironment>,
    /// Whether the signed-in user marked the project as a favourite.
    pub favorite: bool,
    pub feature_count: i64,
    /// The project's flags that are not archived.
    pub features: Vec<FlagSummary>,
    /// Always 100.
    pub health: i64,
    pub id: String,
    /// Always null.
    pub last_reported_flag_usage: Option<String>,
    pub last_updated_at: Option<String>,
    pub member_count: i64,
    /// The same as `memberCount`.
    pub members: i64,
    /// Always `open`.
    pub mode: &'static str,
    pub name: String,
    pub onboarding_status: OnboardingStatus,
    pub owners: Vec<ProjectOwner>,
    /// Always 0.
    pub technical_debt: i64,
    /// The same as `lastUpdatedAt`.
    pub updated_at: Option<String>,
    /// Always 1.
    pub version: i64,
}

impl ProjectDetail {
    pub fn new(
        p: &Project,
        owners: &[Owner],
        environments: &[String],
        features: Vec<FlagSummary>,
    ) -> ProjectDetail {
        ProjectDetail {
            archived_at: None,
            created_at: iso(p.created_at),
            description: p.description.clone(),
            environments: environments
                .iter()
                .map(|e| ProjectEnvironment {
                    change_requests_enabled: false,
                    environment: e.clone(),
                })
                .collect(),
            favorite: false,
            feature_count: p.feature_count,
            features,
            health: 100,
            id: p.id.clone(),
            last_reported_flag_usage: None,
            last_updated_at: p.updated_at.map(iso),
            member_count: p.member_count,
            members: p.member_count,
            mode: "open",
            name: p.name.clone(),
            onboarding_status: OnboardingStatus::of(p),
            owners: ProjectOwner::list(owners),
            technical_debt: 0,
            updated_at: p.updated_at.map(iso),
            version: 1,
        }
    }
}

/// An item a user may mark as a favourite: a flag, by its name, or a project, by its id.
pub trait Favourite {
    /// The name or id favourites are kept by.
    fn favourite_key(&self) -> &str;
    fn set_favorite(&mut self, is: bool);
}

impl Favourite for FlagSummary {
    fn favourite_key(&self) -> &str {
        &self.name
    }
    fn set_favorite(&mut self, is: bool) {
        self.favorite = is;
    }
}

impl Favourite for FlagDetail {
    fn favourite_key(&self) -> &str {
        &self.name
    }
    fn set_favorite(&mut self, is: bool) {
        self.favorite = is;
    }
}

impl Favourite for ProjectSchema {
    fn favourite_key(&self) -> &str {
        &self.id
    }
    fn set_favorite(&mut self, is: bool) {
        self.favorite = is;
    }
}

/// Sets `favorite` on each item, true for those whose key is one of `favourites`.
pub fn mark_favourites<T: Favourite>(
    items: &mut [T],
    favourites: &std::collections::HashSet<String>,
) {
    for item in items {
        let is = favourites.contains(item.favourite_key());
        item.set_favorite(is);
    }
}

// ---------------------------------------------------------------- the export document

/// A legal value of a context field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalValue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub value: String,
}

impl From<&crate::domain::context::LegalValue> for LegalValue {
    fn from(l: &crate::domain::context::LegalValue) -> LegalValue {
        LegalValue {
            description: l.description.clone(),
            value: l.value.clone(),
        }
    }
}

/// A flag in the export.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportStrategy {
    #[schema(value_type = Vec<Constraint>)]
    pub constraints: Value,
    pub disabled: bool,
    pub feature_name: String,
    pub id: String,
    pub name: String,
    #[schema(value_type = BTreeMap<String, String>)]
    pub parameters: Value,
    pub segments: Vec<i64>,
    pub title: Option<String>,
    #[schema(value_type = Vec<StrategyVariant>)]
    pub variants: Value,
}

/// An exported flag's state in the exported environment.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportFlagEnvironment {
    pub enabled: bool,
    pub environment: String,
    pub feature_name: String,
    /// The flag's name again.
    pub name: String,
    #[schema(value_type = Vec<Variant>)]
    pub variants: Value,
}

/// A context field the exported strategies or variants use.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportTag {
    pub feature_name: String,
    pub tag_type: String,
    pub tag_value: String,
}

/// A segment the exported strategies use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportSegment {
    pub id: i64,
    pub name: String,
}

/// A tag type the exported tags use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportTagType {
    pub color: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub name: String,
}

/// A parent an exported flag depends on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportParent {
    pub enabled: bool,
    pub feature: String,
    pub variants: Vec<String>,
}

/// The parents of one exported flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportDependencies {
    pub dependencies: Vec<ExportParent>,
    /// The dependent flag.
    pub feature: String,
}

/// A link of an exported flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportLink {
    pub title: Option<String>,
    pub url: String,
}

/// The links of one exported flag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportLinks {
    pub feature: String,
    pub links: Vec<ExportLink>,
}

/// Flags of one environment in Unleash's export format (`exportResultSchema`).
#[derive(Debug, Clone, Serialize, ToSchema)]
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
