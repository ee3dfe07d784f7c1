-- A fresh backend maps the workspace image and applies the changes since it
-- was written; when it must read the table instead (a workspace deleted
-- since), it starts from an empty cache of its own, also when the image
-- holds no workspace at all (an image written while the database had none:
-- the cache then pointed into the mapped image, and reading the table
-- into it ended the backend with a segmentation fault).
\set regression_db :DBNAME
\set regression_user :USER
CREATE DATABASE share_acl_ws_empty;
\c share_acl_ws_empty
CREATE EXTENSION share_acl;
-- a backend that reads the empty workspace table writes an image of it
\c
SELECT share_acl.has_access(gen_random_uuid(), gen_random_uuid(), 'view');
SELECT workspaces, workspace_reads FROM share_acl.cache_stats();
-- two workspaces, then one deleted: the image is behind by a deletion
INSERT INTO share_acl.workspace (id, name) VALUES
    ('e0000000-0000-0000-0000-000000000001', 'a'), ('e0000000-0000-0000-0000-000000000002', 'b');
DELETE FROM share_acl.workspace WHERE name = 'a';
\c
SELECT share_acl.has_access(gen_random_uuid(), 'e0000000-0000-0000-0000-000000000002', 'view');
SELECT workspaces, workspace_reads FROM share_acl.cache_stats();
-- more than 256 new workspaces at once: read whole as well
\c
SELECT share_acl.has_access(gen_random_uuid(), gen_random_uuid(), 'view');
INSERT INTO share_acl.workspace (id, name)
SELECT ('e0000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid, 'w' || i FROM generate_series(1, 300) AS i;
\c
SELECT share_acl.has_access(gen_random_uuid(), 'e0000000-0000-0000-0001-000000000001', 'view');
SELECT workspaces, workspace_reads FROM share_acl.cache_stats();
\c :regression_db :regression_user
DROP DATABASE share_acl_ws_empty;
