-- Collections filed in collections make a lattice that any member can build
-- through the API (upload on the workspace, manage_collections on their
-- own): here 26 layers of two collections, each of layer i + 1 in both of
-- layer i, so 2^26 paths lead up from the bottom asset.  Each check walks
-- every node once (a walk without the principal's memo keeps one of its
-- own), never once per path: a check by a principal new to the backend, the
-- first check of the current principal, accessible_resources, explain_access
-- and who_has_access answer well within a second.  (Walking every path took
-- seconds per check at 26 layers, doubling with each layer, and no cancel or
-- statement_timeout stopped it.)
\o /dev/null
SELECT share_acl.create_user('owner@lattice.test') AS owner \gset
SELECT share_acl.create_user('cleo@lattice.test') AS cleo \gset
SELECT share_acl.create_user('ben@lattice.test') AS ben \gset
SELECT share_acl.create_workspace('lattice', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'cleo', 'member');
SELECT share_acl.add_member(:'ws', :'ben', 'member');
BEGIN;
SELECT share_acl.set_principal(:'cleo');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
CREATE TEMP TABLE layer AS
SELECT l, k, share_acl.create_resource(:'ws', 'collection', :'project') AS id
  FROM generate_series(0, 26) l, generate_series(0, 1) k;
SELECT share_acl.add_to_collection(a.id, b.id)
  FROM layer a JOIN layer b ON b.l = a.l + 1 ORDER BY a.l, a.k, b.k;
SELECT share_acl.create_resource(:'ws', 'asset', :'project') AS bottom \gset
SELECT share_acl.add_to_collection(id, :'bottom') FROM layer WHERE l = 26;
-- ben views what is filed below one collection of the top layer
SELECT id AS top FROM layer WHERE l = 0 AND k = 0 \gset
SELECT share_acl.share(:'top', :'ben', 'viewer');
COMMIT;
\o
SET statement_timeout = '1s';
-- a backend that has seen nobody
\c
SET statement_timeout = '1s';
SELECT share_acl.has_access(:'ben', :'bottom', 'view') AS ben_views_bottom;
SELECT share_acl.has_access(:'ben', :'bottom', 'edit') AS ben_edits_bottom;
\c
SET statement_timeout = '1s';
BEGIN;
SELECT share_acl.set_principal(:'ben') \gset
SELECT share_acl.has_access(:'bottom', 'view') AS current_views_bottom;
COMMIT;
\c
SET statement_timeout = '1s';
SELECT count(*) AS ben_lists FROM share_acl.accessible_resources(:'ben', 'view');
SELECT perms FROM share_acl.explain_access(:'ben', :'bottom', 'view');
SELECT count(*) FILTER (WHERE principal = :'ben') AS ben_listed FROM share_acl.who_has_access(:'bottom');
RESET statement_timeout;
SELECT share_acl.set_principal(NULL) \gset
DELETE FROM share_acl.workspace WHERE id = :'ws';
DELETE FROM share_acl.principal WHERE id IN (:'owner', :'cleo', :'ben');

-- The depth limit's look down from what is moved or filed (_depth_check)
-- reads each resource below once too: a chain of 900 collections, each
-- holding the next two, reaches the one at place i at about i / 2
-- different depths.  Filing or moving its top reads each collection's
-- items a few times, not once per depth, counted by the transaction's
-- index scans of collection_item (2,709 and 1,805 scans; walking the
-- depths read them 202,950 times here, growing with the square of the
-- chain, under the workspace's structure lock).
\o /dev/null
SELECT share_acl.create_user('owner@chain.test') AS owner \gset
SELECT share_acl.create_user('cleo@chain.test') AS cleo \gset
SELECT share_acl.create_workspace('chain', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'cleo', 'member');
BEGIN;
SELECT share_acl.set_principal(:'cleo');
SELECT share_acl.create_resource(:'ws', 'project') AS p1 \gset
SELECT share_acl.create_resource(:'ws', 'project') AS p2 \gset
SELECT share_acl.create_resource(:'ws', 'collection', :'p2') AS x \gset
CREATE TEMP TABLE chain AS
SELECT i, share_acl.create_resource(:'ws', 'collection', :'p1') AS id FROM generate_series(0, 899) i;
COMMIT;
INSERT INTO share_acl.collection_item (collection_id, resource_id)
SELECT a.id, b.id FROM chain a JOIN chain b ON b.i > a.i AND b.i <= a.i + 2;
SELECT id AS c0 FROM chain WHERE i = 0 \gset
\o
SELECT share_acl._depth_below(:'c0', 999) AS levels_below,
       share_acl._depth_below(:'c0', 100) AS capped_at_101;
CREATE FUNCTION pg_temp.item_scans() RETURNS bigint LANGUAGE sql
    AS $$ SELECT idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'share_acl.collection_item'::regclass $$;
BEGIN;
SELECT share_acl.set_principal(:'cleo') \gset
SELECT pg_temp.item_scans() AS before \gset
SELECT share_acl.add_to_collection(:'x', :'c0') AS filed;
SELECT pg_temp.item_scans() - :before < 20000 AS filing_read_each_once;
SELECT pg_temp.item_scans() AS before \gset
SELECT share_acl.move_resource(:'c0', :'p2') AS moved;
SELECT pg_temp.item_scans() - :before < 20000 AS moving_read_each_once;
COMMIT;
SELECT share_acl.set_principal(NULL) \gset
DELETE FROM share_acl.workspace WHERE id = :'ws';
DELETE FROM share_acl.principal WHERE id IN (:'owner', :'cleo');
