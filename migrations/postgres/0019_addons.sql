-- Addons (Unleash's integrations; the webhook provider), what each has delivered, and the
-- token expiry notices already emitted.

CREATE TABLE addons (
    id           BIGSERIAL PRIMARY KEY,
    provider     TEXT NOT NULL,
    description  TEXT,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    parameters   TEXT NOT NULL DEFAULT '{}',   -- JSON object
    events       TEXT NOT NULL DEFAULT '[]',   -- JSON array of event types
    projects     TEXT NOT NULL DEFAULT '[]',   -- JSON array; empty = every project
    environments TEXT NOT NULL DEFAULT '[]',   -- JSON array; empty = every environment
    created_at   TIMESTAMPTZ NOT NULL,
    -- Every event with an id at or below this one has been considered for delivery.
    event_cursor BIGINT NOT NULL DEFAULT 0
);

-- One row per addon and event: whoever inserts it first delivers the event.
CREATE TABLE addon_deliveries (
    id            BIGSERIAL PRIMARY KEY,
    addon_id      BIGINT NOT NULL REFERENCES addons(id) ON DELETE CASCADE,
    event_id      BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    state         TEXT NOT NULL,
    state_details TEXT NOT NULL DEFAULT '',
    UNIQUE (addon_id, event_id)
);
CREATE INDEX addon_deliveries_addon_idx ON addon_deliveries (addon_id, id);

-- One row per token and lead time: whoever inserts it first emits the notice.
CREATE TABLE token_expiry_notices (
    token_kind TEXT NOT NULL CHECK (token_kind IN ('pat', 'api-token')),
    token_id   BIGINT NOT NULL,
    lead_days  BIGINT NOT NULL,
    event_id   BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_kind, token_id, lead_days)
);
