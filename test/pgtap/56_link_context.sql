-- pgTAP: the link context (R7, R13) is tied to the (sub)transaction that
-- opened the link, reaches parallel workers, and cannot be forged.
--
-- alice owns ws with project P holding 2,000 assets, listed in an
-- application table under protect(); a viewer link on P gives its holder
-- (no principal) view on each asset.
BEGIN;
SELECT plan(22);

CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid NOT NULL);
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT id FROM ids WHERE name = $1 $$;
INSERT INTO ids VALUES ('alice', share_acl.create_user('alice@t56.test'));
INSERT INTO ids VALUES ('ws', share_acl.create_workspace('t56', pg_temp.id('alice')));
SELECT share_acl.set_principal(pg_temp.id('alice'));
INSERT INTO ids VALUES ('P', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO ids VALUES ('Q', share_acl.create_resource(pg_temp.id('ws'), 'project'));
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id, owner_id)
SELECT md5('t56 asset ' || i)::uuid, pg_temp.id('ws'), 'asset', pg_temp.id('P'), pg_temp.id('alice')
FROM generate_series(1, 2000) i;
CREATE TABLE public.t56_asset (id uuid PRIMARY KEY, title text);
INSERT INTO public.t56_asset SELECT md5('t56 asset ' || i)::uuid, 'asset ' || i FROM generate_series(1, 2000) i;
SELECT share_acl.protect('public.t56_asset');
ANALYZE public.t56_asset;
CREATE ROLE t56_reader;
GRANT SELECT ON public.t56_asset TO t56_reader;
GRANT USAGE ON SCHEMA share_acl TO t56_reader;
CREATE TEMP TABLE tok (t text);
INSERT INTO tok SELECT share_acl.create_link(pg_temp.id('P'), 'viewer');
CREATE TEMP TABLE tok_revoked (t text);
INSERT INTO tok_revoked SELECT share_acl.create_link(pg_temp.id('P'), 'viewer');
CREATE TEMP TABLE tok_brief (t text);
INSERT INTO tok_brief SELECT share_acl.create_link(pg_temp.id('P'), 'viewer',
    expires_at => clock_timestamp() + interval '1 second');
SELECT share_acl.set_principal(NULL);

-- savepoints
SAVEPOINT before_open;
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok))), 'ok', 'the link opens');
SELECT ok(share_acl.has_access(md5('t56 asset 1')::uuid, 'view'), 'the link context gives view on an asset of P');
ROLLBACK TO SAVEPOINT before_open;
SELECT is(share_acl.current_link(), NULL, 'ROLLBACK TO SAVEPOINT ends a link context opened after the savepoint');
SELECT ok(NOT share_acl.has_access(md5('t56 asset 1')::uuid, 'view'),
    'and the link no longer gives anything');

SAVEPOINT kept;
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok))), 'ok', 'opened again in a savepoint');
RELEASE SAVEPOINT kept;
SELECT isnt(share_acl.current_link(), NULL, 'RELEASE SAVEPOINT keeps the link context');
SELECT ok(share_acl.has_access(md5('t56 asset 1')::uuid, 'view'), 'and what it gives');
SELECT share_acl._set_link_context(NULL);

-- a PL/pgSQL block whose exception handler catches an error after the open
DO $$
BEGIN
    BEGIN
        PERFORM * FROM share_acl.open_link((SELECT t FROM tok));
        RAISE EXCEPTION 'application error after the open';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END $$;
SELECT is(share_acl.current_link(), NULL, 'a failed exception block ends a link context opened inside it');

-- current_link() names the link only while it counts, as has_access judges
-- it: an application policy on link_id = current_link() ends with the link
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok_revoked))), 'ok', 'a second link opens');
SELECT share_acl.set_principal(pg_temp.id('alice'));
SELECT share_acl.revoke_link(share_acl.link_id((SELECT t FROM tok_revoked)));
SELECT share_acl.set_principal(NULL);
SELECT is(share_acl.current_link(), NULL, 'current_link() is NULL once its link is revoked');
SELECT ok(NOT share_acl.has_access(md5('t56 asset 1')::uuid, 'view'), 'as has_access gives nothing');
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok_brief))), 'ok',
    'a link that expires in a second opens');
SELECT pg_sleep(1.2);
SELECT is(share_acl.current_link(), NULL, 'current_link() is NULL once its link expired');
SELECT ok(NOT share_acl.has_access(md5('t56 asset 1')::uuid, 'view'), 'and has_access gives nothing');
SELECT share_acl._set_link_context(NULL);

-- the setting cannot be forged
SELECT throws_ok(format('SET share_acl.link_context = %L', md5('x')::uuid),
    '42501', NULL, 'SET share_acl.link_context is refused');
SELECT throws_ok($$SELECT set_config('share_acl.link_context', md5('x')::uuid::text, true)$$,
    '42501', NULL, 'set_config(''share_acl.link_context'', …) is refused');
SET LOCAL ROLE t56_reader;
SELECT throws_ok($$SELECT set_config('share_acl.link_context', md5('x')::uuid::text, true)$$,
    '42501', NULL, 'also for a role with no share_acl rights');
RESET ROLE;

-- parallel workers see the link context: the same answers in both plans
SELECT is((SELECT status FROM share_acl.open_link((SELECT t FROM tok))), 'ok', 'the link opens for the RLS queries');
SET LOCAL ROLE t56_reader;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT is((SELECT count(*) FROM public.t56_asset), 2000::bigint,
    'serial plan: the link gives view on all 2,000 rows');
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        plan := plan || line || ' ';
    END LOOP;
    RETURN plan;
END $$;
-- (a query run by pgTAP's is() is never parallel: the counts are taken by
-- CREATE TABLE AS, which may run its query with a parallel plan)
SELECT matches(pg_temp.plan_of('SELECT count(*) FROM public.t56_asset'),
    'Workers Launched: [1-9].*Parallel Seq Scan on t56_asset',
    'the query runs with a parallel plan and launched workers');
CREATE TEMP TABLE t56_workers_only AS SELECT count(*) AS n FROM public.t56_asset;
SET LOCAL parallel_leader_participation = on;
CREATE TEMP TABLE t56_with_leader AS SELECT count(*) AS n FROM public.t56_asset;
SELECT is((SELECT n FROM t56_workers_only), 2000::bigint,
    'parallel plan, rows checked by the workers only: the same 2,000 rows');
SELECT is((SELECT n FROM t56_with_leader), 2000::bigint,
    'parallel plan with the leader taking part: the same 2,000 rows');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
