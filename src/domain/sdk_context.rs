//! The SDK's evaluation context, built from what a caller sent: the frontend API's query
//! string and body, and the playground's context object.

use std::collections::HashMap;

use serde_json::{Map, Value};
use unleash_types::client_features::Context;

/// Context fields an SDK fills in itself; anything else is a custom property.
pub const TOP_LEVEL_FIELDS: [&str; 6] = [
    "userId",
    "sessionId",
    "remoteAddress",
    "environment",
    "appName",
    "currentTime",
];

/// A context with nothing set.
pub fn empty() -> Context {
    Context {
        user_id: None,
        session_id: None,
        environment: None,
        app_name: None,
        current_time: None,
        remote_address: None,
        properties: None,
    }
}

/// Sets a field SDKs know by name, or else the custom property of that name.
pub fn set_field(ctx: &mut Context, key: &str, value: String) {
    match key {
        "userId" => ctx.user_id = Some(value),
        "sessionId" => ctx.session_id = Some(value),
        "remoteAddress" => ctx.remote_address = Some(value),
        "environment" => ctx.environment = Some(value),
        "appName" => ctx.app_name = Some(value),
        "currentTime" => ctx.current_time = Some(value),
        _ => set_property(ctx, key, value),
    }
}

/// Sets a custom property.
pub fn set_property(ctx: &mut Context, name: &str, value: String) {
    ctx.properties
        .get_or_insert_with(HashMap::new)
        .insert(name.to_string(), value);
}

/// A JSON scalar as the text SDKs compare (strings as they are, numbers and booleans
/// written out); `None` for null, lists and objects.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The context for a context object: the known fields, `properties`, and any other
/// top-level scalar as a property (SDKs look custom fields up in both places). With
/// `skip_empty_custom`, a custom field sent as an empty string is left out.
pub fn from_object(map: &Map<String, Value>, skip_empty_custom: bool) -> Context {
    let mut ctx = empty();
    for (k, v) in map {
        if k == "properties" {
            for (pk, pv) in v.as_object().into_iter().flatten() {
                if let Some(s) = scalar(pv) {
                    set_property(&mut ctx, pk, s);
                }
            }
        } else if let Some(s) = scalar(v) {
            if !(skip_empty_custom && s.is_empty() && !TOP_LEVEL_FIELDS.contains(&k.as_str())) {
                set_field(&mut ctx, k, s);
            }
        }
    }
    ctx
}
