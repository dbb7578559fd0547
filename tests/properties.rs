//! Property-based tests of the code that reads untrusted input: the token parser, constraint
//! and variant validation, and JSON Patch. Each property runs on a few hundred generated
//! inputs (`PROPTEST_CASES` raises it), and the last ones send generated input through the
//! real router, where the answer must be a success or a clear error, never a 5xx.

mod common;

use common::TestApp;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};
use switchyard::auth::token::{classify, strip_bearer, Presented, API_TOKEN_PATTERN, PAT_PATTERN};
use switchyard::domain::constraints::{validate_constraints, Constraint};
use switchyard::domain::features::{validate_variants, VariantKind};
use switchyard::domain::json_patch::{self, Operation};
use switchyard::error::AppError;

// ---- generators

/// Any JSON value, a few levels deep, with strings drawn from anything printable.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Object keys: mostly the field names the validators look for, sometimes anything.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "contextName", "operator", "values", "value", "inverted", "caseInsensitive",
            "name", "weight", "weightType", "stickiness", "payload", "type", "overrides",
            "description", "enabled", "0", "1", "-",
        ])
        .prop_map(str::to_string),
        1 => ".{0,6}",
    ]
}

fn b64url(len: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[A-Za-z0-9_-]{{{len}}}")).unwrap()
}

/// A well-formed constraint in Unleash's shape.
fn valid_constraint() -> impl Strategy<Value = Value> {
    let multi = (
        "[a-zA-Z][a-zA-Z0-9_]{0,15}",
        prop::sample::select(vec![
            "IN",
            "NOT_IN",
            "STR_CONTAINS",
            "STR_STARTS_WITH",
            "STR_ENDS_WITH",
        ]),
        prop::collection::vec("[a-z0-9]{1,8}", 1..5),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(ctx, op, values, inverted, ci)| {
            json!({"contextName": ctx, "operator": op, "values": values,
                   "inverted": inverted, "caseInsensitive": ci})
        });
    let numeric = (
        "[a-zA-Z][a-zA-Z0-9_]{0,15}",
        prop::sample::select(vec!["NUM_EQ", "NUM_GT", "NUM_GTE", "NUM_LT", "NUM_LTE"]),
        -100000i64..100000,
    )
        .prop_map(
            |(ctx, op, n)| json!({"contextName": ctx, "operator": op, "value": n.to_string()}),
        );
    let semver = (
        prop::sample::select(vec!["SEMVER_EQ", "SEMVER_GT", "SEMVER_LT"]),
        0u32..50,
        0u32..50,
        0u32..50,
    )
        .prop_map(|(op, a, b, c)| {
            json!({"contextName": "appVersion", "operator": op, "value": format!("{a}.{b}.{c}")})
        });
    prop_oneof![multi, numeric, semver]
}

fn valid_variants() -> impl Strategy<Value = Value> {
    prop::collection::btree_set("[a-z][a-z0-9-]{0,10}", 0..6).prop_flat_map(|names| {
        let n = names.len();
        (
            Just(names),
            prop::collection::vec(0i64..=1000, n),
            prop::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(names, weights, fixed)| {
                Value::Array(
                    names
                        .into_iter()
                        .zip(weights)
                        .zip(fixed)
                        .map(|((name, w), fix)| {
                            json!({"name": name, "weight": w,
                                   "weightType": if fix { "fix" } else { "variable" }})
                        })
                        .collect(),
                )
            })
    })
}

fn pointer() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::collection::vec(key(), 1..4).prop_map(|ts| {
            ts.iter()
                .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
                .collect()
        }),
        ".{0,8}",
    ]
}

fn patch_op() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "add", "remove", "replace", "move", "copy", "test", "other",
        ]),
        pointer(),
        prop::option::of(pointer()),
        prop::option::of(any_json()),
    )
        .prop_map(|(op, path, from, value)| {
            let mut o = json!({"op": op, "path": path});
            if let Some(f) = from {
                o["from"] = json!(f);
            }
            if let Some(v) = value {
                o["value"] = v;
            }
            o
        })
}

/// A 400 whose first detail names a field under `prefix`: what every refusal must look like.
fn names_a_field_under(e: &AppError, prefix: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.status().as_u16(), 400, "{:?}", e.body());
    let body = e.body();
    let path = body["details"][0]["path"].as_str().unwrap_or_default();
    prop_assert!(
        path.starts_with(prefix),
        "the refusal names {:?}, not a field under {}: {}",
        path,
        prefix,
        body
    );
    Ok(())
}

