-- pgTAP: R13 for changes made with session_replication_role = replica.  A
-- change made so (by a replication tool, or logical replication's apply
-- worker) must invalidate the caches like any other: the statement-level
-- cache triggers fire in every replication role (ENABLE ALWAYS), and since
-- the apply worker fires row triggers only, a row trigger enabled for the
-- replica role alone does the same there.  Each case warms the cache with a
-- check, changes the model in replica mode, and checks again in the same
-- transaction (the backend applies its own invalidations at each command
-- boundary; across sessions: test/isolation/specs/replica_invalidation.spec).
BEGIN;
SELECT plan(22);

\set w      29000000-0000-0000-0001-000000000001
\set owner  29000000-0000-0000-0002-000000000001
\set m      29000000-0000-0000-0002-000000000002
\set g      29000000-0000-0000-0002-000000000003
\set u      29000000-0000-0000-0002-000000000004
\set v      29000000-0000-0000-0002-000000000005
\set t      29000000-0000-0000-0002-0000000000a1
\set P      29000000-0000-0000-0003-000000000001
\set A      29000000-0000-0000-0003-000000000002
\set C      29000000-0000-0000-0003-000000000003
\set B      29000000-0000-0000-0003-000000000004
\set s_u    29000000-0000-0000-0004-000000000001
\set s_t    29000000-0000-0000-0004-000000000002
\set s_c    29000000-0000-0000-0004-000000000003
\set s_v    29000000-0000-0000-0004-000000000004
\set l      29000000-0000-0000-0005-000000000001

-- owner; m member (in team t); g guest; u and v outsiders with shares.
-- Project P holds asset A and collection C; asset B is in P and in C.
INSERT INTO share_acl.workspace (id, name) VALUES (:'w', 't29');
INSERT INTO share_acl.principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@t29.test'), (:'m', 'user', 'm@t29.test'),
    (:'g', 'user', 'g@t29.test'), (:'u', 'user', 'u@t29.test'), (:'v', 'user', 'v@t29.test');
INSERT INTO share_acl.principal (id, kind, display_name, workspace_id) VALUES (:'t', 'team', 'T', :'w');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'m', 'member'), (:'w', :'g', 'guest');
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (:'t', :'m');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id) VALUES
    (:'P', :'w', 'project', NULL, :'owner'),
    (:'A', :'w', 'asset', :'P', :'owner'),
    (:'C', :'w', 'collection', :'P', :'owner'),
    (:'B', :'w', 'asset', :'P', :'owner');
INSERT INTO share_acl.collection_item (collection_id, resource_id) VALUES (:'C', :'B');
INSERT INTO share_acl.share (id, resource_id, grantee_id, perms) VALUES
    (:'s_u', :'P', :'u', 'editor'),
    (:'s_t', :'P', :'t', 'editor'),
    (:'s_c', :'C', :'v', 'viewer'),
    (:'s_v', :'A', :'g', 'viewer');
INSERT INTO share_acl.link (id, resource_id, perms, created_by) VALUES (:'l', :'P', 'viewer', :'owner');

SELECT is((SELECT array_agg(DISTINCT t.tgenabled::text ORDER BY t.tgenabled::text) FROM pg_trigger t
            WHERE t.tgname IN ('zz_cache_invalidate', 'zz_change_log_insert', 'zz_change_log_update',
                               'zz_change_log_delete', 'zz_change_log_truncate')
              AND t.tgrelid::regclass::text LIKE 'share\_acl.%'),
    ARRAY['A'], 'the cache triggers fire in every replication role (ENABLE ALWAYS)');
SELECT is(ARRAY(SELECT DISTINCT t.tgrelid::regclass::text FROM pg_trigger t
                 WHERE t.tgname IN ('zz_cache_invalidate', 'zz_change_log_insert')
                   AND t.tgrelid::regclass::text LIKE 'share\_acl.%' ORDER BY 1),
          ARRAY(SELECT DISTINCT t.tgrelid::regclass::text FROM pg_trigger t
                 WHERE t.tgname IN ('zz_cache_invalidate_row', 'zz_change_log_row') AND t.tgenabled = 'R'
                   AND t.tgrelid::regclass::text LIKE 'share\_acl.%' ORDER BY 1),
    'every table with a cache trigger has a row trigger for the replica role (ENABLE REPLICA)');
SELECT is(ARRAY(SELECT DISTINCT t.tgrelid::regclass::text FROM pg_trigger t
                 WHERE t.tgname IN ('zz_cache_invalidate', 'zz_change_log_insert')
                   AND t.tgrelid::regclass::text LIKE 'share\_acl.%' ORDER BY 1),
          ARRAY['share_acl.collection_item', 'share_acl.link', 'share_acl.member', 'share_acl.principal',
                'share_acl.resource', 'share_acl.review_reviewer', 'share_acl.share', 'share_acl.signing_key',
                'share_acl.team_member', 'share_acl.workspace'],
    'every table the engine reads has a cache trigger (signing_key: a link context names its token''s key)');

