-- A counter bumped, in the same transaction, by every change to what the Admin API's
-- project list, project and flag reads show: projects and their environments, flags and
-- everything of theirs (environments, strategies, segments, tags, dependencies, links, last
-- seen), project members, the names of users shown as owners or creators, and favourites.
-- Each node keeps those reads rendered in memory under the counter's value and re-reads the
-- counter (one small row) at most every 200 ms, so a change made on any node is served
-- everywhere within that time, and at once by the node that made it. Triggers rather than
-- application code, as for the auth epoch (0020): no write path can forget to bump it.

CREATE TABLE view_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO view_epoch (id, value) VALUES (1, 0);

CREATE TRIGGER projects_view_epoch_insert AFTER INSERT ON projects
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER projects_view_epoch_update AFTER UPDATE ON projects
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER projects_view_epoch_delete AFTER DELETE ON projects
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER project_environments_view_epoch_insert AFTER INSERT ON project_environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER project_environments_view_epoch_update AFTER UPDATE ON project_environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER project_environments_view_epoch_delete AFTER DELETE ON project_environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER environments_view_epoch_insert AFTER INSERT ON environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER environments_view_epoch_update AFTER UPDATE ON environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER environments_view_epoch_delete AFTER DELETE ON environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER features_view_epoch_insert AFTER INSERT ON features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER features_view_epoch_update AFTER UPDATE ON features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER features_view_epoch_delete AFTER DELETE ON features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER feature_environments_view_epoch_insert AFTER INSERT ON feature_environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_environments_view_epoch_update AFTER UPDATE ON feature_environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_environments_view_epoch_delete AFTER DELETE ON feature_environments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER feature_strategies_view_epoch_insert AFTER INSERT ON feature_strategies
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_strategies_view_epoch_update AFTER UPDATE ON feature_strategies
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_strategies_view_epoch_delete AFTER DELETE ON feature_strategies
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER feature_strategy_segment_view_epoch_insert AFTER INSERT ON feature_strategy_segment
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_strategy_segment_view_epoch_update AFTER UPDATE ON feature_strategy_segment
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_strategy_segment_view_epoch_delete AFTER DELETE ON feature_strategy_segment
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER feature_tag_view_epoch_insert AFTER INSERT ON feature_tag
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_tag_view_epoch_update AFTER UPDATE ON feature_tag
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_tag_view_epoch_delete AFTER DELETE ON feature_tag
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER dependent_features_view_epoch_insert AFTER INSERT ON dependent_features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER dependent_features_view_epoch_update AFTER UPDATE ON dependent_features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER dependent_features_view_epoch_delete AFTER DELETE ON dependent_features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER feature_links_view_epoch_insert AFTER INSERT ON feature_links
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_links_view_epoch_update AFTER UPDATE ON feature_links
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER feature_links_view_epoch_delete AFTER DELETE ON feature_links
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER segments_view_epoch_update AFTER UPDATE ON segments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER segments_view_epoch_delete AFTER DELETE ON segments
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER role_user_view_epoch_insert AFTER INSERT ON role_user
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_user_view_epoch_update AFTER UPDATE ON role_user
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_user_view_epoch_delete AFTER DELETE ON role_user
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER favorite_features_view_epoch_insert AFTER INSERT ON favorite_features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER favorite_features_view_epoch_update AFTER UPDATE ON favorite_features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER favorite_features_view_epoch_delete AFTER DELETE ON favorite_features
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER favorite_projects_view_epoch_insert AFTER INSERT ON favorite_projects
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER favorite_projects_view_epoch_update AFTER UPDATE ON favorite_projects
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER favorite_projects_view_epoch_delete AFTER DELETE ON favorite_projects
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;

CREATE TRIGGER users_view_epoch_update AFTER UPDATE OF username, email, name ON users
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_view_epoch_delete AFTER DELETE ON users
BEGIN UPDATE view_epoch SET value = value + 1 WHERE id = 1; END;
