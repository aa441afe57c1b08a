-- about: FlockMTL seed 001 §2.2: an unnamed temporary OLLAMA secret is __default_ollama; API_URL is public
-- mode: coffer-only
-- coffer-only because OLLAMA is FlockMTL's type: DuckDB 1.5.5 has no such secret type
-- probe: http://127.0.0.1:11434/api ollama
CREATE SECRET (
    TYPE OLLAMA,
    API_URL '127.0.0.1:11434'
);
-- => ok
-- => secrets:
-- | ["__default_ollama", "ollama", "config", false, "memory", [], "name=__default_ollama;type=ollama;provider=config;serializable=true;scope;api_url=127.0.0.1:11434"]
-- => which: [["__default_ollama", "TEMPORARY", "memory"]]
CREATE SECRET (TYPE OLLAMA);
-- => error: (?i)api_url
