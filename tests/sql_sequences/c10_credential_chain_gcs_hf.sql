-- about: PROVIDER credential_chain for gcs (DuckDB's aws extension) and huggingface (httpfs) needs nothing; huggingface's takes no option
-- probe: gs://bucket/x gcs
-- probe: hf://datasets/x huggingface
CREATE SECRET gcc (TYPE gcs, PROVIDER credential_chain, ENDPOINT 'storage.googleapis.com', URL_STYLE 'path');
-- => ok
CREATE SECRET (TYPE huggingface, PROVIDER credential_chain);
-- => ok
CREATE SECRET hf2 (TYPE huggingface, PROVIDER credential_chain, TOKEN 'x');
-- => error: (?i)unknown parameter 'token'
CREATE PERSISTENT SECRET gcc2 (TYPE GCS, PROVIDER CREDENTIAL_CHAIN, CHAIN 'config', PROFILE 'coffer-test', ENDPOINT 'gcs.example.com', URL_STYLE 'vhost', SCOPE 'gs://bucket/');
-- => ok
SELECT name, type, provider, persistent, scope FROM duckdb_secrets() ORDER BY name;
DROP SECRET gcc;
-- => ok
