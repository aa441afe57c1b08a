-- about: huggingface secrets: default scope hf://, token redacted
-- probe: hf://datasets/org/set/file.parquet huggingface
-- probe: https://huggingface.co/datasets/org/set huggingface
CREATE SECRET hf1 (TYPE huggingface, TOKEN 'hf_abc');
-- => ok
CREATE PERSISTENT SECRET hf2 (TYPE HUGGINGFACE, TOKEN 'hf_def', SCOPE 'hf://datasets/org');
-- => ok
CREATE SECRET (TYPE huggingface, TOKEN 'hf_ghi');
-- => ok
