-- about: scopes are plain byte prefixes: s3://bkt matches s3://bkt2/x; a trailing slash makes a boundary
-- probe: s3://bkt2/x s3
-- probe: s3://bkt/x s3
-- probe: s3://bk s3
CREATE PERSISTENT SECRET anything (TYPE s3, KEY_ID 'AKIA0', SECRET 'a', REGION 'us-east-1');
CREATE SECRET bkt (TYPE s3, KEY_ID 'AKIA1', SECRET 'b', REGION 'us-east-1', SCOPE 's3://bkt');
CREATE OR REPLACE SECRET bkt (TYPE s3, KEY_ID 'AKIA1', SECRET 'b', REGION 'us-east-1', SCOPE 's3://bkt/');
CREATE SECRET exact (TYPE s3, KEY_ID 'AKIA2', SECRET 'e', REGION 'us-east-1', SCOPE 's3://bk');
