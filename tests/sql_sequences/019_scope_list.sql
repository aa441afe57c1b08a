-- about: SCOPE ['a', 'b'] gives one secret several scopes; its longest matching scope counts
-- probe: s3://alpha/file s3
-- probe: s3://beta/deep/file s3
-- probe: s3://beta/shallow s3
-- probe: s3://gamma/x s3
CREATE SECRET multi (TYPE s3, KEY_ID 'AKIAM', SECRET 'm', REGION 'us-east-1', SCOPE ['s3://alpha', 's3://beta/deep']);
-- => ok
CREATE SECRET beta (TYPE s3, KEY_ID 'AKIAB', SECRET 'b', REGION 'us-east-1', SCOPE 's3://beta/');
CREATE PERSISTENT SECRET three (TYPE s3, KEY_ID 'AKIA3', SECRET 't', REGION 'us-east-1', SCOPE ['s3://gamma', 's3://alpha/', 's3://beta/deep/']);
SELECT name, scope FROM duckdb_secrets() ORDER BY name;
CREATE OR REPLACE SECRET multi (TYPE s3, KEY_ID 'AKIAM', SECRET 'm', REGION 'us-east-1', SCOPE ['s3://gamma/x']);
