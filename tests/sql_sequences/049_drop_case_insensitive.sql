-- about: DROP finds a secret whatever the case of the name (DuckDB lower-cases identifiers)
-- probe: s3://bucket/x s3
CREATE SECRET lowername (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
CREATE PERSISTENT SECRET "UpperName" (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket');
DROP SECRET LOWERNAME;
-- => ok
DROP SECRET uppername;
-- => ok
CREATE SECRET MiXeD (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
DROP TEMPORARY SECRET "MIXED";
-- => ok
