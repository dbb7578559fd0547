-- What SDKs report: registered applications and their instances, and hourly usage of flags.

CREATE TABLE client_applications (
    app_name    TEXT PRIMARY KEY,
    strategies  TEXT NOT NULL DEFAULT '[]',
    description TEXT,
    url         TEXT,
    color       TEXT,
    icon        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE client_instances (
    app_name    TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    sdk_version TEXT,
    client_ip   TEXT,
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    PRIMARY KEY (app_name, instance_id, environment)
);

CREATE TABLE client_metrics_hourly (
    feature_name TEXT NOT NULL,
    app_name     TEXT NOT NULL,
    environment  TEXT NOT NULL,
    hour         TEXT NOT NULL,
    yes          INTEGER NOT NULL DEFAULT 0,
    no           INTEGER NOT NULL DEFAULT 0,
    variants     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (feature_name, app_name, environment, hour)
);
CREATE INDEX client_metrics_hourly_feature_idx ON client_metrics_hourly (feature_name, hour);
