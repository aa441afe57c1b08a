-- Data sources: the databases and lakes a project's DuckDB attaches under a name, with a
-- coffer secret named for their credentials. A definition holds no credential. Counted by the
-- generation (`meta`): every write moves it.
CREATE TABLE sources (
    project     TEXT    COLLATE "C" NOT NULL,
    name        TEXT    COLLATE "C" NOT NULL, -- the catalog name, compared case-insensitively
    source_type TEXT    NOT NULL,
    secret      TEXT,                         -- the secret's name; NULL for a local file
    options     TEXT    NOT NULL,             -- JSON object of text values
    read_only   BOOLEAN NOT NULL,
    version     BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL,
    updated_by  TEXT    NOT NULL
);
CREATE UNIQUE INDEX sources_key ON sources (project, lower(name));
