//! Feature flags: names, types, variants, strategies on flags, dependencies, and how
//! Unleash shows them.
//!
//! Variant lists are kept exactly as sent (weights, weight types and order): the SDKs do the
//! arithmetic, so a list Unleash would rescale is stored as the client specification has it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::users::iso;
use crate::error::{AppError, AppResult};

pub const FEATURE_CREATED: &str = "feature-created";
pub const FEATURE_METADATA_UPDATED: &str = "feature-metadata-updated";
pub const FEATURE_STALE_ON: &str = "feature-stale-on";
pub const FEATURE_STALE_OFF: &str = "feature-stale-off";
pub const FEATURE_ENVIRONMENT_ENABLED: &str = "feature-environment-enabled";
pub const FEATURE_ENVIRONMENT_DISABLED: &str = "feature-environment-disabled";
pub const FEATURE_STRATEGY_ADD: &str = "feature-strategy-add";
pub const FEATURE_STRATEGY_UPDATE: &str = "feature-strategy-update";
pub const FEATURE_STRATEGY_REMOVE: &str = "feature-strategy-remove";
pub const STRATEGY_ORDER_CHANGED: &str = "strategy-order-changed";
pub const FEATURE_ARCHIVED: &str = "feature-archived";
pub const FEATURE_REVIVED: &str = "feature-revived";
pub const FEATURE_DELETED: &str = "feature-deleted";
pub const FEATURE_VARIANTS_UPDATED: &str = "feature-variants-updated";
pub const FEATURE_ENVIRONMENT_VARIANTS_UPDATED: &str = "feature-environment-variants-updated";
pub const FEATURE_DEPENDENCY_ADDED: &str = "feature-dependency-added";
pub const FEATURE_DEPENDENCY_REMOVED: &str = "feature-dependency-removed";
pub const FEATURE_DEPENDENCIES_REMOVED: &str = "feature-dependencies-removed";
pub const FEATURE_TAGGED: &str = "feature-tagged";
pub const FEATURE_UNTAGGED: &str = "feature-untagged";

/// The flag types, as `GET /api/admin/feature-types` lists them: id, name, description and
/// expected lifetime in days.
pub const FEATURE_TYPES: &[(&str, &str, &str, Option<i64>)] = &[
    ("release", "Release", "Release feature toggles are used to release new features.", Some(40)),
    ("experiment", "Experiment", "Experiment feature toggles are used to test and verify multiple different versions of a feature.", Some(40)),
    ("operational", "Operational", "Operational feature toggles are used to control aspects of a rollout.", Some(7)),
    ("kill-switch", "Kill switch", "Kill switch feature toggles are used to quickly turn on or off critical functionality in your system.", None),
    ("permission", "Permission", "Permission feature toggles are used to control permissions in your system.", None),
];

pub fn validate_type(t: &str, path: &str) -> AppResult<()> {
    if FEATURE_TYPES.iter().any(|(id, ..)| *id == t) {
        Ok(())
    } else {
        let ids: Vec<&str> = FEATURE_TYPES.iter().map(|(id, ..)| *id).collect();
        Err(AppError::bad_field(
            path,
            format!(
                "The flag type \"{t}\" is unknown; use one of {}.",
                ids.join(", ")
            ),
        ))
    }
}

