-- about: POSTGRES and MYSQL secrets (DuckDB's postgres/mysql extensions): no default scope, PORT checked 1-65535, SSL_MODE from a fixed list (checked case-insensitively, kept as written), password redacted
-- mode: coffer-only
-- probe: '' postgres
-- probe: '' mysql
CREATE SECRET pg (TYPE postgres, HOST 'localhost', PORT 5432, DATABASE 'db', USER 'u', PASSWORD 'p');
-- => ok
-- => secrets:
-- | ["pg", "postgres", "config", false, "memory", [], "name=pg;type=postgres;provider=config;serializable=true;scope;database=db;host=localhost;password=redacted;port=5432;user=u"]
-- => which: [["pg", "TEMPORARY", "memory"], null]
CREATE SECRET pg2 (TYPE postgres, PORT 70000);
-- => error: (?i)port
CREATE SECRET pg2 (TYPE postgres, PORT 'abc');
-- => error: (?i)port
CREATE PERSISTENT SECRET my (TYPE mysql, HOST 'h', PORT '3306', PASSWORD 'p', SSL_MODE 'REQUIRED');
-- => ok
-- => secrets:
-- | ["pg", "postgres", "config", false, "memory", [], "name=pg;type=postgres;provider=config;serializable=true;scope;database=db;host=localhost;password=redacted;port=5432;user=u"]
-- | ["my", "mysql", "config", true, "coffer", [], "name=my;type=mysql;provider=config;serializable=true;scope;host=h;password=redacted;port=3306;ssl_mode=REQUIRED"]
-- => which: [["pg", "TEMPORARY", "memory"], ["my", "PERSISTENT", "coffer"]]
CREATE SECRET my2 (TYPE mysql, PORT 'x');
-- => error: (?i)port
CREATE SECRET (TYPE postgres);
-- => ok
-- => secrets:
-- | ["pg", "postgres", "config", false, "memory", [], "name=pg;type=postgres;provider=config;serializable=true;scope;database=db;host=localhost;password=redacted;port=5432;user=u"]
-- | ["my", "mysql", "config", true, "coffer", [], "name=my;type=mysql;provider=config;serializable=true;scope;host=h;password=redacted;port=3306;ssl_mode=REQUIRED"]
-- | ["__default_postgres", "postgres", "config", false, "memory", [], "name=__default_postgres;type=postgres;provider=config;serializable=true;scope;"]
-- => which: [["__default_postgres", "TEMPORARY", "memory"], ["my", "PERSISTENT", "coffer"]]
