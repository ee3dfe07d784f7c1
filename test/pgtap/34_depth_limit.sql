-- pgTAP: how deep a resource may be (README "The management API"): at most
-- 1000 levels below a top-level project, parents and collections counted.
-- create_resource, move_resource and add_to_collection refuse to go deeper
-- (54000, nothing changed), so that no principal can build a hierarchy
-- whose checks would exceed the resolver's bound and fail for everyone whose
-- scans meet its resources (a member joining two long chains by a move).
--
-- mia (a member) builds a chain P0 > P1 > … > P999 of her own projects,
-- a project Q0 > Q1 > … > Q4 and a collection K.
BEGIN;
SELECT plan(19);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;

INSERT INTO ids VALUES
    ('alice', share_acl.create_user('alice@t34.test')),
    ('mia',   share_acl.create_user('mia@t34.test')),
    ('zed',   share_acl.create_user('zed@t34.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t34', pg_temp.id('alice')));
INSERT INTO ids VALUES ('ws2', share_acl.create_workspace('t34 other', pg_temp.id('zed')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mia'), 'member');
SELECT share_acl.set_principal(pg_temp.id('mia'));

-- the chain: P0 top-level, Pi under P(i-1); Q0 > … > Q4
INSERT INTO ids VALUES ('P0', share_acl.create_resource(pg_temp.id('ws'), 'project'));
DO $$
BEGIN
    FOR i IN 1..999 LOOP
        INSERT INTO ids VALUES ('P' || i, share_acl.create_resource(
            (SELECT id FROM ids WHERE name = 'ws'), 'project', (SELECT id FROM ids WHERE name = 'P' || (i - 1))));
    END LOOP;
END $$;
INSERT INTO ids VALUES ('Q0', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('Q1', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('Q0')));
INSERT INTO ids VALUES ('Q2', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('Q1')));
INSERT INTO ids VALUES ('Q3', share_acl.create_resource(pg_temp.id('ws'), 'project', pg_temp.id('Q2')));
INSERT INTO ids VALUES ('Q4', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('Q3')));

-- create_resource: a child of P999 is 1000 levels down; its own child would be 1001
SELECT lives_ok($$INSERT INTO ids VALUES ('P1000', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P999')))$$,
    'create_resource: a resource 1000 levels below the top is allowed');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'conversation', pg_temp.id('P1000'),
                                                    'a3400000-0000-0000-0000-000000000001')$$,
    '54000', 'create_resource: resource a3400000-0000-0000-0000-000000000001 would be more than 1000 levels below the top of its tree',
    'create_resource: one level more is refused (54000)');
SELECT is((SELECT count(*) FROM share_acl.resource WHERE id = 'a3400000-0000-0000-0000-000000000001'), 0::bigint,
    '... and nothing was created');

-- move_resource: Q0 with its 4 levels below it
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('Q0'), pg_temp.id('P995'))$$,
    'move_resource: a subtree whose deepest resource lands 1000 levels down is allowed');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('Q0'), pg_temp.id('P996'))$$,
    '54000', format('move_resource: resource %s would be more than 1000 levels below the top of its tree', pg_temp.id('Q0')),
    'move_resource: one level deeper is refused, measured at the deepest resource below the one moved');
SELECT is((SELECT parent_id FROM share_acl.resource WHERE id = pg_temp.id('Q0')), pg_temp.id('P995'),
    '... and the resource stays where it was');
-- two chains joined end to end by a move (the other way to go past the bound)
SELECT lives_ok($$SELECT share_acl.move_resource(pg_temp.id('Q0'), NULL)$$,
    'move_resource: back to the top');
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('P0'), pg_temp.id('Q3'))$$,
    '54000', NULL,
    'move_resource: a long chain put under another chain is refused');

-- add_to_collection: a collection is one more parent
INSERT INTO ids VALUES ('K', share_acl.create_resource(pg_temp.id('ws'), 'collection', pg_temp.id('P997')));
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K'), pg_temp.id('Q0'))$$,
    '54000', format('add_to_collection: resource %s would be more than 1000 levels below the top of its tree', pg_temp.id('Q0')),
    'add_to_collection: a collection 998 levels down cannot take a resource with 4 levels below it');
