-- about: REFRESH 'auto' is kept; DuckDB's refresh_info (which repeats the secret in clear) is not shown by coffer (deliberate difference 12)
-- probe: s3://bucket/x s3
CREATE SECRET fresh (TYPE s3, KEY_ID 'AKIA1', SECRET 'topsecret', REGION 'us-east-1', REFRESH 'auto');
-- => ok
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%refresh=auto%';
CREATE OR REPLACE SECRET fresh (TYPE s3, KEY_ID 'AKIA2', SECRET 'topsecret2', REGION 'us-east-1', REFRESH 'auto', SCOPE 's3://bucket');
