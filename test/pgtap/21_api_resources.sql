-- pgTAP: the management API of SPEC §6 for the resource tree: create, move,
-- collections, delete, general access and restriction.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(69);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.parent_of(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id($1) $$;

-- people: alice owns ws, bob admin, carol and dave members, gina guest,
-- vic viewer, olga has no role
INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t21.test')),
    ('bob',   share_acl.create_user('bob@t21.test')),
    ('carol', share_acl.create_user('carol@t21.test')),
    ('dave',  share_acl.create_user('dave@t21.test')),
    ('gina',  share_acl.create_user('gina@t21.test')),
    ('vic',   share_acl.create_user('vic@t21.test')),
    ('olga',  share_acl.create_user('olga@t21.test'));
INSERT INTO ids VALUES ('ws',  share_acl.create_workspace('t21', pg_temp.id('alice')));
INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('t21 other', pg_temp.id('alice')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bob'), 'admin');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('carol'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('dave'), 'member');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('gina'), 'guest');
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('vic'), 'viewer');

-- ----------------------------------------------------------- create_resource
SELECT pg_temp.act('alice');
SELECT lives_ok($$INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'))$$,
    'create_resource: the owner creates a top-level project');
SELECT results_eq(
    $$SELECT workspace_id, kind::text, parent_id, owner_id, general_access::text, restricted
        FROM share_acl.resource WHERE id = pg_temp.id('P')$$,
    $$SELECT pg_temp.id('ws'), 'project', NULL::uuid, pg_temp.id('alice'), 'private', false$$,
    'create_resource: the creator owns it, private and unrestricted');
INSERT INTO ids VALUES ('given', gen_random_uuid());
SELECT is(share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'), pg_temp.id('given')),
          pg_temp.id('given'), 'create_resource: a given id is used');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'), pg_temp.id('given'))$$,
    '23505', NULL, 'create_resource: an existing id is 23505');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset')$$, '22023', NULL,
    'create_resource: only a project can be top-level');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', gen_random_uuid())$$, 'P0002', NULL,
    'create_resource: unknown parent is P0002');
SELECT throws_ok($$SELECT share_acl.create_resource(gen_random_uuid(), 'project')$$, 'P0002', NULL,
    'create_resource: unknown workspace is P0002');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), NULL)$$, '22004', NULL,
    'create_resource: NULL kind is 22004');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'project', NULL, NULL)$$, '22004', NULL,
    'create_resource: NULL id is 22004');
INSERT INTO ids VALUES ('P2', share_acl.create_resource(pg_temp.id('ws2'), 'project'));
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P2'))$$, '22023', NULL,
    'create_resource: a parent in another workspace is refused');
INSERT INTO ids VALUES ('X', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('Y', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('Q')));

SELECT pg_temp.act('carol');
SELECT lives_ok($$INSERT INTO ids VALUES ('CP', share_acl.create_resource(pg_temp.id('ws'), 'project'))$$,
    'create_resource: a member creates a project (upload on the workspace)');
SELECT is((SELECT owner_id FROM share_acl.resource WHERE id = pg_temp.id('CP')), pg_temp.id('carol'),
    'create_resource: the member owns it');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'))$$, '42501',
    format('permission denied: create_resource requires "upload" on resource %s', pg_temp.id('P')),
    'create_resource: no upload on a private project of someone else');
SELECT pg_temp.act('gina');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'project')$$, '42501',
    format('permission denied: create_resource requires "upload" on workspace %s', pg_temp.id('ws')),
    'create_resource: a guest has no upload on the workspace');
SELECT pg_temp.act('olga');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'project')$$, '42501', NULL,
    'create_resource: a principal without a role is refused');

SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('carol'), 'editor');
SELECT pg_temp.act('carol');
SELECT lives_ok($$INSERT INTO ids VALUES ('A', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')))$$,
    'create_resource: with an editor share on the project a member uploads into it');
SELECT is((SELECT owner_id FROM share_acl.resource WHERE id = pg_temp.id('A')), pg_temp.id('carol'),
    'create_resource: the uploader owns the asset');

-- ------------------------------------------------------------- move_resource
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('CP'))$$,
    'move_resource: move on the asset and upload on the target');
SELECT is(pg_temp.parent_of('A'), pg_temp.id('CP'), 'move_resource: the parent changed');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('Q'))$$, '42501',
    format('permission denied: move_resource requires "upload" on resource %s', pg_temp.id('Q')),
    'move_resource: no upload on the target');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), NULL)$$, '22023', NULL,
    'move_resource: an asset cannot become top-level');
