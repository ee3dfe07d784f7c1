-- pgTAP: SPEC §3 R8 restriction and R10 ownership, and how they interact
-- with general access (R4), team shares (R5) and the role caps (R9).
--
-- members_can_share = false so that R11 does not add `share`.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(41);

\set w      13000000-0000-0000-0001-000000000001
\set owner  13000000-0000-0000-0002-000000000001
\set admin  13000000-0000-0000-0002-000000000002
\set m1     13000000-0000-0000-0002-000000000003
\set m2     13000000-0000-0000-0002-000000000004
\set m3     13000000-0000-0000-0002-000000000005
\set g      13000000-0000-0000-0002-000000000006
\set v      13000000-0000-0000-0002-000000000007
\set u      13000000-0000-0000-0002-000000000008
\set team   13000000-0000-0000-0002-0000000000a1
-- P (public) > A1 (restricted) > C1; P > A2 (owned by m1) > C2; P > GA, VA, UA
\set P      13000000-0000-0000-0003-000000000001
\set A1     13000000-0000-0000-0003-000000000002
\set C1     13000000-0000-0000-0003-000000000003
\set A2     13000000-0000-0000-0003-000000000004
\set C2     13000000-0000-0000-0003-000000000005
\set GA     13000000-0000-0000-0003-000000000006
\set VA     13000000-0000-0000-0003-000000000007
\set UA     13000000-0000-0000-0003-000000000008
-- Q (shared) > QR (restricted, private), QS (restricted, shared)
\set Q      13000000-0000-0000-0003-000000000011
\set QR     13000000-0000-0000-0003-000000000012
\set QS     13000000-0000-0000-0003-000000000013
-- P2 (owned by m1) > P2R (restricted) > P2RC; P2 > P2X (restricted, owned by m2); P2 > P2N
\set P2     13000000-0000-0000-0003-000000000021
\set P2R    13000000-0000-0000-0003-000000000022
\set P2RC   13000000-0000-0000-0003-000000000023
\set P2X    13000000-0000-0000-0003-000000000024
\set P2N    13000000-0000-0000-0003-000000000025
-- P3 (owned by m1, team share) > X3 (restricted, direct share), X4 (restricted, team share) > X4C
\set P3     13000000-0000-0000-0003-000000000031
\set X3     13000000-0000-0000-0003-000000000032
\set X4     13000000-0000-0000-0003-000000000033
\set X4C    13000000-0000-0000-0003-000000000034
-- RP: a restricted public top-level project
\set RP     13000000-0000-0000-0003-000000000041

INSERT INTO workspace (id, name, members_can_share) VALUES (:'w', 'f13', false);
INSERT INTO principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@f13.test'), (:'admin', 'user', 'admin@f13.test'),
    (:'m1', 'user', 'm1@f13.test'), (:'m2', 'user', 'm2@f13.test'), (:'m3', 'user', 'm3@f13.test'),
    (:'g', 'user', 'g@f13.test'), (:'v', 'user', 'v@f13.test'), (:'u', 'user', 'u@f13.test');
INSERT INTO principal (id, kind, display_name, workspace_id) VALUES (:'team', 'team', 'Team', :'w');
INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'admin', 'admin'), (:'w', :'m1', 'member'),
    (:'w', :'m2', 'member'), (:'w', :'m3', 'member'), (:'w', :'g', 'guest'), (:'w', :'v', 'viewer');
INSERT INTO team_member (team_id, member_id) VALUES (:'team', :'m2');

INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access, restricted) VALUES
    (:'P',    :'w', 'project',      NULL,    :'owner', 'public',  false),
    (:'A1',   :'w', 'asset',        :'P',    NULL,     'private', true),
    (:'C1',   :'w', 'conversation', :'A1',   NULL,     'private', false),
    (:'A2',   :'w', 'asset',        :'P',    :'m1',    'private', false),
    (:'C2',   :'w', 'conversation', :'A2',   :'owner', 'private', false),
    (:'GA',   :'w', 'asset',        :'P',    :'g',     'private', false),
    (:'VA',   :'w', 'asset',        :'P',    :'v',     'private', false),
    (:'UA',   :'w', 'asset',        :'P',    :'u',     'private', false),
    (:'Q',    :'w', 'project',      NULL,    :'owner', 'shared',  false),
    (:'QR',   :'w', 'asset',        :'Q',    :'owner', 'private', true),
    (:'QS',   :'w', 'asset',        :'Q',    :'owner', 'shared',  true),
    (:'P2',   :'w', 'project',      NULL,    :'m1',    'private', false),
    (:'P2R',  :'w', 'asset',        :'P2',   :'owner', 'private', true),
    (:'P2RC', :'w', 'conversation', :'P2R',  :'owner', 'private', false),
    (:'P2X',  :'w', 'asset',        :'P2',   :'m2',    'private', true),
    (:'P2N',  :'w', 'asset',        :'P2',   :'owner', 'private', false),
    (:'P3',   :'w', 'project',      NULL,    :'m1',    'private', false),
    (:'X3',   :'w', 'asset',        :'P3',   :'owner', 'private', true),
    (:'X4',   :'w', 'asset',        :'P3',   :'owner', 'private', true),
    (:'X4C',  :'w', 'conversation', :'X4',   :'owner', 'private', false),
    (:'RP',   :'w', 'project',      NULL,    :'owner', 'public',  true);

INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES
    (:'P',  :'m1',   'editor',    :'owner'),
    (:'P',  :'team', 'editor',    :'owner'),
    (:'A1', :'team', 'commenter', :'owner'),
    (:'P3', :'team', 'editor',    :'owner'),
    (:'X3', :'m2',   'viewer',    :'owner'),
    (:'X4', :'team', 'commenter', :'owner');

-- ---------------------------------------------------------------------------
-- R8 restriction
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m3', :'P'), 'viewer'::permset,
          'R8: (contrast) the public project gives a member viewer');
SELECT is(effective_permissions(:'m3', :'A1'), ''::permset,
          'R8: public general access above a restricted asset does not flow into it');
SELECT is(effective_permissions(:'m3', :'C1'), ''::permset,
          'R8: ... nor below it');
SELECT is(effective_permissions(:'m1', :'P'), 'editor'::permset,
          'R8: (contrast) m1''s share on the project counts on the project');
SELECT is(effective_permissions(:'m1', :'A1'), ''::permset,
          'R8: a direct share above a restricted asset does not flow into it');
SELECT is(effective_permissions(:'m1', :'C1'), ''::permset,
          'R8: ... nor below it');
SELECT is(effective_permissions(:'m2', :'A1'), 'commenter'::permset,
          'R8: the restricted asset''s own team share counts (the team share above does not)');
SELECT is(effective_permissions(:'m2', :'C1'), 'commenter'::permset,
          'R8: the restricted asset''s own share flows below it');
SELECT is(effective_permissions(:'admin', :'Q'), 'editor'::permset,
          'R8: (contrast) shared gives the admin editor on the project');
SELECT is(effective_permissions(:'admin', :'QR'), ''::permset,
          'R8: shared above a restricted asset gives the admin nothing there');
SELECT is(effective_permissions(:'admin', :'QS'), 'editor'::permset,
          'R8: the restricted asset''s own general access (shared) counts');
SELECT is(effective_permissions(:'admin', :'A1'), ''::permset,
          'R8: an admin gets nothing on a restricted asset below a public project');
SELECT is(effective_permissions(:'owner', :'C1'), 'full'::permset,
          'R8: only R1 passes: the workspace owner keeps full below a restriction');
SELECT is(effective_permissions(:'m3', :'RP'), 'viewer'::permset,
          'R8: a restricted public project still gives members its own general access');
SELECT is(effective_permissions(:'g', :'RP'), ''::permset,
          'R8: ... and still nothing to a guest');

