-- about: which_secret() as a statement, with projections and WHERE; unknown types answer nothing
-- probe: s3://bucket/x s3
CREATE SECRET w (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE PERSISTENT SECRET wp (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
SELECT name, storage FROM which_secret('s3://bucket/file.csv', 's3');
SELECT * FROM which_secret('s3://elsewhere/file.csv', 's3');
SELECT persistent FROM which_secret('s3://elsewhere/file.csv', 's3') WHERE persistent = 'PERSISTENT';
SELECT * FROM which_secret('s3://bucket/file.csv', 'gcs');
