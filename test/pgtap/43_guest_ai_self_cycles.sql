-- pgTAP: set_guest_ai, the API of a project's guest_ai_enabled (R9), and a
-- resource made its own parent or put in itself as a collection: refused as
-- the other cycles are (42P19), not by the table's check (23514).
BEGIN;
SELECT plan(24);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;

INSERT INTO ids VALUES
    ('olga', share_acl.create_user('olga@t43.test')),
    ('mark', share_acl.create_user('mark@t43.test')),
    ('gina', share_acl.create_user('gina@t43.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t43', pg_temp.id('olga')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mark'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT pg_temp.act('olga');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('C', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('gina'), 'editor,run_ai');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('mark'), 'editor');

SELECT is(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'run_ai'), false,
    'guest AI off: a guest has no run_ai, whatever its share says (R9)');
SELECT lives_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), true)$$,
    'the owner turns the project''s guest AI on');
SELECT is(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'run_ai'), true,
    'guest AI on: the guest''s share gives run_ai below the project');
SELECT is((SELECT guest_ai_enabled FROM share_acl.resource WHERE id = pg_temp.id('P')), true,
    'the project row says so');
SELECT throws_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('A'), true)$$, '42809', NULL,
    'an asset has no guest AI of its own (wrong_object_type)');
SELECT throws_ok($$SELECT share_acl.set_guest_ai(NULL, true)$$, '22004', NULL, 'NULL is refused');
SELECT pg_temp.act('mark');
SELECT throws_like($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), false)$$,
    'permission denied: set_guest_ai requires "change_permissions" on %',
    'an editor may not turn it off');
SELECT pg_temp.act('gina');
SELECT throws_like($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), false)$$,
    'permission denied: set_guest_ai requires "change_permissions" on %',
    'nor may the guest');
SELECT pg_temp.act('olga');
SELECT lives_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), false)$$, 'the owner turns it off');
SELECT is(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('A'), 'run_ai'), false,
    'guest AI off again: no run_ai for the guest');

-- below a restricted resource the actor's rights on the project do not
-- reach: a member with change_permissions may not give a guest run_ai there
SELECT pg_temp.act('olga');
INSERT INTO ids VALUES ('R', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.set_restricted(pg_temp.id('R'), true);
SELECT share_acl.share(pg_temp.id('R'), pg_temp.id('gina'), 'editor,run_ai');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('mark'), 'editor,change_permissions,run_ai');
SELECT pg_temp.act('mark');
SELECT throws_like($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), true)$$,
    'permission denied: set_guest_ai requires "run_ai" on resource %',
    'a member may not turn guest AI on where a guest would gain run_ai on a restricted asset it cannot reach');
SELECT is(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('R'), 'run_ai'), false,
    'the guest has no run_ai on the restricted asset');
SELECT pg_temp.act('olga');
SELECT lives_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), true)$$,
    'the owner may (it holds everything everywhere)');
SELECT is(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('R'), 'run_ai'), true,
    'then the guest has run_ai on it');
-- turning on what is on already gives nobody anything: not refused
SELECT pg_temp.act('mark');
SELECT lives_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), true)$$,
    'the member turns on guest AI that is on already (no guest gains anything): not refused');
SELECT is((SELECT guest_ai_enabled FROM share_acl.resource WHERE id = pg_temp.id('P')), true,
    '... and it stays on');
SELECT pg_temp.act('olga');

-- a project moved under another keeps its flag (read again if it is made
-- top-level again): it may be turned off there, not on
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.move_resource(pg_temp.id('P'), pg_temp.id('Q'));
SELECT throws_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), true)$$, '42809', NULL,
    'guest AI is not turned on on a nested project (wrong_object_type)');
SELECT lives_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('P'), false)$$,
    'the flag a nested project kept from when it was top-level may be turned off');
SELECT is((SELECT guest_ai_enabled FROM share_acl.resource WHERE id = pg_temp.id('P')), false,
    '... and it is off');
SELECT throws_ok($$SELECT share_acl.set_guest_ai(pg_temp.id('A'), false)$$, '42809', NULL,
    'an asset''s is neither turned on nor off');
SELECT share_acl.move_resource(pg_temp.id('P'), NULL);
SELECT is(share_acl.has_access(pg_temp.id('gina'), pg_temp.id('R'), 'run_ai'), false,
    'top-level again, the project gives guests no run_ai: the flag stays off');

SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('A'))$$, '42P19',
    format('resource %s cannot be its own parent: that would make a cycle', pg_temp.id('A')),
    'a resource made its own parent: a cycle (42P19)');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('C'))$$, '42P19',
    format('collection %s cannot contain itself: that would make a cycle', pg_temp.id('C')),
    'a collection put in itself: a cycle (42P19)');
SELECT is((SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id('A')), pg_temp.id('P'),
    'the asset stays where it was');

SELECT * FROM finish();
ROLLBACK;
