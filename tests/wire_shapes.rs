//! The OpenAPI document's response schemas describe what the flag, project and
//! configuration routes really answer: real answers, through the real router, are checked
//! against the schema the document declares for their status. The requests are a table of
//! rows (method, path, body), sent in order.

mod common;

use std::collections::BTreeMap;

use common::{Auth, TestApp};
use serde_json::{json, Value};

/// Checks `value` against `schema` (the subset of JSON Schema the document uses: `$ref`,
/// `type`, `properties`, `required`, `additionalProperties`, `items`, `oneOf`, `allOf`,
/// `enum`), returning what does not fit, each with the path where it is.
fn violations(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "{at}: the document has no schema {name}");
        return violations(doc, target, value, at);
    }
    let mut out = Vec::new();
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            out.extend(violations(doc, s, value, at));
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let fitting = one
            .iter()
            .filter(|s| violations(doc, s, value, at).is_empty())
            .count();
        if fitting != 1 {
            out.push(format!(
                "{at}: fits {fitting} of the oneOf schemas: {value}"
            ));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            out.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !fits {
            out.push(format!("{at}: {value} is not of type {types:?}"));
            return out;
        }
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    out.push(format!("{at}: the required field {r} is missing"));
                }
            }
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => out.extend(violations(doc, s, v, &format!("{at}/{k}"))),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        out.push(format!("{at}: the field {k} is not declared"))
                    }
                    Some(s @ Value::Object(_)) => {
                        out.extend(violations(doc, s, v, &format!("{at}/{k}")))
                    }
                    // A declared object should name every field it answers.
                    _ if props.is_some() => {
                        out.push(format!("{at}: the field {k} is not declared"))
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            out.extend(violations(doc, items, v, &format!("{at}/{i}")));
        }
    }
    out
}

/// The path of the document's operations that `path` is an instance of.
fn template<'a>(doc: &'a Value, path: &str) -> &'a str {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let mut candidates: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|t| {
            let tparts: Vec<&str> = t.split('/').collect();
            tparts.len() == parts.len()
                && tparts
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')))
        })
        .collect();
    // The most literal template wins (`/strategies/set-sort-order` over `/strategies/{id}`).
    candidates.sort_by_key(|t| t.matches('{').count());
    candidates
        .first()
        .unwrap_or_else(|| panic!("no documented path matches {path}"))
}

struct Checker {
    doc: Value,
    checked: usize,
    failures: Vec<String>,
}

impl Checker {
    /// Sends the request and checks its answer against the schema declared for its status,
    /// which must be declared with a JSON body when the answer has one.
    async fn check(
        &mut self,
        app: &TestApp,
        method: &str,
        path: &str,
        body: Option<Value>,
        auth: &Auth,
    ) -> Value {
        let res = app.call(method, path, body, auth).await;
        assert!(
            res.status.is_success(),
            "{method} {path} answered {}: {}",
            res.status,
            res.text
        );
        let t = template(&self.doc, path);
        let op = &self.doc["paths"][t][method.to_lowercase()];
        let declared = &op["responses"][res.status.as_str()];
        assert!(
            !declared.is_null(),
            "{method} {t} does not declare {}",
            res.status
        );
        if res.text.is_empty() {
            return Value::Null;
        }
        let schema = &declared["content"]["application/json"]["schema"];
        if schema.is_null() {
            self.failures.push(format!(
                "{method} {t} {}: no JSON schema declared",
                res.status
            ));
            return res.json;
        }
        for v in violations(&self.doc, schema, &res.json, "") {
            self.failures.push(format!("{method} {path}: {v}"));
        }
        self.checked += 1;
        res.json
    }
}

/// One request of the check: method, path under `/api/admin`, body, and optionally a name
/// under which to keep the `id` of its answer. A later row may use a kept id as `{name}` in
/// its path, or as `"{name}"` for the whole of a JSON value in its body.
struct Row {
    method: &'static str,
    path: String,
    body: Option<Value>,
    keep_id_as: Option<&'static str>,
}

fn row(method: &'static str, path: impl Into<String>, body: Option<Value>) -> Row {
    Row {
        method,
        path: path.into(),
        body,
        keep_id_as: None,
    }
}

fn get(path: impl Into<String>) -> Row {
    row("GET", path, None)
}

