-- about: DuckDB 1.5.5's postgres and mysql extensions store PORT without checking it (70000, 'abc', 'x'), as they store SSL_MODE
-- known: coffer refuses a PORT outside 0-65535 or not a number for postgres and mysql (DuckDB stores it; the connection fails at ATTACH)
-- probe: '' postgres
CREATE SECRET pg2 (TYPE postgres, PORT 70000);
CREATE SECRET pg3 (TYPE postgres, PORT 'abc');
CREATE SECRET my2 (TYPE mysql, PORT 'x');
CREATE SECRET my3 (TYPE mysql, PORT -1);
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
