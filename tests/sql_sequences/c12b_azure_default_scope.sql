-- about: an AZURE secret without SCOPE: DuckDB 1.5.5's azure extension gives it azure://, az://, abfss:// and abfs:// (Blob storage and ADLS), whatever the provider
-- probe: azure://container/x azure
-- probe: az://container/x azure
-- probe: abfss://fs/x azure
-- probe: abfs://fs/x azure
CREATE SECRET az1 (TYPE azure, CONNECTION_STRING 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=k');
CREATE PERSISTENT SECRET az0 (TYPE azure, PROVIDER service_principal, TENANT_ID 't', CLIENT_ID 'c', CLIENT_SECRET 's');
SELECT name, scope FROM duckdb_secrets() ORDER BY name;
DROP SECRET az1;
