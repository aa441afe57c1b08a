-- about: the type of a numeric expression column (length(scope)) is BIGINT in DuckDB
-- probe: s3://bucket/x s3
SELECT name, length(scope) AS n FROM duckdb_secrets();
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE ['s3://a', 's3://b']);
SELECT name, length(scope) AS n FROM duckdb_secrets();
