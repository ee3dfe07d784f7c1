-- pgTAP: SPEC §3 R9 role caps: admin, member (with member_edit_own_only),
-- guest (with guest_ai_enabled and allow_guest_uploads), outsiders, viewer.
--
-- Most grants are `full` shares so that the cap alone shapes the result.
-- members_can_share = false everywhere so that R11 does not add `share`.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(49);

\set w1       14000000-0000-0000-0001-000000000001
\set w2       14000000-0000-0000-0001-000000000002
\set w3       14000000-0000-0000-0001-000000000003
\set owner1   14000000-0000-0000-0002-000000000001
\set owner2   14000000-0000-0000-0002-000000000002
\set owner3   14000000-0000-0000-0002-000000000003
\set admin    14000000-0000-0000-0002-000000000004
\set member   14000000-0000-0000-0002-000000000005
\set guest    14000000-0000-0000-0002-000000000006
\set viewer   14000000-0000-0000-0002-000000000007
\set outsider 14000000-0000-0000-0002-000000000008
\set xguest   14000000-0000-0000-0002-000000000009
-- w1
\set P        14000000-0000-0000-0003-000000000001
\set A        14000000-0000-0000-0003-000000000002
\set PAI      14000000-0000-0000-0003-000000000003
\set AAI      14000000-0000-0000-0003-000000000004
\set CAI      14000000-0000-0000-0003-000000000005
\set SP       14000000-0000-0000-0003-000000000006
\set SPA      14000000-0000-0000-0003-000000000007
\set PNO      14000000-0000-0000-0003-000000000008
\set SPY      14000000-0000-0000-0003-000000000009
\set SPYA     14000000-0000-0000-0003-00000000000a
\set COL      14000000-0000-0000-0003-00000000000b
\set XA       14000000-0000-0000-0003-00000000000c
\set PM       14000000-0000-0000-0003-00000000000d
\set PV       14000000-0000-0000-0003-00000000000e
-- w2 (member_edit_own_only)
\set Q        14000000-0000-0000-0003-000000000021
\set QO       14000000-0000-0000-0003-000000000022
\set QN       14000000-0000-0000-0003-000000000023
\set QOC      14000000-0000-0000-0003-000000000024
\set QNM      14000000-0000-0000-0003-000000000025
-- w3 (allow_guest_uploads)
\set R        14000000-0000-0000-0003-000000000031

INSERT INTO workspace (id, name, members_can_share) VALUES (:'w1', 'f14 w1', false);
INSERT INTO workspace (id, name, members_can_share, member_edit_own_only)
    VALUES (:'w2', 'f14 w2 edit own only', false, true);
INSERT INTO workspace (id, name, members_can_share, allow_guest_uploads)
    VALUES (:'w3', 'f14 w3 guest uploads', false, true);

INSERT INTO principal (id, kind, email) VALUES
    (:'owner1', 'user', 'owner1@f14.test'), (:'owner2', 'user', 'owner2@f14.test'),
    (:'owner3', 'user', 'owner3@f14.test'), (:'admin', 'user', 'admin@f14.test'),
    (:'member', 'user', 'member@f14.test'), (:'guest', 'user', 'guest@f14.test'),
    (:'viewer', 'user', 'viewer@f14.test'), (:'outsider', 'user', 'outsider@f14.test'),
    (:'xguest', 'external', 'xguest@f14.test');
INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w1', :'owner1', 'owner'), (:'w1', :'admin', 'admin'), (:'w1', :'member', 'member'),
    (:'w1', :'guest', 'guest'), (:'w1', :'viewer', 'viewer'), (:'w1', :'xguest', 'guest'),
    (:'w2', :'owner2', 'owner'), (:'w2', :'admin', 'admin'), (:'w2', :'member', 'member'),
    (:'w3', :'owner3', 'owner'), (:'w3', :'guest', 'guest'), (:'w3', :'viewer', 'viewer');

INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, guest_ai_enabled) VALUES
    (:'P',    :'w1', 'project',      NULL,    NULL,      false),
    (:'A',    :'w1', 'asset',        :'P',    :'owner1', false),
    (:'PAI',  :'w1', 'project',      NULL,    :'owner1', true),
    (:'AAI',  :'w1', 'asset',        :'PAI',  :'owner1', false),
    (:'CAI',  :'w1', 'conversation', :'AAI',  :'owner1', false),
    (:'SP',   :'w1', 'project',      :'PAI',  :'owner1', false),
    (:'SPA',  :'w1', 'asset',        :'SP',   :'owner1', false),
    (:'PNO',  :'w1', 'project',      NULL,    :'owner1', false),
    (:'SPY',  :'w1', 'project',      :'PNO',  :'owner1', true),
    (:'SPYA', :'w1', 'asset',        :'SPY',  :'owner1', false),
    (:'COL',  :'w1', 'collection',   :'PAI',  :'owner1', false),
    (:'XA',   :'w1', 'asset',        :'P',    :'owner1', false),
    (:'PM',   :'w1', 'project',      NULL,    :'owner1', false),
    (:'PV',   :'w1', 'project',      NULL,    :'owner1', false),
    (:'Q',    :'w2', 'project',      NULL,    :'owner2', false),
    (:'QO',   :'w2', 'asset',        :'Q',    :'member', false),
    (:'QN',   :'w2', 'asset',        :'Q',    :'owner2', false),
    (:'QOC',  :'w2', 'conversation', :'QO',   :'owner2', false),
    (:'QNM',  :'w2', 'conversation', :'QN',   :'member', false),
    (:'R',    :'w3', 'project',      NULL,    :'owner3', false);
