//! One environment's flags evaluated for a context, with the reason for each result.
//!
//! The overall answer comes from the engine loaded with what an SDK receives; each strategy,
//! constraint and segment is then decided on its own by smaller engine questions.

use std::collections::HashMap;

use serde_json::{Map, Value};
use unleash_types::client_features::{
    ClientFeature, ClientFeatures, Constraint as SdkConstraint, Context, Payload,
    Segment as SdkSegment, Strategy,
};
use unleash_yggdrasil::state::EnrichedContext;
use unleash_yggdrasil::{
    EngineState, ExtendedVariantDef, ResolvedToggle, UpdateMessage, KNOWN_STRATEGIES,
};

use super::answer::{
    Outcome, PlaygroundConstraint, PlaygroundFeature, PlaygroundLinks, PlaygroundSegment,
    PlaygroundStrategies, PlaygroundStrategy, PlaygroundStrategyResult, PlaygroundStrategyVariant,
    PlaygroundVariant,
};
use super::Projects;
use crate::domain::client::{build, parse_parameters, select, Selection};
use crate::domain::client_state::{EnvironmentState, StoredFeature, StoredStrategy};
use crate::domain::constraints::Constraint;
use crate::domain::shapes::VariantPayload;

/// A segment as the playground shows it.
#[derive(Debug, Clone)]
pub struct NamedSegment {
    pub id: i64,
    pub name: String,
    pub constraints: Vec<Constraint>,
}

fn parse_values(text: &str) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(text).unwrap_or_default()
}

