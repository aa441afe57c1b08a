-- about: DuckDB's reserved and type/function keywords cannot name a secret unquoted; quoted they can, and column-name keywords can
-- probe: s3://bucket/x s3
CREATE SECRET select (TYPE s3);
-- => error: (?i)syntax error.*select.*reserved
CREATE SECRET left (TYPE s3);
-- => error: reserved
CREATE SECRET "select" (TYPE s3, SCOPE 's3://bucket');
-- => ok
CREATE SECRET int (TYPE s3);
-- => ok
CREATE SECRET secret (TYPE s3, SCOPE 's3://bucket/');
-- => ok
DROP SECRET select;
-- => error
DROP SECRET "select";
-- => ok
DROP SECRET int;
-- => ok
