//! The playground: every flag of some projects evaluated for one context in one environment,
//! with the reason for each result, strategy by strategy and constraint by constraint.
//!
//! The overall answer (`isEnabled`, `variant`) comes from the same `unleash-yggdrasil` engine
//! the SDK APIs use, loaded with exactly what SDKs receive, so the playground can never
//! disagree with an SDK. The explanation is computed beside it by asking the engine smaller
//! questions: each constraint on its own, each segment, and each strategy as if it were the
//! flag's only one. Strategies the engine does not know (custom strategies) cannot be
//! decided on the server and are reported as `unknown`, as Unleash does.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use unleash_types::client_features::{
    ClientFeature, ClientFeatures, Constraint as SdkConstraint, Context, Segment as SdkSegment,
    Strategy,
};
use unleash_yggdrasil::state::EnrichedContext;
use unleash_yggdrasil::{EngineState, ResolvedToggle, UpdateMessage, KNOWN_STRATEGIES};

use super::client::{build, select, Selection};
use super::client_state::{EnvironmentState, StoredFeature, StoredStrategy};
use crate::error::{AppError, AppResult};

/// Context fields an SDK fills in itself; anything else is a custom property.
const TOP_LEVEL_FIELDS: [&str; 6] = [
    "userId",
    "sessionId",
    "remoteAddress",
    "environment",
    "appName",
    "currentTime",
];

/// A context with custom fields at the top level (`sdkFlatContextSchema`).
pub type FlatContext = Map<String, Value>;

/// At most this many contexts in one advanced request (comma-separated values multiply).
pub const MAX_COMBINATIONS: usize = 1000;

/// Which projects to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projects {
    All,
    Only(Vec<String>),
}

impl Projects {
    /// The project list of an engine selection (`["*"]` for all).
    pub fn as_selection(&self) -> std::sync::Arc<[String]> {
        match self {
            Projects::All => ["*".to_string()].into(),
            Projects::Only(p) => p.as_slice().into(),
        }
    }

    fn contains(&self, project: &str) -> bool {
        match self {
            Projects::All => true,
            Projects::Only(p) => p.iter().any(|x| x == project),
        }
    }
}

/// A checked `playgroundRequestSchema` (one environment) or
/// `advancedPlaygroundRequestSchema` (several).
#[derive(Debug, Clone)]
pub struct PlaygroundRequest {
    pub environments: Vec<String>,
    pub projects: Projects,
    /// The context object as sent.
    pub context: Map<String, Value>,
    /// The request as echoed back in `input`.
    pub input: Value,
}

fn required(path: &str) -> AppError {
    AppError::bad_field(
        path,
        format!("The `{path}` property is required. It was not present on the data you sent."),
    )
}

fn parse_projects(body: &Map<String, Value>) -> AppResult<(Projects, Value)> {
    match body.get("projects") {
        None | Some(Value::Null) => Ok((Projects::All, json!("*"))),
        Some(Value::String(s)) if s == "*" => Ok((Projects::All, json!("*"))),
        Some(Value::Array(items)) => {
            let mut projects = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(p) => projects.push(p.to_string()),
                    None => {
                        let path = format!("/body/projects/{i}");
                        return Err(AppError::bad_field(
                            &path,
                            format!("The `{path}` property must be a string. You sent {item}."),
                        ));
                    }
                }
            }
            let echo = json!(projects);
            Ok((Projects::Only(projects), echo))
        }
        Some(other) => Err(AppError::bad_field(
            "/body/projects",
            format!(
                "The `/body/projects` property must be a list of project ids or \"*\". You sent {other}."
            ),
        )),
    }
}

