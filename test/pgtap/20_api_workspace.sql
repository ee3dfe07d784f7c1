-- pgTAP: the management API of SPEC §6 for workspaces, users, members and
-- roles, teams, ownership and promotion requests; who may call without a
-- principal.
--
-- The file runs as superuser (a trusted administrator when no principal is
-- set); pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(182);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.role_of(ws text, p text) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT m.role::text FROM share_acl.member m
           WHERE m.workspace_id = pg_temp.id(ws) AND m.principal_id = pg_temp.id(p) $$;

-- ---------------------------------------------------------------- create_user
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t20.test', 'Alice')),
    ('bob',   share_acl.create_user('bob@t20.test')),
    ('carol', share_acl.create_user('carol@t20.test')),
    ('dave',  share_acl.create_user('dave@t20.test')),
    ('erin',  share_acl.create_user('erin@t20.test')),
    ('vic',   share_acl.create_user('vic@t20.test')),
    ('vera',  share_acl.create_user('vera@t20.test')),
    ('gina',  share_acl.create_user('gina@t20.test')),
    ('mia',   share_acl.create_user('mia@t20.test')),
    ('olga',  share_acl.create_user('olga@t20.test'));
INSERT INTO share_acl.principal (kind, email) VALUES ('external', 'ext@t20.test');
INSERT INTO ids SELECT 'ext', id FROM share_acl.principal WHERE email = 'ext@t20.test';

SELECT results_eq(
    $$SELECT kind::text, email, display_name FROM share_acl.principal WHERE id = pg_temp.id('alice')$$,
    $$VALUES ('user', 'alice@t20.test', 'Alice')$$,
    'create_user makes a user with its e-mail and display name');
SELECT is((SELECT display_name FROM share_acl.principal WHERE id = pg_temp.id('bob')), NULL,
    'create_user: display_name defaults to NULL');
SELECT throws_ok($$SELECT share_acl.create_user('ALICE@T20.test')$$, '23505', NULL,
    'create_user: e-mails are unique case-insensitively');
SELECT throws_ok($$SELECT share_acl.create_user('not an e-mail')$$, '22023', NULL,
    'create_user: a malformed e-mail is 22023');
SELECT throws_ok($$SELECT share_acl.create_user(NULL)$$, '22004', NULL,
    'create_user: NULL e-mail is 22004');

-- ----------------------------------------------------------- create_workspace
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('Studio t20', pg_temp.id('alice')));
SELECT is(pg_temp.role_of('ws', 'alice'), 'owner', 'create_workspace: the owner gets the owner role');
SELECT is((SELECT name FROM share_acl.workspace WHERE id = pg_temp.id('ws')), 'Studio t20',
    'create_workspace: the name is stored');
SELECT pg_temp.act('alice');
SELECT lives_ok($$INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('Alice t20 second', pg_temp.id('alice')))$$,
    'create_workspace: a user may create a workspace it owns');
SELECT is(pg_temp.role_of('ws2', 'alice'), 'owner', 'create_workspace as a principal: it owns the new workspace');
SELECT throws_ok($$SELECT share_acl.create_workspace('x', pg_temp.id('bob'))$$, '42501',
    'permission denied: create_workspace can only make the current principal the owner',
    'create_workspace: a principal cannot create a workspace for someone else');
SELECT share_acl.set_principal(NULL);
SELECT throws_ok($$SELECT share_acl.create_workspace('x', pg_temp.id('ext'))$$, '42809', NULL,
    'create_workspace: an external principal cannot own a workspace');
SELECT throws_ok($$SELECT share_acl.create_workspace('x', gen_random_uuid())$$, 'P0002', NULL,
    'create_workspace: unknown owner is P0002');
SELECT throws_ok($$SELECT share_acl.create_workspace(NULL, pg_temp.id('alice'))$$, '22004', NULL,
    'create_workspace: NULL name is 22004');
SELECT throws_ok($$SELECT share_acl.create_workspace('', pg_temp.id('alice'))$$, '22023', NULL,
    'create_workspace: an empty name is 22023');
-- names: no control character, line break or bidirectional override
SELECT throws_ok($$SELECT share_acl.create_workspace(E'Studio\nEvil', pg_temp.id('alice'))$$, '22023',
    'create_workspace: a workspace name has 1 to 200 characters, none of them a control character, a line or paragraph separator or a bidirectional embedding, override or isolate',
    'create_workspace: a name with a line break is 22023, said so');
