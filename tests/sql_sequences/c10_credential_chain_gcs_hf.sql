-- about: PROVIDER credential_chain for gcs and huggingface needs nothing
-- mode: coffer-only
-- probe: gs://bucket/x gcs
-- probe: hf://datasets/x huggingface
CREATE SECRET gcc (TYPE gcs, PROVIDER credential_chain);
-- => secrets:
-- | ["gcc", "gcs", "credential_chain", false, "memory", ["gcs://", "gs://"], "name=gcc;type=gcs;provider=credential_chain;serializable=true;scope=gcs://,gs://;"]
-- => which: [["gcc", "TEMPORARY", "memory"], null]
CREATE SECRET (TYPE huggingface, PROVIDER credential_chain);
-- => secrets:
-- | ["gcc", "gcs", "credential_chain", false, "memory", ["gcs://", "gs://"], "name=gcc;type=gcs;provider=credential_chain;serializable=true;scope=gcs://,gs://;"]
-- | ["__default_huggingface", "huggingface", "credential_chain", false, "memory", ["hf://"], "name=__default_huggingface;type=huggingface;provider=credential_chain;serializable=true;scope=hf://;token=redacted"]
-- => which: [["gcc", "TEMPORARY", "memory"], ["__default_huggingface", "TEMPORARY", "memory"]]
