-- about: DuckDB 1.5.5's azure extension redacts a service principal's CLIENT_CERTIFICATE_PATH in duckdb_secrets() (client_certificate_path=redacted)
-- probe: abfss://nine/x azure
CREATE SECRET az9 (TYPE azure, PROVIDER service_principal, TENANT_ID 't', CLIENT_ID 'c', CLIENT_CERTIFICATE_PATH '/tmp/cert.pem', SCOPE 'abfss://nine');
-- => ok
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%cert.pem%';
-- => rows: []
