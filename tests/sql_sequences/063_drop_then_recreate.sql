-- about: a dropped name can be reused, in another storage and with another type
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
CREATE PERSISTENT SECRET reuse (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
DROP SECRET reuse;
CREATE SECRET reuse (TYPE gcs, KEY_ID 'G', SECRET 'g');
-- => ok
DROP SECRET reuse;
CREATE PERSISTENT SECRET reuse (TYPE gcs, KEY_ID 'G2', SECRET 'g2', SCOPE 'gs://bucket');
-- => ok
-- restart
DROP SECRET reuse;
-- => ok
CREATE SECRET reuse (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
-- => ok
