-- about: OR REPLACE PERSISTENT when only a temporary namesake exists creates a second secret; OR REPLACE (temporary) replaces only the temporary one
-- probe: s3://bucket/x s3
-- probe: s3://bucket/y/z s3
CREATE SECRET n (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket/x');
CREATE OR REPLACE PERSISTENT SECRET n (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket/y');
-- => ok
CREATE OR REPLACE SECRET n (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://bucket/');
-- => ok
CREATE OR REPLACE PERSISTENT SECRET n (TYPE gcs, KEY_ID 'G', SECRET 'g');
-- => ok
SELECT name, type, persistent, scope FROM duckdb_secrets() ORDER BY persistent;
