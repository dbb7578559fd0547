-- A counter bumped, in the same transaction, by every change to what the Admin API's
-- project list, project and flag reads show: projects and their environments, flags and
-- everything of theirs (environments, strategies, segments, tags, dependencies, links, last
-- seen), project members, the names of users shown as owners or creators, and favourites.
-- Each node keeps those reads rendered in memory under the counter's value and re-reads the
-- counter (one small row) at most every 200 ms, so a change made on any node is served
-- everywhere within that time, and at once by the node that made it. Triggers rather than
-- application code, as for the auth epoch (0020): no write path can forget to bump it.
-- Deferred to commit, so that the counter's row is the last lock a transaction takes; and
-- bumped once per transaction whatever the number of rows it changed (an import of 10,000
-- flags moves it by one).

CREATE TABLE view_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO view_epoch (id, value) VALUES (1, 0);

CREATE FUNCTION bump_view_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('switchyard.view_epoch_bumped', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('switchyard.view_epoch_bumped', 'yes', true);
        UPDATE view_epoch SET value = value + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER projects_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON projects
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER project_environments_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON project_environments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER environments_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON environments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER features_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON features
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER feature_environments_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON feature_environments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER feature_strategies_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON feature_strategies
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER feature_strategy_segment_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON feature_strategy_segment
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER feature_tag_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON feature_tag
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER dependent_features_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON dependent_features
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER feature_links_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON feature_links
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER segments_view_epoch
    AFTER UPDATE OR DELETE ON segments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER role_user_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON role_user
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER favorite_features_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON favorite_features
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER favorite_projects_view_epoch
    AFTER INSERT OR UPDATE OR DELETE ON favorite_projects
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
CREATE CONSTRAINT TRIGGER users_view_epoch
    AFTER UPDATE OF username, email, name OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_view_epoch();
