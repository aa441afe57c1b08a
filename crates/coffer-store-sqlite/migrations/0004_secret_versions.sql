-- Earlier versions of persistent secrets, as sealed as the current one (each opens only with
-- its own version's AAD). The current version stays in `secrets`.
CREATE TABLE secret_versions (
    project        TEXT    NOT NULL,
    name           TEXT    NOT NULL COLLATE NOCASE,
    secret_type    TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    scopes         TEXT    NOT NULL,
    public_fields  TEXT    NOT NULL,
    sensitive_keys TEXT    NOT NULL,
    key_id         TEXT    NOT NULL,
    wrapped_key    BLOB    NOT NULL,
    nonce          BLOB    NOT NULL,
    ciphertext     BLOB    NOT NULL,
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT    NOT NULL,
    PRIMARY KEY (project, name, version)
);
