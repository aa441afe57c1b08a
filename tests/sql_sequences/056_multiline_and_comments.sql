-- about: statements over several lines, with comments inside them
-- probe: s3://bucket/x s3
CREATE PERSISTENT SECRET ml (
    TYPE s3,               -- the type
    KEY_ID 'AKIA1',
    /* a block comment */ SECRET 's1',
    REGION 'us-east-1',
    SCOPE [
        's3://bucket',
        's3://other'
    ]
);
-- => ok
SELECT name,
       scope
  FROM duckdb_secrets()
 WHERE persistent
 ORDER BY name;
DROP
  PERSISTENT SECRET
  ml;
-- => ok
