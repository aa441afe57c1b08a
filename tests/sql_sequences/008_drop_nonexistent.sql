-- about: dropping what does not exist: an error without IF EXISTS, a no-op with it, in every storage form
-- probe: s3://b/x s3
CREATE SECRET present (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
DROP SECRET absent;
-- => error
DROP SECRET IF EXISTS absent;
-- => ok
DROP TEMPORARY SECRET absent;
-- => error
DROP TEMPORARY SECRET IF EXISTS absent;
-- => ok
DROP PERSISTENT SECRET absent;
-- => error
DROP PERSISTENT SECRET IF EXISTS absent;
-- => ok
DROP SECRET absent FROM local_file;
-- => error
DROP SECRET IF EXISTS absent FROM local_file;
-- => duckdb_fails: IO Error: Failed to remove secret file
DROP SECRET present;
-- => ok
DROP SECRET present;
-- => error
DROP SECRET IF EXISTS present;
-- => ok
