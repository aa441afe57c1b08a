-- about: DROP ... FROM local_file / FROM memory name the storage; FROM a storage that lacks the name fails
-- probe: s3://bucket/x s3
CREATE PERSISTENT SECRET both_ways (TYPE s3, KEY_ID 'AKIAP', SECRET 'secp', REGION 'us-east-1');
CREATE SECRET both_ways (TYPE s3, KEY_ID 'AKIAT', SECRET 'sect', REGION 'us-east-1');
DROP SECRET both_ways FROM local_file;
-- => ok
DROP SECRET both_ways FROM local_file;
-- => error
DROP SECRET both_ways FROM memory;
-- => ok
CREATE PERSISTENT SECRET p2 (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1');
DROP SECRET p2 FROM memory;
-- => error
DROP PERSISTENT SECRET p2 FROM local_file;
-- => ok
CREATE PERSISTENT SECRET p3 (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'us-east-1');
DROP SECRET p3 FROM LOCAL_FILE;
-- => ok
