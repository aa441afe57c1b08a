-- about: quoted names; DuckDB lower-cases them, so "MySecret" and mysecret are one name
-- probe: s3://bucket/x s3
CREATE SECRET "MySecret" (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
CREATE SECRET mysecret (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
-- => error
CREATE SECRET "MYSECRET" (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
-- => error
CREATE OR REPLACE SECRET "mySecret" (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1', SCOPE 's3://bucket/');
-- => ok
DROP SECRET "MYSECRET";
-- => ok
CREATE PERSISTENT SECRET "Quoted.Name-1" (TYPE s3, KEY_ID 'AKIA5', SECRET 's5', REGION 'us-east-1');
-- => ok
DROP PERSISTENT SECRET "quoted.name-1";
-- => ok
