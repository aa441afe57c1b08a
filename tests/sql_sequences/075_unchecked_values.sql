-- about: values DuckDB stores without checking (any URL_STYLE string) are stored the same way
-- probe: s3://bucket/x s3
CREATE SECRET u (TYPE s3, URL_STYLE 'whatever');
-- => ok
CREATE SECRET u2 (TYPE s3, URL_STYLE 'PATH', KEY_ID 'k', SECRET 's');
-- => ok
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
