-- about: PROVIDER config is the default and may be written; an unknown provider is an error
-- probe: s3://bucket/x s3
CREATE SECRET c1 (TYPE s3, PROVIDER config, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
CREATE SECRET c2 (TYPE s3, PROVIDER 'CONFIG', KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
CREATE SECRET c3 (TYPE s3, PROVIDER magic, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
-- => error
CREATE SECRET c4 (TYPE gcs, PROVIDER Config, KEY_ID 'G', SECRET 'g');
-- => ok
SELECT name, provider FROM duckdb_secrets() ORDER BY name;
