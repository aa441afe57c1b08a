-- about: deliberate difference: coffer requires KEY_ID + SECRET or BEARER_TOKEN for gcs and TOKEN for huggingface; DuckDB requires nothing
-- probe: gs://bucket/x gcs
-- probe: hf://datasets/x huggingface
CREATE SECRET g (TYPE gcs);
-- => coffer_fails: (?i)required|bearer_token|key_id
CREATE SECRET g (TYPE gcs, KEY_ID 'G');
-- => coffer_fails: (?i)required|secret
CREATE SECRET h (TYPE huggingface);
-- => coffer_fails: (?i)required.*token|token.*required
CREATE SECRET g (TYPE gcs, BEARER_TOKEN 'ya29');
-- => ok
CREATE SECRET h (TYPE huggingface, TOKEN 'hf');
-- => ok
