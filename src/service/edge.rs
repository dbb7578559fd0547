//! What Unleash Edge asks of its upstream beyond the client API: which of its tokens are
//! valid (`POST /edge/validate`) and the report Edge makes about itself
//! (`POST /api/client/metrics/edge`).

use serde_json::{json, Value};

use crate::auth::token::{classify, Presented};
use crate::auth::ApiTokenKind;
use crate::error::{AppError, AppResult};
use crate::service::{metrics, tokens};
use crate::state::AppState;

/// A token found valid, with what it may reach. (No `Debug`: it holds the secret.)
pub struct ValidToken {
    /// The token exactly as it was sent.
    pub token: String,
    pub kind: ApiTokenKind,
    /// `["*"]` for every project.
    pub projects: Vec<String>,
    /// `*` for admin tokens.
    pub environment: String,
}

/// How many tokens one validation request may name. Edge sends the handful it was started
/// with (or one it has just been shown); a larger list is refused rather than hashed.
pub const MAX_TOKENS_PER_REQUEST: usize = 1000;

/// Reads `{"tokens": [string, ...]}`, answering Unleash's messages for anything else.
pub fn parse_token_list(body: &Value) -> AppResult<Vec<String>> {
    let Some(field) = body.get("tokens") else {
        return Err(AppError::bad_field(
            "/body/tokens",
            "The `/body/tokens` property is required. It was not present on the data you sent.",
        ));
    };
    let Some(list) = field.as_array() else {
        return Err(AppError::bad_field(
            "/body/tokens",
            format!("The `/body/tokens` property must be array. You sent {field}."),
        ));
    };
    if list.len() > MAX_TOKENS_PER_REQUEST {
        return Err(AppError::bad_field(
            "/body/tokens",
            format!(
                "The `/body/tokens` property may list at most {MAX_TOKENS_PER_REQUEST} tokens. You sent {}.",
                list.len()
            ),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str().map(str::to_string).ok_or_else(|| {
                AppError::bad_field(
                    &format!("/body/tokens/{i}"),
                    format!("The `/body/tokens/{i}` property must be string. You sent {v}."),
                )
            })
        })
        .collect()
}

/// The valid API tokens among `candidates`, in the order given, each with its type,
/// environment and projects, as Unleash answers them. Unknown, deleted, expired and
/// malformed tokens (and personal access tokens) are left out; they are not errors.
pub async fn validate_tokens(
    state: &AppState,
    candidates: &[String],
) -> AppResult<Vec<ValidToken>> {
    let mut valid = Vec::new();
    for token in candidates {
        let token = token.as_str();
        if !matches!(
            classify(token),
            Presented::ApiTokenV2 { .. } | Presented::ApiTokenLegacy
        ) {
            continue;
        }
        let Some(found) = tokens::authenticate_api_token_cached(state, token).await? else {
            continue;
        };
        valid.push(ValidToken {
            token: token.to_string(),
            kind: found.kind,
            projects: found.projects.to_vec(),
            environment: found.environment.clone(),
        });
    }
    Ok(valid)
}

fn required_text<'a>(body: &'a Value, field: &str) -> AppResult<&'a str> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!("The `/body/{field}` property is required. It was not present on the data you sent."),
        )),
        Some(other) => Err(AppError::bad_field(
            &format!("/body/{field}"),
            format!("The `/body/{field}` property must be string. You sent {other}."),
        )),
    }
}

/// `POST /api/client/metrics/edge`: Edge's report about itself (its identifier, version,
/// traffic and upstream latency). Switchyard keeps what the Admin API can show: the Edge
/// instance under its application, with `unleash-edge:<version>` as its SDK version, in the
/// token's environment. The traffic figures themselves are not stored.
pub async fn record_instance_data(
    state: &AppState,
    environment: &str,
    body: &Value,
    client_ip: Option<&str>,
) -> AppResult<()> {
    if !body.is_object() {
        return Err(AppError::bad_field(
            "/body",
            "The request body must be an object with `identifier`, `appName` and `edgeVersion`.",
        ));
    }
    let identifier = required_text(body, "identifier")?;
    let app_name = required_text(body, "appName")?;
    let version = required_text(body, "edgeVersion")?;
    let registration = json!({
        "appName": app_name,
        "instanceId": identifier,
        "sdkVersion": format!("unleash-edge:{version}"),
    });
    metrics::register_instance(state, environment, &registration, client_ip).await
}