fn parse_context(body: &Map<String, Value>) -> AppResult<Map<String, Value>> {
    let ctx = match body.get("context") {
        None | Some(Value::Null) => return Err(required("/body/context")),
        Some(Value::Object(ctx)) => ctx.clone(),
        Some(other) => {
            return Err(AppError::bad_field(
                "/body/context",
                format!("The `/body/context` property must be an object. You sent {other}."),
            ))
        }
    };
    match ctx.get("appName") {
        None | Some(Value::Null) => return Err(required("/body/context/appName")),
        Some(Value::String(s)) if s.is_empty() => {
            return Err(AppError::bad_field(
                "/body/context/appName",
                "The `/body/context/appName` property must not be empty.",
            ))
        }
        Some(Value::String(_)) => {}
        Some(other) => {
            return Err(AppError::bad_field(
                "/body/context/appName",
                format!("The `/body/context/appName` property must be a string. You sent {other}."),
            ))
        }
    }
    if let Some(props) = ctx.get("properties") {
        let Some(map) = props.as_object() else {
            return Err(AppError::bad_field(
                "/body/context/properties",
                format!(
                    "The `/body/context/properties` property must be an object. You sent {props}."
                ),
            ));
        };
        for (k, v) in map {
            if !v.is_string() {
                let path = format!("/body/context/properties/{k}");
                return Err(AppError::bad_field(
                    &path,
                    format!("The `{path}` property must be a string. You sent {v}."),
                ));
            }
        }
    }
    if let Some(t) = ctx.get("currentTime").and_then(Value::as_str) {
        if chrono::DateTime::parse_from_rfc3339(t).is_err() {
            return Err(AppError::bad_field(
                "/body/context/currentTime",
                format!("The `/body/context/currentTime` property must match format \"date-time\". You sent \"{t}\"."),
            ));
        }
    }
    Ok(ctx)
}

fn body_object(body: &Value) -> AppResult<&Map<String, Value>> {
    body.as_object().ok_or_else(|| {
        AppError::bad_field(
            "/body",
            format!("The request body must be an object. You sent {body}."),
        )
    })
}

/// Checks a `playgroundRequestSchema` body: `environment` and `context.appName` required,
/// `projects` a list or `"*"`.
pub fn parse_request(body: &Value) -> AppResult<PlaygroundRequest> {
    let obj = body_object(body)?;
    let environment = match obj.get("environment") {
        None | Some(Value::Null) => return Err(required("/body/environment")),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => {
            return Err(AppError::bad_field(
                "/body/environment",
                format!(
                    "The `/body/environment` property must be a non-empty string. You sent {other}."
                ),
            ))
        }
    };
    let (projects, projects_echo) = parse_projects(obj)?;
    let context = parse_context(obj)?;
    let input = json!({"environment": environment, "projects": projects_echo, "context": context});
    Ok(PlaygroundRequest {
        environments: vec![environment],
        projects,
        context,
        input,
    })
}

fn is_environment_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '~' | '_' | '.' | '-'))
}

/// Checks an `advancedPlaygroundRequestSchema` body: at least one environment.
pub fn parse_advanced_request(body: &Value) -> AppResult<PlaygroundRequest> {
    let obj = body_object(body)?;
    let items = match obj.get("environments") {
        None | Some(Value::Null) => return Err(required("/body/environments")),
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(other) => {
            return Err(AppError::bad_field(
                "/body/environments",
                format!(
                    "The `/body/environments` property must be a list of at least one environment name. You sent {other}."
                ),
            ))
        }
    };
    let mut environments: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(e) if is_environment_name(e) => {
                if !environments.iter().any(|x| x == e) {
                    environments.push(e.to_string());
                }
            }
            _ => {
                let path = format!("/body/environments/{i}");
                return Err(AppError::bad_field(
                    &path,
                    format!("The `{path}` property must be an environment name (letters, digits and ~ _ . - only). You sent {item}."),
                ));
            }
        }
    }
    let (projects, projects_echo) = parse_projects(obj)?;
    let context = parse_context(obj)?;
    let input =
        json!({"environments": environments, "projects": projects_echo, "context": context});
    Ok(PlaygroundRequest {
        environments,
        projects,
        context,
        input,
    })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The SDK context for a context object: the known fields, `properties`, and any other
/// top-level scalar as a property (SDKs look custom fields up in both places).
pub fn to_context(map: &Map<String, Value>) -> Context {
    let mut ctx = Context {
        user_id: None,
        session_id: None,
        environment: None,
        app_name: None,
        current_time: None,
        remote_address: None,
        properties: None,
    };
    let mut properties: HashMap<String, String> = HashMap::new();
    for (k, v) in map {
        if k == "properties" {
            for (pk, pv) in v.as_object().into_iter().flatten() {
                if let Some(s) = scalar(pv) {
                    properties.insert(pk.clone(), s);
                }
            }
            continue;
        }
        let Some(s) = scalar(v) else { continue };
        match k.as_str() {
            "userId" => ctx.user_id = Some(s),
            "sessionId" => ctx.session_id = Some(s),
            "remoteAddress" => ctx.remote_address = Some(s),
            "environment" => ctx.environment = Some(s),
            "appName" => ctx.app_name = Some(s),
            "currentTime" => ctx.current_time = Some(s),
            _ => {
                properties.insert(k.clone(), s);
            }
        }
    }
    if !properties.is_empty() {
        ctx.properties = Some(properties);
    }
    ctx
}

