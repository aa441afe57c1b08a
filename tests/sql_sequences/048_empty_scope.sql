-- about: SCOPE '' matches every path (score 0) and loses to any real match
-- probe: gs://not-s3/x s3
-- probe: s3://b/x s3
-- probe: '' s3
CREATE SECRET e (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE '');
-- => ok
CREATE PERSISTENT SECRET d (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
CREATE SECRET m (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE ['', 's3://b/']);
SELECT name, scope FROM duckdb_secrets() ORDER BY name;
DROP SECRET m;
DROP SECRET e;
