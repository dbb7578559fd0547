//! Completing the OpenAPI document with the answers every route shares.
//!
//! Each handler's `#[utoipa::path]` lists the answers its own logic gives (200, 404 for an
//! unknown id, 409 for a taken name, …). The layers and extractors in front of every handler
//! add answers of their own, the same for every route of a kind; [`complete`] declares them
//! once here, so the document lists every status code a route can answer and a client (or a
//! property-based tester) can rely on it:
//!
//! | status | who answers it | on which operations |
//! |---|---|---|
//! | 400 | the request guard (NUL in the path or query), path and query extractors, body parsing | all |
//! | 401, 403 | authentication: no or unknown credentials; a token of the wrong type, scope or permission | authenticated |
//! | 404 | an unknown id in the path | with path parameters |
//! | 408 | the request deadline | all |
//! | 413, 415 | body reading: longer than the limit; not JSON | with a request body |
//! | 429 | the failed-token throttle, for any request that carries a token | all |
//! | 431 | the request guard: too many or too large headers | all |
//! | 500 | the panic-catching layer and unexpected database failures | all |
//! | 503 | maintenance mode pausing changes | authenticated writes |

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, PathItem, Ref, RefOr, ResponseBuilder};

/// The name of the error body's schema in `components.schemas`.
const ERROR_SCHEMA: &str = "UnleashError";

/// Paths answered without credentials: operational probes and metrics, sign-in and its
/// helpers, invitations, Edge's token validation and the public leak report.
pub fn is_public(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/logout" | "/edge/validate")
        || path.starts_with("/auth/")
        || path.starts_with("/invite/")
        || path.starts_with("/api/public/")
        || path.starts_with("/internal-backstage/")
}

/// Declares the shared answers on every operation of `doc` (see the module documentation),
/// leaving each handler's own descriptions where it gave one.
pub fn complete(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .entry(ERROR_SCHEMA.to_string())
        .or_insert_with(|| RefOr::T(error_schema()));
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            complete_operation(path, method, op);
        }
    }
}

fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("OPTIONS", item.options.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

fn complete_operation(path: &str, method: &str, op: &mut Operation) {
    let authenticated = !is_public(path);
    let has_path_params = op.parameters.as_ref().is_some_and(|ps| {
        ps.iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Path))
    }) || path.contains('{');
    let has_body = op.request_body.is_some() || matches!(method, "POST" | "PUT" | "PATCH");

    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name(ERROR_SCHEMA)))
                                .build(),
                        )
                        .build(),
                )
            });
    };
    add(
        "400",
        "The request could not be read: a malformed path, query parameter or body, or a NUL character in any of them",
    );
    if authenticated {
        add(
            "401",
            "No credentials, or credentials that are unknown, expired or revoked",
        );
        add(
            "403",
            "The credentials are valid but may not do this: a token of another type, outside its scope, or a user without the permission",
        );
        if method != "GET" {
            add(
                "503",
                "Maintenance mode is on: changes are paused until an Admin turns it off",
            );
        }
    }
    if has_path_params {
        add("404", "Nothing matches the path");
    }
    add("408", "The request took longer than the server's deadline");
    if has_body {
        add("413", "The request body is longer than the server reads");
        add("415", "The request body is not JSON");
    }
    add(
        "429",
        "Too many failed token authentications from this client address; retry after the `Retry-After` seconds",
    );
    add("431", "Too many request headers, or headers too large");
    add(
        "500",
        "An unexpected error on the server; it has been logged",
    );
    // A handler's own description of an error (404 for an unknown id, 409 for a taken
    // name) comes without a body: every error answers Unleash's error body.
    for (status, response) in op.responses.responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if let RefOr::T(response) = response {
            if response.content.is_empty() {
                response.content.insert(
                    "application/json".to_string(),
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(ERROR_SCHEMA)))
                        .build(),
                );
            }
        }
    }
}

/// Unleash's error body: `{id, name, message, details}`; some answers carry only `message`.
fn error_schema() -> Schema {
    let detail = ObjectBuilder::new()
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .property("path", ObjectBuilder::new().schema_type(Type::String));
    Schema::Object(
        ObjectBuilder::new()
            .description(Some(
                "Unleash's error answer: what went wrong and, for invalid input, which field",
            ))
            .property("id", ObjectBuilder::new().schema_type(Type::String))
            .property("name", ObjectBuilder::new().schema_type(Type::String))
            .property("message", ObjectBuilder::new().schema_type(Type::String))
            .property("details", ArrayBuilder::new().items(detail))
            .required("message")
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_route_gets_its_own_telemetry_slot() {
        let doc = super::super::openapi();
        let t = crate::telemetry::Telemetry::default();
        t.install_routes(&doc);
        for path in doc.paths.paths.keys() {
            // A concrete path for the template: each {param} becomes "x1".
            let concrete: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "x1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            // A static sibling may win for "x1" only if it is literally "x1", which none is.
            let (count, found) = t.route_of(&concrete);
            assert_eq!(count, doc.paths.paths.len());
            assert_eq!(found, Some(path.as_str()), "{concrete}");
        }
    }

    #[test]
    fn every_operation_declares_the_shared_answers() {
        let doc = crate::http::openapi();
        let mut seen = 0;
        for (path, item) in &doc.paths.paths {
            let mut item = item.clone();
            for (method, op) in operations(&mut item) {
                seen += 1;
                let has = |s: &str| op.responses.responses.contains_key(s);
                for s in ["400", "408", "429", "431", "500"] {
                    assert!(has(s), "{method} {path} does not declare {s}");
                }
                for (status, response) in &op.responses.responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let RefOr::T(response) = response else {
                            continue;
                        };
                        assert!(
                            response.content.contains_key("application/json"),
                            "{method} {path}: the {status} answer declares no error body"
                        );
                    }
                }
                if !is_public(path) {
                    assert!(has("401") && has("403"), "{method} {path}");
                }
                if path.contains('{') {
                    assert!(has("404"), "{method} {path} does not declare 404");
                }
            }
        }
        assert!(seen > 100, "only {seen} operations");
    }

    #[test]
    fn public_paths_are_the_unauthenticated_ones() {
        assert!(is_public("/health"));
        assert!(is_public("/auth/simple/login"));
        assert!(is_public("/api/public/revoke-leaked-tokens"));
        assert!(!is_public("/api/admin/projects"));
        assert!(!is_public("/api/client/features"));
        assert!(is_public("/internal-backstage/prometheus"));
        assert!(!is_public("/api/admin/user"));
    }
}