/// Flag names: any UTF-8 text of 1 to 100 characters without control characters or `/`
/// (names travel percent-encoded in paths).
pub fn validate_name(name: &str) -> AppResult<()> {
    let count = name.chars().count();
    if count == 0 || count > 100 {
        return Err(AppError::bad_field(
            "/body/name",
            format!("A flag name must be 1 to 100 characters long; \"{name}\" has {count}."),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control() || *c == '/') {
        return Err(AppError::bad_field(
            "/body/name",
            format!(
                "A flag name may not contain {c:?}: \"{}\".",
                name.escape_debug()
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Feature {
    pub name: String,
    pub project: String,
    pub description: Option<String>,
    pub feature_type: String,
    pub stale: bool,
    pub impression_data: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by_user_id: Option<i64>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl Feature {
    /// The short form Unleash answers a create or update with, and records in events.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "type": self.feature_type,
            "project": self.project,
            "stale": self.stale,
            "createdAt": iso(self.created_at),
            "impressionData": self.impression_data,
            "archived": self.archived_at.is_some(),
        })
    }

    /// The fields a flag's metadata is made of, for JSON Patch.
    pub fn patchable(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "type": self.feature_type,
            "project": self.project,
            "stale": self.stale,
            "impressionData": self.impression_data,
            "archived": self.archived_at.is_some(),
        })
    }
}

/// A flag's state in one environment of its project.
#[derive(Debug, Clone)]
pub struct FeatureEnvironment {
    pub name: String,
    pub env_type: String,
    pub sort_order: i64,
    pub enabled: bool,
    pub variants: Value,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub strategies: Vec<FeatureStrategy>,
}

#[derive(Debug, Clone)]
pub struct FeatureStrategy {
    pub id: String,
    pub feature_name: String,
    pub project: String,
    pub environment: String,
    pub name: String,
    pub title: Option<String>,
    pub parameters: Value,
    pub constraints: Value,
    pub variants: Value,
    pub sort_order: i64,
    pub disabled: bool,
    pub segments: Vec<i64>,
}

impl FeatureStrategy {
    /// Unleash's `featureStrategySchema`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "disabled": self.disabled,
            "featureName": self.feature_name,
            "sortOrder": self.sort_order,
            "segments": self.segments,
            "constraints": self.constraints,
            "variants": self.variants,
            "parameters": self.parameters,
        })
    }

    /// The fields a strategy is made of, for JSON Patch and PUT.
    pub fn editable(&self) -> StrategyInput {
        StrategyInput {
            name: self.name.clone(),
            title: self.title.clone(),
            disabled: self.disabled,
            sort_order: Some(self.sort_order),
            parameters: self.parameters.clone(),
            constraints: self.constraints.clone(),
            variants: self.variants.clone(),
            segments: self.segments.clone(),
        }
    }
}

/// A validated strategy as the caller described it.
#[derive(Debug, Clone)]
pub struct StrategyInput {
    pub name: String,
    pub title: Option<String>,
    pub disabled: bool,
    pub sort_order: Option<i64>,
    pub parameters: Value,
    pub constraints: Value,
    pub variants: Value,
    pub segments: Vec<i64>,
}

impl StrategyInput {
    /// Reads a strategy body (`createFeatureStrategySchema`), checking shapes; the
    /// strategy name, constraints and segments are checked against the store by the service.
    /// Fields absent from `raw` keep the values of `base`.
    pub fn from_json(raw: &Value, base: Option<&StrategyInput>) -> AppResult<StrategyInput> {
        let obj = raw
            .as_object()
            .ok_or_else(|| AppError::bad_field("/body", "The strategy must be a JSON object."))?;
        let name = match obj.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::Null) | None if base.is_some() => base.map(|b| b.name.clone()).unwrap_or_default(),
            Some(_) => return Err(AppError::bad_field("/body/name", "The strategy `name` must be a non-empty string.")),
            None => {
                return Err(AppError::bad_field(
                    "/body/name",
                    "The `/body/name` property is required: name the strategy to use (for example `flexibleRollout`).",
                ))
            }
        };
        let title = match obj.get("title") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => None,
            None => base.and_then(|b| b.title.clone()),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/title",
                    "The strategy `title` must be a string or null.",
                ))
            }
        };
        let disabled = match obj.get("disabled") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Null) => false,
            None => base.map(|b| b.disabled).unwrap_or(false),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/disabled",
                    "The strategy `disabled` must be a boolean.",
                ))
            }
        };
        let sort_order = match obj.get("sortOrder") {
            Some(v @ Value::Number(_)) => Some(as_integer(v, "/body/sortOrder")?),
            Some(Value::Null) => None,
            None => base.and_then(|b| b.sort_order),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/sortOrder",
                    "The strategy `sortOrder` must be a number.",
                ))
            }
        };
        let parameters = match obj.get("parameters") {
            Some(v) => normalize_parameters(v)?,
            None => base
                .map(|b| b.parameters.clone())
                .unwrap_or_else(|| json!({})),
        };
        let constraints = match obj.get("constraints") {
            Some(Value::Array(a)) => Value::Array(a.clone()),
            Some(Value::Null) => json!([]),
            None => base
                .map(|b| b.constraints.clone())
                .unwrap_or_else(|| json!([])),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/constraints",
                    "The strategy `constraints` must be a list.",
                ))
            }
        };
        let variants = match obj.get("variants") {
            Some(v) => inherit_stickiness(
                v,
                validate_variants(v, "/body/variants", VariantKind::Strategy)?,
                &parameters,
            ),
            None => base
                .map(|b| b.variants.clone())
                .unwrap_or_else(|| json!([])),
        };
        let segments = match obj.get("segments") {
            Some(Value::Array(a)) => {
                let mut ids = Vec::new();
                for (i, v) in a.iter().enumerate() {
                    let id = as_integer(v, &format!("/body/segments/{i}"))?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            }
            Some(Value::Null) => Vec::new(),
            None => base.map(|b| b.segments.clone()).unwrap_or_default(),
            Some(_) => {
                return Err(AppError::bad_field(
                    "/body/segments",
                    "The strategy `segments` must be a list of segment ids.",
                ))
            }
        };
        Ok(StrategyInput {
            name,
            title,
            disabled,
            sort_order,
            parameters,
            constraints,
            variants,
            segments,
        })
    }

    /// The strategy as a JSON document, the form JSON Patch works on.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "title": self.title,
            "disabled": self.disabled,
            "sortOrder": self.sort_order,
            "parameters": self.parameters,
            "constraints": self.constraints,
            "variants": self.variants,
            "segments": self.segments,
        })
    }
}

