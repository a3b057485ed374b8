-- The token side's own database (a separate file from the event log): assertion ids already
-- accepted, and the exact cause of every refused token request.
CREATE TABLE seen_jti (
    client_id  TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX seen_jti_expiry ON seen_jti (expires_at);

CREATE TABLE token_failures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    kid        TEXT,
    purpose_id TEXT,
    code       TEXT    NOT NULL,
    detail     TEXT    NOT NULL
);
CREATE INDEX token_failures_client ON token_failures (client_id, id);
