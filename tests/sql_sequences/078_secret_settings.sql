-- about: DuckDB's secret settings are taken (set before any secret is used, as DuckDB requires): default_secret_storage, allow_persistent_secrets, secret_directory
-- probe: s3://bucket/x s3
SET default_secret_storage = 'memory';
-- => ok
CREATE PERSISTENT SECRET p (TYPE s3);
-- => error: ^Invalid Input Error: Cannot create persistent secrets in a temporary secret storage
CREATE SECRET t (TYPE s3);
-- => ok
SET default_secret_storage = 'nope';
-- => ok
CREATE PERSISTENT SECRET p2 (TYPE s3);
-- => error: ^Invalid Input Error: Secret storage 'nope' not found
SET default_secret_storage = 'local_file';
-- => ok
CREATE PERSISTENT SECRET p3 (TYPE s3, SCOPE 's3://bucket');
-- => ok
DROP PERSISTENT SECRET p3;
-- => ok
