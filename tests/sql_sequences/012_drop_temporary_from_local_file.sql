-- about: DROP TEMPORARY ... FROM local_file is a parser error in DuckDB ("Can not combine TEMPORARY with specifying a storage")
-- probe: s3://bucket/x s3
CREATE SECRET t (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
CREATE PERSISTENT SECRET t (TYPE s3, KEY_ID 'AKIA2', SECRET 'sec2', REGION 'us-east-1', SCOPE 's3://bucket');
DROP TEMPORARY SECRET t FROM local_file;
-- => error
DROP SECRET t FROM nowhere;
-- => error
