-- about: a number given for a boolean option casts as DuckDB's INTEGER->BOOLEAN cast does (0 false, anything else true)
-- probe: s3://bucket/x s3
CREATE SECRET b0 (TYPE s3, KEY_ID 'AKIA0', SECRET 's', REGION 'us-east-1', USE_SSL 0);
-- => ok
CREATE SECRET b1 (TYPE s3, KEY_ID 'AKIA1', SECRET 's', REGION 'us-east-1', USE_SSL 1, VERIFY_SSL 0);
-- => ok
CREATE SECRET b2 (TYPE s3, KEY_ID 'AKIA2', SECRET 's', REGION 'us-east-1', USE_SSL 2);
-- => ok
CREATE SECRET b3 (TYPE s3, KEY_ID 'AKIA3', SECRET 's', REGION 'us-east-1', USE_SSL 1.5);
-- => ok
