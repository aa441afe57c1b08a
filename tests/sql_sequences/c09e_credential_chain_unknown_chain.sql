-- about: CHAIN is a ;-list of DuckDB's aws chain items (config, env, sso, instance, process, sts, web_identity): DuckDB 1.5.5 refuses any other item at CREATE ("Unknown provider found while parsing AWS credential chain string")
-- probe: s3://bucket/x s3
CREATE SECRET bad (TYPE s3, PROVIDER credential_chain, CHAIN 'no_such_chain', ENDPOINT 'e');
-- => error
CREATE SECRET bad2 (TYPE gcs, PROVIDER credential_chain, CHAIN 'env;nope', ENDPOINT 'e');
-- => error
CREATE SECRET good (TYPE s3, PROVIDER credential_chain, CHAIN 'env;config', ENDPOINT 'e');
-- => ok
