-- about: CREATE SECRET without PERSISTENT/TEMPORARY is temporary (memory); PERSISTENT goes to the persistent storage
-- probe: s3://bucket/data.parquet s3
-- probe: s3a://bucket/data.parquet s3
CREATE SECRET plain (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
-- => ok
CREATE PERSISTENT SECRET kept (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'eu-west-1', SCOPE 's3://bucket');
-- => ok
CREATE TEMPORARY SECRET short (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'eu-west-2', SCOPE 's3a://bucket');
-- => ok
SELECT name, persistent, storage FROM duckdb_secrets() ORDER BY name;