fn post(path: impl Into<String>, body: Value) -> Row {
    row("POST", path, Some(body))
}

fn put(path: impl Into<String>, body: Value) -> Row {
    row("PUT", path, Some(body))
}

impl Row {
    fn keeping_id_as(mut self, name: &'static str) -> Row {
        self.keep_id_as = Some(name);
        self
    }
}

/// Puts the kept ids into a row's path and body.
fn fill(row: &Row, kept: &BTreeMap<&'static str, Value>) -> (String, Option<Value>) {
    let mut path = row.path.clone();
    let mut body = row.body.as_ref().map(Value::to_string);
    for (name, id) in kept {
        let text = id.as_str().map_or_else(|| id.to_string(), str::to_string);
        path = path.replace(&format!("{{{name}}}"), &text);
        body = body.map(|b| b.replace(&format!("\"{{{name}}}\""), &id.to_string()));
    }
    let body = body.map(|b| serde_json::from_str(&b).expect("a JSON body"));
    (format!("/api/admin{path}"), body)
}

/// The requests of the check, in order: configuration, a project with flags and everything
/// a flag can carry, then every read (the cached ones twice: built, then served from
/// memory), and the answers computed from flags (playground, export).
fn rows() -> Vec<Row> {
    let flag = "/projects/shop/features/checkout";
    let envs = format!("{flag}/environments/development");
    let strategy = format!("{envs}/strategies/{{strategy}}");
    let basket_envs = "/projects/shop/features/basket/environments/development";
    let mut rows = vec![
        // Configuration: an environment, a tag type, a context field, segments, a strategy type.
        post("/environments", json!({"name": "staging", "type": "test"})),
        post("/tag-types", json!({"name": "team", "description": "Teams"})),
        post("/context", json!({"name": "region", "legalValues": [{"value": "eu", "description": "Europe"}, {"value": "us"}], "stickiness": true})),
        post("/segments", json!({"name": "europe", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]})).keeping_id_as("segment"),
        post("/strategies", json!({"name": "custom", "parameters": [{"name": "p", "type": "string", "description": "x", "required": false}]})),
        // A project made by a signed-in user (so it has a user owner), with flags.
        post("/projects", json!({"id": "shop", "name": "Shop"})),
        // New environments are enabled in every project at once; one is taken out and put back.
        row("DELETE", "/projects/shop/environments/staging", None),
        post("/projects/shop/environments", json!({"environment": "staging"})),
        put("/projects/shop", json!({"id": "shop", "name": "The shop", "description": "Things"})),
        post("/projects/shop/features", json!({"name": "checkout", "description": "d", "impressionData": true})),
        post("/projects/shop/features", json!({"name": "basket", "description": "d", "impressionData": true})),
        post(format!("{envs}/strategies"), json!({
            "name": "flexibleRollout",
            "title": "Half",
            "parameters": {"rollout": "50", "stickiness": "default", "groupId": "checkout"},
            "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}, {"contextName": "userId", "operator": "NUM_GT", "value": "3", "inverted": true}],
            "segments": ["{segment}"],
            "variants": [{"name": "a", "weight": 1000, "weightType": "variable", "stickiness": "default", "payload": {"type": "string", "value": "x"}}],
        })).keeping_id_as("strategy"),
        put(strategy.clone(), json!({"name": "flexibleRollout", "parameters": {"rollout": "60", "stickiness": "default", "groupId": "checkout"}})),
        row("PATCH", strategy.clone(), Some(json!([{"op": "replace", "path": "/title", "value": "Sixty"}]))),
        row("POST", format!("{envs}/on"), None),
        put(format!("{envs}/variants"), json!([{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default", "payload": {"type": "json", "value": "{}"}, "overrides": [{"contextName": "userId", "values": ["1"]}]}])),
        post("/features/checkout/tags", json!({"type": "team", "value": "payments"})),
        post("/projects/shop/features/basket/dependencies", json!({"feature": "checkout", "enabled": true, "variants": ["blue"]})),
        post(format!("{flag}/link"), json!({"url": "https://example.com/ticket", "title": "Ticket"})),
        row("POST", format!("{flag}/favorites"), None),
        row("POST", "/projects/shop/favorites", None),
        post(format!("{flag}/clone"), json!({"name": "checkout-copy"})),
        post("/projects/shop/archive", json!({"features": ["checkout-copy"]})),
    ];
    // Reads, the cached ones twice (built, then served from memory).
    for _ in 0..2 {
        rows.extend([
            get("/projects"),
            get("/projects/shop"),
            get("/projects/shop/features"),
            get(flag),
            get("/projects/shop/features/basket"),
        ]);
    }
    rows.extend(
        [
            "/projects/default",
            "/projects/shop/access",
            "/projects/shop/flag-creators",
            "/projects/shop/dependencies",
            "/projects/shop/features/basket/parents",
            "/projects/shop/features/checkout/parent-variants",
            "/projects/shop/features/checkout/environments/development",
            "/projects/shop/features/checkout/environments/development/strategies",
            "/projects/shop/features/checkout/environments/development/variants",
            "/projects/shop/features/checkout/variants",
            "/roles",
            "/features",
            "/search/features?project=IS:shop",
            "/archive/features",
            "/archive/features/shop",
            "/feature-types",
            "/features/checkout/tags",
            "/environments",
            "/environments/staging",
            "/environments/project/shop",
            "/segments",
            "/strategies",
            "/strategies/custom",
            "/context",
            "/context/region",
            "/context/region/strategies",
            "/tag-types",
            "/tag-types/team",
            "/tags",
            "/tags/team",
            "/events",
            "/events/checkout",
            "/search/events",
            "/event-creators",
            "/segments/{segment}",
            "/segments/{segment}/strategies",
            "/segments/strategies/{strategy}",
        ]
        .map(get),
    );
    rows.extend([
        get(strategy),
        // A custom strategy makes the playground's outcome `unknown`.
        post(format!("{basket_envs}/strategies"), json!({"name": "custom", "parameters": {"p": "x"}})),
        row("POST", format!("{basket_envs}/on"), None),
        post("/playground", json!({"environment": "development", "projects": "*", "context": {"appName": "web", "userId": "7", "properties": {"region": "eu"}}})),
        post("/playground/advanced", json!({"environments": ["development", "staging"], "projects": ["shop"], "context": {"appName": "web", "userId": "1,2", "region": ["eu"]}})),
        post("/features-batch/export", json!({"environment": "development", "project": "shop"})),
    ]);
    rows
}

#[tokio::test]
async fn answers_fit_the_schemas_the_document_declares() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let doc = serde_json::to_value(switchyard::http::openapi()).unwrap();
    let mut c = Checker {
        doc,
        checked: 0,
        failures: Vec::new(),
    };
    let mut kept = BTreeMap::new();
    for r in rows() {
        let (path, body) = fill(&r, &kept);
        let answer = c.check(&app, r.method, &path, body, &admin).await;
        if let Some(name) = r.keep_id_as {
            kept.insert(name, answer["id"].clone());
        }
    }

    assert!(c.checked > 60, "only {} answers were checked", c.checked);
    assert!(
        c.failures.is_empty(),
        "answers that do not fit the document:\n{}",
        c.failures.join("\n")
    );
}

/// The check above is only worth something if it refuses answers that do not fit.
#[test]
fn the_check_refuses_what_does_not_fit() {
    let doc = serde_json::to_value(switchyard::http::openapi()).unwrap();
    let flag = json!({"$ref": "#/components/schemas/FlagSchema"});
    let good = json!({"archived": false, "createdAt": "2024-01-01T00:00:00.000Z", "description": null, "impressionData": false, "name": "a", "project": "default", "stale": false, "type": "release"});
    assert_eq!(violations(&doc, &flag, &good, ""), Vec::<String>::new());
    let mut wrong_type = good.clone();
    wrong_type["name"] = json!(1);
    assert_eq!(violations(&doc, &flag, &wrong_type, "").len(), 1);
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("stale");
    assert_eq!(violations(&doc, &flag, &missing, "").len(), 1);
    let mut extra = good.clone();
    extra["colour"] = json!("red");
    assert_eq!(violations(&doc, &flag, &extra, "").len(), 1);
    // A user owner must not also pass for the system owner.
    let owner = json!({"$ref": "#/components/schemas/ProjectOwner"});
    let user = json!({"email": null, "imageUrl": null, "name": "Ann", "ownerType": "user"});
    assert_eq!(violations(&doc, &owner, &user, ""), Vec::<String>::new());
}
