-- about: an unknown secret type is an error and creates nothing; a missing TYPE too
-- probe: s3://bucket/x s3
CREATE SECRET x (TYPE nope, KEY_ID 'a');
-- => error
CREATE SECRET x (TYPE s4, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => error
CREATE PERSISTENT SECRET x (TYPE 's3x');
-- => error
CREATE SECRET x (KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => error
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
CREATE OR REPLACE SECRET x (TYPE unknown_kind);
-- => error
