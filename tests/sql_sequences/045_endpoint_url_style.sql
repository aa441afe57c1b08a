-- about: ENDPOINT, URL_STYLE and friends for S3-compatible stores appear in the secret string
-- probe: s3://minio-bucket/x s3
CREATE SECRET minio (TYPE s3, KEY_ID 'minio', SECRET 'minio123', REGION 'us-east-1', ENDPOINT 'localhost:9000', URL_STYLE 'path', USE_SSL false, SCOPE 's3://minio-bucket');
-- => ok
CREATE SECRET vhost (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', URL_STYLE 'vhost', ENDPOINT 's3.amazonaws.com');
-- => ok
CREATE SECRET tok (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SESSION_TOKEN 'tok', KMS_KEY_ID 'arn:aws:kms:key');
-- => ok
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
