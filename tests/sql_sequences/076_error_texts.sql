-- about: DuckDB's error texts where a script would match on them
-- probe: s3://bucket/x s3
DROP SECRET nope;
-- => error: ^Invalid Input Error: Failed to remove non-existent secret with name 'nope'
DROP TEMPORARY SECRET nope;
-- => error: ^Invalid Input Error: Failed to remove non-existent secret with name 'nope'
DROP PERSISTENT SECRET nope;
-- => error: ^Invalid Input Error: Failed to remove non-existent secret with name 'nope'
CREATE SECRET w (TYPE nope);
-- => error: ^Invalid Input Error: Secret type 'nope' not found
CREATE SECRET w (TYPE s3, PROVIDER nope);
-- => error: ^Invalid Input Error: Secret provider 'nope' not found for type 's3'
CREATE SECRET w (TYPE s3, FOO 'x');
-- => error: ^Binder Error: Unknown parameter 'foo' for secret type 's3'
CREATE PERSISTENT SECRET p1 (TYPE s3);
-- => ok
CREATE PERSISTENT SECRET p1 (TYPE s3);
-- => error: ^Invalid Input Error: Persistent secret with name 'p1' already exists in secret storage
DROP SECRET p1;
-- => ok
