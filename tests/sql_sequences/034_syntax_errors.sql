-- about: syntax errors fail and change nothing; the statements after them still run
-- probe: s3://bucket/x s3
CREATE SECRET before (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
CREATE SECRET s (TYPE s3 KEY_ID 'a');
-- => error
CREAT SECRET s (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => error
CREATE SECRET s TYPE s3;
-- => error
DROP SECRET;
-- => error
CREATE SECRET s (TYPE s3, KEY_ID 'a',);
-- => error
CREATE OR REPLACE SECRET IF NOT EXISTS s (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => error
CREATE SECRET s (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1') extra;
-- => error
DROP SECRET before after;
-- => error
CREATE SECRET after (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
