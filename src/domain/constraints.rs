//! Strategy and segment constraints, and the checks that keep unusable ones out.
//!
//! A constraint is refused at write time when the evaluation engine could not make sense of
//! it (an unknown operator, a version that is not SemVer, a regular expression that does not
//! compile, ...). Anything accepted is kept exactly as sent: order and values untouched.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AppError, AppResult};

/// Operators that take a list of `values`.
pub const MULTI_VALUE_OPERATORS: &[&str] = &[
    "IN",
    "NOT_IN",
    "STR_CONTAINS",
    "STR_STARTS_WITH",
    "STR_ENDS_WITH",
    "IN_CIDR",
];
/// Operators that compare against the single `value`.
pub const SINGLE_VALUE_OPERATORS: &[&str] = &[
    "NUM_EQ",
    "NUM_GT",
    "NUM_GTE",
    "NUM_LT",
    "NUM_LTE",
    "DATE_AFTER",
    "DATE_BEFORE",
    "SEMVER_EQ",
    "SEMVER_GT",
    "SEMVER_LT",
    "SEMVER_GTE",
    "SEMVER_LTE",
    "REGEX",
];

/// One constraint, in Unleash's `constraintSchema` shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Constraint {
    pub context_name: String,
    pub operator: String,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default)]
    pub inverted: bool,
    #[serde(default)]
    pub case_insensitive: bool,
}

/// True for every operator the evaluation engine knows.
pub fn is_known_operator(op: &str) -> bool {
    MULTI_VALUE_OPERATORS.contains(&op) || SINGLE_VALUE_OPERATORS.contains(&op)
}

/// Reads and checks a list of constraints sent by a client. `path` is the JSON pointer of
/// the list in the request (for example `/body/constraints`); errors name the exact field.
pub fn validate_constraints(raw: &Value, path: &str) -> AppResult<Vec<Constraint>> {
    let items = match raw {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(AppError::bad_field(
                path,
                format!("The `{path}` property must be a list of constraints. You sent {other}."),
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| validate_one(item, &format!("{path}/{i}")))
        .collect()
}

fn parse_one(item: &Value, path: &str) -> AppResult<Constraint> {
    if !item.is_object() {
        return Err(AppError::bad_field(
            path,
            format!("The `{path}` property must be a constraint object. You sent {item}."),
        ));
    }
    // `null` for an optional field means "not given", as in Unleash.
    let mut item = item.clone();
    if let Some(obj) = item.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    serde_path_to_error::deserialize::<_, Constraint>(&item).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        if field.is_empty() || field == "." {
            AppError::bad_field(path, format!("The `{path}` constraint is invalid: {inner}"))
        } else {
            let pointer = format!("{path}/{}", field.replace('.', "/").replace(['[', ']'], ""));
            AppError::bad_field(
                &pointer,
                format!("The `{pointer}` property is invalid: {inner}"),
            )
        }
    })
}

