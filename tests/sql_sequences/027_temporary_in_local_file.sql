-- about: TEMPORARY + IN LOCAL_FILE and PERSISTENT + IN memory are errors; an unknown storage is an error
-- probe: s3://bucket/x s3
CREATE TEMPORARY SECRET t IN LOCAL_FILE (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => error
CREATE PERSISTENT SECRET p IN memory (TYPE s3, KEY_ID 'AKIA2', SECRET 's2', REGION 'us-east-1');
-- => error
CREATE SECRET u IN nowhere (TYPE s3, KEY_ID 'AKIA3', SECRET 's3', REGION 'us-east-1');
-- => error
CREATE OR REPLACE TEMPORARY SECRET t IN local_file (TYPE s3, KEY_ID 'AKIA4', SECRET 's4', REGION 'us-east-1');
-- => error
CREATE SECRET ok_one (TYPE s3, KEY_ID 'AKIA5', SECRET 's5', REGION 'us-east-1');
