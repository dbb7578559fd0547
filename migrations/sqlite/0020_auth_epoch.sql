-- A counter bumped, in the same transaction, by every change that can alter who a personal
-- access token authenticates as or what they may do: users, roles, role permissions, project
-- roles and the tokens themselves. Each node remembers verified tokens with the counter's
-- value and forgets them as soon as it moves, so a change on any node takes effect on every
-- node as quickly as the node re-reads one small row. Triggers rather than application code:
-- no write path can forget to bump it.

CREATE TABLE auth_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO auth_epoch (id, value) VALUES (1, 0);

CREATE TRIGGER users_auth_epoch_update AFTER UPDATE OF username, email, name, root_role_id, is_service ON users
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_auth_epoch_delete AFTER DELETE ON users
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER roles_auth_epoch_update AFTER UPDATE ON roles
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_auth_epoch_delete AFTER DELETE ON roles
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER role_permissions_auth_epoch_insert AFTER INSERT ON role_permissions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_auth_epoch_update AFTER UPDATE ON role_permissions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_auth_epoch_delete AFTER DELETE ON role_permissions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER role_user_auth_epoch_insert AFTER INSERT ON role_user
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_user_auth_epoch_update AFTER UPDATE ON role_user
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_user_auth_epoch_delete AFTER DELETE ON role_user
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER pats_auth_epoch_update AFTER UPDATE OF user_id, selector, verifier, expires_at, scopes, rotated_at ON personal_access_tokens
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER pats_auth_epoch_delete AFTER DELETE ON personal_access_tokens
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
