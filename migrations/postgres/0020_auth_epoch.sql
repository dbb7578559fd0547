-- A counter bumped, in the same transaction, by every change that can alter who a personal
-- access token authenticates as or what they may do: users, roles, role permissions, project
-- roles and the tokens themselves. Each node remembers verified tokens with the counter's
-- value and forgets them as soon as it moves, so a change on any node takes effect on every
-- node as quickly as the node re-reads one small row. Triggers rather than application code:
-- no write path can forget to bump it. They are deferred to commit, so the counter's row is
-- the last lock a transaction takes and cannot take part in a deadlock.

CREATE TABLE auth_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, value) VALUES (1, 0);

CREATE FUNCTION bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER users_auth_epoch
    AFTER UPDATE OF username, email, name, root_role_id, is_service OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER roles_auth_epoch
    AFTER UPDATE OR DELETE ON roles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER role_permissions_auth_epoch
    AFTER INSERT OR UPDATE OR DELETE ON role_permissions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER role_user_auth_epoch
    AFTER INSERT OR UPDATE OR DELETE ON role_user
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER pats_auth_epoch
    AFTER UPDATE OF user_id, selector, verifier, expires_at, scopes, rotated_at OR DELETE ON personal_access_tokens
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
