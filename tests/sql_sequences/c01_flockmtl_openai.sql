-- about: FlockMTL seed 001 §2.1: an unnamed temporary OPENAI secret is __default_openai (no scope: it answers every path)
-- mode: coffer-only
-- coffer-only because OPENAI is FlockMTL's type: DuckDB 1.5.5 has no such secret type, with or without extensions
-- probe: https://api.openai.com/v1/chat/completions openai
-- probe: s3://bucket/x s3
CREATE SECRET (
    TYPE OPENAI,
    API_KEY 'your-api-key'
);
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["__default_openai", "TEMPORARY", "memory"], null]
CREATE SECRET (TYPE openai, API_KEY 'another');
-- => error: already exists
SELECT name, type, scope FROM duckdb_secrets();
-- => rows: [["__default_openai", "openai", []]]
