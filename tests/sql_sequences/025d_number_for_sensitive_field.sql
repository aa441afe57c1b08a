-- about: a number or boolean given for a sensitive text field (SECRET 12345) is cast to text, as for public fields (KEY_ID 42)
-- probe: s3://bucket/x s3
CREATE SECRET n1 (TYPE s3, KEY_ID 42, SECRET 12345, REGION 'us-east-1');
-- => ok
CREATE PERSISTENT SECRET n2 (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', SESSION_TOKEN true, REGION 'us-east-1');
-- => ok
