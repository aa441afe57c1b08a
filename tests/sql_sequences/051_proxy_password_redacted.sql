-- about: HTTP proxy settings; the proxy password is sensitive in coffer (deliberate difference 12: DuckDB prints it)
-- probe: s3://bucket/x s3
CREATE SECRET proxied (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', HTTP_PROXY 'http://proxy:3128', HTTP_PROXY_USERNAME 'puser', HTTP_PROXY_PASSWORD 'ppass');
-- => ok
SELECT name, secret_string FROM duckdb_secrets();
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%http_proxy_username=puser%';
