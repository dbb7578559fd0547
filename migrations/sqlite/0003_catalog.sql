-- The flag catalog: built-in strategy definitions, context fields and tag types, plus
-- the columns the catalog's Admin API needs. Built-ins mirror a fresh Unleash install; the
-- deprecated gradualRollout* strategies are kept because SDKs still evaluate them.

ALTER TABLE strategies ADD COLUMN display_name TEXT;
ALTER TABLE tag_types ADD COLUMN color TEXT;
CREATE UNIQUE INDEX segments_name_idx ON segments (name);

INSERT INTO strategies (name, display_name, description, parameters, built_in, deprecated, sort_order, created_at) VALUES
 ('flexibleRollout', 'Gradual rollout', 'Roll out to a percentage of your userbase, and ensure that the experience is the same for the user on each visit.', '[{"name":"rollout","type":"percentage","description":"","required":false},{"name":"stickiness","type":"string","description":"Used define stickiness. Possible values: default, userId, sessionId, random","required":true},{"name":"groupId","type":"string","description":"Used to define a activation groups, which allows you to correlate across feature toggles.","required":true}]', 1, 0, 0, '2026-01-01T00:00:00+00:00'),
 ('default', 'Standard', 'This strategy turns on / off for your entire userbase. Prefer using "Gradual rollout" strategy (100%=on, 0%=off).', '[]', 1, 0, 1, '2026-01-01T00:00:00+00:00'),
 ('userWithId', 'UserIDs', 'Enable the feature for a specific set of userIds. Prefer using "Gradual rollout" strategy with user id constraints.', '[{"name":"userIds","type":"list","description":"","required":false}]', 1, 1, 2, '2026-01-01T00:00:00+00:00'),
 ('remoteAddress', 'IPs', 'Enable the feature for a specific set of IP addresses.', '[{"name":"IPs","type":"list","description":"List of IPs to enable the feature toggle for.","required":true}]', 1, 0, 3, '2026-01-01T00:00:00+00:00'),
 ('applicationHostname', 'Hosts', 'Enable the feature for a specific set of hostnames.', '[{"name":"hostNames","type":"list","description":"List of hostnames to enable the feature toggle for.","required":false}]', 1, 0, 4, '2026-01-01T00:00:00+00:00'),
 ('gradualRolloutRandom', NULL, 'Randomly activate the feature toggle. No stickiness.', '[{"name":"percentage","type":"percentage","description":"","required":false}]', 1, 1, 5, '2026-01-01T00:00:00+00:00'),
 ('gradualRolloutSessionId', NULL, 'Gradually activate feature toggle. Stickiness based on session id.', '[{"name":"percentage","type":"percentage","description":"","required":false},{"name":"groupId","type":"string","description":"Used to define a activation groups, which allows you to correlate across feature toggles.","required":true}]', 1, 1, 6, '2026-01-01T00:00:00+00:00'),
 ('gradualRolloutUserId', NULL, 'Gradually activate feature toggle for logged in users. Stickiness based on user id.', '[{"name":"percentage","type":"percentage","description":"","required":false},{"name":"groupId","type":"string","description":"Used to define a activation groups, which allows you to correlate across feature toggles.","required":true}]', 1, 1, 7, '2026-01-01T00:00:00+00:00');

INSERT INTO context_fields (name, description, stickiness, sort_order, legal_values, created_at) VALUES
 ('environment', 'Allows you to constrain on application environment', 0, 0, '[]', '2026-01-01T00:00:00+00:00'),
 ('userId', 'Allows you to constrain on userId', 0, 1, '[]', '2026-01-01T00:00:00+00:00'),
 ('appName', 'Allows you to constrain on application name', 0, 2, '[]', '2026-01-01T00:00:00+00:00'),
 ('currentTime', 'Allows you to constrain on date values', 0, 3, '[]', '2026-01-01T00:00:00+00:00'),
 ('sessionId', 'Allows you to constrain on sessionId', 1, 4, '[]', '2026-01-01T00:00:00+00:00'),
 ('remoteAddress', 'Allows you to constrain on remoteAddress', 0, 5, '[]', '2026-01-01T00:00:00+00:00');

INSERT INTO tag_types (name, description, icon, created_at) VALUES ('simple', 'Used to simplify filtering of features', '#', '2026-01-01T00:00:00+00:00');