SELECT throws_ok($$SELECT share_acl.create_workspace('Studio ' || chr(x'202E'::int) || 'gpj.exe', pg_temp.id('alice'))$$,
    '22023', NULL, 'create_workspace: a name with a right-to-left override is 22023');
SELECT throws_ok($$SELECT share_acl.create_workspace('Studio ' || chr(x'2067'::int) || 'x', pg_temp.id('alice'))$$,
    '22023', NULL, 'create_workspace: a name with a bidirectional isolate is 22023');
SELECT throws_ok($$INSERT INTO share_acl.workspace (name) VALUES (E'tab\there')$$, '23514', NULL,
    'a workspace row written directly with a control character in its name is refused by its CHECK (23514)');
SELECT lives_ok($$SELECT share_acl.create_workspace('Ünïcödé 製作 ' || chr(x'0645'::int) || chr(x'200C'::int) || chr(x'0646'::int)
                      || ' ' || chr(x'1F3AC'::int) || chr(x'200D'::int), pg_temp.id('alice'))$$,
    'create_workspace: letters of any script, joiners and emoji are fine');
SELECT is(share_acl.is_valid_name(E'a\u0085b'), false, 'is_valid_name: a C1 control (NEL) is refused');
SELECT is(share_acl.is_valid_name(E'a\u2028b'), false, 'is_valid_name: a line separator is refused');

-- ----------------------------------------------------------------- add_member
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin')$$,
    'add_member: a trusted administrator without a principal may add an admin');
SELECT is(pg_temp.role_of('ws', 'bob'), 'admin', 'add_member: bob is admin');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member')$$,
    'add_member: an admin (manage_members) adds a member');
SELECT is(pg_temp.role_of('ws', 'carol'), 'member', 'add_member: carol is member');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member')$$,
    'add_member: dave added');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vic'), 'viewer')$$,
    'add_member: a viewer added');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vera'), 'viewer')$$,
    'add_member: a second viewer added');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest')$$,
    'add_member: a guest added');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mia'), 'member')$$,
    'add_member: mia added');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('ext'), 'viewer')$$,
    'add_member: an external principal may be a viewer');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), 'admin')$$, '42501',
    format('permission denied: only the owner of workspace %s may assign the admin role', pg_temp.id('ws')),
    'add_member: an admin cannot create an admin');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), 'owner')$$, '22023', NULL,
    'add_member: the owner role is never given by add_member');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member')$$, '23505', NULL,
    'add_member: adding a member twice is 23505');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), gen_random_uuid(), 'member')$$, 'P0002', NULL,
    'add_member: unknown principal is P0002');
SELECT throws_ok($$SELECT share_acl.add_member(gen_random_uuid(), pg_temp.id('erin'), 'member')$$, 'P0002', NULL,
    'add_member: unknown workspace is P0002');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), NULL)$$, '22004', NULL,
    'add_member: NULL role is 22004');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), 'member')$$, '42501',
    format('permission denied: add_member requires "manage_members" on workspace %s', pg_temp.id('ws')),
    'add_member: a member lacks manage_members');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), 'admin')$$,
    'add_member: the owner creates an admin');
SELECT is(pg_temp.role_of('ws', 'erin'), 'admin', 'add_member: erin is admin');

-- ------------------------------------------------------------------ set_role
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'guest')$$,
    'set_role: an admin changes a member to guest');
SELECT is(pg_temp.role_of('ws', 'dave'), 'guest', 'set_role: dave is guest');
SELECT lives_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'member')$$,
    'set_role: and back to member');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'admin')$$, '42501',
    format('permission denied: only the owner of workspace %s may assign or change the admin role', pg_temp.id('ws')),
    'set_role: an admin cannot make an admin');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('erin'), 'member')$$, '42501', NULL,
    'set_role: an admin cannot change another admin');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('ext'), 'member')$$, '22023', NULL,
    'set_role: an external principal cannot be member');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'admin')$$,
    'set_role: the owner makes an admin');
SELECT is(pg_temp.role_of('ws', 'dave'), 'admin', 'set_role: dave is admin');
SELECT lives_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'member')$$,
    'set_role: the owner changes an admin');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'owner')$$, '22023', NULL,
    'set_role: the owner role only through transfer_ownership');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('alice'), 'admin')$$, '22023', NULL,
    'set_role: the owner''s role only changes through transfer_ownership');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('olga'), 'member')$$, 'P0002', NULL,
    'set_role: a principal without a role is P0002');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('dave'), 'guest')$$, '42501', NULL,
    'set_role: a member lacks manage_members');

