-- about: a temporary and a persistent secret of one name and different types answer different lookups
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
-- probe: r2://bucket/x r2
CREATE SECRET multi (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
CREATE PERSISTENT SECRET multi (TYPE gcs, KEY_ID 'G', SECRET 'g');
-- => ok
CREATE OR REPLACE SECRET multi (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'acct');
-- => ok
DROP PERSISTENT SECRET multi;
-- => ok
DROP SECRET multi;
-- => ok
