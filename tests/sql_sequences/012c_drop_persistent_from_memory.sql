-- about: DROP PERSISTENT ... FROM memory: DuckDB goes by the named storage and drops the temporary secret
-- probe: s3://bucket/x s3
CREATE SECRET t (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
CREATE PERSISTENT SECRET t (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1', SCOPE 's3://bucket');
DROP PERSISTENT SECRET t FROM memory;
-- => ok
DROP PERSISTENT SECRET t FROM memory;
-- => error