-- --------------------------------------------------------------------- teams
SELECT pg_temp.act('bob');
SELECT lives_ok($$INSERT INTO ids VALUES ('team', share_acl.create_team(pg_temp.id('ws'), 'Editors'))$$,
    'create_team: an admin creates a team');
SELECT results_eq(
    $$SELECT kind::text, display_name, workspace_id FROM share_acl.principal WHERE id = pg_temp.id('team')$$,
    $$SELECT 'team', 'Editors', pg_temp.id('ws')$$,
    'create_team: a team principal of the workspace');
SELECT throws_ok($$SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('team'), 'member')$$, '42809',
    'a team cannot be a workspace member', 'set_role: a team is 42809 (the wrong kind), not P0002');
SELECT throws_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('team'))$$, '42809',
    'a team cannot be a workspace member', 'remove_member: a team is 42809');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('team'))$$, '42809',
    'a team cannot own a workspace', 'transfer_ownership: to a team is 42809');
SELECT pg_temp.act('bob');
INSERT INTO ids VALUES ('team2', share_acl.create_team(pg_temp.id('ws'), 'Inner'));
SELECT throws_ok($$SELECT share_acl.create_team(NULL, 'x')$$, '22004', NULL, 'create_team: NULL workspace is 22004');
SELECT throws_ok($$SELECT share_acl.create_team(gen_random_uuid(), 'x')$$, 'P0002', NULL,
    'create_team: unknown workspace is P0002');
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), E'Edit\rors')$$, '22023', NULL,
    'create_team: a name with a control character is 22023');
SELECT throws_ok($$SELECT share_acl.create_user('name-t20@t20.test', 'Mallory ' || chr(x'202D'::int) || 'Admin')$$, '22023', NULL,
    'create_user: a display name with a left-to-right override is 22023');
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), '')$$, '22023', NULL,
    'create_team: an empty name is 22023');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('carol'))$$,
    'add_team_member: an admin adds a member to a team');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('carol'))$$,
    'add_team_member: adding again changes nothing');
SELECT is((SELECT count(*)::int FROM share_acl.team_member
            WHERE team_id = pg_temp.id('team') AND member_id = pg_temp.id('carol')), 1,
    'add_team_member: one row');
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('team2'))$$,
    'add_team_member: a team may contain a team');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('team2'), pg_temp.id('team'))$$, '42P19', NULL,
    'add_team_member: a cycle is refused');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('carol'), pg_temp.id('dave'))$$, '42809', NULL,
    'add_team_member: a user is not a team (42809)');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('olga'))$$, '22023', NULL,
    'add_team_member: a person without a role in the workspace is refused');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), gen_random_uuid())$$, 'P0002', NULL,
    'add_team_member: unknown member is P0002');
SELECT throws_ok($$SELECT share_acl.add_team_member(NULL, pg_temp.id('carol'))$$, '22004', NULL,
    'add_team_member: NULL team is 22004');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('team_other', share_acl.create_team(pg_temp.id('ws2'), 'Elsewhere'));
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('team_other'))$$, '22023', NULL,
    'add_team_member: a team of another workspace is refused');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), 'Mine')$$, '42501',
    format('permission denied: create_team requires "manage_members" on workspace %s', pg_temp.id('ws')),
    'create_team: a member lacks manage_members');
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('dave'))$$, '42501', NULL,
    'add_team_member: a member lacks manage_members');
SELECT throws_ok($$SELECT share_acl.remove_team_member(pg_temp.id('team'), pg_temp.id('carol'))$$, '42501', NULL,
    'remove_team_member: a member lacks manage_members');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.remove_team_member(pg_temp.id('team'), pg_temp.id('carol'))$$,
    'remove_team_member: an admin removes a team member');
SELECT is((SELECT count(*)::int FROM share_acl.team_member
            WHERE team_id = pg_temp.id('team') AND member_id = pg_temp.id('carol')), 0,
    'remove_team_member: the row is gone');
SELECT throws_ok($$SELECT share_acl.remove_team_member(pg_temp.id('team'), pg_temp.id('carol'))$$, 'P0002', NULL,
    'remove_team_member: not in the team is P0002');
SELECT throws_ok($$SELECT share_acl.remove_team_member(pg_temp.id('dave'), pg_temp.id('carol'))$$, '42809', NULL,
    'remove_team_member: a user is not a team (42809)');

