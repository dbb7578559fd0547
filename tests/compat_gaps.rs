//! Smaller Unleash compatibility features: the client API's tag filter, tag administration,
//! instance metrics per environment, last-seen from `no` counts, who events name, validate
//! helpers, favourites, flag links, instance statistics and invite links.

mod catalog_support;
mod common;

use catalog_support::events_of;

use common::{Auth, TestApp};
use serde_json::{json, Value};

async fn backend_token(app: &TestApp, admin: &Auth) -> Auth {
    let res = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "backend", "type": "backend", "environment": "development"}),
            admin,
        )
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().expect("secret").to_string())
}

async fn flag(app: &TestApp, admin: &Auth, name: &str) {
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": name}),
        admin,
    )
    .await
    .expect(201);
}

async fn tag_flag(app: &TestApp, admin: &Auth, name: &str, tag_type: &str, value: &str) {
    app.post(
        &format!("/api/admin/features/{name}/tags"),
        json!({"type": tag_type, "value": value}),
        admin,
    )
    .await
    .expect(201);
}

fn names(body: &Value) -> Vec<String> {
    let mut v: Vec<String> = body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

// ------------------------------------------------------------------ 1. ?tag= filter

#[tokio::test]
async fn client_features_filter_by_tag_with_their_own_etag() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let client = backend_token(&app, &admin).await;
    for n in ["pay-a", "pay-b", "other"] {
        flag(&app, &admin, n).await;
    }
    tag_flag(&app, &admin, "pay-a", "simple", "payment").await;
    tag_flag(&app, &admin, "pay-b", "simple", "checkout").await;

    let all = app.get("/api/client/features", &client).await.expect(200);
    assert_eq!(names(&all.json), ["other", "pay-a", "pay-b"]);

    let one = app
        .get("/api/client/features?tag=simple:payment", &client)
        .await
        .expect(200);
    assert_eq!(names(&one.json), ["pay-a"]);
    assert_eq!(one.json["query"]["tags"], json!([["simple", "payment"]]));
    let etag_one = one.header("etag").expect("etag");
    assert_ne!(Some(etag_one.clone()), all.header("etag"));

    // Repeated: flags with any of the tags.
    let two = app
        .get(
            "/api/client/features?tag=simple:payment&tag=simple:checkout",
            &client,
        )
        .await
        .expect(200);
    assert_eq!(names(&two.json), ["pay-a", "pay-b"]);
    assert_ne!(two.header("etag"), Some(etag_one.clone()));

    // No flag has this tag.
    let none = app
        .get("/api/client/features?tag=simple:nothing", &client)
        .await
        .expect(200);
    assert_eq!(names(&none.json), Vec::<String>::new());

    // Tagging another flag changes what the filtered request sees, and its ETag.
    tag_flag(&app, &admin, "other", "simple", "payment").await;
    let after = app
        .get("/api/client/features?tag=simple:payment", &client)
        .await
        .expect(200);
    assert_eq!(names(&after.json), ["other", "pay-a"]);
    assert_ne!(after.header("etag"), Some(etag_one));

    // Untagging too.
    app.delete("/api/admin/features/other/tags/simple/payment", &admin)
        .await
        .expect(200);
    let after = app
        .get("/api/client/features?tag=simple:payment", &client)
        .await
        .expect(200);
    assert_eq!(names(&after.json), ["pay-a"]);

    // Not type:value.
    app.get("/api/client/features?tag=payment", &client)
        .await
        .expect(400);

    // Delta does not filter by tag (as Unleash).
    let delta = app
        .get("/api/client/delta?tag=simple:payment", &client)
        .await
        .expect(200);
    assert_eq!(
        delta.json["events"][0]["features"].as_array().map(Vec::len),
        Some(3)
    );
}

// ------------------------------------------------------------------ 2. tag administration

