-- about: DuckDB's http secret type (core), its config and env providers and its sensitive fields
-- probe: https://example.com/x http
-- probe: https://api.example.com/v1 http
CREATE SECRET http_auth (TYPE http, BEARER_TOKEN 'tok-123');
-- => ok
CREATE SECRET http_api (TYPE http, EXTRA_HTTP_HEADERS MAP {'Authorization': 'Bearer abc'}, SCOPE 'https://api.example.com');
-- => ok
CREATE SECRET http_proxy (TYPE http, HTTP_PROXY 'http://proxy:3128', HTTP_PROXY_USERNAME 'u', HTTP_PROXY_PASSWORD 'pw', VERIFY_SSL false, SCOPE 'https://example.com');
-- => ok
CREATE SECRET http_env (TYPE http, PROVIDER env, HTTP_PROXY 'http://p:1');
-- => ok
CREATE SECRET http_bad (TYPE http, FOO 'a');
-- => error: ^Binder Error: Unknown parameter 'foo' for secret type 'http'
SELECT name, provider, scope FROM duckdb_secrets() WHERE type = 'http' ORDER BY name;
DROP SECRET http_env;
