-- about: deliberate difference: coffer names match [A-Za-z0-9._-]{1,128}; DuckDB takes any quoted identifier
-- probe: s3://bucket/x s3
CREATE SECRET "my secret" (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
-- => coffer_fails: invalid secret name
CREATE TEMPORARY SECRET "a/b" (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
-- => coffer_fails: invalid secret name
CREATE SECRET "ok.name-1_x" (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
-- => ok
