-- about: MAP values (EXTRA_HTTP_HEADERS) are kept in order and shown in the secret string
-- probe: s3://bucket/x s3
CREATE SECRET headers (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', EXTRA_HTTP_HEADERS MAP {'X-A': 'b'});
-- => ok
CREATE SECRET two (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket', EXTRA_HTTP_HEADERS MAP {'X-Request-Id': 'abc-123'});
-- => ok
CREATE PERSISTENT SECRET gh (TYPE gcs, KEY_ID 'G', SECRET 'g', EXTRA_HTTP_HEADERS MAP {'Authorization-Extra': 'tok'});
-- => ok
SELECT name, secret_string FROM duckdb_secrets() WHERE secret_string LIKE '%extra_http_headers%' ORDER BY name;
