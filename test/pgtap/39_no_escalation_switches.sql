-- pgTAP: R14 judges a change of structure by what the grants pass on, not by
-- what the workspace's switches let through today: guest access (R3) and
-- guest uploads counted as on, member_edit_own_only (R9) as off.  Whoever
-- turned a switch may turn it back, and a guest's (or member's) share on the
-- new ancestor then gives it what the actor never held.  A principal that
-- the same switch caps as the actor (two members under
-- member_edit_own_only, two guests) gains such a flag only when the actor
-- holds it too: that is no escalation, and passes.
--
-- carol, a member, views alice's asset A and manages collections K1..K4
-- (and A: her own share on a collection passes that on); each case puts A
-- in one of them, where someone holds more than carol.
BEGIN;
SELECT plan(22);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.in_collection(text, text) RETURNS boolean LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM share_acl.collection_item
                          WHERE collection_id = pg_temp.id($1) AND resource_id = pg_temp.id($2)) $$;

INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t39.test')),
    ('carol', share_acl.create_user('carol@t39.test')),
    ('dave',  share_acl.create_user('dave@t39.test')),
    ('gus',   share_acl.create_user('gus@t39.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t39', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gus'), 'guest');
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('P1', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P1')));
INSERT INTO ids VALUES ('P2', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids SELECT 'K' || i, share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P2'))
  FROM generate_series(1, 4) AS i;
SELECT share_acl.share(pg_temp.id('P1'), pg_temp.id('carol'), 'view,manage_collections');
SELECT share_acl.share(pg_temp.id('K' || i), pg_temp.id('carol'), 'view,manage_collections')
  FROM generate_series(1, 4) AS i;
SELECT share_acl.share(pg_temp.id('K1'), pg_temp.id('gus'), 'view,edit');
SELECT share_acl.share(pg_temp.id('K2'), pg_temp.id('gus'), 'view,upload');
SELECT share_acl.share(pg_temp.id('K3'), pg_temp.id('dave'), 'view,edit');
SELECT share_acl.share(pg_temp.id('K4'), pg_temp.id('gus'), 'view');

SELECT ok(share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'view,manage_collections,share')
          AND NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'edit')
          AND NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('A'), 'upload'),
    'carol views A, manages its collections and may share it (R11), and has no edit or upload');

-- ----------------------------------------------------------- guest access
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'false');
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K1'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "edit" on resource %',
    'guest access off: a guest''s share on the collection counts all the same');
SELECT is(pg_temp.in_collection('K1', 'A'), false, 'guest access off: A stays out of K1');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K4'), pg_temp.id('A'))$$,
    'guest access off: a guest''s share that gives only what carol holds passes');
SELECT pg_temp.act('alice');
SELECT share_acl.remove_from_collection(pg_temp.id('K4'), pg_temp.id('A'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'true');
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K1'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "edit" on resource %',
    'guest access on: refused alike');
SELECT is(share_acl.has_access(pg_temp.id('gus'), pg_temp.id('A'), 'edit'), false,
    'guest access on again: the guest has no edit on A');

-- ---------------------------------------------------------- guest uploads
SELECT is((SELECT allow_guest_uploads FROM share_acl.workspace WHERE id = pg_temp.id('ws')), false,
    'guest uploads are off');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K2'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "upload" on resource %',
    'guest uploads off: a guest''s upload share on the collection counts all the same');
SELECT is(pg_temp.in_collection('K2', 'A'), false, 'guest uploads off: A stays out of K2');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'true');
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K2'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "upload" on resource %',
    'guest uploads on: refused alike');

-- -------------------------------------------------- member_edit_own_only
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'true');
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K3'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "edit" on resource %',
    'member_edit_own_only: a member''s edit share on the collection counts all the same');
SELECT is(pg_temp.in_collection('K3', 'A'), false, 'member_edit_own_only: A stays out of K3');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'false');
SELECT is(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'edit'), false,
    'member_edit_own_only off again: dave has no edit on A');
SELECT pg_temp.act('carol');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K3'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "edit" on resource %',
    'member_edit_own_only off: refused alike');

-- ------------------------------------- capped by the same switch as the actor
-- dave (a member, editor on P1) files A in K5, where erin (a member) edits:
-- under member_edit_own_only neither edits A, without it both do
SELECT pg_temp.act('alice');
INSERT INTO ids VALUES ('erin', share_acl.create_user('erin@t39.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('erin'), 'member');
INSERT INTO ids VALUES ('K5', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P2')));
SELECT share_acl.share(pg_temp.id('P1'), pg_temp.id('dave'), 'editor,manage_collections');
SELECT share_acl.share(pg_temp.id('K5'), pg_temp.id('dave'), 'view,manage_collections');
SELECT share_acl.share(pg_temp.id('K5'), pg_temp.id('erin'), 'editor');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'true');
SELECT is(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'edit'), false,
    'member_edit_own_only: dave does not edit A');
SELECT pg_temp.act('dave');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K5'), pg_temp.id('A'))$$,
    'member_edit_own_only: a member files A where another member edits (both capped alike)');
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'false');
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('dave'), pg_temp.id('A'), 'edit'),
                share_acl.has_access(pg_temp.id('erin'), pg_temp.id('A'), 'edit')],
          ARRAY[true, true], 'member_edit_own_only off: both edit A');
-- hal (a guest, editor with manage_collections on A and K6) files A in K6,
-- where ivy (a guest) is an editor: guest uploads off, neither uploads there
INSERT INTO ids VALUES ('hal', share_acl.create_user('hal@t39.test')),
                       ('ivy', share_acl.create_user('ivy@t39.test'));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('hal'), 'guest');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('ivy'), 'guest');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'allow_guest_uploads', 'false');
INSERT INTO ids VALUES ('K6', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P2')));
SELECT share_acl.share(pg_temp.id('A'), pg_temp.id('hal'), 'editor,manage_collections');
SELECT share_acl.share(pg_temp.id('K6'), pg_temp.id('hal'), 'editor,manage_collections');
SELECT share_acl.share(pg_temp.id('K6'), pg_temp.id('ivy'), 'editor');
SELECT pg_temp.act('hal');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K6'), pg_temp.id('A'))$$,
    'guest uploads off: a guest files A where another guest is an editor (both capped alike)');
SELECT pg_temp.act('alice');
SELECT share_acl.remove_from_collection(pg_temp.id('K6'), pg_temp.id('A'));
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'member_edit_own_only', 'true');
SELECT share_acl.share(pg_temp.id('K6'), pg_temp.id('dave'), 'view,manage_collections,upload');
SELECT pg_temp.act('dave');
SELECT throws_like($$SELECT share_acl.add_to_collection(pg_temp.id('K6'), pg_temp.id('A'))$$,
    'permission denied: add_to_collection requires "%edit%" on resource %',
    'a member files A where a guest edits: the guest''s switch is not the member''s');
SELECT is(pg_temp.in_collection('K6', 'A'), false, 'A stays out of K6');

-- ------------------------------------------------- the owner moves anything
SELECT pg_temp.act('alice');
SELECT share_acl.set_workspace_policy(pg_temp.id('ws'), 'guest_access_enabled', 'false');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K1'), pg_temp.id('A'))$$,
    'the workspace owner files A in K1');
SELECT is(share_acl.has_access(pg_temp.id('gus'), pg_temp.id('A'), 'view'), false,
    'guest access off: the guest holds nothing on A meanwhile (R3)');

SELECT * FROM finish();
ROLLBACK;
