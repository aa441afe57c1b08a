-- about: R2_ACCOUNT_ID (pg_duckdb's column name) is accepted for ACCOUNT_ID in coffer; DuckDB 1.5.5 rejects it as an unknown parameter, so this runs coffer-only
-- mode: coffer-only
-- probe: r2://bucket/x r2
CREATE SECRET r (TYPE r2, KEY_ID 'R', SECRET 's', R2_ACCOUNT_ID 'acc');
-- => ok
-- => secrets:
-- | ["r", "r2", "config", false, "memory", ["r2://"], "name=r;type=r2;provider=config;serializable=true;scope=r2://;endpoint=acc.r2.cloudflarestorage.com;key_id=R;secret=redacted;url_style=path"]
-- => which: [["r", "TEMPORARY", "memory"]]
CREATE SECRET r2 (TYPE r2, KEY_ID 'R', SECRET 's', R2_ACCOUNT_ID 'a', ACCOUNT_ID 'b');
-- => error
