-- pgTAP: what share_acl.change_log records (the deltas every backend applies
-- to its caches instead of reloading them), and how it is protected.
--
-- Each change to a table the caches keep by id logs the ids whose cached
-- data changed, with the kind of cache: 'r' (structure: resource,
-- collection_item), 'p' (principal store: principal, member, team_member,
-- share) or 'w' (workspaces).  A statement too big for deltas, a change of resource ids and
-- TRUNCATE log a reload entry (no id).  Deleting entries leaves a marker;
-- entries cannot be updated.
BEGIN;
SET LOCAL search_path = share_acl, public;
SELECT plan(23);

\set w      32000000-0000-0000-0001-000000000001
\set o      32000000-0000-0000-0002-000000000001
\set u      32000000-0000-0000-0002-000000000002
\set t      32000000-0000-0000-0002-000000000003
\set P      32000000-0000-0000-0003-000000000001
\set C      32000000-0000-0000-0003-000000000002
\set A      32000000-0000-0000-0003-000000000003

-- the entries this transaction logged since the last mark
CREATE TEMP TABLE seen (entry tid);
CREATE FUNCTION pg_temp.new_entries() RETURNS TABLE (kind "char", id uuid) LANGUAGE sql AS $$
    SELECT l.kind, l.id FROM share_acl.change_log l
     WHERE l.txid = pg_current_xact_id() AND l.ctid NOT IN (SELECT entry FROM seen)
     ORDER BY 1, 2
$$;
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
    INSERT INTO seen SELECT ctid FROM share_acl.change_log WHERE txid = pg_current_xact_id();
$$;

INSERT INTO share_acl.workspace (id, name) VALUES (:'w', 'change log');
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['w:' || :'w'],
          'a new workspace: one workspace entry');
SELECT pg_temp.mark();
UPDATE share_acl.workspace SET members_can_share = false WHERE id = :'w';
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['w:' || :'w'],
          'a workspace''s policy changed: one workspace entry');
SELECT pg_temp.mark();
INSERT INTO share_acl.principal (id, kind, email) VALUES (:'o', 'user', 'o@log.test');
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['p:' || :'o'],
          'a new principal: one principal entry');
SELECT pg_temp.mark();

INSERT INTO share_acl.principal (id, kind, email) VALUES (:'u', 'user', 'u@log.test');
INSERT INTO share_acl.principal (id, kind, workspace_id) VALUES (:'t', 'team', :'w');
INSERT INTO share_acl.member (workspace_id, principal_id, role) VALUES (:'w', :'o', 'owner'), (:'w', :'u', 'member');
SELECT pg_temp.mark();
INSERT INTO share_acl.team_member (team_id, member_id) VALUES (:'t', :'u');
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['p:' || :'u'],
          'a team membership: an entry for the member (its teams changed)');
SELECT pg_temp.mark();

INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    (:'P', :'w', 'project', NULL), (:'C', :'w', 'collection', :'P'), (:'A', :'w', 'asset', :'P');
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()),
          ARRAY(SELECT unnest(ARRAY['r:' || :'P', 'r:' || :'C', 'r:' || :'A']) ORDER BY 1),
          'three resources in one statement: one structure entry each');
SELECT pg_temp.mark();

INSERT INTO share_acl.collection_item (collection_id, resource_id) VALUES (:'C', :'A');
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['r:' || :'A'],
          'a collection item: an entry for the resource it holds');
SELECT pg_temp.mark();

INSERT INTO share_acl.share (resource_id, grantee_id, perms) VALUES (:'P', :'t', 'viewer');
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['p:' || :'t'],
          'a share: an entry for the grantee');
SELECT pg_temp.mark();

UPDATE share_acl.resource SET restricted = true WHERE id = :'A';
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['r:' || :'A'],
          'an update of a resource: an entry for it');
SELECT pg_temp.mark();

UPDATE share_acl.member SET role = 'admin' WHERE principal_id = :'u';
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['p:' || :'u'],
          'a role change: an entry for the principal');
SELECT pg_temp.mark();

DELETE FROM share_acl.resource WHERE id = :'C';
SELECT is(ARRAY(SELECT kind::text || ':' || id FROM pg_temp.new_entries()), ARRAY['r:' || :'C', 'r:' || :'A'],
          'a collection deleted: entries for it and for the resource its cascaded items held');
SELECT pg_temp.mark();

-- a bulk statement logs one reload entry instead of 10,001 ids
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('32000000-0000-0000-0005-' || lpad(to_hex(i), 12, '0'))::uuid, :'w', 'asset', :'P'
  FROM generate_series(1, 10001) i;
SELECT is(ARRAY(SELECT kind::text || ':' || coalesce(id::text, 'reload') FROM pg_temp.new_entries()),
          ARRAY['r:reload'], 'a statement changing 10,001 resources: one reload entry');
SELECT pg_temp.mark();

-- a resource whose id changes: reload (the nodes below point at its old node)
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id) VALUES
    ('32000000-0000-0000-0006-000000000001', :'w', 'asset', :'P');