-- ------------------------------------------------------------- remove_member
SELECT share_acl.add_team_member(pg_temp.id('team'), pg_temp.id('mia'));
SELECT lives_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('mia'))$$,
    'remove_member: an admin removes a member');
SELECT is(pg_temp.role_of('ws', 'mia'), NULL, 'remove_member: the role is gone');
SELECT is((SELECT count(*)::int FROM share_acl.team_member WHERE member_id = pg_temp.id('mia')), 0,
    'remove_member: the member also leaves the workspace''s teams');
SELECT throws_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('erin'))$$, '42501',
    format('permission denied: only the owner of workspace %s may remove an admin', pg_temp.id('ws')),
    'remove_member: an admin cannot remove an admin');
SELECT throws_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('alice'))$$, '22023', NULL,
    'remove_member: the owner cannot be removed');
SELECT throws_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('olga'))$$, 'P0002', NULL,
    'remove_member: not a member is P0002');
SELECT throws_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), NULL)$$, '22004', NULL,
    'remove_member: NULL principal is 22004');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('dave'))$$, '42501', NULL,
    'remove_member: a member lacks manage_members');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('erin'))$$,
    'remove_member: the owner removes an admin');

-- -------------------------------------------------------- transfer_ownership
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('bob'))$$, '42501',
    format('permission denied: transfer_ownership requires "transfer_ownership" on workspace %s', pg_temp.id('ws')),
    'transfer_ownership: an admin is refused');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('gina'))$$, '22023', NULL,
    'transfer_ownership: a guest cannot become owner');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('olga'))$$, '22023', NULL,
    'transfer_ownership: a principal without a role cannot become owner');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('alice'))$$, '22023', NULL,
    'transfer_ownership: to the owner itself is 22023');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), gen_random_uuid())$$, 'P0002', NULL,
    'transfer_ownership: unknown principal is P0002');
SELECT lives_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('carol'))$$,
    'transfer_ownership: the owner transfers to a member');
SELECT is(pg_temp.role_of('ws', 'carol'), 'owner', 'transfer_ownership: carol is owner');
SELECT is(pg_temp.role_of('ws', 'alice'), 'admin', 'transfer_ownership: the old owner becomes admin');
SELECT is((SELECT count(*)::int FROM share_acl.member WHERE workspace_id = pg_temp.id('ws') AND role = 'owner'), 1,
    'transfer_ownership: exactly one owner');
SELECT throws_ok($$SELECT share_acl.transfer_ownership(pg_temp.id('ws'), pg_temp.id('dave'))$$, '42501', NULL,
    'transfer_ownership: the old owner no longer may');

-- ----------------------------------------------- transfer_resource_ownership
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('proj', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT lives_ok($$SELECT share_acl.transfer_resource_ownership(pg_temp.id('proj'), pg_temp.id('dave'))$$,
    'transfer_resource_ownership: the workspace owner gives a resource away');
SELECT is((SELECT owner_id FROM share_acl.resource WHERE id = pg_temp.id('proj')), pg_temp.id('dave'),
    'transfer_resource_ownership: dave owns it');
SELECT throws_ok($$SELECT share_acl.transfer_resource_ownership(pg_temp.id('proj'), pg_temp.id('team'))$$, '42809', NULL,
    'transfer_resource_ownership: a team cannot own');
SELECT throws_ok($$SELECT share_acl.transfer_resource_ownership(pg_temp.id('proj'), pg_temp.id('olga'))$$, '22023', NULL,
    'transfer_resource_ownership: a principal without a role cannot own');
SELECT throws_ok($$SELECT share_acl.transfer_resource_ownership(gen_random_uuid(), pg_temp.id('dave'))$$, 'P0002', NULL,
    'transfer_resource_ownership: unknown resource is P0002');
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.transfer_resource_ownership(pg_temp.id('proj'), pg_temp.id('bob'))$$, '42501',
    format('permission denied: transfer_resource_ownership requires "transfer_ownership" on workspace %s', pg_temp.id('ws')),
    'transfer_resource_ownership: the resource owner is not the workspace owner');

-- ---------------------------------------------------------------- promotions
SELECT pg_temp.act('vic');
SELECT lives_ok($$INSERT INTO ids VALUES ('req_vic', share_acl.request_promotion(pg_temp.id('ws'), 'member'))$$,
    'request_promotion: a viewer asks for member');
