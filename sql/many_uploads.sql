-- A member uploads 30,000 assets below one collection in one statement,
-- then audit_for reads them back.
-- 1. The transaction's own change-log entries stay in its memory however
--    many it writes (up to a million), so its checks read none of them
--    from the log: past 10,000 each check scanned every entry of the
--    transaction (20,000 uploads took 14 s, 60,000 took 96 s; now 2.5 s and
--    7.9 s).
-- 2. audit_for matches each audit row of the workspace against the
--    resources below through hashed sets, not arrays searched end to end
--    (60,000 below: 9.3 s as the superuser, far longer through
--    row-level security; now 0.9 s): within a statement timeout of 3 s.
-- 3. audit_for reads its resource's workspace's rows only, by index: for
--    another tenant's project, a few rows of the log, not those 30,000
--    (it had read the whole log for the share links made below).
\o /dev/null
SELECT share_acl.create_user('owner@many-uploads.test') AS owner \gset
SELECT share_acl.create_user('cleo@many-uploads.test') AS cleo \gset
SELECT share_acl.create_workspace('many uploads', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'cleo', 'member');
\o
BEGIN;
SELECT share_acl.set_principal(:'cleo') \gset
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.create_resource(:'ws', 'collection', :'project') AS x \gset
SET LOCAL statement_timeout = '30s';
SELECT count(share_acl.create_resource(:'ws', 'asset', :'x')) AS uploaded FROM generate_series(1, 30000);
SELECT coalesce(idx_tup_fetch, 0) < 1000 AS own_entries_not_read_from_the_log
  FROM pg_stat_xact_user_tables WHERE relid = 'share_acl.change_log'::regclass;
COMMIT;
SET statement_timeout = '3s';
SELECT count(*) AS rows_for_collection FROM share_acl.audit_for(:'x');
SELECT count(*) AS rows_for_project FROM share_acl.audit_for(:'project');
BEGIN;
SELECT share_acl.set_principal(:'owner') \gset
SELECT count(*) AS rows_the_owner_reads FROM share_acl.audit_for(:'x');
COMMIT;
RESET statement_timeout;
\o /dev/null
SELECT share_acl.create_user('dora@many-uploads.test') AS dora \gset
SELECT share_acl.create_workspace('small neighbour', :'dora') AS ws2 \gset
SELECT share_acl.set_principal(:'dora');
SELECT share_acl.create_resource(:'ws2', 'project') AS p2 \gset
SELECT share_acl.set_principal(NULL);
\o
ANALYZE share_acl.audit_log;
CREATE TEMP VIEW log_rows_read AS
SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) AS n
  FROM pg_stat_xact_user_tables
 WHERE relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'share_acl.audit_log'::regclass);
BEGIN;
SELECT share_acl.set_principal(:'dora') \gset
SELECT n AS read_before FROM log_rows_read \gset
SELECT count(*) AS rows_for_the_neighbours_project FROM share_acl.audit_for(:'p2');
SELECT n - :read_before BETWEEN 1 AND 999 AS few_rows_of_the_log_read FROM log_rows_read;
COMMIT;
DELETE FROM share_acl.workspace WHERE id IN (:'ws', :'ws2');
DELETE FROM share_acl.principal WHERE id IN (:'owner', :'cleo', :'dora');
