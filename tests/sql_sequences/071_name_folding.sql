-- about: DuckDB lower-cases every secret name, quoted or not; coffer folds the same way, so names compare exactly
-- probe: s3://bucket-a/x s3
-- probe: s3://bucket-b/x s3
CREATE SECRET MySecret (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', SCOPE 's3://bucket-a');
-- => ok
CREATE PERSISTENT SECRET "QuotedName" (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', SCOPE 's3://bucket-b');
-- => ok
SELECT name FROM duckdb_secrets() ORDER BY name;
-- => rows: [["mysecret"], ["quotedname"]]
SELECT * FROM duckdb_secrets() WHERE name = 'mysecret';
CREATE SECRET MYSECRET (TYPE s3);
-- => error: already exists
DROP SECRET MYSECRET;
-- => ok
DROP PERSISTENT SECRET quotedname;
-- => ok
