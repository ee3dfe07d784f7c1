-- pgTAP: the cycle check of nested teams (team_member_check) walks down a
-- chain by the primary key, one look-up per level, however few rows the
-- table holds: planned for a small table it read the whole table once per
-- level, and building a chain of n teams cost n³ rows (a 400-deep chain
-- 1.8 s, 5,000 deep over 20 minutes).  Cycles stay refused.  So also when
-- the statistics call the table nearly empty (an ANALYZE after a failed
-- bulk load): a nested loop then read the whole primary key per level (a
-- 400-team chain loaded in one INSERT: 10.1 s instead of 0.13 s).
BEGIN;
SELECT plan(8);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
-- sequential and index scans of team_member so far in this transaction
CREATE FUNCTION pg_temp.scans(OUT seq bigint, OUT idx bigint) LANGUAGE sql VOLATILE
    AS $$ SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
           WHERE relid = 'share_acl.team_member'::regclass $$;

INSERT INTO ids VALUES
    ('olga', share_acl.create_user('olga@t44.test')),
    ('mark', share_acl.create_user('mark@t44.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t44', pg_temp.id('olga')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('mark'), 'member');
SELECT share_acl.set_principal(pg_temp.id('olga'));
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));

-- a chain of 200 new teams loaded by a trusted administrator in one INSERT,
-- which fails once; ANALYZE then finds the table's pages but no live row
INSERT INTO ids SELECT 'c' || g, share_acl.create_team(pg_temp.id('ws'), 'c' || g)
  FROM generate_series(0, 200) g;
SAVEPOINT failed_load;
INSERT INTO share_acl.team_member (team_id, member_id)
    SELECT pg_temp.id('c' || g), pg_temp.id('c' || (g + 1)) FROM generate_series(0, 199) g;
ROLLBACK TO SAVEPOINT failed_load;
ANALYZE share_acl.team_member;
-- (index entries read through the primary key so far in this transaction)
CREATE FUNCTION pg_temp.pkey_read() RETURNS bigint LANGUAGE sql VOLATILE
    AS $$ SELECT pg_stat_get_xact_tuples_returned('share_acl.team_member_pkey'::regclass) $$;
CREATE TEMP TABLE before_load AS SELECT pg_temp.pkey_read() AS n;
SELECT lives_ok($$INSERT INTO share_acl.team_member (team_id, member_id)
                  SELECT pg_temp.id('c' || g), pg_temp.id('c' || (g + 1)) FROM generate_series(0, 199) g$$,
    'the chain loaded again after an ANALYZE that found no live row');
SELECT cmp_ok((SELECT pg_temp.pkey_read() - n FROM before_load), '<', 200::bigint * 200,
    'its 200 cycle checks read fewer than 200² index entries (a walk per check, not a scan per level)');


-- mark in team t0, t0 in t1, ..., t39 in t40
DO $$
DECLARE
    prev uuid := share_acl.create_team(pg_temp.id('ws'), 't0');
    t uuid;
BEGIN
    PERFORM share_acl.add_team_member(prev, pg_temp.id('mark'));
    INSERT INTO ids VALUES ('t0', prev);
    FOR i IN 1 .. 40 LOOP
        t := share_acl.create_team(pg_temp.id('ws'), 't' || i);
        PERFORM share_acl.add_team_member(t, prev);
        prev := t;
    END LOOP;
    INSERT INTO ids VALUES ('t40', prev);
END $$;
SELECT share_acl.set_principal(pg_temp.id('olga'));
INSERT INTO ids VALUES ('top', share_acl.create_team(pg_temp.id('ws'), 'top'));

CREATE TEMP TABLE before AS SELECT * FROM pg_temp.scans();
SELECT lives_ok($$SELECT share_acl.add_team_member(pg_temp.id('top'), pg_temp.id('t40'))$$,
    'a team on top of a chain of 41 nested teams');
SELECT is((SELECT s.seq - b.seq FROM pg_temp.scans() s, before b), 0::bigint,
    'its cycle check read team_member by index only (no sequential scan)');
SELECT cmp_ok((SELECT s.idx - b.idx FROM pg_temp.scans() s, before b), '>=', 41::bigint,
    'one index look-up per level at least');

SELECT share_acl.set_principal(pg_temp.id('olga'));
SELECT throws_ok($$SELECT share_acl.add_team_member(pg_temp.id('t0'), pg_temp.id('top'))$$,
    '42P19', NULL, 'the bottom team taking the top one closes a cycle: refused');
SELECT share_acl.set_principal(pg_temp.id('olga'));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('top'), 'commenter');
SELECT is(share_acl.has_access(pg_temp.id('mark'), pg_temp.id('P'), 'comment'), true,
    'mark, 42 teams down, holds what the top team is given');
SELECT is(share_acl.has_access(pg_temp.id('mark'), pg_temp.id('P'), 'edit'), false,
    'and nothing more');

SELECT * FROM finish();
ROLLBACK;
