-- about: values that do not cast to the field's type fail in both; the existing secrets stay
-- probe: s3://bucket/x s3
CREATE SECRET b (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', USE_SSL 'maybe');
-- => error
CREATE SECRET b (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', VERIFY_SSL 'nope');
-- => error
CREATE SECRET b (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', USE_SSL 'on');
-- => error
CREATE SECRET b (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', USE_SSL ' true ');
-- => error
CREATE SECRET b (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', URL_STYLE 'sideways');
-- => ok
CREATE SECRET c (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', USE_SSL 'T');
-- => ok
