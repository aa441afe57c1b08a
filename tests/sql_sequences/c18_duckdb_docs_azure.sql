-- about: the CREATE SECRET statements of DuckDB's Azure extension page (docs/current/core_extensions/azure.md: config with a connection string or an account name, credential_chain with and without CHAIN, managed_identity, service_principal with a secret or a certificate, a proxy, the logging example's scoped credential_chain), placeholders filled in
-- probe: az://my_container/path/my_file.parquet azure
-- probe: abfss://my_filesystem/path/my_file.csv azure
-- probe: az://myaccount.blob.core.windows.net/path/to/blob.parquet azure
CREATE SECRET secret1 (
    TYPE azure,
    CONNECTION_STRING 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net'
);
-- => ok
CREATE SECRET secret2 (
    TYPE azure,
    PROVIDER config,
    ACCOUNT_NAME 'storage_account_name'
);
-- => ok
CREATE SECRET secret3 (
    TYPE azure,
    PROVIDER credential_chain,
    ACCOUNT_NAME 'storage_account_name'
);
-- => ok
CREATE SECRET secret4 (
    TYPE azure,
    PROVIDER credential_chain,
    CHAIN 'cli;env',
    ACCOUNT_NAME 'storage_account_name'
);
-- => ok
CREATE OR REPLACE SECRET secret1 (
    TYPE AZURE,
    PROVIDER MANAGED_IDENTITY,
    ACCOUNT_NAME 'storage_account_name',
    CLIENT_ID 'used-assigned-managed-identity-client-id'
);
-- => ok
CREATE SECRET azure_spn (
    TYPE azure,
    PROVIDER service_principal,
    TENANT_ID 'tenant_id',
    CLIENT_ID 'client_id',
    CLIENT_SECRET 'client_secret',
    ACCOUNT_NAME 'storage_account_name'
);
-- => ok
CREATE SECRET azure_spn_cert (
    TYPE azure,
    PROVIDER service_principal,
    TENANT_ID 'tenant_id',
    CLIENT_ID 'client_id',
    CLIENT_CERTIFICATE_PATH '/etc/ssl/client_cert.pem',
    ACCOUNT_NAME 'storage_account_name'
);
-- => ok
CREATE SECRET secret5 (
    TYPE azure,
    CONNECTION_STRING 'AccountName=acct;AccountKey=a2V5',
    HTTP_PROXY 'http://localhost:3128',
    PROXY_USER_NAME 'john',
    PROXY_PASSWORD 'doe'
);
-- => ok
CREATE SECRET myaccount (TYPE azure, PROVIDER credential_chain, SCOPE 'az://myaccount.blob.core.windows.net/');
-- => ok
FROM duckdb_secrets() ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%a2V5%' OR secret_string LIKE '%doe%' OR secret_string LIKE '%=client_secret%';
-- => rows: []
