-- Foundation: roles and permissions, users, sessions, the audit log, the state revision
-- and settings. Timestamps are timestamptz.

CREATE TABLE roles (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL CHECK (type IN ('root', 'root-custom', 'project', 'custom'))
);

CREATE TABLE permissions (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    type         TEXT NOT NULL CHECK (type IN ('root', 'project', 'environment'))
);

CREATE TABLE role_permissions (
    role_id     BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission  TEXT NOT NULL REFERENCES permissions(name) ON DELETE CASCADE,
    environment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (role_id, permission, environment)
);

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT UNIQUE,
    email          TEXT UNIQUE,
    name           TEXT,
    password_hash  TEXT,
    root_role_id   BIGINT NOT NULL REFERENCES roles(id),
    is_service     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    seen_at        TIMESTAMPTZ,
    login_attempts BIGINT NOT NULL DEFAULT 0,
    CHECK (username IS NOT NULL OR email IS NOT NULL)
);

-- Project roles of users; root roles live on users.root_role_id.
CREATE TABLE role_user (
    role_id    BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (role_id, user_id, project)
);
CREATE INDEX role_user_user_idx ON role_user (user_id);

-- Login sessions. Only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE events (
    id                 BIGSERIAL PRIMARY KEY,
    type               TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    created_by         TEXT NOT NULL,
    created_by_user_id BIGINT,
    data               TEXT,
    pre_data           TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    feature_name       TEXT,
    project            TEXT,
    environment        TEXT
);
CREATE INDEX events_feature_idx ON events (feature_name);
CREATE INDEX events_project_idx ON events (project);
CREATE INDEX events_type_idx ON events (type);

-- One row: bumped in the same transaction as every change that SDKs can see.
CREATE TABLE state_revision (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);

CREATE TABLE settings (
    name    TEXT PRIMARY KEY,
    content TEXT NOT NULL
);

-- Roles and permissions with Unleash's names and meaning.
INSERT INTO roles (id, name, description, type) VALUES
 (1, 'Admin', 'Users with the root admin role have superuser access to Unleash and can perform any operation within the Unleash platform.', 'root'),
 (2, 'Editor', 'Users with the root editor role have access to most features in Unleash, but can not manage users and roles in the root scope. Editors will be added as project owners when creating projects and get superuser rights within the context of these projects. Users with the editor role will also get access to most permissions on the default project by default.', 'root'),
 (3, 'Viewer', 'Users with the root viewer role can only read root resources in Unleash. Viewers can be added to specific projects as project members. Users with the viewer role may not view API tokens.', 'root'),
 (4, 'Owner', 'Users with the project owner role have full control over the project, and can add and manage other users within the project context, manage feature flags within the project, and control advanced project features like archiving and deleting the project.', 'project'),
 (5, 'Member', 'Users with the project member role are allowed to view, create, and update feature flags within a project, but have limited permissions in regards to managing the project''s user access and can not archive or delete the project.', 'project'),
 (6, 'Reader', 'Users with the project reader role can view the project and its feature flags, but cannot make any changes.', 'project');

