-- about: duckdb_secrets(redact := true) is the default listing; redact := false is refused in both (DuckDB: disabled by default; coffer: never)
-- probe: s3://bucket/x s3
CREATE SECRET r (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
SELECT name, secret_string FROM duckdb_secrets(redact := true);
SELECT name FROM duckdb_secrets(redact := false);
-- => error
SELECT name FROM duckdb_secrets(true);
-- => error
