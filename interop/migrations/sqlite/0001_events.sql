-- The engine's event log: one row per accepted command, holding every event it produced.
-- `seq` is the global order and the optimistic-concurrency token: two writers that decided on the
-- same state both try to insert seq = N + 1, and the second one fails and retries on fresh state.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    recorded_at TEXT    NOT NULL,
    command     TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    events      TEXT    NOT NULL
);
