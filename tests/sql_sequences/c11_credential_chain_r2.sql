-- about: PROVIDER credential_chain for r2 requires nothing (as DuckDB); DuckDB's aws extension derives the endpoint <account>.r2.cloudflarestorage.com (path style) from it, as for config
-- mode: coffer-only
-- probe: r2://bucket/x r2
CREATE SECRET rcc (TYPE r2, PROVIDER credential_chain, KEY_ID 'a');
-- => error: ^Binder Error: Unknown parameter 'key_id'
CREATE SECRET rcc (TYPE r2, PROVIDER credential_chain, ACCOUNT_ID 'acct');
-- => ok
-- => secrets:
-- | ["rcc", "r2", "credential_chain", false, "memory", ["r2://"], "name=rcc;type=r2;provider=credential_chain;serializable=true;scope=r2://;endpoint=acct.r2.cloudflarestorage.com;url_style=path"]
-- => which: [["rcc", "TEMPORARY", "memory"]]