SELECT results_eq(
    $$SELECT principal_id, role::text, status FROM share_acl.promotion_request WHERE id = pg_temp.id('req_vic')$$,
    $$SELECT pg_temp.id('vic'), 'member', 'pending'$$,
    'request_promotion: a pending request');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'guest')$$, '23505', NULL,
    'request_promotion: one pending request at a time');
SELECT pg_temp.act('vera');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'admin')$$, '22023', NULL,
    'request_promotion: a viewer cannot ask for admin');
INSERT INTO ids VALUES ('req_vera', share_acl.request_promotion(pg_temp.id('ws'), 'guest'));
SELECT pg_temp.act('gina');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'guest')$$, '22023', NULL,
    'request_promotion: a guest may ask only for member');
SELECT lives_ok($$INSERT INTO ids VALUES ('req_gina', share_acl.request_promotion(pg_temp.id('ws'), 'member'))$$,
    'request_promotion: a guest asks for member');
SELECT pg_temp.act('ext');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'member')$$, '22023',
    'an external principal cannot become a member',
    'request_promotion: an external principal cannot become member');
SELECT lives_ok($$INSERT INTO ids VALUES ('req_ext', share_acl.request_promotion(pg_temp.id('ws'), 'guest'))$$,
    'request_promotion: an external viewer may ask for guest');
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'member')$$, '42501', NULL,
    'request_promotion: a member cannot ask');
SELECT pg_temp.act('olga');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'member')$$, '42501', NULL,
    'request_promotion: a principal without a role cannot ask');
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), NULL)$$, '22004', NULL,
    'request_promotion: NULL role is 22004');
SELECT share_acl.set_principal(NULL);
SELECT throws_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'member')$$, '42501', NULL,
    'request_promotion: needs a principal');

SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_vic'), true)$$, '42501',
    format('permission denied: decide_promotion requires "manage_members" on workspace %s', pg_temp.id('ws')),
    'decide_promotion: a member lacks manage_members');
SELECT pg_temp.act('bob');
SELECT lives_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_vic'), true)$$,
    'decide_promotion: an admin approves');
SELECT is(pg_temp.role_of('ws', 'vic'), 'member', 'decide_promotion: approving applies the role');
SELECT results_eq(
    $$SELECT status, decided_by, decided_at IS NOT NULL FROM share_acl.promotion_request WHERE id = pg_temp.id('req_vic')$$,
    $$SELECT 'approved', pg_temp.id('bob'), true$$,
    'decide_promotion: the request records the decision');
SELECT throws_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_vic'), false)$$, '55000', NULL,
    'decide_promotion: a decided request cannot be decided again');
SELECT lives_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_gina'), false)$$,
    'decide_promotion: an admin rejects');
SELECT is(pg_temp.role_of('ws', 'gina'), 'guest', 'decide_promotion: rejecting keeps the role');
SELECT is((SELECT status FROM share_acl.promotion_request WHERE id = pg_temp.id('req_gina')), 'rejected',
    'decide_promotion: the request is rejected');
SELECT lives_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_ext'), true)$$,
    'decide_promotion: an external viewer becomes guest');
SELECT is(pg_temp.role_of('ws', 'ext'), 'guest', 'decide_promotion: ext is guest');
SELECT pg_temp.act('carol');
-- set_role ends a pending request: approved when it gives the role asked or
-- more (vera asked for guest), rejected when it gives less (gina, a guest,
-- asks for member and is made a viewer); the person may then ask anew
SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('vera'), 'member');
SELECT results_eq(
    $$SELECT status, decided_by, decided_at IS NOT NULL FROM share_acl.promotion_request WHERE id = pg_temp.id('req_vera')$$,
    $$SELECT 'approved', pg_temp.id('carol'), true$$,
    'set_role: giving more than the role asked approves the pending request, by the caller');
SELECT throws_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_vera'), true)$$, '55000', NULL,
    'decide_promotion: a request set_role ended cannot be decided again');
SELECT pg_temp.act('gina');
INSERT INTO ids VALUES ('req_gina2', share_acl.request_promotion(pg_temp.id('ws'), 'member'));
SELECT pg_temp.act('carol');
SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('gina'), 'viewer');
SELECT is((SELECT status FROM share_acl.promotion_request WHERE id = pg_temp.id('req_gina2')), 'rejected',
    'set_role: giving less than the role asked rejects the pending request');
