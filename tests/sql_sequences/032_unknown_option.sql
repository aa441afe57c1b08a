-- about: an option the type does not have is an error (the existing secret stays)
-- probe: s3://bucket/x s3
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', FOO 1);
-- => error
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', ACCES_KEY 'typo');
-- => error
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', ACCOUNT_ID 'r2-only');
-- => error
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
CREATE OR REPLACE SECRET x (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1', TOKEN 'hf-only');
-- => error
CREATE SECRET y (TYPE gcs, KEY_ID 'G', SECRET 'g', ACCOUNT_ID 'nope');
-- => error
CREATE SECRET z (TYPE huggingface, TOKEN 'hf', KEY_ID 'nope');
-- => error