fn as_integer(v: &Value, path: &str) -> AppResult<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| {
                AppError::bad_field(path, format!("`{path}` must be an integer. You sent {n}."))
            }),
        Value::String(s) => s.trim().parse::<i64>().map_err(|_| {
            AppError::bad_field(
                path,
                format!("`{path}` must be an integer. You sent \"{s}\"."),
            )
        }),
        other => Err(AppError::bad_field(
            path,
            format!("`{path}` must be an integer. You sent {other}."),
        )),
    }
}

/// Strategy parameters are a map of strings; numbers and booleans are turned into strings
/// (as Unleash's validator coerces them), anything else is refused.
pub fn normalize_parameters(v: &Value) -> AppResult<Value> {
    match v {
        Value::Null => Ok(json!({})),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(AppError::bad_field(
                            &format!("/body/parameters/{k}"),
                            format!("The parameter `{k}` must be a string."),
                        ))
                    }
                };
                out.insert(k.clone(), Value::String(s));
            }
            Ok(Value::Object(out))
        }
        _ => Err(AppError::bad_field(
            "/body/parameters",
            "The strategy `parameters` must be an object of strings.",
        )),
    }
}

/// Flag variants (`variantSchema`) or strategy variants (`strategyVariantSchema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantKind {
    Flag,
    Strategy,
}

const PAYLOAD_TYPES: &[&str] = &["json", "csv", "string", "number"];

/// A strategy variant sent without a stickiness takes the strategy's own `stickiness`
/// parameter, as Unleash's UI does when it saves one. Saving `default` instead would make
/// SDKs that read the variant's stickiness first (the Node SDK) split such a strategy's
/// variants at random instead of by the strategy's stickiness.
fn inherit_stickiness(sent: &Value, mut variants: Value, parameters: &Value) -> Value {
    let Some(inherited) = parameters
        .get("stickiness")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return variants;
    };
    let sent = sent.as_array().map(Vec::as_slice).unwrap_or_default();
    for (given, variant) in sent
        .iter()
        .zip(variants.as_array_mut().into_iter().flatten())
    {
        let has_own = given
            .get("stickiness")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        if !has_own {
            variant["stickiness"] = Value::String(inherited.to_string());
        }
    }
    variants
}

