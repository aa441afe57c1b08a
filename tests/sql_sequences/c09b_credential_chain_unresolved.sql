-- about: PROVIDER credential_chain whose chain finds no key where it is declared (an absent profile, a chain with nothing in it): DuckDB's aws extension fails the CREATE (Secret Validation Failure), coffer stores the declaration, CHAIN and PROFILE included, and resolves it where its engine runs when the secret is used (deliberate difference 14); coffer-only because DuckDB cannot create these
-- mode: coffer-only
-- probe: s3://bucket/x s3
-- probe: s3://other/x s3
CREATE SECRET cc (TYPE s3, PROVIDER credential_chain, CHAIN 'config', PROFILE 'no-such-profile');
-- => ok
-- => secrets:
-- | ["cc", "s3", "credential_chain", false, "memory", ["s3://", "s3n://", "s3a://"], "name=cc;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;chain=config;endpoint=s3.amazonaws.com;profile=no-such-profile"]
-- => which: [["cc", "TEMPORARY", "memory"], ["cc", "TEMPORARY", "memory"]]
CREATE PERSISTENT SECRET cc2 (TYPE S3, PROVIDER CREDENTIAL_CHAIN, CHAIN 'sso;process', PROFILE 'dev', REGION 'eu-west-1', SCOPE 's3://bucket');
-- => ok
-- => secrets:
-- | ["cc", "s3", "credential_chain", false, "memory", ["s3://", "s3n://", "s3a://"], "name=cc;type=s3;provider=credential_chain;serializable=true;scope=s3://,s3n://,s3a://;chain=config;endpoint=s3.amazonaws.com;profile=no-such-profile"]
-- | ["cc2", "s3", "credential_chain", true, "coffer", ["s3://bucket"], "name=cc2;type=s3;provider=credential_chain;serializable=true;scope=s3://bucket;chain=sso;process;endpoint=s3.amazonaws.com;profile=dev;region=eu-west-1"]
-- => which: [["cc2", "PERSISTENT", "coffer"], ["cc", "TEMPORARY", "memory"]]
