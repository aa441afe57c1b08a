-- about: default names and default scopes of r2 and gcs secrets
-- probe: r2://bucket/x r2
-- probe: gcs://bucket/x gcs
-- probe: gs://bucket/x gcs
-- probe: s3://bucket/x s3
CREATE SECRET (TYPE r2, KEY_ID 'R2KEY', SECRET 'r2sec', ACCOUNT_ID 'acct123');
-- => ok
CREATE PERSISTENT SECRET (TYPE gcs, KEY_ID 'GOOG1', SECRET 'gsec');
-- => ok
CREATE SECRET (TYPE gcs, KEY_ID 'GOOG2', SECRET 'gsec2');
-- => ok
SELECT name, type, scope FROM duckdb_secrets() ORDER BY name, persistent;
DROP PERSISTENT SECRET __default_gcs;
-- => ok
DROP SECRET __default_r2;
-- => ok
