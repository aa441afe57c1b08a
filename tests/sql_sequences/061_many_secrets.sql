-- about: many secrets of several types and storages; lookups at several depths
-- probe: s3://data/2024/01/file.parquet s3
-- probe: s3://data/2024/02/file.parquet s3
-- probe: s3://data/2023/file.parquet s3
-- probe: s3://logs/app/x s3
-- probe: gs://data/2024/x gcs
-- probe: r2://data/x r2
CREATE SECRET d_all (TYPE s3, KEY_ID 'K1', SECRET 's', REGION 'us-east-1', SCOPE 's3://data');
CREATE PERSISTENT SECRET d_2024 (TYPE s3, KEY_ID 'K2', SECRET 's', REGION 'us-east-1', SCOPE 's3://data/2024');
CREATE SECRET d_2024_01 (TYPE s3, KEY_ID 'K3', SECRET 's', REGION 'us-east-1', SCOPE 's3://data/2024/01');
CREATE PERSISTENT SECRET d_2024_01p (TYPE s3, KEY_ID 'K4', SECRET 's', REGION 'us-east-1', SCOPE 's3://data/2024/01');
CREATE SECRET logs (TYPE s3, KEY_ID 'K5', SECRET 's', REGION 'us-east-1', SCOPE ['s3://logs/', 's3://data/2023']);
CREATE SECRET g_data (TYPE gcs, KEY_ID 'G1', SECRET 'g', SCOPE 'gs://data/2024');
CREATE PERSISTENT SECRET g_any (TYPE gcs, KEY_ID 'G2', SECRET 'g');
CREATE SECRET r_data (TYPE r2, KEY_ID 'R1', SECRET 'r', ACCOUNT_ID 'a1', SCOPE 'r2://data');
CREATE PERSISTENT SECRET r_any (TYPE r2, KEY_ID 'R2', SECRET 'r', ACCOUNT_ID 'a2');
CREATE SECRET s_any (TYPE s3, KEY_ID 'K6', SECRET 's', REGION 'us-east-1');
DROP SECRET d_2024_01;
DROP PERSISTENT SECRET d_2024;
DROP SECRET logs;
DROP SECRET r_data;
SELECT type, name, persistent FROM duckdb_secrets() ORDER BY type, name, persistent;
