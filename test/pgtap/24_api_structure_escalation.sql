-- pgTAP: no escalation through structure (SPEC R14).  Giving a resource new
-- ancestors (move_resource, add_to_collection, set_restricted(r, false)) must
-- not give anyone a permission on it, or below it, that the acting principal
-- does not hold on it: each route is refused with 42501 naming the flags, and
-- nothing changes; the moves R14 keeps allowed still work.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
-- Folders are projects inside a project.
BEGIN;
SELECT plan(74);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.parent_of(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id($1) $$;
CREATE FUNCTION pg_temp.in_collection(text, text) RETURNS boolean LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM share_acl.collection_item
                          WHERE collection_id = pg_temp.id($1) AND resource_id = pg_temp.id($2)) $$;
CREATE FUNCTION pg_temp.perms(text, text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT share_acl.effective_permissions(pg_temp.id($1), pg_temp.id($2))::text $$;
-- the 42501 message of a refusal by R14
CREATE FUNCTION pg_temp.refusal(action text, flags text, resource text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT format('permission denied: %s requires "%s" on resource %s', action, flags, pg_temp.id(resource)) $$;

-- people: alice owns ws, bob admin, mia ed mo ola tess members, gwen guest
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t24.test')),
    ('bob',   share_acl.create_user('bob@t24.test')),
    ('mia',   share_acl.create_user('mia@t24.test')),
    ('ed',    share_acl.create_user('ed@t24.test')),
    ('mo',    share_acl.create_user('mo@t24.test')),
    ('ola',   share_acl.create_user('ola@t24.test')),
    ('tess',  share_acl.create_user('tess@t24.test')),
    ('gwen',  share_acl.create_user('gwen@t24.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t24', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id(p), 'member')
  FROM unnest(ARRAY['mia', 'ed', 'mo', 'ola', 'tess']) p;
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gwen'), 'guest');

-- ola's private project OP: an asset OA, a restricted folder OF with asset OFA
SELECT pg_temp.act('ola');
INSERT INTO ids VALUES ('OP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('OA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('OP')));
INSERT INTO ids VALUES ('OF', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('OP')));
INSERT INTO ids VALUES ('OFA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('OF')));
SELECT share_acl.set_restricted(pg_temp.id('OF'), true);
-- mia may view OA and OFA, without download; ed edits OP
SELECT share_acl.share(pg_temp.id('OA'), pg_temp.id('mia'), 'viewer', allow_download => false);
SELECT share_acl.share(pg_temp.id('OFA'), pg_temp.id('mia'), 'viewer', allow_download => false);
SELECT share_acl.share(pg_temp.id('OP'), pg_temp.id('ed'), 'editor');
-- ola's public project PP with an asset PPA: every member views it (R4)
INSERT INTO ids VALUES ('PP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('PPA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('PP')));
SELECT pg_temp.act('alice');
SELECT share_acl.set_general_access(pg_temp.id('PP'), 'public');

-- mia's project MP with a collection MC; ed's project EP
SELECT pg_temp.act('mia');
INSERT INTO ids VALUES ('MP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('MC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('MP')));
SELECT pg_temp.act('ed');
INSERT INTO ids VALUES ('EP', share_acl.create_resource(pg_temp.id('ws'), 'project'));

-- ------------------------------------- add_to_collection: a viewer's asset
SELECT pg_temp.act('mia');
SELECT is(pg_temp.perms('mia', 'OA'), 'view,view_details,react,share',
    'R14 fixture: mia views ola''s asset OA (viewer share, download off, share by R11)');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('OA'))$$, '42501',
    pg_temp.refusal('add_to_collection',
        'download,comment,annotate,approve,upload,edit,rename,move,copy,delete_own,delete,view_activity,run_ai,manage_members,change_permissions,manage_collections,resolve_comments,view_audit',
        'OA'),
    'add_to_collection: filing a viewed asset in one''s own collection is refused, naming the flags its ownership would pass down');
