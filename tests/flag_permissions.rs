//! The permission matrix of the flag and project routes: Admin, Editor, Viewer and a user who
//! is project Member of one project only, each with a session and with a personal access
//! token, plus an admin API token; and environment-scoped grants.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Auth, TestApp};
use serde_json::{json, Value};

const PROJECTS: [&str; 3] = ["default", "alpha", "beta"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Admin,
    Editor,
    Viewer,
    /// Viewer everywhere, Member of `alpha`.
    AlphaMember,
}

/// One write operation, the permission Unleash asks for, and its success status.
struct Op {
    label: &'static str,
    /// Project-scoped; `false` for root permissions such as CREATE_PROJECT.
    scoped: bool,
    /// A project-management permission (UPDATE_PROJECT and access), not a flag permission.
    manages_project: bool,
    permission: &'static str,
    ok: u16,
}

const OPS: &[Op] = &[
    Op {
        label: "create flag",
        scoped: true,
        manages_project: false,
        permission: "CREATE_FEATURE",
        ok: 201,
    },
    Op {
        label: "update flag",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE",
        ok: 200,
    },
    Op {
        label: "patch flag",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE",
        ok: 200,
    },
    Op {
        label: "enable",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE_ENVIRONMENT",
        ok: 200,
    },
    Op {
        label: "bulk disable",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE_ENVIRONMENT",
        ok: 200,
    },
    Op {
        label: "add strategy",
        scoped: true,
        manages_project: false,
        permission: "CREATE_FEATURE_STRATEGY",
        ok: 200,
    },
    Op {
        label: "env variants",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE_ENVIRONMENT_VARIANTS",
        ok: 200,
    },
    Op {
        label: "legacy variants",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE_VARIANTS",
        ok: 200,
    },
    Op {
        label: "tag",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE",
        ok: 201,
    },
    Op {
        label: "dependency",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE_DEPENDENCY",
        ok: 200,
    },
    Op {
        label: "remove dependency",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE_DEPENDENCY",
        ok: 200,
    },
    Op {
        label: "archive",
        scoped: true,
        manages_project: false,
        permission: "DELETE_FEATURE",
        ok: 202,
    },
    Op {
        label: "revive",
        scoped: true,
        manages_project: false,
        permission: "UPDATE_FEATURE",
        ok: 200,
    },
    Op {
        label: "archive again",
        scoped: true,
        manages_project: false,
        permission: "DELETE_FEATURE",
        ok: 202,
    },
    Op {
        label: "delete for good",
        scoped: true,
        manages_project: false,
        permission: "DELETE_FEATURE",
        ok: 200,
    },
    Op {
        label: "update project",
        scoped: true,
        manages_project: true,
        permission: "UPDATE_PROJECT",
        ok: 200,
    },
    Op {
        label: "project access",
        scoped: true,
        manages_project: true,
        permission: "UPDATE_PROJECT",
        ok: 200,
    },
    Op {
        label: "create project",
        scoped: false,
        manages_project: false,
        permission: "CREATE_PROJECT",
        ok: 201,
    },
];

fn allowed(role: Role, op: &Op, project: &str) -> bool {
    match role {
        Role::Admin | Role::Editor => true,
        Role::Viewer => false,
        Role::AlphaMember => op.scoped && !op.manages_project && project == "alpha",
    }
}

