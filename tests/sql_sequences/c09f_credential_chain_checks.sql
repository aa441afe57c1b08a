-- about: the checks DuckDB 1.5.5's aws extension makes on a credential_chain secret before it looks for a key: ASSUME_ROLE_ARN needs CHAIN, VALIDATION is exists or none (any case), CHAIN 'sts' needs ASSUME_ROLE_ARN, CHAIN is split at ';' as getline does (a trailing ';' ends it, an empty item elsewhere is unknown, items are case-sensitive); WEB_IDENTITY_TOKEN_FILE and SESSION_NAME are taken
-- probe: s3://bucket/x s3
CREATE SECRET a (TYPE s3, PROVIDER credential_chain, ASSUME_ROLE_ARN 'arn:aws:iam::1:role/r');
-- => error: Must pass CHAIN value when passing ASSUME_ROLE_ARN
CREATE SECRET a (TYPE s3, PROVIDER credential_chain, ASSUME_ROLE_ARN 'arn:aws:iam::1:role/r', CHAIN '');
-- => error
CREATE SECRET v (TYPE s3, PROVIDER credential_chain, VALIDATION 'always');
-- => error: Unknown AWS validation mode: `always`.*field 'validation'
CREATE SECRET v (TYPE s3, PROVIDER credential_chain, VALIDATION 'Exists', SCOPE 's3://bucket/v');
-- => ok
CREATE SECRET st (TYPE r2, PROVIDER credential_chain, CHAIN 'env;sts');
-- => error: Chain value 'STS' is only supported with an ASSUME_ROLE_ARN value
CREATE SECRET c1 (TYPE s3, PROVIDER credential_chain, CHAIN 'ENV');
-- => error: Unknown provider found while parsing AWS credential chain string: 'ENV'
CREATE SECRET c2 (TYPE s3, PROVIDER credential_chain, CHAIN 'env;;config');
-- => error: Unknown provider found while parsing AWS credential chain string: ''
CREATE SECRET c3 (TYPE s3, PROVIDER credential_chain, CHAIN ';');
-- => error
CREATE SECRET c4 (TYPE gcs, PROVIDER credential_chain, CHAIN ' env');
-- => error
CREATE SECRET c5 (TYPE s3, PROVIDER credential_chain, CHAIN 'env;', SCOPE 's3://bucket/c5');
-- => ok
CREATE SECRET c6 (TYPE s3, PROVIDER credential_chain, CHAIN '', ENDPOINT '', URL_STYLE '', SCOPE 's3://bucket/c6');
-- => ok
CREATE SECRET w (TYPE s3, PROVIDER credential_chain, WEB_IDENTITY_TOKEN_FILE '/var/run/token', SESSION_NAME 'coffer', URL_COMPATIBILITY_MODE true, SCOPE 's3://bucket/w');
-- => ok
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
