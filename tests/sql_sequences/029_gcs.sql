-- about: gcs secrets: default scopes gcs:// and gs://, HMAC keys or a bearer token (redacted)
-- probe: gcs://bucket/file gcs
-- probe: gs://bucket/file gcs
-- probe: s3://bucket/file gcs
CREATE SECRET g1 (TYPE gcs, KEY_ID 'GOOG1', SECRET 'gsec1');
-- => ok
CREATE PERSISTENT SECRET g2 (TYPE gcs, BEARER_TOKEN 'ya29.token');
-- => ok
CREATE SECRET g3 (TYPE GCS, KEY_ID 'GOOG3', SECRET 'gsec3', SCOPE 'gs://bucket', ENDPOINT 'storage.example.com', URL_STYLE 'path');
-- => ok
CREATE SECRET g4 (TYPE gcs, KEY_ID 'GOOG4', SECRET 'gsec4', REGION 'europe-west1', SCOPE ['gcs://bucket/', 's3://bucket']);
-- => ok
SELECT name, scope, secret_string FROM duckdb_secrets() ORDER BY name;