async fn send(
    app: &TestApp,
    op: &Op,
    who: &Auth,
    label: &str,
    project: &str,
    reader_id: i64,
) -> common::TestResponse {
    let base = format!("/api/admin/projects/{project}/features");
    let flag = format!("f-{label}-{project}");
    let parent = format!("p-{label}-{project}");
    match op.label {
        "create flag" => {
            app.post(
                &base,
                json!({"name": format!("new-{label}-{project}")}),
                who,
            )
            .await
        }
        "update flag" => {
            app.put(
                &format!("{base}/{flag}"),
                json!({"description": "changed"}),
                who,
            )
            .await
        }
        "patch flag" => {
            app.call(
                "PATCH",
                &format!("{base}/{flag}"),
                Some(json!([{"op": "replace", "path": "/stale", "value": true}])),
                who,
            )
            .await
        }
        "enable" => {
            app.post(
                &format!("{base}/{flag}/environments/development/on"),
                json!({}),
                who,
            )
            .await
        }
        "bulk disable" => {
            app.post(
                &format!(
                    "/api/admin/projects/{project}/bulk_features/environments/development/off"
                ),
                json!({"features": [flag]}),
                who,
            )
            .await
        }
        "add strategy" => {
            app.post(
                &format!("{base}/{flag}/environments/production/strategies"),
                json!({"name": "default"}),
                who,
            )
            .await
        }
        "env variants" => {
            app.put(
                &format!("{base}/{flag}/environments/production/variants"),
                json!([{"name": "a", "weight": 1000}]),
                who,
            )
            .await
        }
        "legacy variants" => {
            app.put(
                &format!("{base}/{flag}/variants"),
                json!([{"name": "a", "weight": 1000}]),
                who,
            )
            .await
        }
        "tag" => {
            app.post(
                &format!("/api/admin/features/{flag}/tags"),
                json!({"type": "simple", "value": "tagged"}),
                who,
            )
            .await
        }
        "dependency" => {
            app.post(
                &format!("{base}/{flag}/dependencies"),
                json!({"feature": parent}),
                who,
            )
            .await
        }
        "remove dependency" => {
            app.delete(&format!("{base}/{flag}/dependencies/{parent}"), who)
                .await
        }
        "archive" | "archive again" => app.delete(&format!("{base}/{flag}"), who).await,
        "revive" => {
            app.post(&format!("/api/admin/archive/revive/{flag}"), json!({}), who)
                .await
        }
        "delete for good" => app.delete(&format!("/api/admin/archive/{flag}"), who).await,
        "update project" => {
            app.put(
                &format!("/api/admin/projects/{project}"),
                json!({"name": format!("{project} by {label}")}),
                who,
            )
            .await
        }
        "project access" => {
            app.post(
                &format!("/api/admin/projects/{project}/access"),
                json!({"roles": [6], "users": [reader_id]}),
                who,
            )
            .await
        }
        "create project" => {
            app.post(
                "/api/admin/projects",
                json!({"id": format!("{label}-{project}"), "name": "New"}),
                who,
            )
            .await
        }
        other => panic!("unknown op {other}"),
    }
}

fn in_days(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339()
}

async fn pat(app: &TestApp, who: &Auth) -> Auth {
    let res = app
        .post(
            "/api/admin/user/tokens",
            json!({"description": "matrix", "expiresAt": in_days(1)}),
            who,
        )
        .await
        .expect(201);
    Auth::Token(res.json["secret"].as_str().expect("secret").to_string())
}

async fn reads_work(app: &TestApp, who: &Auth, label: &str) {
    for path in [
        "/api/admin/projects".to_string(),
        "/api/admin/projects/alpha".to_string(),
        "/api/admin/projects/beta/features".to_string(),
        format!("/api/admin/projects/beta/features/f-{label}-beta"),
        format!(
            "/api/admin/projects/beta/features/f-{label}-beta/environments/production/strategies"
        ),
        format!(
            "/api/admin/projects/beta/features/f-{label}-beta/environments/production/variants"
        ),
        format!("/api/admin/features/f-{label}-beta/tags"),
        "/api/admin/search/features?query=f-".to_string(),
        "/api/admin/features".to_string(),
        "/api/admin/archive/features".to_string(),
        "/api/admin/feature-types".to_string(),
        "/api/admin/roles".to_string(),
        "/api/admin/projects/alpha/access".to_string(),
        format!("/api/admin/events/f-{label}-beta"),
    ] {
        let res = app.get(&path, who).await;
        assert_eq!(
            res.status.as_u16(),
            200,
            "{label}: GET {path}: {}",
            res.text
        );
    }
}

