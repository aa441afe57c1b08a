-- about: deliberate difference: coffer requires KEY_ID, SECRET and REGION for an s3 config secret (pg_duckdb's rules); DuckDB requires nothing
-- probe: s3://bucket/x s3
CREATE SECRET bare (TYPE s3);
-- => coffer_fails: missing required field 'key_id'
CREATE SECRET no_region (TYPE s3, KEY_ID 'AKIA1', SECRET 's1');
-- => coffer_fails: missing required field 'region'
CREATE PERSISTENT SECRET no_secret (TYPE s3, KEY_ID 'AKIA1', REGION 'us-east-1');
-- => coffer_fails: missing required field 'secret'
CREATE SECRET (TYPE s3, SCOPE 's3://bucket');
-- => coffer_fails: missing required field
CREATE SECRET complete (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
