-- Feature flags and what they are made of. JSON documents (parameters, constraints,
-- variants, payloads) are stored as text in both dialects.

-- Strategy definitions (built-in and custom).
CREATE TABLE strategies (
    name        TEXT PRIMARY KEY,
    title       TEXT,
    description TEXT,
    parameters  TEXT NOT NULL DEFAULT '[]',
    built_in    BOOLEAN NOT NULL DEFAULT FALSE,
    deprecated  BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order  BIGINT NOT NULL DEFAULT 9999,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE context_fields (
    name         TEXT PRIMARY KEY,
    description  TEXT,
    stickiness   BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order   BIGINT NOT NULL DEFAULT 10,
    legal_values TEXT NOT NULL DEFAULT '[]',
    project      TEXT REFERENCES projects(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE segments (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    project     TEXT REFERENCES projects(id) ON DELETE CASCADE,
    constraints TEXT NOT NULL DEFAULT '[]',
    created_by  TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE tag_types (
    name        TEXT PRIMARY KEY,
    description TEXT,
    icon        TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE features (
    name               TEXT PRIMARY KEY,
    project            TEXT NOT NULL REFERENCES projects(id),
    description        TEXT,
    type               TEXT NOT NULL DEFAULT 'release',
    stale              BOOLEAN NOT NULL DEFAULT FALSE,
    impression_data    BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at        TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    created_by_user_id BIGINT,
    last_seen_at       TIMESTAMPTZ
);
CREATE INDEX features_project_idx ON features (project);

CREATE TABLE feature_environments (
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE ON UPDATE CASCADE,
    environment  TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    enabled      BOOLEAN NOT NULL DEFAULT FALSE,
    variants     TEXT NOT NULL DEFAULT '[]',
    last_seen_at TIMESTAMPTZ,
    PRIMARY KEY (feature_name, environment)
);

CREATE TABLE feature_strategies (
    id            TEXT PRIMARY KEY,
    feature_name  TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE ON UPDATE CASCADE,
    project_name  TEXT NOT NULL,
    environment   TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,
    strategy_name TEXT NOT NULL,
    title         TEXT,
    parameters    TEXT NOT NULL DEFAULT '{}',
    constraints   TEXT NOT NULL DEFAULT '[]',
    variants      TEXT NOT NULL DEFAULT '[]',
    sort_order    BIGINT NOT NULL DEFAULT 0,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX feature_strategies_feature_idx ON feature_strategies (feature_name, environment);

CREATE TABLE feature_strategy_segment (
    feature_strategy_id TEXT NOT NULL REFERENCES feature_strategies(id) ON DELETE CASCADE,
    segment_id          BIGINT NOT NULL REFERENCES segments(id),
    PRIMARY KEY (feature_strategy_id, segment_id)
);
CREATE INDEX feature_strategy_segment_segment_idx ON feature_strategy_segment (segment_id);

CREATE TABLE feature_tag (
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE ON UPDATE CASCADE,
    tag_type     TEXT NOT NULL REFERENCES tag_types(name) ON DELETE CASCADE,
    tag_value    TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feature_name, tag_type, tag_value)
);

CREATE TABLE dependent_features (
    parent   TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    child    TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    variants TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (parent, child)
);
CREATE INDEX dependent_features_child_idx ON dependent_features (child);
