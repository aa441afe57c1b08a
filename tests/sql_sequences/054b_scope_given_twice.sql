-- about: SCOPE given twice: DuckDB keeps the last one (s3://y) like any repeated TYPE/SCOPE/PROVIDER
-- probe: s3://x/1 s3
-- probe: s3://y/1 s3
CREATE SECRET dup_scope (TYPE s3, KEY_ID 'AKIA1', SECRET 's', REGION 'us-east-1', SCOPE 's3://x', SCOPE 's3://y');
