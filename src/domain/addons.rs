//! Addons (Unleash's integrations): the webhook provider, what an addon configuration must
//! hold, which events it receives, and the HTTP request a delivery makes.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::template;
use crate::error::{AppError, AppResult};

pub const ADDON_CONFIG_CREATED: &str = "addon-config-created";
pub const ADDON_CONFIG_UPDATED: &str = "addon-config-updated";
pub const ADDON_CONFIG_DELETED: &str = "addon-config-deleted";

/// A personal access token reached one of the configured lead times before its expiry.
pub const PAT_EXPIRING: &str = "pat-expiring";
/// An API token reached one of the configured lead times before its expiry.
pub const API_TOKEN_EXPIRING: &str = "api-token-expiring";

/// The one provider Switchyard offers.
pub const WEBHOOK: &str = "webhook";

/// What Unleash shows instead of a sensitive parameter's value; sent back unchanged in an
/// update, it keeps the stored value.
pub const MASKED: &str = "*****";

/// Parameters of the webhook provider that are never shown once stored.
pub const SENSITIVE: &[&str] = &["url", "authorization", "customHeaders"];

/// Longest body template accepted.
pub const MAX_TEMPLATE_CHARS: usize = 64 * 1024;

/// The events the webhook provider offers: Unleash's list, then Switchyard's token events.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "feature-created",
    "feature-updated",
    "feature-archived",
    "feature-revived",
    "feature-stale-on",
    "feature-stale-off",
    "feature-environment-enabled",
    "feature-environment-disabled",
    "feature-strategy-remove",
    "feature-strategy-update",
    "feature-strategy-add",
    "feature-metadata-updated",
    "feature-variants-updated",
    "feature-project-change",
    "feature-tagged",
    "feature-untagged",
    "feature-potentially-stale-updated",
    "change-request-created",
    "change-request-discarded",
    "change-added",
    "change-discarded",
    "change-request-approved",
    "change-request-approval-added",
    "change-request-cancelled",
    "change-request-sent-to-review",
    "change-request-applied",
    PAT_EXPIRING,
    API_TOKEN_EXPIRING,
];

/// Unleash's `addonTypeSchema` for the webhook provider.
pub fn webhook_definition() -> Value {
    json!({
        "name": WEBHOOK,
        "displayName": "Webhook",
        "description": "A Webhook is a generic way to post messages from Unleash to third party services.",
        "documentationUrl": "https://docs.getunleash.io/integrate/webhook",
        "parameters": [
            {
                "name": "url",
                "displayName": "Webhook URL",
                "description": "(Required) Switchyard will perform an HTTP POST to the specified URL, once per event.",
                "type": "url",
                "required": true,
                "sensitive": true
            },
            {
                "name": "contentType",
                "displayName": "Content-Type",
                "placeholder": "application/json",
                "description": "(Optional) The Content-Type header to use. Defaults to \"application/json\".",
                "type": "text",
                "required": false,
                "sensitive": false
            },
            {
                "name": "authorization",
                "displayName": "Authorization",
                "placeholder": "",
                "description": "(Optional) The Authorization header to use. Not used if left blank.",
                "type": "text",
                "required": false,
                "sensitive": true
            },
            {
                "name": "bodyTemplate",
                "displayName": "Body template",
                "placeholder": "{\n  \"event\": \"{{event.type}}\",\n  \"createdBy\": \"{{event.createdBy}}\",\n  \"featureToggle\": \"{{event.data.name}}\",\n  \"timestamp\": \"{{event.data.createdAt}}\"\n}",
                "description": "(Optional) You may format the body using a mustache template. If you don't specify anything, the body is the event as the events API shows it.",
                "type": "textfield",
                "required": false,
                "sensitive": false
            },
            {
                "name": "customHeaders",
                "displayName": "Extra HTTP Headers",
                "placeholder": "{\n  \"ISTIO_USER_KEY\": \"hunter2\",\n  \"SOME_OTHER_CUSTOM_HTTP_HEADER\": \"SOMEVALUE\"\n}",
                "description": "(Optional) Used to add extra HTTP Headers to the request the plugin fires off. Format here needs to be a valid json object of key value pairs where both key and value are strings",
                "type": "textfield",
                "required": false,
                "sensitive": true
            }
        ],
        "events": WEBHOOK_EVENTS,
    })
}

