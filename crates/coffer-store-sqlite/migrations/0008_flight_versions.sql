-- Every version of every flight's definition: written in the transaction of the create or
-- update that made it, never changed afterwards, deleted with its flight.
CREATE TABLE flight_versions (
    flight_id  TEXT    NOT NULL REFERENCES flights (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    spec       TEXT    NOT NULL, -- JSON FlightSpec, as in flights
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    PRIMARY KEY (flight_id, version)
);

-- A version is immutable: no statement may change one.
CREATE TRIGGER flight_versions_immutable BEFORE UPDATE ON flight_versions
BEGIN
    SELECT RAISE(ABORT, 'flight versions are immutable');
END;

-- Existing flights: only their current version is known (the content of the earlier ones was
-- never kept), written by the actor of their latest create or update in the audit log, else
-- their owner. The same statement as VERSION_BACKFILL in coffer-store (keep them alike).
INSERT INTO flight_versions (flight_id, version, spec, created_at, created_by)
SELECT f.id, f.version, f.spec, f.updated_at, COALESCE((SELECT a.actor FROM audit_events a
    WHERE a.project = f.project AND a.object = 'flight:' || f.name
    AND a.action IN ('flight.create', 'flight.update') AND a.result = 'ok' ORDER BY a.id DESC LIMIT 1), f.owner)
FROM flights f WHERE NOT EXISTS (SELECT 1 FROM flight_versions v WHERE v.flight_id = f.id);