SELECT ok(NOT pg_temp.in_collection('MC', 'OA'), 'add_to_collection refused: OA is not in the collection');
SELECT is(pg_temp.perms('mia', 'OA'), 'view,view_details,react,share',
    'add_to_collection refused: mia holds on OA what she held before');

-- ------------------- add_to_collection: an asset inside a restricted folder
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('OFA'))$$, '42501',
    pg_temp.refusal('add_to_collection',
        'download,comment,annotate,approve,upload,edit,rename,move,copy,delete_own,delete,view_activity,run_ai,manage_members,change_permissions,manage_collections,resolve_comments,view_audit',
        'OFA'),
    'add_to_collection: an asset inside a restricted folder is refused too');
SELECT ok(NOT pg_temp.in_collection('MC', 'OFA') AND NOT share_acl.has_access(pg_temp.id('mia'), pg_temp.id('OFA'), 'download'),
    'add_to_collection refused: OFA is not in the collection and mia still cannot download it');

-- ---------------------------- add_to_collection: a whole public project
SELECT is(pg_temp.perms('mia', 'PP'), 'view,view_details,react,share',
    'R14 fixture: mia views the public project PP (R4, share by R11)');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('PP'))$$, '42501',
    pg_temp.refusal('add_to_collection',
        'download,comment,annotate,approve,upload,edit,rename,move,copy,delete_own,delete,view_activity,run_ai,manage_members,change_permissions,manage_collections,resolve_comments,view_audit',
        'PP'),
    'add_to_collection: a public project filed in one''s own collection is refused');
SELECT ok(NOT pg_temp.in_collection('MC', 'PP'), 'add_to_collection refused: PP is not in the collection');
SELECT is(pg_temp.perms('mia', 'PPA'), 'view,view_details,react,share',
    'add_to_collection refused: mia holds on the asset inside PP what she held before');

-- --------------------------- move_resource: someone else's asset, own project
SELECT pg_temp.act('ed');
SELECT is(pg_temp.perms('ed', 'OA'),
    'view,view_details,react,download,comment,annotate,approve,upload,edit,rename,move,copy,delete_own,view_activity,run_ai,share',
    'R14 fixture: ed edits ola''s asset OA (editor share on OP)');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('OA'), pg_temp.id('EP'))$$, '42501',
    pg_temp.refusal('move_resource',
        'delete,manage_members,change_permissions,manage_collections,resolve_comments,view_audit', 'OA'),
    'move_resource: an editor moving someone else''s asset into its own project is refused, naming the flags');
SELECT is(pg_temp.parent_of('OA'), pg_temp.id('OP'), 'move_resource refused: OA stays in OP');
SELECT ok(NOT share_acl.has_access(pg_temp.id('ed'), pg_temp.id('OA'), 'delete'),
    'move_resource refused: ed still cannot delete OA');

-- ------------------------------ set_restricted(false): the admin's project
-- bob (admin) owns project BP; alice made its restricted folder BF, which
-- mo manages (and nothing else of BP)
SELECT pg_temp.act('bob');
INSERT INTO ids VALUES ('BP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('BF', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('BP')));
SELECT share_acl.set_restricted(pg_temp.id('BF'), true);
SELECT share_acl.share(pg_temp.id('BF'), pg_temp.id('mo'), 'manager');
SELECT pg_temp.act('mo');
INSERT INTO ids VALUES ('BFA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('BF')));
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('BF'), 'view'),
    'R14 fixture: the restriction keeps bob''s ownership of BP out of BF');
SELECT throws_ok($$SELECT share_acl.set_restricted(pg_temp.id('BF'), false)$$, '42501',
    pg_temp.refusal('set_restricted', 'delete,make_public,manage_settings,view_audit', 'BF'),
    'set_restricted(false): lifting a restriction that passes on more than the actor holds is refused');
SELECT ok((SELECT restricted FROM share_acl.resource WHERE id = pg_temp.id('BF')),
    'set_restricted refused: BF stays restricted');
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('BFA'), 'view'),
    'set_restricted refused: bob still sees nothing of the asset below BF');
