-- test/bench/app.sql — the application table of the benchmark, three ways:
--   bench.asset      protected by share_acl.protect()
--   bench.asset_shuffled  the same, its rows in random physical order
--   bench.asset_sj   a semi-join policy over bench_sql.accessible()
--   bench.asset_fn   a per-row policy calling bench_sql.can_view()
-- The same rows in each (one per asset resource).  Reading them with RLS off
-- is done by their owner (bench_owner), which RLS does not apply to.
\set ON_ERROR_STOP 1
DO $$ BEGIN CREATE ROLE bench_owner LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE bench_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT share_acl_user TO bench_app, bench_owner;
CREATE SCHEMA bench AUTHORIZATION bench_owner;
GRANT USAGE ON SCHEMA bench TO bench_app;
GRANT USAGE ON SCHEMA bench_sql TO bench_app, bench_owner;
SET ROLE bench_owner;
CREATE TABLE bench.asset (id uuid PRIMARY KEY, project_id uuid NOT NULL, title text NOT NULL, size bigint);
INSERT INTO bench.asset
SELECT r.id, r.parent_id, 'asset ' || left(r.id::text, 8), 1000 + length(r.id::text)
FROM share_acl.resource r WHERE r.kind = 'asset';
-- the same rows in random physical order (the order of the resources is no help)
CREATE TABLE bench.asset_shuffled (LIKE bench.asset INCLUDING ALL);
INSERT INTO bench.asset_shuffled SELECT * FROM bench.asset ORDER BY md5(id::text);
CREATE TABLE bench.asset_sj (LIKE bench.asset INCLUDING ALL);
INSERT INTO bench.asset_sj SELECT * FROM bench.asset;
CREATE TABLE bench.asset_fn (LIKE bench.asset INCLUDING ALL);
INSERT INTO bench.asset_fn SELECT * FROM bench.asset;
CREATE TABLE bench.insert_target (id bigserial PRIMARY KEY, resource_id uuid, grantee_id uuid, perms text, at timestamptz DEFAULT now());
GRANT SELECT ON bench.asset, bench.asset_shuffled, bench.asset_sj, bench.asset_fn TO bench_app;
GRANT INSERT ON bench.insert_target TO bench_app;
GRANT USAGE ON SEQUENCE bench.insert_target_id_seq TO bench_app;
SELECT share_acl.protect('bench.asset', 'id', 'project_id');
SELECT share_acl.protect('bench.asset_shuffled', 'id', 'project_id');
ALTER TABLE bench.asset_sj ENABLE ROW LEVEL SECURITY;
CREATE POLICY sj ON bench.asset_sj FOR SELECT
    USING (id IN (SELECT bench_sql.accessible(nullif(current_setting('share_acl.principal', true), '')::uuid)));
ALTER TABLE bench.asset_fn ENABLE ROW LEVEL SECURITY;
CREATE POLICY fn ON bench.asset_fn FOR SELECT
    USING (bench_sql.can_view(nullif(current_setting('share_acl.principal', true), '')::uuid, id));
RESET ROLE;
VACUUM ANALYZE bench.asset, bench.asset_shuffled, bench.asset_sj, bench.asset_fn;
