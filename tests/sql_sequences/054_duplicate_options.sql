-- about: an option given twice is an error; TYPE given twice is not (the last one counts)
-- probe: s3://x/1 s3
-- probe: s3://y/1 s3
-- probe: gs://x/1 gcs
CREATE SECRET dup_key (TYPE s3, KEY_ID 'a', KEY_ID 'b', SECRET 's', REGION 'us-east-1');
-- => error
CREATE SECRET dup_secret (TYPE s3, KEY_ID 'AKIA1', SECRET 's', SECRET 't', REGION 'us-east-1');
-- => error
CREATE SECRET dup_type (TYPE s3, TYPE gcs, KEY_ID 'AKIA2', SECRET 's', REGION 'us-east-1');
SELECT name, type, scope FROM duckdb_secrets() ORDER BY name;