/// Checks one constraint; `path` points at it.
pub fn validate_one(item: &Value, path: &str) -> AppResult<Constraint> {
    let c = parse_one(item, path)?;
    if c.context_name.trim().is_empty() {
        let p = format!("{path}/contextName");
        return Err(AppError::bad_field(
            &p,
            format!(
                "The `{p}` property must be a non-empty context field name. You sent \"{}\".",
                c.context_name
            ),
        ));
    }
    let op = c.operator.as_str();
    if !is_known_operator(op) {
        let p = format!("{path}/operator");
        let all = MULTI_VALUE_OPERATORS
            .iter()
            .chain(SINGLE_VALUE_OPERATORS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        return Err(AppError::bad_field(
            &p,
            format!("The `{p}` property must be one of {all}. You sent \"{op}\"."),
        ));
    }
    if op == "IN_CIDR" {
        for (j, v) in c.values.iter().enumerate() {
            if !is_ip_or_cidr(v) {
                let p = format!("{path}/values/{j}");
                return Err(AppError::bad_field(
                    &p,
                    format!("The `{p}` property must be an IP address or a CIDR range (such as 10.0.0.0/8). You sent \"{v}\"."),
                ));
            }
        }
        return Ok(c);
    }
    if MULTI_VALUE_OPERATORS.contains(&op) {
        return Ok(c);
    }
    let p = format!("{path}/value");
    let Some(value) = c.value.as_deref() else {
        return Err(AppError::bad_field(
            &p,
            format!("The `{p}` property is required for the {op} operator."),
        ));
    };
    let problem = if op.starts_with("NUM_") {
        (!is_number(value)).then_some("must be a number")
    } else if op.starts_with("DATE_") {
        chrono::DateTime::parse_from_rfc3339(value)
            .is_err()
            .then_some("must be an RFC 3339 date-time (such as 2024-01-31T12:00:00Z)")
    } else if op.starts_with("SEMVER_") {
        semver::Version::parse(value).is_err().then_some(
            "must be a semantic version (such as 1.2.3 or 2.0.0-beta.1, without a leading v)",
        )
    } else if op == "REGEX" {
        regex::RegexBuilder::new(value)
            .case_insensitive(c.case_insensitive)
            .build()
            .is_err()
            .then_some("must be a regular expression the evaluation engine can compile (no look-around or back-references)")
    } else {
        None
    };
    match problem {
        Some(what) => Err(AppError::bad_field(
            &p,
            format!("The `{p}` property {what} for the {op} operator. You sent \"{value}\"."),
        )),
        None => Ok(c),
    }
}

fn is_number(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && t.parse::<f64>().map(f64::is_finite).unwrap_or(false)
}

/// An IPv4 or IPv6 address, optionally with a prefix length that fits the address family.
fn is_ip_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    match prefix {
        None => true,
        Some(p) => {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u8>().map(|n| n <= max).unwrap_or(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detail(e: AppError) -> (String, String) {
        match e {
            AppError::BadData { details, .. } => (
                details[0].path.clone().unwrap_or_default(),
                details[0].message.clone(),
            ),
            other => panic!("expected BadData, got {other:?}"),
        }
    }

    fn refused(c: Value) -> (String, String) {
        detail(
            validate_constraints(&json!([c]), "/body/constraints").expect_err("should be refused"),
        )
    }

    #[test]
    fn every_shape_of_the_client_specification_is_accepted_and_kept() {
        let list = json!([
            {"contextName": "environment", "operator": "IN", "values": []},
            {"contextName": "appName", "operator": "NOT_IN", "values": ["web", "sun-app"]},
            {"contextName": "customField", "operator": "STR_STARTS_WITH", "values": ["TEST"], "caseInsensitive": true},
            {"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["some-email.com"]},
            {"contextName": "email", "operator": "STR_CONTAINS", "values": ["email"], "inverted": true},
            {"contextName": "someValue", "operator": "NUM_EQ", "value": "12.0"},
            {"contextName": "someValue", "operator": "NUM_GT", "value": "12"},
            {"contextName": "someValue", "operator": "NUM_GTE", "value": "-3"},
            {"contextName": "someValue", "operator": "NUM_LT", "value": "16"},
            {"contextName": "someValue", "operator": "NUM_LTE", "value": "1e3"},
            {"contextName": "currentTime", "operator": "DATE_AFTER", "value": "2022-01-29T13:00:00.000Z"},
            {"contextName": "currentTime", "operator": "DATE_BEFORE", "value": "2022-01-22T14:00:00.000+02:00"},
            {"contextName": "version", "operator": "SEMVER_EQ", "value": "1.2.2"},
            {"contextName": "version", "operator": "SEMVER_GT", "value": "2.0.0-alpha.1"},
            {"contextName": "version", "operator": "SEMVER_LT", "value": "2.0.0-rc"},
            {"contextName": "version", "operator": "SEMVER_GTE", "value": "1.2.2"},
            {"contextName": "version", "operator": "SEMVER_LTE", "value": "1.2.2+build.5"},
            {"contextName": "userId", "operator": "REGEX", "value": "^user\\d{3}$"},
            {"contextName": "userId", "operator": "REGEX", "value": "^[[:alpha:]]+$"},
            {"contextName": "userId", "operator": "REGEX", "value": "^(?i)abc$"},
            {"contextName": "userId", "operator": "REGEX", "value": "^abc$", "caseInsensitive": true},
            {"contextName": "userId", "operator": "REGEX", "value": "^abc$", "inverted": true},
            {"contextName": "userId", "operator": "REGEX", "value": "(?m)^foo$"},
            {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["127.0.0.1", "160.33.0.0/16"]},
            {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["2001:db8::1", "2001:db8::/32"]},
        ]);
        let parsed = validate_constraints(&list, "/body/constraints").expect("all valid");
        assert_eq!(parsed.len(), 25);
        assert_eq!(
            parsed[1].values,
            vec!["web".to_string(), "sun-app".to_string()]
        );
        assert!(parsed[2].case_insensitive);
        assert!(parsed[4].inverted);
        assert_eq!(parsed[5].value.as_deref(), Some("12.0"));
        // Round trip: what was sent comes back, with defaults made explicit.
        let back = serde_json::to_value(&parsed[0]).expect("serialize");
        assert_eq!(
            back,
            json!({"contextName": "environment", "operator": "IN", "values": [], "inverted": false, "caseInsensitive": false})
        );
        let back = serde_json::to_value(&parsed[10]).expect("serialize");
        assert_eq!(back["value"], "2022-01-29T13:00:00.000Z");
        assert_eq!(back["values"], json!([]));
    }

    #[test]
    fn missing_values_default_and_null_list_is_empty() {
        let parsed = validate_constraints(&json!([{"contextName": "x", "operator": "IN"}]), "/c")
            .expect("valid");
        assert!(parsed[0].values.is_empty());
        assert!(!parsed[0].inverted && !parsed[0].case_insensitive);
        assert!(validate_constraints(&Value::Null, "/c")
            .expect("null is none")
            .is_empty());
        let parsed =
            validate_constraints(&json!([{"contextName": "x", "operator": "IN", "values": ["a"], "value": null, "inverted": null}]), "/c")
                .expect("nulls");
        assert_eq!(parsed[0].value, None);
    }

    #[test]
    fn context_name_is_required() {
        let (path, msg) = refused(json!({"contextName": "", "operator": "IN", "values": ["a"]}));
        assert_eq!(path, "/body/constraints/0/contextName");
        assert!(msg.contains("contextName"), "{msg}");
        let (path, msg) = refused(json!({"operator": "IN", "values": ["a"]}));
        assert_eq!(path, "/body/constraints/0");
        assert!(msg.contains("contextName"), "{msg}");
        let (path, _) = refused(json!({"contextName": "  ", "operator": "IN"}));
        assert_eq!(path, "/body/constraints/0/contextName");
    }

    #[test]
    fn unknown_operator_is_refused() {
        let (path, msg) =
            refused(json!({"contextName": "x", "operator": "NOT_A_VALID_OPERATOR", "value": "1"}));
        assert_eq!(path, "/body/constraints/0/operator");
        assert!(
            msg.contains("NOT_A_VALID_OPERATOR") && msg.contains("SEMVER_EQ"),
            "{msg}"
        );
        let (_, msg) = refused(json!({"contextName": "x", "operator": "in", "values": []}));
        assert!(msg.contains("\"in\""), "{msg}");
    }

    #[test]
    fn bad_semver_dates_numbers_are_refused_naming_the_value() {
        let (path, msg) =
            refused(json!({"contextName": "version", "operator": "SEMVER_EQ", "value": "v2.0.0"}));
        assert_eq!(path, "/body/constraints/0/value");
        assert!(
            msg.contains("v2.0.0") && msg.contains("semantic version"),
            "{msg}"
        );
        let (_, msg) =
            refused(json!({"contextName": "version", "operator": "SEMVER_LT", "value": "1.2"}));
        assert!(msg.contains("\"1.2\""), "{msg}");
        let (path, msg) = refused(
            json!({"contextName": "currentTime", "operator": "DATE_AFTER", "value": "yesterday"}),
        );
        assert_eq!(path, "/body/constraints/0/value");
        assert!(
            msg.contains("yesterday") && msg.contains("RFC 3339"),
            "{msg}"
        );
        let (_, msg) = refused(
            json!({"contextName": "currentTime", "operator": "DATE_BEFORE", "value": "2022-01-29"}),
        );
        assert!(msg.contains("2022-01-29"), "{msg}");
        let (_, msg) =
            refused(json!({"contextName": "n", "operator": "NUM_GT", "value": "twelve"}));
        assert!(msg.contains("twelve") && msg.contains("number"), "{msg}");
        let (_, msg) = refused(json!({"contextName": "n", "operator": "NUM_EQ", "value": ""}));
        assert!(msg.contains("number"), "{msg}");
        let (path, msg) =
            refused(json!({"contextName": "n", "operator": "NUM_EQ", "values": ["1"]}));
        assert_eq!(path, "/body/constraints/0/value");
        assert!(msg.contains("required"), "{msg}");
    }

    #[test]
    fn regex_must_compile_in_the_engine() {
        for bad in ["(regex", "^(?=a)b$", "^(a)\\1$"] {
            let (path, msg) =
                refused(json!({"contextName": "userId", "operator": "REGEX", "value": bad}));
            assert_eq!(path, "/body/constraints/0/value");
            assert!(msg.contains(bad), "{msg}");
        }
    }

    #[test]
    fn cidr_entries_must_be_addresses_or_ranges() {
        for bad in [
            "127.invalid",
            "bad::cidr",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
        ] {
            let (path, msg) = refused(
                json!({"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["192.168.1.0/24", bad]}),
            );
            assert_eq!(path, "/body/constraints/0/values/1");
            assert!(msg.contains(bad), "{msg}");
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let (path, _) = refused(json!({"contextName": "x", "operator": "IN", "values": "a"}));
        assert_eq!(path, "/body/constraints/0/values");
        let (path, _) = refused(json!({"contextName": "x", "operator": "IN", "values": ["a", 3]}));
        assert!(path.starts_with("/body/constraints/0/values"), "{path}");
        let (path, _) = refused(json!("IN"));
        assert_eq!(path, "/body/constraints/0");
        let e = validate_constraints(&json!({"contextName": "x"}), "/body/constraints")
            .expect_err("not a list");
        assert_eq!(detail(e).0, "/body/constraints");
        // The index of the offending constraint is reported.
        let e = validate_constraints(&json!([{"contextName": "x", "operator": "IN"}, {"contextName": "y", "operator": "BAD"}]), "/c")
            .expect_err("second is bad");
        assert_eq!(detail(e).0, "/c/1/operator");
    }
}
