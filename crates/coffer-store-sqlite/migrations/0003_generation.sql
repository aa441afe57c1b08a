-- A counter bumped in every transaction that changes a secret, project, identity, token or
-- grant (not by audit events or token use), so caches in every process can tell they are stale.
CREATE TABLE meta (
    generation INTEGER NOT NULL
);
INSERT INTO meta (generation) VALUES (0);
