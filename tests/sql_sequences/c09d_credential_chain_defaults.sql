-- about: the defaults DuckDB 1.5.5's aws extension sets on a credential_chain secret: endpoint s3.amazonaws.com (s3), storage.googleapis.com (gcs), url_style path (gcs, and r2 with or without ACCOUNT_ID)
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
-- probe: r2://bucket/x r2
CREATE SECRET s (TYPE s3, PROVIDER credential_chain);
CREATE SECRET g (TYPE gcs, PROVIDER credential_chain);
CREATE SECRET r (TYPE r2, PROVIDER credential_chain);
CREATE SECRET r_e (TYPE r2, PROVIDER credential_chain, ACCOUNT_ID 'acct', ENDPOINT 'x.example.com', SCOPE 'r2://b2');
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
