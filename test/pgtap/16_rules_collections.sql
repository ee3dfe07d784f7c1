-- pgTAP: collections as extra parents (SPEC §2 anc(R), §3 R4, R5, R8, R10).
--
-- Layout (all in one workspace, members_can_share = false):
--   P1 > C1 (collection) contains X and XR;  X, XR, Y, Y2, X6 live in P2
--   P1 > C2 (collection) contains C3;  P3 > C3 (collection) contains Z;
--   P3 > C4 (collection) contains Z;  Z lives in P4
--   P1 > C5 (restricted collection) contains W5 (in P4)
--   P1 > C6 (collection owned by m4) contains X6
--   P1 > PUBC (public collection) contains Y2
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(41);

\set w      16000000-0000-0000-0001-000000000001
\set owner  16000000-0000-0000-0002-000000000001
\set admin  16000000-0000-0000-0002-000000000002
\set m1     16000000-0000-0000-0002-000000000003
\set m2     16000000-0000-0000-0002-000000000004
\set m3     16000000-0000-0000-0002-000000000005
\set m4     16000000-0000-0000-0002-000000000006
\set m5     16000000-0000-0000-0002-000000000007
\set m6     16000000-0000-0000-0002-000000000008
\set team   16000000-0000-0000-0002-0000000000a1
\set P1     16000000-0000-0000-0003-000000000001
\set P2     16000000-0000-0000-0003-000000000002
\set P3     16000000-0000-0000-0003-000000000003
\set P4     16000000-0000-0000-0003-000000000004
\set C1     16000000-0000-0000-0003-000000000011
\set C2     16000000-0000-0000-0003-000000000012
\set C3     16000000-0000-0000-0003-000000000013
\set C4     16000000-0000-0000-0003-000000000014
\set C5     16000000-0000-0000-0003-000000000015
\set C6     16000000-0000-0000-0003-000000000016
\set PUBC   16000000-0000-0000-0003-000000000017
\set X      16000000-0000-0000-0003-000000000021
\set XC     16000000-0000-0000-0003-000000000022
\set XR     16000000-0000-0000-0003-000000000023
\set Y      16000000-0000-0000-0003-000000000024
\set Y2     16000000-0000-0000-0003-000000000025
\set X6     16000000-0000-0000-0003-000000000026
\set Z      16000000-0000-0000-0003-000000000027
\set W5     16000000-0000-0000-0003-000000000028
\set K1     16000000-0000-0000-0003-000000000031
\set K2     16000000-0000-0000-0003-000000000032
\set K3     16000000-0000-0000-0003-000000000033
\set Q      16000000-0000-0000-0003-000000000034

INSERT INTO workspace (id, name, members_can_share) VALUES (:'w', 'f16', false);
INSERT INTO principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@f16.test'), (:'admin', 'user', 'admin@f16.test'),
    (:'m1', 'user', 'm1@f16.test'), (:'m2', 'user', 'm2@f16.test'), (:'m3', 'user', 'm3@f16.test'),
    (:'m4', 'user', 'm4@f16.test'), (:'m5', 'user', 'm5@f16.test'), (:'m6', 'user', 'm6@f16.test');
INSERT INTO principal (id, kind, display_name, workspace_id) VALUES (:'team', 'team', 'Team', :'w');
INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'admin', 'admin'), (:'w', :'m1', 'member'),
    (:'w', :'m2', 'member'), (:'w', :'m3', 'member'), (:'w', :'m4', 'member'),
    (:'w', :'m5', 'member'), (:'w', :'m6', 'member');
INSERT INTO team_member (team_id, member_id) VALUES (:'team', :'m5');

INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access, restricted) VALUES
    (:'P1',   :'w', 'project',      NULL,  :'owner', 'private', false),
    (:'P2',   :'w', 'project',      NULL,  :'owner', 'private', false),
    (:'P3',   :'w', 'project',      NULL,  :'owner', 'shared',  false),
    (:'P4',   :'w', 'project',      NULL,  :'owner', 'private', false),
    (:'C1',   :'w', 'collection',   :'P1', :'owner', 'private', false),
    (:'C2',   :'w', 'collection',   :'P1', :'owner', 'private', false),
    (:'C3',   :'w', 'collection',   :'P3', :'owner', 'private', false),
    (:'C4',   :'w', 'collection',   :'P3', :'owner', 'private', false),
    (:'C5',   :'w', 'collection',   :'P1', :'owner', 'private', true),
    (:'C6',   :'w', 'collection',   :'P1', :'m4',    'private', false),
    (:'PUBC', :'w', 'collection',   :'P1', :'owner', 'public',  false),
    (:'X',    :'w', 'asset',        :'P2', :'owner', 'private', false),
    (:'XC',   :'w', 'conversation', :'X',  :'owner', 'private', false),
    (:'XR',   :'w', 'asset',        :'P2', NULL,     'private', true),
    (:'Y',    :'w', 'asset',        :'P2', :'owner', 'private', false),
    (:'Y2',   :'w', 'asset',        :'P2', :'owner', 'private', false),
    (:'X6',   :'w', 'asset',        :'P2', :'owner', 'private', false),
    (:'Z',    :'w', 'asset',        :'P4', :'owner', 'private', false),
    (:'W5',   :'w', 'asset',        :'P4', :'owner', 'private', false);
