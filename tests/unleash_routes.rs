//! Every operation of Unleash 8.2's OpenAPI document is either served by Switchyard (and in
//! its OpenAPI document) or listed, with the reason, in docs/absent-routes.md; and that list
//! names nothing Switchyard serves.

use std::collections::BTreeSet;

/// `/projects/{projectId}` and `/projects/{id}` are the same route.
fn normal(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn ours() -> BTreeSet<(String, String)> {
    let doc = switchyard::http::openapi();
    let mut ops = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        for (method, present) in [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ] {
            if present {
                ops.insert((method.to_string(), normal(path)));
            }
        }
    }
    ops
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))).expect(rel)
}

/// The operations a Markdown list names, one per bullet: ``- `METHOD /path`: reason``.
fn listed_operations(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .filter_map(|op| op.split_once(' '))
        .filter(|(m, p)| {
            ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(m) && p.starts_with('/')
        })
        .map(|(m, p)| (m.to_string(), normal(p)))
        .collect()
}

#[test]
fn every_unleash_operation_is_served_or_listed_as_absent_with_a_reason() {
    let unleash: BTreeSet<(String, String)> = read("tests/data/unleash-8.2-operations.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' '))
        .map(|(m, p)| (m.to_string(), normal(p)))
        .collect();
    assert_eq!(unleash.len(), 211);
    let ours = ours();
    let absent_doc = read("docs/absent-routes.md");
    let listed = listed_operations(&absent_doc);

    let unexplained: Vec<String> = unleash
        .difference(&ours)
        .filter(|op| !listed.contains(*op))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "Unleash serves these, Switchyard does not, and docs/absent-routes.md does not say why:\n{}",
        unexplained.join("\n")
    );
    let stale: Vec<String> = listed
        .intersection(&ours)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/absent-routes.md lists routes that are served now:\n{}",
        stale.join("\n")
    );
    let served = unleash.intersection(&ours).count();
    println!("{served} of {} Unleash operations served", unleash.len());
}
