-- Audit rows without a workspace (a new user, an open of an invalid token)
-- go to the one chain every tenant shares; a prepared transaction would
-- hold that chain until COMMIT PREPARED, so such a transaction cannot be
-- prepared (0A000).
SET log_min_error_statement = panic;
BEGIN;
SELECT status FROM share_acl.open_link('not-a-token');
PREPARE TRANSACTION 'share_acl_no_workspace';
BEGIN;
SELECT share_acl.create_user('new@prepare-no-workspace.test') IS NOT NULL AS created;
PREPARE TRANSACTION 'share_acl_no_workspace';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'share_acl_no_workspace';
-- nothing of the refused transactions was committed, and the chain is free
SELECT count(*) AS users FROM share_acl.principal WHERE email = 'new@prepare-no-workspace.test';
SELECT share_acl.create_user('new@prepare-no-workspace.test') IS NOT NULL AS created;
DELETE FROM share_acl.principal WHERE email = 'new@prepare-no-workspace.test';
