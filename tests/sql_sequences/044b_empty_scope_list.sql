-- about: SCOPE [] is an error in DuckDB ("Create Secret scope must be of type VARCHAR or LIST(VARCHAR)")
-- probe: s3://bucket/x s3
CREATE SECRET b (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1', SCOPE []);
-- => error
