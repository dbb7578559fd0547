//! Roles and permissions, with Unleash's names and meaning.

/// Passes every check.
pub const ADMIN: &str = "ADMIN";

pub const CREATE_CLIENT_API_TOKEN: &str = "CREATE_CLIENT_API_TOKEN";
pub const READ_CLIENT_API_TOKEN: &str = "READ_CLIENT_API_TOKEN";
pub const UPDATE_CLIENT_API_TOKEN: &str = "UPDATE_CLIENT_API_TOKEN";
pub const DELETE_CLIENT_API_TOKEN: &str = "DELETE_CLIENT_API_TOKEN";
pub const CREATE_FRONTEND_API_TOKEN: &str = "CREATE_FRONTEND_API_TOKEN";
pub const READ_FRONTEND_API_TOKEN: &str = "READ_FRONTEND_API_TOKEN";
pub const UPDATE_FRONTEND_API_TOKEN: &str = "UPDATE_FRONTEND_API_TOKEN";
pub const DELETE_FRONTEND_API_TOKEN: &str = "DELETE_FRONTEND_API_TOKEN";
pub const UPDATE_APPLICATION: &str = "UPDATE_APPLICATION";
pub const CREATE_CONTEXT_FIELD: &str = "CREATE_CONTEXT_FIELD";
pub const UPDATE_CONTEXT_FIELD: &str = "UPDATE_CONTEXT_FIELD";
pub const DELETE_CONTEXT_FIELD: &str = "DELETE_CONTEXT_FIELD";
pub const CREATE_PROJECT: &str = "CREATE_PROJECT";
pub const READ_ROLE: &str = "READ_ROLE";
pub const CREATE_SEGMENT: &str = "CREATE_SEGMENT";
pub const UPDATE_SEGMENT: &str = "UPDATE_SEGMENT";
pub const DELETE_SEGMENT: &str = "DELETE_SEGMENT";
pub const CREATE_STRATEGY: &str = "CREATE_STRATEGY";
pub const UPDATE_STRATEGY: &str = "UPDATE_STRATEGY";
pub const DELETE_STRATEGY: &str = "DELETE_STRATEGY";
pub const CREATE_TAG_TYPE: &str = "CREATE_TAG_TYPE";
pub const UPDATE_TAG_TYPE: &str = "UPDATE_TAG_TYPE";
pub const DELETE_TAG_TYPE: &str = "DELETE_TAG_TYPE";
pub const READ_LOGS: &str = "READ_LOGS";
pub const UPDATE_CORS: &str = "UPDATE_CORS";
pub const CREATE_ADDON: &str = "CREATE_ADDON";
pub const UPDATE_ADDON: &str = "UPDATE_ADDON";
pub const DELETE_ADDON: &str = "DELETE_ADDON";

pub const CREATE_FEATURE: &str = "CREATE_FEATURE";
pub const UPDATE_FEATURE: &str = "UPDATE_FEATURE";
pub const DELETE_FEATURE: &str = "DELETE_FEATURE";
pub const UPDATE_FEATURE_DEPENDENCY: &str = "UPDATE_FEATURE_DEPENDENCY";
pub const UPDATE_FEATURE_VARIANTS: &str = "UPDATE_FEATURE_VARIANTS";
pub const MOVE_FEATURE_TOGGLE: &str = "MOVE_FEATURE_TOGGLE";
pub const UPDATE_PROJECT: &str = "UPDATE_PROJECT";
pub const DELETE_PROJECT: &str = "DELETE_PROJECT";
pub const READ_PROJECT_API_TOKEN: &str = "READ_PROJECT_API_TOKEN";
pub const CREATE_PROJECT_API_TOKEN: &str = "CREATE_PROJECT_API_TOKEN";
pub const DELETE_PROJECT_API_TOKEN: &str = "DELETE_PROJECT_API_TOKEN";
pub const UPDATE_PROJECT_SEGMENT: &str = "UPDATE_PROJECT_SEGMENT";
pub const PROJECT_USER_ACCESS_READ: &str = "PROJECT_USER_ACCESS_READ";
pub const PROJECT_USER_ACCESS_WRITE: &str = "PROJECT_USER_ACCESS_WRITE";

pub const CREATE_FEATURE_STRATEGY: &str = "CREATE_FEATURE_STRATEGY";
pub const UPDATE_FEATURE_STRATEGY: &str = "UPDATE_FEATURE_STRATEGY";
pub const DELETE_FEATURE_STRATEGY: &str = "DELETE_FEATURE_STRATEGY";
pub const UPDATE_FEATURE_ENVIRONMENT: &str = "UPDATE_FEATURE_ENVIRONMENT";
pub const UPDATE_FEATURE_ENVIRONMENT_VARIANTS: &str = "UPDATE_FEATURE_ENVIRONMENT_VARIANTS";

/// Ids of the predefined roles, fixed by the first migration.
pub const ROLE_ADMIN: i64 = 1;
pub const ROLE_EDITOR: i64 = 2;
pub const ROLE_VIEWER: i64 = 3;
pub const ROLE_OWNER: i64 = 4;
pub const ROLE_MEMBER: i64 = 5;
pub const ROLE_READER: i64 = 6;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Role {
    pub id: i64,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: String,
}

/// One permission held by a user, with the project and environment it applies to.
/// `None` or `"*"` means every project (or environment).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    pub permission: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

fn scope_matches(granted: Option<&str>, wanted: Option<&str>) -> bool {
    match (granted, wanted) {
        (None, _) | (Some("*"), _) | (Some(""), _) | (_, None) => true,
        (Some(g), Some(w)) => g == w,
    }
}

/// True when any grant is `ADMIN`, or names one of `wanted` within the given project and
/// environment (`None` = the check has no project or environment).
pub fn allows(
    grants: &[Grant],
    wanted: &[&str],
    project: Option<&str>,
    environment: Option<&str>,
) -> bool {
    grants.iter().any(|g| {
        g.permission == ADMIN
            || (wanted.contains(&g.permission.as_str())
                && scope_matches(g.project.as_deref(), project)
                && scope_matches(g.environment.as_deref(), environment))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(p: &str, project: Option<&str>, env: Option<&str>) -> Grant {
        Grant {
            permission: p.into(),
            project: project.map(Into::into),
            environment: env.map(Into::into),
        }
    }

    #[test]
    fn project_and_environment_scopes_are_honoured() {
        let grants = vec![
            grant(CREATE_FEATURE, Some("alpha"), None),
            grant(
                UPDATE_FEATURE_ENVIRONMENT,
                Some("alpha"),
                Some("development"),
            ),
        ];
        assert!(allows(&grants, &[CREATE_FEATURE], Some("alpha"), None));
        assert!(!allows(&grants, &[CREATE_FEATURE], Some("beta"), None));
        assert!(allows(
            &grants,
            &[UPDATE_FEATURE_ENVIRONMENT],
            Some("alpha"),
            Some("development")
        ));
        assert!(!allows(
            &grants,
            &[UPDATE_FEATURE_ENVIRONMENT],
            Some("alpha"),
            Some("production")
        ));
        assert!(!allows(&grants, &[DELETE_FEATURE], Some("alpha"), None));
        assert!(allows(
            &[grant(ADMIN, None, None)],
            &[DELETE_FEATURE],
            Some("x"),
            Some("y")
        ));
    }
}
