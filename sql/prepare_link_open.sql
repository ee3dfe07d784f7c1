-- An open of a share link writes its audit row (and, when ok, its view) in
-- the caller's transaction, in the chain of the link's workspace.  A
-- prepared transaction would hold that chain, every commit of that
-- workspace, until COMMIT PREPARED, and whoever holds a token may open the
-- link: refused opens (a wrong password, a revoked link) and ok opens of a
-- max_views link as well as other ok opens make PREPARE fail (0A000).
SET log_min_error_statement = panic;
SET lock_timeout = '5s';     -- (a chain held by a prepared transaction fails, not hangs)
CREATE ROLE share_acl_prepare_open NOLOGIN;
GRANT share_acl_user TO share_acl_prepare_open;
\o /dev/null
SELECT share_acl.create_user('owner@prepare-open.test') AS owner \gset
SELECT share_acl.create_workspace('prepare-open', :'owner') AS ws \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project', password => 'secret') AS pw_token \gset
SELECT share_acl.create_link(:'project', max_views => 100) AS mv_token \gset
SELECT share_acl.create_link(:'project') AS revoked_token \gset
SELECT (share_acl.open_link(:'revoked_token')).link_id AS revoked_link \gset
SELECT share_acl.revoke_link(:'revoked_link');
SELECT share_acl.set_principal(NULL);
\o
SET ROLE share_acl_prepare_open;
BEGIN;
SELECT status FROM share_acl.open_link(:'pw_token', 'guess');
PREPARE TRANSACTION 'share_acl_prepare_open';
BEGIN;
SELECT status FROM share_acl.open_link(:'pw_token');
PREPARE TRANSACTION 'share_acl_prepare_open';
BEGIN;
SELECT status FROM share_acl.open_link(:'revoked_token');
PREPARE TRANSACTION 'share_acl_prepare_open';
BEGIN;
SELECT status FROM share_acl.open_link(:'mv_token');
PREPARE TRANSACTION 'share_acl_prepare_open';
-- an open rolled back to a savepoint took its row along: nothing is held
BEGIN;
SAVEPOINT s;
SELECT status FROM share_acl.open_link(:'pw_token', 'guess');
ROLLBACK TO SAVEPOINT s;
PREPARE TRANSACTION 'share_acl_prepare_open';
RESET ROLE;
ROLLBACK PREPARED 'share_acl_prepare_open';
-- one released to its parent keeps it
SET ROLE share_acl_prepare_open;
BEGIN;
SAVEPOINT s;
SELECT status FROM share_acl.open_link(:'pw_token', 'guess');
RELEASE SAVEPOINT s;
PREPARE TRANSACTION 'share_acl_prepare_open';
RESET ROLE;
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'share_acl_prepare_open';
-- the workspace's commits go on
BEGIN;
SELECT share_acl.set_principal(:'owner') IS NOT NULL AS acting;
SELECT share_acl.create_resource(:'ws', 'asset', :'project') IS NOT NULL AS uploaded;
COMMIT;
RESET lock_timeout;
SELECT ok FROM share_acl.audit_verify(:'ws');
\o /dev/null
DELETE FROM share_acl.workspace WHERE id = :'ws';
DELETE FROM share_acl.principal WHERE email LIKE '%@prepare-open.test';
\o
DROP OWNED BY share_acl_prepare_open;
DROP ROLE share_acl_prepare_open;
