-- about: no listing ever shows a sensitive value: HTTP_PROXY_PASSWORD and REFRESH's refresh_info (which DuckDB 1.5.5 prints in clear) included
-- mode: coffer-only
-- coffer-only because it checks coffer's own answers unnormalised (deliberate difference 12: DuckDB prints HTTP_PROXY_PASSWORD and refresh_info in clear) and that duckdb_secrets(redact := false) is refused, which DuckDB allows
-- probe: s3://bucket/x s3
CREATE SECRET proxied (TYPE s3, KEY_ID 'AKIA1', SECRET 'topsecret1', REGION 'us-east-1', HTTP_PROXY 'http://proxy:3128', HTTP_PROXY_USERNAME 'puser', HTTP_PROXY_PASSWORD 'ppass', SESSION_TOKEN 'sess-tok');
-- => secrets:
-- | ["proxied", "s3", "config", false, "memory", ["s3://", "s3n://", "s3a://"], "name=proxied;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;http_proxy=http://proxy:3128;http_proxy_password=redacted;http_proxy_username=puser;key_id=AKIA1;region=us-east-1;secret=redacted;session_token=redacted"]
-- => which: [["proxied", "TEMPORARY", "memory"]]
CREATE PERSISTENT SECRET fresh (TYPE s3, KEY_ID 'AKIA2', SECRET 'topsecret2', REGION 'us-east-1', REFRESH 'auto', SCOPE 's3://bucket');
-- => secrets:
-- | ["proxied", "s3", "config", false, "memory", ["s3://", "s3n://", "s3a://"], "name=proxied;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;http_proxy=http://proxy:3128;http_proxy_password=redacted;http_proxy_username=puser;key_id=AKIA1;region=us-east-1;secret=redacted;session_token=redacted"]
-- | ["fresh", "s3", "config", true, "coffer", ["s3://bucket"], "name=fresh;type=s3;provider=config;serializable=true;scope=s3://bucket;key_id=AKIA2;refresh=auto;region=us-east-1;secret=redacted"]
-- => which: [["fresh", "PERSISTENT", "coffer"]]
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%ppass%' OR secret_string LIKE '%topsecret%' OR secret_string LIKE '%sess-tok%';
-- => rows: []
SELECT * FROM duckdb_secrets(redact := false);
-- => error: never shows
-- restart
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%topsecret%';
-- => rows: []