INSERT INTO permissions (name, display_name, type) VALUES
 ('ADMIN', 'Admin', 'root'),
 ('CREATE_ADDON', 'Create addon', 'root'),
 ('UPDATE_ADDON', 'Update addon', 'root'),
 ('DELETE_ADDON', 'Delete addon', 'root'),
 ('CREATE_CLIENT_API_TOKEN', 'Create client api token', 'root'),
 ('READ_CLIENT_API_TOKEN', 'Read client api token', 'root'),
 ('UPDATE_CLIENT_API_TOKEN', 'Update client api token', 'root'),
 ('DELETE_CLIENT_API_TOKEN', 'Delete client api token', 'root'),
 ('CREATE_FRONTEND_API_TOKEN', 'Create frontend api token', 'root'),
 ('READ_FRONTEND_API_TOKEN', 'Read frontend api token', 'root'),
 ('UPDATE_FRONTEND_API_TOKEN', 'Update frontend api token', 'root'),
 ('DELETE_FRONTEND_API_TOKEN', 'Delete frontend api token', 'root'),
 ('UPDATE_APPLICATION', 'Update application', 'root'),
 ('CREATE_CONTEXT_FIELD', 'Create context field', 'root'),
 ('UPDATE_CONTEXT_FIELD', 'Update context field', 'root'),
 ('DELETE_CONTEXT_FIELD', 'Delete context field', 'root'),
 ('CREATE_PROJECT', 'Create project', 'root'),
 ('READ_ROLE', 'Read role', 'root'),
 ('CREATE_SEGMENT', 'Create segment', 'root'),
 ('UPDATE_SEGMENT', 'Update segment', 'root'),
 ('DELETE_SEGMENT', 'Delete segment', 'root'),
 ('CREATE_STRATEGY', 'Create strategy', 'root'),
 ('UPDATE_STRATEGY', 'Update strategy', 'root'),
 ('DELETE_STRATEGY', 'Delete strategy', 'root'),
 ('CREATE_TAG_TYPE', 'Create tag type', 'root'),
 ('UPDATE_TAG_TYPE', 'Update tag type', 'root'),
 ('DELETE_TAG_TYPE', 'Delete tag type', 'root'),
 ('RELEASE_PLAN_TEMPLATE_CREATE', 'Release plan template create', 'root'),
 ('RELEASE_PLAN_TEMPLATE_UPDATE', 'Release plan template update', 'root'),
 ('RELEASE_PLAN_TEMPLATE_DELETE', 'Release plan template delete', 'root'),
 ('READ_LOGS', 'Read logs', 'root'),
 ('UPDATE_MAINTENANCE_MODE', 'Update maintenance mode', 'root'),
 ('UPDATE_INSTANCE_BANNERS', 'Update instance banners', 'root'),
 ('UPDATE_CORS', 'Update cors', 'root'),
 ('UPDATE_AUTH_CONFIGURATION', 'Update auth configuration', 'root'),
 ('CREATE_FEATURE', 'Create feature', 'project'),
 ('UPDATE_FEATURE', 'Update feature', 'project'),
 ('DELETE_FEATURE', 'Delete feature', 'project'),
 ('UPDATE_FEATURE_DEPENDENCY', 'Update feature dependency', 'project'),
 ('UPDATE_FEATURE_VARIANTS', 'Update feature variants', 'project'),
 ('MOVE_FEATURE_TOGGLE', 'Move feature toggle', 'project'),
 ('UPDATE_PROJECT', 'Update project', 'project'),
 ('DELETE_PROJECT', 'Delete project', 'project'),
 ('READ_PROJECT_API_TOKEN', 'Read project api token', 'project'),
 ('CREATE_PROJECT_API_TOKEN', 'Create project api token', 'project'),
 ('DELETE_PROJECT_API_TOKEN', 'Delete project api token', 'project'),
 ('UPDATE_PROJECT_SEGMENT', 'Update project segment', 'project'),
 ('UPDATE_PROJECT_CONTEXT', 'Update project context', 'project'),
 ('UPDATE_PROJECT_RELEASE_TEMPLATE', 'Update project release template', 'project'),
 ('PROJECT_USER_ACCESS_READ', 'Project user access read', 'project'),
 ('PROJECT_USER_ACCESS_WRITE', 'Project user access write', 'project'),
 ('PROJECT_DEFAULT_STRATEGY_READ', 'Project default strategy read', 'project'),
 ('PROJECT_DEFAULT_STRATEGY_WRITE', 'Project default strategy write', 'project'),
 ('PROJECT_CHANGE_REQUEST_READ', 'Project change request read', 'project'),
 ('PROJECT_CHANGE_REQUEST_WRITE', 'Project change request write', 'project'),
 ('PROJECT_SETTINGS_READ', 'Project settings read', 'project'),
 ('PROJECT_SETTINGS_WRITE', 'Project settings write', 'project'),
 ('CREATE_FEATURE_STRATEGY', 'Create feature strategy', 'environment'),
 ('UPDATE_FEATURE_STRATEGY', 'Update feature strategy', 'environment'),
 ('DELETE_FEATURE_STRATEGY', 'Delete feature strategy', 'environment'),
 ('UPDATE_FEATURE_ENVIRONMENT', 'Update feature environment', 'environment'),
 ('UPDATE_FEATURE_ENVIRONMENT_VARIANTS', 'Update feature environment variants', 'environment'),
 ('APPROVE_CHANGE_REQUEST', 'Approve change request', 'environment'),
 ('APPLY_CHANGE_REQUEST', 'Apply change request', 'environment'),
 ('SKIP_CHANGE_REQUEST', 'Skip change request', 'environment');

