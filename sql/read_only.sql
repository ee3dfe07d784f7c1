-- A management function in a read-only transaction (every transaction of a
-- hot standby is one) is refused with 25006 naming the function, not an
-- internal step (a sequence, a transaction id).
\set VERBOSITY default
\set SHOW_CONTEXT never
\o /dev/null
SELECT share_acl.create_user('owner@readonly.test') AS owner \gset
SELECT share_acl.create_user('guest@readonly.test') AS guest \gset
SELECT share_acl.create_workspace('read only', :'owner') AS ws \gset
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.add_member(:'ws', :'guest', 'guest');
SELECT share_acl.share(:'project', :'guest', 'viewer') AS share \gset
\o
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'asset', :'project');
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.share(:'project', :'guest', 'commenter');
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.unshare(:'share');
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.share_with_email(:'project', 'someone@readonly.test', 'viewer');
ROLLBACK;
-- the functions written in PL/pgSQL refuse the same way, before their
-- checks: a principal without rights gets 25006 too, and no refusal is audited
SELECT count(*) AS audit_rows_before FROM share_acl.audit_log \gset
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.update_share(:'share', 'commenter');
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.move_resource(:'project', NULL);
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'guest');
SELECT share_acl.set_restricted(:'project', true);
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'guest');
SELECT share_acl.create_link(:'project');
ROLLBACK;
-- a role that may not manage without a principal: 25006 still comes first
CREATE ROLE read_only_app IN ROLE share_acl_user;
BEGIN READ ONLY;
SET LOCAL ROLE read_only_app;
SELECT share_acl.add_member(:'ws', :'guest', 'viewer');
ROLLBACK;
-- (and the inbox's writes, which need a person as the principal)
BEGIN READ ONLY;
SET LOCAL ROLE read_only_app;
SELECT share_acl.mute(:'project');
ROLLBACK;
BEGIN READ ONLY;
SET LOCAL ROLE read_only_app;
SELECT share_acl.set_notification_preference('share_received', true, true);
ROLLBACK;
-- protect() and unprotect() run as their caller: 25006 before the owner check
CREATE TABLE read_only_rows (id uuid);
BEGIN READ ONLY;
SELECT share_acl.protect('read_only_rows');
ROLLBACK;
BEGIN READ ONLY;
SET LOCAL ROLE read_only_app;
SELECT share_acl.unprotect('read_only_rows');
ROLLBACK;
DROP TABLE read_only_rows;
DROP ROLE read_only_app;
-- and those that write without an actor
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'guest');
SELECT share_acl.mute(:'project');
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.set_principal(:'guest');
SELECT share_acl.mark_read(NULL::uuid[]);
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.create_user('late@readonly.test');
ROLLBACK;
BEGIN READ ONLY;
SELECT share_acl.rotate_signing_key();
ROLLBACK;
SELECT count(*) - :audit_rows_before AS audit_rows_written FROM share_acl.audit_log;
-- checks and look-ups still answer
BEGIN READ ONLY;
SELECT share_acl.has_access(:'guest', :'project', 'view') AS guest_views;
ROLLBACK;
