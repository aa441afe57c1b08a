-- about: OR REPLACE of a persistent secret survives a restart; DROP of a persistent secret too
-- probe: s3://bucket/x s3
-- probe: r2://bucket/x r2
CREATE PERSISTENT SECRET p (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
CREATE PERSISTENT SECRET r (TYPE r2, KEY_ID 'R1', SECRET 'r1', ACCOUNT_ID 'acct1');
-- restart
CREATE OR REPLACE PERSISTENT SECRET p (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'eu-central-1', SCOPE 's3://bucket/');
DROP SECRET r;
-- restart
CREATE PERSISTENT SECRET IF NOT EXISTS p (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
-- => ok
CREATE PERSISTENT SECRET r (TYPE r2, KEY_ID 'R2', SECRET 'r2', ACCOUNT_ID 'acct2');
-- => ok
