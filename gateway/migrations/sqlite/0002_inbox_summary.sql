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
       -- A row whose content is not JSON (it could only be read as an error before) keeps an
       -- empty summary rather than stopping the migration, and the gateway with it.
       CASE WHEN json_valid(content) THEN coalesce(json_extract(content, '$.subject'), '') ELSE '' END,
       CASE WHEN json_valid(content)
            THEN coalesce(json_extract(content, '$.third_party_data.has_attachments'), 0) ELSE 0 END,
       CASE WHEN json_valid(content)
            THEN coalesce(json_extract(content, '$.third_party_data.has_precondition'), 'NEVER')
                 IN ('ALWAYS', 'ONCE')
            ELSE 0 END,
       content
FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
-- A citizen's inbox, newest first, split by archived: the listing finds its page in this index
-- and reads the summary columns from the table.
CREATE INDEX messages_inbox ON messages (fiscal_code, is_archived, id DESC);