SELECT lives_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K'), pg_temp.id('Q4'))$$,
    '... but takes a resource with nothing below it (999 levels down)');

-- a cycle deep in the chain is refused as a cycle (42P19), as in a shallow
-- tree, though it would also go past the depth
SELECT throws_ok($$SELECT share_acl.move_resource(pg_temp.id('P1'), pg_temp.id('P600'))$$,
    '42P19', format('the parent of resource %s would make a cycle', pg_temp.id('P1')),
    'move_resource: a resource under its own descendant 599 levels down is a cycle (42P19)');
SELECT throws_ok($$SELECT share_acl.add_to_collection(pg_temp.id('K'), pg_temp.id('P3'))$$,
    '42P19', format('adding %s to a collection below it would make a cycle', pg_temp.id('P3')),
    'add_to_collection: a collection 998 levels down taking a resource above it is a cycle (42P19)');

-- Q4 is 4 levels down by its parents but 999 by the collection: the longest counts
SELECT lives_ok($$INSERT INTO ids VALUES ('Q5', share_acl.create_resource(pg_temp.id('ws'), 'conversation', pg_temp.id('Q4')))$$,
    'create_resource: below a resource in a deep collection, down to 1000 levels');
SELECT throws_ok($$SELECT share_acl.create_resource(pg_temp.id('ws'), 'conversation', pg_temp.id('Q5'))$$,
    '54000', NULL,
    'create_resource: the depth through a collection counts like the depth through parents');

-- every check stays an answer, for anyone
SELECT is(ARRAY[share_acl.has_access(pg_temp.id('mia'), pg_temp.id('P1000'), 'view'),
                share_acl.has_access(pg_temp.id('zed'), pg_temp.id('P1000'), 'view')],
          ARRAY[true, false],
          'the deepest resource is checked without an error: its owner views it, another tenant does not');

-- a trusted administrator's direct writes are not bounded: a chain of
-- 10,050 collections in a third workspace, past the resolver's bound
-- (10,000 levels), fails the checks of its own deepest resources, and no
-- one else's listing (accessible_resources walks the workspaces where its
-- principal may hold something), with the structure held in full or read
-- on demand
CREATE TEMP TABLE listed AS
SELECT count(*) AS n FROM share_acl.accessible_resources(pg_temp.id('mia'), 'view');
INSERT INTO share_acl.workspace (id, name) VALUES ('34340000-0000-0000-0000-000000000001', 't34 deep');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
VALUES ('34340000-0000-0000-0001-000000000000', '34340000-0000-0000-0000-000000000001', 'project', NULL);
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('34340000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid,
       '34340000-0000-0000-0000-000000000001', 'collection',
       ('34340000-0000-0000-0001-' || lpad(to_hex(i - 1), 12, '0'))::uuid
  FROM generate_series(1, 10050) AS i;
SELECT throws_ok($$SELECT share_acl.has_access(pg_temp.id('mia'), '34340000-0000-0000-0001-000000002742', 'view')$$,
    '42P19', NULL, 'a check of a resource past the bound fails (its own workspace''s data)');
SELECT is((SELECT count(*) FROM share_acl.accessible_resources(pg_temp.id('mia'), 'view')),
          (SELECT n FROM listed), 'another tenant''s listing is unchanged');
SELECT is((SELECT structure FROM share_acl.cache_stats()), 'full', '(the structure is held in full)');
SET LOCAL share_acl.cache_size = '1MB';
SET LOCAL share_acl.shared_cache_size = 0;
SELECT is((SELECT count(*) FROM share_acl.accessible_resources(pg_temp.id('mia'), 'view')),
          (SELECT n FROM listed), 'another tenant''s listing is unchanged, the structure read on demand');

SELECT * FROM finish();
ROLLBACK;
