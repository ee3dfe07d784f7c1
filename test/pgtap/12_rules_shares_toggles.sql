-- pgTAP: SPEC §3 R5 direct shares (inheritance, union, expiry, teams nested
-- up to 4 deep) and R6 toggles.
--
-- The workspace has members_can_share = false so that R11 does not add
-- `share`; members are used as grantees because the member cap (R9) removes
-- nothing that editor or manager contain.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(50);

\set w      12000000-0000-0000-0001-000000000001
\set owner  12000000-0000-0000-0002-000000000001
\set admin  12000000-0000-0000-0002-000000000002
\set m1     12000000-0000-0000-0002-000000000011
\set m2     12000000-0000-0000-0002-000000000012
\set m3     12000000-0000-0000-0002-000000000013
\set m4     12000000-0000-0000-0002-000000000014
\set m5     12000000-0000-0000-0002-000000000015
\set m6     12000000-0000-0000-0002-000000000016
\set m7     12000000-0000-0000-0002-000000000017
\set m8     12000000-0000-0000-0002-000000000018
\set m9     12000000-0000-0000-0002-000000000019
\set m10    12000000-0000-0000-0002-000000000020
\set m11    12000000-0000-0000-0002-000000000021
\set m12    12000000-0000-0000-0002-000000000022
\set m13    12000000-0000-0000-0002-000000000023
\set m14    12000000-0000-0000-0002-000000000024
\set m15    12000000-0000-0000-0002-000000000025
\set m16    12000000-0000-0000-0002-000000000026
\set xg     12000000-0000-0000-0002-000000000031
\set out    12000000-0000-0000-0002-000000000032
-- teams: t1 contains t2 contains t3 contains t4 contains m4 (and xg)
\set t1     12000000-0000-0000-0002-0000000000a1
\set t2     12000000-0000-0000-0002-0000000000a2
\set t3     12000000-0000-0000-0002-0000000000a3
\set t4     12000000-0000-0000-0002-0000000000a4
\set t5     12000000-0000-0000-0002-0000000000a5
\set t6     12000000-0000-0000-0002-0000000000a6
-- resources
\set p      12000000-0000-0000-0003-000000000001
\set a      12000000-0000-0000-0003-000000000002
\set c      12000000-0000-0000-0003-000000000003
\set p2     12000000-0000-0000-0003-000000000004
\set b      12000000-0000-0000-0003-000000000005
\set tp     12000000-0000-0000-0003-000000000006
\set ta     12000000-0000-0000-0003-000000000007

INSERT INTO workspace (id, name, members_can_share) VALUES (:'w', 'f12', false);

INSERT INTO principal (id, kind, email) VALUES
    (:'owner', 'user', 'owner@f12.test'), (:'admin', 'user', 'admin@f12.test'),
    (:'m1', 'user', 'm1@f12.test'),   (:'m2', 'user', 'm2@f12.test'),
    (:'m3', 'user', 'm3@f12.test'),   (:'m4', 'user', 'm4@f12.test'),
    (:'m5', 'user', 'm5@f12.test'),   (:'m6', 'user', 'm6@f12.test'),
    (:'m7', 'user', 'm7@f12.test'),   (:'m8', 'user', 'm8@f12.test'),
    (:'m9', 'user', 'm9@f12.test'),   (:'m10', 'user', 'm10@f12.test'),
    (:'m11', 'user', 'm11@f12.test'), (:'m12', 'user', 'm12@f12.test'),
    (:'m13', 'user', 'm13@f12.test'), (:'m14', 'user', 'm14@f12.test'),
    (:'m15', 'user', 'm15@f12.test'), (:'m16', 'user', 'm16@f12.test'),
    (:'xg', 'external', 'xg@f12.test'), (:'out', 'user', 'out@f12.test');
INSERT INTO principal (id, kind, display_name, workspace_id) VALUES
    (:'t1', 'team', 'T1', :'w'), (:'t2', 'team', 'T2', :'w'), (:'t3', 'team', 'T3', :'w'),
    (:'t4', 'team', 'T4', :'w'), (:'t5', 'team', 'T5', :'w'), (:'t6', 'team', 'T6', :'w');

INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w', :'owner', 'owner'), (:'w', :'admin', 'admin'),
    (:'w', :'m1', 'member'),  (:'w', :'m2', 'member'),  (:'w', :'m3', 'member'),
    (:'w', :'m4', 'member'),  (:'w', :'m5', 'member'),  (:'w', :'m6', 'member'),
    (:'w', :'m7', 'member'),  (:'w', :'m8', 'member'),  (:'w', :'m9', 'member'),
    (:'w', :'m10', 'member'), (:'w', :'m11', 'member'), (:'w', :'m12', 'member'),
    (:'w', :'m13', 'member'), (:'w', :'m14', 'member'), (:'w', :'m15', 'member'),
    (:'w', :'m16', 'member'), (:'w', :'xg', 'guest');

INSERT INTO team_member (team_id, member_id) VALUES
    (:'t1', :'t2'), (:'t2', :'t3'), (:'t3', :'t4'), (:'t4', :'m4'), (:'t4', :'xg'),
    (:'t2', :'m5'), (:'t5', :'m9'), (:'t6', :'out');

INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access) VALUES
    (:'p',  :'w', 'project',      NULL,  :'owner', 'private'),
    (:'a',  :'w', 'asset',        :'p',  :'owner', 'private'),
    (:'c',  :'w', 'conversation', :'a',  :'owner', 'private'),
    (:'p2', :'w', 'project',      NULL,  :'owner', 'private'),
    (:'b',  :'w', 'asset',        :'p2', :'owner', 'private'),
    (:'tp', :'w', 'project',      NULL,  :'owner', 'shared'),
    (:'ta', :'w', 'asset',        :'tp', :'owner', 'private');

-- R5 shares (toggles all on, the default)
INSERT INTO share (resource_id, grantee_id, perms, expires_at, granted_by) VALUES
    (:'p',  :'m1', 'editor',        NULL,                          :'owner'),
    (:'a',  :'m2', 'viewer',        NULL,                          :'owner'),
    (:'p',  :'m3', 'commenter',     NULL,                          :'owner'),
    (:'a',  :'m3', 'view_download', NULL,                          :'owner'),
    (:'p2', :'m7', 'manager',       now() - interval '1 hour',     :'owner'),
    (:'p2', :'m7', 'viewer',        NULL,                          :'owner'),
    (:'b',  :'m7', 'editor',        now() + interval '1 hour',     :'owner'),
    (:'p2', :'m8', 'editor',        now(),                         :'owner'),
    (:'b',  :'m8', 'commenter',     now() + interval '1 microsecond', :'owner'),
    -- team shares
    (:'p',  :'t1', 'commenter',     NULL,                          :'owner'),
    (:'a',  :'t4', 'view_download', NULL,                          :'owner'),
    (:'p2', :'t3', 'view_only',     now() - interval '1 second',   :'owner'),
    (:'b',  :'t5', 'editor',        now() - interval '1 day',      :'owner'),
    (:'b',  :'t5', 'view_only',     now() + interval '1 day',      :'owner'),
    (:'p2', :'t6', 'manager',       NULL,                          :'owner');

-- R6 toggles
INSERT INTO share (resource_id, grantee_id, perms, allow_download, allow_comments,
                   allow_approval, allow_contribution, granted_by) VALUES
    (:'tp', :'m10',   'editor',        false, true,  true,  true,  :'owner'),
    (:'tp', :'m11',   'commenter',     true,  false, true,  true,  :'owner'),
    (:'tp', :'m12',   'commenter',     true,  true,  false, true,  :'owner'),
    (:'tp', :'m13',   'manager',       true,  true,  true,  false, :'owner'),
    (:'tp', :'m14',   'full_editor',   true,  true,  true,  false, :'owner'),
    (:'tp', :'m15',   'full',          false, false, false, false, :'owner'),
    (:'tp', :'m16',   'editor',        false, true,  true,  true,  :'owner'),
    (:'ta', :'m16',   'view_download', true,  true,  true,  true,  :'owner'),
    (:'tp', :'admin', 'view_download', false, true,  true,  true,  :'owner'),
    (:'tp', :'t2',    'view_download', false, true,  true,  true,  :'owner');