#[tokio::test]
async fn tags_can_be_created_read_and_deleted_on_their_own() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let (_, editor) = app.user("eddie", "Editor").await;

    // Any signed-in user may create a tag; type defaults to simple; the value is trimmed.
    let res = app
        .post("/api/admin/tags", json!({"value": " payments "}), &viewer)
        .await
        .expect(201);
    assert_eq!(
        res.json,
        json!({"version": 1, "tag": {"type": "simple", "value": "payments", "color": null}})
    );
    assert_eq!(
        res.header("location").as_deref(),
        Some("tags/simple/payments")
    );
    app.post(
        "/api/admin/tags",
        json!({"type": "simple", "value": "payments"}),
        &admin,
    )
    .await
    .expect(409);
    app.post(
        "/api/admin/tags",
        json!({"type": "simple", "value": "x"}),
        &admin,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/tags",
        json!({"type": "nope", "value": "xyz"}),
        &admin,
    )
    .await
    .expect(404);
    app.post("/api/admin/tags", json!({"value": "xyz"}), &Auth::None)
        .await
        .expect(401);

    app.post(
        "/api/admin/tag-types",
        json!({"name": "team", "color": "#00ff00"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/tags",
        json!({"type": "team", "value": "core"}),
        &admin,
    )
    .await
    .expect(201);

    // Listed with GET /api/admin/tags even though no flag carries them.
    let all = app.get("/api/admin/tags", &viewer).await.expect(200);
    assert_eq!(
        all.json["tags"],
        json!([{"type": "simple", "value": "payments", "color": null}, {"type": "team", "value": "core", "color": "#00ff00"}])
    );
    let by_type = app.get("/api/admin/tags/team", &viewer).await.expect(200);
    assert_eq!(
        by_type.json,
        json!({"version": 1, "tags": [{"type": "team", "value": "core", "color": "#00ff00"}]})
    );
    assert_eq!(
        app.get("/api/admin/tags/unknown", &viewer)
            .await
            .expect(200)
            .json,
        json!({"version": 1, "tags": []})
    );
    let one = app
        .get("/api/admin/tags/team/core", &viewer)
        .await
        .expect(200);
    assert_eq!(one.json["tag"]["value"], "core");
    let missing = app
        .get("/api/admin/tags/team/other", &viewer)
        .await
        .expect(404);
    assert_eq!(missing.json["name"], "NotFoundError");

    // A tag put on a flag exists on its own as well.
    flag(&app, &admin, "checkout").await;
    tag_flag(&app, &admin, "checkout", "simple", "flagged").await;
    app.get("/api/admin/tags/simple/flagged", &viewer)
        .await
        .expect(200);

    // Deleting needs UPDATE_FEATURE (Editor has it, Viewer not) and takes the tag off flags.
    app.delete("/api/admin/tags/simple/flagged", &viewer)
        .await
        .expect(403);
    app.delete("/api/admin/tags/simple/flagged", &editor)
        .await
        .expect(200);
    app.get("/api/admin/tags/simple/flagged", &viewer)
        .await
        .expect(404);
    assert_eq!(
        app.get("/api/admin/features/checkout/tags", &admin)
            .await
            .expect(200)
            .json["tags"],
        json!([])
    );

    let created = events_of(&app, &admin, "tag-created").await;
    assert_eq!(created.len(), 2);
    assert!(created
        .iter()
        .any(|e| e["data"] == json!({"type": "team", "value": "core"})));
    let deleted = events_of(&app, &admin, "tag-deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0]["data"],
        json!({"type": "simple", "value": "flagged"})
    );
    assert_eq!(deleted[0]["createdBy"], "eddie@example.com");
}

// ------------------------------------------------------------------ 3. instances per environment

#[tokio::test]
async fn instances_of_an_application_in_one_environment() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let client = backend_token(&app, &admin).await;
    for id in ["pod-1", "pod-2"] {
        app.post(
            "/api/client/register",
            json!({"appName": "checkout", "instanceId": id, "sdkVersion": "unleash-client-node:6.1.0",
                   "strategies": ["default"], "started": "2026-01-01T00:00:00Z", "interval": 15000}),
            &client,
        )
        .await
        .expect(202);
    }
    let res = app
        .get(
            "/api/admin/metrics/instances/checkout/environment/development",
            &admin,
        )
        .await
        .expect(200);
    let list = res.json["instances"].as_array().expect("instances");
    let mut ids: Vec<&str> = list
        .iter()
        .filter_map(|i| i["instanceId"].as_str())
        .collect();
    ids.sort();
    assert_eq!(ids, ["pod-1", "pod-2"]);
    assert_eq!(list[0]["sdkVersion"], "unleash-client-node:6.1.0");
    assert!(list[0]["lastSeen"].is_string());
    assert!(list[0].get("clientIp").is_some());
    assert!(list[0].get("environment").is_none());

    // Another environment, or an unknown application: no instances.
    for path in [
        "/api/admin/metrics/instances/checkout/environment/production",
        "/api/admin/metrics/instances/nothing/environment/development",
    ] {
        assert_eq!(
            app.get(path, &admin).await.expect(200).json,
            json!({"instances": []})
        );
    }
    app.get(
        "/api/admin/metrics/instances/checkout/environment/development",
        &Auth::None,
    )
    .await
    .expect(401);
}

