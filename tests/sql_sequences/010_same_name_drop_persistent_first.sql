-- about: same name in both storages; DROP PERSISTENT removes only the persistent one, then a plain DROP is unambiguous
-- probe: s3://bucket/x s3
CREATE TEMPORARY SECRET dup (TYPE s3, KEY_ID 'AKIAT', SECRET 'sect', REGION 'us-east-1', SCOPE 's3://bucket/');
CREATE PERSISTENT SECRET dup (TYPE s3, KEY_ID 'AKIAP', SECRET 'secp', REGION 'us-east-1', SCOPE 's3://bucket/x');
DROP SECRET dup;
-- => error
DROP PERSISTENT SECRET dup;
-- => ok
DROP PERSISTENT SECRET dup;
-- => error
DROP SECRET dup;
-- => ok
