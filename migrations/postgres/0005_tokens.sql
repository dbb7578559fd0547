-- Personal access tokens and API tokens. Only a public selector and the SHA-256 digest of
-- the whole token are stored, never the token.

CREATE TABLE personal_access_tokens (
    id                 BIGSERIAL PRIMARY KEY,
    user_id            BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    description        TEXT NOT NULL,
    selector           TEXT NOT NULL UNIQUE,
    verifier           TEXT NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    seen_at            TIMESTAMPTZ,
    -- Room to grow without reshaping the table:
    seen_address       TEXT,                      -- client address of the last use
    scopes             TEXT NOT NULL DEFAULT '*', -- '*' = all of the owner's permissions
    rotated_from_id    BIGINT,                   -- the token this one replaced
    created_by_user_id BIGINT                    -- who minted it (an admin, for service accounts)
);
CREATE UNIQUE INDEX personal_access_tokens_user_description_idx ON personal_access_tokens (user_id, description);

CREATE TABLE api_tokens (
    id                 BIGSERIAL PRIMARY KEY,
    selector           TEXT NOT NULL UNIQUE,
    verifier           TEXT NOT NULL,
    secure             BOOLEAN NOT NULL DEFAULT TRUE,
    token_name         TEXT NOT NULL,
    type               TEXT NOT NULL CHECK (type IN ('client', 'frontend', 'admin')),
    environment        TEXT NOT NULL,
    project_part       TEXT NOT NULL,
    expires_at         TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    seen_at            TIMESTAMPTZ,
    seen_address       TEXT,
    created_by_user_id BIGINT
);
CREATE INDEX api_tokens_name_idx ON api_tokens (token_name);

-- No rows: every project.
CREATE TABLE api_token_projects (
    token_id BIGINT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    project  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, project)
);