// ------------------------------------------------------------------ 4. last seen from `no` counts

#[tokio::test]
async fn a_flag_evaluated_only_to_false_is_seen() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let client = backend_token(&app, &admin).await;
    flag(&app, &admin, "dark").await;
    let before = app
        .get("/api/admin/projects/default/features/dark", &admin)
        .await
        .expect(200);
    assert!(before.json["lastSeenAt"].is_null());
    app.post(
        "/api/client/metrics",
        json!({"appName": "web", "instanceId": "i1", "bucket": {
            "start": "2026-01-01T00:00:00Z", "stop": "2026-01-01T00:01:00Z",
            "toggles": {"dark": {"yes": 0, "no": 7}, "unknown-flag": {"yes": 0, "no": 1}}}}),
        &client,
    )
    .await
    .expect(202);
    let after = app
        .get("/api/admin/projects/default/features/dark", &admin)
        .await
        .expect(200);
    assert!(after.json["lastSeenAt"].is_string(), "{}", after.text);
    let envs = after.json["environments"].as_array().expect("environments");
    let dev = envs
        .iter()
        .find(|e| e["name"] == "development")
        .expect("development");
    assert!(dev["lastSeenAt"].is_string(), "{dev}");
    assert_eq!(dev["enabled"], false);
    let prod = envs.iter().find(|e| e["name"] == "production");
    if let Some(prod) = prod {
        assert!(prod["lastSeenAt"].is_null());
    }
}

// ------------------------------------------------------------------ 5. who events name

