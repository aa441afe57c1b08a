-- about: a temporary and a persistent secret of one name; DROP without TEMPORARY/PERSISTENT is ambiguous (even with IF EXISTS)
-- probe: s3://bucket/x s3
-- probe: s3://bucket s3
CREATE PERSISTENT SECRET dup (TYPE s3, KEY_ID 'AKIAP', SECRET 'secp', REGION 'us-east-1', SCOPE 's3://bucket');
CREATE TEMPORARY SECRET dup (TYPE s3, KEY_ID 'AKIAT', SECRET 'sect', REGION 'us-east-1', SCOPE 's3://bucket');
-- => ok
DROP SECRET dup;
-- => error: several storages
DROP SECRET IF EXISTS dup;
-- => error: several storages
DROP TEMPORARY SECRET dup;
-- => ok
DROP SECRET dup;
-- => ok
DROP SECRET dup;
-- => error
