-- At commit, a change that relied on "nothing of anyone else's is below this
-- resource" (an owner moving its own asset, R14; a member passing on edit
-- under member_edit_own_only) is checked again by an internal helper that
-- only the extension's owner may execute.  The application's role, which
-- commits, is not that owner: the check runs as the owner, and these
-- commits succeed for a role that holds share_acl_user alone.
CREATE ROLE share_acl_recheck_app NOLOGIN;
GRANT share_acl_user TO share_acl_recheck_app;
\o /dev/null
SELECT share_acl.create_user('owner@recheck.test') AS owner \gset
SELECT share_acl.create_user('member@recheck.test') AS member \gset
SELECT share_acl.create_user('other@recheck.test') AS other \gset
SELECT share_acl.create_workspace('recheck', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'member', 'member');
SELECT share_acl.add_member(:'ws', :'other', 'member');
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.share(:'project', :'member', 'editor');
\o
SET ROLE share_acl_recheck_app;
BEGIN;
SELECT share_acl.set_principal(:'member') IS NOT NULL AS acting;
SELECT share_acl.create_resource(:'ws', 'collection', :'project') AS folder \gset
SELECT share_acl.create_resource(:'ws', 'asset', :'project') AS asset \gset
COMMIT;
-- the member moves its own asset into its own folder
BEGIN;
SELECT share_acl.set_principal(:'member') IS NOT NULL AS acting;
SELECT share_acl.move_resource(:'asset', :'folder');
COMMIT;
SELECT parent_id = :'folder' AS moved FROM share_acl.resource WHERE id = :'asset';
-- under member_edit_own_only, the member shares its own asset with edit
RESET ROLE;
SELECT share_acl.set_workspace_policy(:'ws', 'member_edit_own_only', 'true')
  FROM share_acl.set_principal(:'owner');
SET ROLE share_acl_recheck_app;
BEGIN;
SELECT share_acl.set_principal(:'member') IS NOT NULL AS acting;
SELECT share_acl.share(:'asset', :'other', 'editor') IS NOT NULL AS shared;
COMMIT;
SELECT share_acl.has_access(:'other', :'asset', 'view') AS other_views,
       share_acl.has_access(:'other', :'asset', 'edit') AS other_edits;  -- (capped: not its own)
RESET ROLE;
DELETE FROM share_acl.workspace WHERE id = :'ws';
DELETE FROM share_acl.principal WHERE email LIKE '%@recheck.test';
DROP OWNED BY share_acl_recheck_app;
DROP ROLE share_acl_recheck_app;