#[tokio::test]
async fn events_record_the_email_else_the_username() {
    let app =
        TestApp::with_config(|c| c.init_admin_api_tokens = vec!["*:*.gaps-admin-secret".into()])
            .await;
    let admin = app.admin().await;
    // A user with an email and a display name: the email.
    app.post(
        "/api/admin/user-admin",
        json!({"username": "eve", "email": "eve@example.com", "name": "Eve Example",
               "password": "eve-Passw0rd!", "rootRole": "Editor"}),
        &admin,
    )
    .await
    .expect(201);
    let eve = app.login("eve", "eve-Passw0rd!").await;
    flag(&app, &eve, "by-eve").await;
    // The same user through a personal access token: still the email.
    let pat = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "cli", "expiresAt": "2099-01-01T00:00:00Z"}),
            &eve,
        )
        .await
        .expect(201);
    let pat = Auth::Token(pat.json["secret"].as_str().expect("secret").to_string());
    flag(&app, &pat, "by-eve-pat").await;
    // A user without an email: the username.
    app.post(
        "/api/admin/user-admin",
        json!({"username": "noemail", "name": "No Email", "password": "noemail-Passw0rd!", "rootRole": "Editor"}),
        &admin,
    )
    .await
    .expect(201);
    let noemail = app.login("noemail", "noemail-Passw0rd!").await;
    flag(&app, &noemail, "by-noemail").await;
    // An admin API token: the token's name (a seeded admin token is named "admin").
    let token = Auth::Token("*:*.gaps-admin-secret".into());
    flag(&app, &token, "by-token").await;

    let created = events_of(&app, &admin, "feature-created").await;
    let by = |name: &str| {
        created
            .iter()
            .find(|e| e["featureName"] == name)
            .map(|e| e["createdBy"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(by("by-eve"), "eve@example.com");
    assert_eq!(by("by-eve-pat"), "eve@example.com");
    assert_eq!(by("by-noemail"), "noemail");
    assert_eq!(by("by-token"), "admin");
}

// ------------------------------------------------------------------ 6. validate helpers

#[tokio::test]
async fn validate_helpers_check_without_changing_anything() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;

    // Constraints: 204 when valid, 400 saying what is wrong.
    app.post(
        "/api/admin/constraints/validate",
        json!({"contextName": "userId", "operator": "IN", "values": ["a", "b"]}),
        &viewer,
    )
    .await
    .expect(204);
    let bad = app
        .post(
            "/api/admin/constraints/validate",
            json!({"contextName": "appVersion", "operator": "SEMVER_EQ", "value": "v1"}),
            &viewer,
        )
        .await
        .expect(400);
    assert!(bad.text.contains("semantic version"), "{}", bad.text);
    app.post(
        "/api/admin/constraints/validate",
        json!({"contextName": "userId", "operator": "NOPE", "values": []}),
        &viewer,
    )
    .await
    .expect(400);
    app.post(
        "/api/admin/constraints/validate",
        json!({"contextName": "userId", "operator": "IN", "values": []}),
        &Auth::None,
    )
    .await
    .expect(401);
    // Legal values of the context field are enforced.
    app.post(
        "/api/admin/context",
        json!({"name": "region", "legalValues": [{"value": "eu"}, {"value": "us"}]}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/constraints/validate",
        json!({"contextName": "region", "operator": "IN", "values": ["eu"]}),
        &viewer,
    )
    .await
    .expect(204);
    let bad = app
        .post(
            "/api/admin/constraints/validate",
            json!({"contextName": "region", "operator": "IN", "values": ["eu", "mars"]}),
            &viewer,
        )
        .await
        .expect(400);
    assert!(bad.text.contains("mars"), "{}", bad.text);

    // Passwords.
    app.post(
        "/api/admin/user-admin/validate-password",
        json!({"password": "long-enough-Passw0rd!"}),
        &viewer,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/user-admin/validate-password",
        json!({"password": "short"}),
        &viewer,
    )
    .await
    .expect(400);
    app.post(
        "/auth/reset/validate-password",
        json!({"password": "short"}),
        &Auth::None,
    )
    .await
    .expect(400);
    app.post(
        "/auth/reset/validate-password",
        json!({"password": "long-enough-Passw0rd!"}),
        &Auth::None,
    )
    .await
    .expect(200);

    // Archive impact: a parent whose child stays is reported; with the child, it is not.
    flag(&app, &admin, "parent").await;
    flag(&app, &admin, "child").await;
    flag(&app, &admin, "loner").await;
    app.post(
        "/api/admin/projects/default/features/child/dependencies",
        json!({"feature": "parent"}),
        &admin,
    )
    .await
    .expect(200);
    let res = app
        .post(
            "/api/admin/projects/default/archive/validate",
            json!({"features": ["parent"]}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json,
        json!({"hasDeletedDependencies": true, "parentsWithChildFeatures": ["parent"]})
    );
    let res = app
        .post(
            "/api/admin/projects/default/archive/validate",
            json!({"features": ["parent", "child"]}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json,
        json!({"hasDeletedDependencies": true, "parentsWithChildFeatures": []})
    );
    let res = app
        .post(
            "/api/admin/projects/default/archive/validate",
            json!({"features": ["loner"]}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(
        res.json,
        json!({"hasDeletedDependencies": false, "parentsWithChildFeatures": []})
    );
    app.post(
        "/api/admin/projects/default/archive/validate",
        json!({"features": ["loner"]}),
        &viewer,
    )
    .await
    .expect(403);

    // A project's context field name.
    app.post(
        "/api/admin/projects/default/context/validate",
        json!({"name": "fresh"}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/default/context/validate",
        json!({"name": "region"}),
        &admin,
    )
    .await
    .expect(409);
    // The existing flag-name helper.
    app.post(
        "/api/admin/features/validate",
        json!({"name": "parent"}),
        &admin,
    )
    .await
    .expect(409);
}

// ------------------------------------------------------------------ 7. favourites

#[tokio::test]
async fn favourites_are_per_user_and_shown_where_unleash_shows_them() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    flag(&app, &admin, "liked").await;
    flag(&app, &admin, "plain").await;

    app.post(
        "/api/admin/projects/default/features/liked/favorites",
        json!({}),
        &viewer,
    )
    .await
    .expect(200);
    app.post("/api/admin/projects/default/favorites", json!({}), &viewer)
        .await
        .expect(200);
    app.post(
        "/api/admin/projects/default/features/missing/favorites",
        json!({}),
        &viewer,
    )
    .await
    .expect(404);
    app.post("/api/admin/projects/nope/favorites", json!({}), &viewer)
        .await
        .expect(404);
    app.post(
        "/api/admin/projects/default/features/liked/favorites",
        json!({}),
        &Auth::None,
    )
    .await
    .expect(401);

    let favorite_of = |list: &Value, key: &str, name: &str| {
        list.as_array()
            .expect("list")
            .iter()
            .find(|i| i[key] == name)
            .map(|i| i["favorite"].clone())
            .unwrap_or(Value::Null)
    };
    // The viewer sees their favourites...
    let flag_read = app
        .get("/api/admin/projects/default/features/liked", &viewer)
        .await
        .expect(200);
    assert_eq!(flag_read.json["favorite"], true);
    let search = app
        .get("/api/admin/search/features", &viewer)
        .await
        .expect(200);
    assert_eq!(favorite_of(&search.json["features"], "name", "liked"), true);
    assert_eq!(
        favorite_of(&search.json["features"], "name", "plain"),
        false
    );
    let projects = app.get("/api/admin/projects", &viewer).await.expect(200);
    assert_eq!(
        favorite_of(&projects.json["projects"], "id", "default"),
        true
    );
    let project = app
        .get("/api/admin/projects/default", &viewer)
        .await
        .expect(200);
    assert_eq!(
        favorite_of(&project.json["features"], "name", "liked"),
        true
    );
    let listed = app
        .get("/api/admin/projects/default/features", &viewer)
        .await
        .expect(200);
    assert_eq!(favorite_of(&listed.json["features"], "name", "liked"), true);

    // ...the admin does not.
    let flag_read = app
        .get("/api/admin/projects/default/features/liked", &admin)
        .await
        .expect(200);
    assert_eq!(flag_read.json["favorite"], false);
    let projects = app.get("/api/admin/projects", &admin).await.expect(200);
    assert_eq!(
        favorite_of(&projects.json["projects"], "id", "default"),
        false
    );

    // Unmarking.
    app.delete(
        "/api/admin/projects/default/features/liked/favorites",
        &viewer,
    )
    .await
    .expect(200);
    app.delete("/api/admin/projects/default/favorites", &viewer)
        .await
        .expect(200);
    let flag_read = app
        .get("/api/admin/projects/default/features/liked", &viewer)
        .await
        .expect(200);
    assert_eq!(flag_read.json["favorite"], false);
    let projects = app.get("/api/admin/projects", &viewer).await.expect(200);
    assert_eq!(
        favorite_of(&projects.json["projects"], "id", "default"),
        false
    );

    for kind in [
        "feature-favorited",
        "feature-unfavorited",
        "project-favorited",
        "project-unfavorited",
    ] {
        let events = events_of(&app, &admin, kind).await;
        assert_eq!(events.len(), 1, "{kind}");
        assert_eq!(events[0]["createdBy"], "vera@example.com");
    }
}

// ------------------------------------------------------------------ 8. flag links

#[tokio::test]
async fn flag_links_are_added_changed_removed_and_shown() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    flag(&app, &admin, "linked").await;
    let base = "/api/admin/projects/default/features/linked/link";

    app.post(
        base,
        json!({"url": "github.com/acme/shop/issues/1/", "title": "Issue"}),
        &admin,
    )
    .await
    .expect(204);
    app.post(
        base,
        json!({"url": "https://grafana.example.com/d/1"}),
        &admin,
    )
    .await
    .expect(204);
    app.post(base, json!({"url": "https://x.example.com"}), &viewer)
        .await
        .expect(403);
    app.post(base, json!({"title": "no url"}), &admin)
        .await
        .expect(400);
    app.post(
        "/api/admin/projects/default/features/missing/link",
        json!({"url": "https://example.com"}),
        &admin,
    )
    .await
    .expect(404);

    let read = app
        .get("/api/admin/projects/default/features/linked", &viewer)
        .await
        .expect(200);
    let links = read.json["links"].as_array().expect("links").clone();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0]["url"], "https://github.com/acme/shop/issues/1");
    assert_eq!(links[0]["title"], "Issue");
    assert_eq!(links[0]["feature"], "linked");
    assert_eq!(links[1]["url"], "https://grafana.example.com/d/1");
    let id = links[0]["id"].as_str().expect("id").to_string();

    app.put(
        &format!("{base}/{id}"),
        json!({"url": "https://github.com/acme/shop/issues/2", "title": "Other issue"}),
        &admin,
    )
    .await
    .expect(204);
    app.put(
        &format!("{base}/nope"),
        json!({"url": "https://example.com"}),
        &admin,
    )
    .await
    .expect(404);
    let read = app
        .get("/api/admin/projects/default/features/linked", &viewer)
        .await
        .expect(200);
    assert_eq!(read.json["links"][0]["title"], "Other issue");

    app.delete(&format!("{base}/{id}"), &admin)
        .await
        .expect(204);
    app.delete(&format!("{base}/{id}"), &admin)
        .await
        .expect(404);
    let read = app
        .get("/api/admin/projects/default/features/linked", &viewer)
        .await
        .expect(200);
    assert_eq!(read.json["links"].as_array().map(Vec::len), Some(1));

    // At most ten per flag.
    for i in 0..9 {
        app.post(
            base,
            json!({"url": format!("https://example.com/{i}")}),
            &admin,
        )
        .await
        .expect(204);
    }
    app.post(base, json!({"url": "https://example.com/eleven"}), &admin)
        .await
        .expect(403);

    let added = events_of(&app, &admin, "feature-link-added").await;
    assert_eq!(added.len(), 11);
    let updated = events_of(&app, &admin, "feature-link-updated").await;
    assert_eq!(
        updated[0]["preData"],
        json!({"url": "https://github.com/acme/shop/issues/1", "title": "Issue"})
    );
    assert_eq!(updated[0]["featureName"], "linked");
    let removed = events_of(&app, &admin, "feature-link-removed").await;
    assert_eq!(removed.len(), 1);
}

// ------------------------------------------------------------------ 9. instance statistics

#[tokio::test]
async fn instance_statistics_count_what_is_there() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, viewer) = app.user("vera", "Viewer").await;
    let _client = backend_token(&app, &admin).await;
    flag(&app, &admin, "one").await;
    flag(&app, &admin, "two").await;
    flag(&app, &admin, "gone").await;
    app.delete("/api/admin/projects/default/features/gone", &admin)
        .await
        .expect(202);
    app.post(
        "/api/admin/projects/default/features/one/environments/development/strategies",
        json!({"name": "flexibleRollout", "constraints": [
            {"contextName": "userId", "operator": "IN", "values": ["a", "b", "c"]},
            {"contextName": "appName", "operator": "IN", "values": ["x"]}]}),
        &admin,
    )
    .await
    .expect(200);

    app.get("/api/admin/instance-admin/statistics", &viewer)
        .await
        .expect(403);
    let res = app
        .get("/api/admin/instance-admin/statistics", &admin)
        .await
        .expect(200);
    let s = &res.json;
    assert_eq!(s["users"], 2, "{s}");
    assert_eq!(s["featureToggles"], 2);
    assert_eq!(s["archivedFeatureToggles"], 1);
    assert_eq!(s["projects"], 1);
    assert_eq!(s["environments"].as_i64().map(|n| n >= 2), Some(true));
    assert_eq!(s["segments"], 0);
    assert_eq!(s["apiTokens"]["client"], 1);
    assert_eq!(s["activeUsers"]["last7"], 2);
    assert_eq!(s["maxEnvironmentStrategies"], 1);
    assert_eq!(s["maxConstraints"], 2);
    assert_eq!(s["maxConstraintValues"], 3);
    assert_eq!(s["sum"].as_str().map(str::len), Some(64));
    let id = s["instanceId"].as_str().expect("instanceId").to_string();
    assert!(!id.is_empty());
    // The id is stable.
    let again = app
        .get("/api/admin/instance-admin/statistics", &admin)
        .await
        .expect(200);
    assert_eq!(again.json["instanceId"], id.as_str());
    assert!(s["timestamp"].is_string());
    assert_eq!(s["clientApps"][2]["range"], "allTime");
}

// ------------------------------------------------------------------ 10. invite links

#[tokio::test]
async fn invite_links_let_people_sign_up_without_email() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, editor) = app.user("eddie", "Editor").await;

    let created = app
        .post(
            "/api/admin/invite-link/tokens",
            json!({"name": "onboarding", "expiresAt": "2099-01-01T00:00:00Z"}),
            &admin,
        )
        .await
        .expect(201);
    let secret = created.json["secret"].as_str().expect("secret").to_string();
    assert!(secret.len() >= 24);
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("tokens/{secret}").as_str())
    );
    let url = created.json["url"].as_str().expect("url");
    assert!(
        url.ends_with(&format!("/new-user?invite={secret}")),
        "{url}"
    );
    assert_eq!(created.json["name"], "onboarding");
    assert_eq!(created.json["enabled"], true);
    assert_eq!(created.json["role"]["name"], "Viewer");
    assert_eq!(created.json["createdBy"], "admin");
    // The expiry is capped at about a month.
    let expires = chrono::DateTime::parse_from_rfc3339(
        created.json["expiresAt"].as_str().expect("expiresAt"),
    )
    .expect("date");
    assert!(expires < chrono::Utc::now() + chrono::TimeDelta::days(32));

    // Admin only.
    app.post(
        "/api/admin/invite-link/tokens",
        json!({"name": "x", "expiresAt": "2099-01-01T00:00:00Z"}),
        &editor,
    )
    .await
    .expect(403);
    app.get("/api/admin/invite-link/tokens", &editor)
        .await
        .expect(403);
    app.post(
        "/api/admin/invite-link/tokens",
        json!({"name": "x"}),
        &admin,
    )
    .await
    .expect(400);

    // The list never shows secrets; the one-by-secret read does.
    let list = app
        .get("/api/admin/invite-link/tokens", &admin)
        .await
        .expect(200);
    assert_eq!(list.json["tokens"].as_array().map(Vec::len), Some(1));
    assert!(list.json["tokens"][0]["secret"].is_null());
    assert!(!list.text.contains(&secret));
    let one = app
        .get(&format!("/api/admin/invite-link/tokens/{secret}"), &admin)
        .await
        .expect(200);
    assert_eq!(one.json["name"], "onboarding");
    app.get("/api/admin/invite-link/tokens/not-a-secret", &admin)
        .await
        .expect(404);
    // Only the digest is stored.
    let mut db = app.state.db.clone();
    #[derive(sqlx::FromRow)]
    struct Row {
        secret_hash: String,
    }
    let q = sea_query::Query::select()
        .column(sea_query::Alias::new("secret_hash"))
        .from(sea_query::Alias::new("invite_links"))
        .to_owned();
    let rows: Vec<Row> = switchyard::store::Conn::all(&mut db, &q)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].secret_hash, secret);
    assert!(!rows[0].secret_hash.contains(&secret));

    // Public validation and sign-up.
    app.get(&format!("/invite/{secret}/validate"), &Auth::None)
        .await
        .expect(200);
    app.get("/invite/nope/validate", &Auth::None)
        .await
        .expect(400);
    let user = app
        .post(
            &format!("/invite/{secret}/signup"),
            json!({"email": "newbie@example.com", "name": "New Bie", "password": "newbie-Passw0rd!"}),
            &Auth::None,
        )
        .await
        .expect(200);
    assert_eq!(user.json["email"], "newbie@example.com");
    let newbie = app.login("newbie@example.com", "newbie-Passw0rd!").await;
    let me = app.get("/api/admin/user", &newbie).await.expect(200);
    assert_eq!(me.json["user"]["email"], "newbie@example.com");
    // Viewers cannot create flags.
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "by-newbie"}),
        &newbie,
    )
    .await
    .expect(403);
    // The same email again, a weak password, missing fields: 400.
    app.post(
        &format!("/invite/{secret}/signup"),
        json!({"email": "newbie@example.com", "name": "Again", "password": "newbie-Passw0rd!"}),
        &Auth::None,
    )
    .await
    .expect(400);
    app.post(
        &format!("/invite/{secret}/signup"),
        json!({"email": "weak@example.com", "name": "Weak", "password": "short"}),
        &Auth::None,
    )
    .await
    .expect(400);
    app.post(
        &format!("/invite/{secret}/signup"),
        json!({"name": "No Email", "password": "noemail-Passw0rd!"}),
        &Auth::None,
    )
    .await
    .expect(400);
    let one = app
        .get(&format!("/api/admin/invite-link/tokens/{secret}"), &admin)
        .await
        .expect(200);
    assert_eq!(one.json["users"].as_array().map(Vec::len), Some(1));
    assert_eq!(one.json["users"][0]["email"], "newbie@example.com");

    // Disabled: validation and sign-up refuse.
    let updated = app
        .put(
            &format!("/api/admin/invite-link/tokens/{secret}"),
            json!({"enabled": false}),
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(updated.json["enabled"], false);
    app.put(
        &format!("/api/admin/invite-link/tokens/{secret}"),
        json!({}),
        &admin,
    )
    .await
    .expect(400);
    app.get(&format!("/invite/{secret}/validate"), &Auth::None)
        .await
        .expect(400);
    app.post(
        &format!("/invite/{secret}/signup"),
        json!({"email": "late@example.com", "name": "Late", "password": "late-Passw0rd!"}),
        &Auth::None,
    )
    .await
    .expect(400);
    // Expired (re-enabled, but dated in the past): refused too.
    app.put(
        &format!("/api/admin/invite-link/tokens/{secret}"),
        json!({"enabled": true, "expiresAt": "2020-01-01T00:00:00Z"}),
        &admin,
    )
    .await
    .expect(200);
    app.get(&format!("/invite/{secret}/validate"), &Auth::None)
        .await
        .expect(400);

    assert_eq!(
        events_of(&app, &admin, "public-signup-token-created")
            .await
            .len(),
        1
    );
    assert_eq!(
        events_of(&app, &admin, "public-signup-token-updated")
            .await
            .len(),
        2
    );
    let added = events_of(&app, &admin, "public-signup-token-user-added").await;
    assert_eq!(added.len(), 1);
    assert!(!added[0].to_string().contains(&secret));
}