SELECT throws_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_gina2'), true)$$, '55000', NULL,
    'decide_promotion: so a role taken away is not given back by an old request');
SELECT pg_temp.act('gina');
SELECT lives_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'member')$$,
    'set_role: the person may ask anew');
SELECT pg_temp.act('carol');
SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT throws_ok($$SELECT share_acl.decide_promotion(gen_random_uuid(), true)$$, 'P0002', NULL,
    'decide_promotion: unknown request is P0002');
SELECT throws_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_vera'), NULL)$$, '22004', NULL,
    'decide_promotion: NULL approve is 22004');
-- a removed member's pending request ends with the membership it was made
-- in: rejected by the remover, so that it is not approved once the person is
-- back, and the person may ask again
SELECT share_acl.set_role(pg_temp.id('ws'), pg_temp.id('vera'), 'viewer');
SELECT pg_temp.act('vera');
INSERT INTO ids VALUES ('req_vera2', share_acl.request_promotion(pg_temp.id('ws'), 'guest'));
SELECT pg_temp.act('carol');
SELECT share_acl.remove_member(pg_temp.id('ws'), pg_temp.id('vera'));
SELECT results_eq(
    $$SELECT status, decided_by, decided_at IS NOT NULL FROM share_acl.promotion_request WHERE id = pg_temp.id('req_vera2')$$,
    $$SELECT 'rejected', pg_temp.id('carol'), true$$,
    'remove_member: the member''s pending promotion request is rejected by the remover');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vera'), 'viewer');
SELECT throws_ok($$SELECT share_acl.decide_promotion(pg_temp.id('req_vera2'), true)$$, '55000', NULL,
    'remove_member: the old request cannot be approved after the person is added again');
SELECT pg_temp.act('vera');
SELECT lives_ok($$SELECT share_acl.request_promotion(pg_temp.id('ws'), 'guest')$$,
    'remove_member: the person added again may ask anew');
SELECT pg_temp.act('carol');
SELECT is((SELECT count(*)::int FROM share_acl.promotion_request
            WHERE principal_id = pg_temp.id('vera') AND status = 'pending'), 1,
    'remove_member: one pending request, the new one');

-- ------------------------------------------ callers without a principal
SELECT share_acl.set_principal(NULL);
CREATE ROLE t20_app NOLOGIN;
GRANT share_acl_user TO t20_app;
CREATE ROLE t20_nobody NOLOGIN;
GRANT SELECT ON ids TO t20_app, t20_nobody;
SET LOCAL ROLE t20_app;
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), 'Sneaky')$$, '42501',
    'permission denied: no principal set',
    'an ordinary role without a principal is refused');
SELECT throws_ok($$SELECT share_acl.create_user('sneaky@t20.test')$$, '42501', NULL,
    'create_user: an ordinary role is refused');
SELECT pg_temp.act('carol');
SELECT lives_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), 'By the app')$$,
    'an ordinary role acting for a principal is checked as that principal');
SELECT share_acl.set_principal(NULL);
-- a refusal says when the principal set is no person (the application set
-- a wrong id), and what a share link's context may not do
RESET ROLE;
CREATE FUNCTION pg_temp.refusal(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; d text; h text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
    RETURN st || ' | ' || coalesce(nullif(d, ''), '-') || ' | ' || coalesce(nullif(h, ''), '-');
END $$;
CREATE TEMP TABLE t20_tok AS SELECT share_acl.create_link(pg_temp.id('proj'), 'viewer') AS t;
GRANT SELECT ON t20_tok TO t20_app;
SET LOCAL ROLE t20_app;
SELECT share_acl.set_principal('7a2d0c1e-0000-4000-8000-000000000020');
SELECT is(pg_temp.refusal($$SELECT share_acl.create_team(pg_temp.id('ws'), 'Sneaky')$$),
    '42501 | share_acl.principal is set to 7a2d0c1e-0000-4000-8000-000000000020, which is no principal''s id: it holds nothing. | -',
    'a refusal of a principal id nobody has says so');
SELECT share_acl.set_principal(pg_temp.id('team'));
SELECT is(pg_temp.refusal($$SELECT share_acl.create_team(pg_temp.id('ws'), 'Sneaky')$$),
    format('42501 | share_acl.principal is set to %s, a team: a team holds grants for its members and does not act itself. | -', pg_temp.id('team')),
    'a refusal of a team set as the principal says so');
SELECT pg_temp.act('vic');
SELECT is(pg_temp.refusal($$SELECT share_acl.create_team(pg_temp.id('ws'), 'Sneaky')$$), '42501 | - | -',
    'a refusal of a person says nothing more');
SELECT share_acl.set_principal(NULL);
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM t20_tok))), 'ok', '(a link opened, no principal)');
SELECT is(pg_temp.refusal($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('proj'))$$),
    '42501 | - | A share link''s context answers checks only: a change needs the principal who makes it (share_acl.set_principal()), such as one the application picks for an upload through the link.',
    'a link context without a principal is refused a change, and told why');
