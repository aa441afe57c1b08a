-- about: a path equal to a scope matches it; a scope longer than the path does not
-- probe: s3://b/x s3
-- probe: s3://b/x/ s3
-- probe: s3://b s3
CREATE SECRET bx (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://b/x');
CREATE SECRET bxs (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 's3://b/x/');
CREATE PERSISTENT SECRET b (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1', SCOPE 's3://b');
