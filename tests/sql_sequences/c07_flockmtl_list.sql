-- about: FlockMTL seed 001 §5: FROM duckdb_secrets() lists every secret with DuckDB's columns
-- mode: coffer-only
-- coffer-only because OPENAI and OLLAMA are FlockMTL's types: DuckDB 1.5.5 has neither
FROM duckdb_secrets();
-- => rows: []
CREATE SECRET (TYPE OPENAI, API_KEY 'your-api-key');
-- => secrets:
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
CREATE PERSISTENT SECRET (TYPE OLLAMA, API_URL '127.0.0.1:11434');
-- => secrets:
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_ollama", "ollama", "config", true, "coffer", [], "name=__default_ollama;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"]
FROM duckdb_secrets() ORDER BY name;
-- => rows: [["__default_ollama", "ollama", "config", true, "coffer", [], "name=__default_ollama;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"], ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]]
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%your-api-key%';
-- => rows: []