-- the workspace owner holds everything anyone could gain
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.set_restricted(pg_temp.id('BF'), false)$$,
    'set_restricted(false): the workspace owner lifts the restriction');
SELECT ok(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('BFA'), 'delete'),
    'set_restricted(false): bob''s ownership of BP reaches the asset below BF again');
SELECT pg_temp.act('mo');
SELECT lives_ok($$SELECT share_acl.set_restricted(pg_temp.id('BF'), true)$$,
    'set_restricted(true): making a resource restricted is never an escalation');

-- ----------------------------------------- share links on the new ancestors
-- LC, alice's collection in alice's project AP; mo manages LC and views asset
-- LA without download; a link on LC gives download to whoever holds it
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('AP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('LC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('AP')));
INSERT INTO ids VALUES ('LC2', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('AP')));
INSERT INTO ids VALUES ('LA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('AP')));
INSERT INTO ids VALUES ('LA2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('AP')));
SELECT share_acl.share(pg_temp.id('LC'), pg_temp.id('mo'), 'viewer,manage_collections');
SELECT share_acl.share(pg_temp.id('LC2'), pg_temp.id('mo'), 'viewer,manage_collections');
SELECT share_acl.share(pg_temp.id('LA'), pg_temp.id('mo'), 'viewer,manage_collections');
SELECT share_acl.share(pg_temp.id('LA2'), pg_temp.id('mo'), 'viewer,manage_collections');
SELECT share_acl.create_link(pg_temp.id('LC'), 'view_download', allow_download => true) IS NOT NULL AS link_created;
SELECT share_acl.create_link(pg_temp.id('LC2'), 'view_download', allow_download => false) IS NOT NULL AS link_created;
SELECT pg_temp.act('mo');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('LC'), pg_temp.id('LA'))$$, '42501',
    pg_temp.refusal('add_to_collection', 'download', 'LA'),
    'add_to_collection: a share link on the collection would give download on the asset: refused');
SELECT ok(NOT pg_temp.in_collection('LC', 'LA'), 'add_to_collection refused: LA is not in LC');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('LC2'), pg_temp.id('LA2'))$$,
    'add_to_collection: a link giving only what the actor holds is no escalation');

-- ------------------- run_ai below the moved resource (guest AI by project)
-- GP enables guest AI, NP does not; folder NF of NP holds asset NFA and a
-- restricted folder NR with asset NRA that gwen (guest) may edit.  tess
-- moves with contributor shares (move, upload, no run_ai).
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('GP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('NP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('NF', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('NP')));
INSERT INTO ids VALUES ('NFA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('NF')));
INSERT INTO ids VALUES ('NR', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('NF')));
INSERT INTO ids VALUES ('NRA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('NR')));
SELECT share_acl.set_restricted(pg_temp.id('NR'), true);
SELECT share_acl.set_principal(NULL);
UPDATE share_acl.resource SET guest_ai_enabled = true WHERE id = pg_temp.id('GP');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('NRA'), pg_temp.id('gwen'), 'editor');
SELECT share_acl.share(pg_temp.id('NP'), pg_temp.id('tess'), 'contributor');
SELECT share_acl.share(pg_temp.id('GP'), pg_temp.id('tess'), 'contributor');
SELECT ok(NOT share_acl.has_access(pg_temp.id('gwen'), pg_temp.id('NRA'), 'run_ai')
          AND share_acl.has_access(pg_temp.id('gwen'), pg_temp.id('NRA'), 'edit'),
    'R14 fixture: gwen edits NRA, without run_ai (NP has guest AI off)');
SELECT pg_temp.act('tess');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('NF'), pg_temp.id('GP'))$$, '42501',
    pg_temp.refusal('move_resource', 'run_ai', 'NF'),
    'move_resource: a move that gives a guest run_ai below the resource needs run_ai on it');
SELECT is(pg_temp.parent_of('NF'), pg_temp.id('NP'), 'move_resource refused: NF stays in NP');
SELECT ok(NOT share_acl.has_access(pg_temp.id('gwen'), pg_temp.id('NRA'), 'run_ai'),
    'move_resource refused: gwen still has no run_ai on NRA');
