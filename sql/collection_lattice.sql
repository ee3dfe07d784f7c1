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
