-- A transaction made read-only after it opened a share link, or after an
-- audited write, cannot commit what share_acl writes at its commit (the
-- view's count, the audit rows): it fails with 25006 saying so, not with
-- the error of whichever write came first (nextval() of the audit ids), and
-- nothing of it is kept.  Made read-only before, open_link refuses at once.
SET log_min_error_statement = panic;	-- (the token below is a literal)
\o /dev/null
SELECT share_acl.create_user('owner@read-only-commit.test') AS owner \gset
SELECT share_acl.create_workspace('read-only-commit', :'owner') AS ws \gset
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_link(:'project', label => 'read only commit') AS token \gset
COMMIT;
\o
SELECT count(*) AS audit_rows_before FROM share_acl.audit_log WHERE workspace_id = :'ws' \gset

-- an open, then read-only: the commit fails, nothing counted
BEGIN;
SELECT ok FROM share_acl.open_link(:'token');
SET LOCAL transaction_read_only = on;
COMMIT;
SELECT view_count FROM share_acl.link WHERE label = 'read only commit';

-- an audited write, then read-only: the same
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'asset', :'project') IS NOT NULL AS uploaded;
SET TRANSACTION READ ONLY;
COMMIT;
SELECT count(*) - :audit_rows_before AS audit_rows_added,
       (SELECT count(*) FROM share_acl.resource WHERE workspace_id = :'ws') AS resources
  FROM share_acl.audit_log WHERE workspace_id = :'ws';

-- read-only first: open_link refuses before it looks at the token
BEGIN READ ONLY;
SELECT ok FROM share_acl.open_link(:'token');
ROLLBACK;

-- and as before, read-write: the open and its count commit
SELECT ok FROM share_acl.open_link(:'token');
SELECT view_count FROM share_acl.link WHERE label = 'read only commit';
SELECT bool_and(ok) AS chains_verify FROM share_acl.audit_verify(:'ws');
