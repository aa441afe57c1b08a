-- about: FlockMTL seed 001 §2.3: an unnamed AZURE_LLM secret is __default_azure_llm (deliberate difference 9: the seed says __default_azure)
-- mode: coffer-only
-- coffer-only because AZURE_LLM is FlockMTL's type: DuckDB 1.5.5 has no such secret type
-- probe: https://resource-name.openai.azure.com azure_llm
-- probe: azure://container/x azure
CREATE SECRET (
    TYPE AZURE_LLM,
    API_KEY 'your-key-here',
    RESOURCE_NAME 'resource-name',
    API_VERSION 'api-version'
);
-- => ok
-- => secrets:
-- | ["__default_azure_llm", "azure_llm", "config", false, "memory", [], "name=__default_azure_llm;type=azure_llm;provider=config;serializable=true;scope;api_key=redacted;api_version=api-version;resource_name=resource-name"]
-- => which: [["__default_azure_llm", "TEMPORARY", "memory"], null]
DROP TEMPORARY SECRET __default_azure;
-- => error: Failed to remove non-existent secret
CREATE SECRET (TYPE AZURE_LLM, API_KEY 'k', RESOURCE_NAME 'r');
-- => error: (?i)api_version
DROP TEMPORARY SECRET __default_azure_llm;
-- => ok
-- => secrets: []
-- => which: [null, null]
