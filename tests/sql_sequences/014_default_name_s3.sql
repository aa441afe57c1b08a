-- about: an unnamed secret is called __default_<type>; a second unnamed one of that type collides; DROP by the default name
-- probe: s3://bucket/x s3
CREATE SECRET (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
-- => ok
CREATE SECRET (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1');
-- => error
CREATE OR REPLACE SECRET (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'eu-west-1');
-- => ok
CREATE SECRET IF NOT EXISTS (TYPE s3, KEY_ID 'AKIA4', SECRET 'sec4', REGION 'eu-west-1');
-- => ok
CREATE PERSISTENT SECRET (TYPE s3, KEY_ID 'AKIA5', SECRET 'sec5', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
DROP SECRET __default_s3;
-- => error
DROP TEMPORARY SECRET __default_s3;
-- => ok
DROP SECRET __default_s3;
-- => ok