INSERT INTO collection_item (collection_id, resource_id) VALUES (:'COL', :'XA');

INSERT INTO share (resource_id, grantee_id, perms, granted_by) VALUES
    (:'P',   :'admin',    'full',      :'owner1'),
    (:'P',   :'member',   'full',      :'owner1'),
    (:'P',   :'guest',    'full',      :'owner1'),
    (:'P',   :'viewer',   'full',      :'owner1'),
    (:'P',   :'outsider', 'full',      :'owner1'),
    (:'P',   :'xguest',   'full',      :'owner1'),
    (:'PAI', :'guest',    'full',      :'owner1'),
    (:'PAI', :'viewer',   'full',      :'owner1'),
    (:'PNO', :'guest',    'full',      :'owner1'),
    (:'PM',  :'guest',    'manager',   :'owner1'),
    (:'PM',  :'member',   'manager',   :'owner1'),
    (:'PV',  :'viewer',   'view_only', :'owner1'),
    (:'Q',   :'member',   'full',      :'owner2'),
    (:'Q',   :'admin',    'full',      :'owner2'),
    (:'R',   :'guest',    'full',      :'owner3'),
    (:'R',   :'outsider', 'full',      :'owner3'),
    (:'R',   :'viewer',   'full',      :'owner3');

-- ---------------------------------------------------------------------------
-- admin
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'admin', :'P'), 'full'::permset - 'transfer_ownership,delete_space'::permset,
          'R9: admin with a full share: everything but transfer_ownership, delete_space');
SELECT ok(has_access(:'admin', :'A', 'make_public,manage_settings,view_audit,delete'),
          'R9: admin keeps make_public, manage_settings, view_audit, delete');
SELECT ok(NOT has_access(:'admin', :'A', 'transfer_ownership'), 'R9: admin never gets transfer_ownership');
SELECT ok(NOT has_access(:'admin', :'A', 'delete_space'), 'R9: admin never gets delete_space');

-- ---------------------------------------------------------------------------
-- member (and member_edit_own_only in w2)
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'member', :'P'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R9: member with a full share: no make_public, transfer_ownership, delete_space, manage_settings');
SELECT ok(has_access(:'member', :'A', 'share,change_permissions,manage_members,view_audit,edit,delete'),
          'R9: member keeps share, change_permissions, manage_members, view_audit, edit, delete');
SELECT ok(NOT has_access(:'member', :'A', 'make_public'), 'R9: member never gets make_public');
SELECT ok(NOT has_access(:'member', :'A', 'manage_settings'), 'R9: member never gets manage_settings');
SELECT is(effective_permissions(:'member', :'PM'), 'manager'::permset,
          'R9: (contrast to guests) a member keeps all of a manager share');