-- ---------------------------------------------------------------------------
-- R5 direct shares: down anc(R), never up or sideways; union
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m1', :'p'), 'editor'::permset,
          'R5: a share on a project gives its permset on the project');
SELECT is(effective_permissions(:'m1', :'a'), 'editor'::permset,
          'R5: ... inherited by an asset');
SELECT is(effective_permissions(:'m1', :'c'), 'editor'::permset,
          'R5: ... and by a conversation under the asset');
SELECT is(effective_permissions(:'m1', :'p2'), ''::permset,
          'R5: ... but not by another project');
SELECT is(effective_permissions(:'m2', :'a'), 'viewer'::permset,
          'R5: a share on an asset gives its permset on the asset');
SELECT is(effective_permissions(:'m2', :'c'), 'viewer'::permset,
          'R5: ... inherited below it');
SELECT is(effective_permissions(:'m2', :'p'), ''::permset,
          'R5: ... but nothing flows up to the project');
SELECT is(effective_permissions(:'m3', :'p'), 'commenter'::permset,
          'R5: union: only the project share on the project');
SELECT is(effective_permissions(:'m3', :'a'), 'commenter,download'::permset,
          'R5: union of a project share and an asset share on the asset');
SELECT is(effective_permissions(:'m6', :'p'), ''::permset,
          'R5: a member without shares or teams gets nothing on a private project');

-- ---------------------------------------------------------------------------
-- R5 expiry (expires_at <= statement_timestamp() is expired: judged at each
-- statement's start, not the transaction's)
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m7', :'p2'), 'viewer'::permset,
          'R5: an expired manager share is ignored, the unexpired viewer share counts');
SELECT ok(NOT has_access(:'m7', :'p2', 'share'),
          'R5: nothing of the expired share remains');
SELECT is(effective_permissions(:'m7', :'b'), 'editor'::permset,
          'R5: a share expiring in the future counts');
SELECT is(effective_permissions(:'m8', :'p2'), ''::permset,
          'R5: a share with expires_at = now() is expired');
SELECT is(effective_permissions(:'m8', :'b'), ''::permset,
          'R5: a share expiring one microsecond after the transaction''s start has expired by a later statement');

-- ---------------------------------------------------------------------------
-- R5 teams, nested 4 deep: t1 > t2 > t3 > t4 > m4
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m4', :'p'), 'commenter'::permset,
          'R5: a share to t1 reaches m4 through t2, t3, t4 (4 levels)');
SELECT is(effective_permissions(:'m4', :'a'), 'commenter,download'::permset,
          'R5: shares to t1 (inherited) and t4 (on the asset) unite for m4');
SELECT is(effective_permissions(:'m4', :'c'), 'commenter,download'::permset,
          'R5: team shares inherit below the asset');
SELECT is(effective_permissions(:'m5', :'p'), 'commenter'::permset,
          'R5: m5 in t2 gets the share to t1');
SELECT is(effective_permissions(:'m5', :'a'), 'commenter'::permset,
          'R5: m5 in t2 does not get the share to t4 (a team below its own)');
SELECT is(effective_permissions(:'m4', :'p2'), ''::permset,
          'R5: an expired share to t3 gives m4 nothing');
SELECT is(effective_permissions(:'m9', :'b'), 'view_only'::permset,
          'R5: of two shares to t5, only the unexpired one counts');
SELECT is(effective_permissions(:'m6', :'a'), ''::permset,
          'R5: a member in no team gets no team share');
SELECT is(effective_permissions(:'t1', :'p'), ''::permset,
          'R5: a team asking for itself gets nothing (teams do not act)');
SELECT is(effective_permissions(:'t4', :'a'), ''::permset,
          'R5: a team asking for itself gets nothing, even with a share of its own');
SELECT is(effective_permissions(:'xg', :'a'), 'commenter,download'::permset,
          'R5: an external guest in t4 gets the team shares (guest cap removes nothing here)');
SELECT ok(NOT has_access(:'xg', :'p2', 'view'),
          'R5: the external guest in t4 gets nothing from the expired t3 share');
