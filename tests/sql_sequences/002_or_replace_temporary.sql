-- about: OR REPLACE replaces a temporary secret: new values, new scope, new winner
-- probe: s3://bucket-a/x.parquet s3
-- probe: s3://bucket-b/x.parquet s3
CREATE SECRET rep (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1', SCOPE 's3://bucket-a');
CREATE SECRET other (TYPE s3, KEY_ID 'AKIA9', SECRET 'sec9', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET rep (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1');
-- => error
CREATE OR REPLACE SECRET rep (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-west-2', SCOPE 's3://bucket-b');
-- => ok
CREATE OR REPLACE SECRET rep (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'us-west-2');
-- => ok
CREATE OR REPLACE TEMPORARY SECRET fresh (TYPE s3, KEY_ID 'AKIA4', SECRET 'sec4', REGION 'us-east-1', SCOPE 's3://bucket-');
-- => ok
