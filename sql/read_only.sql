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
-- checks and look-ups still answer
BEGIN READ ONLY;
SELECT share_acl.has_access(:'guest', :'project', 'view') AS guest_views;
ROLLBACK;
