-- pgTAP: R13 within one transaction.  The engine's caches are refreshed by
-- relcache invalidation, which PostgreSQL applies to the backend's own
-- changes at each command boundary; so a change made earlier in the same
-- transaction is seen by the next check.  Each case below first warms the
-- cache with a check (of an asset, so that the project above it is
-- memoized too), then changes the model, then checks again.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(42);

\set w      18000000-0000-0000-0001-000000000001
\set owner  18000000-0000-0000-0002-000000000001
\set m1     18000000-0000-0000-0002-000000000002
\set m2     18000000-0000-0000-0002-000000000003
\set m3     18000000-0000-0000-0002-000000000004
\set m4     18000000-0000-0000-0002-000000000005
\set g      18000000-0000-0000-0002-000000000006
\set m5     18000000-0000-0000-0002-000000000007
\set t1     18000000-0000-0000-0002-0000000000a1
\set t2     18000000-0000-0000-0002-0000000000a2
\set P      18000000-0000-0000-0003-000000000001
\set A      18000000-0000-0000-0003-000000000002
\set P2     18000000-0000-0000-0003-000000000003
\set B      18000000-0000-0000-0003-000000000004
\set PUB    18000000-0000-0000-0003-000000000005
\set PA     18000000-0000-0000-0003-000000000006
\set COL    18000000-0000-0000-0003-000000000007
\set s1     18000000-0000-0000-0004-000000000001
\set s2     18000000-0000-0000-0004-000000000002
\set s3     18000000-0000-0000-0004-000000000003

INSERT INTO workspace (id, name, members_can_share) VALUES (:'w', 'f18', false);
INSERT INTO principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@f18.test'), (:'m1', 'user', 'm1@f18.test'),
    (:'m2', 'user', 'm2@f18.test'), (:'m3', 'user', 'm3@f18.test'),
    (:'m4', 'user', 'm4@f18.test'), (:'g', 'user', 'g@f18.test'), (:'m5', 'user', 'm5@f18.test');
INSERT INTO principal (id, kind, display_name, workspace_id) VALUES
    (:'t1', 'team', 'T1', :'w'), (:'t2', 'team', 'T2', :'w');
INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'m1', 'member'), (:'w', :'m2', 'admin'),
    (:'w', :'m3', 'member'), (:'w', :'m4', 'member'), (:'w', :'g', 'guest'), (:'w', :'m5', 'member');
INSERT INTO team_member (team_id, member_id) VALUES (:'t1', :'t2'), (:'t2', :'m4');

INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access) VALUES
    (:'P',   :'w', 'project',    NULL,   :'owner', 'shared'),
    (:'A',   :'w', 'asset',      :'P',   :'owner', 'private'),
    (:'P2',  :'w', 'project',    NULL,   :'owner', 'private'),
    (:'B',   :'w', 'asset',      :'P2',  :'owner', 'private'),
    (:'PUB', :'w', 'project',    NULL,   :'owner', 'public'),
    (:'PA',  :'w', 'asset',      :'PUB', :'owner', 'private'),
    (:'COL', :'w', 'collection', :'P',   :'owner', 'private');

INSERT INTO share (id, resource_id, grantee_id, perms, granted_by) VALUES
    (:'s1', :'P', :'m1', 'editor',    :'owner'),
    (:'s2', :'P', :'g',  'editor',    :'owner');
INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES
    (:'P',  :'t1', 'commenter', :'owner'),
    (:'P',  :'m3', 'manager',   :'owner');

-- a share deleted
SELECT ok(has_access(:'m1', :'A', 'edit'), 'R13: (before) m1 edits A through its share on P');
DELETE FROM share WHERE id = :'s1';
SELECT ok(NOT has_access(:'m1', :'A', 'view'), 'R13: after DELETE of the share, the next check denies');
SELECT is(effective_permissions(:'m1', :'P'), ''::permset, 'R13: ... on the project too');
SELECT ok(NOT EXISTS (SELECT 1 FROM accessible_resources(:'m1', 'view') a WHERE a IN (:'P', :'A')),
          'R13: ... and accessible_resources no longer lists P or A');