SELECT is(effective_permissions(:'member', :'Q'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings,edit,rename,move,delete'::permset,
          'R9: member_edit_own_only: no edit/rename/move/delete on a project the member does not own');
SELECT is(effective_permissions(:'member', :'QN'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings,edit,rename,move,delete'::permset,
          'R9: member_edit_own_only: ... nor on an asset it does not own');
SELECT ok(has_access(:'member', :'QN', 'delete_own,upload,download,comment,share'),
          'R9: member_edit_own_only keeps delete_own, upload, download, comment, share');
SELECT is(effective_permissions(:'member', :'QO'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R9: member_edit_own_only: full member rights on an asset the member owns');
SELECT is(effective_permissions(:'member', :'QOC'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings,edit,rename,move,delete'::permset,
          'R9: member_edit_own_only compares the resource''s own owner: not the owner of the parent');
SELECT is(effective_permissions(:'member', :'QNM'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R9: member_edit_own_only: a resource the member owns under one it does not own');
SELECT is(effective_permissions(:'admin', :'QN'), 'full'::permset - 'transfer_ownership,delete_space'::permset,
          'R9: member_edit_own_only does not apply to admins');

-- ---------------------------------------------------------------------------
-- guest (no guest AI, no guest uploads in w1)
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'guest', :'P'),
          'full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,run_ai,upload'::permset,
          'R9: guest with a full share: the guest cap, no run_ai, no upload');
SELECT ok(has_access(:'guest', :'A', 'delete,edit,manage_collections,resolve_comments,download'),
          'R9: a guest keeps delete, edit, manage_collections, resolve_comments, download');
SELECT ok(NOT has_access(:'guest', :'A', 'share'), 'R9: a guest never gets share');
SELECT ok(NOT has_access(:'guest', :'A', 'view_audit'), 'R9: a guest never gets view_audit');
SELECT ok(NOT has_access(:'guest', :'A', 'run_ai'), 'R9: no run_ai for a guest when the project has guest AI off');
SELECT ok(NOT has_access(:'guest', :'A', 'upload'), 'R9: no upload for a guest when guest uploads are off');
SELECT is(effective_permissions(:'guest', :'PAI'),
          'full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,upload'::permset,
          'R9: guest_ai_enabled on the project gives the guest run_ai');
SELECT ok(has_access(:'guest', :'CAI', 'run_ai'),
          'R9: guest_ai_enabled covers everything under the project');
SELECT ok(has_access(:'guest', :'SPA', 'run_ai'),
          'R9: the enclosing project is the top-level one: AI on the top project, off on the sub-project');
SELECT ok(NOT has_access(:'guest', :'SPYA', 'run_ai'),
          'R9: the enclosing project is the top-level one: AI off on the top project, on on the sub-project');
SELECT ok(has_access(:'guest', :'SPYA', 'view,edit'),
          'R9: (contrast) the guest has its other rights on that asset');
SELECT ok(has_access(:'guest', :'COL', 'run_ai'),
          'R9: a collection under an AI-enabled project: run_ai');
SELECT ok(NOT has_access(:'guest', :'XA', 'run_ai'),
          'R9: an asset in that collection whose own project has AI off: no run_ai (parent chain, not collections)');
SELECT is(effective_permissions(:'guest', :'PM'),
          'manager'::permset - 'share,manage_members,change_permissions,upload,run_ai'::permset,
          'R9: guest caps vs a manager share: no share, manage_members, change_permissions, upload, run_ai');
SELECT ok(has_access(:'guest', :'PM', 'manage_collections,resolve_comments,edit,download'),
          'R9: guest caps vs a manager share: keeps manage_collections, resolve_comments, edit, download');
SELECT ok(NOT has_access(:'guest', :'PM', 'change_permissions'),
          'R9: guest caps vs a manager share: no change_permissions');
SELECT is(effective_permissions(:'xguest', :'P'),
          'full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,run_ai,upload'::permset,
          'R9: an external guest gets the guest cap');
SELECT is(effective_permissions(:'outsider', :'P'),
          'full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,run_ai,upload'::permset,
          'R9: an outsider gets the guest cap (R2)');

-- w3: guest uploads allowed
SELECT is(effective_permissions(:'guest', :'R'),
          'full'::permset - 'share,manage_members,change_permissions,make_public,manage_settings,view_audit,transfer_ownership,delete_space,run_ai'::permset,
          'R9: allow_guest_uploads on: a guest keeps upload');
SELECT ok(has_access(:'outsider', :'R', 'upload'),
          'R9: allow_guest_uploads on: an outsider (treated as a guest) keeps upload');
SELECT ok(NOT has_access(:'outsider', :'R', 'share'),
          'R9: allow_guest_uploads on: the outsider still has no share');
SELECT is(effective_permissions(:'viewer', :'R'), 'view,view_details,react,comment,annotate,download'::permset,
          'R9: allow_guest_uploads does not give a viewer upload');

-- ---------------------------------------------------------------------------
-- viewer
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'viewer', :'P'), 'view,view_details,react,comment,annotate,download'::permset,
          'R9: viewer with a full share: at most viewer, comment, annotate, download');
SELECT is(effective_permissions(:'viewer', :'PAI'), 'view,view_details,react,comment,annotate,download'::permset,
          'R9: guest_ai_enabled does not give a viewer run_ai');
SELECT ok(NOT has_access(:'viewer', :'A', 'approve'), 'R9: a viewer never gets approve');
SELECT is(effective_permissions(:'viewer', :'PV'), 'view_only'::permset,
          'R9: a cap never adds: a viewer with a view_only share has view_only');

-- the owner is not capped (R1)
SELECT is(effective_permissions(:'owner1', :'P'), 'full'::permset, 'R9: no cap applies to the owner (R1)');

-- policies and project flags are read at every check
UPDATE resource SET guest_ai_enabled = true WHERE id = :'P';
SELECT ok(has_access(:'guest', :'A', 'run_ai'),
          'R9: turning guest_ai_enabled on gives the guest run_ai at once');
SELECT ok(NOT has_access(:'viewer', :'A', 'run_ai'),
          'R9: ... but not the viewer');
UPDATE workspace SET allow_guest_uploads = true WHERE id = :'w1';
SELECT ok(has_access(:'guest', :'A', 'upload'),
          'R9: turning allow_guest_uploads on gives the guest upload at once');
UPDATE workspace SET member_edit_own_only = true WHERE id = :'w1';
SELECT ok(NOT has_access(:'member', :'A', 'edit'),
          'R9: turning member_edit_own_only on removes edit at once');
SELECT ok(has_access(:'admin', :'A', 'edit'),
          'R9: ... but not from the admin');
UPDATE workspace SET member_edit_own_only = false WHERE id = :'w2';
SELECT ok(has_access(:'member', :'QN', 'edit,rename,move,delete'),
          'R9: turning member_edit_own_only off gives edit back at once');

SELECT * FROM finish();
ROLLBACK;
