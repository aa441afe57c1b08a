-- about: IF NOT EXISTS looks only at the storage the secret goes to: a persistent namesake does not stop a temporary one, and the other way round
-- probe: s3://bucket/x s3
CREATE PERSISTENT SECRET twin (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET IF NOT EXISTS twin (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
CREATE TEMPORARY SECRET solo (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'us-east-1', SCOPE 's3://bucket/x');
CREATE PERSISTENT SECRET IF NOT EXISTS solo (TYPE s3, KEY_ID 'AKIA4', SECRET 'sec4', REGION 'us-east-1', SCOPE 's3://bucket/x');
-- => ok
CREATE SECRET IF NOT EXISTS twin (TYPE s3, KEY_ID 'AKIA5', SECRET 'sec5', REGION 'us-east-1');
-- => ok
CREATE PERSISTENT SECRET IF NOT EXISTS twin (TYPE s3, KEY_ID 'AKIA6', SECRET 'sec6', REGION 'us-east-1');
-- => ok
