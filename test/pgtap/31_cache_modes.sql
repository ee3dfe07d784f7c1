-- pgTAP: how a backend's structure starts and grows (share_acl.cache_stats()).
--
-- A backend's first check must not wait for a bulk load of a big resource
-- table: the structure starts partial (each resource read with what is above
-- it when first asked), gives the same answers, and is loaded in full once
-- the backend has read enough on demand, or at once when a call visits every
-- resource (accessible_resources).  A change then costs a delta, not a load.
-- Each pg_prove file runs in a fresh backend, so the structure starts empty.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(17);

\set w      31000000-0000-0000-0001-000000000001
\set owner  31000000-0000-0000-0002-000000000001
\set u      31000000-0000-0000-0002-000000000002
\set P      31000000-0000-0000-0003-000000000001
\set Q      31000000-0000-0000-0003-000000000002

INSERT INTO share_acl.workspace (id, name) VALUES (:'w', 'cache modes');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@modes.test'), (:'u', 'user', 'u@modes.test');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'u', 'guest');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    (:'P', :'w', 'project', NULL), (:'Q', :'w', 'project', NULL);
-- 40,000 assets: every even one under P (shared with u), every odd one under Q
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('31000000-0000-0000-0004-' || lpad(to_hex(i), 12, '0'))::uuid, :'w', 'asset',
       CASE WHEN i % 2 = 0 THEN :'P'::uuid ELSE :'Q'::uuid END
  FROM generate_series(1, 40000) i;
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (:'P', :'u', 'viewer');
-- an asset of u's own under Q (the only resource u owns)
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
    ('31000000-0000-0000-0006-000000000001', :'w', 'asset', :'Q', :'u');
ANALYZE share_acl.resource;

CREATE TEMP TABLE stats_before AS SELECT * FROM share_acl.cache_stats();
SELECT is((SELECT structure FROM stats_before), 'empty', 'a fresh backend holds no structure');

-- the first check
SELECT is(has_access(:'u', '31000000-0000-0000-0004-000000000002', 'view'), true,
          'first check: u views an asset under the shared project');
SELECT is((SELECT structure FROM cache_stats()), 'partial',
          'after the first check of a big table the structure is partial (no bulk load)');
SELECT ok((SELECT resources FROM cache_stats()) < 10,
          'the partial structure holds only what the check read (the asset and its project)');
SELECT is((SELECT full_loads FROM cache_stats()), (SELECT full_loads FROM stats_before),
          'no full load for the first check');
SELECT is(has_access(:'u', '31000000-0000-0000-0004-000000000003', 'view'), false,
          'partial: u does not view an asset under the other project');
SELECT is(has_access(:'owner', '31000000-0000-0000-0004-000000000003', 'delete'), true,
          'partial: the workspace owner deletes it');
SELECT is(has_access(:'u', '31000000-0000-0000-0006-000000000001', 'edit'), true,
          'partial: u edits her own asset (R1) at its first read, which makes her an owner the structure knows');

-- a change while partial: a move, applied to what the structure holds
UPDATE share_acl.resource SET parent_id = :'P' WHERE id = '31000000-0000-0000-0004-000000000003';
SELECT is(has_access(:'u', '31000000-0000-0000-0004-000000000003', 'view'), true,
          'partial: a move into the shared project is seen by the next check');
UPDATE share_acl.resource SET parent_id = :'Q' WHERE id = '31000000-0000-0000-0004-000000000003';

-- enough different resources read on demand: loaded in full, same answers
SELECT is((SELECT count(*) FROM share_acl.resource r
            WHERE r.kind = 'asset' AND r.id <= '31000000-0000-0000-0004-000000000bb8'
              AND has_access(:'u', r.id, 'view')),
          1500::bigint, 'u views exactly the 1,500 even assets among the first 3,000');
SELECT is((SELECT structure FROM cache_stats()), 'full',
          'after reading enough resources on demand the structure is loaded in full');
SELECT is((SELECT full_loads - (SELECT full_loads FROM stats_before) FROM cache_stats()), 1::bigint,
          'loaded in full once');
SELECT ok((SELECT resources FROM cache_stats()) >= 40002, 'the full structure holds every resource');
SELECT is(has_access(:'u', '31000000-0000-0000-0004-000000009c40', 'view'), true,
          'full: u views the last even asset');

-- an upload and a delete now cost a delta each, not a load
SELECT share_acl.set_principal(:'owner');
SELECT lives_ok($$SELECT share_acl.create_resource('31000000-0000-0000-0001-000000000001', 'asset',
                  '31000000-0000-0000-0003-000000000001', '31000000-0000-0000-0005-000000000001')$$,
                 'an upload');
DELETE FROM share_acl.resource WHERE id = '31000000-0000-0000-0004-000000000004';
SELECT is(ARRAY[has_access(:'u', '31000000-0000-0000-0005-000000000001', 'view'),
                has_access(:'u', '31000000-0000-0000-0004-000000000004', 'view')],
          ARRAY[true, false], 'the upload is viewable and the deleted asset is not, at the next check');
SELECT is((SELECT full_loads - (SELECT full_loads FROM stats_before) FROM cache_stats()), 1::bigint,
          'the upload and the delete were applied as deltas (no other full load)');

SELECT * FROM finish();
ROLLBACK;
-- the rows are gone: do not leave a 40,000-row estimate to the next files
ANALYZE share_acl.resource;