/// Checks a variant list and fills in what Unleash fills in (`weightType` `variable`,
/// `stickiness` `default`), keeping weights, weight types and order exactly as sent.
pub fn validate_variants(v: &Value, path: &str, kind: VariantKind) -> AppResult<Value> {
    let list = match v {
        Value::Null => return Ok(json!([])),
        Value::Array(a) => a,
        _ => {
            return Err(AppError::bad_field(
                path,
                format!("`{path}` must be a list of variants."),
            ))
        }
    };
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("{path}/{i}");
        let obj = item
            .as_object()
            .ok_or_else(|| AppError::bad_field(&at, format!("`{at}` must be a variant object.")))?;
        let name = match obj.get("name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(AppError::bad_field(
                    &format!("{at}/name"),
                    format!("`{at}/name` is required and must be a non-empty string."),
                ))
            }
        };
        if !names.insert(name.clone()) {
            return Err(AppError::bad_field(
                &format!("{at}/name"),
                format!("The variant name \"{name}\" is used twice; variant names must be unique."),
            ));
        }
        let weight = match obj.get("weight") {
            Some(w) => as_integer(w, &format!("{at}/weight"))?,
            None => {
                return Err(AppError::bad_field(
                    &format!("{at}/weight"),
                    format!("`{at}/weight` is required."),
                ))
            }
        };
        if !(0..=1000).contains(&weight) {
            return Err(AppError::bad_field(
                &format!("{at}/weight"),
                format!("The weight of the variant \"{name}\" must be between 0 and 1000; you sent {weight}."),
            ));
        }
        let weight_type = match obj.get("weightType") {
            Some(Value::String(s)) if s == "variable" || s == "fix" => s.clone(),
            None | Some(Value::Null) => "variable".to_string(),
            Some(other) => {
                return Err(AppError::bad_field(
                    &format!("{at}/weightType"),
                    format!("The weightType of the variant \"{name}\" must be \"variable\" or \"fix\"; you sent {other}."),
                ))
            }
        };
        let stickiness = match obj.get("stickiness") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            None | Some(Value::Null) => "default".to_string(),
            Some(Value::String(_)) => "default".to_string(),
            Some(other) => {
                return Err(AppError::bad_field(
                    &format!("{at}/stickiness"),
                    format!(
                    "The stickiness of the variant \"{name}\" must be a string; you sent {other}."
                ),
                ))
            }
        };
        let mut v = Map::new();
        v.insert("name".into(), Value::String(name.clone()));
        v.insert("weight".into(), json!(weight));
        v.insert("weightType".into(), Value::String(weight_type));
        v.insert("stickiness".into(), Value::String(stickiness));
        match obj.get("payload") {
            None | Some(Value::Null) => {}
            Some(Value::Object(p)) => {
                let ptype = p.get("type").and_then(Value::as_str).unwrap_or_default();
                if !PAYLOAD_TYPES.contains(&ptype) {
                    return Err(AppError::bad_field(
                        &format!("{at}/payload/type"),
                        format!("The payload type of the variant \"{name}\" must be one of json, csv, string, number; you sent \"{ptype}\"."),
                    ));
                }
                let Some(value) = p.get("value").and_then(Value::as_str) else {
                    return Err(AppError::bad_field(
                        &format!("{at}/payload/value"),
                        format!("The payload value of the variant \"{name}\" must be a string."),
                    ));
                };
                if ptype == "json" && serde_json::from_str::<Value>(value).is_err() {
                    return Err(AppError::bad_field(
                        &format!("{at}/payload/value"),
                        format!("The json payload of the variant \"{name}\" is not valid JSON."),
                    ));
                }
                v.insert("payload".into(), json!({"type": ptype, "value": value}));
            }
            Some(_) => {
                return Err(AppError::bad_field(
                    &format!("{at}/payload"),
                    format!(
                        "The payload of the variant \"{name}\" must be an object {{type, value}}."
                    ),
                ))
            }
        }
        if kind == VariantKind::Flag {
            match obj.get("overrides") {
                None | Some(Value::Null) => {}
                Some(Value::Array(list)) => {
                    let mut overrides = Vec::new();
                    for (j, o) in list.iter().enumerate() {
                        let oat = format!("{at}/overrides/{j}");
                        let context = o
                            .get("contextName")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty());
                        let values = o
                            .get("values")
                            .and_then(Value::as_array)
                            .filter(|vs| vs.iter().all(Value::is_string));
                        match (context, values) {
                            (Some(c), Some(vs)) => {
                                overrides.push(json!({"contextName": c, "values": vs}))
                            }
                            _ => {
                                return Err(AppError::bad_field(
                                    &oat,
                                    format!("`{oat}` must be {{contextName, values: [strings]}}."),
                                ))
                            }
                        }
                    }
                    v.insert("overrides".into(), Value::Array(overrides));
                }
                Some(_) => {
                    return Err(AppError::bad_field(
                        &format!("{at}/overrides"),
                        format!("The overrides of the variant \"{name}\" must be a list."),
                    ))
                }
            }
        }
        out.push(Value::Object(v));
    }
    Ok(Value::Array(out))
}

