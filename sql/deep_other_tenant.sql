-- A trusted administrator's direct writes are not bounded in depth: a chain
-- past the resolver's bound (10,000 levels) fails the checks of its own
-- deep resources, and must not fail anyone else's listing:
-- accessible_resources walks only the workspaces where its principal may
-- hold something, with the structure held in full or read on demand (a
-- backend whose share_acl.cache_size is below the structure, and that maps
-- no shared image: share_acl.shared_cache_size = 0).
\set regression_db :DBNAME
\set regression_user :USER
CREATE DATABASE share_acl_deep;
\c share_acl_deep
CREATE EXTENSION share_acl;
\o /dev/null
SELECT share_acl.create_user('owner@deep.test') AS owner \gset
SELECT share_acl.create_user('member@deep.test') AS member \gset
SELECT share_acl.create_workspace('listed', :'owner') AS ws \gset
SELECT share_acl.add_member(:'ws', :'member', 'member');
SELECT share_acl.set_principal(:'owner');
SELECT share_acl.create_resource(:'ws', 'project') AS project \gset
SELECT share_acl.share(:'project', :'member', 'viewer');
-- another tenant's chain: 30,000 collections below a project
INSERT INTO share_acl.workspace (id, name) VALUES ('de000000-0000-0000-0000-000000000001', 'deep');
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
VALUES ('de000000-0000-0000-0001-000000000000', 'de000000-0000-0000-0000-000000000001', 'project', NULL);
INSERT INTO share_acl.resource (id, workspace_id, kind, parent_id)
SELECT ('de000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid,
       'de000000-0000-0000-0000-000000000001', 'collection',
       ('de000000-0000-0000-0001-' || lpad(to_hex(i - 1), 12, '0'))::uuid
  FROM generate_series(1, 30000) AS i;
\o
-- a backend with the structure in full
\c
SELECT count(*) AS listed FROM share_acl.accessible_resources(:'member', 'view');
SELECT structure FROM share_acl.cache_stats();
-- a backend that reads it on demand
\c
SET share_acl.cache_size = '1MB';
SET share_acl.shared_cache_size = 0;
SELECT count(*) AS listed FROM share_acl.accessible_resources(:'member', 'view');
SELECT structure FROM share_acl.cache_stats();
\c :regression_db :regression_user
DROP DATABASE share_acl_deep;
