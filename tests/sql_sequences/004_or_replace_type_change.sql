-- about: OR REPLACE may change the type of a secret: the old type's lookups stop finding it
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
-- probe: r2://bucket/x r2
CREATE SECRET shift (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
CREATE OR REPLACE SECRET shift (TYPE gcs, KEY_ID 'GOOG1', SECRET 'gsec1');
-- => ok
CREATE OR REPLACE SECRET shift (TYPE r2, KEY_ID 'R2KEY', SECRET 'r2sec', ACCOUNT_ID 'acct1');
-- => ok
CREATE OR REPLACE PERSISTENT SECRET shift (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1');
-- => ok