INSERT INTO collection_item (collection_id, resource_id) VALUES
    (:'C1', :'X'), (:'C1', :'XR'), (:'C2', :'C3'), (:'C3', :'Z'), (:'C4', :'Z'),
    (:'C5', :'W5'), (:'C6', :'X6'), (:'PUBC', :'Y2');

INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES
    (:'C1', :'m1',   'commenter',     :'owner'),
    (:'P1', :'m2',   'viewer',        :'owner'),
    (:'C3', :'m3',   'view_download', :'owner'),
    (:'C4', :'m3',   'commenter',     :'owner'),
    (:'C5', :'m3',   'viewer',        :'owner'),
    (:'XR', :'team', 'view_only',     :'owner'),
    (:'C2', :'team', 'commenter',     :'owner'),
    (:'X6', :'team', 'editor',        :'owner');

-- ---------------------------------------------------------------------------
-- a collection is an extra parent of its items
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m1', :'C1'), 'commenter'::permset,
          'collections/R5: a share on a collection counts on the collection');
SELECT is(effective_permissions(:'m1', :'X'), 'commenter'::permset,
          'collections/R5: ... and on an asset of another project that it contains');
SELECT is(effective_permissions(:'m1', :'XC'), 'commenter'::permset,
          'collections/R5: ... and below that asset');
SELECT is(effective_permissions(:'m1', :'Y'), ''::permset,
          'collections/R5: ... but not on a sibling asset outside the collection');
SELECT is(effective_permissions(:'m1', :'P2'), ''::permset,
          'collections/R5: ... nor on the asset''s own project');
SELECT is(effective_permissions(:'m1', :'P1'), ''::permset,
          'collections/R5: ... nor on the collection''s project');
SELECT is(effective_permissions(:'m2', :'X'), 'viewer'::permset,
          'collections/R5: a share on the collection''s project reaches the item (P1 > C1 > X)');
SELECT is(effective_permissions(:'m6', :'Y2'), 'viewer'::permset,
          'collections/R4: a public collection gives members viewer on its items');
SELECT is(effective_permissions(:'m6', :'Y'), ''::permset,
          'collections/R4: ... and nothing on assets outside it');
SELECT is(effective_permissions(:'m6', :'X'), ''::permset,
          'collections/R4: ... nor through other (private) collections');
SELECT is(effective_permissions(:'m4', :'X6'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'collections/R10: the owner of a collection gets full (member-capped) on its items');
SELECT is(effective_permissions(:'m4', :'P2'), ''::permset,
          'collections/R10: ... but nothing on the items'' project');
SELECT is(effective_permissions(:'m5', :'C6'), ''::permset,
          'collections: a share on an item does not flow up to its collection');

-- ---------------------------------------------------------------------------
-- a collection containing a restricted asset
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m1', :'XR'), ''::permset,
          'collections/R8: a share on a collection does not flow into a restricted item');
SELECT is(effective_permissions(:'m2', :'XR'), ''::permset,
          'collections/R8: nor does a share on the collection''s project');
SELECT is(effective_permissions(:'m5', :'XR'), 'view_only'::permset,
          'collections/R8: the restricted item''s own (team) share counts');
SELECT is(effective_permissions(:'m2', :'W5'), ''::permset,
          'collections/R8: a restricted collection stops its project''s share from reaching its items');
SELECT is(effective_permissions(:'m2', :'C5'), ''::permset,
          'collections/R8: ... and from reaching the restricted collection itself');
SELECT is(effective_permissions(:'m3', :'W5'), 'viewer'::permset,
          'collections/R8: the restricted collection''s own share reaches its items');
SELECT is(effective_permissions(:'owner', :'XR'), 'full'::permset,
          'collections/R1: the owner has full on a restricted item');

-- ---------------------------------------------------------------------------
-- a DAG through several collections
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m2', :'Z'), 'viewer'::permset,
          'collections/DAG: P1 > C2 > C3 > Z carries a project share through two collections');
SELECT is(effective_permissions(:'m5', :'Z'), 'commenter'::permset,
          'collections/DAG: a team share on C2 reaches Z through C3');