/// The total weight of a variant list: weights are in units of 0.1 %, so 1000 is 100 %.
pub const TOTAL_VARIANT_WEIGHT: i64 = 1000;

/// A weight (units of 0.1 %) as a percentage with at most one decimal: 500 is "50",
/// 333 is "33.3".
pub fn weight_as_percent(weight: i64) -> String {
    if weight % 10 == 0 {
        format!("{}", weight / 10)
    } else {
        format!("{:.1}", weight as f64 / 10.0)
    }
}

/// Gives the `variable` variants of a list the weight the `fix` ones leave, shared evenly
/// (the first ones get one unit more when it does not divide), as Unleash's UI and its
/// flag variant service do. Fixed weights are kept. The fixed weights may not add up to
/// more than 100 %, and a list without variable variants must add up to exactly 100 %.
/// The list is otherwise kept as it is (order, names, payloads).
pub fn distribute_weights(variants: &mut Value, path: &str) -> AppResult<()> {
    let Some(list) = variants.as_array_mut() else {
        return Ok(());
    };
    if list.is_empty() {
        return Ok(());
    }
    let is_fixed = |v: &Value| v.get("weightType").and_then(Value::as_str) == Some("fix");
    let mut fixed = 0i64;
    for (i, v) in list.iter().enumerate().filter(|(_, v)| is_fixed(v)) {
        let at = format!("{path}/{i}/weight");
        let w = v
            .get("weight")
            .map(|w| as_integer(w, &at))
            .transpose()?
            .unwrap_or(0);
        if !(0..=TOTAL_VARIANT_WEIGHT).contains(&w) {
            let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
            return Err(AppError::bad_field(
                &at,
                format!("The weight of the variant \"{name}\" must be between 0 % and 100 %."),
            ));
        }
        fixed += w;
    }
    let variable = list.iter().filter(|v| !is_fixed(v)).count() as i64;
    if fixed > TOTAL_VARIANT_WEIGHT {
        return Err(AppError::bad_field(
            path,
            format!(
                "The fixed weights add up to {} %, more than 100 %.",
                weight_as_percent(fixed)
            ),
        ));
    }
    if variable == 0 {
        if fixed != TOTAL_VARIANT_WEIGHT {
            return Err(AppError::bad_field(
                path,
                format!(
                    "The weights add up to {} %; they must add up to 100 % when no variant has a variable weight.",
                    weight_as_percent(fixed)
                ),
            ));
        }
        return Ok(());
    }
    let rest = TOTAL_VARIANT_WEIGHT - fixed;
    let (share, extra) = (rest / variable, rest % variable);
    for (n, v) in list.iter_mut().filter(|v| !is_fixed(v)).enumerate() {
        let w = share + i64::from((n as i64) < extra);
        v["weight"] = json!(w);
        v["weightType"] = json!("variable");
    }
    Ok(())
}

/// The strategy a flag gets when it is enabled in an environment that has none.
pub fn default_strategy(feature_name: &str) -> StrategyInput {
    StrategyInput {
        name: "flexibleRollout".into(),
        title: None,
        disabled: false,
        sort_order: None,
        parameters: json!({"groupId": feature_name, "rollout": "100", "stickiness": "default"}),
        constraints: json!([]),
        variants: json!([]),
        segments: Vec::new(),
    }
}

