-- Flags that SDKs reported usage for but that do not exist, per application and environment.

CREATE TABLE unknown_flags (
    name        TEXT NOT NULL,
    app_name    TEXT NOT NULL,
    environment TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (name, app_name, environment)
);
CREATE INDEX unknown_flags_seen_idx ON unknown_flags (seen_at);
