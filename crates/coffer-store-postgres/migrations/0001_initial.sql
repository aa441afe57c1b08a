-- coffer's schema on PostgreSQL, version 1: the same tables as the SQLite store's migrations
-- 0001-0006. Text compares byte-wise (COLLATE "C"); names that SQLite compares with NOCASE
-- are unique on lower(name) here, and looked up the same way.

-- Persistent secrets: metadata in clear, sensitive values sealed (envelope encryption).
CREATE TABLE secrets (
    project        TEXT   COLLATE "C" NOT NULL,
    name           TEXT   COLLATE "C" NOT NULL, -- case kept, compared case-insensitively (as DuckDB)
    secret_type    TEXT   NOT NULL,
    provider       TEXT   NOT NULL,
    scopes         TEXT   NOT NULL, -- JSON array
    public_fields  TEXT   NOT NULL, -- JSON object of non-sensitive fields
    sensitive_keys TEXT   NOT NULL, -- JSON array of the sealed value names
    key_id         TEXT   NOT NULL, -- key-encryption key that wrapped the data key
    wrapped_key    BYTEA  NOT NULL CHECK (octet_length(wrapped_key) > 0),
    nonce          BYTEA  NOT NULL,
    ciphertext     BYTEA  NOT NULL CHECK (octet_length(ciphertext) > 0),
    version        BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT   NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT   NOT NULL
);
CREATE UNIQUE INDEX secrets_key ON secrets (project, lower(name));

-- Earlier versions, as sealed as the current one (each opens only with its own version's AAD).
CREATE TABLE secret_versions (LIKE secrets INCLUDING CONSTRAINTS);
CREATE UNIQUE INDEX secret_versions_key ON secret_versions (project, lower(name), version);

CREATE TABLE projects (
    name       TEXT   COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT   NOT NULL
);
CREATE UNIQUE INDEX projects_key ON projects (lower(name));
INSERT INTO projects (name, created_at, created_by)
    VALUES ('default', (extract(epoch FROM now()) * 1000)::bigint, 'coffer');

CREATE TABLE identities (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT    COLLATE "C" NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('user', 'service_account')),
    superuser  BOOLEAN NOT NULL DEFAULT false,
    project    TEXT    COLLATE "C", -- a service account's project, whose admins manage it
    created_at BIGINT  NOT NULL,
    created_by TEXT    NOT NULL
);
CREATE UNIQUE INDEX identities_name ON identities (lower(name));

CREATE TABLE tokens (
    id           BIGSERIAL PRIMARY KEY,
    public_id    TEXT   COLLATE "C" NOT NULL UNIQUE,
    identity_id  BIGINT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    name         TEXT   COLLATE "C" NOT NULL,
    hash         BYTEA  NOT NULL, -- SHA-256 of the whole token; the token itself is never stored
    created_at   BIGINT NOT NULL,
    created_by   TEXT   NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX tokens_name ON tokens (lower(name));

CREATE TABLE grants (
    project     TEXT   COLLATE "C" NOT NULL,
    identity_id BIGINT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    role        TEXT   NOT NULL CHECK (role IN ('admin', 'write', 'use', 'read')),
    granted_at  BIGINT NOT NULL,
    granted_by  TEXT   NOT NULL
);
CREATE UNIQUE INDEX grants_key ON grants (lower(project), identity_id);

CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT   NOT NULL,
    token_name TEXT,
    project    TEXT   COLLATE "C" NOT NULL,
    object     TEXT   COLLATE "C" NOT NULL,
    action     TEXT   NOT NULL,
    result     TEXT   NOT NULL,
    client     TEXT   NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_events_project_at ON audit_events (project, at);

-- Bumped in every transaction that changes a secret, project, identity, token or grant (not
-- by audit events or token use), so caches in every node can tell they are stale. Writers
-- take its row lock first, so such transactions commit one at a time, as on SQLite.
CREATE TABLE meta (
    generation BIGINT NOT NULL
);
INSERT INTO meta (generation) VALUES (0);

-- Flights (jobs), their runs and the runs' logs. Not counted by the generation.
CREATE TABLE flights (
    id         TEXT   COLLATE "C" NOT NULL PRIMARY KEY, -- a UUID
    project    TEXT   COLLATE "C" NOT NULL,
    name       TEXT   COLLATE "C" NOT NULL,
    spec       TEXT   NOT NULL, -- JSON FlightSpec
    version    BIGINT NOT NULL,
    owner      TEXT   NOT NULL,
    owner_id   BIGINT,          -- NULL for a local-mode owner
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_tick  BIGINT           -- the last schedule tick handled
);
CREATE UNIQUE INDEX flights_key ON flights (lower(project), lower(name));

CREATE TABLE flight_runs (
    flight_id        TEXT    COLLATE "C" NOT NULL REFERENCES flights (id) ON DELETE CASCADE,
    run_number       BIGINT  NOT NULL,
    status           TEXT    NOT NULL,
    flight_version   BIGINT  NOT NULL,
    config           TEXT    NOT NULL, -- JSON object, in the order given
    exit_code        INTEGER,
    "trigger"        TEXT    NOT NULL,
    started_by       TEXT    NOT NULL,
    started_at       BIGINT  NOT NULL,
    finished_at      BIGINT,
    message          TEXT,
    runner           TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT false,
    scheduled_for    BIGINT,
    PRIMARY KEY (flight_id, run_number)
);
CREATE INDEX flight_runs_running ON flight_runs (flight_id, run_number) WHERE status = 'running';

CREATE TABLE flight_run_logs (
    flight_id  TEXT   COLLATE "C" NOT NULL,
    run_number BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    stream     TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    data       BYTEA  NOT NULL, -- masked output, not necessarily UTF-8
    PRIMARY KEY (flight_id, run_number, seq),
    FOREIGN KEY (flight_id, run_number) REFERENCES flight_runs (flight_id, run_number) ON DELETE CASCADE
);

-- The `coffer serve` nodes on this database and their heartbeats.
CREATE TABLE nodes (
    id           TEXT   COLLATE "C" NOT NULL PRIMARY KEY, -- host:pid, the runner of its runs
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    url          TEXT   NOT NULL
);