/// The contexts of an advanced request: every combination of the comma-separated values of
/// each field, flattened (`sdkFlatContextSchema`). Non-scalar top-level values are skipped
/// and named in the returned warnings.
pub fn combinations(map: &Map<String, Value>) -> AppResult<(Vec<FlatContext>, Vec<String>)> {
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    let mut invalid = Vec::new();
    let split = |s: &str| -> Vec<String> {
        let parts: Vec<String> = s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            vec![s.to_string()]
        } else {
            parts
        }
    };
    for (k, v) in map {
        if k == "properties" {
            for (pk, pv) in v.as_object().into_iter().flatten() {
                if let Some(s) = scalar(pv) {
                    fields.push((pk.clone(), split(&s)));
                }
            }
            continue;
        }
        match scalar(v) {
            // The application and the time are single values by nature.
            Some(s) if k == "appName" || k == "currentTime" => fields.push((k.clone(), vec![s])),
            Some(s) => fields.push((k.clone(), split(&s))),
            None => invalid.push(k.clone()),
        }
    }
    let total = fields
        .iter()
        .try_fold(1usize, |acc, (_, vs)| acc.checked_mul(vs.len().max(1)));
    if total.is_none_or(|t| t > MAX_COMBINATIONS) {
        return Err(AppError::bad_field(
            "/body/context",
            format!("The `/body/context` property gives more than {MAX_COMBINATIONS} combinations of comma-separated values; send fewer values."),
        ));
    }
    let mut out = vec![Map::new()];
    for (k, values) in &fields {
        let mut next = Vec::with_capacity(out.len() * values.len());
        for base in &out {
            for v in values {
                let mut m = base.clone();
                m.insert(k.clone(), Value::String(v.clone()));
                next.push(m);
            }
        }
        out = next;
    }
    Ok((out, invalid))
}

/// Turns a flat context (custom fields at the top level) back into an SDK context.
pub fn flat_to_context(flat: &Map<String, Value>) -> Context {
    let mut nested = Map::new();
    let mut props = Map::new();
    for (k, v) in flat {
        if TOP_LEVEL_FIELDS.contains(&k.as_str()) {
            nested.insert(k.clone(), v.clone());
        } else {
            props.insert(k.clone(), v.clone());
        }
    }
    if !props.is_empty() {
        nested.insert("properties".into(), Value::Object(props));
    }
    to_context(&nested)
}

/// A segment as the playground shows it.
#[derive(Debug, Clone)]
pub struct NamedSegment {
    pub id: i64,
    pub name: String,
    /// Constraints in Unleash's JSON shape.
    pub constraints: Vec<Value>,
}

fn parse_values(text: &str) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(text).unwrap_or_default()
}

fn parse_parameters(text: &str) -> Map<String, Value> {
    serde_json::from_str::<Map<String, Value>>(text)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, Value::String(s))
        })
        .collect()
}

fn sdk_constraint(v: &Value) -> Option<SdkConstraint> {
    serde_json::from_value(v.clone()).ok()
}

/// A constraint as shown: its own fields (only those of `playgroundConstraintSchema`) and
/// whether it holds.
fn constraint_json(v: &Value, result: bool) -> Value {
    let mut out = Map::new();
    for key in [
        "contextName",
        "operator",
        "caseInsensitive",
        "inverted",
        "values",
        "value",
    ] {
        if let Some(x) = v.get(key).filter(|x| !x.is_null()) {
            out.insert(key.to_string(), x.clone());
        }
    }
    out.entry("caseInsensitive").or_insert(json!(false));
    out.entry("inverted").or_insert(json!(false));
    out.entry("values").or_insert(json!([]));
    out.insert("result".into(), json!(result));
    Value::Object(out)
}

