-- about: FlockMTL seed 001 §4.2: DROP PERSISTENT SECRET your_secret_name / __default_openai, __default_ollama; DROP PERSISTENT leaves a temporary namesake
-- mode: coffer-only
-- coffer-only because OPENAI and OLLAMA are FlockMTL's types: DuckDB 1.5.5 has neither
-- probe: https://api.openai.com/v1 openai
CREATE PERSISTENT SECRET (TYPE OPENAI, API_KEY 'your-api-key');
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["__default_openai", "PERSISTENT", "coffer"]]
CREATE SECRET (TYPE OPENAI, API_KEY 'temp-key');
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["__default_openai", "TEMPORARY", "memory"]]
CREATE PERSISTENT SECRET your_secret_name (TYPE OLLAMA, API_URL '127.0.0.1:11434');
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["your_secret_name", "ollama", "config", true, "coffer", [], "name=your_secret_name;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"]
-- => which: [["__default_openai", "TEMPORARY", "memory"]]
DROP SECRET __default_openai;
-- => error: several storages
DROP PERSISTENT SECRET your_secret_name;
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
DROP PERSISTENT SECRET __default_openai;
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
DROP PERSISTENT SECRET __default_openai;
-- => error: Failed to remove non-existent secret
-- restart
DROP TEMPORARY SECRET __default_openai;
-- => error: Failed to remove non-existent secret
-- => secrets: []
-- => which: [null]
