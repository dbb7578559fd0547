-- Opt-in (TOKEN_ENCRYPTION_KEY): API token secrets sealed with the operator's key, so that
-- admins can read them back as Unleash lists them. NULL when the mode is off, and for
-- tokens created before it was turned on. Authentication still uses `verifier` only.
ALTER TABLE api_tokens ADD COLUMN sealed_secret TEXT;

-- Project settings as Unleash's `PUT /api/admin/projects/{id}/settings` sets them (JSON text).
ALTER TABLE projects ADD COLUMN feature_naming TEXT;
ALTER TABLE projects ADD COLUMN link_templates TEXT;
