-- about: IF NOT EXISTS on an existing name keeps the existing secret untouched
-- probe: s3://bucket/x s3
-- probe: s3://other/x s3
CREATE SECRET keep (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE SECRET IF NOT EXISTS keep (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'eu-west-1', SCOPE 's3://other');
-- => ok
CREATE TEMPORARY SECRET IF NOT EXISTS keep (TYPE gcs, KEY_ID 'GOOG', SECRET 'gsec');
-- => ok
CREATE PERSISTENT SECRET pkeep (TYPE s3, KEY_ID 'AKIA3', SECRET 'sec3', REGION 'us-east-1', SCOPE 's3://other');
CREATE PERSISTENT SECRET IF NOT EXISTS pkeep (TYPE s3, KEY_ID 'AKIA4', SECRET 'sec4', REGION 'us-east-1', SCOPE 's3://');
-- => ok
CREATE SECRET IF NOT EXISTS newone (TYPE s3, KEY_ID 'AKIA5', SECRET 'sec5', REGION 'us-east-1', SCOPE 's3://other/x');
-- => ok
