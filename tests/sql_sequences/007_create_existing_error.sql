-- about: creating a name that exists in the same storage fails, in the other storage succeeds
-- probe: s3://b/x s3
CREATE SECRET once (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
CREATE SECRET once (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1');
-- => error
CREATE TEMPORARY SECRET once (TYPE gcs, KEY_ID 'G', SECRET 'g');
-- => error
CREATE PERSISTENT SECRET once (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'us-east-1');
-- => ok
CREATE PERSISTENT SECRET once (TYPE s3, KEY_ID 'AKIA4', SECRET 'sec4', REGION 'us-east-1');
-- => error
CREATE SECRET ONCE (TYPE s3, KEY_ID 'AKIA5', SECRET 'sec5', REGION 'us-east-1');
-- => error
