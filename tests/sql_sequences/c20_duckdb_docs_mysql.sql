-- about: the CREATE SECRET statements of DuckDB's MySQL extension page (mysql.md "Configuring via Secrets": an unnamed secret and mysql_secret_one, PORT 0, DATABASE as a bare identifier, an empty PASSWORD), and which_secret as ATTACH '' (TYPE mysql) looks it up
-- probe: '' mysql
CREATE SECRET (
    TYPE mysql,
    HOST '127.0.0.1',
    PORT 0,
    DATABASE mysql,
    USER 'mysql',
    PASSWORD ''
);
-- => ok
CREATE SECRET mysql_secret_one (
    TYPE mysql,
    HOST '127.0.0.1',
    PORT 0,
    DATABASE mysql,
    USER 'mysql',
    PASSWORD ''
);
-- => ok
FROM duckdb_secrets() ORDER BY name;
DROP SECRET __default_mysql;
-- => ok
CREATE PERSISTENT SECRET mysql_secret_two (TYPE mysql, HOST 'localhost', PORT 3306, USER 'root', SSL_MODE 'required');
-- => ok
-- restart
FROM duckdb_secrets() ORDER BY name;
