-- about: DROP TEMPORARY ... FROM memory is a parser error in DuckDB too, even though the storage is the temporary one
-- probe: s3://bucket/x s3
CREATE SECRET t (TYPE s3, KEY_ID 'AKIA1', SECRET 'sec1', REGION 'us-east-1');
DROP TEMPORARY SECRET t FROM memory;
-- => error
