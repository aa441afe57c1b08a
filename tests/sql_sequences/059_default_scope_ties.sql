-- about: an explicit scope equal to a default scope ties on length: temporary beats persistent, then the smallest name
-- probe: s3://bucket/x s3
-- probe: s3a://bucket/x s3
CREATE PERSISTENT SECRET explicit_p (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://');
CREATE SECRET zdefault (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
CREATE SECRET adefault (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
DROP SECRET adefault;
DROP SECRET zdefault;
CREATE PERSISTENT SECRET a_p (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1');
