-- about: AZURE secrets (DuckDB's azure extension, not installed here): connection string (sensitive), credential_chain, service_principal; default scopes azure:// and az://
-- mode: coffer-only
-- probe: azure://container/x azure
-- probe: az://container/x azure
-- probe: abfss://container/x azure
CREATE SECRET az1 (TYPE azure, CONNECTION_STRING 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=k');
-- => ok
-- => secrets:
-- | ["az1", "azure", "config", false, "memory", ["azure://", "az://"], "name=az1;type=azure;provider=config;serializable=true;scope=azure://,az://;connection_string=redacted"]
-- => which: [["az1", "TEMPORARY", "memory"], ["az1", "TEMPORARY", "memory"], null]
CREATE PERSISTENT SECRET az2 (TYPE AZURE, PROVIDER credential_chain, ACCOUNT_NAME 'acct', SCOPE 'azure://container');
-- => ok
-- => secrets:
-- | ["az1", "azure", "config", false, "memory", ["azure://", "az://"], "name=az1;type=azure;provider=config;serializable=true;scope=azure://,az://;connection_string=redacted"]
-- | ["az2", "azure", "credential_chain", true, "coffer", ["azure://container"], "name=az2;type=azure;provider=credential_chain;serializable=true;scope=azure://container;account_name=acct"]
-- => which: [["az2", "PERSISTENT", "coffer"], ["az1", "TEMPORARY", "memory"], null]
CREATE SECRET az3 (TYPE azure, PROVIDER service_principal, TENANT_ID 't', CLIENT_ID 'c', CLIENT_SECRET 'cs', ACCOUNT_NAME 'a', SCOPE 'abfss://');
-- => ok
-- => secrets:
-- | ["az1", "azure", "config", false, "memory", ["azure://", "az://"], "name=az1;type=azure;provider=config;serializable=true;scope=azure://,az://;connection_string=redacted"]
-- | ["az2", "azure", "credential_chain", true, "coffer", ["azure://container"], "name=az2;type=azure;provider=credential_chain;serializable=true;scope=azure://container;account_name=acct"]
-- | ["az3", "azure", "service_principal", false, "memory", ["abfss://"], "name=az3;type=azure;provider=service_principal;serializable=true;scope=abfss://;account_name=a;client_id=c;client_secret=redacted;tenant_id=t"]
-- => which: [["az2", "PERSISTENT", "coffer"], ["az1", "TEMPORARY", "memory"], ["az3", "TEMPORARY", "memory"]]
CREATE SECRET az4 (TYPE azure, NOPE 'x');
-- => error: ^Binder Error: Unknown parameter 'nope' for secret type 'azure'
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%AccountKey%' OR secret_string LIKE '%=cs%';
-- => rows: []
