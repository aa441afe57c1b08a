-- about: after a restart temporary secrets are gone, persistent ones stay (and still win lookups)
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
CREATE SECRET tmp (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE PERSISTENT SECRET keep (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE PERSISTENT SECRET gkeep (TYPE gcs, KEY_ID 'G', SECRET 'g');
-- restart
SELECT name, persistent, storage FROM duckdb_secrets() ORDER BY name;
CREATE SECRET tmp (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
CREATE PERSISTENT SECRET keep (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1');
-- => error
DROP PERSISTENT SECRET gkeep;
-- restart
FROM duckdb_secrets();
DROP SECRET keep;
-- => ok
-- restart
SELECT name FROM duckdb_secrets();
-- => ok