/// A child flag's dependency on its parent.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub parent: String,
    pub child: String,
    pub enabled: bool,
    pub variants: Vec<String>,
}

impl Dependency {
    /// Unleash's `dependentFeatureSchema`; `variants` only when there are some.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"feature": self.parent, "enabled": self.enabled});
        if !self.variants.is_empty() {
            v["variants"] = json!(self.variants);
        }
        v
    }
}

/// Tag values, as Unleash's tag schema bounds them.
pub fn validate_tag_value(value: &str, path: &str) -> AppResult<()> {
    let n = value.trim().chars().count();
    if !(2..=50).contains(&n) {
        return Err(AppError::bad_field(
            path,
            format!("A tag value must be 2 to 50 characters long; you sent \"{value}\"."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("a").is_ok());
        assert!(validate_name("Ünïcode flag with spaces ✓").is_ok());
        assert!(validate_name(&"x".repeat(100)).is_ok());
        assert!(validate_name(&"x".repeat(101)).is_err());
        assert!(validate_name("").is_err());
        assert!(validate_name("a/b").is_err());
        assert!(validate_name("a\nb").is_err());
    }

    #[test]
    fn variable_weights_share_what_fixed_ones_leave() {
        let mut v = json!([
            {"name": "a", "weight": 0, "weightType": "variable"},
            {"name": "b", "weight": 250, "weightType": "fix"},
            {"name": "c", "weight": 0, "weightType": "variable"},
            {"name": "d", "weight": 0},
        ]);
        distribute_weights(&mut v, "/body").unwrap();
        let weights: Vec<i64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["weight"].as_i64().unwrap())
            .collect();
        assert_eq!(weights, vec![250, 250, 250, 250]);
        let mut three = json!([{"name": "a", "weight": 0}, {"name": "b", "weight": 0}, {"name": "c", "weight": 0}]);
        distribute_weights(&mut three, "/body").unwrap();
        assert_eq!(three[0]["weight"], 334);
        assert_eq!(three[1]["weight"], 333);
        assert_eq!(three[2]["weight"], 333);
        let mut over = json!([
            {"name": "a", "weight": 700, "weightType": "fix"},
            {"name": "b", "weight": 400, "weightType": "fix"},
            {"name": "c", "weight": 0},
        ]);
        assert!(distribute_weights(&mut over, "/body").is_err());
        let mut all_fixed = json!([{"name": "a", "weight": 600, "weightType": "fix"}]);
        assert!(distribute_weights(&mut all_fixed, "/body").is_err());
        let mut exact = json!([{"name": "a", "weight": 1000, "weightType": "fix"}]);
        assert!(distribute_weights(&mut exact, "/body").is_ok());
        let mut empty = json!([]);
        assert!(distribute_weights(&mut empty, "/body").is_ok());
        assert_eq!(weight_as_percent(500), "50");
        assert_eq!(weight_as_percent(333), "33.3");
        assert_eq!(weight_as_percent(5), "0.5");
    }

    #[test]
    fn variants_are_kept_as_sent() {
        let raw = json!([
            {"name": "b", "weight": 300, "weightType": "fix"},
            {"name": "a", "weight": 10, "stickiness": "userId", "payload": {"type": "string", "value": "x"}},
        ]);
        let v = validate_variants(&raw, "/body", VariantKind::Flag).unwrap();
        assert_eq!(v[0]["name"], "b");
        assert_eq!(v[0]["weight"], 300);
        assert_eq!(v[0]["weightType"], "fix");
        assert_eq!(v[1]["weight"], 10);
        assert_eq!(v[1]["weightType"], "variable");
        assert_eq!(v[1]["stickiness"], "userId");
        assert!(validate_variants(
            &json!([{"name": "a", "weight": 1001}]),
            "/body",
            VariantKind::Flag
        )
        .is_err());
        assert!(validate_variants(
            &json!([{"name": "a", "weight": 1}, {"name": "a", "weight": 1}]),
            "/body",
            VariantKind::Flag
        )
        .is_err());
        assert!(validate_variants(
            &json!([{"name": "a", "weight": 1, "weightType": "odd"}]),
            "/body",
            VariantKind::Flag
        )
        .is_err());
    }
}