SELECT pg_temp.mark();
UPDATE share_acl.resource SET id = '32000000-0000-0000-0006-000000000002'
 WHERE id = '32000000-0000-0000-0006-000000000001';
SELECT is((SELECT count(*) FROM share_acl.change_log
            WHERE txid = pg_current_xact_id() AND kind = 'r' AND id IS NULL), 2::bigint,
          'a change of a resource id: a reload entry');

-- past 50,000 transactions, one write in 256 prunes the log: 50,001
-- subtransactions that write move the xid counter past it, then 1,500 writes
-- (all but certainly one pruning among them) must succeed
CREATE TEMP TABLE xids (n int);
DO $$
BEGIN
    FOR i IN 1..50001 LOOP
        BEGIN
            INSERT INTO xids VALUES (i);
        EXCEPTION WHEN OTHERS THEN RAISE;
        END;
    END LOOP;
END $$;
CREATE FUNCTION pg_temp.write_often() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    FOR i IN 1..1500 LOOP
        UPDATE share_acl.resource SET guest_ai_enabled = NOT guest_ai_enabled
         WHERE id = '32000000-0000-0000-0003-000000000001';
    END LOOP;
END $f$;
SELECT lives_ok('SELECT pg_temp.write_often()',
                'writes past 50,000 transactions (pruning the log now and then) succeed');

-- nobody but the extension writes or reads the log
CREATE ROLE t32_app NOLOGIN;
GRANT share_acl_user TO t32_app;
SET LOCAL ROLE t32_app;
SELECT throws_ok($$SELECT count(*) FROM share_acl.change_log$$, '42501', NULL,
                 'share_acl_user cannot read the change log');
SELECT throws_ok($$INSERT INTO share_acl.change_log (kind, id) VALUES ('r', NULL)$$, '42501', NULL,
                 'share_acl_user cannot write the change log');
RESET ROLE;

-- entries are never updated; a deletion leaves a marker; TRUNCATE asks every backend to reload
SELECT throws_ok($$UPDATE share_acl.change_log SET id = NULL$$, '2F003', NULL,
                 'entries cannot be updated (not even by the owner)');
-- (a marker left by an earlier pruning in this database may be there already)
SELECT is((SELECT count(*) FROM share_acl.change_log WHERE kind = '-' AND deleted_through = pg_current_xact_id()),
          0::bigint, 'no marker of this transaction yet');
DELETE FROM share_acl.change_log WHERE txid = pg_current_xact_id() AND id = :'A';
SELECT is((SELECT max(deleted_through::text::bigint) FROM share_acl.change_log WHERE kind = '-'),
          pg_current_xact_id()::text::bigint,
          'deleting entries leaves a marker naming the newest deleted transaction');
SELECT is(ARRAY(SELECT deleted_kind::text FROM share_acl.change_log
                 WHERE kind = '-' AND deleted_through = pg_current_xact_id()),
          ARRAY['r'], '... and the kind of the entries deleted');

-- a marker concerns the caches of its kind only: the principal store's
-- entries deleted (as a prune deletes every kind's) leave the structure as
-- it was; structure entries deleted make it load again (the table's size
-- known, so that the structure is loaded in full, and full_loads counts it)
ANALYZE share_acl.resource;
SELECT has_access(:'o', :'A', 'view') AS synced \gset
SELECT full_loads AS loads0 FROM share_acl.cache_stats() \gset
UPDATE share_acl.principal SET display_name = 'renamed' WHERE id = :'u';
SELECT has_access(:'o', :'A', 'view') AS synced \gset
DELETE FROM share_acl.change_log WHERE txid = pg_current_xact_id() AND kind = 'p';
SELECT share_acl._see_committed();	-- (every cache reads the log at its next check)
SELECT is((SELECT full_loads FROM share_acl.cache_stats() WHERE has_access(:'o', :'A', 'view')),
          :loads0::bigint, 'principal entries deleted: the structure does not load again');
UPDATE share_acl.resource SET restricted = NOT restricted WHERE id = :'A';
SELECT has_access(:'o', :'A', 'view') AS synced \gset
DELETE FROM share_acl.change_log WHERE txid = pg_current_xact_id() AND kind = 'r';
SELECT share_acl._see_committed();
SELECT is((SELECT full_loads FROM share_acl.cache_stats() WHERE has_access(:'o', :'A', 'view')),
          :loads0::bigint + 1, 'structure entries deleted: the structure loads again');
TRUNCATE share_acl.change_log;
SELECT is(ARRAY(SELECT kind::text || ':' || coalesce(id::text, 'reload') FROM share_acl.change_log ORDER BY 1),
          ARRAY['p:reload', 'r:reload', 'w:reload'], 'TRUNCATE leaves a reload entry for each cache');
SELECT is(share_acl.has_access(:'o', :'A', 'delete'), true,
          'the owner still deletes A after the log was emptied (the caches reloaded)');

SELECT * FROM finish();
ROLLBACK;
