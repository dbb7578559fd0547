//! Flag details, archive deletion, confirmations without JavaScript and the dashboard,
//! through the real router: what the pages show, what their forms change (checked through
//! the Admin API and its event log), validation messages beside the form, and controls
//! that follow permissions (with crafted POSTs refused).

mod common;
mod ui_support;

use common::{Auth, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use ui_support::*;

async fn create_flag(app: &TestApp, api: &Auth, project: &str, body: Value) {
    app.post(
        &format!("/api/admin/projects/{project}/features"),
        body,
        api,
    )
    .await
    .expect(201);
}

async fn event_types(app: &TestApp, api: &Auth, flag: &str) -> Vec<String> {
    app.get(&format!("/api/admin/events/{flag}"), api)
        .await
        .expect(200)
        .json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

async fn archived_names(app: &TestApp, api: &Auth) -> Vec<String> {
    app.get("/api/admin/archive/features", api)
        .await
        .expect(200)
        .json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

/// The text of the element with this id, up to the next tag.
fn text_of(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let rest = &rest[start..];
    rest[..rest.find('<').unwrap()].trim().to_string()
}

/// The number in a dashboard tile.
fn count_of(html: &str, id: &str) -> i64 {
    let marker = format!("id=\"{id}\"><strong>");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no tile #{id}"))
        + marker.len();
    html[at..at + html[at..].find('<').unwrap()]
        .parse()
        .unwrap()
}

#[tokio::test]
async fn editing_a_flags_details_records_events_and_shows_them() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_flag(
        &app,
        &api,
        "default",
        json!({"name": "details", "type": "release", "description": "Before"}),
    )
    .await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    let page = get_page(&app, "/projects/default/features/details", &s)
        .await
        .expect(200);
    assert!(page
        .text
        .contains("id=\"edit-flag\" href=\"/projects/default/features/details/edit\""));
    assert_eq!(text_of(&page.text, "fact-type"), "release");
    assert_eq!(text_of(&page.text, "fact-stale"), "no");
    assert!(!page.text.contains("id=\"stale-badge\""));

    // The form offers the types the Admin API knows and shows the current values.
    let form = get_page(&app, "/projects/default/features/details/edit", &s)
        .await
        .expect(200);
    let types = app.get("/api/admin/feature-types", &api).await.expect(200);
    for t in types.json["types"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        assert!(
            form.text.contains(&format!("<option value=\"{id}\"")),
            "type {id} offered"
        );
    }
    assert!(form.text.contains("<option value=\"release\" selected>"));
    assert!(form.text.contains(">Before</textarea>"));
    assert!(form.text.contains("<label for=\"edit-type\">"));
    assert!(!form
        .text
        .contains("id=\"edit-stale\" aria-describedby=\"stale-help\" checked"));
    let token = csrf_of(&form.text);

    let res = post_form(
        &app,
        "/projects/default/features/details/edit",
        &s,
        &[
            ("_csrf", &token),
            ("type", "operational"),
            ("description", "After <b>bold</b>"),
            ("stale", "on"),
            ("impression_data", "on"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(
        res.header("location").as_deref(),
        Some("/projects/default/features/details")
    );
    assert!(set_cookie(&res, "switchyard-flash")
        .unwrap()
        .contains("saved"));
    let f = app.get(&flag_api("details"), &api).await.expect(200);
    assert_eq!(f.json["type"], "operational");
    assert_eq!(f.json["description"], "After <b>bold</b>");
    assert_eq!(f.json["stale"], true);
    assert_eq!(f.json["impressionData"], true);
    let events = event_types(&app, &api, "details").await;
    assert!(
        events.contains(&"feature-metadata-updated".to_string()),
        "{events:?}"
    );
    assert!(
        events.contains(&"feature-stale-on".to_string()),
        "{events:?}"
    );

    // The flag page shows them, the description as text.
    let page = get_page(&app, "/projects/default/features/details", &s)
        .await
        .expect(200);
    assert!(page.text.contains("id=\"stale-badge\""));
    assert_eq!(text_of(&page.text, "fact-type"), "operational");
    assert_eq!(text_of(&page.text, "fact-stale"), "yes");
    assert_eq!(text_of(&page.text, "fact-impression-data"), "on");
    assert!(page.text.contains("After &#60;b&#62;bold&#60;/b&#62;"));

    // Unticking stale and emptying the description clear them.
    let res = post_form(
        &app,
        "/projects/default/features/details/edit",
        &s,
        &[
            ("_csrf", &token),
            ("type", "operational"),
            ("description", "  "),
            ("impression_data", "on"),
        ],
    )
    .await;
    res.expect(303);
    let f = app.get(&flag_api("details"), &api).await.expect(200);
    assert_eq!(f.json["stale"], false);
    assert_eq!(f.json["description"], Value::Null);
    assert_eq!(f.json["impressionData"], true);
    assert!(event_types(&app, &api, "details")
        .await
        .contains(&"feature-stale-off".to_string()));
}

#[tokio::test]
async fn edit_errors_show_beside_the_form_and_keep_the_input() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_flag(
        &app,
        &api,
        "default",
        json!({"name": "kept", "type": "release"}),
    )
    .await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let token = csrf(&app, "/projects/default/features/kept/edit", &s).await;

    let bad = post_form(
        &app,
        "/projects/default/features/kept/edit",
        &s,
        &[
            ("_csrf", &token),
            ("type", "no-such-type"),
            ("description", "typed by hand"),
            ("stale", "on"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.text);
    assert!(bad.text.contains("id=\"type-error\""), "{}", bad.text);
    assert!(
        bad.text.contains("no-such-type"),
        "the message names the type"
    );
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(bad.text.contains(">typed by hand</textarea>"), "input kept");
    assert!(bad
        .text
        .contains("id=\"edit-stale\" aria-describedby=\"stale-help\" checked"));
    let f = app.get(&flag_api("kept"), &api).await.expect(200);
    assert_eq!(f.json["type"], "release");
    assert_eq!(f.json["stale"], false);

    // Without the CSRF token nothing changes.
    let r = post_form(
        &app,
        "/projects/default/features/kept/edit",
        &s,
        &[("type", "experiment")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    assert!(r.text.contains("This form has expired"));
    let f = app.get(&flag_api("kept"), &api).await.expect(200);
    assert_eq!(f.json["type"], "release");

    // An unknown flag is a 404 page, for the form and for a post.
    let r = get_page(&app, "/projects/default/features/missing/edit", &s).await;
    assert_eq!(r.status.as_u16(), 404);
    let r = post_form(
        &app,
        "/projects/default/features/missing/edit",
        &s,
        &[("_csrf", &token), ("type", "release")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 404);
}

#[tokio::test]
async fn archiving_and_deleting_a_strategy_ask_first_without_javascript() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_flag(&app, &api, "default", json!({"name": "asked"})).await;
    let st = app
        .post(
            &format!("{}/environments/development/strategies", flag_api("asked")),
            json!({"name": "default", "title": "Everyone"}),
            &api,
        )
        .await
        .expect(200);
    let id = st.json["id"].as_str().unwrap().to_string();
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/projects/default/features/asked", &s)
        .await
        .expect(200);
    // With JavaScript the browser asks; the forms post to the actions.
    assert!(page.text.contains(
        "action=\"/projects/default/features/asked/archive\" data-confirm=\"Archive the flag asked? SDKs will no longer see it.\""
    ));
    assert!(page.text.contains(&format!(
        "strategies/{id}/delete\" data-confirm=\"Delete this strategy?\""
    )));
    let token = csrf_of(&page.text);

    // Strategy: a post without confirm=yes only asks, as the GET does.
    let delete =
        format!("/projects/default/features/asked/environments/development/strategies/{id}/delete");
    for ask in [
        post_form(&app, &delete, &s, &[("_csrf", &token)]).await,
        get_page(&app, &delete, &s).await,
    ] {
        let ask = ask.expect(200);
        assert!(ask.text.contains("Delete strategy?"), "{}", ask.text);
        assert!(ask.text.contains("<strong>Everyone</strong>"));
        assert!(ask.text.contains("You cannot undo this action."));
        assert!(ask.text.contains(&format!("action=\"{delete}\"")));
        assert!(ask.text.contains("name=\"confirm\" value=\"yes\""));
        assert!(ask.text.contains("name=\"_csrf\""));
        assert!(ask
            .text
            .contains("href=\"/projects/default/features/asked\" id=\"confirm-cancel\""));
    }
    let list = format!("{}/environments/development/strategies", flag_api("asked"));
    assert_eq!(
        app.get(&list, &api).await.json.as_array().unwrap().len(),
        1,
        "not deleted yet"
    );
    let r = post_form(&app, &delete, &s, &[("_csrf", &token), ("confirm", "yes")]).await;
    r.expect(303);
    assert!(app
        .get(&list, &api)
        .await
        .json
        .as_array()
        .unwrap()
        .is_empty());
    // An unknown strategy is a 404 page.
    let r = get_page(&app, &delete, &s).await;
    assert_eq!(r.status.as_u16(), 404);

    // Archive: the same.
    let archive = "/projects/default/features/asked/archive";
    for ask in [
        post_form(&app, archive, &s, &[("_csrf", &token)]).await,
        post_form(&app, archive, &s, &[("_csrf", &token), ("confirm", "no")]).await,
        get_page(&app, archive, &s).await,
    ] {
        let ask = ask.expect(200);
        assert!(ask
            .text
            .contains("<h1 id=\"confirm-title\">Archive flag?</h1>"));
        assert!(ask.text.contains("<strong>asked</strong>"));
        assert!(ask.text.contains("id=\"confirm-archive\""));
        assert!(ask.text.contains(&format!("action=\"{archive}\"")));
    }
    app.get(&flag_api("asked"), &api).await.expect(200);
    // Without the CSRF token even confirm=yes changes nothing.
    let r = post_form(&app, archive, &s, &[("confirm", "yes")]).await;
    assert_eq!(r.status.as_u16(), 403);
    app.get(&flag_api("asked"), &api).await.expect(200);
    let r = post_form(&app, archive, &s, &[("_csrf", &token), ("confirm", "yes")]).await;
    assert_eq!(r.header("location").as_deref(), Some("/projects/default"));
    app.get(&flag_api("asked"), &api).await.expect(404);
    assert!(archived_names(&app, &api)
        .await
        .contains(&"asked".to_string()));
    // An archived flag cannot be archived again: the confirmation says it is missing.
    let r = get_page(&app, archive, &s).await;
    assert_eq!(r.status.as_u16(), 404);
}

#[tokio::test]
async fn the_archive_searches_links_projects_and_deletes_for_good() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    for name in ["alpha-one", "beta-two", "still-active"] {
        create_flag(&app, &api, "default", json!({"name": name})).await;
    }
    for name in ["alpha-one", "beta-two"] {
        app.delete(&flag_api(name), &api).await.expect(202);
    }
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    let all = get_page(&app, "/archive", &s).await.expect(200);
    assert!(all.text.contains("Archived flags (2)"));
    assert!(all.text.contains("data-flag=\"alpha-one\""));
    assert!(all.text.contains("data-flag=\"beta-two\""));
    assert!(!all.text.contains("data-flag=\"still-active\""));
    assert!(all
        .text
        .contains("<a href=\"/projects/default\">default</a>"));
    assert!(all.text.contains("<label for=\"archive-search\""));
    assert!(all
        .text
        .contains("action=\"/archive/alpha-one/delete\" data-confirm=\"Delete flag? The archived flag alpha-one will be deleted permanently. You cannot undo this action.\""));
    let token = csrf_of(&all.text);

    // Search by part of the name, case-insensitive, by GET.
    let found = get_page(&app, "/archive?q=ALPHA", &s).await.expect(200);
    assert!(found.text.contains("data-flag=\"alpha-one\""));
    assert!(!found.text.contains("data-flag=\"beta-two\""));
    assert!(
        found.text.contains("value=\"ALPHA\""),
        "the box keeps the query"
    );
    let none = get_page(&app, "/archive?q=%3Cnothing%3E", &s)
        .await
        .expect(200);
    assert!(
        none.text
            .contains("No archived flags match \"&#60;nothing&#62;\"."),
        "{}",
        none.text
    );
    assert!(!none.text.contains("<nothing>"), "the query is escaped");

    // Delete asks first (POST without confirm=yes, or GET), then deletes.
    for ask in [
        post_form(&app, "/archive/alpha-one/delete", &s, &[("_csrf", &token)]).await,
        get_page(&app, "/archive/alpha-one/delete", &s).await,
    ] {
        let ask = ask.expect(200);
        assert!(ask
            .text
            .contains("<h1 id=\"confirm-title\">Delete flag?</h1>"));
        assert!(ask.text.contains("<strong>alpha-one</strong>"));
        assert!(ask.text.contains("You cannot undo this action."));
        assert!(ask.text.contains("id=\"confirm-delete-flag\""));
        assert!(ask.text.contains("href=\"/archive\" id=\"confirm-cancel\""));
    }
    assert!(archived_names(&app, &api)
        .await
        .contains(&"alpha-one".to_string()));
    let r = post_form(&app, "/archive/alpha-one/delete", &s, &[("confirm", "yes")]).await;
    assert_eq!(r.status.as_u16(), 403, "no CSRF token");
    assert!(archived_names(&app, &api)
        .await
        .contains(&"alpha-one".to_string()));
    let r = post_form(
        &app,
        "/archive/alpha-one/delete",
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await
    .expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/archive"));
    assert!(set_cookie(&r, "switchyard-flash")
        .unwrap()
        .contains("deleted"));
    let names = archived_names(&app, &api).await;
    assert!(!names.contains(&"alpha-one".to_string()), "{names:?}");
    assert!(event_types(&app, &api, "alpha-one")
        .await
        .contains(&"feature-deleted".to_string()));
    let after = get_page(&app, "/archive", &s).await.expect(200);
    assert!(after.text.contains("Archived flags (1)"));

    // Gone, or not archived: no confirmation to give.
    let r = get_page(&app, "/archive/alpha-one/delete", &s).await;
    assert_eq!(r.status.as_u16(), 404);
    let r = get_page(&app, "/archive/still-active/delete", &s).await;
    assert_eq!(r.status.as_u16(), 400);
    let r = post_form(
        &app,
        "/archive/still-active/delete",
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 400);
    app.get(&flag_api("still-active"), &api).await.expect(200);
}

#[tokio::test]
async fn a_viewer_sees_no_edit_or_delete_controls_and_is_refused() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    create_flag(&app, &api, "default", json!({"name": "looked-at"})).await;
    let st = app
        .post(
            &format!(
                "{}/environments/development/strategies",
                flag_api("looked-at")
            ),
            json!({"name": "default"}),
            &api,
        )
        .await
        .expect(200);
    let id = st.json["id"].as_str().unwrap().to_string();
    create_flag(&app, &api, "default", json!({"name": "gone-by"})).await;
    app.delete(&flag_api("gone-by"), &api).await.expect(202);
    app.user("vera", "Viewer").await;
    let s = form_login(&app, "vera", "vera-Passw0rd!").await;

    let page = get_page(&app, "/projects/default/features/looked-at", &s)
        .await
        .expect(200);
    assert!(page.text.contains(
        "<button type=\"button\" class=\"btn\" id=\"edit-flag\" disabled title=\"Your role does not allow this\">Edit</button>"
    ));
    assert!(!page.text.contains("/edit\""));
    let token = csrf_of(&page.text);
    let archive = get_page(&app, "/archive", &s).await.expect(200);
    assert!(archive.text.contains("data-flag=\"gone-by\""));
    assert!(!archive.text.contains("/delete\""), "no delete form");
    assert!(archive.text.contains(
        "<button type=\"button\" class=\"btn small\" disabled title=\"Your role does not allow this\">Delete</button>"
    ));

    // Pages and crafted posts are refused and change nothing.
    let strategy_delete = format!(
        "/projects/default/features/looked-at/environments/development/strategies/{id}/delete"
    );
    for path in [
        "/projects/default/features/looked-at/edit",
        "/projects/default/features/looked-at/archive",
        "/archive/gone-by/delete",
        strategy_delete.as_str(),
    ] {
        let r = get_page(&app, path, &s).await;
        assert_eq!(r.status.as_u16(), 403, "GET {path}");
    }
    let r = post_form(
        &app,
        "/projects/default/features/looked-at/edit",
        &s,
        &[("_csrf", &token), ("type", "experiment"), ("stale", "on")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    let r = post_form(
        &app,
        "/archive/gone-by/delete",
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    let r = post_form(
        &app,
        &strategy_delete,
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    let f = app.get(&flag_api("looked-at"), &api).await.expect(200);
    assert_eq!(f.json["type"], "release");
    assert_eq!(f.json["stale"], false);
    assert!(archived_names(&app, &api)
        .await
        .contains(&"gone-by".to_string()));
    let list = format!(
        "{}/environments/development/strategies",
        flag_api("looked-at")
    );
    assert_eq!(app.get(&list, &api).await.json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_project_member_deletes_archived_flags_of_their_project_only() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "alpha", "name": "Alpha"}),
        &api,
    )
    .await
    .expect(201);
    create_flag(&app, &api, "alpha", json!({"name": "in-alpha"})).await;
    create_flag(&app, &api, "default", json!({"name": "in-default"})).await;
    app.delete("/api/admin/projects/alpha/features/in-alpha", &api)
        .await
        .expect(202);
    app.delete(&flag_api("in-default"), &api).await.expect(202);
    let (member_id, _) = app.user("mia", "Viewer").await;
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [5], "users": [member_id]}),
        &api,
    )
    .await
    .expect(200);
    let s = form_login(&app, "mia", "mia-Passw0rd!").await;

    let page = get_page(&app, "/archive", &s).await.expect(200);
    assert!(page.text.contains("action=\"/archive/in-alpha/delete\""));
    assert!(!page.text.contains("action=\"/archive/in-default/delete\""));
    assert!(page.text.contains("<a href=\"/projects/alpha\">alpha</a>"));
    let token = csrf_of(&page.text);
    let r = post_form(
        &app,
        "/archive/in-default/delete",
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 403);
    post_form(
        &app,
        "/archive/in-alpha/delete",
        &s,
        &[("_csrf", &token), ("confirm", "yes")],
    )
    .await
    .expect(303);
    let names = archived_names(&app, &api).await;
    assert_eq!(names, vec!["in-default".to_string()]);
}

#[tokio::test]
async fn the_dashboard_counts_lists_recent_flags_and_links() {
    let app = TestApp::with_config(|c| c.token_expiry_notification_days = vec![14, 3]).await;
    let api = app.admin().await;

    // Signing in without a page asked for lands on the dashboard; with one, there.
    let (res, s) = form_login_to(&app, "admin", ADMIN_PASSWORD, "").await;
    assert_eq!(res.header("location").as_deref(), Some("/"));
    let (res, _) = form_login_to(&app, "admin", ADMIN_PASSWORD, "/archive").await;
    assert_eq!(res.header("location").as_deref(), Some("/archive"));

    let empty = get_page(&app, "/", &s).await.expect(200);
    assert!(empty.text.contains("Welcome admin"), "{}", empty.text);
    assert!(empty.text.contains("id=\"recent-empty\""));
    assert!(empty
        .text
        .contains("class=\"nav-item active\" href=\"/\" aria-current=\"page\">Dashboard</a>"));
    assert_eq!(count_of(&empty.text, "count-projects"), 1);
    assert_eq!(count_of(&empty.text, "count-flags"), 0);

    // Twelve flags, one archived, one changed last.
    for i in 0..12 {
        create_flag(
            &app,
            &api,
            "default",
            json!({"name": format!("flag-{i:02}")}),
        )
        .await;
    }
    app.delete(&flag_api("flag-05"), &api).await.expect(202);
    app.post(
        &format!("{}/environments/development/on", flag_api("flag-00")),
        json!({}),
        &api,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects",
        json!({"id": "second", "name": "Second"}),
        &api,
    )
    .await
    .expect(201);
    // Three personal access tokens: one expires in 5 days, one in 60, one is far off.
    let now = chrono::Utc::now();
    for (description, days) in [("soon", 5), ("later", 60), ("far", 3000)] {
        app.post(
            "/api/admin/user/tokens",
            json!({"description": description, "expiresAt": (now + chrono::TimeDelta::days(days)).to_rfc3339()}),
            &api,
        )
        .await
        .expect(201);
    }

    let page = get_page(&app, "/", &s).await.expect(200);
    let html = &page.text;
    assert_eq!(count_of(html, "count-projects"), 2);
    assert_eq!(count_of(html, "count-flags"), 11);
    assert_eq!(count_of(html, "count-archived"), 1);
    assert_eq!(count_of(html, "count-pats"), 3);
    // Unleash's rule, as on the token page: a token is "expiring" in the second half of its
    // life once within a lead time, so none is yet, though one expires in 5 days.
    assert_eq!(text_of(html, "pats-expiring"), "0 expire soon");
    assert!(!html.contains("id=\"pats-expired\""));
    // The ten most recently changed flags, newest first, none archived.
    let rows: Vec<&str> = html
        .match_indices("<tr data-flag=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(rows.len(), 10, "{rows:?}");
    assert_eq!(rows[0], "flag-00", "changed last");
    assert_eq!(rows[1], "flag-11");
    assert!(!rows.contains(&"flag-05"), "archived flags are not listed");
    assert!(html.contains("href=\"/projects/default/features/flag-00\""));
    assert!(html.contains("<code>feature-environment-enabled</code>"));
    for link in [
        "href=\"/projects\"",
        "href=\"/profile\"",
        "href=\"/profile/personal-api-tokens\"",
        "href=\"/admin/api\"",
        "href=\"/archive\"",
    ] {
        assert!(html.contains(link), "{link}");
    }

    // A Viewer gets the same overview, with their own tokens and no API token link.
    app.user("vic", "Viewer").await;
    let v = form_login(&app, "vic", "vic-Passw0rd!").await;
    let page = get_page(&app, "/", &v).await.expect(200);
    assert!(page.text.contains("Welcome vic"));
    assert_eq!(count_of(&page.text, "count-pats"), 0);
    assert_eq!(count_of(&page.text, "count-flags"), 11);
    assert!(!page.text.contains("href=\"/admin/api\""));
    // Without a session the dashboard sends to the sign-in page.
    let r = get_page(&app, "/", "").await;
    assert_eq!(r.header("location").as_deref(), Some("/login"));
}

#[tokio::test]
async fn the_dashboard_counts_expiring_tokens_as_the_token_page_does() {
    let app = TestApp::with_config(|c| c.token_expiry_notification_days = vec![14, 3]).await;
    let api = app.admin().await;
    let now = chrono::Utc::now();
    for (description, days) in [("soon", 5), ("brief", 1), ("later", 60)] {
        app.post(
            "/api/admin/user/tokens",
            json!({"description": description, "expiresAt": (now + chrono::TimeDelta::days(days)).to_rfc3339()}),
            &api,
        )
        .await
        .expect(201);
    }
    // Three days on: "soon" has 2 days left after living 3 (expires soon), "brief" has
    // expired, "later" is far off.
    app.state.clock.advance(chrono::TimeDelta::days(3));
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let page = get_page(&app, "/", &s).await.expect(200);
    assert_eq!(text_of(&page.text, "pats-expiring"), "1 expires soon");
    assert_eq!(text_of(&page.text, "pats-expired"), "1 expired");
    let tokens = get_page(&app, "/profile/personal-api-tokens", &s)
        .await
        .expect(200);
    assert_eq!(tokens.text.matches("This token expires soon").count(), 1);
}