-- environment: '' for root and project permissions, '*' for environment permissions granted in every environment.
INSERT INTO role_permissions (role_id, permission, environment) VALUES
 (1, 'ADMIN', ''),
 (2, 'CREATE_ADDON', ''),
 (2, 'UPDATE_ADDON', ''),
 (2, 'DELETE_ADDON', ''),
 (2, 'CREATE_CONTEXT_FIELD', ''),
 (2, 'UPDATE_CONTEXT_FIELD', ''),
 (2, 'DELETE_CONTEXT_FIELD', ''),
 (2, 'CREATE_SEGMENT', ''),
 (2, 'UPDATE_SEGMENT', ''),
 (2, 'DELETE_SEGMENT', ''),
 (2, 'CREATE_STRATEGY', ''),
 (2, 'UPDATE_STRATEGY', ''),
 (2, 'DELETE_STRATEGY', ''),
 (2, 'CREATE_TAG_TYPE', ''),
 (2, 'UPDATE_TAG_TYPE', ''),
 (2, 'DELETE_TAG_TYPE', ''),
 (2, 'CREATE_PROJECT', ''),
 (2, 'UPDATE_APPLICATION', ''),
 (2, 'READ_CLIENT_API_TOKEN', ''),
 (2, 'READ_FRONTEND_API_TOKEN', ''),
 (2, 'RELEASE_PLAN_TEMPLATE_CREATE', ''),
 (2, 'RELEASE_PLAN_TEMPLATE_UPDATE', ''),
 (2, 'CREATE_FEATURE', ''),
 (2, 'UPDATE_FEATURE', ''),
 (2, 'DELETE_FEATURE', ''),
 (2, 'UPDATE_FEATURE_DEPENDENCY', ''),
 (2, 'UPDATE_FEATURE_VARIANTS', ''),
 (2, 'MOVE_FEATURE_TOGGLE', ''),
 (2, 'UPDATE_PROJECT', ''),
 (2, 'DELETE_PROJECT', ''),
 (2, 'READ_PROJECT_API_TOKEN', ''),
 (2, 'CREATE_PROJECT_API_TOKEN', ''),
 (2, 'DELETE_PROJECT_API_TOKEN', ''),
 (2, 'CREATE_FEATURE_STRATEGY', '*'),
 (2, 'UPDATE_FEATURE_STRATEGY', '*'),
 (2, 'DELETE_FEATURE_STRATEGY', '*'),
 (2, 'UPDATE_FEATURE_ENVIRONMENT', '*'),
 (2, 'UPDATE_FEATURE_ENVIRONMENT_VARIANTS', '*'),
 (4, 'CREATE_FEATURE', ''),
 (4, 'UPDATE_FEATURE', ''),
 (4, 'DELETE_FEATURE', ''),
 (4, 'UPDATE_FEATURE_DEPENDENCY', ''),
 (4, 'UPDATE_FEATURE_VARIANTS', ''),
 (4, 'MOVE_FEATURE_TOGGLE', ''),
 (4, 'UPDATE_PROJECT', ''),
 (4, 'DELETE_PROJECT', ''),
 (4, 'READ_PROJECT_API_TOKEN', ''),
 (4, 'CREATE_PROJECT_API_TOKEN', ''),
 (4, 'DELETE_PROJECT_API_TOKEN', ''),
 (4, 'UPDATE_PROJECT_SEGMENT', ''),
 (4, 'UPDATE_PROJECT_CONTEXT', ''),
 (4, 'UPDATE_PROJECT_RELEASE_TEMPLATE', ''),
 (4, 'CREATE_FEATURE_STRATEGY', '*'),
 (4, 'UPDATE_FEATURE_STRATEGY', '*'),
 (4, 'DELETE_FEATURE_STRATEGY', '*'),
 (4, 'UPDATE_FEATURE_ENVIRONMENT', '*'),
 (4, 'UPDATE_FEATURE_ENVIRONMENT_VARIANTS', '*'),
 (4, 'PROJECT_USER_ACCESS_READ', ''),
 (4, 'PROJECT_USER_ACCESS_WRITE', ''),
 (4, 'PROJECT_SETTINGS_READ', ''),
 (4, 'PROJECT_SETTINGS_WRITE', ''),
 (4, 'PROJECT_DEFAULT_STRATEGY_READ', ''),
 (4, 'PROJECT_DEFAULT_STRATEGY_WRITE', ''),
 (5, 'CREATE_FEATURE', ''),
 (5, 'UPDATE_FEATURE', ''),
 (5, 'DELETE_FEATURE', ''),
 (5, 'UPDATE_FEATURE_DEPENDENCY', ''),
 (5, 'UPDATE_FEATURE_VARIANTS', ''),
 (5, 'READ_PROJECT_API_TOKEN', ''),
 (5, 'CREATE_PROJECT_API_TOKEN', ''),
 (5, 'DELETE_PROJECT_API_TOKEN', ''),
 (5, 'CREATE_FEATURE_STRATEGY', '*'),
 (5, 'UPDATE_FEATURE_STRATEGY', '*'),
 (5, 'DELETE_FEATURE_STRATEGY', '*'),
 (5, 'UPDATE_FEATURE_ENVIRONMENT', '*'),
 (5, 'UPDATE_FEATURE_ENVIRONMENT_VARIANTS', '*');

INSERT INTO state_revision (id, value) VALUES (1, 0);
SELECT setval('roles_id_seq', (SELECT MAX(id) FROM roles));

-- Projects and environments exist from the start: tokens and flags both refer to them.
CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ
);

CREATE TABLE environments (
    name       TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 1,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    protected  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE project_environments (
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    PRIMARY KEY (project_id, environment)
);

INSERT INTO projects (id, name, description, created_at) VALUES ('default', 'Default', 'Default project', '2026-01-01T00:00:00+00:00');
INSERT INTO environments (name, type, sort_order, enabled, protected, created_at) VALUES
 ('development', 'development', 2, TRUE, FALSE, '2026-01-01T00:00:00+00:00'),
 ('production', 'production', 3, TRUE, FALSE, '2026-01-01T00:00:00+00:00');
INSERT INTO project_environments (project_id, environment) VALUES ('default', 'development'), ('default', 'production');