-- ---------------------------------------------------------------------------
-- R10 ownership
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m1', :'A2'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R10: a member owning an asset gets full, member-capped');
SELECT is(effective_permissions(:'m1', :'C2'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R10: ownership of an ancestor gives full below it (C2 is owned by someone else)');
SELECT ok(has_access(:'m1', :'C2', 'delete') AND NOT has_access(:'m1', :'C2', 'transfer_ownership'),
          'R10: the member owner may delete but not transfer ownership');
SELECT is(effective_permissions(:'m3', :'A2'), 'viewer'::permset,
          'R10: a non-owner member gets only the public level on the same asset');
SELECT is(effective_permissions(:'g', :'GA'),
          'full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,run_ai,upload'::permset,
          'R10: a guest who uploaded an asset gets full, guest-capped');
SELECT ok(has_access(:'g', :'GA', 'delete'),
          'R10: a guest who uploaded an asset may delete it');
SELECT ok(NOT has_access(:'g', :'GA', 'share'),
          'R10: ... but not share it');
SELECT is(effective_permissions(:'g', :'A2'), ''::permset,
          'R10: the guest gets nothing on an asset it does not own');
SELECT is(effective_permissions(:'v', :'VA'), 'view,view_details,react,comment,annotate,download'::permset,
          'R10: a viewer-role owner gets full capped to the viewer cap');
SELECT ok(NOT has_access(:'v', :'VA', 'delete'),
          'R10: a viewer-role owner may not delete');
SELECT is(effective_permissions(:'u', :'UA'), ''::permset,
          'R10: ownership without a role in the workspace counts for nothing');

-- owner of a parent, with restricted children
SELECT is(effective_permissions(:'m1', :'P2'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R10: the project owner gets full (member-capped) on the project');
SELECT is(effective_permissions(:'m1', :'P2N'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R10: ... and on an unrestricted child owned by someone else');
SELECT is(effective_permissions(:'m1', :'P2R'), ''::permset,
          'R10/R8: ownership of the parent does not flow into a restricted child');
SELECT is(effective_permissions(:'m1', :'P2RC'), ''::permset,
          'R10/R8: ... nor below it');
SELECT is(effective_permissions(:'m2', :'P2X'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R10/R8: the owner of a restricted resource itself gets full on it');
SELECT is(effective_permissions(:'m2', :'P2'), ''::permset,
          'R10: owning a child gives nothing on the parent');

-- restriction vs team share vs ownership
SELECT is(effective_permissions(:'m2', :'P3'), 'editor'::permset,
          'R8: (contrast) m2 gets editor on P3 through its team');
SELECT is(effective_permissions(:'m2', :'X3'), 'viewer'::permset,
          'R8: on a restricted asset only its own direct share counts, not the team share above');
SELECT is(effective_permissions(:'m1', :'X3'), ''::permset,
          'R8: the owner of the project gets nothing on its restricted asset');
SELECT is(effective_permissions(:'m2', :'X4C'), 'commenter'::permset,
          'R8: a team share on the restricted asset itself flows below it');
SELECT is(effective_permissions(:'m1', :'X4'), ''::permset,
          'R8: ... while the project owner still gets nothing there');

-- lifting the restriction (same transaction) lets everything above flow again
UPDATE resource SET restricted = false WHERE id = :'X3';
SELECT is(effective_permissions(:'m2', :'X3'), 'editor'::permset,
          'R8: once unrestricted, the team share above flows in (editor ∪ viewer)');
SELECT is(effective_permissions(:'m1', :'X3'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R8: once unrestricted, the project owner''s ownership flows in');
UPDATE resource SET restricted = true WHERE id = :'A2';
SELECT is(effective_permissions(:'m1', :'C2'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R8: restricting an owned asset keeps its own ownership');
SELECT is(effective_permissions(:'m3', :'C2'), ''::permset,
          'R8: restricting the asset stops the public access from above at once');

SELECT * FROM finish();
ROLLBACK;
