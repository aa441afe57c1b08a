-- about: SET allow_persistent_secrets = false refuses CREATE PERSISTENT SECRET in the session (DuckDB takes it only before any secret is used); secret_directory is accepted and unused
-- mode: coffer-only
-- coffer-only because DuckDB 1.5.5 takes these settings only before any secret is used and keeps secret_directory; coffer takes them any time, per session (a deliberate difference, README)
-- probe: s3://bucket/x s3
SET secret_directory = '/tmp/unused';
-- => ok
SET allow_persistent_secrets = false;
-- => ok
CREATE PERSISTENT SECRET p (TYPE s3);
-- => error: ^Invalid Input Error: Persistent secrets are disabled
SET allow_persistent_secrets = true;
-- => ok