// ---- the token parser

proptest! {
    #[test]
    fn the_token_parser_accepts_any_string(s in any::<String>()) {
        let _ = classify(&s);
        let _ = classify(strip_bearer(&s));
    }

    #[test]
    fn bearer_is_stripped_in_any_case(scheme in "[bB][eE][aA][rR][eE][rR]", token in "[!-~]{1,80}") {
        let value = format!("{scheme} {token}");
        prop_assert_eq!(strip_bearer(&value), token.as_str());
    }

    #[test]
    fn pats_are_recognised_exactly_when_they_match_the_published_pattern(
        selector in b64url(22), secret in b64url(43), noise in ".{0,3}"
    ) {
        let pat = format!("user:v2_{selector}_{secret}");
        prop_assert_eq!(classify(&pat), Presented::Pat { selector: selector.as_str() });
        let pattern = regex::Regex::new(&format!("^{PAT_PATTERN}$")).unwrap();
        prop_assert!(pattern.is_match(&pat));
        // Anything added to or cut from a PAT makes it malformed, never another kind.
        let longer = format!("{pat}{noise}");
        if !noise.is_empty() {
            prop_assert_eq!(classify(&longer), Presented::MalformedPat);
            prop_assert!(!pattern.is_match(&longer));
        }
        prop_assert_eq!(classify(&pat[..pat.len() - 1]), Presented::MalformedPat);
    }

    #[test]
    fn api_tokens_are_recognised_whatever_their_project_and_environment(
        project in prop_oneof![Just("*".to_string()), Just("[]".to_string()), "[A-Za-z0-9_.~-]{1,20}"],
        env in "[A-Za-z0-9_.~-]{1,20}",
        selector in b64url(22),
        secret in b64url(43),
        legacy in "[a-f0-9]{64}",
    ) {
        let token = format!("{project}:{env}.v2_{selector}_{secret}");
        prop_assert_eq!(classify(&token), Presented::ApiTokenV2 { selector: selector.as_str() });
        let pattern = regex::Regex::new(&format!("^{API_TOKEN_PATTERN}$")).unwrap();
        prop_assert!(pattern.is_match(&token), "{}", token);
        let legacy = format!("{project}:{env}.{legacy}");
        prop_assert_eq!(classify(&legacy), Presented::ApiTokenLegacy);
    }
}

// ---- constraints

proptest! {
    #[test]
    fn constraint_validation_accepts_or_names_the_field(raw in any_json()) {
        match validate_constraints(&raw, "/body/constraints") {
            Ok(list) => {
                // What was accepted is accepted again, unchanged.
                let again = validate_constraints(&serde_json::to_value(&list).unwrap(), "/body/constraints")
                    .map_err(|e| TestCaseError::fail(format!("{:?}", e.body())))?;
                prop_assert_eq!(again, list);
            }
            Err(e) => names_a_field_under(&e, "/body/constraints")?,
        }
    }

    #[test]
    fn well_formed_constraints_are_accepted(list in prop::collection::vec(valid_constraint(), 0..6)) {
        let raw = Value::Array(list.clone());
        let parsed: Vec<Constraint> = validate_constraints(&raw, "/c")
            .map_err(|e| TestCaseError::fail(format!("{raw} refused: {:?}", e.body())))?;
        prop_assert_eq!(parsed.len(), list.len());
        for (c, sent) in parsed.iter().zip(&list) {
            prop_assert_eq!(&c.context_name, sent["contextName"].as_str().unwrap());
            prop_assert_eq!(&c.operator, sent["operator"].as_str().unwrap());
        }
    }

    #[test]
    fn an_unknown_operator_is_refused_naming_it(
        mut c in valid_constraint(), i in 0usize..3, op in "[A-Z_]{1,12}"
    ) {
        prop_assume!(!switchyard::domain::constraints::is_known_operator(&op));
        c["operator"] = json!(op);
        let mut list = vec![json!({"contextName": "a", "operator": "IN", "values": ["x"]}); i];
        list.push(c);
        let e = validate_constraints(&Value::Array(list), "/c").unwrap_err();
        names_a_field_under(&e, &format!("/c/{i}/operator"))?;
    }
}

// ---- variants

