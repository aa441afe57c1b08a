-- about: DuckDB 1.5.5's azure extension has an ACCESS_TOKEN provider (the token redacted) and takes RESOURCE_ID with managed_identity; both get the default scopes of every azure secret
-- probe: abfss://fs/x azure
-- probe: az://c/x azure
CREATE SECRET tok (TYPE azure, PROVIDER access_token, ACCESS_TOKEN 'eyJ0eXAi', ACCOUNT_NAME 'acct');
CREATE SECRET mi (TYPE azure, PROVIDER managed_identity, RESOURCE_ID '/subscriptions/s/resourceGroups/g', SCOPE 'az://c/');
CREATE SECRET bad (TYPE azure, PROVIDER access_token, CLIENT_ID 'c');
-- => error
SELECT name, scope, secret_string FROM duckdb_secrets() ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%eyJ0eXAi%';
-- => rows: []
