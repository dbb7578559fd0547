//! Variants in the admin UI through the real router: the variant rows of the strategy form,
//! the page of a flag's variants in one environment, the flag page's chips and links,
//! validation messages beside the forms, and permissions (read-only pages for those who may
//! not change variants, crafted posts refused, CSRF). Results are checked through the
//! Admin API.

mod common;
mod ui_support;

use common::{Auth, TestApp, ADMIN_PASSWORD};
use serde_json::json;
use ui_support::*;

// ---------------------------------------------------------------- helpers

/// Undoes askama's HTML escaping.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The attributes of a start tag (`<input a="b" c>`), values unescaped.
fn attrs(tag: &str) -> Vec<(String, Option<String>)> {
    let body = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let mut out = Vec::new();
    let mut chars = body.char_indices().peekable();
    // Skip the tag name.
    while let Some((_, c)) = chars.peek() {
        if c.is_whitespace() {
            break;
        }
        chars.next();
    }
    loop {
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let name = body[start..end].to_string();
        if chars.peek().is_some_and(|(_, c)| *c == '=') {
            chars.next();
            let quote = chars.next().map(|(_, c)| c);
            let mut value = String::new();
            if quote == Some('"') || quote == Some('\'') {
                for (_, c) in chars.by_ref() {
                    if Some(c) == quote {
                        break;
                    }
                    value.push(c);
                }
            }
            out.push((name, Some(unescape(&value))));
        } else {
            if name.is_empty() {
                chars.next();
                continue;
            }
            out.push((name, None));
        }
    }
    out
}

fn attr(a: &[(String, Option<String>)], name: &str) -> Option<String> {
    a.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone().unwrap_or_default())
}