fn variant_json(v: &unleash_yggdrasil::ExtendedVariantDef, with_camel: bool) -> Value {
    let mut out = json!({
        "name": v.name,
        "enabled": v.enabled,
        "feature_enabled": v.feature_enabled,
    });
    if with_camel {
        out["featureEnabled"] = json!(v.feature_enabled);
    }
    if let Some(p) = &v.payload {
        out["payload"] = json!({"type": p.payload_type, "value": p.value});
    }
    out
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

/// Whether all of `constraints` hold for the context, as the engine decides it.
fn constraints_hold(flag: &str, constraints: Vec<SdkConstraint>, ctx: &Context) -> bool {
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
    pub fn evaluate(&self, ctx: &Context, flat_context: Option<&Map<String, Value>>) -> Vec<Value> {
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
    ) -> Value {
        let rows = self
            .strategies
            .get(f.name.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let data: Vec<(Value, StrategyOutcome)> =
            rows.iter().map(|s| self.strategy(f, s, ctx)).collect();
        let live: Vec<StrategyOutcome> = data
            .iter()
            .filter(|(_, o)| *o != StrategyOutcome::Skipped)
            .map(|(_, o)| *o)
            .collect();
        // No strategy (or only disabled ones) means on, for the engine as for Unleash's SDKs.
        let result = if live.is_empty() || live.contains(&StrategyOutcome::On) {
            json!(true)
        } else if live.contains(&StrategyOutcome::Unknown) {
            json!("unknown")
        } else {
            json!(false)
        };
        let resolved = self.resolve(&f.name, ctx);
        let is_enabled = resolved.as_ref().is_some_and(|r| r.enabled);
        let disabled_variant = unleash_yggdrasil::ExtendedVariantDef {
            name: "disabled".into(),
            payload: None,
            enabled: false,
            feature_enabled: false,
        };
        let variant = resolved.as_ref().map_or(&disabled_variant, |r| &r.variant);
        let mut out = json!({
            "name": f.name,
            "projectId": f.project,
            "strategies": {
                "result": result,
                "data": data.into_iter().map(|(v, _)| v).collect::<Vec<_>>(),
            },
            "isEnabledInCurrentEnvironment": f.enabled.unwrap_or(false),
            "isEnabled": is_enabled,
            "variant": variant_json(variant, flat_context.is_none()),
            "variants": f.variants.as_deref().map(parse_values).unwrap_or_default(),
        });
        match flat_context {
            None => {
                out["hasUnsatisfiedDependency"] =
                    json!(self.has_unsatisfied_dependency(&f.name, ctx));
            }
            Some(flat) => {
                out["environment"] = json!(self.environment);
                out["context"] = Value::Object(flat.clone());
            }
        }
        out
    }

    fn strategy(
        &self,
        f: &StoredFeature,
        s: &StoredStrategy,
        ctx: &Context,
    ) -> (Value, StrategyOutcome) {
        let raw_constraints = parse_values(&s.constraints);
        let constraints: Vec<Value> = raw_constraints
            .iter()
            .map(|c| {
                let holds =
                    sdk_constraint(c).is_some_and(|sc| constraints_hold(&f.name, vec![sc], ctx));
                constraint_json(c, holds)
            })
            .collect();
        let segment_ids = self
            .stored
            .strategy_segments
            .get(&s.id)
            .cloned()
            .unwrap_or_default();
        let segments: Vec<Value> = segment_ids
            .iter()
            .map(|id| match self.segments.get(id) {
                Some(seg) => {
                    let shown: Vec<Value> = seg
                        .constraints
                        .iter()
                        .map(|c| {
                            let holds = sdk_constraint(c)
                                .is_some_and(|sc| constraints_hold(&f.name, vec![sc], ctx));
                            constraint_json(c, holds)
                        })
                        .collect();
                    let all = shown.iter().all(|c| c["result"] == json!(true));
                    json!({"id": seg.id, "name": seg.name, "result": all, "constraints": shown})
                }
                None => json!({"id": id, "name": "", "result": false, "constraints": []}),
            })
            .collect();
        let gates_pass = constraints.iter().all(|c| c["result"] == json!(true))
            && segments.iter().all(|c| c["result"] == json!(true));
        let strategy_variants = parse_values(&s.variants);
        let (result, outcome) = if s.disabled {
            (
                json!({"evaluationStatus": "unevaluated", "enabled": false}),
                StrategyOutcome::Skipped,
            )
        } else if !KNOWN_STRATEGIES.contains(&s.strategy_name.as_str()) {
            if gates_pass {
                (
                    json!({"evaluationStatus": "incomplete", "enabled": "unknown"}),
                    StrategyOutcome::Unknown,
                )
            } else {
                (
                    json!({"evaluationStatus": "incomplete", "enabled": false}),
                    StrategyOutcome::Off,
                )
            }
        } else {
            let (enabled, variant) = self.strategy_alone(f, s, &raw_constraints, &segment_ids, ctx);
            let variant = match variant {
                Some(v) if enabled && !strategy_variants.is_empty() => {
                    let mut out = json!({"name": v.name, "enabled": v.enabled});
                    if let Some(p) = &v.payload {
                        out["payload"] = json!({"type": p.payload_type, "value": p.value});
                    }
                    out
                }
                _ => Value::Null,
            };
            (
                json!({"evaluationStatus": "complete", "enabled": enabled, "variant": variant, "variants": strategy_variants}),
                if enabled {
                    StrategyOutcome::On
                } else {
                    StrategyOutcome::Off
                },
            )
        };
        let mut out = json!({
            "name": s.strategy_name,
            "id": s.id,
            "result": result,
            "disabled": s.disabled,
            "segments": segments,
            "constraints": constraints,
            "parameters": parse_parameters(&s.parameters),
            "links": {"edit": format!(
                "/projects/{}/features/{}/strategies/edit?environmentId={}&strategyId={}",
                f.project, f.name, self.environment, s.id
            )},
        });
        if let Some(t) = s.title.as_deref().filter(|t| !t.is_empty()) {
            out["title"] = json!(t);
        }
        (out, outcome)
    }

    /// The engine's answer for the flag as if this strategy were its only one (and the flag
    /// on, without dependencies): whether it is on, and the strategy variant it picks.
    fn strategy_alone(
        &self,
        f: &StoredFeature,
        s: &StoredStrategy,
        constraints: &[Value],
        segment_ids: &[i64],
        ctx: &Context,
    ) -> (bool, Option<unleash_yggdrasil::ExtendedVariantDef>) {
        let parameters: HashMap<String, String> = parse_parameters(&s.parameters)
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect();
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
                parameters: Some(parameters),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrategyOutcome {
    On,
    Off,
    Unknown,
    /// Disabled: not part of the flag's result.
    Skipped,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn requests_need_environment_and_app_name() {
        assert!(parse_request(&json!({"context": {"appName": "a"}})).is_err());
        assert!(parse_request(&json!({"environment": "development", "context": {}})).is_err());
        let r = parse_request(
            &json!({"environment": "development", "projects": ["default"], "context": {"appName": "a"}}),
        )
        .expect("valid");
        assert_eq!(r.projects, Projects::Only(vec!["default".into()]));
        assert!(parse_request(
            &json!({"environment": "development", "projects": 3, "context": {"appName": "a"}})
        )
        .is_err());
    }

    #[test]
    fn comma_separated_values_multiply() {
        let (all, invalid) = combinations(&ctx(json!({
            "appName": "a,b", "userId": "1, 2", "properties": {"tenant": "x,y"}, "bad": {"x": 1}
        })))
        .expect("ok");
        assert_eq!(all.len(), 4);
        assert_eq!(invalid, vec!["bad".to_string()]);
        assert!(all.iter().all(|c| c["appName"] == "a,b"));
        let c = flat_to_context(&all[0]);
        assert_eq!(c.user_id.as_deref(), Some("1"));
        assert_eq!(
            c.properties
                .as_ref()
                .and_then(|p| p.get("tenant"))
                .map(String::as_str),
            Some("x")
        );
    }

    #[test]
    fn constraints_are_decided_by_the_engine() {
        let c: SdkConstraint = serde_json::from_value(
            json!({"contextName": "userId", "operator": "IN", "values": ["7"]}),
        )
        .expect("constraint");
        let yes = to_context(&ctx(json!({"appName": "a", "userId": "7"})));
        let no = to_context(&ctx(json!({"appName": "a", "userId": "8"})));
        assert!(constraints_hold("f", vec![c.clone()], &yes));
        assert!(!constraints_hold("f", vec![c], &no));
    }
}
