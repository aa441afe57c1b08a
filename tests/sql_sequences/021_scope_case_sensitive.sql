-- about: scope matching is case-sensitive (scheme and bucket); the type argument of which_secret is not
-- probe: S3://bucket/x s3
-- probe: s3://Bucket/x s3
-- probe: s3://bucket/x s3
-- probe: s3://bucket/x S3
CREATE SECRET upper_b (TYPE s3, KEY_ID 'AKIA1', SECRET 'u', REGION 'us-east-1', SCOPE 's3://Bucket');
CREATE PERSISTENT SECRET lower_b (TYPE s3, KEY_ID 'AKIA2', SECRET 'l', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET dflt (TYPE S3, KEY_ID 'AKIA3', SECRET 'd', REGION 'us-east-1');
