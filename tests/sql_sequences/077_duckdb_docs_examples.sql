-- about: statements from DuckDB's documentation pages on secrets, S3, GCS, R2 and Hugging Face
-- probe: s3://my-other-bucket/file.parquet s3
-- probe: s3://my-bucket/file.parquet s3
-- probe: gs://bucket/x gcs
-- probe: r2://bucket/x r2
-- probe: hf://datasets/x huggingface
CREATE SECRET my_secret (TYPE s3, KEY_ID 'my_secret_key', SECRET 'my_secret_value', REGION 'my_region');
-- => ok
CREATE SECRET secret1 (TYPE s3, KEY_ID 'AKIAIOSFODNN7EXAMPLE', SECRET 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', REGION 'us-east-1');
-- => ok
CREATE SECRET secret2 (TYPE s3, KEY_ID 'my_secret_key2', SECRET 'my_secret_value2', SCOPE 's3://my-other-bucket');
-- => ok
CREATE SECRET secret3 (TYPE s3, KEY_ID 'my_key', SECRET 'my_secret', SESSION_TOKEN 'my_session_token', REGION 'my_region', ENDPOINT 'my_endpoint', URL_STYLE 'path', USE_SSL false);
-- => ok
CREATE PERSISTENT SECRET my_persistent_secret (TYPE s3, KEY_ID 'my_secret_key', SECRET 'my_secret_value');
-- => ok
FROM which_secret('s3://my-other-bucket/file.parquet', 's3');
CREATE SECRET (TYPE gcs, KEY_ID 'my_key', SECRET 'my_secret');
-- => ok
CREATE SECRET (TYPE r2, KEY_ID 'AKIAIOSFODNN7EXAMPLE', SECRET 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ACCOUNT_ID 'my_account_id');
-- => ok
CREATE SECRET hf_token (TYPE huggingface, TOKEN 'your_hf_token');
-- => ok
CREATE SECRET http_token (TYPE http, BEARER_TOKEN 'my_token');
-- => ok
DROP PERSISTENT SECRET my_persistent_secret;
-- => ok
DROP SECRET my_secret;
-- => ok