#[tokio::test]
async fn invite_links_in_the_ui() {
    use axum::body::Body;
    use axum::http::{header, Request};

    let app = TestApp::new().await;
    let admin = app.admin().await;
    let Auth::Session(cookie) = &admin else {
        panic!("session")
    };
    // The Users page leads to the invite links page.
    let users = app.get("/admin/users", &admin).await.expect(200);
    assert!(users.text.contains("/admin/invite-links"));
    let page = app.get("/admin/invite-links", &admin).await.expect(200);
    let csrf = page
        .text
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_string();
    let req = Request::builder()
        .method("POST")
        .uri("/admin/invite-links")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={csrf}&name=team&days=7")))
        .expect("request");
    let created = common::send(&app.router, req).await.expect(200);
    let url = created
        .text
        .split("id=\"invite-url\" class=\"wide\"")
        .next()
        .and_then(|s| s.rsplit("value=\"").next())
        .and_then(|s| s.split('"').next())
        .expect("invite url")
        .to_string();
    let secret = url.split("invite=").nth(1).expect("secret").to_string();
    assert!(created.text.contains("data-invite=\"team\""));
    // Shown once: the list page no longer carries it.
    let again = app.get("/admin/invite-links", &admin).await.expect(200);
    assert!(!again.text.contains(&secret));

    // A Viewer may not see the page.
    let (_, viewer) = app.user("vera", "Viewer").await;
    let refused = app.get("/admin/invite-links", &viewer).await;
    assert_ne!(refused.status.as_u16(), 200);

    // The sign-up page.
    let form = app
        .get(&format!("/new-user?invite={secret}"), &Auth::None)
        .await
        .expect(200);
    let signup_cookie = form
        .header("set-cookie")
        .expect("csrf cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    let token = form
        .text
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_string();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", &token)
        .append_pair("invite", &secret)
        .append_pair("name", "Ui User")
        .append_pair("email", "ui@example.com")
        .append_pair("password", "ui-user-Passw0rd!")
        .finish();
    let req = Request::builder()
        .method("POST")
        .uri("/new-user")
        .header(header::COOKIE, &signup_cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let done = common::send(&app.router, req).await.expect(200);
    assert!(done.text.contains("Account created"), "{}", done.text);
    app.login("ui@example.com", "ui-user-Passw0rd!").await;

    // A bad link shows a message, not a form.
    let bad = app
        .get("/new-user?invite=nope", &Auth::None)
        .await
        .expect(400);
    assert!(!bad.text.contains("name=\"password\""));
}