SELECT is(effective_permissions(:'m5', :'C3'), 'commenter'::permset,
          'collections/DAG: ... and C3 itself (a collection inside a collection)');
SELECT is(effective_permissions(:'m3', :'Z'), 'commenter,download'::permset,
          'collections/DAG: shares on two collections containing Z unite');
SELECT is(effective_permissions(:'m3', :'C2'), ''::permset,
          'collections/DAG: nothing flows up from C3 to C2');
SELECT is(effective_permissions(:'m3', :'P4'), ''::permset,
          'collections/DAG: nothing flows to Z''s own project');
SELECT is(effective_permissions(:'admin', :'Z'), 'editor'::permset,
          'collections/DAG/R4: a shared project above C3 and C4 gives the admin editor on Z');
SELECT is(effective_permissions(:'admin', :'P4'), ''::permset,
          'collections/DAG/R4: ... but nothing on Z''s own private project');
SELECT is(effective_permissions(:'m1', :'Z'), ''::permset,
          'collections/DAG: a share on an unrelated collection does not reach Z');

-- ---------------------------------------------------------------------------
-- changes to membership apply at the next check
-- ---------------------------------------------------------------------------
DELETE FROM collection_item WHERE collection_id = :'C1' AND resource_id = :'X';
SELECT is(effective_permissions(:'m1', :'X'), ''::permset,
          'collections: removing X from C1 removes the share through C1 at once');
SELECT is(effective_permissions(:'m2', :'XC'), ''::permset,
          'collections: ... and the project share through C1, below X too');
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'C2', :'X');
SELECT is(effective_permissions(:'m2', :'XC'), 'viewer'::permset,
          'collections: adding X to C2 brings the P1 share back through C2');
SELECT is(effective_permissions(:'m5', :'X'), 'commenter'::permset,
          'collections: ... and the team share on C2');
DELETE FROM collection_item WHERE collection_id = :'C2' AND resource_id = :'C3';
SELECT is(effective_permissions(:'m2', :'Z'), ''::permset,
          'collections/DAG: removing C3 from C2 cuts the path to Z');
SELECT is(effective_permissions(:'m3', :'Z'), 'commenter,download'::permset,
          'collections/DAG: ... while the shares on C3 and C4 still reach Z');
UPDATE resource SET restricted = true WHERE id = :'C3';
SELECT is(effective_permissions(:'admin', :'C3'), ''::permset,
          'collections/DAG/R8: restricting C3 stops the shared project above it');
SELECT is(effective_permissions(:'admin', :'Z'), 'editor'::permset,
          'collections/DAG/R8: restricting C3 leaves the path through C4');

-- ---------------------------------------------------------------------------
-- an asset in three collections: each one counts, and leaving one (whichever
-- was added last or first) takes only its share away
-- ---------------------------------------------------------------------------
INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access, restricted) VALUES
    (:'K1', :'w', 'collection', :'P1', :'owner', 'private', false),
    (:'K2', :'w', 'collection', :'P1', :'owner', 'private', false),
    (:'K3', :'w', 'collection', :'P1', :'owner', 'private', false),
    (:'Q',  :'w', 'asset',      :'P4', :'owner', 'private', false);
INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES
    (:'K1', :'m1', 'viewer', :'owner'), (:'K2', :'m4', 'viewer', :'owner'),
    (:'K3', :'m6', 'viewer', :'owner');
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'K1', :'Q');
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'K2', :'Q');
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'K3', :'Q');
SELECT is(ARRAY[has_access(:'m1', :'Q', 'view'), has_access(:'m4', :'Q', 'view'), has_access(:'m6', :'Q', 'view')],
          ARRAY[true, true, true],
          'collections: an asset in three collections is reached through each of them');
DELETE FROM collection_item WHERE collection_id = :'K3' AND resource_id = :'Q';
SELECT is(ARRAY[has_access(:'m1', :'Q', 'view'), has_access(:'m4', :'Q', 'view'), has_access(:'m6', :'Q', 'view')],
          ARRAY[true, true, false],
          'collections: removed from the collection that took it last, only that share goes');
DELETE FROM collection_item WHERE collection_id = :'K1' AND resource_id = :'Q';
SELECT is(ARRAY[has_access(:'m1', :'Q', 'view'), has_access(:'m4', :'Q', 'view'), has_access(:'m6', :'Q', 'view')],
          ARRAY[false, true, false],
          'collections: ... and from the one that took it first, only that one''s');
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'K3', :'Q');
SELECT is(ARRAY[has_access(:'m1', :'Q', 'view'), has_access(:'m4', :'Q', 'view'), has_access(:'m6', :'Q', 'view')],
          ARRAY[false, true, true],
          'collections: put back in a collection, its share counts again beside the one left');

SELECT * FROM finish();
ROLLBACK;
