-- The PostgreSQL schema: the same tables, columns and meaning as the SQLite migrations reach
-- (0001_init + 0002_inbox_summary), written once in its final form. Plain tables, B-tree
-- indexes, no sequences, triggers or extensions, so PostgreSQL-compatible distributed databases
-- run it too. Ids and fiscal codes compare byte by byte (COLLATE "C"): ULIDs sort by time that
-- way whatever the database's default collation, and the inbox pages by id.

-- Remote-content configurations: owned by the tenant that created them. `body` is the JSON of
-- the configuration.
CREATE TABLE configurations (
    id         TEXT COLLATE "C" PRIMARY KEY,
    owner      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX configurations_owner ON configurations (owner, id);

-- Messages. `id` is a ULID (time-ordered, made by the gateway instance that accepted it);
-- subject and flags are the inbox summary, `content` the JSON of the whole message content.
CREATE TABLE messages (
    id                TEXT COLLATE "C" PRIMARY KEY,
    fiscal_code       TEXT COLLATE "C" NOT NULL,
    sender            TEXT    NOT NULL,
    sender_service_id TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    time_to_live      BIGINT  NOT NULL,
    feature_level     TEXT    NOT NULL,
    is_read           BOOLEAN NOT NULL DEFAULT FALSE,
    is_archived       BOOLEAN NOT NULL DEFAULT FALSE,
    subject           TEXT    NOT NULL,
    has_attachments   BOOLEAN NOT NULL,
    has_precondition  BOOLEAN NOT NULL,
    content           TEXT    NOT NULL
);
-- A citizen's inbox, newest first, split by archived.
CREATE INDEX messages_inbox ON messages (fiscal_code, is_archived, id DESC);

-- Idempotency keys of submissions: a retried request gets the first answer. The primary key is
-- what makes a key hold across instances (INSERT ... ON CONFLICT DO NOTHING).
CREATE TABLE idempotency (
    sender       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (sender, key)
);
