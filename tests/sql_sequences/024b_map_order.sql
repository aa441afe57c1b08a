-- about: a MAP with several entries keeps the order written, in the secret string too ({X-B=c, A=x})
-- probe: s3://bucket/x s3
CREATE SECRET two (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket', EXTRA_HTTP_HEADERS MAP {'X-B': 'c', 'A': 'x'});
-- => ok
SELECT name, secret_string FROM duckdb_secrets();
