-- about: ORDER BY with LIMIT and OFFSET, and an empty result
-- probe: s3://bucket/x s3
CREATE SECRET a1 (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://a1');
CREATE SECRET a2 (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://a2');
CREATE SECRET a3 (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://a3');
CREATE PERSISTENT SECRET a4 (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1', SCOPE 's3://a4');
SELECT name FROM duckdb_secrets() ORDER BY name LIMIT 2;
SELECT name FROM duckdb_secrets() ORDER BY name DESC LIMIT 2 OFFSET 1;
SELECT name FROM duckdb_secrets() ORDER BY name LIMIT 10 OFFSET 3;
SELECT name, scope FROM duckdb_secrets() WHERE type = 'gcs' ORDER BY name;
SELECT name FROM duckdb_secrets() ORDER BY name LIMIT 0;