RESET ROLE;
SET LOCAL ROLE t20_nobody;
SELECT throws_ok($$SELECT share_acl.create_team(pg_temp.id('ws'), 'Sneaky')$$, '42501', NULL,
    'a role without share_acl_user cannot execute management functions');
RESET ROLE;

-- ------------------------------------------- rename_workspace, rename_team, set_display_name
SELECT share_acl.set_principal(NULL);
INSERT INTO ids VALUES ('wsr', share_acl.create_workspace('Renames t20', pg_temp.id('olga')));
SELECT share_acl.add_member(pg_temp.id('wsr'), pg_temp.id('erin'), 'admin');
SELECT share_acl.add_member(pg_temp.id('wsr'), pg_temp.id('mia'), 'member');
INSERT INTO ids VALUES ('teamr', share_acl.create_team(pg_temp.id('wsr'), 'Editors'));
SELECT pg_temp.act('erin');
SELECT lives_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), 'Renamed t20')$$,
    'rename_workspace: an admin (manage_settings) renames the workspace');
SELECT is((SELECT name FROM share_acl.workspace WHERE id = pg_temp.id('wsr')), 'Renamed t20',
    'rename_workspace: the new name is stored');
SELECT is((SELECT count(*) FROM share_acl._audit_staged_rows() a
            WHERE a.object_type = 'workspace' AND a.action = 'update' AND a.object_id = pg_temp.id('wsr')
              AND a.actor_id = pg_temp.id('erin') AND a.new ->> 'name' = 'Renamed t20'),
    1::bigint, 'rename_workspace: the rename is audited, with the admin as its actor');
SELECT throws_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), '')$$, '22023', NULL,
    'rename_workspace: an empty name is 22023');
SELECT throws_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), E'Evil\u202Eexe')$$, '22023', NULL,
    'rename_workspace: a bidirectional formatting character is 22023');
SELECT throws_ok($$SELECT share_acl.rename_workspace(gen_random_uuid(), 'x')$$, 'P0002', NULL,
    'rename_workspace: an unknown workspace is P0002');
SELECT throws_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), NULL)$$, '22004', NULL,
    'rename_workspace: a NULL name is 22004');
SELECT lives_ok($$SELECT share_acl.rename_team(pg_temp.id('teamr'), 'Colourists')$$,
    'rename_team: an admin (manage_members) renames a team');
SELECT is((SELECT display_name FROM share_acl.principal WHERE id = pg_temp.id('teamr')), 'Colourists',
    'rename_team: the team''s new name');
SELECT throws_ok($$SELECT share_acl.rename_team(pg_temp.id('mia'), 'x')$$, '42809', NULL,
    'rename_team: a person is not a team (42809)');
SELECT throws_ok($$SELECT share_acl.rename_team(pg_temp.id('teamr'), E'Bad\x07name')$$, '22023', NULL,
    'rename_team: a control character is 22023');
SELECT throws_ok($$SELECT share_acl.rename_team(gen_random_uuid(), 'x')$$, 'P0002', NULL,
    'rename_team: an unknown team is P0002');
SELECT throws_ok($$SELECT share_acl.rename_team(NULL, 'x')$$, '22004', NULL,
    'rename_team: a NULL team is 22004');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), 'Taken over')$$, '42501', NULL,
    'rename_workspace: the owner of another workspace is refused');
SELECT throws_ok($$SELECT share_acl.rename_team(pg_temp.id('teamr'), 'Taken over')$$, '42501', NULL,
    'rename_team: the owner of another workspace is refused');
SELECT pg_temp.act('mia');
SELECT throws_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), 'Mine now')$$, '42501',
    format('permission denied: rename_workspace requires "manage_settings" on workspace %s', pg_temp.id('wsr')),
    'rename_workspace: a member is refused, naming manage_settings');
