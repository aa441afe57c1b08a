-- Flights (jobs): their definitions, their runs and the runs' logs. Not counted by the
-- generation (`meta`): no cache holds them.
CREATE TABLE flights (
    id         TEXT    NOT NULL PRIMARY KEY, -- a UUID, stable across renames and updates
    project    TEXT    NOT NULL COLLATE NOCASE,
    name       TEXT    NOT NULL COLLATE NOCASE, -- case kept, compared case-insensitively
    spec       TEXT    NOT NULL, -- JSON FlightSpec
    version    INTEGER NOT NULL,
    owner      TEXT    NOT NULL,
    owner_id   INTEGER,          -- NULL for a local-mode owner
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_tick  INTEGER,          -- the last schedule tick handled
    UNIQUE (project, name)
);

CREATE TABLE flight_runs (
    flight_id        TEXT    NOT NULL REFERENCES flights (id) ON DELETE CASCADE,
    run_number       INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    flight_version   INTEGER NOT NULL,
    config           TEXT    NOT NULL, -- JSON object, in the order given
    exit_code        INTEGER,
    "trigger"        TEXT    NOT NULL,
    started_by       TEXT    NOT NULL,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    message          TEXT,
    runner           TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    scheduled_for    INTEGER,
    PRIMARY KEY (flight_id, run_number)
);
-- The runs still going, for the runner and the concurrency limit.
CREATE INDEX flight_runs_running ON flight_runs (flight_id, run_number) WHERE status = 'running';

CREATE TABLE flight_run_logs (
    flight_id  TEXT    NOT NULL,
    run_number INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    stream     TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    data       BLOB    NOT NULL, -- masked output, not necessarily UTF-8
    PRIMARY KEY (flight_id, run_number, seq),
    FOREIGN KEY (flight_id, run_number) REFERENCES flight_runs (flight_id, run_number) ON DELETE CASCADE
);
