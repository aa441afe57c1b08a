-- about: equal scope length across storages: temporary beats persistent, whatever the names; longer scope beats storage
-- probe: s3://bucket/x s3
-- probe: s3://bucket/deep/x s3
CREATE PERSISTENT SECRET aaa (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE TEMPORARY SECRET zzz (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE PERSISTENT SECRET deep (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://bucket/deep');
DROP SECRET zzz;
CREATE TEMPORARY SECRET same (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1', SCOPE 's3://bucket/deep');
CREATE PERSISTENT SECRET same (TYPE s3, KEY_ID 'AKIA5', SECRET 's5', REGION 'us-east-1', SCOPE 's3://bucket/deep');
DROP TEMPORARY SECRET same;