-- ------------------------------------------------------------------ share
SELECT is(share_acl.has_access(:'u', :'A', 'edit'), true, 'share: u edits A (warm)');
SET LOCAL session_replication_role = replica;
DELETE FROM share_acl.share WHERE id = :'s_u';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'u', :'A', 'view'), false, 'share deleted in replica mode: u no longer views A');

-- ------------------------------------------------------------ team_member
SELECT is(share_acl.has_access(:'m', :'A', 'edit'), true, 'team_member: m edits A through team t (warm)');
SET LOCAL session_replication_role = replica;
DELETE FROM share_acl.team_member WHERE team_id = :'t' AND member_id = :'m';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'m', :'A', 'edit'), false, 'team membership deleted in replica mode: m no longer edits A');

-- ----------------------------------------------------------------- member
SELECT is(share_acl.has_access(:'m', :'w', 'upload'), true, 'member: m uploads to the workspace (warm)');
SET LOCAL session_replication_role = replica;
UPDATE share_acl.member SET role = 'viewer' WHERE workspace_id = :'w' AND principal_id = :'m';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'m', :'w', 'upload'), false, 'role lowered in replica mode: m no longer uploads');

-- -------------------------------------------------------------- workspace
SELECT is(share_acl.has_access(:'g', :'A', 'view'), true, 'workspace: guest g views A through its share (warm)');
SET LOCAL session_replication_role = replica;
UPDATE share_acl.workspace SET guest_access_enabled = false WHERE id = :'w';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'g', :'A', 'view'), false, 'guest access turned off in replica mode: g no longer views A');
UPDATE share_acl.workspace SET guest_access_enabled = true WHERE id = :'w';

-- -------------------------------------------------------- collection_item
SELECT is(share_acl.has_access(:'v', :'B', 'view'), true, 'collection_item: v views B through collection C (warm)');
SET LOCAL session_replication_role = replica;
DELETE FROM share_acl.collection_item WHERE collection_id = :'C' AND resource_id = :'B';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'v', :'B', 'view'), false, 'item removed in replica mode: v no longer views B');

-- --------------------------------------------------------------- resource
INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (:'P', :'u', 'viewer');
SELECT is(share_acl.has_access(:'u', :'A', 'view'), true, 'resource: u views A through P (warm)');
SET LOCAL session_replication_role = replica;
UPDATE share_acl.resource SET restricted = true WHERE id = :'A';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'u', :'A', 'view'), false, 'A restricted in replica mode: u no longer views A');

-- ------------------------------------------------------------------- link
SELECT is((SELECT ok FROM share_acl.open_link(share_acl._token_sign(k.kid, k.secret, :'l'))), true, 'link: opened')
  FROM share_acl.signing_key k WHERE k.retired_at IS NULL ORDER BY k.kid DESC LIMIT 1;
SELECT is(share_acl.has_access(:'B', 'view'), true, 'link: the link context views B (warm)');
SET LOCAL session_replication_role = replica;
UPDATE share_acl.link SET revoked_at = now() WHERE id = :'l';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'B', 'view'), false, 'link revoked in replica mode: the link context no longer views B');

-- --------------------------------------------- as the apply worker does it
-- Logical replication's apply worker fires no statement triggers: with the
-- statement trigger off, the replica-role row trigger alone invalidates.
INSERT INTO share_acl.share (id, resource_id, grantee_id, perms) VALUES
    ('29000000-0000-0000-0004-000000000009', :'P', :'v', 'editor');
ALTER TABLE share_acl.share DISABLE TRIGGER zz_change_log_insert, DISABLE TRIGGER zz_change_log_delete;
SELECT is(share_acl.has_access(:'v', :'B', 'edit'), true, 'row trigger: v edits B (warm)');
SET LOCAL session_replication_role = replica;
DELETE FROM share_acl.share WHERE id = '29000000-0000-0000-0004-000000000009';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'v', :'B', 'edit'), false,
    'row trigger: a share deleted in replica mode without statement triggers denies too');
ALTER TABLE share_acl.share ENABLE ALWAYS TRIGGER zz_change_log_insert,
    ENABLE ALWAYS TRIGGER zz_change_log_delete;
ALTER TABLE share_acl.resource DISABLE TRIGGER zz_change_log_update;
SELECT is(share_acl.has_access(:'u', :'B', 'view'), true, 'row trigger: u views B through P (warm)');
SET LOCAL session_replication_role = replica;
UPDATE share_acl.resource SET restricted = true WHERE id = :'B';
SET LOCAL session_replication_role = origin;
SELECT is(share_acl.has_access(:'u', :'B', 'view'), false,
    'row trigger: a resource restricted in replica mode without statement triggers denies too');
ALTER TABLE share_acl.resource ENABLE ALWAYS TRIGGER zz_change_log_update;

SELECT * FROM finish();
ROLLBACK;
