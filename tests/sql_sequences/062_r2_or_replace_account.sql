-- about: replacing an r2 secret's ACCOUNT_ID changes the derived endpoint; an explicit ENDPOINT wins over the derived one
-- probe: r2://bucket/x r2
CREATE SECRET r (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'first');
CREATE OR REPLACE SECRET r (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'second');
CREATE OR REPLACE SECRET r (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'third', ENDPOINT 'mine.example.com', URL_STYLE 'vhost');
SELECT name, secret_string FROM duckdb_secrets();
