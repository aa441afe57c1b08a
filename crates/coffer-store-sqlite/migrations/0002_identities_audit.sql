-- Projects, identities, tokens, grants and the audit log (coffer serve).
CREATE TABLE projects (
    name       TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);
-- The default project, and every project that already holds secrets.
INSERT INTO projects (name, created_at, created_by)
    VALUES ('default', CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'coffer');
INSERT OR IGNORE INTO projects (name, created_at, created_by)
    SELECT DISTINCT project, MIN(created_at), 'coffer' FROM secrets GROUP BY project;

CREATE TABLE identities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    kind       TEXT    NOT NULL CHECK (kind IN ('user', 'service_account')),
    superuser  INTEGER NOT NULL DEFAULT 0,
    project    TEXT,            -- a service account's project, whose admins manage it
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id    TEXT    NOT NULL UNIQUE,
    identity_id  INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    hash         BLOB    NOT NULL, -- SHA-256 of the whole token; the token itself is never stored
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE grants (
    project     TEXT    NOT NULL COLLATE NOCASE,
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'write', 'use', 'read')),
    granted_at  INTEGER NOT NULL,
    granted_by  TEXT    NOT NULL,
    PRIMARY KEY (project, identity_id)
);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    token_name TEXT,
    project    TEXT    NOT NULL,
    object     TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    result     TEXT    NOT NULL,
    client     TEXT    NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_events_project_at ON audit_events (project, at);
