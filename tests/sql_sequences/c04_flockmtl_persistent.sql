-- about: FlockMTL seed 001 §3.1-3.3: the persistent OPENAI, OLLAMA and AZURE_LLM secrets survive a restart
-- mode: coffer-only
-- coffer-only because OPENAI, OLLAMA and AZURE_LLM are FlockMTL's types: DuckDB 1.5.5 has none of them
-- probe: https://api.openai.com/v1 openai
-- probe: 127.0.0.1:11434 ollama
-- probe: https://x.openai.azure.com azure_llm
CREATE PERSISTENT SECRET (
    TYPE OPENAI,
    API_KEY 'your-api-key'
);
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["__default_openai", "PERSISTENT", "coffer"], null, null]
CREATE PERSISTENT SECRET (
    TYPE OLLAMA,
    API_URL '127.0.0.1:11434'
);
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_ollama", "ollama", "config", true, "coffer", [], "name=__default_ollama;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"]
-- => which: [["__default_openai", "PERSISTENT", "coffer"], ["__default_ollama", "PERSISTENT", "coffer"], null]
CREATE PERSISTENT SECRET (
    TYPE AZURE_LLM,
    API_KEY 'your-key-here',
    RESOURCE_NAME 'resource-name',
    API_VERSION 'api-version'
);
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_ollama", "ollama", "config", true, "coffer", [], "name=__default_ollama;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"]
-- | ["__default_azure_llm", "azure_llm", "config", true, "coffer", [], "name=__default_azure_llm;type=azure_llm;provider=config;serializable=true;scope;api_key=redacted;api_version=api-version;resource_name=resource-name"]
-- => which: [["__default_openai", "PERSISTENT", "coffer"], ["__default_ollama", "PERSISTENT", "coffer"], ["__default_azure_llm", "PERSISTENT", "coffer"]]
-- restart
SELECT name, persistent, storage FROM duckdb_secrets() ORDER BY name;
-- => rows: [["__default_azure_llm", true, "coffer"], ["__default_ollama", true, "coffer"], ["__default_openai", true, "coffer"]]
CREATE SECRET (TYPE OPENAI, API_KEY 'temporary-key');
-- => ok
-- => secrets:
-- | ["__default_openai", "openai", "config", true, "coffer", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- | ["__default_ollama", "ollama", "config", true, "coffer", [], "name=__default_ollama;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"]
-- | ["__default_azure_llm", "azure_llm", "config", true, "coffer", [], "name=__default_azure_llm;type=azure_llm;provider=config;serializable=true;scope;api_key=redacted;api_version=api-version;resource_name=resource-name"]
-- | ["__default_openai", "openai", "config", false, "memory", [], "name=__default_openai;type=openai;provider=config;serializable=true;scope;api_key=redacted"]
-- => which: [["__default_openai", "TEMPORARY", "memory"], ["__default_ollama", "PERSISTENT", "coffer"], ["__default_azure_llm", "PERSISTENT", "coffer"]]
