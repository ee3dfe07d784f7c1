-- pgTAP: SPEC §3 R4 general access (private / shared / public), inherited
-- down anc(R), and the workspace's public_access_level.
--
-- Workspaces here have members_can_share = false so that R11 does not add
-- `share` and the sets below are R4 (and R9) alone.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(37);

\set w1        11000000-0000-0000-0001-000000000001
\set w2        11000000-0000-0000-0001-000000000002
\set w3        11000000-0000-0000-0001-000000000003
\set owner     11000000-0000-0000-0002-000000000001
\set admin     11000000-0000-0000-0002-000000000002
\set member    11000000-0000-0000-0002-000000000003
\set guest     11000000-0000-0000-0002-000000000004
\set viewer    11000000-0000-0000-0002-000000000005
\set xguest    11000000-0000-0000-0002-000000000006
\set outsider  11000000-0000-0000-0002-000000000007
\set owner2    11000000-0000-0000-0002-000000000008
\set owner3    11000000-0000-0000-0002-000000000009
-- w1: public, shared and private projects, with children
\set pub       11000000-0000-0000-0003-000000000001
\set pub_a     11000000-0000-0000-0003-000000000002
\set pub_c     11000000-0000-0000-0003-000000000003
\set sh        11000000-0000-0000-0003-000000000004
\set sh_a      11000000-0000-0000-0003-000000000005
\set priv      11000000-0000-0000-0003-000000000006
\set priv_a    11000000-0000-0000-0003-000000000007
\set priv_pa   11000000-0000-0000-0003-000000000008
\set priv_pac  11000000-0000-0000-0003-000000000009
\set sh_pub    11000000-0000-0000-0003-00000000000a
-- w2: public level commenter; w3: public level full
\set q_pub     11000000-0000-0000-0003-000000000011
\set q_pub_a   11000000-0000-0000-0003-000000000012
\set q_sh_pub  11000000-0000-0000-0003-000000000013
\set q_sh_pub_a 11000000-0000-0000-0003-000000000014
\set r_pub     11000000-0000-0000-0003-000000000021

INSERT INTO workspace (id, name, members_can_share) VALUES (:'w1', 'f11 w1', false);
INSERT INTO workspace (id, name, members_can_share, public_access_level)
    VALUES (:'w2', 'f11 w2 commenter', false, 'commenter');
INSERT INTO workspace (id, name, members_can_share, public_access_level)
    VALUES (:'w3', 'f11 w3 full', false, 'full');

INSERT INTO principal (id, kind, email) VALUES
    (:'owner',    'user',     'owner@f11.test'),
    (:'admin',    'user',     'admin@f11.test'),
    (:'member',   'user',     'member@f11.test'),
    (:'guest',    'user',     'guest@f11.test'),
    (:'viewer',   'user',     'viewer@f11.test'),
    (:'xguest',   'external', 'xguest@f11.test'),
    (:'outsider', 'user',     'outsider@f11.test'),
    (:'owner2',   'user',     'owner2@f11.test'),
    (:'owner3',   'user',     'owner3@f11.test');

INSERT INTO member (workspace_id, principal_id, role) VALUES
    (:'w1', :'owner', 'owner'), (:'w1', :'admin', 'admin'), (:'w1', :'member', 'member'),
    (:'w1', :'guest', 'guest'), (:'w1', :'viewer', 'viewer'), (:'w1', :'xguest', 'guest'),
    (:'w2', :'owner2', 'owner'), (:'w2', :'admin', 'admin'), (:'w2', :'member', 'member'),
    (:'w2', :'guest', 'guest'),
    (:'w3', :'owner3', 'owner'), (:'w3', :'admin', 'admin'), (:'w3', :'member', 'member'),
    (:'w3', :'guest', 'guest'), (:'w3', :'viewer', 'viewer');

INSERT INTO resource (id, workspace_id, kind, parent_id, owner_id, general_access) VALUES
    (:'pub',      :'w1', 'project',      NULL,       :'owner',  'public'),
    (:'pub_a',    :'w1', 'asset',        :'pub',     :'owner',  'private'),
    (:'pub_c',    :'w1', 'conversation', :'pub_a',   :'owner',  'private'),
    (:'sh',       :'w1', 'project',      NULL,       :'owner',  'shared'),
    (:'sh_a',     :'w1', 'asset',        :'sh',      :'owner',  'private'),
    (:'sh_pub',   :'w1', 'asset',        :'sh',      :'owner',  'public'),
    (:'priv',     :'w1', 'project',      NULL,       NULL,      'private'),
    (:'priv_a',   :'w1', 'asset',        :'priv',    :'owner',  'private'),
    (:'priv_pa',  :'w1', 'asset',        :'priv',    :'owner',  'public'),
    (:'priv_pac', :'w1', 'conversation', :'priv_pa', :'owner',  'private'),
    (:'q_pub',    :'w2', 'project',      NULL,       :'owner2', 'public'),
    (:'q_pub_a',  :'w2', 'asset',        :'q_pub',   :'owner2', 'private'),
    (:'q_sh_pub', :'w2', 'project',      NULL,       :'owner2', 'shared'),
    (:'q_sh_pub_a', :'w2', 'asset',      :'q_sh_pub', :'owner2', 'public'),
    (:'r_pub',    :'w3', 'project',      NULL,       NULL,      'public');

-- ---------------------------------------------------------------------------
-- public: every internal member gets the public level; nobody else
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'member', :'pub'), 'viewer'::permset,
          'R4: public gives a member the public level (viewer)');