-- ed (editor on NP and GP) holds run_ai on NF, but nothing on the restricted
-- NR below it (R8): NRA is beyond ed, the same move is refused
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('NP'), pg_temp.id('ed'), 'editor');
SELECT share_acl.share(pg_temp.id('GP'), pg_temp.id('ed'), 'editor');
SELECT pg_temp.act('ed');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('NF'), pg_temp.id('GP'))$$, '42501',
    pg_temp.refusal('move_resource', 'run_ai', 'NF'),
    'move_resource: run_ai on the resource is not enough when a guest gains it on a restricted resource below, beyond the actor');
-- tess owns her folder TF in NP (R10 gives her full on it, not on the
-- restricted TR below, where gwen edits TRA): owning it is not enough either
SELECT pg_temp.act('tess');
INSERT INTO ids VALUES ('TF', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('NP')));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('TR', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('TF')));
INSERT INTO ids VALUES ('TRA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('TR')));
SELECT share_acl.set_restricted(pg_temp.id('TR'), true);
SELECT share_acl.share(pg_temp.id('TRA'), pg_temp.id('gwen'), 'editor');
SELECT ok(share_acl.has_access(pg_temp.id('tess'), pg_temp.id('TF'), 'move,upload,run_ai')
          AND NOT share_acl.has_access(pg_temp.id('tess'), pg_temp.id('TRA'), 'view'),
    'R14 fixture: tess moves her folder TF and holds run_ai on it, nothing on TRA below it');
SELECT pg_temp.act('tess');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('TF'), pg_temp.id('GP'))$$, '42501',
    pg_temp.refusal('move_resource', 'run_ai', 'TF'),
    'move_resource: moving what one owns does not give a guest run_ai on a restricted resource below it');
SELECT ok(pg_temp.parent_of('TF') = pg_temp.id('NP')
          AND NOT share_acl.has_access(pg_temp.id('gwen'), pg_temp.id('TRA'), 'run_ai'),
    'move_resource refused: TF stays in NP, gwen has no run_ai on TRA');
-- the workspace owner holds everything everywhere (R1): its moves are allowed
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('NF'), pg_temp.id('GP'))$$,
    'move_resource: the workspace owner may move the folder into the guest-AI project');
SELECT ok(share_acl.has_access(pg_temp.id('gwen'), pg_temp.id('NRA'), 'run_ai'),
    'move_resource: gwen now has run_ai on NRA');

-- ------------------ who gains: general access, nested teams of the target
-- alice's project QP: a public folder QPub, a shared folder QSh, a folder QT
-- shared with the team leads (which holds the team inner, which holds ola)
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'true');
INSERT INTO ids VALUES ('QP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('QPub', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('QP')));
INSERT INTO ids VALUES ('QSh', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('QP')));
INSERT INTO ids VALUES ('QT', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('QP')));
INSERT INTO ids VALUES ('QA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('QP')));
SELECT share_acl.set_general_access(pg_temp.id('QPub'), 'public');
SELECT share_acl.set_general_access(pg_temp.id('QSh'), 'shared');
INSERT INTO ids VALUES ('leads', share_acl.create_team(pg_temp.id('ws'), 'leads'));
INSERT INTO ids VALUES ('inner', share_acl.create_team(pg_temp.id('ws'), 'inner'));
SELECT share_acl.add_team_member(pg_temp.id('leads'), pg_temp.id('inner'));
SELECT share_acl.add_team_member(pg_temp.id('inner'), pg_temp.id('ola'));
SELECT share_acl.share(pg_temp.id('QT'), pg_temp.id('leads'), 'manager');
SELECT share_acl.share(pg_temp.id('QA'), pg_temp.id(p), 'contributor')
  FROM unnest(ARRAY['gwen', 'tess']) p;
SELECT share_acl.share(pg_temp.id(f), pg_temp.id(p), 'contributor')
  FROM unnest(ARRAY['QPub', 'QSh']) f, unnest(ARRAY['gwen', 'tess']) p;
SELECT share_acl.share(pg_temp.id('QP'), pg_temp.id('ed'), 'editor');
-- a guest moving into a public folder: every member would view QA
SELECT pg_temp.act('gwen');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('QA'), pg_temp.id('QPub'))$$, '42501',
    pg_temp.refusal('move_resource', 'react,share', 'QA'),
    'move_resource: into a public folder, members would gain its public level (and share, R11) that the guest lacks');
