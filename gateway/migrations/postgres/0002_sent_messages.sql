-- A sender lists what it sent (`GET /api/v1/messages`): newest first, optionally by the
-- remote-content configuration a message was sent with and by creation time. The same columns
-- as the SQLite migration 0003: `configuration_id` (`content.third_party_data.configuration_id`,
-- NULL without remote content) and `created_ms` (`created_at` in milliseconds since the Unix
-- epoch: the text of `created_at` varies in width, so it does not sort as instants).
ALTER TABLE messages ADD COLUMN configuration_id TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN created_ms BIGINT;
UPDATE messages SET
    configuration_id = content::jsonb #>> '{third_party_data,configuration_id}',
    created_ms = floor(extract(epoch FROM created_at::timestamptz) * 1000)::bigint;
ALTER TABLE messages ALTER COLUMN created_ms SET NOT NULL;
-- A sender's messages, newest first (scanned backwards), and those of one of its configurations.
CREATE INDEX messages_sent ON messages (sender, created_ms, id);
CREATE INDEX messages_sent_configuration ON messages (sender, configuration_id, created_ms, id);