SELECT pg_temp.act('dave');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('A'), pg_temp.id('P'))$$, '42501',
    format('permission denied: move_resource requires "move" on resource %s', pg_temp.id('A')),
    'move_resource: no move on the resource');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('X'), pg_temp.id('P2'))$$, '22023', NULL,
    'move_resource: not into another workspace');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('P'), pg_temp.id('X'))$$, '42P19', NULL,
    'move_resource: a cycle is refused');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('Q'), pg_temp.id('P'))$$,
    'move_resource: a project moves under another');
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('Q'), NULL)$$,
    'move_resource: and back to the top level (upload on the workspace)');
SELECT is(pg_temp.parent_of('Q'), NULL, 'move_resource: Q is top-level again');
SELECT throws_ok($$SELECT share_acl.move_resource(gen_random_uuid(), pg_temp.id('P'))$$, 'P0002', NULL,
    'move_resource: unknown resource is P0002');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('X'), gen_random_uuid())$$, 'P0002', NULL,
    'move_resource: unknown target is P0002');
SELECT throws_ok($$SELECT share_acl.move_resource(NULL, pg_temp.id('P'))$$, '22004', NULL,
    'move_resource: NULL resource is 22004');

-- --------------------------------------------------------------- collections
INSERT INTO ids VALUES ('C',  share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
INSERT INTO ids VALUES ('C2', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P')));
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('X'))$$,
    'add_to_collection: the owner adds an asset');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('X'))$$,
    'add_to_collection: adding again changes nothing');
SELECT is((SELECT count(*)::int FROM share_acl.collection_item
            WHERE collection_id = pg_temp.id('C') AND resource_id = pg_temp.id('X')), 1,
    'add_to_collection: one row');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('X'), pg_temp.id('Y'))$$, '42809', NULL,
    'add_to_collection: an asset is not a collection (42809)');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('P2'))$$, '22023', NULL,
    'add_to_collection: not a resource of another workspace');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C2'), pg_temp.id('C'))$$,
    'add_to_collection: a collection inside a collection');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('C2'))$$, '42P19', NULL,
    'add_to_collection: a cycle is refused');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), gen_random_uuid())$$, 'P0002', NULL,
    'add_to_collection: unknown resource is P0002');
SELECT throws_ok($$SELECT share_acl.add_to_collection(NULL, pg_temp.id('X'))$$, '22004', NULL,
    'add_to_collection: NULL collection is 22004');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('A'))$$, '42501',
    format('permission denied: add_to_collection requires "manage_collections" on resource %s', pg_temp.id('C')),
    'add_to_collection: an editor lacks manage_collections');
SELECT throws_ok($$SELECT share_acl.remove_from_collection(pg_temp.id('C'), pg_temp.id('X'))$$, '42501', NULL,
    'remove_from_collection: an editor lacks manage_collections');
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('C'), pg_temp.id('bob'), 'manager');
SELECT pg_temp.act('bob');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('C'), pg_temp.id('Y'))$$, '42501',
    format('permission denied: add_to_collection requires "view" on resource %s', pg_temp.id('Y')),
    'add_to_collection: needs view on the resource');
SELECT lives_ok($$SELECT share_acl.remove_from_collection(pg_temp.id('C'), pg_temp.id('X'))$$,
    'remove_from_collection: manage_collections on the collection and view on the resource');
SELECT is((SELECT count(*)::int FROM share_acl.collection_item WHERE collection_id = pg_temp.id('C')), 0,
    'remove_from_collection: the row is gone');
-- X no longer in C, bob cannot view it: whether it is in C is not his to learn (R8)
SELECT throws_ok($$SELECT share_acl.remove_from_collection(pg_temp.id('C'), pg_temp.id('X'))$$, '42501',
    format('permission denied: remove_from_collection requires "view" on resource %s', pg_temp.id('X')),
    'remove_from_collection: a resource the actor cannot view is refused before its membership is told');
SELECT pg_temp.act('alice');
SELECT throws_ok($$SELECT share_acl.remove_from_collection(pg_temp.id('C'), pg_temp.id('X'))$$, 'P0002', NULL,
    'remove_from_collection: not in the collection is P0002');
SELECT throws_ok($$SELECT share_acl.remove_from_collection(pg_temp.id('X'), pg_temp.id('X'))$$, '42809', NULL,
    'remove_from_collection: an asset is not a collection (42809)');

-- ----------------------------------------------------------- delete_resource
SELECT pg_temp.act('carol');
INSERT INTO ids VALUES ('A2', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('A2'))$$,
    'delete_resource: the uploader deletes its own asset');
