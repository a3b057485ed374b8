-- A sender lists what it sent (`GET /api/v1/messages`): newest first, optionally by the
-- remote-content configuration a message was sent with and by creation time. Two columns serve
-- it: `configuration_id` (`content.third_party_data.configuration_id`, NULL without remote
-- content) and `created_ms` (`created_at` in milliseconds since the Unix epoch: the text of
-- `created_at` varies in width, `...05Z` against `...05.5Z`, so it does not sort as instants).
-- Like 0002, the table is rebuilt so that both sit before `content` and a listing reads neither
-- the markdown nor the JSON.
CREATE TABLE messages_v3 (
    id                TEXT    PRIMARY KEY,
    fiscal_code       TEXT    NOT NULL,
    sender            TEXT    NOT NULL,
    sender_service_id TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    time_to_live      INTEGER NOT NULL,
    feature_level     TEXT    NOT NULL,
    is_read           INTEGER NOT NULL DEFAULT 0,
    is_archived       INTEGER NOT NULL DEFAULT 0,
    subject           TEXT    NOT NULL,
    has_attachments   INTEGER NOT NULL,
    has_precondition  INTEGER NOT NULL,
    created_ms        INTEGER NOT NULL,
    configuration_id  TEXT,
    content           TEXT    NOT NULL
);
INSERT INTO messages_v3
SELECT id, fiscal_code, sender, sender_service_id, created_at, time_to_live, feature_level,
       is_read, is_archived, subject, has_attachments, has_precondition,
       -- julianday reads RFC 3339 with `Z` or an offset; a row it cannot read (the gateway never
       -- wrote one) lists as the epoch rather than stopping the migration.
       coalesce(CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER), 0),
       CASE WHEN json_valid(content)
            THEN json_extract(content, '$.third_party_data.configuration_id') END,
       content
FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v3 RENAME TO messages;
-- A citizen's inbox, newest first, split by archived.
CREATE INDEX messages_inbox ON messages (fiscal_code, is_archived, id DESC);
-- A sender's messages, newest first (scanned backwards), and those of one of its configurations.
CREATE INDEX messages_sent ON messages (sender, created_ms, id);
CREATE INDEX messages_sent_configuration ON messages (sender, configuration_id, created_ms, id);
