-- about: PROVIDER credential_chain for s3 (DuckDB's aws extension, not installed here): no key needed; CHAIN, PROFILE, REGION are kept
-- mode: coffer-only
-- probe: s3://bucket/x s3
-- probe: s3://other/x s3
CREATE SECRET cc (TYPE s3, PROVIDER credential_chain);
-- => ok
-- => secrets:
-- | ["cc", "s3", "credential_chain", false, "memory", ["s3://", "s3n://", "s3a://"], "name=cc;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;"]
-- => which: [["cc", "TEMPORARY", "memory"], ["cc", "TEMPORARY", "memory"]]
CREATE PERSISTENT SECRET cc2 (TYPE S3, PROVIDER CREDENTIAL_CHAIN, CHAIN 'env;config', PROFILE 'dev', REGION 'eu-west-1', SCOPE 's3://bucket');
-- => ok
-- => secrets:
-- | ["cc", "s3", "credential_chain", false, "memory", ["s3://", "s3n://", "s3a://"], "name=cc;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;"]
-- | ["cc2", "s3", "credential_chain", true, "coffer", ["s3://bucket"], "name=cc2;type=s3;provider=credential_chain;serializable=true;scope=s3://bucket;chain=env;config;profile=dev;region=eu-west-1"]
-- => which: [["cc2", "PERSISTENT", "coffer"], ["cc", "TEMPORARY", "memory"]]
CREATE SECRET bad (TYPE s3, PROVIDER credential_chain, KEY_ID 'AKIA');
-- => error: (?i)unknown parameter 'key_id'
CREATE SECRET bad (TYPE s3, PROVIDER no_such_provider);
-- => error: (?i)provider
CREATE OR REPLACE SECRET cc (TYPE s3, KEY_ID 'AKIA1', SECRET 's1', REGION 'us-east-1');
-- => ok
-- => secrets:
-- | ["cc", "s3", "config", false, "memory", ["s3://", "s3n://", "s3a://"], "name=cc;type=s3;provider=config;serializable=true;scope=s3://,s3n://,s3a://;key_id=AKIA1;region=us-east-1;secret=redacted"]
-- | ["cc2", "s3", "credential_chain", true, "coffer", ["s3://bucket"], "name=cc2;type=s3;provider=credential_chain;serializable=true;scope=s3://bucket;chain=env;config;profile=dev;region=eu-west-1"]
