-- about: DROP TEMPORARY of a name that only exists persistently fails (IF EXISTS: no-op), and the reverse
-- probe: s3://bucket/x s3
CREATE PERSISTENT SECRET ponly (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
CREATE TEMPORARY SECRET tonly (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1', SCOPE 's3://bucket');
DROP TEMPORARY SECRET ponly;
-- => error
DROP TEMPORARY SECRET IF EXISTS ponly;
-- => ok
DROP PERSISTENT SECRET tonly;
-- => error
DROP PERSISTENT SECRET IF EXISTS tonly;
-- => ok
DROP PERSISTENT SECRET ponly;
-- => ok
DROP TEMPORARY SECRET tonly;
-- => ok
