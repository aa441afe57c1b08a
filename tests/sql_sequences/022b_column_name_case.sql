-- about: a column written in another case (SELECT NAME, Type) is named after the table's column in DuckDB (name, type)
-- probe: s3://bucket/x s3
CREATE SECRET x (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
select NAME, Type, Persistent from DUCKDB_SECRETS() order by name;
