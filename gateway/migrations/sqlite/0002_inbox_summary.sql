-- The inbox lists a message by its summary: subject and flags get their own columns, placed
-- before `content` (up to ~10 KB of JSON, often in overflow pages), so listing a page reads
-- neither the markdown nor the JSON. The table is rebuilt to put the columns in that order.
CREATE TABLE messages_v2 (
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
    content           TEXT    NOT NULL
);
INSERT INTO messages_v2
SELECT id, fiscal_code, sender, sender_service_id, created_at, time_to_live, feature_level,
       is_read, is_archived,
       json_extract(content, '$.subject'),
       coalesce(json_extract(content, '$.third_party_data.has_attachments'), 0),
       coalesce(json_extract(content, '$.third_party_data.has_precondition'), 'NEVER') IN ('ALWAYS', 'ONCE'),
       content
FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
-- A citizen's inbox, newest first, split by archived: the app's listing reads only this index.
CREATE INDEX messages_inbox ON messages (fiscal_code, is_archived, id DESC);
