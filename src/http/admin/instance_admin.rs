//! Instance statistics for administrators.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{AppError, AppResult};
use crate::http::extract::Caller;
use crate::http::wire::operations::InstanceStatsBody;
use crate::service::stats;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(instance_statistics))
        .routes(routes!(instance_statistics_csv))
}

/// What this installation holds, counted: users, flags, projects, environments, segments,
/// API tokens, recent production changes and more (ADMIN).
#[utoipa::path(get, path = "/api/admin/instance-admin/statistics", tag = "Instance Admin", responses(
    (status = 200, description = "`instanceAdminStatsSchema`", body = InstanceStatsBody),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn instance_statistics(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Json<InstanceStatsBody>> {
    p.require_admin()?;
    Ok(Json(stats::instance_statistics(&state).await?.into()))
}

/// The same statistics as one CSV header line and one value line, for reports (ADMIN).
/// Nested values (lists, objects) are written as JSON in their cell.
#[utoipa::path(get, path = "/api/admin/instance-admin/statistics/csv", tag = "Instance Admin", responses(
    (status = 200, description = "`text/csv`: a header line and a value line", content_type = "text/csv"),
    (status = 401, description = "Not signed in"),
    (status = 403, description = "Needs ADMIN"),
))]
async fn instance_statistics_csv(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> AppResult<Response> {
    p.require_admin()?;
    let body = InstanceStatsBody::from(stats::instance_statistics(&state).await?);
    let stats = serde_json::to_value(body).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"unleash-stats.csv\"",
            ),
        ],
        csv_of(&stats),
    )
        .into_response())
}

/// One quoted CSV cell.
fn cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A JSON object as a CSV header line and a value line (keys in alphabetical order):
/// text and nested values quoted, numbers and booleans bare.
fn csv_of(stats: &Value) -> String {
    let Some(fields) = stats.as_object() else {
        return String::new();
    };
    let header: Vec<String> = fields.keys().map(|k| cell(k)).collect();
    let values: Vec<String> = fields
        .values()
        .map(|v| match v {
            Value::String(s) => cell(s),
            Value::Null => String::new(),
            Value::Number(_) | Value::Bool(_) => v.to_string(),
            other => cell(&other.to_string()),
        })
        .collect();
    format!("{}\n{}\n", header.join(","), values.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_and_nested_values() {
        let v = serde_json::json!({"b": 2, "a": "say \"hi\"", "c": null, "d": [1, 2]});
        assert_eq!(
            csv_of(&v),
            "\"a\",\"b\",\"c\",\"d\"\n\"say \"\"hi\"\"\",2,,\"[1,2]\"\n"
        );
    }
}
