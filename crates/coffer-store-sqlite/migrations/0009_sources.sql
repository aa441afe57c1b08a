-- Data sources: the databases and lakes a project's DuckDB attaches under a name, with a
-- coffer secret named for their credentials. A definition holds no credential. Counted by the
-- generation (`meta`): every write moves it.
CREATE TABLE sources (
    project     TEXT    NOT NULL,
    name        TEXT    NOT NULL COLLATE NOCASE, -- the catalog name, compared case-insensitively
    source_type TEXT    NOT NULL,
    secret      TEXT,                            -- the secret's name; NULL for a local file
    options     TEXT    NOT NULL,                -- JSON object of text values
    read_only   INTEGER NOT NULL CHECK (read_only IN (0, 1)),
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL,
    PRIMARY KEY (project, name)
);
