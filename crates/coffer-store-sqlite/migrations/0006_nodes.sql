-- The `coffer serve` processes on this database and their heartbeats: a node whose heartbeat
-- stops is lost, and another node fails the flight runs it was executing.
CREATE TABLE nodes (
    id           TEXT    NOT NULL PRIMARY KEY, -- host:pid, the runner of its flight runs
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    url          TEXT    NOT NULL
);
