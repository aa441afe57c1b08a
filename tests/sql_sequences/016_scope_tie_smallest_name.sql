-- about: equal scope length in one storage: the smallest name wins (byte order of the lower-cased names)
-- probe: s3://bucket/data/x.parquet s3
-- probe: s3://bucket/other s3
CREATE SECRET gamma (TYPE s3, KEY_ID 'AKIAG', SECRET 'g', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET beta (TYPE s3, KEY_ID 'AKIAB', SECRET 'b', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET alpha (TYPE s3, KEY_ID 'AKIAA', SECRET 'a', REGION 'us-east-1', SCOPE 's3://bucket');
DROP SECRET alpha;
CREATE SECRET "Alpha_2" (TYPE s3, KEY_ID 'AKIAA2', SECRET 'a2', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET longer (TYPE s3, KEY_ID 'AKIAL', SECRET 'l', REGION 'us-east-1', SCOPE 's3://bucket/data');
DROP SECRET longer;
