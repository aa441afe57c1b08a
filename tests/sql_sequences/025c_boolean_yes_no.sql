-- about: DuckDB's VARCHAR->BOOLEAN cast also takes 'yes'/'no'/'y'/'n' (any case)
-- probe: s3://bucket/x s3
CREATE SECRET y1 (TYPE s3, KEY_ID 'AKIA1', SECRET 's', REGION 'us-east-1', USE_SSL 'yes');
-- => ok
CREATE SECRET y2 (TYPE s3, KEY_ID 'AKIA2', SECRET 's', REGION 'us-east-1', USE_SSL 'NO');
-- => ok
CREATE SECRET y3 (TYPE s3, KEY_ID 'AKIA3', SECRET 's', REGION 'us-east-1', USE_SSL 'y', VERIFY_SSL 'n');
-- => ok