-- a share inserted
INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES (:'B', :'m1', 'viewer', :'owner');
SELECT is(effective_permissions(:'m1', :'B'), 'viewer'::permset, 'R13: a share inserted is seen by the next check');

-- savepoints: a rolled-back grant must not keep allowing; a rolled-back revoke allows again
SAVEPOINT grant_sp;
INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES (:'P2', :'m1', 'editor', :'owner');
SELECT ok(has_access(:'m1', :'B', 'edit'), 'R13: a share inserted after a savepoint allows');
ROLLBACK TO SAVEPOINT grant_sp;
SELECT is(effective_permissions(:'m1', :'B'), 'viewer'::permset,
          'R13: after ROLLBACK TO SAVEPOINT, the rolled-back share no longer allows');
SAVEPOINT revoke_sp;
DELETE FROM share WHERE resource_id = :'B' AND grantee_id = :'m1';
SELECT ok(NOT has_access(:'m1', :'B', 'view'), 'R13: a share deleted after a savepoint denies');
ROLLBACK TO SAVEPOINT revoke_sp;
SELECT ok(has_access(:'m1', :'B', 'view'), 'R13: after ROLLBACK TO SAVEPOINT, the share is back');

-- inside one PL/pgSQL function: check, revoke, check again
INSERT INTO share (id, resource_id, grantee_id, perms, granted_by) VALUES (:'s3', :'P2', :'g', 'viewer', :'owner');
CREATE FUNCTION pg_temp.check_revoke_check(s uuid, p uuid, r uuid) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE before boolean;
BEGIN
    before := share_acl.has_access(p, r, 'view');
    DELETE FROM share_acl.share WHERE id = s;
    RETURN before::text || ',' || share_acl.has_access(p, r, 'view')::text;
END $$;
SELECT is(pg_temp.check_revoke_check(:'s3', :'g', :'B'), 'true,false',
          'R13: within one PL/pgSQL function, a check after a revoke denies');

-- a share updated: perms, then expiry
SELECT ok(has_access(:'g', :'A', 'edit'), 'R13: (before) the guest edits A');
UPDATE share SET perms = 'viewer' WHERE id = :'s2';
SELECT is(effective_permissions(:'g', :'A'), 'viewer'::permset, 'R13: after UPDATE of perms, the new perms apply');
UPDATE share SET expires_at = now() - interval '1 minute' WHERE id = :'s2';
SELECT is(effective_permissions(:'g', :'A'), ''::permset, 'R13: after UPDATE of expires_at into the past, the share is gone');
UPDATE share SET expires_at = NULL, allow_comments = false WHERE id = :'s2';
SELECT is(effective_permissions(:'g', :'A'), 'view_only'::permset, 'R13: after UPDATE of a toggle, the mask applies');

-- restricted set and cleared
SELECT ok(has_access(:'m3', :'A', 'share'), 'R13: (before) m3 has manager on A');
UPDATE resource SET restricted = true WHERE id = :'A';
SELECT ok(NOT has_access(:'m3', :'A', 'view'), 'R13: after setting A restricted, the next check denies');
SELECT ok(has_access(:'m3', :'P', 'share'), 'R13: ... while the project is unchanged');
UPDATE resource SET restricted = false WHERE id = :'A';
SELECT ok(has_access(:'m3', :'A', 'share'), 'R13: after clearing restricted, access is back');

-- general access changed
SELECT ok(has_access(:'m2', :'A', 'edit'), 'R13: (before) the admin edits A (shared project)');
UPDATE resource SET general_access = 'private' WHERE id = :'P';
SELECT ok(NOT has_access(:'m2', :'A', 'view'), 'R13: after setting the project private, the admin is denied');
UPDATE resource SET general_access = 'shared' WHERE id = :'P';

