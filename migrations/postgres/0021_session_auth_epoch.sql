-- Sessions join the auth epoch (0020): ending a session (logging out, a password reset, a
-- purge) moves the counter, so every node forgets the sessions it remembered and looks them
-- up again. Creating one changes nothing anyone remembered, so it does not. Deferred to
-- commit like the others.

CREATE CONSTRAINT TRIGGER sessions_auth_epoch
    AFTER UPDATE OR DELETE ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
