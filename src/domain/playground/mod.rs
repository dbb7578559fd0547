//! The playground: every flag of some projects evaluated for one context in one environment,
//! with the reason for each result, strategy by strategy and constraint by constraint.
//!
//! The overall answer (`isEnabled`, `variant`) comes from the same `unleash-yggdrasil` engine
//! the SDK APIs use, loaded with exactly what SDKs receive, so the playground can never
//! disagree with an SDK. The explanation is computed beside it by asking the engine smaller
//! questions: each constraint on its own, each segment, and each strategy as if it were the
//! flag's only one. Strategies the engine does not know (custom strategies) cannot be
//! decided on the server and are reported as `unknown`, as Unleash does.

pub mod answer;
mod evaluate;

use serde_json::{Map, Value};
use unleash_types::client_features::Context;

use super::sdk_context::{self, scalar, TOP_LEVEL_FIELDS};
use crate::error::{AppError, AppResult};
use answer::{PlaygroundInput, PlaygroundProjects};
pub use evaluate::{Evaluator, NamedSegment};

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
    /// The projects as sent, before any narrowing to what the caller sees: the answer
    /// echoes these.
    pub projects_sent: Projects,
    /// Sent to the advanced playground (several environments).
    pub advanced: bool,
}

impl PlaygroundRequest {
    /// The request as the answer echoes it back.
    pub fn input(&self) -> PlaygroundInput {
        let (environment, environments) = if self.advanced {
            (None, Some(self.environments.clone()))
        } else {
            (self.environments.first().cloned(), None)
        };
        PlaygroundInput {
            context: self.context.clone(),
            environment,
            environments,
            projects: match &self.projects_sent {
                Projects::All => PlaygroundProjects::All("*".to_string()),
                Projects::Only(p) => PlaygroundProjects::Only(p.clone()),
            },
        }
    }
}

fn required(path: &str) -> AppError {
    AppError::bad_field(
        path,
        format!("The `{path}` property is required. It was not present on the data you sent."),
    )
}

fn parse_projects(body: &Map<String, Value>) -> AppResult<Projects> {
    match body.get("projects") {
        None | Some(Value::Null) => Ok(Projects::All),
        Some(Value::String(s)) if s == "*" => Ok(Projects::All),
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
            Ok(Projects::Only(projects))
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
    let projects = parse_projects(obj)?;
    Ok(PlaygroundRequest {
        environments: vec![environment],
        projects_sent: projects.clone(),
        projects,
        context: parse_context(obj)?,
        advanced: false,
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
    let projects = parse_projects(obj)?;
    Ok(PlaygroundRequest {
        environments,
        projects_sent: projects.clone(),
        projects,
        context: parse_context(obj)?,
        advanced: true,
    })
}

/// The SDK context for a context object: the known fields, `properties`, and any other
/// top-level scalar as a property (SDKs look custom fields up in both places).
pub fn to_context(map: &Map<String, Value>) -> Context {
    sdk_context::from_object(map, false)
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

#[cfg(test)]
mod tests {
    use serde_json::json;
    use unleash_types::client_features::Constraint as SdkConstraint;

    use super::evaluate::constraints_hold;
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
