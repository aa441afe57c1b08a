-- about: doubled quotes inside string values and scopes; a semicolon inside a string
-- probe: "s3://a'b/x" s3
-- probe: s3://a;b/x s3
CREATE SECRET q (TYPE s3, KEY_ID 'it''s', SECRET 'b''c', REGION 'us-east-1', SCOPE 's3://a''b');
-- => ok
CREATE SECRET semicolon (TYPE s3, KEY_ID 'k;v', SECRET 's', REGION 'us-east-1', SCOPE 's3://a;b');
-- => ok
SELECT name, scope, secret_string FROM duckdb_secrets() ORDER BY name;
