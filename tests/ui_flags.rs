//! The projects, flags and strategy pages of the admin UI through the real router: what a
//! page shows, what its forms change (checked through the Admin API), validation messages
//! beside the forms, and controls that follow permissions (with crafted POSTs refused).

mod common;
mod ui_support;

use common::{Auth, TestApp, ADMIN_PASSWORD};
use ui_support::*;

#[tokio::test]
async fn a_flags_life_through_the_pages() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    let projects = get_page(&app, "/projects", &s).await.expect(200);
    assert!(projects.text.contains("href=\"/projects/default\""));

    // Create a flag with the project page's form.
    let token = csrf(&app, "/projects/default", &s).await;
    let res = post_form(
        &app,
        "/projects/default",
        &s,
        &[
            ("_csrf", &token),
            ("name", "checkout-v2"),
            ("type", "experiment"),
            ("description", "New checkout"),
            ("impression_data", "on"),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/projects/default/features/checkout-v2")
    );
    let f = app.get(&flag_api("checkout-v2"), &api).await.expect(200);
    assert_eq!(f.json["type"], "experiment");
    assert_eq!(f.json["impressionData"], true);
    assert_eq!(f.json["description"], "New checkout");

    // A duplicate name is explained beside the form.
    let dup = post_form(
        &app,
        "/projects/default",
        &s,
        &[
            ("_csrf", &token),
            ("name", "checkout-v2"),
            ("type", "release"),
        ],
    )
    .await;
    assert_eq!(dup.status.as_u16(), 409);
    assert!(dup.text.contains("id=\"flag-error\""), "{}", dup.text);
    assert!(dup.text.contains("A flag with that name already exists"));
    let bad = post_form(
        &app,
        "/projects/default",
        &s,
        &[
            ("_csrf", &token),
            ("name", "has/slash"),
            ("type", "release"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(bad.text.contains("id=\"flag-error\""));

    // Search.
    let found = get_page(&app, "/projects/default?q=checkout", &s)
        .await
        .expect(200);
    assert!(found.text.contains("data-flag=\"checkout-v2\""));
    let none = get_page(&app, "/projects/default?q=nothing", &s)
        .await
        .expect(200);
    assert!(!none.text.contains("data-flag=\"checkout-v2\""));
    assert!(none.text.contains("No flags match"));

    // Add a strategy with a constraint.
    let path = "/projects/default/features/checkout-v2/environments/development/strategies/new";
    let form = get_page(&app, path, &s).await.expect(200);
    assert!(form.text.contains("SEMVER_GTE") && form.text.contains("IN_CIDR"));
    let token = csrf_of(&form.text);
    let res = post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", &token),
            ("name", "flexibleRollout"),
            ("rollout", "40"),
            ("stickiness", "userId"),
            ("group_id", ""),
            ("c0_field", "region"),
            ("c0_operator", "IN"),
            ("c0_values", "eu\nus"),
            ("c0_value", ""),
            ("c0_case_insensitive", "on"),
            ("c1_field", "appVersion"),
            ("c1_operator", "SEMVER_GTE"),
            ("c1_values", ""),
            ("c1_value", "1.2.0"),
            ("v0_name", "blue"),
            ("v1_name", "green"),
            ("v2_name", "red"),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let list = app
        .get(
            &format!(
                "{}/environments/development/strategies",
                flag_api("checkout-v2")
            ),
            &api,
        )
        .await
        .expect(200);
    let st = &list.json[0];
    assert_eq!(st["parameters"]["rollout"], "40");
    assert_eq!(st["parameters"]["stickiness"], "userId");
    assert_eq!(st["parameters"]["groupId"], "checkout-v2");
    assert_eq!(st["constraints"][0]["contextName"], "region");
    assert_eq!(
        st["constraints"][0]["values"],
        serde_json::json!(["eu", "us"])
    );
    assert_eq!(st["constraints"][0]["caseInsensitive"], true);
    assert_eq!(st["constraints"][1]["operator"], "SEMVER_GTE");
    assert_eq!(st["constraints"][1]["value"], "1.2.0");
    let weights: i64 = st["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["weight"].as_i64().unwrap())
        .sum();
    assert_eq!(weights, 1000);
    let id = st["id"].as_str().unwrap().to_string();

    // An invalid constraint is refused with the service's message beside the form.
    let bad = post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", &token),
            ("name", "flexibleRollout"),
            ("rollout", "50"),
            ("stickiness", "default"),
            ("c0_field", "appVersion"),
            ("c0_operator", "SEMVER_GTE"),
            ("c0_value", "not-a-version"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.text);
    assert!(bad.text.contains("id=\"strategy-error\""), "{}", bad.text);
    assert!(bad.text.contains("Constraint 1 value"), "{}", bad.text);
    assert!(
        bad.text.contains("value=\"not-a-version\""),
        "the form keeps the input"
    );

    // The flag page shows it; a second strategy, then move it up.
    let page = get_page(&app, "/projects/default/features/checkout-v2", &s)
        .await
        .expect(200);
    assert!(page.text.contains(&format!("data-strategy=\"{id}\"")));
    assert!(page.text.contains("SEMVER_GTE"));
    let res = post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", &token),
            ("name", "userWithId"),
            ("user_ids", "alice, bob"),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let list = app
        .get(
            &format!(
                "{}/environments/development/strategies",
                flag_api("checkout-v2")
            ),
            &api,
        )
        .await
        .expect(200);
    assert_eq!(list.json[1]["parameters"]["userIds"], "alice,bob");
    let second = list.json[1]["id"].as_str().unwrap().to_string();
    let base = "/projects/default/features/checkout-v2/environments/development/strategies";
    post_form(
        &app,
        &format!("{base}/{second}/move"),
        &s,
        &[("_csrf", &token), ("direction", "up")],
    )
    .await
    .expect(303);
    let list = app
        .get(
            &format!(
                "{}/environments/development/strategies",
                flag_api("checkout-v2")
            ),
            &api,
        )
        .await
        .expect(200);
    assert_eq!(list.json[0]["id"], second.as_str());
    assert_eq!(list.json[1]["id"], id.as_str());

    // Edit: remove the first constraint, change the rollout.
    let edit = get_page(&app, &format!("{base}/{id}/edit"), &s)
        .await
        .expect(200);
    assert!(edit.text.contains("value=\"region\""));
    post_form(
        &app,
        &format!("{base}/{id}/edit"),
        &s,
        &[
            ("_csrf", &token),
            ("name", "flexibleRollout"),
            ("rollout", "75"),
            ("stickiness", "default"),
            ("group_id", "g1"),
            ("c0_field", "region"),
            ("c0_operator", "IN"),
            ("c0_values", "eu"),
            ("c0_remove", "on"),
            ("c1_field", "appVersion"),
            ("c1_operator", "SEMVER_GTE"),
            ("c1_value", "2.0.0"),
        ],
    )
    .await
    .expect(303);
    let one = app
        .get(
            &format!(
                "{}/environments/development/strategies/{id}",
                flag_api("checkout-v2")
            ),
            &api,
        )
        .await
        .expect(200);
    assert_eq!(one.json["parameters"]["rollout"], "75");
    assert_eq!(one.json["parameters"]["groupId"], "g1");
    assert_eq!(one.json["constraints"].as_array().unwrap().len(), 1);
    assert_eq!(one.json["constraints"][0]["value"], "2.0.0");

    // Delete the second strategy.
    post_form(
        &app,
        &format!("{base}/{second}/delete"),
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await
    .expect(303);

    // Enable in development with the switch.
    let res = post_form(
        &app,
        "/projects/default/features/checkout-v2/environments/development/toggle",
        &s,
        &[("_csrf", &token), ("enabled", "true")],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303);
    let f = app.get(&flag_api("checkout-v2"), &api).await.expect(200);
    let dev = f.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "development")
        .unwrap()
        .clone();
    assert_eq!(dev["enabled"], true);
    assert_eq!(dev["strategies"].as_array().unwrap().len(), 1);
    let page = get_page(&app, "/projects/default/features/checkout-v2", &s)
        .await
        .expect(200);
    assert!(page
        .text
        .contains("aria-checked=\"true\" id=\"toggle-development\""));

    // Archive, see it in the archive, revive.
    post_form(
        &app,
        "/projects/default/features/checkout-v2/archive",
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await
    .expect(303);
    app.get(&flag_api("checkout-v2"), &api).await.expect(404);
    let archive = get_page(&app, "/archive", &s).await.expect(200);
    assert!(archive.text.contains("data-flag=\"checkout-v2\""));
    post_form(
        &app,
        "/archive/checkout-v2/revive",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(303);
    app.get(&flag_api("checkout-v2"), &api).await.expect(200);
}

#[tokio::test]
async fn a_viewer_sees_flags_but_no_controls_and_is_refused() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    app.post(
        "/api/admin/projects/default/features",
        serde_json::json!({"name": "viewer-sees"}),
        &api,
    )
    .await
    .expect(201);
    app.post(
        &format!(
            "{}/environments/development/strategies",
            flag_api("viewer-sees")
        ),
        serde_json::json!({"name": "default"}),
        &api,
    )
    .await
    .expect(200);
    let (_, _) = app.user("vera", "Viewer").await;
    let s = form_login(&app, "vera", "vera-Passw0rd!").await;

    let project = get_page(&app, "/projects/default", &s).await.expect(200);
    assert!(project.text.contains("data-flag=\"viewer-sees\""));
    assert!(!project.text.contains("id=\"new-flag-form\""));
    assert!(project.text.contains("id=\"no-create\""));
    let page = get_page(&app, "/projects/default/features/viewer-sees", &s)
        .await
        .expect(200);
    assert!(
        page.text.contains("data-strategy="),
        "a Viewer sees strategies"
    );
    assert!(!page.text.contains("/toggle\""), "no switch form");
    assert!(!page.text.contains("/delete\""), "no delete form");
    assert!(!page.text.contains("/edit\""), "no edit link");
    assert!(page
        .text
        .contains("disabled title=\"Your role does not allow this\""));
    let token = csrf_of(&page.text);

    // Crafted POSTs are refused and change nothing.
    let flag = "/projects/default/features/viewer-sees";
    let crafted: [(String, &[(&str, &str)]); 4] = [
        (
            "/projects/default".into(),
            &[("name", "sneaky"), ("type", "release")],
        ),
        (
            format!("{flag}/environments/development/toggle"),
            &[("enabled", "true")],
        ),
        (
            format!("{flag}/environments/development/strategies/new"),
            &[("name", "default")],
        ),
        (format!("{flag}/archive"), &[("confirm", "yes")]),
    ];
    for (path, fields) in crafted {
        let mut form = vec![("_csrf", token.as_str())];
        form.extend_from_slice(fields);
        let r = post_form(&app, &path, &s, &form).await;
        assert_eq!(r.status.as_u16(), 403, "{path}");
    }
    app.get(&flag_api("sneaky"), &api).await.expect(404);
    let f = app.get(&flag_api("viewer-sees"), &api).await.expect(200);
    assert!(f.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["enabled"] == false));
    assert_eq!(
        app.get(
            &format!(
                "{}/environments/development/strategies",
                flag_api("viewer-sees")
            ),
            &api
        )
        .await
        .json
        .as_array()
        .unwrap()
        .len(),
        1
    );
    // Without the CSRF token even an admin's form is refused.
    let admin = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let r = post_form(
        &app,
        "/projects/default",
        &admin,
        &[("name", "no-csrf"), ("type", "release")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    let _ = Auth::None;
}

#[tokio::test]
async fn api_tokens_page_creates_shows_once_and_deletes() {
    let app = TestApp::new().await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin/api", &s).await.expect(200);
    assert!(page.text.contains("id=\"api-token-form\""));
    let token = csrf_of(&page.text);

    // Validation: a name is required.
    let bad = post_form(
        &app,
        "/admin/api",
        &s,
        &[
            ("_csrf", &token),
            ("name", ""),
            ("type", "client"),
            ("environment", "development"),
            ("projects", "*"),
            ("expiry", "never"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(bad.text.contains("id=\"api-error\""));
    assert!(bad.text.contains("Token name is required"), "{}", bad.text);

    let res = post_form(
        &app,
        "/admin/api",
        &s,
        &[
            ("_csrf", &token),
            ("name", "checkout-service"),
            ("type", "client"),
            ("environment", "production"),
            ("projects", "default"),
            ("expiry", "30"),
        ],
    )
    .await
    .expect(200);
    assert!(res.text.contains("API token created"));
    assert!(res.text.contains("id=\"copy-token\""));
    let at = res.text.find("id=\"token-secret\">").unwrap() + "id=\"token-secret\">".len();
    let secret = res.text[at..at + res.text[at..].find('<').unwrap()].to_string();
    assert!(secret.starts_with("default:production."), "{secret}");
    // The secret works for the client API and is not shown again.
    app.get("/api/client/features", &Auth::Token(secret.clone()))
        .await
        .expect(200);
    let again = get_page(&app, "/admin/api", &s).await.expect(200);
    assert!(again.text.contains("checkout-service"));
    assert!(!again.text.contains(&secret));

    // Delete after the confirmation dialog.
    let at = again.text.find("data-token=\"").unwrap() + "data-token=\"".len();
    let selector = again.text[at..at + again.text[at..].find('"').unwrap()].to_string();
    let confirm = get_page(&app, &format!("/admin/api/{selector}/delete"), &s)
        .await
        .expect(200);
    assert!(confirm.text.contains("Delete API token?"));
    post_form(
        &app,
        &format!("/admin/api/{selector}/delete"),
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(303);
    assert_eq!(
        app.get("/api/client/features", &Auth::Token(secret))
            .await
            .status
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn a_viewer_cannot_see_or_create_api_tokens() {
    let app = TestApp::new().await;
    app.user("vic", "Viewer").await;
    let s = form_login(&app, "vic", "vic-Passw0rd!").await;
    let page = get_page(&app, "/admin/api", &s).await;
    assert_eq!(page.status.as_u16(), 403);
    let token = csrf(&app, "/profile", &s).await;
    let r = post_form(
        &app,
        "/admin/api",
        &s,
        &[
            ("_csrf", &token),
            ("name", "sneaky"),
            ("type", "client"),
            ("environment", "development"),
            ("projects", "*"),
            ("expiry", "never"),
        ],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    let api = app.admin().await;
    let list = app.get("/api/admin/api-tokens", &api).await.expect(200);
    assert!(!list.text.contains("sneaky"));
}

#[tokio::test]
async fn strategy_form_takes_segments_and_remote_addresses_and_an_editor_can_use_it() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    let seg = app
        .post(
            "/api/admin/segments",
            serde_json::json!({"name": "beta-users", "constraints": [{"contextName": "userId", "operator": "IN", "values": ["1"]}]}),
            &api,
        )
        .await
        .expect(201);
    let seg_id = seg.json["id"].as_i64().unwrap().to_string();
    app.post(
        "/api/admin/projects/default/features",
        serde_json::json!({"name": "edited"}),
        &api,
    )
    .await
    .expect(201);
    app.user("erin", "Editor").await;
    let s = form_login(&app, "erin", "erin-Passw0rd!").await;
    let path = "/projects/default/features/edited/environments/production/strategies/new";
    let form = get_page(&app, path, &s).await.expect(200);
    assert!(form.text.contains("beta-users"), "segments are offered");
    let token = csrf_of(&form.text);
    post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", &token),
            ("name", "remoteAddress"),
            ("ips", "10.0.0.0/8\n192.168.1.1"),
            ("segment", &seg_id),
            ("c0_field", "remoteAddress"),
            ("c0_operator", "IN_CIDR"),
            ("c0_values", "10.1.0.0/16"),
            ("c0_inverted", "on"),
            ("title", "Office"),
            ("disabled", "on"),
        ],
    )
    .await
    .expect(303);
    let list = app
        .get(
            &format!("{}/environments/production/strategies", flag_api("edited")),
            &api,
        )
        .await
        .expect(200);
    let st = &list.json[0];
    assert_eq!(st["name"], "remoteAddress");
    assert_eq!(st["title"], "Office");
    assert_eq!(st["disabled"], true);
    assert_eq!(st["parameters"]["IPs"], "10.0.0.0/8,192.168.1.1");
    assert_eq!(
        st["segments"],
        serde_json::json!([seg_id.parse::<i64>().unwrap()])
    );
    assert_eq!(st["constraints"][0]["inverted"], true);
    assert_eq!(
        st["constraints"][0]["values"],
        serde_json::json!(["10.1.0.0/16"])
    );
    let page = get_page(&app, "/projects/default/features/edited", &s)
        .await
        .expect(200);
    assert!(
        page.text.contains("beta-users"),
        "the segment is named on the flag page"
    );
    assert!(page.text.contains("id=\"toggle-production\""));
    // A bad CIDR is explained in plain words.
    let bad = post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", &token),
            ("name", "default"),
            ("c0_field", "remoteAddress"),
            ("c0_operator", "IN_CIDR"),
            ("c0_values", "not-an-ip"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(bad.text.contains("Constraint 1 values"), "{}", bad.text);
}

#[tokio::test]
async fn form_errors_name_the_field_of_their_path() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    app.post(
        "/api/admin/projects/default/features",
        serde_json::json!({"name": "named-fields"}),
        &api,
    )
    .await
    .expect(201);

    // The service's error is about `/body/constraints/1/values/0`; the form says which row.
    let path = "/projects/default/features/named-fields/environments/development/strategies/new";
    let token = csrf(&app, path, &s).await;
    let bad = post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", &token),
            ("name", "flexibleRollout"),
            ("rollout", "50"),
            ("stickiness", "default"),
            ("c0_field", "region"),
            ("c0_operator", "IN"),
            ("c0_values", "eu"),
            ("c1_field", "remoteAddress"),
            ("c1_operator", "IN_CIDR"),
            ("c1_values", "not-an-ip"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.text);
    assert!(
        bad.text
            .contains("Constraint 2 values must be an IP address or a CIDR range"),
        "{}",
        bad.text
    );
    assert!(!bad.text.contains("`/body"), "{}", bad.text);

    // The same for the API token form: `/body/tokenName` is the token name.
    let token = csrf(&app, "/admin/api", &s).await;
    let long = "n".repeat(256);
    let bad = post_form(
        &app,
        "/admin/api",
        &s,
        &[
            ("_csrf", token.as_str()),
            ("name", long.as_str()),
            ("type", "client"),
            ("environment", "development"),
            ("projects", "*"),
            ("expiry", "never"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.text);
    assert!(
        bad.text
            .contains("Token name must be at most 255 characters long."),
        "{}",
        bad.text
    );
}
