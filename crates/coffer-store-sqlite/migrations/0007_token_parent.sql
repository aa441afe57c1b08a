-- Each token records the token that created it (NULL: created with no token, or before this
-- column): revoking a token revokes every token below it. No foreign key: a parent may go
-- with its identity (a project's service accounts), and a token whose parent is gone is
-- treated as revoked.
ALTER TABLE tokens ADD COLUMN parent_token_id INTEGER;
CREATE INDEX tokens_parent ON tokens (parent_token_id);
