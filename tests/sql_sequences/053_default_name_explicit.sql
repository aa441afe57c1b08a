-- about: a secret explicitly named __default_s3 collides with an unnamed s3 secret; an unnamed secret of another type does not
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
CREATE SECRET __default_s3 (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
CREATE SECRET (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
-- => error
CREATE SECRET (TYPE gcs, KEY_ID 'G', SECRET 'g');
-- => ok
CREATE SECRET __default_gcs_2 (TYPE gcs, KEY_ID 'G2', SECRET 'g2');
-- => ok
CREATE PERSISTENT SECRET (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://bucket/');
-- => ok
DROP PERSISTENT SECRET __default_s3;
-- => ok