-- a role changed
SELECT ok(has_access(:'m2', :'A', 'edit'), 'R13: (before) the admin edits A again');
UPDATE member SET role = 'member' WHERE workspace_id = :'w' AND principal_id = :'m2';
SELECT is(effective_permissions(:'m2', :'A'), ''::permset, 'R13: after demoting the admin to member, shared gives nothing');
SELECT is(effective_permissions(:'m2', :'w'), 'upload,share,view'::permset, 'R13: ... and R12 follows the new role');
UPDATE member SET role = 'guest' WHERE workspace_id = :'w' AND principal_id = :'m3';
SELECT is(effective_permissions(:'m3', :'A'),
          'manager'::permset - 'share,manage_members,change_permissions,upload,run_ai'::permset,
          'R13: after changing a member to guest, the guest cap applies');
DELETE FROM member WHERE workspace_id = :'w' AND principal_id = :'m5';
SELECT ok(NOT has_access(:'m5', :'PA', 'view'), 'R13: after removing a member, public access is gone');

-- a policy changed
SELECT ok(has_access(:'g', :'A', 'view'), 'R13: (before) the guest views A');
UPDATE workspace SET guest_access_enabled = false WHERE id = :'w';
SELECT ok(NOT has_access(:'g', :'A', 'view'), 'R13: after disabling guests, the guest is denied');
SELECT ok(NOT has_access(:'m3', :'A', 'view'), 'R13: ... and so is the member just made a guest');
UPDATE workspace SET guest_access_enabled = true WHERE id = :'w';
SELECT ok(has_access(:'g', :'A', 'view'), 'R13: after re-enabling guests, the guest views again');
SELECT ok(has_access(:'m1', :'PA', 'view') AND NOT has_access(:'m1', :'PA', 'comment'),
          'R13: (before) the public level is viewer');
UPDATE workspace SET public_access_level = 'commenter' WHERE id = :'w';
SELECT is(effective_permissions(:'m1', :'PA'), 'commenter'::permset, 'R13: after changing public_access_level, the new level applies');
UPDATE workspace SET members_can_share = true WHERE id = :'w';
SELECT is(effective_permissions(:'m1', :'PA'), 'commenter,share'::permset, 'R13: after turning members_can_share on, R11 applies');
UPDATE workspace SET members_can_share = false WHERE id = :'w';
SELECT is(effective_permissions(:'m1', :'PA'), 'commenter'::permset, 'R13: after turning members_can_share off, R11 no longer applies');

-- a team member removed (nested: t1 > t2 > m4)
SELECT is(effective_permissions(:'m4', :'A'), 'commenter'::permset, 'R13: (before) m4 comments on A through t1 > t2');
DELETE FROM team_member WHERE team_id = :'t2' AND member_id = :'m4';
SELECT is(effective_permissions(:'m4', :'A'), ''::permset, 'R13: after removing m4 from t2, the team share is gone');
INSERT INTO team_member (team_id, member_id) VALUES (:'t2', :'m4');
SELECT is(effective_permissions(:'m4', :'A'), 'commenter'::permset, 'R13: after adding m4 back, the team share is back');
DELETE FROM team_member WHERE team_id = :'t1' AND member_id = :'t2';
SELECT ok(NOT has_access(:'m4', :'A', 'view'), 'R13: after unlinking t2 from t1, the share to t1 no longer reaches m4');

-- ownership and structure changed
UPDATE resource SET owner_id = :'m1' WHERE id = :'B';
SELECT ok(has_access(:'m1', :'B', 'delete'), 'R13: after making m1 the owner of B, R10 applies');
UPDATE resource SET owner_id = :'owner' WHERE id = :'B';
SELECT is(effective_permissions(:'m1', :'B'), 'viewer'::permset, 'R13: after taking ownership away, only the share is left');
UPDATE resource SET parent_id = :'P' WHERE id = :'B';
SELECT ok(has_access(:'g', :'B', 'view'), 'R13: after moving B under P, the guest''s share on P reaches it');
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'COL', :'PA');
SELECT ok(has_access(:'g', :'PA', 'view'), 'R13: after adding PA to a collection under P, the share on P reaches it');
DELETE FROM collection_item WHERE collection_id = :'COL' AND resource_id = :'PA';
SELECT ok(NOT has_access(:'g', :'PA', 'view'), 'R13: after removing it from the collection, the guest is denied');

SELECT * FROM finish();
ROLLBACK;