-- a member moving into a shared folder: the admins would edit QA
SELECT pg_temp.act('tess');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('QA'), pg_temp.id('QSh'))$$, '42501',
    pg_temp.refusal('move_resource', 'react,comment,annotate,approve,delete_own,run_ai', 'QA'),
    'move_resource: into a shared folder, the admins would gain editor beyond the actor''s contributor');
-- an editor moving into a folder a team manages: ola, in a team inside it, would manage QA
SELECT pg_temp.act('ed');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('QA'), pg_temp.id('QT'))$$, '42501',
    pg_temp.refusal('move_resource', 'manage_members,change_permissions,manage_collections,resolve_comments', 'QA'),
    'move_resource: the members of nested teams shared with the target count too');
SELECT is(pg_temp.parent_of('QA'), pg_temp.id('QP'), 'move_resource refused three times: QA stays in QP');
SELECT ok(NOT share_acl.has_access(pg_temp.id('ola'), pg_temp.id('QA'), 'view')
          AND NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('QA'), 'view')
          AND NOT share_acl.has_access(pg_temp.id('mia'), pg_temp.id('QA'), 'view'),
    'move_resource refused: ola, bob and mia still see nothing of QA');

-- -------------------------------------------------- what stays allowed
-- An editor moves an asset between folders of its project; the project and
-- folders are bob's (admin); tess uploaded the asset; folder TF2 is shared
-- with the team of reviewers.
SELECT pg_temp.act('bob');
INSERT INTO ids VALUES ('TP', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('TF1', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('TP')));
INSERT INTO ids VALUES ('TF2', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('TP')));
INSERT INTO ids VALUES ('TF3', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('TP')));
INSERT INTO ids VALUES ('TC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('TP')));
SELECT share_acl.set_general_access(pg_temp.id('TF3'), 'public');
INSERT INTO ids VALUES ('rev', share_acl.create_team(pg_temp.id('ws'), 'reviewers'));
SELECT share_acl.add_team_member(pg_temp.id('rev'), pg_temp.id('mia'));
SELECT share_acl.share(pg_temp.id('TF2'), pg_temp.id('rev'), 'commenter');
SELECT share_acl.share(pg_temp.id('TP'), pg_temp.id('ed'), 'editor');
SELECT share_acl.share(pg_temp.id('TP'), pg_temp.id('tess'), 'editor');
SELECT share_acl.share(pg_temp.id('TP'), pg_temp.id('mo'), 'manager');
SELECT pg_temp.act('tess');
INSERT INTO ids VALUES ('TA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('TF1')));
INSERT INTO ids VALUES ('TB', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('TF1')));
SELECT pg_temp.act('ed');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('TA'), pg_temp.id('TF2'))$$,
    'move_resource: an editor moves someone else''s asset between folders of the project');
SELECT is(pg_temp.parent_of('TA'), pg_temp.id('TF2'), 'move_resource: TA is in TF2');
SELECT ok(share_acl.has_access(pg_temp.id('mia'), pg_temp.id('TA'), 'commenter'),
    'move_resource: the reviewers comment on TA now (what the editor holds)');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('TA'), pg_temp.id('TF1'))$$,
    'move_resource: and back');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('TA'), pg_temp.id('TF3'))$$,
    'move_resource: an editor moves an asset into a public folder of the project');
SELECT ok(share_acl.has_access(pg_temp.id('ola'), pg_temp.id('TA'), 'viewer'),
    'move_resource: every member views TA now (the public level, which the editor holds)');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('TA'), pg_temp.id('TF1'))$$,
    'move_resource: and back again');