async fn run_matrix(
    app: &TestApp,
    admin: &Auth,
    role: Role,
    who: &Auth,
    label: &str,
    reader_id: i64,
) {
    for project in PROJECTS {
        app.post(
            &format!("/api/admin/projects/{project}/features"),
            json!({"name": format!("f-{label}-{project}")}),
            admin,
        )
        .await
        .expect(201);
        app.post(
            &format!("/api/admin/projects/{project}/features"),
            json!({"name": format!("p-{label}-{project}")}),
            admin,
        )
        .await
        .expect(201);
    }
    reads_work(app, who, label).await;
    for project in PROJECTS {
        for op in OPS {
            if !op.scoped && project != "default" {
                continue;
            }
            let res = send(app, op, who, label, project, reader_id).await;
            if allowed(role, op, project) {
                assert_eq!(
                    res.status.as_u16(),
                    op.ok,
                    "{label} should be allowed to {} in {project}: {}",
                    op.label,
                    res.text
                );
            } else {
                assert_eq!(
                    res.status.as_u16(),
                    403,
                    "{label} should be refused to {} in {project}: {}",
                    op.label,
                    res.text
                );
                assert_eq!(res.json["name"], "PermissionError", "{label}: {}", op.label);
                let perms = res.json["permissions"].as_array().expect("permissions");
                assert!(
                    perms.iter().any(|p| p == op.permission),
                    "{label}: {} names {perms:?}, expected {}",
                    op.label,
                    op.permission
                );
            }
        }
    }
}

#[tokio::test]
async fn permission_matrix_with_sessions_and_pats() {
    let app =
        TestApp::with_config(|c| c.init_admin_api_tokens = vec!["*:*.matrix-admin-secret".into()])
            .await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "alpha", "name": "Alpha"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects",
        json!({"id": "beta", "name": "Beta"}),
        &admin,
    )
    .await
    .expect(201);
    let (reader_id, _) = app.user("reader", "Viewer").await;
    let (_, editor) = app.user("editor", "Editor").await;
    let (_, viewer) = app.user("viewer", "Viewer").await;
    let (member_id, member) = app.user("member", "Viewer").await;
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [5], "users": [member_id]}),
        &admin,
    )
    .await
    .expect(200);

    let callers = vec![
        (Role::Admin, admin.clone(), "admin-session"),
        (Role::Admin, pat(&app, &admin).await, "admin-pat"),
        (
            Role::Admin,
            Auth::Token("*:*.matrix-admin-secret".into()),
            "admin-token",
        ),
        (Role::Editor, editor.clone(), "editor-session"),
        (Role::Editor, pat(&app, &editor).await, "editor-pat"),
        (Role::Viewer, viewer.clone(), "viewer-session"),
        (Role::Viewer, pat(&app, &viewer).await, "viewer-pat"),
        (Role::AlphaMember, member.clone(), "member-session"),
        (Role::AlphaMember, pat(&app, &member).await, "member-pat"),
    ];
    for (role, who, label) in &callers {
        run_matrix(&app, &admin, *role, who, label, reader_id).await;
    }

    // Events name the acting user, whichever way they signed in.
    let res = app
        .get("/api/admin/events/f-member-pat-alpha", &admin)
        .await
        .expect(200);
    let created_by: Vec<&str> = res.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["createdBy"].as_str().unwrap())
        .collect();
    assert!(created_by.contains(&"member@example.com"), "{created_by:?}");
    let res = app
        .get("/api/admin/events/f-admin-token-alpha", &admin)
        .await
        .expect(200);
    assert!(res.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["createdByUserId"] == -42));
    // A flag created with the admin token names Unleash's admin-token user as its creator.
    let flag = app
        .get(
            "/api/admin/projects/alpha/features/new-admin-token-alpha",
            &admin,
        )
        .await
        .expect(200);
    assert_eq!(flag.json["createdBy"]["id"], -42);
    assert_eq!(flag.json["createdBy"]["name"], "Unleash Admin Token User");

    // Client tokens cannot use the Admin API at all.
    let client = app
        .post(
            "/api/admin/api-tokens",
            json!({"tokenName": "sdk", "type": "client", "environment": "development"}),
            &admin,
        )
        .await
        .expect(201)
        .json["secret"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/admin/projects/default/features",
        json!({"name": "by-client"}),
        &Auth::Token(client),
    )
    .await
    .expect(403);
    app.get("/api/admin/projects", &Auth::None)
        .await
        .expect(401);
}

