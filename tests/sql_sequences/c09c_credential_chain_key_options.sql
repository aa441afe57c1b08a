-- about: the options DuckDB 1.5.5's aws extension takes with PROVIDER credential_chain: KEY_ID, SECRET, SESSION_TOKEN (they override the key the chain finds), VALIDATION, ASSUME_ROLE_ARN/EXTERNAL_ID (with CHAIN); it refuses VERIFY_SSL, KMS_KEY_ID, REQUESTER_PAYS, EXTRA_HTTP_HEADERS
-- probe: s3://bucket/x s3
CREATE SECRET k1 (TYPE s3, PROVIDER credential_chain, KEY_ID 'AKIAOVERRIDE', SECRET 'sss', ENDPOINT 'e', SCOPE 's3://bucket/1');
CREATE SECRET k2 (TYPE s3, PROVIDER credential_chain, SESSION_TOKEN 'tok', ENDPOINT 'e', SCOPE 's3://bucket/2');
CREATE SECRET k3 (TYPE r2, PROVIDER credential_chain, KEY_ID 'a', ACCOUNT_ID 'acct');
CREATE SECRET k4 (TYPE s3, PROVIDER credential_chain, CHAIN 'config', PROFILE 'no-such-profile', VALIDATION 'none', ENDPOINT 'e', SCOPE 's3://bucket/4');
CREATE SECRET k5 (TYPE gcs, PROVIDER credential_chain, ASSUME_ROLE_ARN 'arn:aws:iam::1:role/r', ENDPOINT 'e');
-- => error
CREATE SECRET k6 (TYPE s3, PROVIDER credential_chain, VERIFY_SSL false, ENDPOINT 'e');
-- => error
CREATE SECRET k7 (TYPE s3, PROVIDER credential_chain, KMS_KEY_ID 'kms', ENDPOINT 'e');
-- => error
CREATE SECRET k8 (TYPE s3, PROVIDER credential_chain, REQUESTER_PAYS true, ENDPOINT 'e');
-- => error
CREATE SECRET k9 (TYPE s3, PROVIDER credential_chain, EXTRA_HTTP_HEADERS MAP {'Authorization': 'Bearer x'}, ENDPOINT 'e');
-- => error
