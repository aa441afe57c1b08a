-- about: option values that are constant expressions, evaluated as DuckDB evaluates them (getvariable, ||, casts, functions)
-- probe: s3://b/x s3
SET VARIABLE key_var = 'AKIA-from-var';
CREATE SECRET v (TYPE s3, KEY_ID getvariable('key_var'), SECRET 'sec' || 'ret', REGION CAST(5 AS VARCHAR), USE_SSL 'false'::BOOLEAN);
-- => ok
CREATE SECRET w (TYPE s3, KEY_ID upper('ab'), REGION 1 + 1, SCOPE 's3://' || 'b');
-- => ok
CREATE SECRET x (TYPE s3, KEY_ID (SELECT 'a'));
-- => error: subqueries
CREATE SECRET y (TYPE s3, USE_SSL 'maybe'::VARCHAR);
-- => error
SELECT name, scope, secret_string FROM duckdb_secrets() ORDER BY name;
