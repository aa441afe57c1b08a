-- about: the longest matching scope wins; default scopes lose to explicit ones; a secret without a match does not answer
-- probe: s3://b/x/y/file.parquet s3
-- probe: s3://b/x/z/file.parquet s3
-- probe: s3://b/q/file.parquet s3
-- probe: s3://c/file.parquet s3
-- probe: gs://b/x/file s3
CREATE SECRET d (TYPE s3, KEY_ID 'AKIAD', SECRET 'd', REGION 'us-east-1');
CREATE SECRET b (TYPE s3, KEY_ID 'AKIAB', SECRET 'b', REGION 'us-east-1', SCOPE 's3://b');
CREATE PERSISTENT SECRET bx (TYPE s3, KEY_ID 'AKIAX', SECRET 'x', REGION 'us-east-1', SCOPE 's3://b/x');
CREATE SECRET bxy (TYPE s3, KEY_ID 'AKIAY', SECRET 'y', REGION 'us-east-1', SCOPE 's3://b/x/y');
DROP SECRET d;
DROP SECRET bx;
DROP SECRET b;