SELECT is(effective_permissions(:'out', :'b'),
          'manager'::permset - 'share,manage_members,change_permissions,upload,run_ai'::permset,
          'R5: a team share reaches a team member with no role in the workspace, capped as a guest (R2)');

-- ---------------------------------------------------------------------------
-- R6 toggles: each removes exactly its flags and keeps the rest
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'m10', :'tp'), 'editor'::permset - 'download'::permset,
          'R6: allow_download=false removes download from an editor share');
SELECT ok(NOT has_access(:'m10', :'ta', 'download'),
          'R6: allow_download=false: no download below either');
SELECT ok(has_access(:'m10', :'ta', 'view,comment,upload,edit'),
          'R6: allow_download=false keeps view, comment, upload, edit');
SELECT is(effective_permissions(:'m11', :'tp'), 'view,view_details,approve'::permset,
          'R6: allow_comments=false removes comment, annotate, react from commenter');
SELECT ok(NOT has_access(:'m11', :'tp', 'react'),
          'R6: allow_comments=false removes react');
SELECT ok(has_access(:'m11', :'tp', 'approve'),
          'R6: allow_comments=false keeps approve');
SELECT is(effective_permissions(:'m12', :'tp'), 'commenter'::permset - 'approve'::permset,
          'R6: allow_approval=false removes approve only');
SELECT ok(has_access(:'m12', :'tp', 'comment,annotate,react'),
          'R6: allow_approval=false keeps comment, annotate, react');
SELECT is(effective_permissions(:'m13', :'tp'),
          'manager'::permset - 'upload,edit,rename,move,copy,delete_own'::permset,
          'R6: allow_contribution=false removes upload/edit/rename/move/copy/delete_own from manager');
SELECT ok(has_access(:'m13', :'tp', 'share,manage_members,change_permissions,download,comment'),
          'R6: allow_contribution=false keeps the rest of manager');
SELECT is(effective_permissions(:'m14', :'tp'), 'view,view_details,download,view_activity'::permset,
          'R6: allow_contribution=false removes delete from full_editor too');
SELECT ok(NOT has_access(:'m14', :'ta', 'delete'),
          'R6: allow_contribution=false: no delete below');
SELECT is(effective_permissions(:'m15', :'tp'),
          'full'::permset
            - 'download,comment,annotate,react,approve,upload,edit,rename,move,copy,delete_own,delete'::permset
            - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R6: all four toggles off on a full share (then the member cap)');
SELECT ok(has_access(:'m15', :'tp', 'view,share,run_ai,manage_collections,view_audit'),
          'R6: all toggles off keeps view, share, run_ai, manage_collections, view_audit');
SELECT is(effective_permissions(:'m16', :'tp'), 'editor'::permset - 'download'::permset,
          'R6: the masked share alone on the project');
SELECT is(effective_permissions(:'m16', :'ta'), 'editor'::permset,
          'R6: a toggle masks only its own share: another share below gives download back');
SELECT is(effective_permissions(:'admin', :'tp'), 'editor'::permset,
          'R6: a toggle does not mask general access (admin keeps download from R4 shared)');
SELECT is(effective_permissions(:'m5', :'tp'), 'view_only'::permset,
          'R6: toggles apply to a team share (t2, allow_download=false)');
SELECT is(effective_permissions(:'m4', :'tp'), 'view_only'::permset,
          'R6: ... reaching a nested member the same way');

-- toggles changed by UPDATE apply at the next check
UPDATE share SET allow_download = true WHERE resource_id = :'tp' AND grantee_id = :'m10';
SELECT is(effective_permissions(:'m10', :'tp'), 'editor'::permset,
          'R6: turning allow_download back on restores download');
UPDATE share SET allow_contribution = false WHERE resource_id = :'tp' AND grantee_id = :'m10';
SELECT is(effective_permissions(:'m10', :'tp'),
          'editor'::permset - 'upload,edit,rename,move,copy,delete_own'::permset,
          'R6: turning allow_contribution off removes contribution flags');
SELECT ok(has_access(:'m10', :'tp', 'download,run_ai,view_activity'),
          'R6: ... and keeps download, run_ai, view_activity');

SELECT * FROM finish();
ROLLBACK;
