-- about: booleans given as keywords, strings and numbers; numbers as values of text fields
-- probe: s3://bucket/x s3
CREATE SECRET b1 (TYPE s3, KEY_ID 'AKIA1', SECRET 's', REGION 'us-east-1', USE_SSL false);
-- => ok
CREATE SECRET b2 (TYPE s3, KEY_ID 'AKIA2', SECRET 's', REGION 'us-east-1', USE_SSL 'false');
-- => ok
CREATE SECRET b3 (TYPE s3, KEY_ID 'AKIA3', SECRET 's', REGION 'us-east-1', USE_SSL '0');
-- => ok
CREATE SECRET b4 (TYPE s3, KEY_ID 'AKIA4', SECRET 's', REGION 'us-east-1', USE_SSL '1', VERIFY_SSL 'f');
-- => ok
CREATE SECRET b5 (TYPE s3, KEY_ID 'AKIA5', SECRET 's', REGION 'us-east-1', USE_SSL true, URL_COMPATIBILITY_MODE 't', REQUESTER_PAYS 'TRUE');
-- => ok
CREATE SECRET n1 (TYPE s3, KEY_ID 42, SECRET 's', REGION 7, ENDPOINT -5, KMS_KEY_ID 1.5, URL_STYLE 'path');
-- => ok
CREATE PERSISTENT SECRET n2 (TYPE s3, KEY_ID 'AKIA6', SECRET 's12345', REGION 'us-east-1', USE_SSL FALSE);
-- => ok
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
