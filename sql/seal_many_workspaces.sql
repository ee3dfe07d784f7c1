-- One statement that writes audit rows in many workspaces commits in time
-- linear in its rows, also when the planner expects audit_stage to hold many
-- rows per transaction (its statistics taken, e.g. by autovacuum, while a
-- bulk load was staged): the seal then found each chain's last row by
-- scanning every row again for each row (30,000 workspaces: about 30 s
-- where it now takes about 2).
SET log_min_error_statement = panic;
BEGIN;
INSERT INTO share_acl.workspace (name)
SELECT 'seal many ' || w FROM generate_series(1, 30000) w;
ANALYZE share_acl.audit_stage;
COMMIT;
SELECT reltuples >= 30000 AS stage_estimated_big FROM pg_class WHERE oid = 'share_acl.audit_stage'::regclass;
SELECT clock_timestamp() AS t0 \gset
INSERT INTO share_acl.workspace (name)
SELECT 'seal many more ' || w FROM generate_series(1, 30000) w;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '15 seconds' AS committed_in_time;
SELECT ok FROM share_acl.audit_verify();
DELETE FROM share_acl.workspace WHERE name LIKE 'seal many %';
ANALYZE share_acl.audit_stage;
