-- about: DuckDB 1.5.5's postgres and mysql extensions store PORT without checking it (70000, 'abc', 'x'), as they store SSL_MODE
-- probe: '' postgres
CREATE SECRET pg2 (TYPE postgres, PORT 70000);
CREATE SECRET pg3 (TYPE postgres, PORT 'abc');
CREATE SECRET my2 (TYPE mysql, PORT 'x');
CREATE SECRET my3 (TYPE mysql, PORT -1);
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
CREATE SECRET pg4 (TYPE postgres, PORT ' 5432 ');
CREATE SECRET pg5 (TYPE postgres, PORT '05432');
CREATE SECRET my4 (TYPE mysql, PORT 99999999999);
CREATE SECRET my5 (TYPE mysql, PORT '');
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
