-- Token rotation: a rotated-out token keeps working until its grace ends (its expires_at
-- is moved to that moment) and is marked with the time it was rotated, so that it cannot be
-- rotated twice and its description may be reused by its successor.

ALTER TABLE personal_access_tokens ADD COLUMN rotated_at TEXT;

DROP INDEX personal_access_tokens_user_description_idx;
CREATE UNIQUE INDEX personal_access_tokens_user_description_idx
    ON personal_access_tokens (user_id, description) WHERE rotated_at IS NULL;

ALTER TABLE api_tokens ADD COLUMN rotated_at TEXT;
ALTER TABLE api_tokens ADD COLUMN rotated_from_id INTEGER;