SELECT is(effective_permissions(:'admin', :'pub'), 'viewer'::permset,
          'R4: public gives an admin the public level (viewer)');
SELECT is(effective_permissions(:'member', :'pub_a'), 'viewer'::permset,
          'R4: public inherits down to an asset');
SELECT is(effective_permissions(:'member', :'pub_c'), 'viewer'::permset,
          'R4: public inherits down two levels');
SELECT ok(NOT has_access(:'member', :'pub_a', 'download'),
          'R4: the viewer level gives no download');
SELECT is(effective_permissions(:'guest', :'pub'), ''::permset,
          'R4: public gives a guest nothing');
SELECT is(effective_permissions(:'viewer', :'pub'), ''::permset,
          'R4: public gives a viewer-role principal nothing');
SELECT is(effective_permissions(:'xguest', :'pub_a'), ''::permset,
          'R4: public gives an external guest nothing');
SELECT is(effective_permissions(:'outsider', :'pub'), ''::permset,
          'R4: public gives an outsider nothing');

-- ---------------------------------------------------------------------------
-- shared: admins get editor; nobody else
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'admin', :'sh'), 'editor'::permset,
          'R4: shared gives an admin editor');
SELECT is(effective_permissions(:'admin', :'sh_a'), 'editor'::permset,
          'R4: shared inherits down to an asset for an admin');
SELECT is(effective_permissions(:'member', :'sh'), ''::permset,
          'R4: shared gives a member nothing');
SELECT is(effective_permissions(:'member', :'sh_a'), ''::permset,
          'R4: shared gives a member nothing below either');
SELECT is(effective_permissions(:'guest', :'sh'), ''::permset,
          'R4: shared gives a guest nothing');
SELECT is(effective_permissions(:'viewer', :'sh_a'), ''::permset,
          'R4: shared gives a viewer-role principal nothing');
SELECT is(effective_permissions(:'admin', :'sh_pub'), 'editor'::permset,
          'R4: admin on a public asset below a shared project: editor ∪ viewer');
SELECT is(effective_permissions(:'member', :'sh_pub'), 'viewer'::permset,
          'R4: member on a public asset below a shared project: viewer only');

-- ---------------------------------------------------------------------------
-- private: nothing; general access flows down, never up nor sideways
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'admin', :'priv'), ''::permset,
          'R4: private gives an admin nothing');
SELECT is(effective_permissions(:'member', :'priv_a'), ''::permset,
          'R4: private gives a member nothing');
SELECT is(effective_permissions(:'member', :'priv_pa'), 'viewer'::permset,
          'R4: a public asset in a private project gives a member viewer on it');
SELECT is(effective_permissions(:'member', :'priv_pac'), 'viewer'::permset,
          'R4: ... and on its child');
SELECT is(effective_permissions(:'member', :'priv'), ''::permset,
          'R4: ... but nothing on the private project above it');
SELECT ok(NOT has_access(:'member', :'priv_a', 'view'),
          'R4: ... nor on its private sibling');
SELECT is(effective_permissions(:'owner', :'priv'), 'full'::permset,
          'R4: (R1 contrast) the owner needs no general access');

-- ---------------------------------------------------------------------------
-- public_access_level
-- ---------------------------------------------------------------------------
SELECT is(effective_permissions(:'member', :'q_pub'), 'commenter'::permset,
          'R4: public_access_level commenter gives a member commenter');
SELECT is(effective_permissions(:'admin', :'q_pub_a'), 'commenter'::permset,
          'R4: public_access_level commenter gives an admin commenter, inherited');
SELECT is(effective_permissions(:'guest', :'q_pub'), ''::permset,
          'R4: public_access_level commenter still gives a guest nothing');
SELECT is(effective_permissions(:'admin', :'q_sh_pub_a'), 'editor'::permset,
          'R4: admin: shared (editor) above public (commenter) unions to editor');
SELECT is(effective_permissions(:'member', :'q_sh_pub_a'), 'commenter'::permset,
          'R4: member: only the public level');
SELECT is(effective_permissions(:'member', :'r_pub'),
          'full'::permset - 'make_public,transfer_ownership,delete_space,manage_settings'::permset,
          'R4: public_access_level full gives a member full, then the member cap (R9)');
SELECT is(effective_permissions(:'admin', :'r_pub'),
          'full'::permset - 'transfer_ownership,delete_space'::permset,
          'R4: public_access_level full gives an admin full, then the admin cap (R9)');
SELECT is(effective_permissions(:'guest', :'r_pub'), ''::permset,
          'R4: public_access_level full gives a guest nothing');
SELECT is(effective_permissions(:'viewer', :'r_pub'), ''::permset,
          'R4: public_access_level full gives a viewer-role principal nothing');
SELECT is(effective_permissions(:'owner3', :'r_pub'), 'full'::permset,
          'R4: (R1 contrast) the owner is full anyway');

-- changing the level or the general access applies at the next check
UPDATE workspace SET public_access_level = 'view_download' WHERE id = :'w1';
SELECT is(effective_permissions(:'member', :'pub_a'), 'view_download'::permset,
          'R4: a new public_access_level applies at once');
UPDATE resource SET general_access = 'private' WHERE id = :'pub';
SELECT is(effective_permissions(:'member', :'pub_a'), ''::permset,
          'R4: setting the project private removes the inherited access at once');
UPDATE resource SET general_access = 'shared' WHERE id = :'pub';
SELECT is(effective_permissions(:'admin', :'pub_c'), 'editor'::permset,
          'R4: setting the project shared gives admins editor below it at once');

SELECT * FROM finish();
ROLLBACK;
