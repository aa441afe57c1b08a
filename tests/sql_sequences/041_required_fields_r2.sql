-- about: deliberate difference: coffer requires KEY_ID, SECRET and ACCOUNT_ID for an r2 config secret; DuckDB requires nothing
-- probe: r2://bucket/x r2
CREATE SECRET bare (TYPE r2);
-- => coffer_fails: missing required field
CREATE SECRET no_account (TYPE r2, KEY_ID 'R', SECRET 'r');
-- => coffer_fails: missing required field 'account_id'
CREATE PERSISTENT SECRET (TYPE r2, ACCOUNT_ID 'acct', KEY_ID 'R');
-- => coffer_fails: missing required field 'secret'
CREATE SECRET complete (TYPE r2, KEY_ID 'R', SECRET 'r', ACCOUNT_ID 'acct');
-- => ok
