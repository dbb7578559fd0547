-- Tags on their own (created before any flag carries them), favourites, flag links and
-- invite links. Timestamps are RFC 3339 text.

CREATE TABLE tags (
    tag_type   TEXT NOT NULL REFERENCES tag_types(name) ON DELETE CASCADE,
    tag_value  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tag_type, tag_value)
);
INSERT INTO tags (tag_type, tag_value, created_at)
    SELECT tag_type, tag_value, MIN(created_at) FROM feature_tag GROUP BY tag_type, tag_value;

CREATE TABLE favorite_features (
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE ON UPDATE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (feature_name, user_id)
);
CREATE INDEX favorite_features_user_idx ON favorite_features (user_id);

CREATE TABLE favorite_projects (
    project    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project, user_id)
);
CREATE INDEX favorite_projects_user_idx ON favorite_projects (user_id);

CREATE TABLE feature_links (
    id           TEXT PRIMARY KEY,
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE ON UPDATE CASCADE,
    url          TEXT NOT NULL,
    title        TEXT,
    domain       TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX feature_links_feature_idx ON feature_links (feature_name);

-- Invite links. Only the SHA-256 of the link's secret is stored.
CREATE TABLE invite_links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    secret_hash TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role_id     INTEGER NOT NULL REFERENCES roles(id),
    enabled     INTEGER NOT NULL DEFAULT 1,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT
);

CREATE TABLE invite_link_users (
    invite_link_id INTEGER NOT NULL REFERENCES invite_links(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (invite_link_id, user_id)
);