/// A stored addon configuration.
#[derive(Clone)]
pub struct Addon {
    pub id: i64,
    pub provider: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub parameters: Map<String, Value>,
    pub events: Vec<String>,
    pub projects: Vec<String>,
    pub environments: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Parameters hold secrets (the URL, headers): Debug shows only their names.
impl std::fmt::Debug for Addon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Addon")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("enabled", &self.enabled)
            .field("parameters", &self.parameters.keys().collect::<Vec<_>>())
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl Addon {
    /// The parameters with the sensitive ones (the URL, headers) masked: what the Admin API
    /// shows.
    pub fn masked_parameters(&self) -> Map<String, Value> {
        self.parameters
            .iter()
            .map(|(k, v)| {
                if SENSITIVE.contains(&k.as_str()) {
                    (k.clone(), json!(MASKED))
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect()
    }

    /// What audit events record: everything but the parameters.
    pub fn event_data(&self) -> Value {
        json!({
            "id": self.id,
            "provider": self.provider,
            "description": self.description,
            "enabled": self.enabled,
            "events": self.events,
            "projects": self.projects,
            "environments": self.environments,
        })
    }

    /// True when this addon is to receive `event` (Unleash's rule: the type is listed, and
    /// the project and environment pass the filters; empty or `*` passes everything).
    pub fn wants(
        &self,
        event_type: &str,
        project: Option<&str>,
        environment: Option<&str>,
    ) -> bool {
        fn passes(filter: &[String], value: Option<&str>) -> bool {
            filter.is_empty()
                || filter.first().is_some_and(|f| f == "*")
                || value.is_some_and(|v| filter.iter().any(|f| f == v))
        }
        self.enabled
            && self.events.iter().any(|e| e == event_type)
            && passes(&self.projects, project)
            && passes(&self.environments, environment)
    }
}

/// A validated addon configuration, before it has an id.
#[derive(Clone)]
pub struct AddonSpec {
    pub provider: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub parameters: Map<String, Value>,
    pub events: Vec<String>,
    pub projects: Vec<String>,
    pub environments: Vec<String>,
}

fn field_error(field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_field(&format!("/body/{field}"), message)
}

fn string_list(body: &Map<String, Value>, field: &str) -> AppResult<Vec<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            let mut out: Vec<String> = Vec::new();
            for item in items {
                let s = item.as_str().ok_or_else(|| {
                    field_error(
                        field,
                        format!("The `/body/{field}` property must be a list of strings."),
                    )
                })?;
                if !out.iter().any(|o| o == s) {
                    out.push(s.to_string());
                }
            }
            Ok(out)
        }
        Some(_) => Err(field_error(
            field,
            format!("The `/body/{field}` property must be a list of strings."),
        )),
    }
}

/// Visible ASCII, spaces and tabs: what an HTTP header value may hold.
fn header_value_ok(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// RFC 9110's token characters: what an HTTP header name may hold.
fn header_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks an `addonCreateUpdateSchema` body as Unleash does (known provider, required
/// parameters present, string lists), and beyond it that the webhook's URL, headers and
/// body template can be used. `existing` is the stored addon on update: masked values
/// (`*****`) keep what it holds.
pub fn validate(body: &Value, existing: Option<&Addon>) -> AppResult<AddonSpec> {
    let Some(body) = body.as_object() else {
        return Err(AppError::bad_data(
            "An addon must be a JSON object with provider, parameters and events.",
        ));
    };
    let provider =
        match body.get("provider") {
            Some(Value::String(p)) if !p.is_empty() => p.clone(),
            None | Some(Value::Null) | Some(Value::String(_)) => return Err(AppError::validation(
                "No addon provider supplied. The property was either missing or an empty value.",
            )),
            Some(_) => {
                return Err(field_error(
                    "provider",
                    "The `/body/provider` property must be a string.",
                ))
            }
        };
    if provider != WEBHOOK {
        return Err(AppError::validation(format!(
            "Unknown addon provider {provider}. The only provider this server supports is \"{WEBHOOK}\"."
        )));
    }
    let enabled = match body.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(field_error(
                "enabled",
                "The `/body/enabled` property must be a boolean.",
            ))
        }
    };
    let description = match body.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(field_error(
                "description",
                "The `/body/description` property must be a string or null.",
            ))
        }
    };
    let mut parameters = match body.get("parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => {
            return Err(field_error(
                "parameters",
                "The `/body/parameters` property must be an object.",
            ))
        }
    };
    for (k, v) in parameters.iter_mut() {
        match v {
            Value::String(s) if s == MASKED => {
                if let Some(stored) = existing.and_then(|e| e.parameters.get(k)) {
                    *v = stored.clone();
                }
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {}
            _ => {
                return Err(field_error(
                    &format!("parameters/{k}"),
                    format!("The parameter {k} must be a string, a number or a boolean."),
                ))
            }
        }
    }
    // Unleash drops parameters left empty by its form.
    parameters.retain(|_, v| !matches!(v, Value::String(s) if s.is_empty()));
    check_webhook_parameters(&parameters)?;
    Ok(AddonSpec {
        provider,
        description,
        enabled,
        parameters,
        events: string_list(body, "events")?,
        projects: string_list(body, "projects")?,
        environments: string_list(body, "environments")?,
    })
}

