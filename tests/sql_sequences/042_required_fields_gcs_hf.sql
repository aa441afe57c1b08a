-- about: no field is required as in DuckDB 1.5.5 (coffer used to require KEY_ID + SECRET or BEARER_TOKEN for gcs and TOKEN for huggingface)
-- probe: gs://bucket/x gcs
-- probe: hf://datasets/x huggingface
CREATE SECRET g (TYPE gcs);
-- => ok
CREATE OR REPLACE SECRET g (TYPE gcs, KEY_ID 'G');
-- => ok
CREATE SECRET h (TYPE huggingface);
-- => ok
CREATE SECRET g2 (TYPE gcs, BEARER_TOKEN 'ya29');
-- => ok
CREATE SECRET h2 (TYPE huggingface, TOKEN 'hf');
-- => ok
CREATE SECRET h3 (TYPE huggingface, PROVIDER credential_chain);
-- => ok