-- a manager adds assets to a collection of the same project
SELECT pg_temp.act('mo');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('TC'), pg_temp.id('TA'))$$,
    'add_to_collection: a manager adds an asset to a collection of the same project');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('TC'), pg_temp.id('TB'))$$,
    'add_to_collection: and another');
SELECT ok(pg_temp.in_collection('TC', 'TA') AND pg_temp.in_collection('TC', 'TB'),
    'add_to_collection: both are in the collection');
-- the workspace owner and an admin hold everything anyone could gain
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('OA'), pg_temp.id('MP'))$$,
    'move_resource: the workspace owner moves anything anywhere');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('OA'), pg_temp.id('OP'))$$,
    'move_resource: and back');
SELECT share_acl.share(pg_temp.id('AP'), pg_temp.id('bob'), 'full');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('LC'), pg_temp.id('LA'))$$,
    'add_to_collection: an admin holding everything on the asset adds it where a link reaches');
-- anyone moves what it owns: mia's asset into ola's project (ola gains a
-- member's full access, which mia holds on her own asset)
SELECT pg_temp.act('mia');
INSERT INTO ids VALUES ('MA', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('MP')));
SELECT pg_temp.act('ola');
SELECT share_acl.share(pg_temp.id('OP'), pg_temp.id('mia'), 'contributor');
SELECT pg_temp.act('mia');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('MA'), pg_temp.id('OP'))$$,
    'move_resource: a member moves its own asset into another member''s project');
SELECT ok(share_acl.has_access(pg_temp.id('ola'), pg_temp.id('MA'), 'delete'),
    'move_resource: ola''s ownership of OP now reaches MA');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('MA'))$$,
    'add_to_collection: a member files its own asset in its own collection');
-- ... also into an admin's project: bob (admin, owner of BP) gains
-- make_public and manage_settings on it, which mia's role never holds, but
-- the asset is mia's own
SELECT pg_temp.act('bob');
SELECT share_acl.share(pg_temp.id('BP'), pg_temp.id('mia'), 'contributor');
SELECT pg_temp.act('mia');
INSERT INTO ids VALUES ('MA2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('MP')));
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('MA2'), 'manage_settings'),
    'R14 fixture: bob cannot manage the settings of mia''s asset in her project');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('MA2'), pg_temp.id('BP'))$$,
    'move_resource: a member moves its own asset into an admin''s project (what it owns, it may pass on)');
SELECT ok(share_acl.has_access(pg_temp.id('bob'), pg_temp.id('MA2'), 'manage_settings'),
    'move_resource: bob''s ownership of BP now reaches MA2');
-- anyone moves what it fully controls: ed with a full share on ola's OFA
-- (inside the restricted folder) moves it into its own project
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('OFA'), pg_temp.id('ed'), 'full');
SELECT pg_temp.act('ed');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('OFA'), pg_temp.id('EP'))$$,
    'move_resource: a member with full access on someone else''s asset moves it into its own project');
SELECT is(pg_temp.parent_of('OFA'), pg_temp.id('EP'), 'move_resource: OFA is in EP');
-- a trusted administrator without a principal is exempt
SELECT share_acl.set_principal(NULL);
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('OA'))$$,
    'add_to_collection: a trusted administrator without a principal is exempt');
SELECT ok(pg_temp.in_collection('MC', 'OA'), 'add_to_collection: OA is in MC');
-- no new ancestors: moving to the same parent, adding again, restricting
SELECT pg_temp.act('mia');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('MC'), pg_temp.id('OA'))$$,
    'add_to_collection: adding again changes nothing and is not refused');
SELECT pg_temp.act('ed');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('OA'), pg_temp.id('OP'))$$,
    'move_resource: a move to the same parent gives no new ancestors');
-- create_resource is not a move: the new resource is its creator's
SELECT pg_temp.act('mia');
SELECT lives_ok($$INSERT INTO ids VALUES ('MC2', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('MC')))$$,
    'create_resource: creating below one''s own collection is not a change of structure');

