-- about: which_secret only considers secrets of the asked type
-- probe: s3://b/long/prefix/x s3
-- probe: s3://b/long/prefix/x r2
-- probe: gs://b/x gcs
-- probe: gs://b/x s3
-- probe: s3://b/x huggingface
CREATE SECRET r (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'acct', SCOPE 's3://b/long/prefix');
CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE 's3://b');
CREATE SECRET g (TYPE gcs, KEY_ID 'G', SECRET 'g');
CREATE SECRET sg (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', SCOPE 'gs://b');
CREATE SECRET h (TYPE huggingface, TOKEN 'hf', SCOPE 's3://b');
