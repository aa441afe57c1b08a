-- about: keywords, option names and type names are case-insensitive; values keep their case
-- probe: s3://bucket/x s3
-- probe: gs://bucket/x gcs
create secret X (type S3, key_id 'AkIa', Secret 'sEc', REGION 'Us-East-1');
-- => ok
Create Or Replace Temporary Secret Y (Type Gcs, Key_Id 'GoOg', sEcReT 'x', Scope 'gs://bucket');
-- => ok
cReAtE pErSiStEnT sEcReT z (tYpE r2, KEY_id 'R2', secret 's', Account_Id 'AcCt');
-- => ok
drop secret x;
-- => ok
Drop Persistent Secret z;
-- => ok
select name, type from DUCKDB_SECRETS() WHERE Type = 'gcs' order by NAME;
