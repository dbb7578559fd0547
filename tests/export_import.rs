//! Unleash's flag export and import (`/api/admin/features-batch/*`) and the start-up import
//! (`IMPORT_FILE`), driven with a document exported by the real Unleash 8.2.

mod common;

use common::{test_config, Auth, TestApp, TestDb};
use serde_json::{json, Value};

const EXPORT: &str = "/api/admin/features-batch/export";
const VALIDATE: &str = "/api/admin/features-batch/validate";
const IMPORT: &str = "/api/admin/features-batch/import";

/// The export of the `exp1-*` flags from Unleash 8.2's `development` environment.
fn fixture() -> Value {
    let text = include_str!("data/unleash-8.2-export.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// The segments the fixture's strategies use; an import never creates segments.
async fn create_segments(app: &TestApp, admin: &Auth) {
    app.post(
        "/api/admin/segments",
        json!({"name": "exp1-beta", "description": "Beta testers", "constraints": [{"contextName": "userId", "operator": "IN", "values": ["u1", "u2"]}]}),
        admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/segments",
        json!({"name": "exp1-internal", "description": "Staff", "constraints": [{"contextName": "exp1Region", "operator": "IN", "values": ["eu"]}]}),
        admin,
    )
    .await
    .expect(201);
}

async fn segment_id(app: &TestApp, admin: &Auth, name: &str) -> i64 {
    let segs = app.get("/api/admin/segments", admin).await.expect(200).json;
    segs["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("segment {name}"))
}

fn import_body(data: Value) -> Value {
    json!({"project": "default", "environment": "development", "data": data})
}

fn names(doc: &Value) -> Vec<String> {
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

async fn export_dev(app: &TestApp, auth: &Auth, names: &[String]) -> Value {
    app.post(
        EXPORT,
        json!({"features": names, "environment": "development"}),
        auth,
    )
    .await
    .expect(200)
    .json
}

/// An export with what differs between servers taken out: strategy ids, and segment ids
/// (compared by name).
fn comparable(doc: &Value) -> Value {
    let mut d = doc.clone();
    let seg_names: std::collections::HashMap<i64, String> = d["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for s in d["featureStrategies"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("id");
        let segs: Vec<Value> = s["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| json!(seg_names[&i.as_i64().unwrap()]))
            .collect();
        s["segments"] = json!(segs);
    }
    let mut segs: Vec<String> = seg_names.into_values().collect();
    segs.sort();
    d["segments"] = json!(segs);
    d
}

async fn client_token(app: &TestApp, admin: &Auth) -> Auth {
    let secret = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "exp-client", "type": "client", "environment": "development", "projects": ["*"]}),
            admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    Auth::Token(secret)
}

#[tokio::test]
async fn unleash_export_imports_and_every_flag_reads_back() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create_segments(&app, &admin).await;
    let beta = segment_id(&app, &admin, "exp1-beta").await;
    let internal = segment_id(&app, &admin, "exp1-internal").await;

    let v = app
        .post(VALIDATE, import_body(fixture()), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(v["errors"], json!([]), "{v}");
    assert_eq!(v["permissions"], json!([]), "{v}");
    let res = app
        .post(IMPORT, import_body(fixture()), &admin)
        .await
        .expect(200);
    assert!(res.text.is_empty());

    // Admin API: metadata, strategies, enabled state.
    let base = "/api/admin/projects/default/features";
    let checkout = app
        .get(&format!("{base}/exp1-checkout"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(checkout["description"], "New checkout");
    assert_eq!(checkout["impressionData"], true);
    let dev = checkout["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "development")
        .unwrap()
        .clone();
    assert_eq!(dev["enabled"], true);
    let strategies = dev["strategies"].as_array().unwrap();
    assert_eq!(strategies.len(), 2);
    assert_eq!(strategies[0]["name"], "flexibleRollout");
    assert_eq!(strategies[0]["title"], "Half of Europe");
    assert_eq!(strategies[0]["parameters"]["rollout"], "50");
    assert_eq!(strategies[0]["parameters"]["stickiness"], "exp1Region");
    assert_eq!(strategies[0]["segments"], json!([beta, internal]));
    assert_eq!(strategies[0]["constraints"][1]["operator"], "STR_CONTAINS");
    assert_eq!(strategies[0]["constraints"][1]["inverted"], true);
    assert_eq!(strategies[0]["constraints"][1]["caseInsensitive"], true);
    assert_eq!(
        strategies[0]["constraints"][2]["value"],
        "2024-01-01T00:00:00.000Z"
    );
    assert_eq!(strategies[0]["variants"][0]["name"], "blue");
    assert_eq!(strategies[0]["variants"][0]["payload"]["type"], "json");
    assert_eq!(strategies[1]["name"], "default");
    assert_eq!(strategies[1]["disabled"], true);
    assert_eq!(strategies[1]["title"], "Everyone (paused)");
    // Other environments are untouched by an import into `development`.
    let prod = checkout["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "production")
        .unwrap()
        .clone();
    assert_eq!(prod["enabled"], false);
    assert_eq!(prod["strategies"], json!([]));

    let kill = app
        .get(&format!("{base}/exp1-kill"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(kill["type"], "kill-switch");
    assert_eq!(kill["stale"], true);

    let variants = app
        .get(
            &format!("{base}/exp1-banner/environments/development/variants"),
            &admin,
        )
        .await
        .expect(200)
        .json;
    let vs = variants["variants"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    let red = vs.iter().find(|v| v["name"] == "red").unwrap();
    assert_eq!(red["weightType"], "fix");
    assert_eq!(red["weight"], 700);
    assert_eq!(red["overrides"][0]["values"], json!(["alice"]));

    let child = app
        .get(&format!("{base}/exp1-child"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(child["dependencies"][0]["feature"], "exp1-checkout");
    assert_eq!(child["dependencies"][0]["variants"], json!(["blue"]));
    let child_off = app
        .get(&format!("{base}/exp1-child-off"), &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(child_off["dependencies"][0]["feature"], "exp1-banner");
    assert_eq!(child_off["dependencies"][0]["enabled"], false);

    // Tags, the new tag type and the new context field.
    let tags = app
        .get("/api/admin/features/exp1-checkout/tags", &admin)
        .await
        .expect(200)
        .json;
    let tags = tags["tags"].as_array().unwrap();
    assert!(tags.contains(&json!({"type": "simple", "value": "exp1-web"})));
    assert!(tags.contains(&json!({"type": "exp1-team", "value": "payments"})));
    app.get("/api/admin/tag-types/exp1-team", &admin)
        .await
        .expect(200);
    let region = app
        .get("/api/admin/context/exp1Region", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(region["stickiness"], true);
    assert_eq!(
        region["legalValues"][0],
        json!({"value": "eu", "description": "Europe"})
    );
    assert_eq!(region["legalValues"].as_array().unwrap().len(), 3);

    // The client API serves the imported state at once.
    let client = client_token(&app, &admin).await;
    let served = app
        .get("/api/client/features", &client)
        .await
        .expect(200)
        .json;
    let flag = |n: &str| {
        served["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap_or_else(|| panic!("{n} served"))
            .clone()
    };
    assert_eq!(flag("exp1-checkout")["enabled"], true);
    assert_eq!(
        flag("exp1-checkout")["strategies"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the disabled strategy is not served"
    );
    assert_eq!(flag("exp1-child-off")["enabled"], false);
    assert_eq!(flag("exp1-banner")["variants"].as_array().unwrap().len(), 2);
    assert_eq!(
        flag("exp1-child")["dependencies"][0]["feature"],
        "exp1-checkout"
    );

    // Audit: the import and its parts are in the event log.
    let events = app
        .get("/api/admin/search/events?type=features-imported", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(events["events"][0]["project"], "default");
    assert_eq!(events["events"][0]["environment"], "development");
    let created = app
        .get("/api/admin/search/events?type=feature-created", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(created["total"], 5, "{created}");
}

#[tokio::test]
async fn export_then_import_into_a_fresh_server_gives_the_same_export() {
    let first = TestApp::new().await;
    let admin = first.admin().await;
    create_segments(&first, &admin).await;
    first
        .post(IMPORT, import_body(fixture()), &admin)
        .await
        .expect(200);
    let flags = names(&fixture());
    // A flag link (not in Unleash's fixture) travels with the flag.
    first
        .post(
            &format!("/api/admin/projects/default/features/{}/link", flags[0]),
            json!({"url": "https://example.com/runbook", "title": "Runbook"}),
            &admin,
        )
        .await
        .expect(204);
    let exported = export_dev(&first, &admin, &flags).await;
    // The same document as Unleash's, apart from ids and constraint defaults Unleash
    // leaves out when they were not sent.
    assert_eq!(exported["features"], fixture()["features"]);
    assert_eq!(
        exported["featureEnvironments"],
        fixture()["featureEnvironments"]
    );
    let sorted_tags = |d: &Value| {
        let mut t = d["featureTags"].as_array().unwrap().clone();
        t.sort_by_key(|x| x.to_string());
        t
    };
    assert_eq!(sorted_tags(&exported), sorted_tags(&fixture()));
    assert_eq!(exported["dependencies"], fixture()["dependencies"]);
    assert_eq!(
        exported["links"],
        json!([{"feature": flags[0], "links": [{"url": "https://example.com/runbook", "title": "Runbook"}]}])
    );

    let second = TestApp::new().await;
    let admin2 = second.admin().await;
    create_segments(&second, &admin2).await;
    second
        .post(IMPORT, import_body(exported.clone()), &admin2)
        .await
        .expect(200);
    let again = export_dev(&second, &admin2, &flags).await;
    assert_eq!(comparable(&again), comparable(&exported));
    assert_eq!(again["links"], exported["links"]);

    // Importing the same document again changes nothing visible.
    second
        .post(IMPORT, import_body(exported.clone()), &admin2)
        .await
        .expect(200);
    let third = export_dev(&second, &admin2, &flags).await;
    assert_eq!(comparable(&third), comparable(&exported));
    assert_eq!(third["links"], exported["links"], "links are not doubled");

    // Selection by project and by tag value; `downloadFile` makes it an attachment.
    let by_project = second
        .post(
            EXPORT,
            json!({"project": "default", "environment": "development", "downloadFile": true}),
            &admin2,
        )
        .await
        .expect(200);
    assert!(by_project
        .header("content-disposition")
        .is_some_and(|h| h.starts_with("attachment")));
    assert_eq!(names(&by_project.json).len(), 5);
    let by_tag = second
        .post(
            EXPORT,
            json!({"tag": "growth", "environment": "development"}),
            &admin2,
        )
        .await
        .expect(200)
        .json;
    assert_eq!(names(&by_tag), vec!["exp1-banner"]);
    assert_eq!(by_tag["tagTypes"][0]["name"], "exp1-team");
    assert_eq!(by_tag["segments"], json!([]));

    // Every export is in the audit log, with what it contained.
    let exports = second
        .get("/api/admin/search/events?type=features-exported", &admin2)
        .await
        .expect(200)
        .json;
    assert_eq!(exports["total"], 4);
    assert_eq!(
        exports["events"][0]["data"]["features"][0]["name"],
        "exp1-banner"
    );
}

fn item_for<'a>(list: &'a Value, starts: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["message"].as_str().unwrap().starts_with(starts))
        .unwrap_or_else(|| panic!("no item starting with {starts:?} in {list}"))
}

#[tokio::test]
async fn validate_reports_each_error_and_warning_class() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    // A flag in another project, an archived flag, an existing flag, a context field whose
    // legal values differ, a custom strategy.
    app.post(
        "/api/admin/projects",
        json!({"id": "other", "name": "Other"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/other/features",
        json!({"name": "taken"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "old"}),
        &admin,
    )
    .await
    .expect(201);
    app.delete("/api/admin/projects/default/features/old", &admin)
        .await
        .expect(202);
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "here"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/context",
        json!({"name": "region", "legalValues": [{"value": "eu"}]}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/strategies",
        json!({"name": "my-custom", "parameters": []}),
        &admin,
    )
    .await
    .expect(201);

    let data = json!({
        "features": [{"name": "taken"}, {"name": "old"}, {"name": "here"}, {"name": "twice"}, {"name": "twice"}, {"name": "kid"}],
        "featureStrategies": [
            {"name": "nope", "featureName": "here"},
            {"name": "my-custom", "featureName": "here"},
        ],
        "contextFields": [{"name": "region", "legalValues": [{"value": "eu"}, {"value": "mars"}]}],
        "segments": [{"id": 7, "name": "ghost-segment"}],
        "dependencies": [{"feature": "kid", "dependencies": [{"feature": "no-such-parent", "enabled": true}]}],
        "tagTypes": [],
        "links": [{"feature": "here", "links": [{"id": "l1", "url": "https://example.com", "title": null}]}],
    });
    let v = app
        .post(VALIDATE, import_body(data.clone()), &admin)
        .await
        .expect(200)
        .json;
    let errors = &v["errors"];
    assert_eq!(
        item_for(errors, "We detected the following custom strategy")["affectedItems"],
        json!(["nope"])
    );
    assert_eq!(
        item_for(errors, "We detected the following context fields")["affectedItems"],
        json!(["region"])
    );
    let other = item_for(
        errors,
        "You cannot import a features that already exist in other projects",
    );
    assert!(other["message"]
        .as_str()
        .unwrap()
        .ends_with("outside of project default:"));
    assert_eq!(other["affectedItems"], json!(["taken (in project other)"]));
    assert_eq!(
        item_for(errors, "We detected the following features are duplicate")["affectedItems"],
        json!(["twice"])
    );
    assert_eq!(
        item_for(errors, "We detected the following segments")["affectedItems"],
        json!(["ghost-segment"])
    );
    assert_eq!(
        item_for(errors, "We detected the following dependencies")["affectedItems"],
        json!(["no-such-parent"])
    );
    let warnings = &v["warnings"];
    assert_eq!(
        item_for(warnings, "The following strategy types will be used")["affectedItems"],
        json!(["my-custom"])
    );
    assert_eq!(
        item_for(
            warnings,
            "The following features will not be imported as they are currently archived"
        )["affectedItems"],
        json!(["old"])
    );
    assert_eq!(
        item_for(
            warnings,
            "The following features already exist in this project"
        )["affectedItems"],
        json!(["here"])
    );
    assert!(
        !warnings.to_string().contains("links"),
        "links are imported: {warnings}"
    );
    assert_eq!(v["permissions"], json!([]));

    // The import refuses with Unleash's message for the first failing check.
    let res = app
        .post(IMPORT, import_body(data), &admin)
        .await
        .expect(400);
    assert!(
        res.json["message"]
            .as_str()
            .unwrap()
            .contains("Some of the strategies you are trying to import are not supported."),
        "{}",
        res.text
    );
    assert_eq!(res.json["details"][0]["message"], "nope is not supported.");

    let res = app
        .post(
            IMPORT,
            import_body(
                json!({"features": [{"name": "taken"}], "featureStrategies": [], "tagTypes": []}),
            ),
            &admin,
        )
        .await
        .expect(400);
    assert!(
        res.text
            .contains("These features exist already in other projects: taken (in project other)"),
        "{}",
        res.text
    );

    // A document without the required lists is a 400 naming the field.
    let res = app
        .post(IMPORT, import_body(json!({"features": []})), &admin)
        .await
        .expect(400);
    assert!(res.text.contains("featureStrategies"), "{}", res.text);
    // An unknown environment or project is a 404.
    app.post(
        VALIDATE,
        json!({"project": "nowhere", "environment": "development", "data": fixture()}),
        &admin,
    )
    .await
    .expect(404);
    app.post(
        IMPORT,
        json!({"project": "default", "environment": "nowhere", "data": fixture()}),
        &admin,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn viewers_may_not_import_and_editors_may() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create_segments(&app, &admin).await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let (_, editor) = app.user("eddie", "Editor").await;

    // Anyone signed in may export and validate; the answer lists what a Viewer lacks.
    app.post(EXPORT, json!({"environment": "development"}), &viewer)
        .await
        .expect(200);
    let v = app
        .post(VALIDATE, import_body(fixture()), &viewer)
        .await
        .expect(200)
        .json;
    let perms = item_for(
        &v["permissions"],
        "We detected you are missing the following permissions:",
    );
    let missing = perms["affectedItems"].as_array().unwrap();
    for p in [
        "Update feature",
        "Create feature",
        "Create feature strategy",
        "Create context field",
        "Create tag type",
        "Update feature environment variants",
    ] {
        assert!(missing.contains(&json!(p)), "{p} missing from {perms}");
    }
    let res = app
        .post(IMPORT, import_body(fixture()), &viewer)
        .await
        .expect(403);
    assert_eq!(res.json["name"], "PermissionError");
    app.get("/api/admin/projects/default/features/exp1-checkout", &admin)
        .await
        .expect(404);

    let v = app
        .post(VALIDATE, import_body(fixture()), &editor)
        .await
        .expect(200)
        .json;
    assert_eq!(v["permissions"], json!([]));
    app.post(IMPORT, import_body(fixture()), &editor)
        .await
        .expect(200);
    app.get("/api/admin/projects/default/features/exp1-checkout", &admin)
        .await
        .expect(200);
}

#[tokio::test]
async fn admin_api_tokens_may_export_but_not_import() {
    // Unleash refuses admin API tokens on import: such a token acts as no one in particular.
    let app = TestApp::with_config(|c| {
        c.init_admin_api_tokens = vec!["*:*.exp-admin-secret".into()];
    })
    .await;
    let token = Auth::Token("*:*.exp-admin-secret".into());
    app.post(EXPORT, json!({"environment": "development"}), &token)
        .await
        .expect(200);
    let res = app
        .post(IMPORT, import_body(fixture_without_segments()), &token)
        .await
        .expect(400);
    assert!(
        res.text
            .contains("You can't use an admin token to import features."),
        "{}",
        res.text
    );
}

#[tokio::test]
async fn an_import_that_fails_part_way_changes_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    create_segments(&app, &admin).await;
    let client = client_token(&app, &admin).await;
    let before_etag = app
        .get("/api/client/features", &client)
        .await
        .expect(200)
        .header("etag");
    let before_events = app.get("/api/admin/events", &admin).await.expect(200).json["events"]
        .as_array()
        .unwrap()
        .len();

    // Passes the checks, then fails while writing: the last tag names a tag type that
    // neither exists nor is in the document, after flags, variants and tags were written.
    let mut bad = fixture();
    bad["featureTags"]
        .as_array_mut()
        .unwrap()
        .push(json!({"featureName": "exp1-kill", "tagType": "no-such-type", "tagValue": "xyz"}));
    let res = app.post(IMPORT, import_body(bad), &admin).await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.text);
    assert!(res.text.contains("no-such-type"), "{}", res.text);

    // A strategy with invalid variants fails late too.
    let mut bad = fixture();
    bad["featureStrategies"][4]["variants"] = json!([{"name": "x", "weight": "heavy"}]);
    let res = app.post(IMPORT, import_body(bad), &admin).await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.text);

    for name in names(&fixture()) {
        app.get(
            &format!("/api/admin/projects/default/features/{name}"),
            &admin,
        )
        .await
        .expect(404);
    }
    app.get("/api/admin/context/exp1Region", &admin)
        .await
        .expect(404);
    app.get("/api/admin/tag-types/exp1-team", &admin)
        .await
        .expect(404);
    let after_events = app.get("/api/admin/events", &admin).await.expect(200).json["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before_events, after_events);
    let after_etag = app
        .get("/api/client/features", &client)
        .await
        .expect(200)
        .header("etag");
    assert_eq!(before_etag, after_etag);
}

/// The fixture without segments, so it can be imported before anything else exists.
fn fixture_without_segments() -> Value {
    let mut doc = fixture();
    doc["segments"] = json!([]);
    for s in doc["featureStrategies"].as_array_mut().unwrap() {
        s["segments"] = json!([]);
    }
    doc
}

#[tokio::test]
async fn import_file_is_imported_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, fixture_without_segments().to_string()).unwrap();
    let app = TestApp::with_config(|c| {
        c.import_file = Some(path.clone());
        c.import_project = "default".into();
        c.import_environment = "development".into();
    })
    .await;
    let admin = app.admin().await;
    let flags = names(&fixture());
    let exported = export_dev(&app, &admin, &flags).await;
    assert_eq!(names(&exported), flags);
    assert_eq!(
        exported["featureEnvironments"],
        fixture()["featureEnvironments"]
    );
    let events = app
        .get("/api/admin/search/events?type=features-imported", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(
        events["events"][0]["createdBy"], "unleash_system_user",
        "{events}"
    );
    let flag = app
        .get("/api/admin/projects/default/features/exp1-checkout", &admin)
        .await
        .expect(200)
        .json;
    assert_eq!(flag["createdBy"], Value::Null);

    // Another start with the same file imports it again (as Unleash does): flags are updated.
    let (state, _) = switchyard::bootstrap({
        let mut c = test_config(&app.db.url);
        c.import_file = Some(path.clone());
        c
    })
    .await
    .expect("second start");
    drop(state);
    let again = export_dev(&app, &admin, &flags).await;
    assert_eq!(comparable(&again), comparable(&exported));
}

#[tokio::test]
async fn an_unreadable_or_invalid_import_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let start = |file: std::path::PathBuf, project: &str| {
        let project = project.to_string();
        async move {
            let db = TestDb::new().await;
            let mut c = test_config(&db.url);
            c.import_file = Some(file);
            c.import_project = project;
            let out = switchyard::bootstrap(c).await.map(|_| ());
            (db, out)
        }
    };
    let missing = dir.path().join("missing.json");
    let (_db, out) = start(missing, "default").await;
    let err = out.expect_err("missing file").to_string();
    assert!(
        err.contains("IMPORT_FILE") && err.contains("cannot be read"),
        "{err}"
    );

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"features\": 3}").unwrap();
    let (_db, out) = start(garbage, "default").await;
    let err = out.expect_err("invalid file").to_string();
    assert!(err.contains("is not an Unleash export document"), "{err}");

    // Valid JSON that cannot be imported: the fixture's segments do not exist here.
    let needs_segments = dir.path().join("segments.json");
    std::fs::write(&needs_segments, fixture().to_string()).unwrap();
    let (_db, out) = start(needs_segments, "default").await;
    let err = out.expect_err("segments missing").to_string();
    assert!(
        err.contains("Unsupported segments: exp1-beta, exp1-internal"),
        "{err}"
    );

    let fine = dir.path().join("fine.json");
    std::fs::write(&fine, fixture_without_segments().to_string()).unwrap();
    let (_db, out) = start(fine, "no-such-project").await;
    let err = out.expect_err("unknown project").to_string();
    assert!(err.contains("no-such-project"), "{err}");
}

#[tokio::test]
async fn the_binary_imports_import_file_and_exits_non_zero_on_a_bad_one() {
    let bin = env!("CARGO_BIN_EXE_switchyard");
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "not json").unwrap();
    let out = std::process::Command::new(bin)
        .env("DATABASE_URL", &db.url)
        .env("PORT", "4352")
        .env("HTTP_HOST", "127.0.0.1")
        .env("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin")
        .env("UNLEASH_DEFAULT_ADMIN_PASSWORD", common::ADMIN_PASSWORD)
        .env("IMPORT_FILE", &bad)
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not an Unleash export document"),
        "{stderr}"
    );
}
