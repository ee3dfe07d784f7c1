-- pgTAP: the checks of new rows answer the same for a few rows (checked in
-- C by index look-ups) and for a bulk load (more than 64 resources, more
-- than 1,000 ids: set-based statements over the transition table, and for
-- cycles one pass over the new rows in C, also through a deep chain):
-- a new resource's parent is in its workspace, also when the parent is a
-- row of the same statement; the new rows make no cycle; a new id is no id
-- in use; a team is granted only resources of its own workspace.  And the
-- authorisation step refuses without crashing whoever calls it, from no
-- function at all.
--
-- The file runs as superuser (a trusted administrator, bulk-loading with
-- plain INSERT); pg_temp.id(name) names ids.
BEGIN;
SELECT plan(27);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
-- n new resources in one INSERT: row 0 a project in workspace ws0, rows 1..n-1
-- assets in workspace ws whose parent is row parent_of(i) (by name prefix || i)
CREATE FUNCTION pg_temp.insert_rows(prefix text, n int, ws0 text, ws text, parent_of text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
        SELECT md5(%L || i)::uuid,
               CASE WHEN i = 0 THEN %L::uuid ELSE %L::uuid END,
               CASE WHEN i = 0 THEN 'project' ELSE 'collection' END::share_acl.resource_kind,
               CASE WHEN i = 0 THEN NULL ELSE md5(%L || (%s))::uuid END
          FROM generate_series(0, %s - 1) i$q$,
        prefix, pg_temp.id(ws0), pg_temp.id(ws), prefix, parent_of, n);
END $$;
CREATE FUNCTION pg_temp.new_id(prefix text, i int) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT md5(prefix || i)::uuid $$;

INSERT INTO ids VALUES ('alice', share_acl.create_user('alice@t25.test'));
INSERT INTO ids VALUES ('A', share_acl.create_workspace('t25 A', pg_temp.id('alice')));
INSERT INTO ids VALUES ('B', share_acl.create_workspace('t25 B', pg_temp.id('alice')));
INSERT INTO ids VALUES ('teamB', share_acl.create_team(pg_temp.id('B'), 't25 team B'));
INSERT INTO ids VALUES ('pA', share_acl.create_resource(pg_temp.id('A'), 'project'));

-- ------------------------------------------- the parent's workspace, a few and many rows
SELECT throws_ok($$SELECT pg_temp.insert_rows('few-elsewhere', 3, 'B', 'A', '0')$$,
    '23514', format('the parent of resource %s is in another workspace', pg_temp.new_id('few-elsewhere', 1)),
    'a few rows: a parent of the same statement in another workspace is 23514');
SELECT throws_ok($$SELECT pg_temp.insert_rows('many-elsewhere', 100, 'B', 'A', '0')$$,
    '23514', NULL,
    '100 rows: a parent of the same statement in another workspace is 23514');
SELECT throws_ok(format($$INSERT INTO share_acl.resource (workspace_id, kind, parent_id)
                          SELECT %L, 'asset', %L FROM generate_series(1, 100)$$, pg_temp.id('B'), pg_temp.id('pA')),
    '23514', NULL,
    '100 rows: a parent of an earlier statement in another workspace is 23514');
SELECT lives_ok($$SELECT pg_temp.insert_rows('few-ok', 3, 'A', 'A', '0')$$,
    'a few rows: a parent of the same statement and workspace');
SELECT lives_ok($$SELECT pg_temp.insert_rows('many-ok', 100, 'A', 'A', 'i - 1')$$,
    '100 rows: a chain of parents of the same statement and workspace');
SELECT is((SELECT count(*)::int FROM share_acl.resource
            WHERE id IN (pg_temp.new_id('few-ok', 2), pg_temp.new_id('many-ok', 99))), 2,
    'the rows that passed are there');

-- ------------------------------------------------------------ cycles among new rows
SELECT throws_ok($$SELECT pg_temp.insert_rows('few-cycle', 4, 'A', 'A', 'CASE WHEN i = 1 THEN 3 ELSE i - 1 END')$$,
    '42P19', NULL,
    'a few rows: 1 → 3 → 2 → 1 is a cycle (42P19)');
SELECT throws_ok($$SELECT pg_temp.insert_rows('many-cycle', 100, 'A', 'A', 'CASE WHEN i = 1 THEN 99 ELSE i - 1 END')$$,
    '42P19', NULL,
    '100 rows: a cycle through 99 of them is 42P19');
SELECT throws_ok($$SELECT pg_temp.insert_rows('few-self', 2, 'A', 'A', '1')$$,
    '23514', NULL,
    'a resource that is its own parent is refused');
SELECT lives_ok($$SELECT pg_temp.insert_rows('many-tree', 100, 'A', 'A', '(i - 1) / 3')$$,
    '100 rows: a tree is no cycle');
-- the row named is the first of the statement's rows that lies on the cycle
-- (row 1 is below the cycle 2 → 3 → 2, or 2 → 99 → … → 3 → 2)
SELECT throws_ok($$SELECT pg_temp.insert_rows('few-below', 4, 'A', 'A', 'CASE WHEN i = 1 THEN 2 WHEN i = 2 THEN 3 ELSE i - 1 END')$$,
    '42P19', format('the parent of resource %s would make a cycle', pg_temp.new_id('few-below', 2)),
    'a few rows: the first row on the cycle is named, not a row below it');
