-- about: no field is required as in DuckDB 1.5.5 (coffer used to require KEY_ID, SECRET and ACCOUNT_ID for an r2 config secret)
-- probe: r2://bucket/x r2
CREATE SECRET bare (TYPE r2);
-- => ok
CREATE SECRET no_account (TYPE r2, KEY_ID 'R', SECRET 'r');
-- => ok
CREATE PERSISTENT SECRET (TYPE r2, ACCOUNT_ID 'acct', KEY_ID 'R');
-- => ok
CREATE SECRET complete (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'acct');
-- => ok
