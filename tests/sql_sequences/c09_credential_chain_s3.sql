-- about: PROVIDER credential_chain for s3 (DuckDB's aws extension): no key in the statement; CHAIN 'env', 'config' with PROFILE, REGION, ENDPOINT, URL_STYLE, USE_SSL, SCOPE; a restart keeps a persistent one (DuckDB resolving the chain at CREATE: deliberate difference 14)
-- probe: s3://bucket/x s3
-- probe: s3://other/x s3
CREATE SECRET cc (TYPE s3, PROVIDER credential_chain, ENDPOINT 's3.amazonaws.com');
-- => ok
CREATE PERSISTENT SECRET cc2 (TYPE S3, PROVIDER CREDENTIAL_CHAIN, CHAIN 'env;config', PROFILE 'coffer-test', REGION 'eu-west-1', ENDPOINT 's3.eu-west-1.amazonaws.com', SCOPE 's3://bucket');
-- => ok
CREATE SECRET cc3 (TYPE s3, PROVIDER credential_chain, CHAIN 'config', PROFILE 'coffer-test', ENDPOINT '127.0.0.1:9000', URL_STYLE 'path', USE_SSL false, SCOPE 's3://other/');
-- => ok
CREATE SECRET bad (TYPE s3, PROVIDER no_such_provider);
-- => error: (?i)provider
CREATE SECRET bad (TYPE s3, PROVIDER credential_chain, NOPE 'x');
-- => error: (?i)unknown parameter 'nope'
SELECT name, type, provider, scope FROM duckdb_secrets() ORDER BY name;
CREATE OR REPLACE SECRET cc (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
-- restart
SELECT name, provider, persistent, storage FROM duckdb_secrets() ORDER BY name;
CREATE OR REPLACE PERSISTENT SECRET cc2 (TYPE s3, PROVIDER credential_chain, CHAIN 'env', ENDPOINT 'e.example.com', SCOPE 's3://bucket/deeper');
-- => ok
DROP PERSISTENT SECRET cc2;
-- => ok
