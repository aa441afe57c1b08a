-- about: which_secret follows creates and drops step by step
-- probe: s3://bucket/a/b/c.parquet s3
-- probe: s3://bucket/a/z.parquet s3
CREATE SECRET top (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE PERSISTENT SECRET mid (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket/a');
CREATE SECRET deep (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://bucket/a/b');
DROP SECRET mid;
CREATE SECRET mid (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1', SCOPE 's3://bucket/a/');
DROP SECRET deep;
DROP SECRET top;
DROP SECRET mid;
