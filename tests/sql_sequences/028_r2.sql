-- about: r2 secrets: default scope r2://, endpoint derived from ACCOUNT_ID, url_style path, all in the secret string
-- probe: r2://bucket/file.parquet r2
-- probe: s3://bucket/file.parquet r2
-- probe: r2://bucket/file.parquet s3
CREATE SECRET r2a (TYPE r2, KEY_ID 'R2KEY', SECRET 'r2sec', ACCOUNT_ID 'my-account');
-- => ok
CREATE PERSISTENT SECRET r2b (TYPE R2, KEY_ID 'R2KEY2', SECRET 'r2sec2', ACCOUNT_ID 'acct2', SCOPE 'r2://bucket');
-- => ok
CREATE SECRET r2c (TYPE r2, KEY_ID 'R2KEY3', SECRET 'r2sec3', ACCOUNT_ID 'acct3', ENDPOINT 'custom.example.com', URL_STYLE 'vhost', SCOPE 'r2://bucket/');
-- => ok
CREATE SECRET r2d (TYPE r2, KEY_ID 'R2KEY4', SECRET 'r2sec4', ACCOUNT_ID 'acct4', REGION 'auto', USE_SSL false, SCOPE 's3://bucket');
-- => ok
SELECT name, type, provider, scope, secret_string FROM duckdb_secrets() WHERE type = 'r2' ORDER BY name;
