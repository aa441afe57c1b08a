-- about: SELECT with projections, aliases, WHERE and ORDER BY over duckdb_secrets()
-- probe: s3://bucket/x s3
CREATE SECRET s_a (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE PERSISTENT SECRET s_b (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE ['s3://a', 's3://b']);
CREATE SECRET g_c (TYPE gcs, KEY_ID 'G', SECRET 'g');
CREATE PERSISTENT SECRET r_d (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'acct');
SELECT name, type FROM duckdb_secrets() WHERE type = 's3' ORDER BY name;
SELECT name AS secret_name, persistent AS p FROM duckdb_secrets() WHERE persistent ORDER BY secret_name DESC;
SELECT name, storage FROM duckdb_secrets() WHERE storage = 'memory' ORDER BY name;
SELECT type, name FROM duckdb_secrets() WHERE NOT persistent AND type <> 'gcs' ORDER BY type, name;
SELECT name FROM duckdb_secrets() WHERE type = 's3' OR type = 'r2' ORDER BY 1 DESC;
SELECT * FROM duckdb_secrets() WHERE name = 'g_c';
FROM duckdb_secrets() ORDER BY name;
SELECT name, provider, scope FROM duckdb_secrets() ORDER BY persistent DESC, name ASC;
