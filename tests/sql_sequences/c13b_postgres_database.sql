-- about: DuckDB 1.5.5's postgres extension stores DATABASE under libpq's name, dbname (its secret string shows dbname=db), and takes DBNAME and PASSFILE too
-- probe: '' postgres
CREATE SECRET pg (TYPE postgres, HOST 'localhost', PORT 5432, DATABASE 'db', USER 'u', PASSWORD 'p');
CREATE SECRET pg2 (TYPE postgres, DBNAME 'db2', PASSFILE '/home/u/.pgpass');
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