#[tokio::test]
async fn role_changes_apply_at_once_and_unknown_projects_are_404() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "alpha", "name": "Alpha"}),
        &admin,
    )
    .await
    .expect(201);
    let (member_id, member) = app.user("member", "Viewer").await;
    let member_pat = pat(&app, &member).await;
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "x1"}),
        &member_pat,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [5], "users": [member_id]}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "x1"}),
        &member_pat,
    )
    .await
    .expect(201);
    app.delete(
        &format!("/api/admin/projects/alpha/users/{member_id}/roles"),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "x2"}),
        &member_pat,
    )
    .await
    .expect(403);

    // For a caller allowed everywhere, an unknown project or environment is 404 naming it.
    let (_, editor) = app.user("editor", "Editor").await;
    let res = app
        .post(
            "/api/admin/projects/nowhere/features",
            json!({"name": "n"}),
            &editor,
        )
        .await
        .expect(404);
    assert!(res.json["message"].as_str().unwrap().contains("nowhere"));
    let res = app
        .post(
            "/api/admin/projects/alpha/features/x1/environments/nowhere/on",
            json!({}),
            &editor,
        )
        .await
        .expect(404);
    assert!(res.json["message"].as_str().unwrap().contains("nowhere"));
    // A Member of alpha is refused in a project that does not exist (no rights there).
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [5], "users": [member_id]}),
        &admin,
    )
    .await
    .expect(200);
    app.post(
        "/api/admin/projects/nowhere/features",
        json!({"name": "n"}),
        &member,
    )
    .await
    .expect(403);
}

/// A project role granting a permission in one environment only does not reach the others.
#[tokio::test]
async fn environment_scoped_grants_stay_in_their_environment() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.post(
        "/api/admin/projects",
        json!({"id": "alpha", "name": "Alpha"}),
        &admin,
    )
    .await
    .expect(201);
    app.post(
        "/api/admin/projects/alpha/features",
        json!({"name": "scoped"}),
        &admin,
    )
    .await
    .expect(201);
    let (user_id, user) = app.user("devonly", "Viewer").await;

    // A custom project role (as Unleash Enterprise would create) with development-only rights.
    let statements = [
        "INSERT INTO roles (id, name, description, type) VALUES (100, 'DevToggler', 'development only', 'project')",
        "INSERT INTO role_permissions (role_id, permission, environment) VALUES (100, 'UPDATE_FEATURE_ENVIRONMENT', 'development')",
        "INSERT INTO role_permissions (role_id, permission, environment) VALUES (100, 'CREATE_FEATURE_STRATEGY', 'development')",
    ];
    for sql in statements {
        match &app.state.db {
            switchyard::store::Db::Sqlite(p) => {
                sqlx::query(sql).execute(p).await.expect("seed role");
            }
            switchyard::store::Db::Postgres(p) => {
                sqlx::query(sql).execute(p).await.expect("seed role");
            }
        }
    }
    app.post(
        "/api/admin/projects/alpha/access",
        json!({"roles": [100], "users": [user_id]}),
        &admin,
    )
    .await
    .expect(200);

    let base = "/api/admin/projects/alpha/features/scoped/environments";
    app.post(&format!("{base}/development/on"), json!({}), &user)
        .await
        .expect(200);
    let res = app
        .post(&format!("{base}/production/on"), json!({}), &user)
        .await
        .expect(403);
    assert_eq!(
        res.json["permissions"],
        json!(["UPDATE_FEATURE_ENVIRONMENT"])
    );
    app.post(
        &format!("{base}/development/strategies"),
        json!({"name": "default"}),
        &user,
    )
    .await
    .expect(200);
    app.post(
        &format!("{base}/production/strategies"),
        json!({"name": "default"}),
        &user,
    )
    .await
    .expect(403);
    // Nothing else came with it.
    app.put(
        "/api/admin/projects/alpha/features/scoped",
        json!({"description": "x"}),
        &user,
    )
    .await
    .expect(403);
    app.post(
        "/api/admin/projects/default/features/scoped/environments/development/on",
        json!({}),
        &user,
    )
    .await
    .expect(403);
    let value: Value = app
        .get("/api/admin/projects/alpha/features/scoped", &user)
        .await
        .expect(200)
        .json;
    assert_eq!(value["environments"][0]["enabled"], true);
    assert_eq!(value["environments"][1]["enabled"], false);
}
