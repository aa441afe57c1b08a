-- about: no field is required as in DuckDB 1.5.5 (coffer used to require KEY_ID, SECRET and REGION for an s3 config secret (pg_duckdb's rules))
-- probe: s3://bucket/x s3
CREATE SECRET bare (TYPE s3);
-- => ok
CREATE SECRET no_region (TYPE s3, KEY_ID 'AKIA1', SECRET 's1');
-- => ok
CREATE PERSISTENT SECRET no_secret (TYPE s3, KEY_ID 'AKIA1', REGION 'us-east-1');
-- => ok
CREATE SECRET (TYPE s3, SCOPE 's3://bucket');
-- => ok
CREATE SECRET complete (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
