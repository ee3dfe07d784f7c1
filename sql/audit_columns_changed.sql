-- A seal writes its rows into audit_log's partition below the executor only
-- while the partition's columns are the extension's, in their places
-- (src/audit_rows.c); a backend checks that once per partition and checks
-- again after any change of a table's columns.  Here a backend seals (and
-- remembers the partition as checked), an administrator adds a column to
-- audit_log, and the same backend's next seal writes through the INSERT
-- statement: the new column takes its default, and the chain verifies.
-- Then the column is dropped (a dropped column stays in the descriptor):
-- the seal still writes the row, and the chain still verifies.
\set regression_db :DBNAME
CREATE DATABASE share_acl_audit_columns;
\c share_acl_audit_columns
CREATE EXTENSION share_acl;
\o /dev/null
SELECT share_acl.create_user('owner@audit-columns.test') AS owner \gset
SELECT share_acl.create_workspace('audit columns', :'owner') AS ws \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
\o
\i sql/lib/audited_churn.sql
CALL pg_temp.churn(:'project', 2);
ALTER TABLE share_acl.audit_log ADD COLUMN note text DEFAULT 'added by the administrator';
CALL pg_temp.churn(:'project', 2);
SELECT action, note FROM share_acl.audit_log WHERE object_id = :'project' ORDER BY id DESC LIMIT 3;
SELECT bool_and(ok) AS chains_verify FROM share_acl.audit_verify();
ALTER TABLE share_acl.audit_log DROP COLUMN note;
CALL pg_temp.churn(:'project', 2);
SELECT count(*) AS updates_logged FROM share_acl.audit_log
 WHERE object_id = :'project' AND action = 'update';
SELECT bool_and(ok) AS chains_verify FROM share_acl.audit_verify();
\c :regression_db
DROP DATABASE share_acl_audit_columns;
