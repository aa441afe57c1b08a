-- about: DuckDB 1.5.5 takes a secret of every httpfs type with no field at all; so does coffer
-- probe: s3://bucket/x s3
-- probe: r2://bucket/x r2
-- probe: gs://bucket/x gcs
-- probe: hf://datasets/x huggingface
CREATE SECRET s1 (TYPE S3);
-- => ok
CREATE SECRET (TYPE R2);
-- => ok
CREATE SECRET g (TYPE GCS, KEY_ID 'a');
-- => ok
CREATE SECRET hf (TYPE HUGGINGFACE);
-- => ok
CREATE SECRET r2acc (TYPE R2, ACCOUNT_ID 'acc', SCOPE 'r2://bucket');
-- => ok
CREATE SECRET (TYPE S3);
-- => ok
CREATE SECRET (TYPE S3);
-- => error: ^Invalid Input Error: Temporary secret with name '__default_s3' already exists
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
