-- about: WHERE with LIKE, ILIKE, IN, IS NULL, BETWEEN, list_contains, starts_with, lower/upper, length and ||
-- probe: s3://bucket/x s3
CREATE SECRET prod_s3 (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://prod');
CREATE SECRET dev_s3 (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE ['s3://dev', 's3://dev2']);
CREATE PERSISTENT SECRET prod_gcs (TYPE gcs, KEY_ID 'G', SECRET 'g');
SELECT name FROM duckdb_secrets() WHERE name LIKE 'prod%' ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE name ILIKE 'PROD\_%' ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE name NOT LIKE '%s3' ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE type IN ('gcs', 'r2') ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE type NOT IN ('gcs') ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE list_contains(scope, 's3://dev2') ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE starts_with(secret_string, 'name=prod') ORDER BY name;
SELECT name, upper(type) AS t FROM duckdb_secrets() ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE length(scope) = 2 ORDER BY name;
SELECT name || ':' || type AS label FROM duckdb_secrets() ORDER BY label;
SELECT name FROM duckdb_secrets() WHERE name BETWEEN 'd' AND 'p' ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE provider IS NOT NULL AND type = 's3' ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE contains(secret_string, 'region=us-east-1') ORDER BY name;
SELECT lower(name) AS n FROM duckdb_secrets() WHERE persistent = true;
