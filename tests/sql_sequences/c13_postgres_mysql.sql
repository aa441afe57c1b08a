-- about: POSTGRES and MYSQL secrets (DuckDB's postgres_scanner/mysql_scanner extensions): no default scope, password redacted, PORT as a number or a string, SSL_MODE any text kept as written, unnamed ones are __default_postgres/__default_mysql
-- probe: '' postgres
-- probe: '' mysql
CREATE SECRET pg (TYPE postgres, HOST 'localhost', PORT 5432, USER 'u', PASSWORD 'p');
-- => ok
CREATE PERSISTENT SECRET my (TYPE mysql, HOST 'h', PORT '3306', PASSWORD 'p', SSL_MODE 'REQUIRED');
-- => ok
CREATE SECRET my2 (TYPE mysql, HOST 'h2', PORT 0, DATABASE 'shop', USER 'app', PASSWORD 'pw', SOCKET '/tmp/mysql.sock', SSL_MODE 'verify_identity', SSL_CA '/ca.pem', SSL_CAPATH '/ca', SSL_CERT '/c.pem', SSL_CIPHER 'AES', SSL_CRL '/crl', SSL_CRLPATH '/crls', SSL_KEY '/k.pem');
-- => ok
CREATE SECRET (TYPE postgres);
-- => ok
CREATE SECRET (TYPE mysql);
-- => ok
CREATE SECRET pg_bad (TYPE postgres, NOPE 'x');
-- => error: (?i)unknown parameter 'nope'
CREATE SECRET pg_bad (TYPE postgres, PROVIDER credential_chain);
-- => error
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%=p;%' OR secret_string LIKE '%=pw%';
-- => rows: []
SELECT name, type, scope FROM duckdb_secrets() ORDER BY name;
DROP SECRET __default_postgres;
-- => ok
-- restart
SELECT name, type, persistent FROM duckdb_secrets();
