-- about: DuckDB 1.5.5's postgres extension takes libpq's connection options under their names (HOSTADDR, SSLMODE, SSLROOTCERT, APPLICATION_NAME, ...), URI and AWS_RDS_SECRET, and the aliases DATABASE, HOSTNAME and USERNAME (given with the name they stand for, the later one wins); it redacts PASSWORD, SSLPASSWORD, OAUTH_CLIENT_SECRET and URI; PORT is any value (1.5, true)
-- probe: '' postgres
CREATE SECRET p1 (TYPE postgres, DATABASE 'first', HOST 'h', DBNAME 'second');
CREATE SECRET p2 (TYPE postgres, DBNAME 'second', DATABASE 'first');
CREATE SECRET p3 (TYPE postgres, HOSTNAME 'h2', HOST 'h1', USER 'u1', USERNAME 'u2', PORT 1.5);
CREATE SECRET p4 (TYPE postgres, HOSTADDR '10.0.0.1', SSLMODE 'verify-full', SSLROOTCERT '/etc/ssl/ca.pem', SSLPASSWORD 'kp', APPLICATION_NAME 'coffer', CONNECT_TIMEOUT 5, PORT true);
CREATE SECRET p5 (TYPE postgres, URI 'postgresql://u:pw@db/app', OAUTH_CLIENT_ID 'id', OAUTH_CLIENT_SECRET 'os', AWS_RDS_SECRET 'rds', TARGET_SESSION_ATTRS 'read-write');
CREATE SECRET p6 (TYPE postgres, HOST 'a', HOST 'b');
-- => error
CREATE SECRET p7 (TYPE postgres, SSL_MODE 'require');
-- => error
SELECT name, secret_string FROM duckdb_secrets() ORDER BY name;
SELECT name FROM duckdb_secrets() WHERE secret_string LIKE '%pw@%' OR secret_string LIKE '%=kp%' OR secret_string LIKE '%=os%';
-- => rows: []
