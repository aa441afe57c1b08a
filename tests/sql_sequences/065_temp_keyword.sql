-- about: DuckDB 1.5.5's grammar has no CREATE TEMP SECRET (parser error: syntax error at or near "SECRET")
-- probe: s3://bucket/x s3
CREATE TEMP SECRET t (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => error