SELECT throws_ok($$SELECT share_acl.rename_team(pg_temp.id('teamr'), 'Mine now')$$, '42501', NULL,
    'rename_team: a member (no manage_members) is refused');
SELECT lives_ok($$SELECT share_acl.set_display_name(pg_temp.id('mia'), 'Mia R.')$$,
    'set_display_name: a person sets its own display name');
SELECT is((SELECT display_name FROM share_acl.principal WHERE id = pg_temp.id('mia')), 'Mia R.',
    'set_display_name: stored');
SELECT throws_ok($$SELECT share_acl.set_display_name(pg_temp.id('erin'), 'Not Erin')$$, '42501', NULL,
    'set_display_name: not another person''s, even in a workspace one shares');
SELECT throws_ok($$SELECT share_acl.set_display_name(pg_temp.id('mia'), repeat('m', 201))$$, '22023', NULL,
    'set_display_name: more than 200 characters is 22023');
SELECT throws_ok($$SELECT share_acl.set_display_name(pg_temp.id('mia'), E'Mia\u202Egnp.exe')$$, '22023', NULL,
    'set_display_name: a bidirectional formatting character is 22023');
SELECT throws_ok($$SELECT share_acl.set_display_name(NULL, 'x')$$, '22004', NULL,
    'set_display_name: a NULL principal is 22004');
SELECT throws_ok($$SELECT share_acl.set_display_name(gen_random_uuid(), 'x')$$, 'P0002', NULL,
    'set_display_name: an unknown principal is P0002');
SELECT share_acl.set_principal(NULL);
SELECT lives_ok($$SELECT share_acl.set_display_name(pg_temp.id('erin'), NULL)$$,
    'set_display_name: a trusted administrator may set (here clear) anyone''s');
SELECT is((SELECT display_name FROM share_acl.principal WHERE id = pg_temp.id('erin')), NULL,
    'set_display_name: NULL clears it');
SELECT throws_ok($$SELECT share_acl.set_display_name(pg_temp.id('teamr'), 'x')$$, '42809', NULL,
    'set_display_name: a team''s name is rename_team''s');

-- ------------------------------------------- names that must be given show something
-- (only white space, or characters that show nothing, is a name nobody sees)
SELECT share_acl.set_principal(NULL);
SELECT is(pg_temp.refusal($$SELECT share_acl.create_workspace('   ', pg_temp.id('olga'))$$),
    '22023 | The workspace name is only white space or characters that show nothing. | -',
    'create_workspace: a name of spaces is 22023, said so');
SELECT is(pg_temp.refusal($$SELECT share_acl.create_workspace(chr(x'200B'::int) || chr(x'3000'::int) || chr(x'00A0'::int), pg_temp.id('olga'))$$),
    '22023 | The workspace name is only white space or characters that show nothing. | -',
    'create_workspace: a name of a zero-width, an ideographic and a no-break space is 22023');
SELECT lives_ok($$SELECT share_acl.create_workspace('  "Q" <3  ', pg_temp.id('olga'))$$,
    'create_workspace: spaces around characters that show are fine');
SELECT pg_temp.act('erin');
SELECT is(pg_temp.refusal($$SELECT share_acl.create_team(pg_temp.id('wsr'), E'\u3164 ')$$),
    '22023 | The team name is only white space or characters that show nothing. | -',
    'create_team: a name of a Hangul filler and a space is 22023');
SELECT throws_ok($$SELECT share_acl.rename_team(pg_temp.id('teamr'), '  ')$$, '22023', NULL,
    'rename_team: a name of spaces is 22023');
SELECT throws_ok($$SELECT share_acl.rename_workspace(pg_temp.id('wsr'), ' ')$$, '22023', NULL,
    'rename_workspace: a name of one space is 22023');
-- (a display name may be empty: it is not required)
SELECT lives_ok($$SELECT share_acl.set_display_name(pg_temp.id('erin'), ' ')$$,
    'set_display_name: an optional name of one space is taken');
-- transfer_ownership to someone outside the workspace says so
SELECT pg_temp.act('olga');
SELECT is(pg_temp.refusal(format('SELECT share_acl.transfer_ownership(%L, %L)', pg_temp.id('wsr'), pg_temp.id('alice'))),
    format('22023 | principal %s is not a member of the workspace | -', pg_temp.id('alice')),
    'transfer_ownership: to a principal without a role, the detail says it is not a member');

SELECT * FROM finish();
ROLLBACK;
