//! Unleash's flag export and import: `/api/admin/features-batch/{export,validate,import}`.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::principal::ApiTokenKind;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, Caller};
use crate::http::wire::flags::ImportValidation;
use crate::service::export_import::{self, ExportQuery, ImportRequest, Importer};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_features))
        .routes(routes!(validate_import))
        .routes(routes!(import_features))
}

/// Exports flags of one environment in Unleash's export format (any signed-in caller, as in
/// Unleash). Select them by `tag` (a tag value), a `features` list or a `project`; with
/// none of these, every flag. `downloadFile: true` adds a `Content-Disposition` header.
#[utoipa::path(post, path = "/api/admin/features-batch/export", tag = "Import/Export", responses(
    (status = 200, description = "The flags, their strategies, environments, tags and dependencies, and the context fields, segments and tag types they use", body = crate::http::wire::export::ExportDocument),
    (status = 400, description = "The query is not an `exportQuerySchema`"),
    (status = 401, description = "Not signed in"),
))]
async fn export_features(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(query): ApiJson<ExportQuery>,
) -> AppResult<Response> {
    let auth = p.authenticated();
    if let Some(seen) = p.visible_projects() {
        // A project-scoped token exports only flags of its projects.
        if let Some(project) = query
            .project
            .as_deref()
            .filter(|q| !seen.iter().any(|s| s == q))
        {
            return Err(crate::error::AppError::Forbidden(format!(
                "This personal access token is limited to projects {}; it cannot export project \"{project}\".",
                seen.join(", ")
            )));
        }
        let doc = export_import::export_document_of(&state, &query).await?;
        let outside = doc.features.iter().find(|f| !seen.contains(&f.project));
        if let Some(f) = outside {
            return Err(crate::error::AppError::Forbidden(format!(
                "This personal access token is limited to projects {}; the export holds flag {} of another project. Select only flags of those projects.",
                seen.join(", "),
                serde_json::Value::String(f.name.clone())
            )));
        }
    }
    let doc = export_import::export(&state, &auth, &query).await?;
    let mut res = Json(doc).into_response();
    if query.download_file == Some(true) {
        let name = format!(
            "attachment; filename=\"export-{}.json\"",
            state.clock.now().format("%Y-%m-%d")
        );
        if let Ok(v) = HeaderValue::from_str(&name) {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

/// Checks an import document against this server and the caller's permissions, changing
/// nothing: `{errors, warnings, permissions}`, each a list of `{message, affectedItems}`.
#[utoipa::path(post, path = "/api/admin/features-batch/validate", tag = "Import/Export", responses(
    (status = 200, description = "What importing the document would meet", body = ImportValidation),
    (status = 400, description = "The body is not an `importTogglesSchema`"),
    (status = 404, description = "No such project or environment"),
))]
async fn validate_import(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(req): ApiJson<ImportRequest>,
) -> AppResult<Response> {
    let v = export_import::validate(&state, &p, &req).await?;
    Ok(Json(ImportValidation::from(v)).into_response())
}

/// Imports an export document into a project and environment, all or nothing, with an
/// audit event per change. Admin API tokens are refused, as in Unleash.
#[utoipa::path(post, path = "/api/admin/features-batch/import", tag = "Import/Export", responses(
    (status = 200, description = "Imported; no body"),
    (status = 400, description = "The document cannot be imported (the message says why)"),
    (status = 403, description = "A permission the import needs is missing"),
    (status = 404, description = "No such project or environment"),
))]
async fn import_features(
    State(state): State<AppState>,
    Caller(p): Caller,
    ApiJson(req): ApiJson<ImportRequest>,
) -> AppResult<Response> {
    if matches!(&p, Principal::ApiToken(t) if t.kind == ApiTokenKind::Admin) {
        return Err(AppError::validation(
            "You can't use an admin token to import features. Please use either a personal access token (https://docs.getunleash.io/concepts/api-tokens-and-client-keys#personal-access-tokens) or a service account (https://docs.getunleash.io/concepts/service-accounts).",
        ));
    }
    export_import::import(&state, Importer::Caller(&p), &req).await?;
    Ok(StatusCode::OK.into_response())
}
