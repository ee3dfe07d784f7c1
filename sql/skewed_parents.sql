-- Walks down the tree read what is below the resource they start from, by
-- index probes, whatever the planner would guess of the table: here one
-- tenant's project holds 20,000 assets, so a recursive query planned from
-- the table's statistics expects tens of thousands of children under any
-- resource.  delete_resource of one asset of another tenant (its walk,
-- _subtree) and _foreign_below (R14's owner exemption, member_edit_own_only)
-- then scanned every tenant's resources (0.9 s at 200,000 resources) or
-- were compiled by JIT at each call (0.7 s): now neither scans the table.
\o /dev/null
SELECT share_acl.create_user('owner@skewed-parents.test') AS owner \gset
SELECT share_acl.create_workspace('skewed big', :'owner') AS big \gset
SELECT share_acl.create_workspace('skewed small', :'owner') AS small \gset
BEGIN;
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'big', 'project') AS pb \gset
SELECT share_acl.create_resource(:'small', 'project') AS ps \gset
SELECT share_acl.create_resource(:'small', 'asset', :'ps') AS a1 \gset
SELECT share_acl.create_resource(:'small', 'asset', :'ps') AS a2 \gset
COMMIT;
-- (loaded as an administrator would: rows rather than API calls)
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
SELECT gen_random_uuid(), :'big', 'asset', :'pb', :'owner' FROM generate_series(1, 20000);
ANALYZE share_acl.resource;
\o
BEGIN;
SELECT share_acl.set_principal(:'owner') \g /dev/null
SELECT seq_scan AS seq_before FROM pg_stat_xact_user_tables WHERE relid = 'share_acl.resource'::regclass \gset
SELECT share_acl.delete_resource(:'a1');
SELECT share_acl._foreign_below(:'owner', :'ps') AS foreign_below_ps;
SELECT seq_scan - :seq_before AS resource_seq_scans FROM pg_stat_xact_user_tables
 WHERE relid = 'share_acl.resource'::regclass;
SELECT count(*) AS small_assets_left FROM share_acl.resource WHERE parent_id = :'ps';
ROLLBACK;
