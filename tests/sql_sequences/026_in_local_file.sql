-- about: IN LOCAL_FILE makes a secret persistent even without PERSISTENT; IN memory makes it temporary
-- probe: s3://bucket/x s3
CREATE SECRET lf IN LOCAL_FILE (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
CREATE PERSISTENT SECRET lf2 IN local_file (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
-- => ok
CREATE SECRET mem IN memory (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
CREATE TEMPORARY SECRET mem2 IN MEMORY (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1');
-- => ok
CREATE OR REPLACE SECRET lf IN LOCAL_FILE (TYPE s3, KEY_ID 'AKIA5', SECRET 's5', REGION 'us-east-1', SCOPE 's3://bucket/');
-- => ok
CREATE SECRET IF NOT EXISTS lf IN LOCAL_FILE (TYPE s3, KEY_ID 'AKIA6', SECRET 's6', REGION 'us-east-1');
-- => ok
CREATE SECRET IN LOCAL_FILE (TYPE s3, KEY_ID 'AKIA7', SECRET 's7', REGION 'us-east-1');
-- => ok
SELECT name, persistent, storage FROM duckdb_secrets() ORDER BY name;
