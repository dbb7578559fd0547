-- The client addresses tokens were last used from: at most five distinct addresses per
-- token, each with when it was last seen there. Written in batches off the request path;
-- rows go with their token.
CREATE TABLE pat_addresses (
    token_id INTEGER NOT NULL REFERENCES personal_access_tokens(id) ON DELETE CASCADE,
    address  TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (token_id, address)
);

CREATE TABLE api_token_addresses (
    token_id INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    address  TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (token_id, address)
);

