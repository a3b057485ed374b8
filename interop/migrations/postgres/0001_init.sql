-- The engine on PostgreSQL: the same data as the SQLite files, in tables prefixed `interop_` so
-- that the gateway and the engine can share one database and schema. No sequences, advisory locks
-- or LISTEN/NOTIFY: ordering comes from values the engine chooses (`seq`, `created`, UUIDv7 ids).

-- The event log. `seq` is the global order and the optimistic-concurrency token: two instances
-- that decided on the same state both insert seq = N + 1; the primary key lets one win and the
-- other catches up and decides again.
CREATE TABLE interop_events (
    seq         BIGINT PRIMARY KEY,
    recorded_at TEXT   NOT NULL,
    command     TEXT   NOT NULL,
    actor       TEXT   NOT NULL,
    events      TEXT   NOT NULL
);

-- Assertion ids already accepted, per client, until their assertion expires.
CREATE TABLE interop_seen_jti (
    client_id  TEXT   NOT NULL,
    jti        TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX interop_seen_jti_expiry ON interop_seen_jti (expires_at);

-- The exact cause of refused token requests; `id` is a UUIDv7 chosen by the engine:
-- its text sorts in time order across instances.
CREATE TABLE interop_token_failures (
    id         TEXT   PRIMARY KEY,
    at         TEXT   NOT NULL,
    client_id  TEXT   NOT NULL,
    kid        TEXT,
    purpose_id TEXT,
    code       TEXT   NOT NULL,
    detail     TEXT   NOT NULL
);
CREATE INDEX interop_token_failures_client ON interop_token_failures (client_id, id);

-- The voucher signing keys every instance signs with and publishes.
CREATE TABLE interop_signing_keys (
    created     BIGINT PRIMARY KEY,
    private_pem TEXT   NOT NULL
);
