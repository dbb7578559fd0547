//! The project pages of the admin UI through the real router: New project, a project's
//! Settings (name, description, environments, delete) and its API access (tokens that reach
//! it, tokens made for it alone). Results are checked through the Admin API; every page is
//! also tried by users whose role does not allow the action (controls greyed out with the
//! reason, crafted posts refused) and without the CSRF field.

mod common;
mod ui_support;

use common::{Auth, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use ui_support::*;

async fn create_project_api(app: &TestApp, admin: &Auth, id: &str) {
    app.post(
        "/api/admin/projects",
        json!({"id": id, "name": format!("Project {id}")}),
        admin,
    )
    .await
    .expect(201);
}

async fn project_envs(app: &TestApp, admin: &Auth, id: &str) -> Vec<String> {
    let p = app
        .get(&format!("/api/admin/projects/{id}"), admin)
        .await
        .expect(200);
    p.json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["environment"].as_str().unwrap().to_string())
        .collect()
}

fn selectors(html: &str) -> Vec<String> {
    html.match_indices("data-token=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn creating_a_project_through_the_form() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    let list = get_page(&app, "/projects", &s).await.expect(200);
    assert!(
        list.text.contains("href=\"/projects/new\""),
        "New project link"
    );
    let form = get_page(&app, "/projects/new", &s).await.expect(200);
    assert!(form.text.contains("id=\"project-form\""));
    assert!(form
        .text
        .contains("<label class=\"field\" for=\"project-id\">"));
    for env in ["development", "production"] {
        assert!(
            form.text.contains(&format!(
                "name=\"environments\" value=\"{env}\" id=\"env-{env}\" checked"
            )),
            "{env} is offered and ticked: {}",
            form.text
        );
    }
    let token = csrf_of(&form.text);

    let res = post_form(
        &app,
        "/projects",
        &s,
        &[
            ("_csrf", &token),
            ("id", "team-a"),
            ("name", "Team <A>"),
            ("description", "Checkout & payments"),
            ("environments", "development"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(res.header("location").as_deref(), Some("/projects/team-a"));
    let p = app
        .get("/api/admin/projects/team-a", &api)
        .await
        .expect(200);
    assert_eq!(p.json["name"], "Team <A>");
    assert_eq!(p.json["description"], "Checkout & payments");
    assert_eq!(project_envs(&app, &api, "team-a").await, ["development"]);
    let page = get_page(&app, "/projects/team-a", &s).await.expect(200);
    assert!(page.text.contains("Team &#60;A&#62;"));
    assert!(!page.text.contains("Team <A>"), "names are escaped");
    let list = get_page(&app, "/projects", &s).await.expect(200);
    assert!(list.text.contains("data-project=\"team-a\""));

    // A taken id is explained beside the form, which keeps the input.
    let dup = post_form(
        &app,
        "/projects",
        &s,
        &[
            ("_csrf", &token),
            ("id", "team-a"),
            ("name", "Second team"),
            ("description", "kept"),
            ("environments", "production"),
        ],
    )
    .await
    .expect(409);
    assert!(dup.text.contains("id=\"project-error\""), "{}", dup.text);
    assert!(dup.text.contains("already exists"));
    assert!(dup.text.contains("value=\"Second team\""));
    assert!(dup.text.contains(">kept</textarea>"));
    assert!(dup
        .text
        .contains("value=\"production\" id=\"env-production\" checked"));
    assert!(!dup
        .text
        .contains("value=\"development\" id=\"env-development\" checked"));
    assert!(dup.text.contains("aria-invalid=\"true\""));

    // An id that is not URL-friendly, by the same rule as the Admin API.
    let bad = post_form(
        &app,
        "/projects",
        &s,
        &[("_csrf", &token), ("id", "a b/c"), ("name", "Bad")],
    )
    .await
    .expect(400);
    assert!(bad.text.contains("URL-friendly"), "{}", bad.text);
    assert!(bad.text.contains("value=\"a b/c\""));
    let empty = post_form(
        &app,
        "/projects",
        &s,
        &[("_csrf", &token), ("id", "x"), ("name", "  ")],
    )
    .await
    .expect(400);
    assert!(empty.text.contains("name must not be empty"));

    // Without an id the name gives one, as on the Admin API.
    let res = post_form(
        &app,
        "/projects",
        &s,
        &[
            ("_csrf", &token),
            ("id", ""),
            ("name", "Mobile"),
            ("environments", "development"),
            ("environments", "production"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(res.header("location").as_deref(), Some("/projects/mobile"));
    assert_eq!(
        project_envs(&app, &api, "mobile").await,
        ["development", "production"]
    );
    // A project called `new` is still reached through its tabs' pages.
    create_project_api(&app, &api, "new").await;
    let settings = get_page(&app, "/projects/new/settings", &s)
        .await
        .expect(200);
    assert!(settings.text.contains("data-project=\"new\""));

    let events = app
        .get("/api/admin/events?project=mobile", &api)
        .await
        .expect(200);
    assert!(events.text.contains("project-created"), "{}", events.text);
}

#[tokio::test]
async fn a_viewer_cannot_create_projects() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    app.user("vic", "Viewer").await;
    let s = form_login(&app, "vic", "vic-Passw0rd!").await;
    let list = get_page(&app, "/projects", &s).await.expect(200);
    assert!(list.text.contains("id=\"new-project\" disabled"));
    assert!(list
        .text
        .contains("Your role does not allow creating projects."));
    assert!(!list.text.contains("href=\"/projects/new\""));
    get_page(&app, "/projects/new", &s).await.expect(403);
    let token = csrf(&app, "/profile", &s).await;
    post_form(
        &app,
        "/projects",
        &s,
        &[("_csrf", &token), ("id", "sneaky"), ("name", "Sneaky")],
    )
    .await
    .expect(403);
    app.get("/api/admin/projects/sneaky", &api)
        .await
        .expect(404);

    // An Editor may (CREATE_PROJECT is theirs, as in Unleash).
    app.user("erin", "Editor").await;
    let e = form_login(&app, "erin", "erin-Passw0rd!").await;
    let list = get_page(&app, "/projects", &e).await.expect(200);
    assert!(list.text.contains("href=\"/projects/new\""));
    let token = csrf(&app, "/profile", &e).await;
    post_form(
        &app,
        "/projects",
        &e,
        &[("_csrf", &token), ("id", "erins"), ("name", "Erin's")],
    )
    .await
    .expect(303);
}

#[tokio::test]
async fn forms_without_the_csrf_field_are_refused() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_project_api(&app, &api, "team-a").await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let attempts: [(&str, Vec<(&str, &str)>); 6] = [
        ("/projects", vec![("id", "x"), ("name", "X")]),
        ("/projects/team-a/settings", vec![("name", "Renamed")]),
        (
            "/projects/team-a/settings/environments/production/disable",
            vec![],
        ),
        ("/projects/team-a/delete", vec![]),
        (
            "/projects/team-a/api-access",
            vec![
                ("name", "t"),
                ("type", "client"),
                ("environment", "development"),
            ],
        ),
        ("/projects/team-a/api-access/abc/delete", vec![]),
    ];
    for (path, pairs) in attempts {
        let mut with_wrong = pairs.clone();
        with_wrong.push(("_csrf", "not-the-token"));
        for body in [pairs, with_wrong] {
            let r = post_form(&app, path, &s, &body).await;
            assert_eq!(r.status.as_u16(), 403, "{path}: {}", r.text);
            assert!(r.text.contains("This form has expired"), "{path}");
        }
    }
    let p = app
        .get("/api/admin/projects/team-a", &api)
        .await
        .expect(200);
    assert_eq!(p.json["name"], "Project team-a");
    assert_eq!(
        project_envs(&app, &api, "team-a").await,
        ["development", "production"]
    );
    app.get("/api/admin/projects/x", &api).await.expect(404);
}

#[tokio::test]
async fn project_pages_have_tabs() {
    let app = TestApp::new().await;
    app.user("vic", "Viewer").await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/projects/default", &s).await.expect(200);
    assert!(page
        .text
        .contains("id=\"tab-flags\" href=\"/projects/default\" aria-current=\"page\""));
    assert!(page
        .text
        .contains("id=\"tab-settings\" href=\"/projects/default/settings\""));
    assert!(page
        .text
        .contains("id=\"tab-api-access\" href=\"/projects/default/api-access\""));
    let settings = get_page(&app, "/projects/default/settings", &s)
        .await
        .expect(200);
    assert!(settings
        .text
        .contains("id=\"tab-settings\" href=\"/projects/default/settings\" aria-current=\"page\""));
    let v = form_login(&app, "vic", "vic-Passw0rd!").await;
    let page = get_page(&app, "/projects/default", &v).await.expect(200);
    assert!(page.text.contains("id=\"tab-settings\""));
    assert!(
        !page.text.contains("id=\"tab-api-access\""),
        "a Viewer may not read project API tokens"
    );
    get_page(&app, "/projects/nope/settings", &s)
        .await
        .expect(404);
    get_page(&app, "/projects/nope/api-access", &s)
        .await
        .expect(404);
}

#[tokio::test]
async fn settings_rename_and_switch_environments() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_project_api(&app, &api, "team-a").await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/projects/team-a/settings", &s)
        .await
        .expect(200);
    assert!(page.text.contains("id=\"settings-form\""));
    assert!(page.text.contains("value=\"Project team-a\""));
    let token = csrf_of(&page.text);

    let res = post_form(
        &app,
        "/projects/team-a/settings",
        &s,
        &[
            ("_csrf", &token),
            ("name", "Checkout"),
            ("description", "Everything about paying"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/projects/team-a/settings")
    );
    let p = app
        .get("/api/admin/projects/team-a", &api)
        .await
        .expect(200);
    assert_eq!(p.json["name"], "Checkout");
    assert_eq!(p.json["description"], "Everything about paying");
    let events = app
        .get("/api/admin/events?project=team-a", &api)
        .await
        .expect(200);
    assert!(events.text.contains("project-updated"));

    // An empty name is explained beside the form, keeping what was typed.
    let bad = post_form(
        &app,
        "/projects/team-a/settings",
        &s,
        &[("_csrf", &token), ("name", ""), ("description", "typed")],
    )
    .await
    .expect(400);
    assert!(bad.text.contains("id=\"settings-error\""));
    assert!(bad.text.contains("name must not be empty"));
    assert!(bad.text.contains(">typed</textarea>"));

    // Disabling asks first (a page that works without JavaScript).
    let confirm = get_page(
        &app,
        "/projects/team-a/settings/environments/production/disable",
        &s,
    )
    .await
    .expect(200);
    assert!(confirm.text.contains("Disable production?"));
    assert!(confirm.text.contains("id=\"confirm-disable\""));
    let res = post_form(
        &app,
        "/projects/team-a/settings/environments/production/disable",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(303);
    assert_eq!(project_envs(&app, &api, "team-a").await, ["development"]);
    let flash = set_cookie(&res, "switchyard-flash").expect("a message for the next page");
    let page = get_page(&app, "/projects/team-a/settings", &format!("{s}; {flash}"))
        .await
        .expect(200);
    assert!(page.text.contains("disabled in this project"), "flash");
    assert!(page.text.contains("id=\"enable-production\""));
    assert!(
        page.text
            .contains("disabled title=\"A project must always have at least one environment enabled.\">Disable</button>"),
        "the last environment cannot be disabled"
    );
    // The last one: refused by the service, explained on the page.
    let last = post_form(
        &app,
        "/projects/team-a/settings/environments/development/disable",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(400);
    assert!(last.text.contains("id=\"env-error\""));
    assert!(last.text.contains("at least one environment"));
    // Enable again.
    post_form(
        &app,
        "/projects/team-a/settings/environments/production/enable",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(303);
    assert_eq!(
        project_envs(&app, &api, "team-a").await,
        ["development", "production"]
    );
    let twice = post_form(
        &app,
        "/projects/team-a/settings/environments/production/enable",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(409);
    assert!(twice.text.contains("already enabled"));
    post_form(
        &app,
        "/projects/team-a/settings/environments/nope/enable",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn a_viewer_sees_settings_without_controls() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_project_api(&app, &api, "team-a").await;
    app.user("vic", "Viewer").await;
    let s = form_login(&app, "vic", "vic-Passw0rd!").await;
    let page = get_page(&app, "/projects/team-a/settings", &s)
        .await
        .expect(200);
    assert!(!page.text.contains("id=\"settings-form\""));
    assert!(page.text.contains("id=\"no-update\""));
    assert!(!page.text.contains("id=\"disable-production\""));
    assert!(!page.text.contains("/enable\""));
    assert!(page
        .text
        .contains("Your role does not allow deleting this project."));
    assert!(page.text.contains("id=\"delete-project-button\" disabled"));
    let token = csrf_of(&page.text);
    for (path, pairs) in [
        (
            "/projects/team-a/settings",
            vec![("_csrf", token.as_str()), ("name", "Hijacked")],
        ),
        (
            "/projects/team-a/settings/environments/production/disable",
            vec![("_csrf", token.as_str())],
        ),
        (
            "/projects/team-a/settings/environments/production/enable",
            vec![("_csrf", token.as_str())],
        ),
        ("/projects/team-a/delete", vec![("_csrf", token.as_str())]),
    ] {
        let r = post_form(&app, path, &s, &pairs).await;
        assert_eq!(r.status.as_u16(), 403, "{path}");
    }
    get_page(&app, "/projects/team-a/delete", &s)
        .await
        .expect(403);
    get_page(
        &app,
        "/projects/team-a/settings/environments/production/disable",
        &s,
    )
    .await
    .expect(403);
    let p = app
        .get("/api/admin/projects/team-a", &api)
        .await
        .expect(200);
    assert_eq!(p.json["name"], "Project team-a");
    assert_eq!(
        project_envs(&app, &api, "team-a").await,
        ["development", "production"]
    );
}

#[tokio::test]
async fn deleting_a_project() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_project_api(&app, &api, "team-a").await;
    app.post(
        "/api/admin/projects/team-a/features",
        json!({"name": "pay-later"}),
        &api,
    )
    .await
    .expect(201);
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    // The default project stays, and says why.
    let default = get_page(&app, "/projects/default/settings", &s)
        .await
        .expect(200);
    assert!(default
        .text
        .contains("The default project cannot be deleted."));
    assert!(default
        .text
        .contains("id=\"delete-project-button\" disabled"));
    let token = csrf_of(&default.text);
    let r = post_form(&app, "/projects/default/delete", &s, &[("_csrf", &token)])
        .await
        .expect(403);
    assert!(r.text.contains("id=\"delete-error\""));
    app.get("/api/admin/projects/default", &api)
        .await
        .expect(200);

    // A project with flags cannot go until they are archived.
    let page = get_page(&app, "/projects/team-a/settings", &s)
        .await
        .expect(200);
    assert!(page.text.contains("This project still has 1 flag."));
    let r = post_form(&app, "/projects/team-a/delete", &s, &[("_csrf", &token)])
        .await
        .expect(403);
    assert!(r.text.contains("active feature flags"), "{}", r.text);
    app.delete("/api/admin/projects/team-a/features/pay-later", &api)
        .await
        .expect(202);

    let page = get_page(&app, "/projects/team-a/settings", &s)
        .await
        .expect(200);
    assert!(page
        .text
        .contains("href=\"/projects/team-a/delete\">Delete project</a>"));
    let confirm = get_page(&app, "/projects/team-a/delete", &s)
        .await
        .expect(200);
    assert!(confirm.text.contains("Delete project?"));
    assert!(confirm.text.contains("id=\"confirm-delete\""));
    let res = post_form(&app, "/projects/team-a/delete", &s, &[("_csrf", &token)])
        .await
        .expect(303);
    assert_eq!(res.header("location").as_deref(), Some("/projects"));
    app.get("/api/admin/projects/team-a", &api)
        .await
        .expect(404);
    let flash = set_cookie(&res, "switchyard-flash").expect("a message for the next page");
    let list = get_page(&app, "/projects", &format!("{s}; {flash}"))
        .await
        .expect(200);
    assert!(list.text.contains("Project &#34;team-a&#34; deleted"));
    assert!(!list.text.contains("data-project=\"team-a\""));
}

#[tokio::test]
async fn api_access_lists_creates_and_deletes_project_tokens() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_project_api(&app, &api, "team-a").await;
    create_project_api(&app, &api, "team-b").await;
    let everywhere = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "everywhere", "type": "client"}),
            &api,
        )
        .await
        .expect(201)
        .json;
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "only-b", "type": "client", "projects": ["team-b"]}),
        &api,
    )
    .await
    .expect(201);
    let both = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "a-and-b", "type": "frontend", "projects": ["team-a", "team-b"]}),
            &api,
        )
        .await
        .expect(201)
        .json["selector"]
        .as_str()
        .unwrap()
        .to_string();
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    let page = get_page(&app, "/projects/team-a/api-access", &s)
        .await
        .expect(200);
    assert!(page.text.contains("API access (2)"), "{}", page.text);
    assert!(page.text.contains("everywhere"));
    assert!(page.text.contains("a-and-b"));
    assert!(!page.text.contains("only-b"));
    assert_eq!(
        page.text
            .matches("disabled title=\"This token reaches other projects too")
            .count(),
        2,
        "tokens for other projects too cannot be deleted here"
    );
    assert!(
        !page.text.contains("name=\"projects\""),
        "the project is fixed"
    );
    let token = csrf_of(&page.text);
    get_page(
        &app,
        &format!(
            "/projects/team-a/api-access/{}/delete",
            everywhere["selector"].as_str().unwrap()
        ),
        &s,
    )
    .await
    .expect(403);

    // Validation beside the form.
    let bad = post_form(
        &app,
        "/projects/team-a/api-access",
        &s,
        &[
            ("_csrf", &token),
            ("name", ""),
            ("type", "frontend"),
            ("environment", "development"),
            ("expiry", "never"),
        ],
    )
    .await
    .expect(400);
    assert!(bad.text.contains("id=\"api-error\""));
    assert!(bad.text.contains("Token name is required"), "{}", bad.text);
    let bad = post_form(
        &app,
        "/projects/team-a/api-access",
        &s,
        &[
            ("_csrf", &token),
            ("name", "kept-name"),
            ("type", "frontend"),
            ("environment", "development"),
            ("expiry", "12"),
        ],
    )
    .await
    .expect(400);
    assert!(bad.text.contains("Choose when the token will expire."));
    assert!(bad.text.contains("value=\"kept-name\""));

    // A frontend token for this project, shown once with Copy token; it works.
    let created = post_form(
        &app,
        "/projects/team-a/api-access",
        &s,
        &[
            ("_csrf", &token),
            ("name", "web-shop"),
            ("type", "frontend"),
            ("environment", "development"),
            ("projects", "*"),
            ("expiry", "30"),
        ],
    )
    .await
    .expect(200);
    assert!(created.text.contains("API token created"));
    assert!(created.text.contains("id=\"copy-token\""));
    assert!(created
        .text
        .contains("href=\"/projects/team-a/api-access\" id=\"close-dialog\""));
    let secret = secret_of(&created.text);
    assert!(secret.starts_with("team-a:development."), "{secret}");
    app.get("/api/frontend", &Auth::Token(secret.clone()))
        .await
        .expect(200);
    let listed = app
        .get("/api/admin/projects/team-a/api-tokens", &api)
        .await
        .expect(200);
    let mine = listed.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tokenName"] == "web-shop")
        .cloned()
        .expect("listed by the Admin API");
    assert_eq!(mine["projects"], json!(["team-a"]));
    assert_eq!(mine["type"], "frontend");
    assert!(!mine["expiresAt"].is_null());
    let again = get_page(&app, "/projects/team-a/api-access", &s)
        .await
        .expect(200);
    assert!(!again.text.contains(&secret), "shown once");
    assert!(again.text.contains("API access (3)"));

    // Delete after confirming.
    let selector = mine["selector"].as_str().unwrap().to_string();
    assert!(selectors(&again.text).contains(&selector));
    let confirm = get_page(
        &app,
        &format!("/projects/team-a/api-access/{selector}/delete"),
        &s,
    )
    .await
    .expect(200);
    assert!(confirm.text.contains("Delete API token?"));
    assert!(confirm.text.contains(&format!(
        "action=\"/projects/team-a/api-access/{selector}/delete\""
    )));
    let res = post_form(
        &app,
        &format!("/projects/team-a/api-access/{selector}/delete"),
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(303);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/projects/team-a/api-access")
    );
    assert_eq!(
        app.get("/api/frontend", &Auth::Token(secret))
            .await
            .status
            .as_u16(),
        401
    );
    // Crafted deletes of tokens that are not this project's alone are refused, as on the
    // Admin API: one for all projects is not found here, one for several is refused.
    post_form(
        &app,
        &format!(
            "/projects/team-a/api-access/{}/delete",
            everywhere["selector"].as_str().unwrap()
        ),
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(404);
    let r = post_form(
        &app,
        &format!("/projects/team-a/api-access/{both}/delete"),
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(400);
    assert!(r.text.contains("reaches other projects too"));
    let all = app.get("/api/admin/api-tokens", &api).await.expect(200);
    assert_eq!(all.json["tokens"].as_array().unwrap().len(), 3);
    post_form(
        &app,
        "/projects/team-a/api-access/nosuchselector/delete",
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(404);
}

async fn make_member(app: &TestApp, admin: &Auth, project: &str, user_id: i64) {
    // Role 5 is Member: READ/CREATE/DELETE_PROJECT_API_TOKEN in the project.
    app.post(
        &format!("/api/admin/projects/{project}/access"),
        json!({"roles": [5], "users": [{"id": user_id}], "groups": []}),
        admin,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn project_token_permissions_follow_project_roles() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_project_api(&app, &api, "team-a").await;
    app.post(
        "/api/admin/api-tokens",
        json!({"tokenName": "global", "type": "client"}),
        &api,
    )
    .await
    .expect(201);
    let (vic_id, _) = app.user("vic", "Viewer").await;
    make_member(&app, &api, "team-a", vic_id).await;
    let s = form_login(&app, "vic", "vic-Passw0rd!").await;

    // A Member of team-a: API access there, but not in default.
    let page = get_page(&app, "/projects/team-a", &s).await.expect(200);
    assert!(page.text.contains("id=\"tab-api-access\""));
    let tokens = get_page(&app, "/projects/team-a/api-access", &s)
        .await
        .expect(200);
    assert!(tokens.text.contains("id=\"api-token-form\""));
    assert!(
        !tokens.text.contains("global"),
        "all-project tokens only for those who may read them"
    );
    let token = csrf_of(&tokens.text);
    let created = post_form(
        &app,
        "/projects/team-a/api-access",
        &s,
        &[
            ("_csrf", &token),
            ("name", "member-made"),
            ("type", "client"),
            ("environment", "production"),
            ("expiry", "never"),
        ],
    )
    .await
    .expect(200);
    assert!(secret_of(&created.text).starts_with("team-a:production."));
    // Settings stay read-only: a Member may not update the project.
    let settings = get_page(&app, "/projects/team-a/settings", &s)
        .await
        .expect(200);
    assert!(settings.text.contains("id=\"no-update\""));

    let page = get_page(&app, "/projects/default", &s).await.expect(200);
    assert!(!page.text.contains("id=\"tab-api-access\""));
    get_page(&app, "/projects/default/api-access", &s)
        .await
        .expect(403);
    let r = post_form(
        &app,
        "/projects/default/api-access",
        &s,
        &[
            ("_csrf", &token),
            ("name", "sneaky"),
            ("type", "client"),
            ("environment", "development"),
            ("expiry", "never"),
        ],
    )
    .await
    .expect(403);
    assert!(
        r.text.contains("You don't have access to this page"),
        "{}",
        r.text
    );
    let all = app.get("/api/admin/api-tokens", &api).await.expect(200);
    let names: Vec<Value> = all.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tokenName"].clone())
        .collect();
    assert!(names.contains(&json!("member-made")));
    assert!(!names.contains(&json!("sneaky")));

    // Someone without a role in team-a is refused its tokens, reading and deleting.
    app.user("olga", "Viewer").await;
    let o = form_login(&app, "olga", "olga-Passw0rd!").await;
    get_page(&app, "/projects/team-a/api-access", &o)
        .await
        .expect(403);
    let member_token = all.json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tokenName"] == "member-made")
        .unwrap()["selector"]
        .as_str()
        .unwrap()
        .to_string();
    let otoken = csrf(&app, "/profile", &o).await;
    post_form(
        &app,
        &format!("/projects/team-a/api-access/{member_token}/delete"),
        &o,
        &[("_csrf", &otoken)],
    )
    .await
    .expect(403);
    // The Member may delete it.
    post_form(
        &app,
        &format!("/projects/team-a/api-access/{member_token}/delete"),
        &s,
        &[("_csrf", &token)],
    )
    .await
    .expect(303);
}

#[tokio::test]
async fn the_global_api_tokens_page_still_works_with_the_shared_parts() {
    let app = TestApp::new().await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/admin/api", &s).await.expect(200);
    assert!(page.text.contains("name=\"projects\" value=\"*\" checked"));
    assert!(page.text.contains("name=\"projects\" value=\"default\""));
    let token = csrf_of(&page.text);
    let created = post_form(
        &app,
        "/admin/api",
        &s,
        &[
            ("_csrf", &token),
            ("name", "global-one"),
            ("type", "frontend"),
            ("environment", "development"),
            ("projects", "*"),
            ("expiry", "never"),
        ],
    )
    .await
    .expect(200);
    assert!(created
        .text
        .contains("href=\"/admin/api\" id=\"close-dialog\""));
    assert!(secret_of(&created.text).starts_with("*:development."));
    // It reaches every project, so the default project's API access lists it.
    let project = get_page(&app, "/projects/default/api-access", &s)
        .await
        .expect(200);
    assert!(project.text.contains("global-one"));
}
