-- pgTAP: a transaction that uploads many resources, each checked in the
-- same transaction (R13: its own changes are seen at once), reads its own
-- earlier change-log entries from memory, not from the log: the n-th upload
-- must not cost a scan of the n-1 entries before it (an upload loop would be
-- quadratic).  Measured by the heap rows the change log's index scans
-- fetch, pg_stat_xact_all_tables.idx_tup_fetch, which counts this
-- transaction's reads.
--
-- pg_temp.act(name) acts as a principal, pg_temp.id(name) names ids.
BEGIN;
SELECT plan(5);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
CREATE FUNCTION pg_temp.act(text) RETURNS void LANGUAGE sql
    AS $$ SELECT share_acl.set_principal(pg_temp.id($1)) $$;
CREATE FUNCTION pg_temp.log_rows_fetched() RETURNS bigint LANGUAGE sql
    AS $$ SELECT coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_all_tables
           WHERE relid = 'share_acl.change_log'::regclass $$;
CREATE TEMP TABLE counts (what text PRIMARY KEY, n bigint);

INSERT INTO ids VALUES
    ('ann', share_acl.create_user('ann@t38.test')),
    ('bea', share_acl.create_user('bea@t38.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t38', pg_temp.id('ann')));
SELECT share_acl.add_member(pg_temp.id('ws'), pg_temp.id('bea'), 'member');
SELECT pg_temp.act('ann');
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
SELECT share_acl.share(pg_temp.id('P'), pg_temp.id('bea'), 'viewer');

-- 300 uploads, then 300 more, each checked (upload on P) as it is made
SELECT count(share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'))) FROM generate_series(1, 300);
INSERT INTO counts VALUES ('before', pg_temp.log_rows_fetched());
INSERT INTO ids SELECT 'a' || i, share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P'))
  FROM generate_series(1, 300) i;
INSERT INTO counts VALUES ('after', pg_temp.log_rows_fetched());

SELECT cmp_ok((SELECT n FROM counts WHERE what = 'after') - (SELECT n FROM counts WHERE what = 'before'),
              '<', 300::bigint,
    'the second 300 uploads fetch fewer log rows than uploads (not the earlier entries at each)');
SELECT is(share_acl.has_access(pg_temp.id('bea'), pg_temp.id('a300'), 'view'), true,
    'the last upload is seen in the same transaction (R13)');
SELECT is((SELECT count(*) FROM ids WHERE name LIKE 'a%' AND share_acl.has_access(pg_temp.id('bea'), id, 'view')),
    300::bigint, 'every upload of the loop is seen');
-- a savepoint rolled back in the loop: its upload is gone, the others stay
SAVEPOINT s;
INSERT INTO ids VALUES ('gone', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT share_acl.has_access(pg_temp.id('bea'), pg_temp.id('gone'), 'view');
ROLLBACK TO SAVEPOINT s;
INSERT INTO ids VALUES ('kept', share_acl.create_resource(pg_temp.id('ws'), 'asset', pg_temp.id('P')));
SELECT is(share_acl.has_access(pg_temp.id('bea'), pg_temp.id('kept'), 'view'), true,
    'an upload after a rolled-back savepoint is seen');
SELECT is((SELECT count(*) FROM share_acl.accessible_resources(pg_temp.id('bea'), 'view', kind => 'asset')),
    601::bigint, 'the rolled-back upload is not (600 of the loop and the one after)');

SELECT * FROM finish();
ROLLBACK;