fn param_text(parameters: &Map<String, Value>, name: &str) -> Option<String> {
    parameters.get(name).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn check_webhook_parameters(parameters: &Map<String, Value>) -> AppResult<()> {
    let Some(url) = param_text(parameters, "url") else {
        return Err(AppError::validation("Missing required parameters: url"));
    };
    let parsed = reqwest::Url::parse(url.trim());
    if !parsed.as_ref().is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    }) {
        // The URL is sensitive: it is not repeated back.
        return Err(field_error(
            "parameters/url",
            "The webhook URL must be an absolute http:// or https:// URL.",
        ));
    }
    if let Some(ct) = param_text(parameters, "contentType") {
        if !header_value_ok(&ct) {
            return Err(field_error(
                "parameters/contentType",
                "The contentType parameter must be a valid Content-Type header value.",
            ));
        }
    }
    if let Some(a) = param_text(parameters, "authorization") {
        if !header_value_ok(&a) {
            return Err(field_error(
                "parameters/authorization",
                "The authorization parameter must be a valid header value (no line breaks).",
            ));
        }
    }
    if let Some(h) = param_text(parameters, "customHeaders") {
        custom_headers(&h).map_err(|m| field_error("parameters/customHeaders", m))?;
    }
    if let Some(t) = param_text(parameters, "bodyTemplate") {
        if t.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(field_error(
                "parameters/bodyTemplate",
                format!("The body template may be at most {MAX_TEMPLATE_CHARS} characters long."),
            ));
        }
        template::check(&t).map_err(|e| {
            field_error(
                "parameters/bodyTemplate",
                format!("The body template cannot be used: {e}."),
            )
        })?;
    }
    Ok(())
}

/// Parses the `customHeaders` parameter: a JSON object of header names to string values.
fn custom_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let message = "The customHeaders parameter must be a JSON object whose keys are header names and whose values are strings, for example {\"X-Api-Key\": \"...\"}.";
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Err(message.into());
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let Value::String(v) = v else {
            return Err(message.into());
        };
        if !header_name_ok(&k) || !header_value_ok(&v) {
            return Err(message.into());
        }
        out.push((k, v));
    }
    Ok(out)
}

/// One HTTP request a webhook delivery makes. Debug hides the URL and header values.
pub struct WebhookRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl std::fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRequest")
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The request the webhook provider sends for one event (`event` is Unleash's
/// `eventSchema`): the event as JSON, or the body template rendered with `event` and
/// `eventJson` in its context; Content-Type (default `application/json`), Authorization
/// when set, and the custom headers.
pub fn webhook_request(
    parameters: &Map<String, Value>,
    event: &Value,
) -> Result<WebhookRequest, String> {
    let url = param_text(parameters, "url").ok_or("the webhook has no URL")?;
    let body = match param_text(parameters, "bodyTemplate") {
        Some(t) if t.len() > 1 => {
            let context = json!({"event": event, "eventJson": event.to_string()});
            template::render(&t, &context)
        }
        _ => event.to_string(),
    };
    let content_type = param_text(parameters, "contentType")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "application/json".into());
    let mut headers = vec![("Content-Type".to_string(), content_type)];
    if let Some(a) = param_text(parameters, "authorization").filter(|a| !a.is_empty()) {
        headers.push(("Authorization".into(), a));
    }
    if let Some(h) = param_text(parameters, "customHeaders") {
        headers.extend(custom_headers(&h)?);
    }
    Ok(WebhookRequest {
        url: url.trim().to_string(),
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addon(events: &[&str], projects: &[&str], environments: &[&str]) -> Addon {
        Addon {
            id: 1,
            provider: WEBHOOK.into(),
            description: None,
            enabled: true,
            parameters: Map::new(),
            events: events.iter().map(|s| s.to_string()).collect(),
            projects: projects.iter().map(|s| s.to_string()).collect(),
            environments: environments.iter().map(|s| s.to_string()).collect(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn filters_follow_unleash() {
        let a = addon(&["feature-created"], &[], &[]);
        assert!(a.wants("feature-created", None, None));
        assert!(!a.wants("feature-updated", None, None));
        let p = addon(&["feature-created"], &["alpha"], &["*"]);
        assert!(p.wants("feature-created", Some("alpha"), Some("production")));
        assert!(!p.wants("feature-created", Some("beta"), None));
        assert!(!p.wants("feature-created", None, None));
        let mut off = addon(&["feature-created"], &[], &[]);
        off.enabled = false;
        assert!(!off.wants("feature-created", None, None));
    }

    #[test]
    fn masked_values_keep_the_stored_ones() {
        let mut stored = addon(&[], &[], &[]);
        stored
            .parameters
            .insert("url".into(), json!("https://hooks.example.com/secret-path"));
        let body = json!({"provider": "webhook", "parameters": {"url": MASKED}, "events": []});
        let spec = validate(&body, Some(&stored)).unwrap();
        assert_eq!(
            spec.parameters["url"],
            "https://hooks.example.com/secret-path"
        );
        assert!(!format!("{stored:?}").contains("secret-path"));
        assert_eq!(stored.masked_parameters()["url"], MASKED);
    }
}
