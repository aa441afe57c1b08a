-- about: DuckDB 1.5.5's postgres and mysql extensions drop SCOPE: the secret is listed with scope [] and answers every path (score 0)
-- probe: '' postgres
-- probe: host=db1 postgres
-- probe: '' mysql
CREATE SECRET pg_b (TYPE postgres, HOST 'db1', SCOPE 'host=db1');
CREATE SECRET pg_a (TYPE postgres, HOST 'db0');
CREATE SECRET my (TYPE mysql, HOST 'db1', SCOPE 'mysql://db1');
SELECT name, scope, secret_string FROM duckdb_secrets() ORDER BY name;