SELECT throws_ok($$SELECT pg_temp.insert_rows('many-below', 100, 'A', 'A', 'CASE WHEN i = 1 THEN 2 WHEN i = 2 THEN 99 ELSE i - 1 END')$$,
    '42P19', format('the parent of resource %s would make a cycle', pg_temp.new_id('many-below', 2)),
    '100 rows: the first row on the cycle is named, not a row below it');
-- a bulk load of one deep chain is checked in one pass over its rows, not
-- one walk up the chain per row (10,000 rows: 50 million steps that way)
SET LOCAL statement_timeout = '60s';
SELECT lives_ok($$SELECT pg_temp.insert_rows('deep-chain', 10000, 'A', 'A', 'i - 1')$$,
    '10,000 rows: one chain of parents is checked within the statement timeout');
SELECT throws_ok($$SELECT pg_temp.insert_rows('deep-cycle', 10000, 'A', 'A', 'CASE WHEN i = 1 THEN 9999 ELSE i - 1 END')$$,
    '42P19', format('the parent of resource %s would make a cycle', pg_temp.new_id('deep-cycle', 1)),
    '10,000 rows: a cycle through all of them is found within the statement timeout');
RESET statement_timeout;
SELECT is((SELECT count(*)::int FROM share_acl.resource WHERE parent_id IS NOT NULL
              AND id = pg_temp.new_id('deep-chain', 9999)), 1,
    'the chain is there');

-- ------------------------------------------------------------------- ids in use
SELECT throws_ok(format($$INSERT INTO share_acl.resource (id, workspace_id, kind) VALUES (%L, %L, 'project')$$,
                        pg_temp.id('B'), pg_temp.id('A')),
    '23505', format('id %s is already in use', pg_temp.id('B')),
    'one row: the id of a workspace is 23505');
SELECT throws_ok(format($$INSERT INTO share_acl.resource (id, workspace_id, kind)
                          SELECT CASE WHEN i = 1500 THEN %L::uuid ELSE md5('bulk-id' || i)::uuid END, %L, 'project'
                            FROM generate_series(1, 2000) i$$, pg_temp.id('alice'), pg_temp.id('A')),
    '23505', format('id %s is already in use', pg_temp.id('alice')),
    '2,000 rows: the id of a user among them is 23505, named');
SELECT throws_ok(format($$INSERT INTO share_acl.principal (id, kind, email)
                          SELECT CASE WHEN i = 700 THEN %L::uuid ELSE md5('bulk-p' || i)::uuid END,
                                 'user', 'bulk' || i || '@t25.test'
                            FROM generate_series(1, 1200) i$$, pg_temp.id('pA')),
    '23505', format('id %s is already in use', pg_temp.id('pA')),
    '1,200 principals: the id of a resource among them is 23505');
SELECT lives_ok($$INSERT INTO share_acl.resource (id, workspace_id, kind)
                  SELECT md5('bulk-ok' || i)::uuid, (SELECT id FROM ids WHERE name = 'A'), 'project'
                    FROM generate_series(1, 2000) i$$,
    '2,000 new ids');
SELECT is((SELECT count(*)::int FROM share_acl.id_registry g
            WHERE g.id IN (SELECT md5('bulk-ok' || i)::uuid FROM generate_series(1, 2000) i) AND g.kind = 'r'), 2000,
    'all 2,000 are in the id registry');
SELECT is((SELECT count(*)::int FROM share_acl.id_registry g WHERE g.id = pg_temp.new_id('few-ok', 1)), 1,
    'a few new ids are in the id registry');

-- ------------------------------------------------------------- a team's grants
SELECT throws_ok(format($$INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (%L, %L, 'viewer')$$,
                        pg_temp.id('pA'), pg_temp.id('teamB')),
    '23514', 'a team can only be granted resources of its own workspace',
    'a share to a team of another workspace is 23514');
SELECT is(share_acl._team_outside(pg_temp.id('teamB'), pg_temp.id('pA')), true,
    '_team_outside: a team of B, a resource of A');
SELECT is(share_acl._team_outside(pg_temp.id('alice'), pg_temp.id('pA')), false,
    '_team_outside: a person is never outside');
SELECT is(share_acl._team_outside(pg_temp.id('teamB'), NULL), true,
    '_team_outside: no resource has no workspace');

-- ---------------------------------------- refusals called from no function at all
SELECT throws_ok($$SELECT share_acl._deny(NULL, 'refused from no function')$$,
    '42501', 'refused from no function',
    '_deny called from no function refuses (and the backend goes on)');
SELECT throws_ok(format($$SELECT share_acl._require(%L, %L, NULL, 'act')$$, pg_temp.id('alice'), pg_temp.id('pA')),
    '42501', format('permission denied: act requires "" on resource %s', pg_temp.id('pA')),
    '_require with no permissions named refuses, naming the target');

SELECT * FROM finish();
ROLLBACK;
