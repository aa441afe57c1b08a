-- about: FLIGHTS key-value secrets: any param names, every value sensitive, shown as params={K=redacted, ...}
-- mode: coffer-only
-- coffer-only because FLIGHTS is MotherDuck's type: DuckDB 1.5.5 has no such secret type
-- probe: https://api.example.com/v1 flights
CREATE SECRET my_api_secret (TYPE flights, API_KEY 'k-123', ENDPOINT 'https://api.example.com');
-- => ok
-- => secrets:
-- | ["my_api_secret", "flights", "config", false, "memory", [], "name=my_api_secret;type=flights;provider=config;serializable=true;scope;params={API_KEY=redacted, ENDPOINT=redacted}"]
-- => which: [["my_api_secret", "TEMPORARY", "memory"]]
CREATE PERSISTENT SECRET other (TYPE FLIGHTS, token 't', "x.y-z" 'v');
-- => ok
-- => secrets:
-- | ["my_api_secret", "flights", "config", false, "memory", [], "name=my_api_secret;type=flights;provider=config;serializable=true;scope;params={API_KEY=redacted, ENDPOINT=redacted}"]
-- | ["other", "flights", "config", true, "coffer", [], "name=other;type=flights;provider=config;serializable=true;scope;params={token=redacted, x.y-z=redacted}"]
CREATE SECRET empty (TYPE flights);
-- => error: (?i)at least one param
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%k-123%' OR secret_string LIKE '%api.example.com%';
-- => rows: []
DROP SECRET my_api_secret;
-- => secrets:
-- | ["other", "flights", "config", true, "coffer", [], "name=other;type=flights;provider=config;serializable=true;scope;params={token=redacted, x.y-z=redacted}"]
-- => which: [["other", "PERSISTENT", "coffer"]]
