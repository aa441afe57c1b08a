-- Persistent secrets: metadata in clear, sensitive values sealed (envelope encryption).
CREATE TABLE secrets (
    project        TEXT    NOT NULL,
    name           TEXT    NOT NULL COLLATE NOCASE, -- case kept, compared case-insensitively (as DuckDB)
    secret_type    TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    scopes         TEXT    NOT NULL, -- JSON array
    public_fields  TEXT    NOT NULL, -- JSON object of non-sensitive fields
    sensitive_keys TEXT    NOT NULL, -- JSON array of the sealed value names
    key_id         TEXT    NOT NULL, -- key-encryption key that wrapped the data key
    wrapped_key    BLOB    NOT NULL,
    nonce          BLOB    NOT NULL,
    ciphertext     BLOB    NOT NULL,
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT    NOT NULL,
    PRIMARY KEY (project, name)
);