/// The fields a browser would send for the form with this id when its main button is
/// pressed without changing anything (inputs, checked boxes, selected options, textareas;
/// the script's `<template>` rows left out).
fn form_fields(html: &str, form_id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("no form {form_id}"));
    let start = html[..start].rfind("<form").expect("form start");
    let end = start + html[start..].find("</form>").expect("form end");
    let mut form = html[start..end].to_string();
    while let Some(t) = form.find("<template") {
        let e = form[t..].find("</template>").expect("template end") + t;
        form.replace_range(t..e + "</template>".len(), "");
    }
    let mut out = Vec::new();
    let mut rest = form.as_str();
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        let gt = rest.find('>').expect("tag end");
        let tag = &rest[..=gt];
        let after = &rest[gt + 1..];
        let a = attrs(tag);
        if tag.starts_with("<input") {
            let kind = attr(&a, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = attr(&a, "name") {
                let checked = attr(&a, "checked").is_some();
                if (kind != "checkbox" && kind != "radio") || checked {
                    out.push((name, attr(&a, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea") {
            let close = after.find("</textarea>").expect("textarea end");
            let text = &after[..close];
            let text = text
                .strip_prefix("\r\n")
                .or_else(|| text.strip_prefix('\n'))
                .unwrap_or(text);
            if let Some(name) = attr(&a, "name") {
                out.push((name, unescape(text)));
            }
        } else if tag.starts_with("<select") {
            let close = after.find("</select>").expect("select end");
            let options = &after[..close];
            let mut first = None;
            let mut chosen = None;
            let mut o = options;
            while let Some(at) = o.find("<option") {
                o = &o[at..];
                let e = o.find('>').expect("option end");
                let oa = attrs(&o[..=e]);
                let text_end = o[e + 1..].find('<').map(|x| e + 1 + x).unwrap_or(o.len());
                let value = attr(&oa, "value").unwrap_or_else(|| unescape(&o[e + 1..text_end]));
                if first.is_none() {
                    first = Some(value.clone());
                }
                if attr(&oa, "selected").is_some() {
                    chosen = Some(value);
                }
                o = &o[e + 1..];
            }
            if let (Some(name), Some(v)) = (attr(&a, "name"), chosen.or(first)) {
                out.push((name, v));
            }
        }
        rest = after;
    }
    out
}

fn strategies_api(flag: &str, env: &str) -> String {
    format!("/api/admin/projects/default/features/{flag}/environments/{env}/strategies")
}

fn env_variants_api(flag: &str, env: &str) -> String {
    format!("/api/admin/projects/default/features/{flag}/environments/{env}/variants")
}

fn ui_env_variants(flag: &str, env: &str) -> String {
    format!("/projects/default/features/{flag}/environments/{env}/variants")
}

async fn new_flag(app: &TestApp, api: &Auth, name: &str) {
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": name}),
        api,
    )
    .await
    .expect(201);
}

// ---------------------------------------------------------------- strategy variants

#[tokio::test]
async fn strategy_variants_are_added_with_weights_payloads_and_stickiness() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    new_flag(&app, &api, "banner").await;
    app.post(
        "/api/admin/context",
        json!({"name": "tenantId", "stickiness": true}),
        &api,
    )
    .await
    .expect(201);
    app.post("/api/admin/context", json!({"name": "plan"}), &api)
        .await
        .expect(201);
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let path = "/projects/default/features/banner/environments/development/strategies/new";

    // A new strategy offers two blank rows and the stickiness choices.
    let form = get_page(&app, path, &s).await.expect(200);
    assert!(form.text.contains("name=\"v0_name\""), "{}", form.text);
    assert!(form.text.contains("name=\"v1_name\""));
    assert!(!form.text.contains("name=\"v2_name\""));
    assert!(form.text.contains("for=\"v0_name\"") || form.text.contains("id=\"v0_name\""));
    let select = &form.text[form
        .text
        .find("id=\"variant-stickiness\"")
        .expect("stickiness select")..];
    let select = &select[..select.find("</select>").expect("select end")];
    for option in ["default", "userId", "sessionId", "random", "tenantId"] {
        assert!(
            select.contains(&format!("<option value=\"{option}\"")),
            "stickiness {option}"
        );
    }
    assert!(
        !select.contains("<option value=\"plan\""),
        "only context fields marked for stickiness"
    );
    let token = csrf_of(&form.text);

    // Without JavaScript, "Add variant" shows the form again with one more row, keeping
    // what was typed, and saves nothing.
    let typed = [
        ("_csrf", token.as_str()),
        ("name", "flexibleRollout"),
        ("rollout", "100"),
        ("stickiness", "default"),
        ("group_id", ""),
        ("variant_stickiness", "userId"),
        ("variant_stickiness_was", "default"),
        ("v0_name", "blue"),
        ("v0_weight_type", "fix"),
        ("v0_weight", "30"),
        ("v0_payload_type", "json"),
        ("v0_payload", "{\"color\": \"#00f\"}"),
        ("v1_name", "green"),
        ("v1_weight_type", "variable"),
        ("v1_weight", ""),
        ("v1_payload_type", "string"),
        ("v1_payload", "go <green>"),
    ];
    let mut add = typed.to_vec();
    add.push(("add_variant", "1"));
    let more = post_form(&app, path, &s, &add).await.expect(200);
    assert!(more.text.contains("name=\"v2_name\""), "{}", more.text);
    assert!(more.text.contains("value=\"blue\""));
    assert!(more.text.contains("go &#60;green&#62;"));
    let none = app
        .get(&strategies_api("banner", "development"), &api)
        .await
        .expect(200);
    assert_eq!(none.json, json!([]), "nothing saved");

    // "Remove" (without JavaScript) shows the form again without that row.
    let mut remove = typed.to_vec();
    remove.push(("remove_variant", "0"));
    let fewer = post_form(&app, path, &s, &remove).await.expect(200);
    assert!(!fewer.text.contains("name=\"v0_name\""));
    assert!(fewer
        .text
        .contains("name=\"v1_name\" id=\"v1_name\" value=\"green\""));

    // Mistakes are explained beside the form, which keeps the input.
    let mut bad_json = typed.to_vec();
    bad_json[11] = ("v0_payload", "{\"color\": ");
    let res = post_form(&app, path, &s, &bad_json).await.expect(400);
    assert!(res.text.contains("id=\"strategy-error\""));
    assert!(res.text.contains("not valid JSON"), "{}", res.text);
    assert!(res.text.contains("{&#34;color&#34;: "));
    let mut dup = typed.to_vec();
    dup[12] = ("v1_name", "blue");
    let res = post_form(&app, path, &s, &dup).await.expect(400);
    assert!(res.text.contains("used twice"), "{}", res.text);
    let mut bad_weight = typed.to_vec();
    bad_weight[9] = ("v0_weight", "33.33");
    let res = post_form(&app, path, &s, &bad_weight).await.expect(400);
    assert!(res.text.contains("at most one decimal"), "{}", res.text);
    assert!(res.text.contains("value=\"33.33\""));
    let mut too_much = typed.to_vec();
    too_much[9] = ("v0_weight", "100.1");
    let res = post_form(&app, path, &s, &too_much).await.expect(400);
    assert!(res.text.contains("id=\"strategy-error\""));
    let mut over = typed.to_vec();
    over[13] = ("v1_weight_type", "fix");
    over[14] = ("v1_weight", "80");
    let res = post_form(&app, path, &s, &over).await.expect(400);
    assert!(res.text.contains("more than 100 %"), "{}", res.text);
    let none = app
        .get(&strategies_api("banner", "development"), &api)
        .await
        .expect(200);
    assert_eq!(none.json, json!([]), "nothing saved by the mistakes");

    // Saved: the fixed weight is kept, the variable one takes the rest; a blank row is
    // ignored.
    let mut save = typed.to_vec();
    save.extend([
        ("v2_name", ""),
        ("v2_payload_type", "none"),
        ("v2_payload", ""),
    ]);
    let res = post_form(&app, path, &s, &save).await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let list = app
        .get(&strategies_api("banner", "development"), &api)
        .await
        .expect(200);
    assert_eq!(
        list.json[0]["variants"],
        json!([
            {"name": "blue", "weight": 300, "weightType": "fix", "stickiness": "userId",
             "payload": {"type": "json", "value": "{\"color\": \"#00f\"}"}},
            {"name": "green", "weight": 700, "weightType": "variable", "stickiness": "userId",
             "payload": {"type": "string", "value": "go <green>"}},
        ])
    );
    assert_eq!(list.json[0]["parameters"]["groupId"], "banner");

    // The flag page shows them as chips with their weights.
    let page = get_page(&app, "/projects/default/features/banner", &s)
        .await
        .expect(200);
    assert!(
        page.text
            .contains("blue <span class=\"weight\">30 %</span>"),
        "{}",
        page.text
    );
    assert!(page
        .text
        .contains("green <span class=\"weight\">70 %</span>"));

    // Three variable variants share 100 % as 33.4, 33.3 and 33.3.
    let res = post_form(
        &app,
        path,
        &s,
        &[
            ("_csrf", token.as_str()),
            ("name", "default"),
            ("v0_name", "a"),
            ("v1_name", "b"),
            ("v2_name", "c"),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let list = app
        .get(&strategies_api("banner", "development"), &api)
        .await
        .expect(200);
    let weights: Vec<i64> = list.json[1]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["weight"].as_i64().unwrap())
        .collect();
    assert_eq!(weights, vec![334, 333, 333]);
    assert_eq!(list.json[1]["variants"][0]["stickiness"], "default");
}

#[tokio::test]
async fn editing_a_strategy_shows_its_variants_and_keeps_them_when_unchanged() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    new_flag(&app, &api, "checkout").await;
    // Made through the Admin API, which keeps weights as sent (variable ones too).
    let variants = json!([
        {"name": "fixed-one", "weight": 333, "weightType": "fix", "stickiness": "sessionId",
         "payload": {"type": "json", "value": "{\n  \"a\": \"<b> & 'c'\",\n  \"ü\": [1, 2]\n}"}},
        {"name": "odd", "weight": 300, "weightType": "variable", "stickiness": "sessionId",
         "payload": {"type": "csv", "value": "\nx,y\n1,2"}},
        {"name": "rest", "weight": 367, "weightType": "variable", "stickiness": "sessionId"},
    ]);
    let created = app
        .post(
            &strategies_api("checkout", "development"),
            json!({
                "name": "flexibleRollout",
                "parameters": {"rollout": "50", "stickiness": "default", "groupId": "checkout"},
                "variants": variants,
            }),
            &api,
        )
        .await
        .expect(200);
    let id = created.json["id"].as_str().unwrap().to_string();
    let one = format!("{}/{id}", strategies_api("checkout", "development"));
    let before = app.get(&one, &api).await.expect(200);
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let path = format!(
        "/projects/default/features/checkout/environments/development/strategies/{id}/edit"
    );

    let edit = get_page(&app, &path, &s).await.expect(200);
    assert!(edit
        .text
        .contains("name=\"v0_name\" id=\"v0_name\" value=\"fixed-one\""));
    assert!(edit
        .text
        .contains("name=\"v0_weight\" id=\"v0_weight\" value=\"33.3\""));
    assert!(edit
        .text
        .contains("name=\"v1_weight\" id=\"v1_weight\" value=\"30\""));
    assert!(edit
        .text
        .contains("<option value=\"fix\" selected>Fixed</option>"));
    assert!(edit
        .text
        .contains("<option value=\"sessionId\" selected>sessionId</option>"));
    assert!(edit
        .text
        .contains("<option value=\"csv\" selected>csv</option>"));
    assert!(edit.text.contains("name=\"v3_name\"") && edit.text.contains("name=\"v4_name\""));
    assert!(!edit.text.contains("name=\"v5_name\""));

    // Save the form exactly as shown: the strategy is unchanged, byte for byte.
    let fields = form_fields(&edit.text, "strategy-form");
    assert!(fields
        .iter()
        .any(|(k, v)| k == "v1_payload" && v == "\nx,y\n1,2"));
    let res = post_fields(&app, &path, &s, &fields).await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let after = app.get(&one, &api).await.expect(200);
    assert_eq!(
        after.json["variants"].to_string(),
        before.json["variants"].to_string()
    );
    assert_eq!(after.json, before.json);

    // Changing the stickiness of the list changes it for every variant; the variable
    // weights are shared out again (100 - 33.3 = 66.7, so 33.4 and 33.3).
    let mut changed = fields.clone();
    for (k, v) in changed.iter_mut() {
        if k == "variant_stickiness" {
            *v = "random".into();
        }
    }
    post_fields(&app, &path, &s, &changed).await.expect(303);
    let after = app.get(&one, &api).await.expect(200);
    let got: Vec<(String, i64, String)> = after.json["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["weight"].as_i64().unwrap(),
                v["stickiness"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("fixed-one".to_string(), 333, "random".to_string()),
            ("odd".to_string(), 334, "random".to_string()),
            ("rest".to_string(), 333, "random".to_string()),
        ]
    );
    assert_eq!(
        after.json["variants"][0]["payload"],
        before.json["variants"][0]["payload"]
    );

    // A list made in the UI also survives an unchanged save.
    let edit = get_page(&app, &path, &s).await.expect(200);
    let before = app.get(&one, &api).await.expect(200);
    post_fields(&app, &path, &s, &form_fields(&edit.text, "strategy-form"))
        .await
        .expect(303);
    assert_eq!(app.get(&one, &api).await.expect(200).json, before.json);
}

// ---------------------------------------------------------------- environment variants

#[tokio::test]
async fn environment_variants_page_lists_edits_and_copies() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    new_flag(&app, &api, "menu").await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;

    // The flag page links every environment's variants with their count.
    let flag = get_page(&app, "/projects/default/features/menu", &s)
        .await
        .expect(200);
    assert!(
        flag.text.contains("href=\"/projects/default/features/menu/environments/development/variants\">Variants (0)</a>"),
        "{}",
        flag.text
    );

    let path = ui_env_variants("menu", "development");
    let page = get_page(&app, &path, &s).await.expect(200);
    assert!(page.text.contains("This environment has no variants."));
    assert!(page.text.contains("id=\"variants-form\""));
    assert!(page.text.contains("id=\"copy-variants\""));
    let token = csrf_of(&page.text);
    let typed = [
        ("_csrf", token.as_str()),
        ("variant_stickiness", "userId"),
        ("variant_stickiness_was", "default"),
        ("v0_name", "compact"),
        ("v0_weight_type", "fix"),
        ("v0_weight", "20"),
        ("v0_payload_type", "number"),
        ("v0_payload", "3"),
        ("v1_name", "wide"),
        ("v1_weight_type", "variable"),
        ("v1_payload_type", "none"),
        ("v1_payload", ""),
        ("v2_name", "tall"),
        ("v2_weight_type", "variable"),
        ("v2_payload_type", "none"),
        ("v2_payload", ""),
        ("v3_name", ""),
        ("v3_payload", ""),
    ];

    // "Add variant" without JavaScript.
    let mut add = typed.to_vec();
    add.push(("add_variant", "1"));
    let more = post_form(&app, &path, &s, &add).await.expect(200);
    assert!(more.text.contains("name=\"v4_name\""), "{}", more.text);
    assert!(more.text.contains("value=\"compact\""));

    // A duplicate name is explained beside the form, which keeps the input.
    let mut dup = typed.to_vec();
    dup[12] = ("v2_name", "wide");
    let res = post_form(&app, &path, &s, &dup).await.expect(400);
    assert!(res.text.contains("id=\"variants-error\""));
    assert!(res.text.contains("used twice"), "{}", res.text);
    assert!(res.text.contains("value=\"compact\""));
    let all_fixed = [
        ("_csrf", token.as_str()),
        ("v0_name", "only"),
        ("v0_weight_type", "fix"),
        ("v0_weight", "40"),
    ];
    let res = post_form(&app, &path, &s, &all_fixed).await.expect(400);
    assert!(res.text.contains("must add up to 100 %"), "{}", res.text);

    // Save: the fixed weight is kept, the others share the rest.
    let res = post_form(&app, &path, &s, &typed).await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    assert_eq!(res.header("location").as_deref(), Some(path.as_str()));
    let got = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(
        got.json["variants"],
        json!([
            {"name": "compact", "weight": 200, "weightType": "fix", "stickiness": "userId",
             "payload": {"type": "number", "value": "3"}},
            {"name": "wide", "weight": 400, "weightType": "variable", "stickiness": "userId"},
            {"name": "tall", "weight": 400, "weightType": "variable", "stickiness": "userId"},
        ])
    );
    let events = app.get("/api/admin/events/menu", &api).await.expect(200);
    assert!(events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "feature-environment-variants-updated"
            && e["environment"] == "development"));

    // The page lists them; the flag page counts them.
    let page = get_page(&app, &path, &s).await.expect(200);
    assert!(page.text.contains("data-variant=\"compact\""));
    assert!(page.text.contains("<td class=\"weight-cell\">20 %</td>"));
    let flag = get_page(&app, "/projects/default/features/menu", &s)
        .await
        .expect(200);
    assert!(flag.text.contains("Variants (3)</a>"));

    // Overrides set through the Admin API are kept by an unchanged save.
    let with_overrides = json!([
        {"name": "compact", "weight": 500, "weightType": "variable", "stickiness": "default",
         "overrides": [{"contextName": "userId", "values": ["alice", "bob"]}]},
        {"name": "wide", "weight": 500, "weightType": "variable", "stickiness": "default"},
    ]);
    app.put(
        &env_variants_api("menu", "development"),
        with_overrides,
        &api,
    )
    .await
    .expect(200);
    let before = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    let page = get_page(&app, &path, &s).await.expect(200);
    assert!(page.text.contains("1 override kept"));
    let res = post_fields(&app, &path, &s, &form_fields(&page.text, "variants-form")).await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let after = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(after.json.to_string(), before.json.to_string());

    // Copy to another environment.
    let res = post_form(
        &app,
        &format!("{path}/copy"),
        &s,
        &[("_csrf", token.as_str())],
    )
    .await;
    assert_eq!(res.status.as_u16(), 400);
    assert!(res.text.contains("id=\"copy-error\""));
    let res = post_form(
        &app,
        &format!("{path}/copy"),
        &s,
        &[("_csrf", token.as_str()), ("target", "production")],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let prod = app
        .get(&env_variants_api("menu", "production"), &api)
        .await
        .expect(200);
    assert_eq!(prod.json["variants"], after.json["variants"]);

    // Removing every row clears the list.
    let res = post_form(
        &app,
        &path,
        &s,
        &[
            ("_csrf", token.as_str()),
            ("v0_name", ""),
            ("v0_payload", ""),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let cleared = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(cleared.json["variants"], json!([]));

    // An unknown environment is a 404 page.
    get_page(&app, &ui_env_variants("menu", "nowhere"), &s)
        .await
        .expect(404);
}

// ---------------------------------------------------------------- permissions and CSRF

#[tokio::test]
async fn viewers_see_variants_read_only_and_crafted_posts_are_refused() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    new_flag(&app, &api, "menu").await;
    let list = json!([{"name": "a", "weight": 1000, "weightType": "variable", "stickiness": "default",
                       "payload": {"type": "string", "value": "<script>alert(1)</script>"}}]);
    app.put(&env_variants_api("menu", "development"), list.clone(), &api)
        .await
        .expect(200);
    app.user("vera", "Viewer").await;
    let v = form_login(&app, "vera", "vera-Passw0rd!").await;

    let path = ui_env_variants("menu", "development");
    let page = get_page(&app, &path, &v).await.expect(200);
    assert!(page.text.contains("data-variant=\"a\""));
    assert!(
        !page.text.contains("<script>alert(1)</script>"),
        "payloads are escaped"
    );
    assert!(page
        .text
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!page.text.contains("id=\"variants-form\""));
    assert!(!page.text.contains("id=\"copy-variants\""));
    assert!(page.text.contains("id=\"variants-read-only\""));
    assert!(page
        .text
        .contains("does not allow changing this flag&#39;s variants"));
    let flag = get_page(&app, "/projects/default/features/menu", &v)
        .await
        .expect(200);
    assert!(
        flag.text.contains("Variants (1)</a>"),
        "the list is readable"
    );

    // Crafted posts are refused and change nothing.
    let token = csrf_of(&page.text);
    let res = post_form(
        &app,
        &path,
        &v,
        &[("_csrf", token.as_str()), ("v0_name", "hacked")],
    )
    .await;
    assert_eq!(res.status.as_u16(), 403);
    let res = post_form(
        &app,
        &format!("{path}/copy"),
        &v,
        &[("_csrf", token.as_str()), ("target", "production")],
    )
    .await;
    assert_eq!(res.status.as_u16(), 403);
    let res = post_form(
        &app,
        "/projects/default/features/menu/environments/development/strategies/new",
        &v,
        &[
            ("_csrf", token.as_str()),
            ("name", "default"),
            ("v0_name", "x"),
        ],
    )
    .await;
    assert_eq!(res.status.as_u16(), 403);
    let got = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(got.json["variants"], list);
    let prod = app
        .get(&env_variants_api("menu", "production"), &api)
        .await
        .expect(200);
    assert_eq!(prod.json["variants"], json!([]));
    let strategies = app
        .get(&strategies_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(strategies.json, json!([]));

    // An Editor may change them.
    app.user("erin", "Editor").await;
    let e = form_login(&app, "erin", "erin-Passw0rd!").await;
    let page = get_page(&app, &path, &e).await.expect(200);
    assert!(page.text.contains("id=\"variants-form\""));
    let res = post_form(
        &app,
        &path,
        &e,
        &[("_csrf", &csrf_of(&page.text)), ("v0_name", "b")],
    )
    .await;
    assert_eq!(res.status.as_u16(), 303, "{}", res.text);
    let got = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(got.json["variants"][0]["name"], "b");
    assert_eq!(got.json["variants"][0]["weight"], 1000);
}

#[tokio::test]
async fn variant_forms_need_the_csrf_token() {
    let app = TestApp::new().await;
    let api = app.admin().await;
    new_flag(&app, &api, "menu").await;
    let s = form_login(&app, "admin", ADMIN_PASSWORD).await;
    let path = ui_env_variants("menu", "development");
    let res = post_form(&app, &path, &s, &[("v0_name", "a")]).await;
    assert_eq!(res.status.as_u16(), 403);
    assert!(res.text.contains("This form has expired"));
    let res = post_form(&app, &path, &s, &[("_csrf", "forged"), ("v0_name", "a")]).await;
    assert_eq!(res.status.as_u16(), 403);
    let res = post_form(
        &app,
        &format!("{path}/copy"),
        &s,
        &[("_csrf", "forged"), ("target", "production")],
    )
    .await;
    assert_eq!(res.status.as_u16(), 403);
    let got = app
        .get(&env_variants_api("menu", "development"), &api)
        .await
        .expect(200);
    assert_eq!(got.json["variants"], json!([]));
    // Without a session the page sends to the sign-in page.
    let res = get_page(&app, &path, "").await;
    assert_eq!(res.status.as_u16(), 303);
    let to = res.header("location").unwrap_or_default();
    assert!(to.starts_with("/login"), "{to}");
}