SELECT is((SELECT count(*)::int FROM share_acl.resource WHERE id = pg_temp.id('A2')), 0,
    'delete_resource: it is gone');
SELECT throws_ok($$SELECT share_acl.delete_resource(pg_temp.id('X'))$$, '42501',
    format('permission denied: delete_resource requires "delete" on resource %s, or "delete_own" on a resource one owns', pg_temp.id('X')),
    'delete_resource: delete_own is not enough on someone else''s asset');
-- delete_own alone: olga (no role, so ownership gives nothing, R10) holds an
-- editor share and owns Z
SELECT pg_temp.act('alice');
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('olga'), 'editor');
INSERT INTO ids VALUES ('Z', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
UPDATE share_acl.resource SET owner_id = pg_temp.id('olga') WHERE id = pg_temp.id('Z');
SELECT ok(share_acl.has_access(pg_temp.id('olga'), pg_temp.id('Z'), 'delete_own')
          AND NOT share_acl.has_access(pg_temp.id('olga'), pg_temp.id('Z'), 'delete'),
    'delete_resource: olga holds delete_own but not delete on Z');
SELECT pg_temp.act('olga');
SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('Z'))$$,
    'delete_resource: delete_own on a resource one owns');
SELECT throws_ok($$SELECT share_acl.delete_resource(gen_random_uuid())$$, 'P0002', NULL,
    'delete_resource: unknown resource is P0002');
SELECT throws_ok($$SELECT share_acl.delete_resource(NULL)$$, '22004', NULL,
    'delete_resource: NULL is 22004');

-- ------------------------------------------------ general access, restriction
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.set_general_access(pg_temp.id('Q'), 'public')$$,
    'set_general_access: the owner makes a project public');
SELECT is((SELECT general_access::text FROM share_acl.resource WHERE id = pg_temp.id('Q')), 'public',
    'set_general_access: stored');
SELECT ok(share_acl.has_access(pg_temp.id('dave'), pg_temp.id('Y'), 'viewer'),
    'set_general_access: a member now views what is inside (R4)');
SELECT pg_temp.act('carol');
SELECT throws_ok($$SELECT share_acl.set_general_access(pg_temp.id('CP'), 'public')$$, '42501',
    format('permission denied: set_general_access requires "make_public" on resource %s', pg_temp.id('CP')),
    'set_general_access: a member cannot make public, even its own project');
SELECT lives_ok($$SELECT share_acl.set_general_access(pg_temp.id('CP'), 'shared')$$,
    'set_general_access: a member shares its own project with admins');
SELECT throws_ok($$SELECT share_acl.set_general_access(pg_temp.id('P'), 'shared')$$, '42501',
    format('permission denied: set_general_access requires "change_permissions" on resource %s', pg_temp.id('P')),
    'set_general_access: an editor lacks change_permissions');
SELECT throws_ok($$SELECT share_acl.set_general_access(pg_temp.id('P'), NULL)$$, '22004', NULL,
    'set_general_access: NULL is 22004');
SELECT throws_ok($$SELECT share_acl.set_general_access(gen_random_uuid(), 'private')$$, 'P0002', NULL,
    'set_general_access: unknown resource is P0002');
SELECT throws_ok($$SELECT share_acl.set_restricted(pg_temp.id('X'), true)$$, '42501',
    format('permission denied: set_restricted requires "change_permissions" on resource %s', pg_temp.id('X')),
    'set_restricted: an editor lacks change_permissions');
SELECT pg_temp.act('alice');
SELECT lives_ok($$SELECT share_acl.set_restricted(pg_temp.id('X'), true)$$,
    'set_restricted: the owner restricts an asset');
SELECT ok((SELECT restricted FROM share_acl.resource WHERE id = pg_temp.id('X')), 'set_restricted: stored');
SELECT ok(NOT share_acl.has_access(pg_temp.id('carol'), pg_temp.id('X'), 'view'),
    'set_restricted: the project share no longer reaches it (R8)');
SELECT throws_ok($$SELECT share_acl.set_restricted(pg_temp.id('X'), NULL)$$, '22004', NULL,
    'set_restricted: NULL is 22004');

SELECT lives_ok($$SELECT share_acl.delete_resource(pg_temp.id('P'))$$,
    'delete_resource: the owner deletes a project');
SELECT is((SELECT count(*)::int FROM share_acl.resource WHERE id IN (pg_temp.id('X'), pg_temp.id('C'), pg_temp.id('given'))), 0,
    'delete_resource: everything below goes with it');

SELECT * FROM finish();
ROLLBACK;
