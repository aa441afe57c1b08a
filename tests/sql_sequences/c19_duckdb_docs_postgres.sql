-- about: the CREATE SECRET statements of DuckDB's PostgreSQL extension pages (postgres/secrets.md: an unnamed secret and postgres_secret_one, DATABASE as a bare identifier, an empty PASSWORD), and which_secret as ATTACH '' (TYPE postgres) looks it up
-- probe: '' postgres
CREATE SECRET (
    TYPE postgres,
    HOST '127.0.0.1',
    PORT 5432,
    DATABASE postgres,
    USER 'postgres',
    PASSWORD ''
);
-- => ok
CREATE SECRET postgres_secret_one (
    TYPE postgres,
    HOST '127.0.0.1',
    PORT 5432,
    DATABASE postgres,
    USER 'postgres',
    PASSWORD ''
);
-- => ok
FROM duckdb_secrets() ORDER BY name;
CREATE PERSISTENT SECRET postgres_secret_one (TYPE postgres, HOST 'db.example.com', USER 'app');
-- => ok
DROP TEMPORARY SECRET postgres_secret_one;
-- => ok
-- restart
SELECT name, persistent, storage FROM duckdb_secrets();
