-- about: which_secret(path, 'no_such_type') answers no row in DuckDB
-- probe: s3://bucket/x s3
CREATE SECRET w (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
SELECT * FROM which_secret('s3://bucket/file.csv', 'no_such_type');
-- => ok
