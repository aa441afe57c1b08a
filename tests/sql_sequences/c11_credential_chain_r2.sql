-- about: PROVIDER credential_chain for r2 requires nothing; DuckDB's aws extension derives the endpoint <account>.r2.cloudflarestorage.com and url_style path from ACCOUNT_ID, as for config
-- probe: r2://bucket/x r2
CREATE SECRET rcc (TYPE r2, PROVIDER credential_chain, ACCOUNT_ID 'acct');
-- => ok
CREATE SECRET rcc (TYPE r2, PROVIDER credential_chain, ACCOUNT_ID 'other');
-- => error: already exists
CREATE OR REPLACE SECRET rcc (TYPE r2, PROVIDER credential_chain, CHAIN 'env', ACCOUNT_ID 'other', SCOPE 'r2://bucket');
-- => ok
CREATE SECRET rcc2 (TYPE r2, PROVIDER credential_chain, ACCOUNT_ID 'acct', ENDPOINT 'r2.example.com', URL_STYLE 'vhost');
-- => ok
DROP TEMPORARY SECRET rcc;
-- => ok
