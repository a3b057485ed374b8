-- Remote-content configurations: owned by the tenant that created them.
CREATE TABLE configurations (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX configurations_owner ON configurations (owner, id);

-- Messages. `id` is a ULID (time-ordered); `content` is the JSON of the message content.
CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    fiscal_code       TEXT    NOT NULL,
    sender            TEXT    NOT NULL,
    sender_service_id TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    time_to_live      INTEGER NOT NULL,
    feature_level     TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    is_read           INTEGER NOT NULL DEFAULT 0,
    is_archived       INTEGER NOT NULL DEFAULT 0
);
-- A citizen's inbox, newest first, split by archived: the app's listing reads only this index.
CREATE INDEX messages_inbox ON messages (fiscal_code, is_archived, id DESC);

-- Idempotency keys of submissions: a retried request gets the first answer.
CREATE TABLE idempotency (
    sender       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (sender, key)
);