-- ------------- owning R is not enough when someone else's resource is below
-- gwen (guest, uploads allowed) owns folder GF in GA, where alice filed her
-- asset GY; a team with mo manages GB.  Moving GF into GB would give mo
-- share, change_permissions and manage_members on alice's GY, which gwen's
-- guest role never holds
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('xGA', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('xGB', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('xT24M', share_acl.create_team(pg_temp.id('ws'), 'managers of GB'));
SELECT share_acl.add_team_member(pg_temp.id('xT24M'), pg_temp.id('mo'));
SELECT share_acl.share(pg_temp.id('xGA'), pg_temp.id('gwen'), 'editor');
SELECT share_acl.share(pg_temp.id('xGB'), pg_temp.id('gwen'), 'contributor');
SELECT share_acl.share(pg_temp.id('xGB'), pg_temp.id('xT24M'), 'manager');
SELECT pg_temp.act('gwen');
INSERT INTO ids VALUES ('xGF', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('xGA')));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('xGY', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('xGF')));
SELECT ok(NOT share_acl.has_access(pg_temp.id('mo'), pg_temp.id('xGY'), 'view'),
    'R14 fixture: mo holds nothing on alice''s GY in gwen''s folder');
SELECT pg_temp.act('gwen');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('xGF'), pg_temp.id('xGB'))$$, '42501', NULL,
    'move_resource: a guest moving its own folder that holds someone else''s asset is checked, and refused');
SELECT ok(pg_temp.parent_of('xGF') = pg_temp.id('xGA') AND NOT share_acl.has_access(pg_temp.id('mo'), pg_temp.id('xGY'), 'share'),
    'move_resource refused: GF stays in GA, mo gains nothing on GY');
-- tess (member) files her folder TF, holding alice's TY, in collection CC
-- where bob (admin) holds full: bob would gain make_public and
-- manage_settings on alice's TY, which tess's role never holds
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('xCA', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('xCB', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('xCC', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('xCB')));
SELECT share_acl.share(pg_temp.id('xCA'), pg_temp.id('tess'), 'editor');
SELECT share_acl.share(pg_temp.id('xCC'), pg_temp.id('tess'), 'manager');
SELECT share_acl.share(pg_temp.id('xCB'), pg_temp.id('bob'), 'full');
SELECT pg_temp.act('tess');
INSERT INTO ids VALUES ('xTF', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('xCA')));
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('xTY', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('xTF')));
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('xTY'), 'manage_settings'),
    'R14 fixture: bob cannot manage the settings of alice''s TY in tess''s folder');
SELECT pg_temp.act('tess');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('xCC'), pg_temp.id('xTF'))$$, '42501', NULL,
    'add_to_collection: a member filing its own folder that holds someone else''s asset is checked, and refused');
SELECT ok(NOT pg_temp.in_collection('xCC', 'xTF') AND NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('xTY'), 'manage_settings'),
    'add_to_collection refused: TF is not in CC, bob gains nothing on TY');
-- tess lifts the restriction of her folder RF, holding alice's RY, in
-- project RC where bob holds full: the same gain for bob
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('xRC', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('xRC'), pg_temp.id('tess'), 'editor');
SELECT share_acl.share(pg_temp.id('xRC'), pg_temp.id('bob'), 'full');
SELECT pg_temp.act('tess');
INSERT INTO ids VALUES ('xRF', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('xRC')));
SELECT share_acl.set_restricted(pg_temp.id('xRF'), true);
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('xRY', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('xRF')));
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('xRY'), 'manage_settings'),
    'R14 fixture: bob cannot manage the settings of alice''s RY in tess''s restricted folder');
SELECT pg_temp.act('tess');
SELECT throws_ok($$SELECT share_acl.set_restricted(pg_temp.id('xRF'), false)$$, '42501', NULL,
    'set_restricted: a member lifting the restriction of its own folder that holds someone else''s asset is checked, and refused');
SELECT ok(NOT share_acl.has_access(pg_temp.id('bob'), pg_temp.id('xRY'), 'manage_settings'),
    'set_restricted refused: bob gains nothing on RY');

SELECT * FROM finish();
ROLLBACK;
