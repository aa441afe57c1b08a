-- about: AZURE secrets (DuckDB's azure extension), with SCOPE given: connection string (sensitive), account name, credential_chain with CHAIN, service_principal with secret or certificate (c12c), managed_identity, proxy settings (PROXY_PASSWORD sensitive); unknown options refused per provider
-- probe: azure://container/x azure
-- probe: az://container/x azure
-- probe: abfss://container/x azure
CREATE SECRET az1 (TYPE azure, CONNECTION_STRING 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=k', SCOPE 'az://');
-- => ok
CREATE PERSISTENT SECRET az2 (TYPE AZURE, PROVIDER credential_chain, ACCOUNT_NAME 'acct', SCOPE 'azure://container');
-- => ok
CREATE SECRET az3 (TYPE azure, PROVIDER service_principal, TENANT_ID 't', CLIENT_ID 'c', CLIENT_SECRET 'cs', ACCOUNT_NAME 'a', SCOPE 'abfss://');
-- => ok
CREATE SECRET az4 (TYPE azure, NOPE 'x');
-- => error: ^Binder Error: Unknown parameter 'nope' for secret type 'azure'
CREATE SECRET az4 (TYPE azure, PROVIDER credential_chain, CONNECTION_STRING 'x', SCOPE 'az://a');
-- => error
CREATE SECRET az4 (TYPE azure, PROVIDER service_principal, CHAIN 'cli', SCOPE 'az://a');
-- => error
CREATE SECRET az4 (TYPE azure, PROVIDER no_such_provider, SCOPE 'az://a');
-- => error
CREATE SECRET az5 (TYPE azure, PROVIDER credential_chain, CHAIN 'cli;env', ACCOUNT_NAME 'acct5', SCOPE 'az://container5/');
-- => ok
CREATE SECRET az6 (TYPE azure, PROVIDER managed_identity, ACCOUNT_NAME 'acct6', CLIENT_ID 'cid', SCOPE 'azure://container/six');
-- => ok
CREATE SECRET az7 (TYPE azure, PROVIDER managed_identity, OBJECT_ID 'oid', SCOPE 'az://seven');
-- => ok
CREATE SECRET az8 (TYPE azure, ACCOUNT_NAME 'acct8', ENDPOINT 'https://acct8.blob.core.windows.net', HTTP_PROXY 'http://localhost:3128', PROXY_USER_NAME 'john', PROXY_PASSWORD 'doe', SCOPE 'az://eight');
-- => ok
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%AccountKey%' OR secret_string LIKE '%=cs%' OR secret_string LIKE '%doe%';
-- => rows: []
SELECT name, provider, scope FROM duckdb_secrets() WHERE type = 'azure' ORDER BY name;
DROP SECRET az1;
-- => ok
CREATE OR REPLACE PERSISTENT SECRET az2 (TYPE azure, CONNECTION_STRING 'AccountName=y;AccountKey=z', SCOPE 'azure://container');
-- => ok
-- restart
SELECT name, provider, persistent, storage, scope FROM duckdb_secrets() ORDER BY name;
