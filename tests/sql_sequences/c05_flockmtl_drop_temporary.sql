-- about: FlockMTL seed 001 §4.1: DROP TEMPORARY SECRET your_secret_name / __default_openai
-- mode: coffer-only
-- coffer-only because OPENAI is FlockMTL's type: DuckDB 1.5.5 has no such secret type
-- probe: https://api.openai.com/v1 openai
DROP TEMPORARY SECRET your_secret_name;
-- => error: Failed to remove non-existent secret
CREATE SECRET your_secret_name (TYPE OPENAI, API_KEY 'your-api-key');
-- => secrets:
-- | ["your_secret_name", "openai", "config", false, "memory", [], "name=your_secret_name;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["your_secret_name", "TEMPORARY", "memory"]]
CREATE SECRET (TYPE OPENAI, API_KEY 'your-api-key');
-- => secrets:
-- | ["your_secret_name", "openai", "config", false, "memory", [], "name=your_secret_name;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["__default_openai", "TEMPORARY", "memory"]]
DROP TEMPORARY SECRET your_secret_name;
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
DROP TEMPORARY SECRET __default_openai;
-- => ok
-- => secrets: []
-- => which: [null]
DROP TEMPORARY SECRET __default_openai;
-- => error: Failed to remove non-existent secret
