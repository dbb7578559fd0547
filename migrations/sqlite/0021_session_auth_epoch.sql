-- Sessions join the auth epoch (0020): ending a session (logging out, a password reset, a
-- purge) moves the counter, so every node forgets the sessions it remembered and looks them
-- up again. Creating one changes nothing anyone remembered, so it does not.

CREATE TRIGGER sessions_auth_epoch_delete AFTER DELETE ON sessions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_auth_epoch_update AFTER UPDATE ON sessions
BEGIN UPDATE auth_epoch SET value = value + 1 WHERE id = 1; END;