proptest! {
    #[test]
    fn variant_validation_accepts_or_names_the_field(raw in any_json(), strategy in any::<bool>()) {
        let kind = if strategy { VariantKind::Strategy } else { VariantKind::Flag };
        match validate_variants(&raw, "/body/variants", kind) {
            Ok(list) => {
                let items = list.as_array().unwrap();
                let mut names = std::collections::HashSet::new();
                for v in items {
                    let w = v["weight"].as_i64().unwrap();
                    prop_assert!((0..=1000).contains(&w), "{}", v);
                    prop_assert!(names.insert(v["name"].as_str().unwrap().to_string()), "{}", list);
                }
                let again = validate_variants(&list, "/body/variants", kind)
                    .map_err(|e| TestCaseError::fail(format!("{:?}", e.body())))?;
                prop_assert_eq!(again, list);
            }
            Err(e) => names_a_field_under(&e, "/body/variants")?,
        }
    }

    #[test]
    fn well_formed_variants_keep_their_names_weights_and_order(list in valid_variants()) {
        let out = validate_variants(&list, "/v", VariantKind::Flag)
            .map_err(|e| TestCaseError::fail(format!("{list} refused: {:?}", e.body())))?;
        let (sent, got) = (list.as_array().unwrap(), out.as_array().unwrap());
        prop_assert_eq!(sent.len(), got.len());
        for (s, g) in sent.iter().zip(got) {
            prop_assert_eq!(&s["name"], &g["name"]);
            prop_assert_eq!(&s["weight"], &g["weight"]);
            prop_assert_eq!(&s["weightType"], &g["weightType"]);
        }
    }
}

// ---- JSON Patch

proptest! {
    #[test]
    fn json_patch_applies_or_names_the_operation(
        doc in any_json(), ops in prop::collection::vec(patch_op(), 0..6)
    ) {
        let parsed: Vec<Operation> = serde_json::from_value(Value::Array(ops)).unwrap();
        match json_patch::apply(&doc, &parsed) {
            Ok(_) => {}
            Err(e) => names_a_field_under(&e, "/body/")?,
        }
    }

    #[test]
    fn adding_then_removing_a_new_member_restores_the_document(
        fields in prop::collection::btree_map("[a-z]{1,6}", any_json(), 0..5),
        name in "[a-z]{7,9}",
        value in any_json(),
    ) {
        let doc = Value::Object(fields.into_iter().collect());
        let ops: Vec<Operation> = serde_json::from_value(json!([
            {"op": "add", "path": format!("/{name}"), "value": value.clone()},
            {"op": "test", "path": format!("/{name}"), "value": value},
            {"op": "copy", "from": format!("/{name}"), "path": "/copy-of"},
            {"op": "remove", "path": "/copy-of"},
            {"op": "remove", "path": format!("/{name}")},
        ]))
        .unwrap();
        let out = json_patch::apply(&doc, &ops)
            .map_err(|e| TestCaseError::fail(format!("{:?}", e.body())))?;
        prop_assert_eq!(out, doc);
    }
}

// ---- through the router

/// Generated PATCH bodies and strategy constraints sent to a real flag: a success or a clear
/// error, never a 5xx.
#[test]
fn generated_patches_and_constraints_never_get_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (app, admin) = rt.block_on(async {
        let app = TestApp::new().await;
        let admin = app.admin().await;
        app.post(
            "/api/admin/projects/default/features",
            json!({"name": "prop-flag"}),
            &admin,
        )
        .await
        .expect(201);
        (app, admin)
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(prop::collection::vec(patch_op(), 0..4), any_json()),
            |(ops, constraints)| {
                rt.block_on(async {
                    let res = app
                        .call(
                            "PATCH",
                            "/api/admin/projects/default/features/prop-flag",
                            Some(Value::Array(ops.clone())),
                            &admin,
                        )
                        .await;
                    prop_assert!(
                        res.status.as_u16() < 500 && (res.status.is_success() || res.json["message"].is_string()),
                        "PATCH {} answered {}: {}",
                        Value::Array(ops),
                        res.status,
                        res.text
                    );
                    let res = app
                        .post(
                            "/api/admin/projects/default/features/prop-flag/environments/development/strategies",
                            json!({"name": "default", "constraints": constraints}),
                            &admin,
                        )
                        .await;
                    prop_assert!(
                        res.status.as_u16() < 500 && (res.status.is_success() || res.json["message"].is_string()),
                        "strategy with constraints {} answered {}: {}",
                        constraints,
                        res.status,
                        res.text
                    );
                    Ok(())
                })
            },
        )
        .unwrap();
}
