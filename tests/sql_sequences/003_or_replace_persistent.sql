-- about: OR REPLACE on a persistent secret, and OR REPLACE of one storage leaves the other alone
-- probe: s3://bucket/x s3
CREATE PERSISTENT SECRET p (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE OR REPLACE PERSISTENT SECRET p (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'ap-south-1', SCOPE 's3://bucket/');
-- => ok
CREATE OR REPLACE SECRET p (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'us-east-1', SCOPE 's3://bucket/');
-- => ok
CREATE OR REPLACE PERSISTENT SECRET p (TYPE s3, KEY_ID 'AKIA4', SECRET 'sec4', REGION 'us-east-2', SCOPE 's3://bucket/x');
-- => ok