/// Stored constraints, each read on its own; one that does not read as a constraint (never
/// written by this server, which checks every constraint) is left out.
fn parse_constraints(text: &str) -> Vec<Constraint> {
    parse_values(text)
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

fn sdk_constraint(c: &Constraint) -> Option<SdkConstraint> {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

fn payload(p: &Option<Payload>) -> Option<VariantPayload> {
    p.as_ref().map(|p| VariantPayload {
        payload_type: p.payload_type.clone(),
        value: p.value.clone(),
    })
}

/// Whether all of `constraints` hold for the context, as the engine decides it.
pub(super) fn constraints_hold(flag: &str, constraints: Vec<SdkConstraint>, ctx: &Context) -> bool {
    let probe = ClientFeature {
        name: flag.to_string(),
        enabled: true,
        strategies: Some(vec![Strategy {
            name: "default".into(),
            sort_order: None,
            segments: None,
            constraints: Some(constraints),
            parameters: Some(HashMap::new()),
            variants: None,
        }]),
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let compiled = unleash_yggdrasil::compile(&probe, &HashMap::new(), &mut warnings);
    (compiled.compiled_strategy)(&EnrichedContext::from(ctx, flag, None))
}

/// Each constraint with whether it holds on its own.
fn shown_constraints(
    flag: &str,
    constraints: &[Constraint],
    ctx: &Context,
) -> Vec<PlaygroundConstraint> {
    constraints
        .iter()
        .map(|c| PlaygroundConstraint {
            case_insensitive: c.case_insensitive,
            context_name: c.context_name.clone(),
            inverted: c.inverted,
            operator: c.operator.clone(),
            result: sdk_constraint(c).is_some_and(|sc| constraints_hold(flag, vec![sc], ctx)),
            value: c.value.clone(),
            values: c.values.clone(),
        })
        .collect()
}

/// One environment's flags, ready to be evaluated for any number of contexts.
pub struct Evaluator<'a> {
    environment: String,
    stored: &'a EnvironmentState,
    strategies: HashMap<&'a str, Vec<&'a StoredStrategy>>,
    segments: HashMap<i64, NamedSegment>,
    /// The engine, loaded with what an SDK token for these projects receives.
    engine: EngineState,
    projects: Projects,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        environment: &str,
        stored: &'a EnvironmentState,
        segments: Vec<NamedSegment>,
        projects: Projects,
    ) -> Self {
        let mut strategies: HashMap<&str, Vec<&StoredStrategy>> = HashMap::new();
        for s in &stored.strategies {
            strategies
                .entry(s.feature_name.as_str())
                .or_default()
                .push(s);
        }
        let selection = Selection {
            token_projects: projects.as_selection(),
            ..Default::default()
        };
        let features = select(&build(stored), &selection, environment);
        let engine = EngineState::default();
        let _ = engine.take_state(UpdateMessage::FullResponse(features));
        Evaluator {
            environment: environment.to_string(),
            stored,
            strategies,
            segments: segments.into_iter().map(|s| (s.id, s)).collect(),
            engine,
            projects,
        }
    }

    /// The flags evaluated, in name order (`playgroundFeatureSchema`, or the advanced
    /// per-environment shape when `flat_context` is given).
    pub fn evaluate(
        &self,
        ctx: &Context,
        flat_context: Option<&Map<String, Value>>,
    ) -> Vec<PlaygroundFeature> {
        self.stored
            .features
            .iter()
            .filter(|f| self.projects.contains(&f.project))
            .map(|f| self.feature(f, ctx, flat_context))
            .collect()
    }

    fn resolve(&self, name: &str, ctx: &Context) -> Option<ResolvedToggle> {
        self.engine.resolve(name, ctx, &None)
    }

    /// True when a parent flag the feature depends on is not in the required state.
    fn has_unsatisfied_dependency(&self, name: &str, ctx: &Context) -> bool {
        self.stored
            .dependencies
            .iter()
            .filter(|d| d.child == name)
            .any(|d| {
                let Some(parent) = self.resolve(&d.parent, ctx) else {
                    return true;
                };
                if !d.enabled {
                    return parent.enabled;
                }
                let variants: Vec<String> = serde_json::from_str(&d.variants).unwrap_or_default();
                !parent.enabled
                    || (!variants.is_empty() && !variants.contains(&parent.variant.name))
            })
    }

    fn feature(
        &self,
        f: &StoredFeature,
        ctx: &Context,
        flat_context: Option<&Map<String, Value>>,
    ) -> PlaygroundFeature {
        let rows = self
            .strategies
            .get(f.name.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (data, outcomes): (Vec<PlaygroundStrategy>, Vec<StrategyOutcome>) =
            rows.iter().map(|s| self.strategy(f, s, ctx)).unzip();
        let live: Vec<StrategyOutcome> = outcomes
            .into_iter()
            .filter(|o| *o != StrategyOutcome::Skipped)
            .collect();
        // No strategy (or only disabled ones) means on, for the engine as for Unleash's SDKs.
        let result = if live.is_empty() || live.contains(&StrategyOutcome::On) {
            Outcome::Known(true)
        } else if live.contains(&StrategyOutcome::Unknown) {
            Outcome::unknown()
        } else {
            Outcome::Known(false)
        };
        let resolved = self.resolve(&f.name, ctx);
        let disabled = ExtendedVariantDef {
            name: "disabled".into(),
            payload: None,
            enabled: false,
            feature_enabled: false,
        };
        let variant = flag_variant(
            resolved.as_ref().map_or(&disabled, |r| &r.variant),
            flat_context.is_none(),
        );
        PlaygroundFeature {
            context: flat_context.cloned(),
            environment: flat_context.map(|_| self.environment.clone()),
            has_unsatisfied_dependency: flat_context
                .is_none()
                .then(|| self.has_unsatisfied_dependency(&f.name, ctx)),
            is_enabled: resolved.as_ref().is_some_and(|r| r.enabled),
            is_enabled_in_current_environment: f.enabled.unwrap_or(false),
            name: f.name.clone(),
            project_id: f.project.clone(),
            strategies: PlaygroundStrategies { data, result },
            variant,
            variants: f.variants.as_deref().map(parse_values).unwrap_or_default(),
        }
    }

    fn segment(&self, flag: &str, id: i64, ctx: &Context) -> PlaygroundSegment {
        match self.segments.get(&id) {
            Some(seg) => {
                let constraints = shown_constraints(flag, &seg.constraints, ctx);
                PlaygroundSegment {
                    result: constraints.iter().all(|c| c.result),
                    constraints,
                    id: seg.id,
                    name: seg.name.clone(),
                }
            }
            None => PlaygroundSegment {
                constraints: Vec::new(),
                id,
                name: String::new(),
                result: false,
            },
        }
    }

    fn strategy(
        &self,
        f: &StoredFeature,
        s: &StoredStrategy,
        ctx: &Context,
    ) -> (PlaygroundStrategy, StrategyOutcome) {
        let stored_constraints = parse_constraints(&s.constraints);
        let constraints = shown_constraints(&f.name, &stored_constraints, ctx);
        let segment_ids = self
            .stored
            .strategy_segments
            .get(&s.id)
            .cloned()
            .unwrap_or_default();
        let segments: Vec<PlaygroundSegment> = segment_ids
            .iter()
            .map(|id| self.segment(&f.name, *id, ctx))
            .collect();
        let gates_pass = constraints.iter().all(|c| c.result) && segments.iter().all(|s| s.result);
        let (result, outcome) = if s.disabled {
            (
                status_only("unevaluated", Outcome::Known(false)),
                StrategyOutcome::Skipped,
            )
        } else if !KNOWN_STRATEGIES.contains(&s.strategy_name.as_str()) {
            if gates_pass {
                (
                    status_only("incomplete", Outcome::unknown()),
                    StrategyOutcome::Unknown,
                )
            } else {
                (
                    status_only("incomplete", Outcome::Known(false)),
                    StrategyOutcome::Off,
                )
            }
        } else {
            let strategy_variants = parse_values(&s.variants);
            let (enabled, variant) =
                self.strategy_alone(f, s, &stored_constraints, &segment_ids, ctx);
            let variant = variant
                .filter(|_| enabled && !strategy_variants.is_empty())
                .map(|v| PlaygroundStrategyVariant {
                    enabled: v.enabled,
                    name: v.name,
                    payload: payload(&v.payload),
                });
            let outcome = if enabled {
                StrategyOutcome::On
            } else {
                StrategyOutcome::Off
            };
            let result = PlaygroundStrategyResult {
                enabled: Outcome::Known(enabled),
                evaluation_status: "complete".to_string(),
                variant: Some(variant),
                variants: Some(strategy_variants),
            };
            (result, outcome)
        };
        let strategy = PlaygroundStrategy {
            constraints,
            disabled: s.disabled,
            id: s.id.clone(),
            links: PlaygroundLinks {
                edit: format!(
                    "/projects/{}/features/{}/strategies/edit?environmentId={}&strategyId={}",
                    f.project, f.name, self.environment, s.id
                ),
            },
            name: s.strategy_name.clone(),
            parameters: parse_parameters(&s.parameters),
            result,
            segments,
            title: s.title.clone().filter(|t| !t.is_empty()),
        };
        (strategy, outcome)
    }

    /// The engine's answer for the flag as if this strategy were its only one (and the flag
    /// on, without dependencies): whether it is on, and the strategy variant it picks.
    fn strategy_alone(
        &self,
        f: &StoredFeature,
        s: &StoredStrategy,
        constraints: &[Constraint],
        segment_ids: &[i64],
        ctx: &Context,
    ) -> (bool, Option<ExtendedVariantDef>) {
        let probe = ClientFeature {
            name: f.name.clone(),
            enabled: true,
            project: Some(f.project.clone()),
            strategies: Some(vec![Strategy {
                name: s.strategy_name.clone(),
                sort_order: Some(s.sort_order as i32),
                segments: (!segment_ids.is_empty())
                    .then(|| segment_ids.iter().map(|i| *i as i32).collect()),
                constraints: Some(constraints.iter().filter_map(sdk_constraint).collect()),
                parameters: Some(parse_parameters(&s.parameters)),
                variants: Some(
                    parse_values(&s.variants)
                        .into_iter()
                        .filter_map(|v| serde_json::from_value(v).ok())
                        .collect(),
                ),
            }]),
            ..Default::default()
        };
        let segments: Vec<SdkSegment> = segment_ids
            .iter()
            .filter_map(|id| self.segments.get(id))
            .map(|seg| SdkSegment {
                id: seg.id as i32,
                constraints: seg.constraints.iter().filter_map(sdk_constraint).collect(),
            })
            .collect();
        let engine = EngineState::default();
        let _ = engine.take_state(UpdateMessage::FullResponse(ClientFeatures {
            version: 2,
            features: vec![probe],
            segments: Some(segments),
            query: None,
            meta: None,
        }));
        match engine.resolve(&f.name, ctx, &None) {
            Some(r) => (r.enabled, Some(r.variant)),
            None => (false, None),
        }
    }
}

/// A strategy result that is only a status: a disabled strategy or a custom one.
fn status_only(status: &str, enabled: Outcome) -> PlaygroundStrategyResult {
    PlaygroundStrategyResult {
        enabled,
        evaluation_status: status.to_string(),
        variant: None,
        variants: None,
    }
}

/// The variant the flag gives; the simple playground also names `featureEnabled` in camel
/// case.
fn flag_variant(v: &ExtendedVariantDef, with_camel: bool) -> PlaygroundVariant {
    PlaygroundVariant {
        enabled: v.enabled,
        feature_enabled_camel: with_camel.then_some(v.feature_enabled),
        feature_enabled: v.feature_enabled,
        name: v.name.clone(),
        payload: payload(&v.payload),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrategyOutcome {
    On,
    Off,
    Unknown,
    /// Disabled: not part of the flag's result.
    Skipped,
}
